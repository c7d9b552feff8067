/* shoal-fifo-strategy.c: ready tests start in discovery order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

/* The simplest strategy: a queue of ready tests in the order they became
 * ready (discovery order for tests without dependencies). A free worker
 * takes the first queued test whose resources allow it to start; tests
 * that must wait for a resource keep their place. Tests with a priority go
 * first, and waiting raises a test's priority (aging) so none starves.
 *
 * Its static plan simulates exactly that list scheduling with the
 * estimates: each test in order goes to the worker that frees up first. */

#define SHOAL_TYPE_FIFO_STRATEGY (shoal_fifo_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFifoStrategy, shoal_fifo_strategy, SHOAL, FIFO_STRATEGY, GObject)

struct _ShoalFifoStrategy
{
  GObject parent_instance;

  GQueue ready;            /* ShoalTestCase*, owned */
  guint n_prioritized;     /* ready tests whose priority is not 0 */
  GHashTable *ready_since; /* ShoalTestCase* -> monotonic time it became ready */
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalFifoStrategy, shoal_fifo_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static void
shoal_fifo_strategy_push_ready (ShoalStrategy *strategy,
                                ShoalTestCase *test,
                                ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);

  if (shoal_test_case_get_priority (test) != 0)
    self->n_prioritized++;
  g_hash_table_insert (self->ready_since, test, GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  g_queue_push_tail (&self->ready, g_object_ref (test));
}

/* How much waiting is worth one point of priority: a test waiting for
 * resources behind higher-priority ones overtakes them eventually. */
#define AGING_SECONDS_PER_POINT 10.0

static double
effective_priority (ShoalFifoStrategy *self,
                    ShoalTestCase *test,
                    gint64 now)
{
  gint64 since = GPOINTER_TO_SIZE (g_hash_table_lookup (self->ready_since, test));

  return shoal_test_case_get_priority (test) +
         (now - since) / (AGING_SECONDS_PER_POINT * G_USEC_PER_SEC);
}

static ShoalTestCase *
take (ShoalFifoStrategy *self,
      GList *link)
{
  ShoalTestCase *test = link->data;

  g_queue_delete_link (&self->ready, link);
  if (shoal_test_case_get_priority (test) != 0)
    self->n_prioritized--;
  g_hash_table_remove (self->ready_since, test);
  return test;
}

static ShoalTestCase *
shoal_fifo_strategy_next (ShoalStrategy *strategy,
                          const char *worker_id,
                          ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);
  g_autoptr (GPtrArray) order = NULL;
  gint64 now;

  if (self->n_prioritized == 0)
    {
      for (GList *l = self->ready.head; l != NULL; l = l->next)
        if (shoal_dispatch_context_can_start (context, l->data, worker_id))
          return take (self, l);
      return NULL;
    }

  /* With priorities: the highest effective priority that can start,
   * ties in arrival order. */
  now = g_get_monotonic_time ();
  order = g_ptr_array_new ();
  for (GList *l = self->ready.head; l != NULL; l = l->next)
    g_ptr_array_add (order, l);
  for (guint i = 0; i < order->len; i++)
    {
      guint best = i;

      for (guint j = i + 1; j < order->len; j++)
        if (effective_priority (self, ((GList *) order->pdata[j])->data, now) >
            effective_priority (self, ((GList *) order->pdata[best])->data, now))
          best = j;
      if (best != i)
        {
          gpointer tmp = order->pdata[i];

          order->pdata[i] = order->pdata[best];
          order->pdata[best] = tmp;
        }
      if (shoal_dispatch_context_can_start (context, ((GList *) order->pdata[i])->data, worker_id))
        return take (self, order->pdata[i]);
    }
  return NULL;
}

static void
shoal_fifo_strategy_remove (ShoalStrategy *strategy,
                            ShoalTestCase *test)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);
  GList *link = g_queue_find (&self->ready, test);

  if (link != NULL)
    g_object_unref (take (self, link));
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
  iface->remove = shoal_fifo_strategy_remove;
}

static void
shoal_fifo_strategy_finalize (GObject *object)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (object);

  g_queue_clear_full (&self->ready, g_object_unref);
  g_hash_table_unref (self->ready_since);

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
  self->ready_since = g_hash_table_new (NULL, NULL);
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
