/* shoal-strategy.h: the interface of a distribution strategy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-dispatch-context.h"
#include "shoal-test-case.h"
#include "shoal-test-group.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_STRATEGY (shoal_strategy_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (ShoalStrategy, shoal_strategy, SHOAL, STRATEGY, GObject)

/**
 * ShoalStrategyInterface:
 * @prepare: called once before a run with every test of the run (dependencies
 *   included), so the strategy can precompute (critical paths, groups)
 * @push_ready: a test became ready to run (its dependencies are done)
 * @next: pick the ready test @worker_id runs now, or %NULL to leave the
 *   worker idle; the strategy must only return a test for which
 *   [method@Shoal.DispatchContext.can_start] just returned %TRUE (that call
 *   takes the test's resources for it), and forgets it once returned
 * @plan: a static plan: one [class@Shoal.TestGroup] per worker
 * @remove: forget a ready test the scheduler gave up on (it waited too long
 *   for its resources)
 *
 * The vtable of [iface@Shoal.Strategy]. The scheduler owns the dependency
 * graph and the resources; a strategy only orders the ready tests.
 */
struct _ShoalStrategyInterface
{
  GTypeInterface parent_iface;

  void (*prepare) (ShoalStrategy *self,
                   GPtrArray *tests,
                   ShoalDispatchContext *context);
  void (*push_ready) (ShoalStrategy *self,
                      ShoalTestCase *test,
                      ShoalDispatchContext *context);
  ShoalTestCase *(*next) (ShoalStrategy *self,
                          const char *worker_id,
                          ShoalDispatchContext *context);
  GList *(*plan) (ShoalStrategy *self,
                  GPtrArray *tests,
                  ShoalDispatchContext *context,
                  GError **error);
  void (*remove) (ShoalStrategy *self,
                  ShoalTestCase *test);

  /*< private >*/
  gpointer _reserved[11];
};

SHOAL_AVAILABLE_IN_1_0
void shoal_strategy_prepare (ShoalStrategy *self,
                             GPtrArray *tests,
                             ShoalDispatchContext *context);
SHOAL_AVAILABLE_IN_1_0
void shoal_strategy_push_ready (ShoalStrategy *self,
                                ShoalTestCase *test,
                                ShoalDispatchContext *context);
SHOAL_AVAILABLE_IN_1_0
ShoalTestCase *shoal_strategy_next (ShoalStrategy *self,
                                    const char *worker_id,
                                    ShoalDispatchContext *context);
SHOAL_AVAILABLE_IN_1_0
void shoal_strategy_remove (ShoalStrategy *self,
                            ShoalTestCase *test);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_strategy_plan (ShoalStrategy *self,
                            GPtrArray *tests,
                            ShoalDispatchContext *context,
                            GError **error);

G_END_DECLS
