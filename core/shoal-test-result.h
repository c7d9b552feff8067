/* shoal-test-result.h: how one attempt of one test ended
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-types.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_RESULT (shoal_test_result_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestResult, shoal_test_result, SHOAL, TEST_RESULT, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestResult *
    shoal_test_result_new (const char *test_id,
                           ShoalOutcome outcome);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestResult *
    shoal_test_result_new_from_json (JsonNode *node,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestResult *
    shoal_test_result_copy (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
JsonNode *shoal_test_result_to_json (ShoalTestResult *self);

SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_test_id (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_name (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_name (ShoalTestResult *self,
                                 const char *name);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_suite (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_suite (ShoalTestResult *self,
                                  const char *suite);
SHOAL_AVAILABLE_IN_1_0
ShoalOutcome shoal_test_result_get_outcome (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_outcome (ShoalTestResult *self,
                                    ShoalOutcome outcome);
SHOAL_AVAILABLE_IN_1_0
int shoal_test_result_get_exit_status (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_exit_status (ShoalTestResult *self,
                                        int exit_status);
SHOAL_AVAILABLE_IN_1_0
int shoal_test_result_get_signal (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_signal (ShoalTestResult *self,
                                   int signum);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_result_get_duration (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_duration (ShoalTestResult *self,
                                     double seconds);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_result_get_retried (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_retried (ShoalTestResult *self,
                                    gboolean retried);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_result_get_flaky (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_flaky (ShoalTestResult *self,
                                  gboolean flaky);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_result_get_quarantined (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_quarantined (ShoalTestResult *self,
                                        gboolean quarantined);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_result_fails_run (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_test_result_get_peak_rss (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_peak_rss (ShoalTestResult *self,
                                     gint64 bytes);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_test_result_get_start_time (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_test_result_get_end_time (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_times (ShoalTestResult *self,
                                  gint64 start_time,
                                  gint64 end_time);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_worker_id (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_worker_id (ShoalTestResult *self,
                                      const char *worker_id);
SHOAL_AVAILABLE_IN_1_0
guint shoal_test_result_get_attempt (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_attempt (ShoalTestResult *self,
                                    guint attempt);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_output_path (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_output_path (ShoalTestResult *self,
                                        const char *path);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_result_get_message (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_message (ShoalTestResult *self,
                                    const char *message);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_result_get_resources (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_set_resources (ShoalTestResult *self,
                                      const char *const *resources);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_result_seal (ShoalTestResult *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_result_is_sealed (ShoalTestResult *self);

G_END_DECLS
