/* shoal-strategy.c: the interface of a distribution strategy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-strategy.h"

/**
 * ShoalStrategy:
 *
 * A distribution strategy decides which ready test a free worker takes next
 * ([method@Shoal.Strategy.next]) and how tests split into static groups per
 * worker ([method@Shoal.Strategy.plan], for `shoal plan`, sharding and
 * reports). It is chosen by `distribution_strategy:` in `shoal.yaml`.
 *
 * The scheduler owns the dependency graph and the resources: a strategy sees
 * only tests whose dependencies are done, and asks
 * [method@Shoal.DispatchContext.can_start] before handing one out.
 */

G_DEFINE_INTERFACE (ShoalStrategy, shoal_strategy, G_TYPE_OBJECT)

static void
shoal_strategy_default_init (ShoalStrategyInterface *iface)
{
}

/**
 * shoal_strategy_prepare:
 * @self: a strategy
 * @tests: (element-type ShoalTestCase): every test of the run
 * @context: the dispatch context
 *
 * Called once before a run.
 */
void
shoal_strategy_prepare (ShoalStrategy *self,
                        GPtrArray *tests,
                        ShoalDispatchContext *context)
{
  ShoalStrategyInterface *iface;

  g_return_if_fail (SHOAL_IS_STRATEGY (self));
  g_return_if_fail (tests != NULL);
  g_return_if_fail (SHOAL_IS_DISPATCH_CONTEXT (context));

  iface = SHOAL_STRATEGY_GET_IFACE (self);
  if (iface->prepare != NULL)
    iface->prepare (self, tests, context);
}

/**
 * shoal_strategy_push_ready:
 * @self: a strategy
 * @test: a test whose dependencies are done
 * @context: the dispatch context
 *
 * Hands the strategy a test that is ready to run.
 */
void
shoal_strategy_push_ready (ShoalStrategy *self,
                           ShoalTestCase *test,
                           ShoalDispatchContext *context)
{
  g_return_if_fail (SHOAL_IS_STRATEGY (self));
  g_return_if_fail (SHOAL_IS_TEST_CASE (test));
  g_return_if_fail (SHOAL_IS_DISPATCH_CONTEXT (context));
  g_return_if_fail (SHOAL_STRATEGY_GET_IFACE (self)->push_ready != NULL);

  SHOAL_STRATEGY_GET_IFACE (self)->push_ready (self, test, context);
}

/**
 * shoal_strategy_next:
 * @self: a strategy
 * @worker_id: the free worker
 * @context: the dispatch context
 *
 * Picks the test @worker_id runs now.
 *
 * Returns: (transfer full) (nullable): a ready test that can start, or %NULL
 */
ShoalTestCase *
shoal_strategy_next (ShoalStrategy *self,
                     const char *worker_id,
                     ShoalDispatchContext *context)
{
  g_return_val_if_fail (SHOAL_IS_STRATEGY (self), NULL);
  g_return_val_if_fail (worker_id != NULL, NULL);
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (context), NULL);
  g_return_val_if_fail (SHOAL_STRATEGY_GET_IFACE (self)->next != NULL, NULL);

  return SHOAL_STRATEGY_GET_IFACE (self)->next (self, worker_id, context);
}

/**
 * shoal_strategy_remove:
 * @self: a strategy
 * @test: a ready test it holds
 *
 * Makes the strategy forget a ready test (the scheduler gave up on it).
 */
void
shoal_strategy_remove (ShoalStrategy *self,
                       ShoalTestCase *test)
{
  g_return_if_fail (SHOAL_IS_STRATEGY (self));
  g_return_if_fail (SHOAL_IS_TEST_CASE (test));
  g_return_if_fail (SHOAL_STRATEGY_GET_IFACE (self)->remove != NULL);

  SHOAL_STRATEGY_GET_IFACE (self)->remove (self, test);
}

/**
 * shoal_strategy_plan:
 * @self: a strategy
 * @tests: (element-type ShoalTestCase): the tests to plan
 * @context: the dispatch context (workers, estimates)
 * @error: return location for a #GError
 *
 * A static plan: one group per worker.
 *
 * Returns: (transfer full) (element-type ShoalTestGroup): the groups, or
 *   %NULL with @error set
 */
GList *
shoal_strategy_plan (ShoalStrategy *self,
                     GPtrArray *tests,
                     ShoalDispatchContext *context,
                     GError **error)
{
  g_return_val_if_fail (SHOAL_IS_STRATEGY (self), NULL);
  g_return_val_if_fail (tests != NULL, NULL);
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (context), NULL);
  g_return_val_if_fail (SHOAL_STRATEGY_GET_IFACE (self)->plan != NULL, NULL);

  return SHOAL_STRATEGY_GET_IFACE (self)->plan (self, tests, context, error);
}
