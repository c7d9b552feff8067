/* shoal-resource-grouped-strategy.c: tests that share a resource on one worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* Tests that use the same resource (its name, without the `:count`) go to
 * one worker: they would contend for it anyway, and whatever the resource
 * costs to set up is paid on one worker. A test that uses several
 * resources joins their groups into one. The groups are spread by LPT on
 * their total estimate (largest first, each to the least loaded worker);
 * then the tests without resources, longest first, fill up the least
 * loaded workers. Within a worker, tests keep the dependency order of the
 * suite.
 *
 * A group larger than a worker's share makes that worker the longest in
 * the plan; at run time, a worker that has nothing it can start steals
 * from the group with the most estimated work left, and the resources'
 * own limits still apply, so nobody idles for it. */

#define SHOAL_TYPE_RESOURCE_GROUPED_STRATEGY (shoal_resource_grouped_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalResourceGroupedStrategy, shoal_resource_grouped_strategy, SHOAL, RESOURCE_GROUPED_STRATEGY, GObject)

struct _ShoalResourceGroupedStrategy
{
  GObject parent_instance;

  ShoalPartitionQueue *queue;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalResourceGroupedStrategy, shoal_resource_grouped_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
partition (ShoalTestGraph *graph,
           guint n_groups,
           guint *group_of,
           guint *rank)
{
  guint n = shoal_test_graph_get_n_tests (graph);
  const double *estimates = shoal_test_graph_get_estimates (graph, NULL);
  const guint *order = shoal_test_graph_get_topological_order (graph, NULL);
  g_autoptr (GHashTable) first_user = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree guint *parent = g_new (guint, MAX (n, 1));
  g_autofree gboolean *uses = g_new0 (gboolean, MAX (n, 1));
  g_autofree guint *item_of = g_new (guint, MAX (n, 1)); /* root -> item */
  g_autoptr (GArray) sizes = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) members = g_array_new (FALSE, FALSE, sizeof (guint)); /* item -> root or test */
  g_autofree guint *item_group = NULL;
  g_autofree double *loads = g_new0 (double, n_groups);
  guint n_resource_items;

  for (guint i = 0; i < n; i++)
    parent[i] = i;
  for (guint i = 0; i < n; i++)
    {
      const char *const *requests =
          shoal_test_case_get_required_resources (shoal_test_graph_get_test (graph, i));

      for (guint r = 0; requests[r] != NULL; r++)
        {
          g_autofree char *name = NULL;
          gpointer user;

          if (!shoal_parse_resource_request (requests[r], &name, NULL, NULL))
            name = g_strdup (requests[r]);
          uses[i] = TRUE;
          if (g_hash_table_lookup_extended (first_user, name, NULL, &user))
            shoal_union_find_join (parent, i, GPOINTER_TO_UINT (user));
          else
            g_hash_table_insert (first_user, g_steal_pointer (&name), GUINT_TO_POINTER (i));
        }
    }

  /* The resource groups first, numbered by their first test, then the
   * tests without resources, one item each. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        guint root = shoal_union_find_root (parent, i);
        double zero = 0;

        if (uses[i] != (pass == 0))
          continue;
        if (root == i)
          {
            item_of[i] = sizes->len;
            g_array_append_val (sizes, zero);
            g_array_append_val (members, i);
          }
        g_array_index (sizes, double, item_of[root]) += estimates[i];
      }
  n_resource_items = 0;
  for (guint k = 0; k < members->len && uses[g_array_index (members, guint, k)]; k++)
    n_resource_items++;

  item_group = g_new (guint, MAX (sizes->len, 1));
  shoal_strategy_lpt ((double *) (void *) sizes->data, n_resource_items, n_groups, loads,
                      item_group);
  shoal_strategy_lpt ((double *) (void *) sizes->data + n_resource_items,
                      sizes->len - n_resource_items, n_groups, loads,
                      item_group + n_resource_items);
  for (guint k = 0; k < n; k++)
    {
      group_of[order[k]] = item_group[item_of[shoal_union_find_root (parent, order[k])]];
      rank[order[k]] = k;
    }
}

static void
shoal_resource_grouped_strategy_prepare (ShoalStrategy *strategy,
                                         GPtrArray *tests,
                                         ShoalDispatchContext *context)
{
  shoal_partition_queue_prepare (SHOAL_RESOURCE_GROUPED_STRATEGY (strategy)->queue, tests, context);
}

static void
shoal_resource_grouped_strategy_push_ready (ShoalStrategy *strategy,
                                            ShoalTestCase *test,
                                            ShoalDispatchContext *context)
{
  shoal_partition_queue_push (SHOAL_RESOURCE_GROUPED_STRATEGY (strategy)->queue, test, context);
}

static ShoalTestCase *
shoal_resource_grouped_strategy_next (ShoalStrategy *strategy,
                                      const char *worker_id,
                                      ShoalDispatchContext *context)
{
  return shoal_partition_queue_next (SHOAL_RESOURCE_GROUPED_STRATEGY (strategy)->queue, worker_id, context);
}

static void
shoal_resource_grouped_strategy_remove (ShoalStrategy *strategy,
                                        ShoalTestCase *test)
{
  shoal_partition_queue_remove (SHOAL_RESOURCE_GROUPED_STRATEGY (strategy)->queue, test);
}

static GList *
shoal_resource_grouped_strategy_plan (ShoalStrategy *strategy,
                                      GPtrArray *tests,
                                      ShoalDispatchContext *context,
                                      GError **error)
{
  return shoal_partition_plan (partition, tests, context, error);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->prepare = shoal_resource_grouped_strategy_prepare;
  iface->push_ready = shoal_resource_grouped_strategy_push_ready;
  iface->next = shoal_resource_grouped_strategy_next;
  iface->plan = shoal_resource_grouped_strategy_plan;
  iface->remove = shoal_resource_grouped_strategy_remove;
}

static void
shoal_resource_grouped_strategy_finalize (GObject *object)
{
  ShoalResourceGroupedStrategy *self = SHOAL_RESOURCE_GROUPED_STRATEGY (object);

  g_clear_pointer (&self->queue, shoal_partition_queue_free);

  G_OBJECT_CLASS (shoal_resource_grouped_strategy_parent_class)->finalize (object);
}

static void
shoal_resource_grouped_strategy_class_init (ShoalResourceGroupedStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_resource_grouped_strategy_finalize;
}

static void
shoal_resource_grouped_strategy_class_finalize (ShoalResourceGroupedStrategyClass *klass)
{
}

static void
shoal_resource_grouped_strategy_init (ShoalResourceGroupedStrategy *self)
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

  shoal_resource_grouped_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "resource_grouped",
                                            SHOAL_TYPE_RESOURCE_GROUPED_STRATEGY, &error))
    g_warning ("%s", error->message);
}
