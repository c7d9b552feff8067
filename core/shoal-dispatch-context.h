/* shoal-dispatch-context.h: what a strategy may ask the scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-case.h"
#include "shoal-test-graph.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DISPATCH_CONTEXT (shoal_dispatch_context_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalDispatchContext, shoal_dispatch_context, SHOAL, DISPATCH_CONTEXT, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalDispatchContext *
    shoal_dispatch_context_new (guint n_workers,
                                double default_estimate);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalDispatchContext *
    shoal_dispatch_context_copy (ShoalDispatchContext *self,
                                 guint n_workers);
SHOAL_AVAILABLE_IN_1_0
guint shoal_dispatch_context_get_n_workers (ShoalDispatchContext *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_dispatch_context_estimate (ShoalDispatchContext *self,
                                        ShoalTestCase *test);
SHOAL_AVAILABLE_IN_1_0
void shoal_dispatch_context_set_estimate (ShoalDispatchContext *self,
                                          const char *test_id,
                                          double seconds);
SHOAL_AVAILABLE_IN_1_0
double shoal_dispatch_context_get_default_estimate (ShoalDispatchContext *self);
SHOAL_AVAILABLE_IN_1_0
ShoalTestGraph *shoal_dispatch_context_get_graph (ShoalDispatchContext *self,
                                                  GPtrArray *tests,
                                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_dispatch_context_can_start (ShoalDispatchContext *self,
                                           ShoalTestCase *test,
                                           const char *worker_id);

/**
 * ShoalAdmitFunc:
 * @test: the test a strategy wants to start
 * @worker_id: the worker it would run on
 * @user_data: closure data
 *
 * Whether @test can start on @worker_id now: its resources and worker slots
 * are free. When it returns %TRUE they have been taken for @test.
 *
 * Returns: %TRUE if it can start
 */
typedef gboolean (*ShoalAdmitFunc) (ShoalTestCase *test,
                                    const char *worker_id,
                                    gpointer user_data);

SHOAL_AVAILABLE_IN_1_0
void shoal_dispatch_context_set_admit_func (ShoalDispatchContext *self,
                                            ShoalAdmitFunc func,
                                            gpointer user_data,
                                            GDestroyNotify destroy);

G_END_DECLS
