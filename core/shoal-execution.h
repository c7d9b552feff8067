/* shoal-execution.h: what happened when the core ran a command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-types.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_EXECUTION (shoal_execution_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalExecution, shoal_execution, SHOAL, EXECUTION, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalExecution *
    shoal_execution_new (int wait_status,
                         gboolean timed_out,
                         gboolean interrupted,
                         gint64 start_time,
                         gint64 end_time,
                         double duration,
                         const char *worker_id,
                         guint attempt,
                         const char *output_path);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_execution_get_peak_rss (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_execution_set_peak_rss (ShoalExecution *self,
                                   gint64 bytes);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_execution_get_exited (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
int shoal_execution_get_exit_status (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
int shoal_execution_get_term_signal (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_execution_get_timed_out (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_execution_get_interrupted (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_execution_get_start_time (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
gint64 shoal_execution_get_end_time (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_execution_get_duration (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_execution_get_worker_id (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_execution_get_attempt (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_execution_get_output_path (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_execution_get_note (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_execution_set_note (ShoalExecution *self,
                               const char *note);
SHOAL_AVAILABLE_IN_1_0
double shoal_execution_get_timeout (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_execution_set_timeout (ShoalExecution *self,
                                  double seconds);
SHOAL_AVAILABLE_IN_1_0
ShoalOutcome shoal_execution_get_default_outcome (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
char *shoal_execution_describe (ShoalExecution *self);
SHOAL_AVAILABLE_IN_1_0
char *shoal_execution_read_output (ShoalExecution *self,
                                   gsize max_bytes,
                                   GError **error);

G_END_DECLS
