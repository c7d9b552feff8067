/* shoal-dependency-aware-strategy.c: each dependency chain on one worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* Tests connected by dependencies (a connected component of the
 * dependency graph: a chain, a tree, a fixture and its users) stay on one
 * worker, so a chain never waits for another worker and its tests run
 * back to back. The components are spread by LPT on their total estimate
 * (largest first, each to the least loaded worker); within a worker, tests
 * keep the dependency order of the suite.
 *
 * At run time a worker takes the ready tests of its own group in that
 * order (priorities first) and, when it has none it can start, steals the
 * same way from the group with the most estimated work left. */

#define SHOAL_TYPE_DEPENDENCY_AWARE_STRATEGY (shoal_dependency_aware_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDependencyAwareStrategy, shoal_dependency_aware_strategy, SHOAL, DEPENDENCY_AWARE_STRATEGY, GObject)

struct _ShoalDependencyAwareStrategy
{
  GObject parent_instance;

  ShoalPartitionQueue *queue;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalDependencyAwareStrategy, shoal_dependency_aware_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
partition (ShoalTestGraph *graph,
           guint n_groups,
           guint *group_of,
           guint *rank)
{
  guint n = shoal_test_graph_get_n_tests (graph);
  const double *estimates = shoal_test_graph_get_estimates (graph, NULL);
  const guint *order = shoal_test_graph_get_topological_order (graph, NULL);
  g_autofree guint *parent = g_new (guint, MAX (n, 1));
  g_autofree guint *component = g_new (guint, MAX (n, 1)); /* root -> component number */
  g_autofree double *sizes = g_new0 (double, MAX (n, 1));
  g_autofree guint *component_group = NULL;
  g_autofree double *loads = g_new0 (double, n_groups);
  guint n_components = 0;

  for (guint i = 0; i < n; i++)
    parent[i] = i;
  for (guint i = 0; i < n; i++)
    {
      guint n_dependencies;
      const guint *dependencies = shoal_test_graph_get_dependencies (graph, i, &n_dependencies);

      for (guint d = 0; d < n_dependencies; d++)
        shoal_union_find_join (parent, i, dependencies[d]);
    }
  /* Components numbered by their first test. */
  for (guint i = 0; i < n; i++)
    {
      guint root = shoal_union_find_root (parent, i);

      if (root == i)
        component[i] = n_components++;
      sizes[component[root]] += estimates[i];
    }
  component_group = g_new (guint, MAX (n_components, 1));
  shoal_strategy_lpt (sizes, n_components, n_groups, loads, component_group);
  for (guint k = 0; k < n; k++)
    {
      group_of[order[k]] = component_group[component[shoal_union_find_root (parent, order[k])]];
      rank[order[k]] = k;
    }
}

static void
shoal_dependency_aware_strategy_prepare (ShoalStrategy *strategy,
                                         GPtrArray *tests,
                                         ShoalDispatchContext *context)
{
  shoal_partition_queue_prepare (SHOAL_DEPENDENCY_AWARE_STRATEGY (strategy)->queue, tests, context);
}

static void
shoal_dependency_aware_strategy_push_ready (ShoalStrategy *strategy,
                                            ShoalTestCase *test,
                                            ShoalDispatchContext *context)
{
  shoal_partition_queue_push (SHOAL_DEPENDENCY_AWARE_STRATEGY (strategy)->queue, test, context);
}

static ShoalTestCase *
shoal_dependency_aware_strategy_next (ShoalStrategy *strategy,
                                      const char *worker_id,
                                      ShoalDispatchContext *context)
{
  return shoal_partition_queue_next (SHOAL_DEPENDENCY_AWARE_STRATEGY (strategy)->queue, worker_id, context);
}

static void
shoal_dependency_aware_strategy_remove (ShoalStrategy *strategy,
                                        ShoalTestCase *test)
{
  shoal_partition_queue_remove (SHOAL_DEPENDENCY_AWARE_STRATEGY (strategy)->queue, test);
}

static GList *
shoal_dependency_aware_strategy_plan (ShoalStrategy *strategy,
                                      GPtrArray *tests,
                                      ShoalDispatchContext *context,
                                      GError **error)
{
  return shoal_partition_plan (partition, tests, context, error);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->prepare = shoal_dependency_aware_strategy_prepare;
  iface->push_ready = shoal_dependency_aware_strategy_push_ready;
  iface->next = shoal_dependency_aware_strategy_next;
  iface->plan = shoal_dependency_aware_strategy_plan;
  iface->remove = shoal_dependency_aware_strategy_remove;
}

static void
shoal_dependency_aware_strategy_finalize (GObject *object)
{
  ShoalDependencyAwareStrategy *self = SHOAL_DEPENDENCY_AWARE_STRATEGY (object);

  g_clear_pointer (&self->queue, shoal_partition_queue_free);

  G_OBJECT_CLASS (shoal_dependency_aware_strategy_parent_class)->finalize (object);
}

static void
shoal_dependency_aware_strategy_class_init (ShoalDependencyAwareStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_dependency_aware_strategy_finalize;
}

static void
shoal_dependency_aware_strategy_class_finalize (ShoalDependencyAwareStrategyClass *klass)
{
}

static void
shoal_dependency_aware_strategy_init (ShoalDependencyAwareStrategy *self)
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

  shoal_dependency_aware_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "dependency_aware",
                                            SHOAL_TYPE_DEPENDENCY_AWARE_STRATEGY, &error))
    g_warning ("%s", error->message);
}
