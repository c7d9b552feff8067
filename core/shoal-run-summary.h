/* shoal-run-summary.h: the totals of a finished run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-result.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_RUN_SUMMARY (shoal_run_summary_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalRunSummary, shoal_run_summary, SHOAL, RUN_SUMMARY, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalRunSummary *
    shoal_run_summary_new (const char *run_id);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_summary_add_result (ShoalRunSummary *self,
                                   ShoalTestResult *result);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_summary_set_execution_time (ShoalRunSummary *self,
                                           double seconds);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_summary_set_interrupted (ShoalRunSummary *self,
                                        gboolean interrupted);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_summary_set_run_dir (ShoalRunSummary *self,
                                    const char *run_dir);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_run_summary_get_run_id (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_run_summary_get_run_dir (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_total_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_passed_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_failed_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_skipped_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_count (ShoalRunSummary *self,
                               ShoalOutcome outcome);
SHOAL_AVAILABLE_IN_1_0
double shoal_run_summary_get_execution_time (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_run_summary_get_interrupted (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_run_summary_get_results (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_flaky_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_quarantined_tests (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_run_summary_get_retried_attempts (ShoalRunSummary *self);
SHOAL_AVAILABLE_IN_1_0
int shoal_run_summary_get_exit_status (ShoalRunSummary *self);

G_END_DECLS
