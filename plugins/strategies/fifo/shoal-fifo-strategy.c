/* shoal-fifo-strategy.c: ready tests start in discovery order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

/* The simplest strategy: a queue of ready tests in the order they became
 * ready (discovery order for tests without dependencies). A free worker
 * takes the first queued test whose resources allow it to start; tests
 * that must wait for a resource keep their place.
 *
 * Its static plan simulates exactly that list scheduling with the
 * estimates: each test in order goes to the worker that frees up first. */

#define SHOAL_TYPE_FIFO_STRATEGY (shoal_fifo_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFifoStrategy, shoal_fifo_strategy, SHOAL, FIFO_STRATEGY, GObject)

struct _ShoalFifoStrategy
{
  GObject parent_instance;

  GQueue ready; /* ShoalTestCase*, owned */
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalFifoStrategy, shoal_fifo_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
shoal_fifo_strategy_push_ready (ShoalStrategy *strategy,
                                ShoalTestCase *test,
                                ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);

  g_queue_push_tail (&self->ready, g_object_ref (test));
}

static ShoalTestCase *
shoal_fifo_strategy_next (ShoalStrategy *strategy,
                          const char *worker_id,
                          ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);

  for (GList *l = self->ready.head; l != NULL; l = l->next)
    if (shoal_dispatch_context_can_start (context, l->data, worker_id))
      {
        ShoalTestCase *test = l->data;

        g_queue_delete_link (&self->ready, l);
        return test;
      }
  return NULL;
}

static GList *
shoal_fifo_strategy_plan (ShoalStrategy *strategy,
                          GPtrArray *tests,
                          ShoalDispatchContext *context,
                          GError **error)
{
  guint n_workers = shoal_dispatch_context_get_n_workers (context);
  GPtrArray *groups = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint w = 0; w < n_workers; w++)
    {
      g_autofree char *worker_id = g_strdup_printf ("w%u", w + 1);

      g_ptr_array_add (groups, shoal_test_group_new (worker_id));
    }

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      ShoalTestGroup *earliest = g_ptr_array_index (groups, 0);

      for (guint w = 1; w < n_workers; w++)
        {
          ShoalTestGroup *group = g_ptr_array_index (groups, w);

          if (shoal_test_group_get_estimated_duration (group) <
              shoal_test_group_get_estimated_duration (earliest))
            earliest = group;
        }
      shoal_test_group_add (earliest, test, shoal_dispatch_context_estimate (context, test));
    }
  return shoal_object_list_from_array (groups);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->push_ready = shoal_fifo_strategy_push_ready;
  iface->next = shoal_fifo_strategy_next;
  iface->plan = shoal_fifo_strategy_plan;
}

static void
shoal_fifo_strategy_finalize (GObject *object)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (object);

  g_queue_clear_full (&self->ready, g_object_unref);

  G_OBJECT_CLASS (shoal_fifo_strategy_parent_class)->finalize (object);
}

static void
shoal_fifo_strategy_class_init (ShoalFifoStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_fifo_strategy_finalize;
}

static void
shoal_fifo_strategy_class_finalize (ShoalFifoStrategyClass *klass)
{
}

static void
shoal_fifo_strategy_init (ShoalFifoStrategy *self)
{
  g_queue_init (&self->ready);
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module,
                                            ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module,
                       ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_fifo_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "fifo",
                                            SHOAL_TYPE_FIFO_STRATEGY, &error))
    g_warning ("%s", error->message);
}
