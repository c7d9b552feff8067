/* shoal-fifo-strategy.c: ready tests start in discovery order
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* The simplest strategy: ready tests in the order they became ready
 * (discovery order for tests without dependencies). A free worker takes
 * the first one whose resources allow it to start; tests that must wait
 * for a resource keep their place. Tests with a priority go first, and
 * waiting raises a test's priority (aging) so none starves.
 *
 * Every ready test ages at the same rate, so the order by effective
 * priority, priority + (now - ready) / A, is the order of
 * priority * A - ready, which never changes: the queue is a binary heap on
 * it (ties in arrival order), and handing a test out costs O(log n).
 *
 * Its static plan simulates exactly that list scheduling with the
 * estimates: each test, once its dependencies are done, goes in that order
 * to the worker that frees up first. */

#define SHOAL_TYPE_FIFO_STRATEGY (shoal_fifo_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalFifoStrategy, shoal_fifo_strategy, SHOAL, FIFO_STRATEGY, GObject)

typedef struct
{
  ShoalTestCase *test; /* owned */
  double aged;         /* priority * A - ready_since */
  guint64 order;       /* arrival */
} Entry;

struct _ShoalFifoStrategy
{
  GObject parent_instance;

  GArray *heap;      /* Entry */
  GArray *set_aside; /* Entry, scratch */
  guint64 arrivals;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalFifoStrategy, shoal_fifo_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static gboolean
before (const Entry *a,
        const Entry *b)
{
  if (a->aged != b->aged)
    return a->aged > b->aged;
  return a->order < b->order;
}

static void
heap_up (GArray *heap,
         guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  while (i > 0 && before (&moving, &data[(i - 1) / 2]))
    {
      data[i] = data[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  data[i] = moving;
}

static void
heap_down (GArray *heap,
           guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && before (&data[child + 1], &data[child]))
        child++;
      if (!before (&data[child], &moving))
        break;
      data[i] = data[child];
      i = child;
    }
  data[i] = moving;
}

static void
heap_push (GArray *heap,
           const Entry *entry)
{
  g_array_append_vals (heap, entry, 1);
  heap_up (heap, heap->len - 1);
}

static Entry
heap_take (GArray *heap,
           guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry taken = data[i];

  data[i] = data[heap->len - 1];
  g_array_set_size (heap, heap->len - 1);
  if (i < heap->len)
    {
      heap_down (heap, i);
      heap_up (heap, i);
    }
  return taken;
}

static void
shoal_fifo_strategy_push_ready (ShoalStrategy *strategy,
                                ShoalTestCase *test,
                                ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);
  Entry entry = {
    .test = g_object_ref (test),
    .aged = shoal_test_case_get_priority (test) * SHOAL_STRATEGY_AGING_SECONDS_PER_POINT *
                G_USEC_PER_SEC -
            (double) g_get_monotonic_time (),
    .order = self->arrivals++,
  };

  heap_push (self->heap, &entry);
}

static ShoalTestCase *
shoal_fifo_strategy_next (ShoalStrategy *strategy,
                          const char *worker_id,
                          ShoalDispatchContext *context)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);
  ShoalTestCase *chosen = NULL;

  g_array_set_size (self->set_aside, 0);
  while (self->heap->len > 0)
    {
      Entry entry = heap_take (self->heap, 0);

      if (shoal_dispatch_context_can_start (context, entry.test, worker_id))
        {
          chosen = entry.test;
          break;
        }
      g_array_append_val (self->set_aside, entry);
    }
  for (guint i = 0; i < self->set_aside->len; i++)
    heap_push (self->heap, &g_array_index (self->set_aside, Entry, i));
  return chosen;
}

static void
shoal_fifo_strategy_remove (ShoalStrategy *strategy,
                            ShoalTestCase *test)
{
  ShoalFifoStrategy *self = SHOAL_FIFO_STRATEGY (strategy);

  for (guint i = 0; i < self->heap->len; i++)
    if (g_array_index (self->heap, Entry, i).test == test)
      {
        g_object_unref (heap_take (self->heap, i).test);
        return;
      }
}

static GList *
shoal_fifo_strategy_plan (ShoalStrategy *strategy,
                          GPtrArray *tests,
                          ShoalDispatchContext *context,
                          GError **error)
{
  g_autoptr (ShoalTestGraph) graph = shoal_dispatch_context_get_graph (context, tests, error);
  guint n_workers = shoal_dispatch_context_get_n_workers (context);
  g_autofree guint *worker_of = NULL;
  g_autofree guint *order = NULL;
  guint n;

  if (graph == NULL)
    return NULL;
  n = shoal_test_graph_get_n_tests (graph);
  worker_of = g_new (guint, MAX (n, 1));
  order = g_new (guint, MAX (n, 1));
  /* Priority, then the order in which tests become ready. */
  shoal_strategy_simulate (graph, n_workers, NULL, NULL, worker_of, order);
  return shoal_strategy_make_groups (graph, n_workers, worker_of, order);
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

  for (guint i = 0; i < self->heap->len; i++)
    g_object_unref (g_array_index (self->heap, Entry, i).test);
  g_array_unref (self->heap);
  g_array_unref (self->set_aside);

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
  self->heap = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->set_aside = g_array_new (FALSE, FALSE, sizeof (Entry));
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
