/* shoal-time-based-strategy.c: longest processing time first, one group per worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* An LPT partition of the estimates: tests longest first (after their
 * priority), each to the worker that frees up first, a test only once
 * every test it waits for has finished: the list scheduling of the
 * estimates, simulated. Each worker's group is what it took, in order.
 *
 * At run time a worker takes the ready tests of its own group in that
 * order (priorities first) and, when it has none it can start, steals the
 * same way from the group with the most estimated work left: near the
 * end, the workers that finish early take over the longest tests still
 * waiting instead of idling. With history, the estimates are the recorded
 * durations. */

#define SHOAL_TYPE_TIME_BASED_STRATEGY (shoal_time_based_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTimeBasedStrategy, shoal_time_based_strategy, SHOAL, TIME_BASED_STRATEGY, GObject)

struct _ShoalTimeBasedStrategy
{
  GObject parent_instance;

  ShoalPartitionQueue *queue;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalTimeBasedStrategy, shoal_time_based_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
partition (ShoalTestGraph *graph,
           guint n_groups,
           guint *group_of,
           guint *rank)
{
  guint n = shoal_test_graph_get_n_tests (graph);
  g_autofree guint *order = g_new (guint, MAX (n, 1));

  /* Priority, then the longest test, then the first to become ready. */
  shoal_strategy_simulate (graph, n_groups, shoal_test_graph_get_estimates (graph, NULL), NULL,
                           group_of, order);
  for (guint k = 0; k < n; k++)
    rank[order[k]] = k;
}

static void
shoal_time_based_strategy_prepare (ShoalStrategy *strategy,
                                   GPtrArray *tests,
                                   ShoalDispatchContext *context)
{
  shoal_partition_queue_prepare (SHOAL_TIME_BASED_STRATEGY (strategy)->queue, tests, context);
}

static void
shoal_time_based_strategy_push_ready (ShoalStrategy *strategy,
                                      ShoalTestCase *test,
                                      ShoalDispatchContext *context)
{
  shoal_partition_queue_push (SHOAL_TIME_BASED_STRATEGY (strategy)->queue, test, context);
}

static ShoalTestCase *
shoal_time_based_strategy_next (ShoalStrategy *strategy,
                                const char *worker_id,
                                ShoalDispatchContext *context)
{
  return shoal_partition_queue_next (SHOAL_TIME_BASED_STRATEGY (strategy)->queue, worker_id, context);
}

static void
shoal_time_based_strategy_remove (ShoalStrategy *strategy,
                                  ShoalTestCase *test)
{
  shoal_partition_queue_remove (SHOAL_TIME_BASED_STRATEGY (strategy)->queue, test);
}

static GList *
shoal_time_based_strategy_plan (ShoalStrategy *strategy,
                                GPtrArray *tests,
                                ShoalDispatchContext *context,
                                GError **error)
{
  return shoal_partition_plan (partition, tests, context, error);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->prepare = shoal_time_based_strategy_prepare;
  iface->push_ready = shoal_time_based_strategy_push_ready;
  iface->next = shoal_time_based_strategy_next;
  iface->plan = shoal_time_based_strategy_plan;
  iface->remove = shoal_time_based_strategy_remove;
}

static void
shoal_time_based_strategy_finalize (GObject *object)
{
  ShoalTimeBasedStrategy *self = SHOAL_TIME_BASED_STRATEGY (object);

  g_clear_pointer (&self->queue, shoal_partition_queue_free);

  G_OBJECT_CLASS (shoal_time_based_strategy_parent_class)->finalize (object);
}

static void
shoal_time_based_strategy_class_init (ShoalTimeBasedStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_time_based_strategy_finalize;
}

static void
shoal_time_based_strategy_class_finalize (ShoalTimeBasedStrategyClass *klass)
{
}

static void
shoal_time_based_strategy_init (ShoalTimeBasedStrategy *self)
{
  self->queue = shoal_partition_queue_new (partition);
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module,
                                            ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module,
                       ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_time_based_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "time_based",
                                            SHOAL_TYPE_TIME_BASED_STRATEGY, &error))
    g_warning ("%s", error->message);
}
