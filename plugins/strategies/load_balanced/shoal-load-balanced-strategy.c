/* shoal-load-balanced-strategy.c: longest remaining critical path first
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

#include "shoal-strategy-common.h"

/* The dynamic strategy: a free worker takes, among the ready tests its
 * resources allow, the one with the highest priority, then the longest
 * remaining critical path (its own estimate plus the longest chain of
 * tests that wait for it), then the longest estimate, then the first to
 * become ready. Long chains start early and long tests do not end up
 * last, which is what keeps the makespan near max(total / workers,
 * longest chain).
 *
 * Waiting raises a test's priority (aging), as in the fifo strategy, so
 * a test held back by its resources is not starved. All ready tests age
 * at the same rate, so their order by effective priority never changes
 * with time: priority + (now - ready) / A orders as priority * A - ready.
 * Aging only applies while a ready test has a priority; without one, the
 * critical path decides, and the heap is rebuilt when that changes.
 *
 * The paths come from the context's test graph, computed once per run.
 * The ready tests are a binary heap on that order: handing one out costs
 * O(log n); tests that cannot start now are set aside and put back. */

#define SHOAL_TYPE_LOAD_BALANCED_STRATEGY (shoal_load_balanced_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLoadBalancedStrategy, shoal_load_balanced_strategy, SHOAL, LOAD_BALANCED_STRATEGY, GObject)

typedef struct
{
  ShoalTestCase *test; /* owned */
  int priority;
  double aged; /* priority * A - ready_since: the order of effective priorities */
  double path; /* remaining critical path, seconds */
  double estimate;
  guint64 order; /* arrival, for ties */
} Entry;

struct _ShoalLoadBalancedStrategy
{
  GObject parent_instance;

  ShoalTestGraph *graph; /* of the run, from prepare */
  GArray *heap;          /* Entry */
  GArray *set_aside;     /* Entry, scratch */
  guint64 arrivals;
  guint n_prioritized;
  gboolean aging;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalLoadBalancedStrategy, shoal_load_balanced_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

/* Whether @a goes before @b. */
static gboolean
before (const Entry *a,
        const Entry *b,
        gboolean aging)
{
  if (aging ? a->aged != b->aged : a->priority != b->priority)
    return aging ? a->aged > b->aged : a->priority > b->priority;
  if (a->path != b->path)
    return a->path > b->path;
  if (a->estimate != b->estimate)
    return a->estimate > b->estimate;
  return a->order < b->order;
}

static void
heap_up (GArray *heap,
         guint i,
         gboolean aging)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  while (i > 0 && before (&moving, &data[(i - 1) / 2], aging))
    {
      data[i] = data[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  data[i] = moving;
}

static void
heap_down (GArray *heap,
           guint i,
           gboolean aging)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && before (&data[child + 1], &data[child], aging))
        child++;
      if (!before (&data[child], &moving, aging))
        break;
      data[i] = data[child];
      i = child;
    }
  data[i] = moving;
}

static void
heap_push (GArray *heap,
           const Entry *entry,
           gboolean aging)
{
  g_array_append_vals (heap, entry, 1);
  heap_up (heap, heap->len - 1, aging);
}

/* Takes out the entry at @i. */
static Entry
heap_take (GArray *heap,
           guint i,
           gboolean aging)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry taken = data[i];

  data[i] = data[heap->len - 1];
  g_array_set_size (heap, heap->len - 1);
  if (i < heap->len)
    {
      heap_down (heap, i, aging);
      heap_up (heap, i, aging);
    }
  return taken;
}

/* Aging is on while a ready test has a priority; switching rebuilds the
 * heap, in O(n). */
static void
count_prioritized (ShoalLoadBalancedStrategy *self,
                   const Entry *entry,
                   int delta)
{
  gboolean aging;

  if (entry->priority == 0)
    return;
  self->n_prioritized += delta;
  aging = self->n_prioritized > 0;
  if (aging == self->aging)
    return;
  self->aging = aging;
  for (guint i = self->heap->len / 2; i > 0; i--)
    heap_down (self->heap, i - 1, aging);
}

static void
shoal_load_balanced_strategy_prepare (ShoalStrategy *strategy,
                                      GPtrArray *tests,
                                      ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);

  g_clear_object (&self->graph);
  /* On a cycle (which the scheduler refuses) every path is the estimate. */
  self->graph = shoal_dispatch_context_get_graph (context, tests, NULL);
}

static void
shoal_load_balanced_strategy_push_ready (ShoalStrategy *strategy,
                                         ShoalTestCase *test,
                                         ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);
  int priority = shoal_test_case_get_priority (test);
  Entry entry = {
    .test = g_object_ref (test),
    .priority = priority,
    .aged = priority * SHOAL_STRATEGY_AGING_SECONDS_PER_POINT * G_USEC_PER_SEC -
            (double) g_get_monotonic_time (),
    .order = self->arrivals++,
  };
  guint index;

  if (self->graph != NULL &&
      shoal_test_graph_lookup (self->graph, shoal_test_case_get_id (test), &index))
    {
      entry.path = shoal_test_graph_get_remaining_path (self->graph, index);
      entry.estimate = shoal_test_graph_get_estimate (self->graph, index);
    }
  else
    entry.path = entry.estimate = shoal_dispatch_context_estimate (context, test);

  count_prioritized (self, &entry, +1);
  heap_push (self->heap, &entry, self->aging);
}

static ShoalTestCase *
shoal_load_balanced_strategy_next (ShoalStrategy *strategy,
                                   const char *worker_id,
                                   ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);
  ShoalTestCase *chosen = NULL;
  Entry taken = { 0 };

  g_array_set_size (self->set_aside, 0);
  while (self->heap->len > 0)
    {
      Entry entry = heap_take (self->heap, 0, self->aging);

      if (shoal_dispatch_context_can_start (context, entry.test, worker_id))
        {
          chosen = entry.test;
          taken = entry;
          break;
        }
      g_array_append_val (self->set_aside, entry);
    }
  for (guint i = 0; i < self->set_aside->len; i++)
    heap_push (self->heap, &g_array_index (self->set_aside, Entry, i), self->aging);
  if (chosen != NULL)
    count_prioritized (self, &taken, -1);
  return chosen;
}

static void
shoal_load_balanced_strategy_remove (ShoalStrategy *strategy,
                                     ShoalTestCase *test)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);

  for (guint i = 0; i < self->heap->len; i++)
    if (g_array_index (self->heap, Entry, i).test == test)
      {
        Entry removed = heap_take (self->heap, i, self->aging);

        count_prioritized (self, &removed, -1);
        g_object_unref (removed.test);
        return;
      }
}

/* The static plan is this strategy simulated on the estimates: workers
 * take ready tests in its order as they free up, dependencies respected
 * (resources are not simulated). */
static GList *
shoal_load_balanced_strategy_plan (ShoalStrategy *strategy,
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
  /* The run's order, without aging (nobody waits in a plan). */
  shoal_strategy_simulate (graph, n_workers, shoal_test_graph_get_remaining_paths (graph, NULL),
                           shoal_test_graph_get_estimates (graph, NULL), worker_of, order);
  return shoal_strategy_make_groups (graph, n_workers, worker_of, order);
}

static void
strategy_iface_init (ShoalStrategyInterface *iface)
{
  iface->prepare = shoal_load_balanced_strategy_prepare;
  iface->push_ready = shoal_load_balanced_strategy_push_ready;
  iface->next = shoal_load_balanced_strategy_next;
  iface->plan = shoal_load_balanced_strategy_plan;
  iface->remove = shoal_load_balanced_strategy_remove;
}

static void
shoal_load_balanced_strategy_finalize (GObject *object)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (object);

  for (guint i = 0; i < self->heap->len; i++)
    g_object_unref (g_array_index (self->heap, Entry, i).test);
  g_array_unref (self->heap);
  g_array_unref (self->set_aside);
  g_clear_object (&self->graph);

  G_OBJECT_CLASS (shoal_load_balanced_strategy_parent_class)->finalize (object);
}

static void
shoal_load_balanced_strategy_class_init (ShoalLoadBalancedStrategyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_load_balanced_strategy_finalize;
}

static void
shoal_load_balanced_strategy_class_finalize (ShoalLoadBalancedStrategyClass *klass)
{
}

static void
shoal_load_balanced_strategy_init (ShoalLoadBalancedStrategy *self)
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

  shoal_load_balanced_strategy_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_STRATEGY, "load_balanced",
                                            SHOAL_TYPE_LOAD_BALANCED_STRATEGY, &error))
    g_warning ("%s", error->message);
}
