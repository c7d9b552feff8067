/* shoal-load-balanced-strategy.c: longest remaining critical path first
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

/* The dynamic strategy: a free worker takes, among the ready tests its
 * resources allow, the one with the highest priority, then the longest
 * remaining critical path (its own estimate plus the longest chain of
 * tests that wait for it), then the longest estimate. Long chains start
 * early and long tests do not end up last, which is what keeps the
 * makespan near max(total / workers, longest chain).
 *
 * Waiting raises a test's priority (aging), as in the fifo strategy, so
 * a test held back by its resources is not starved.
 *
 * The ready tests are a binary heap on that order: handing one out costs
 * O(log n); tests that cannot start now are set aside and put back. */

#define SHOAL_TYPE_LOAD_BALANCED_STRATEGY (shoal_load_balanced_strategy_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLoadBalancedStrategy, shoal_load_balanced_strategy, SHOAL, LOAD_BALANCED_STRATEGY, GObject)

#define AGING_SECONDS_PER_POINT 10.0

typedef struct
{
  ShoalTestCase *test; /* owned */
  double priority;     /* at the time it became ready */
  double path;         /* remaining critical path, seconds */
  double estimate;
  guint64 order; /* arrival, for ties */
  gint64 ready_since;
} Entry;

struct _ShoalLoadBalancedStrategy
{
  GObject parent_instance;

  GHashTable *paths; /* test id -> double*: remaining critical path */
  GArray *heap;      /* Entry */
  guint64 arrivals;
  guint n_prioritized;
};

static void strategy_iface_init (ShoalStrategyInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalLoadBalancedStrategy, shoal_load_balanced_strategy, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_STRATEGY, strategy_iface_init))

static double
effective_priority (const Entry *entry,
                    gint64 now)
{
  return entry->priority + (now - entry->ready_since) / (AGING_SECONDS_PER_POINT * G_USEC_PER_SEC);
}

/* Whether @a goes before @b. */
static gboolean
before (const Entry *a,
        const Entry *b,
        gint64 now,
        gboolean aging)
{
  double pa = aging ? effective_priority (a, now) : a->priority;
  double pb = aging ? effective_priority (b, now) : b->priority;

  if (pa != pb)
    return pa > pb;
  if (a->path != b->path)
    return a->path > b->path;
  if (a->estimate != b->estimate)
    return a->estimate > b->estimate;
  return a->order < b->order;
}

static void
heap_swap (GArray *heap,
           guint i,
           guint j)
{
  Entry tmp = g_array_index (heap, Entry, i);

  g_array_index (heap, Entry, i) = g_array_index (heap, Entry, j);
  g_array_index (heap, Entry, j) = tmp;
}

static void
heap_up (GArray *heap,
         guint i,
         gint64 now,
         gboolean aging)
{
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!before (&g_array_index (heap, Entry, i), &g_array_index (heap, Entry, parent), now, aging))
        break;
      heap_swap (heap, i, parent);
      i = parent;
    }
}

static void
heap_down (GArray *heap,
           guint i,
           gint64 now,
           gboolean aging)
{
  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, best = i;

      if (left < heap->len &&
          before (&g_array_index (heap, Entry, left), &g_array_index (heap, Entry, best), now, aging))
        best = left;
      if (right < heap->len &&
          before (&g_array_index (heap, Entry, right), &g_array_index (heap, Entry, best), now, aging))
        best = right;
      if (best == i)
        return;
      heap_swap (heap, i, best);
      i = best;
    }
}

static void
heap_push (GArray *heap,
           Entry *entry,
           gint64 now,
           gboolean aging)
{
  g_array_append_val (heap, *entry);
  heap_up (heap, heap->len - 1, now, aging);
}

static Entry
heap_pop (GArray *heap,
          gint64 now,
          gboolean aging)
{
  Entry top = g_array_index (heap, Entry, 0);

  g_array_index (heap, Entry, 0) = g_array_index (heap, Entry, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  if (heap->len > 0)
    heap_down (heap, 0, now, aging);
  return top;
}

/* The remaining critical path of every test: its estimate plus the longest
 * path among the tests that wait for it (dependencies and requirements).
 * Tests are visited in reverse topological order, iteratively. */
static void
compute_paths (GHashTable *paths,
               GPtrArray *tests,
               ShoalDispatchContext *context)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) waiting = g_hash_table_new (NULL, NULL); /* test -> GPtrArray of dependents */
  g_autoptr (GHashTable) pending = g_hash_table_new (NULL, NULL); /* test -> dependents not done */
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();

  for (guint i = 0; i < tests->len; i++)
    g_hash_table_insert (by_id, (gpointer) shoal_test_case_get_id (tests->pdata[i]), tests->pdata[i]);

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = tests->pdata[i];

      for (guint kind = 0; kind < 2; kind++)
        {
          const char *const *deps = kind == 0 ? shoal_test_case_get_dependencies (test)
                                              : shoal_test_case_get_requirements (test);

          for (guint d = 0; deps[d] != NULL; d++)
            {
              ShoalTestCase *dependency = g_hash_table_lookup (by_id, deps[d]);
              GPtrArray *list;

              if (dependency == NULL || dependency == test)
                continue;
              list = g_hash_table_lookup (waiting, dependency);
              if (list == NULL)
                {
                  list = g_ptr_array_new ();
                  g_hash_table_insert (waiting, dependency, list);
                }
              g_ptr_array_add (list, test);
              g_hash_table_insert (pending, dependency,
                                   GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (pending, dependency)) + 1));
            }
        }
    }

  /* Sinks first: tests nobody waits for. */
  for (guint i = 0; i < tests->len; i++)
    if (g_hash_table_lookup (pending, tests->pdata[i]) == NULL)
      g_ptr_array_add (stack, tests->pdata[i]);

  while (stack->len > 0)
    {
      ShoalTestCase *test = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      GPtrArray *dependents = g_hash_table_lookup (waiting, test);
      double longest = 0;
      double *path = g_new (double, 1);

      for (guint i = 0; dependents != NULL && i < dependents->len; i++)
        {
          double *other = g_hash_table_lookup (paths, shoal_test_case_get_id (dependents->pdata[i]));

          if (other != NULL && *other > longest)
            longest = *other;
        }
      *path = shoal_dispatch_context_estimate (context, test) + longest;
      g_hash_table_replace (paths, g_strdup (shoal_test_case_get_id (test)), path);

      /* Its own dependencies are done once all their dependents are. */
      for (guint kind = 0; kind < 2; kind++)
        {
          const char *const *deps = kind == 0 ? shoal_test_case_get_dependencies (test)
                                              : shoal_test_case_get_requirements (test);

          for (guint d = 0; deps[d] != NULL; d++)
            {
              ShoalTestCase *dependency = g_hash_table_lookup (by_id, deps[d]);
              guint left;

              if (dependency == NULL || dependency == test)
                continue;
              left = GPOINTER_TO_UINT (g_hash_table_lookup (pending, dependency)) - 1;
              g_hash_table_insert (pending, dependency, GUINT_TO_POINTER (left));
              if (left == 0)
                g_ptr_array_add (stack, dependency);
            }
        }
    }

  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, waiting);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_ptr_array_unref (value);
  }
}

static double
path_of (ShoalLoadBalancedStrategy *self,
         ShoalTestCase *test,
         ShoalDispatchContext *context)
{
  double *path = g_hash_table_lookup (self->paths, shoal_test_case_get_id (test));

  return path != NULL ? *path : shoal_dispatch_context_estimate (context, test);
}

static void
shoal_load_balanced_strategy_prepare (ShoalStrategy *strategy,
                                      GPtrArray *tests,
                                      ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);

  g_hash_table_remove_all (self->paths);
  compute_paths (self->paths, tests, context);
}

static void
shoal_load_balanced_strategy_push_ready (ShoalStrategy *strategy,
                                         ShoalTestCase *test,
                                         ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);
  Entry entry = {
    .test = g_object_ref (test),
    .priority = shoal_test_case_get_priority (test),
    .path = path_of (self, test, context),
    .estimate = shoal_dispatch_context_estimate (context, test),
    .order = self->arrivals++,
    .ready_since = g_get_monotonic_time (),
  };

  if (entry.priority != 0)
    self->n_prioritized++;
  heap_push (self->heap, &entry, entry.ready_since, FALSE);
}

static ShoalTestCase *
shoal_load_balanced_strategy_next (ShoalStrategy *strategy,
                                   const char *worker_id,
                                   ShoalDispatchContext *context)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);
  g_autoptr (GArray) set_aside = g_array_new (FALSE, FALSE, sizeof (Entry));
  gint64 now = g_get_monotonic_time ();
  ShoalTestCase *chosen = NULL;

  /* With priorities in play, waiting changes the order: restore the heap
   * on the current effective priorities first. */
  if (self->n_prioritized > 0)
    for (guint i = self->heap->len / 2 + 1; i > 0; i--)
      heap_down (self->heap, i - 1, now, TRUE);

  while (self->heap->len > 0)
    {
      Entry entry = heap_pop (self->heap, now, self->n_prioritized > 0);

      if (shoal_dispatch_context_can_start (context, entry.test, worker_id))
        {
          chosen = entry.test;
          if (entry.priority != 0)
            self->n_prioritized--;
          break;
        }
      g_array_append_val (set_aside, entry);
    }
  for (guint i = 0; i < set_aside->len; i++)
    heap_push (self->heap, &g_array_index (set_aside, Entry, i), now, self->n_prioritized > 0);
  return chosen;
}

static void
shoal_load_balanced_strategy_remove (ShoalStrategy *strategy,
                                     ShoalTestCase *test)
{
  ShoalLoadBalancedStrategy *self = SHOAL_LOAD_BALANCED_STRATEGY (strategy);
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->heap->len; i++)
    if (g_array_index (self->heap, Entry, i).test == test)
      {
        Entry removed = g_array_index (self->heap, Entry, i);

        g_array_index (self->heap, Entry, i) = g_array_index (self->heap, Entry, self->heap->len - 1);
        g_array_set_size (self->heap, self->heap->len - 1);
        for (guint j = self->heap->len / 2 + 1; j > 0; j--)
          heap_down (self->heap, j - 1, now, self->n_prioritized > 0);
        if (removed.priority != 0)
          self->n_prioritized--;
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
  guint n_workers = shoal_dispatch_context_get_n_workers (context);
  g_autoptr (GHashTable) paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) unmet = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) dependents = g_hash_table_new_full (NULL, NULL, NULL,
                                                             (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GArray) ready = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_autofree double *free_at = g_new0 (double, n_workers);
  GPtrArray *groups = g_ptr_array_new_with_free_func (g_object_unref);
  /* Finishing tests, as (time, test) kept sorted by time. */
  g_autoptr (GArray) finishing = g_array_new (FALSE, FALSE, sizeof (Entry));
  guint64 order = 0;

  compute_paths (paths, tests, context);
  for (guint w = 0; w < n_workers; w++)
    {
      g_autofree char *worker_id = g_strdup_printf ("w%u", w + 1);

      g_ptr_array_add (groups, shoal_test_group_new (worker_id));
    }
  for (guint i = 0; i < tests->len; i++)
    g_hash_table_insert (by_id, (gpointer) shoal_test_case_get_id (tests->pdata[i]), tests->pdata[i]);
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = tests->pdata[i];
      guint count = 0;

      for (guint kind = 0; kind < 2; kind++)
        {
          const char *const *deps = kind == 0 ? shoal_test_case_get_dependencies (test)
                                              : shoal_test_case_get_requirements (test);

          for (guint d = 0; deps[d] != NULL; d++)
            {
              ShoalTestCase *dependency = g_hash_table_lookup (by_id, deps[d]);
              GPtrArray *list;

              if (dependency == NULL || dependency == test)
                continue;
              list = g_hash_table_lookup (dependents, dependency);
              if (list == NULL)
                g_hash_table_insert (dependents, dependency, list = g_ptr_array_new ());
              g_ptr_array_add (list, test);
              count++;
            }
        }
      g_hash_table_insert (unmet, test, GUINT_TO_POINTER (count));
      if (count == 0)
        {
          double *path = g_hash_table_lookup (paths, shoal_test_case_get_id (test));
          Entry entry = { test, shoal_test_case_get_priority (test), path != NULL ? *path : 0,
                          shoal_dispatch_context_estimate (context, test), order++, 0 };

          heap_push (ready, &entry, 0, FALSE);
        }
    }

  for (guint placed = 0; placed < tests->len;)
    {
      guint w = 0;
      double now;

      for (guint i = 1; i < n_workers; i++)
        if (free_at[i] < free_at[w])
          w = i;
      now = free_at[w];

      /* Tests finished by now release their dependents. */
      while (finishing->len > 0 &&
             (g_array_index (finishing, Entry, 0).path <= now || ready->len == 0))
        {
          Entry done = g_array_index (finishing, Entry, 0);
          GPtrArray *list = g_hash_table_lookup (dependents, done.test);

          g_array_remove_index (finishing, 0);
          if (ready->len == 0 && done.path > now)
            now = done.path;
          for (guint i = 0; list != NULL && i < list->len; i++)
            {
              ShoalTestCase *dependent = list->pdata[i];
              guint left = GPOINTER_TO_UINT (g_hash_table_lookup (unmet, dependent)) - 1;

              g_hash_table_insert (unmet, dependent, GUINT_TO_POINTER (left));
              if (left == 0)
                {
                  double *path = g_hash_table_lookup (paths, shoal_test_case_get_id (dependent));
                  Entry entry = { dependent, shoal_test_case_get_priority (dependent),
                                  path != NULL ? *path : 0,
                                  shoal_dispatch_context_estimate (context, dependent), order++, 0 };

                  heap_push (ready, &entry, 0, FALSE);
                }
            }
        }
      if (ready->len == 0)
        break; /* a cycle: the scheduler refuses those anyway */

      {
        Entry next = heap_pop (ready, 0, FALSE);
        Entry finish = next;
        guint at = 0;

        shoal_test_group_add (groups->pdata[w], next.test, next.estimate);
        free_at[w] = MAX (free_at[w], now) + next.estimate;
        /* `path` holds the finishing time in this list. */
        finish.path = free_at[w];
        while (at < finishing->len && g_array_index (finishing, Entry, at).path <= finish.path)
          at++;
        g_array_insert_val (finishing, at, finish);
        placed++;
      }
    }
  return shoal_object_list_from_array (groups);
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
  g_hash_table_unref (self->paths);

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
  self->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->heap = g_array_new (FALSE, FALSE, sizeof (Entry));
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
