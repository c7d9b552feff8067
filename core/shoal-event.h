/* shoal-event.h: one entry of the run's event stream
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-test-result.h"
#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_EVENT_STREAM_VERSION:
 *
 * The version of the event stream's format, written as `"v"` in every event.
 * Readers accept streams of this version and refuse newer ones.
 */
#define SHOAL_EVENT_STREAM_VERSION 1

#define SHOAL_TYPE_EVENT (shoal_event_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalEvent, shoal_event, SHOAL, EVENT, GObject)

/**
 * ShoalEventKind:
 * @SHOAL_EVENT_UNKNOWN: a kind this version does not know (from a newer writer
 *   of the same stream version); readers skip it
 * @SHOAL_EVENT_RUN_STARTED: the run began: run id, workers, test count
 * @SHOAL_EVENT_TEST_QUEUED: a test was discovered and entered the plan
 * @SHOAL_EVENT_TEST_STARTED: a test's process was started on a worker
 * @SHOAL_EVENT_TEST_FINISHED: a test finished; carries the full result
 * @SHOAL_EVENT_RUN_FINISHED: the run ended: counts, duration, exit status
 * @SHOAL_EVENT_WORKER_STARTED: a worker slot became active
 * @SHOAL_EVENT_WORKER_STOPPED: a worker slot was retired
 * @SHOAL_EVENT_LOG_MESSAGE: a message for the user (warnings, leaked processes)
 *
 * The kinds of events in a stream.
 */
typedef enum
{
  SHOAL_EVENT_UNKNOWN,
  SHOAL_EVENT_RUN_STARTED,
  SHOAL_EVENT_TEST_QUEUED,
  SHOAL_EVENT_TEST_STARTED,
  SHOAL_EVENT_TEST_FINISHED,
  SHOAL_EVENT_RUN_FINISHED,
  SHOAL_EVENT_WORKER_STARTED,
  SHOAL_EVENT_WORKER_STOPPED,
  SHOAL_EVENT_LOG_MESSAGE,
} ShoalEventKind;

SHOAL_AVAILABLE_IN_1_0
const char *shoal_event_kind_to_string (ShoalEventKind kind);
SHOAL_AVAILABLE_IN_1_0
ShoalEventKind shoal_event_kind_from_string (const char *str);

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalEvent *
    shoal_event_new (ShoalEventKind kind,
                     guint64 sequence,
                     gint64 timestamp,
                     JsonObject *payload);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalEvent *
    shoal_event_new_from_line (const char *line,
                               gssize length,
                               GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalEventKind shoal_event_get_kind (ShoalEvent *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_event_get_kind_name (ShoalEvent *self);
SHOAL_AVAILABLE_IN_1_0
guint64 shoal_event_get_sequence (ShoalEvent *self);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_event_get_timestamp (ShoalEvent *self);
SHOAL_AVAILABLE_IN_1_0
JsonObject *shoal_event_get_payload (ShoalEvent *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_event_get_string (ShoalEvent *self,
                                    const char *member);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_event_get_int (ShoalEvent *self,
                            const char *member,
                            gint64 default_value);
SHOAL_AVAILABLE_IN_1_0
double shoal_event_get_double (ShoalEvent *self,
                               const char *member,
                               double default_value);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestResult *
    shoal_event_dup_result (ShoalEvent *self,
                            GError **error);
SHOAL_AVAILABLE_IN_1_0
char *shoal_event_to_line (ShoalEvent *self);

G_END_DECLS
