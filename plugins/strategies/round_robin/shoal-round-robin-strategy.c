/* shoal-round-robin-strategy.c: tests dealt to the workers in turn
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* Tests are dealt to the workers in turn, in the order they were given
 * (put in dependency order where they are not: a test comes after the
 * tests it waits for): test k goes to worker k mod N. Estimates play no
 * part, so the plan is the same with or without history.
 *
 * At run time a worker takes the ready tests of its own queue in that
 * order (priorities first) and, when it has none it can start, steals the
 * same way from the queue with the most estimated work left, so nobody
 * idles while another queue still has tests that can start. */

#define SHOAL_TYPE_ROUND_ROBIN_STRATEGY (shoal_round_robin_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalRoundRobinStrategy, shoal_round_robin_strategy, SHOAL, ROUND_ROBIN_STRATEGY, GObject)

struct _ShoalRoundRobinStrategy
{
  GObject parent_instance;

  ShoalPartitionQueue *queue;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalRoundRobinStrategy, shoal_round_robin_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
partition (ShoalTestGraph *graph,
           guint n_groups,
           guint *group_of,
           guint *rank)
{
  guint n;
  const guint *order = shoal_test_graph_get_topological_order (graph, &n);

  for (guint k = 0; k < n; k++)
    {
      group_of[order[k]] = k % n_groups;
      rank[order[k]] = k;
    }
}

static void
shoal_round_robin_strategy_prepare (ShoalStrategy *strategy,
                                    GPtrArray *tests,
                                    ShoalDispatchContext *context)
{
  shoal_partition_queue_prepare (SHOAL_ROUND_ROBIN_STRATEGY (strategy)->queue, tests, context);
}

static void
shoal_round_robin_strategy_push_ready (ShoalStrategy *strategy,
                                       ShoalTestCase *test,
                                       ShoalDispatchContext *context)
{
  shoal_partition_queue_push (SHOAL_ROUND_ROBIN_STRATEGY (strategy)->queue, test, context);
}

static ShoalTestCase *
shoal_round_robin_strategy_next (ShoalStrategy *strategy,
                                 const char *worker_id,
                                 ShoalDispatchContext *context)
{
  return shoal_partition_queue_next (SHOAL_ROUND_ROBIN_STRATEGY (strategy)->queue, worker_id, context);
}

static void
shoal_round_robin_strategy_remove (ShoalStrategy *strategy,
                                   ShoalTestCase *test)
{
  shoal_partition_queue_remove (SHOAL_ROUND_ROBIN_STRATEGY (strategy)->queue, test);
}

static GList *
shoal_round_robin_strategy_plan (ShoalStrategy *strategy,
                                 GPtrArray *tests,
                                 ShoalDispatchContext *context,
                                 GError **error)
{
  return shoal_partition_plan (partition, tests, context, error);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->prepare = shoal_round_robin_strategy_prepare;
  iface->push_ready = shoal_round_robin_strategy_push_ready;
  iface->next = shoal_round_robin_strategy_next;
  iface->plan = shoal_round_robin_strategy_plan;
  iface->remove = shoal_round_robin_strategy_remove;
}

static void
shoal_round_robin_strategy_finalize (GObject *object)
{
  ShoalRoundRobinStrategy *self = SHOAL_ROUND_ROBIN_STRATEGY (object);

  g_clear_pointer (&self->queue, shoal_partition_queue_free);

  G_OBJECT_CLASS (shoal_round_robin_strategy_parent_class)->finalize (object);
}

static void
shoal_round_robin_strategy_class_init (ShoalRoundRobinStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_round_robin_strategy_finalize;
}

static void
shoal_round_robin_strategy_class_finalize (ShoalRoundRobinStrategyClass *klass)
{
}

static void
shoal_round_robin_strategy_init (ShoalRoundRobinStrategy *self)
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

  shoal_round_robin_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "round_robin",
                                            SHOAL_TYPE_ROUND_ROBIN_STRATEGY, &error))
    g_warning ("%s", error->message);
}
