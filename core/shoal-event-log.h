/* shoal-event-log.h: the event stream on disk, written as it happens
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-event.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_EVENT_LOG (shoal_event_log_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalEventLog, shoal_event_log, SHOAL, EVENT_LOG, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalEventLog *
    shoal_event_log_new (const char *path,
                         GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_event_log_get_path (ShoalEventLog *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_event_log_append (ShoalEventLog *self,
                                 ShoalEvent *event,
                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_event_log_close (ShoalEventLog *self,
                                GError **error);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_event_log_merge (const char *const *paths,
                                  guint *out_n_skipped,
                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_event_log_read (const char *path,
                                 guint *out_n_skipped,
                                 GError **error);

G_END_DECLS
