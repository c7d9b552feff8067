/* shoal-strategy-common.c: what the built-in strategies share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include "shoal-strategy-common.h"

/* The simulation ---------------------------------------------------------- */

typedef struct
{
  double time;
  guint id; /* a worker, or a test */
} Timed;

/* Min-heap on (time, id). */
static gboolean
timed_before (const Timed *a,
              const Timed *b)
{
  return a->time < b->time || (a->time == b->time && a->id < b->id);
}

static void
timed_sift_down (Timed *heap,
                 guint len,
                 guint i)
{
  Timed moving = heap[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= len)
        break;
      if (child + 1 < len && timed_before (&heap[child + 1], &heap[child]))
        child++;
      if (!timed_before (&heap[child], &moving))
        break;
      heap[i] = heap[child];
      i = child;
    }
  heap[i] = moving;
}

static void
timed_push (Timed *heap,
            guint *len,
            Timed value)
{
  guint i = (*len)++;

  while (i > 0 && timed_before (&value, &heap[(i - 1) / 2]))
    {
      heap[i] = heap[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  heap[i] = value;
}

static Timed
timed_pop (Timed *heap,
           guint *len)
{
  Timed top = heap[0];

  heap[0] = heap[--(*len)];
  if (*len > 0)
    timed_sift_down (heap, *len, 0);
  return top;
}

/* A ready test in a simulation. */
typedef struct
{
  guint index; /* in the graph */
  int priority;
  double key;
  double second_key;
  guint64 arrival; /* when it became ready in the simulation, for ties */
} SimEntry;

/* Priority, then the strategy's key, then its second key, larger first;
 * then the first to become ready. */
static inline gboolean
before (const SimEntry *a,
        const SimEntry *b)
{
  if (a->priority != b->priority)
    return a->priority > b->priority;
  if (a->key != b->key)
    return a->key > b->key;
  if (a->second_key != b->second_key)
    return a->second_key > b->second_key;
  return a->arrival < b->arrival;
}

/* The ready tests of a simulation are a 4-ary heap: with 100,000 ready
 * tests it is larger than the caches, and a node's four children sit in
 * two adjacent cache lines, so popping misses half as often as in a binary
 * heap. */
#define SIM_PARENT(i) (((i) -1) / 4)
#define SIM_FIRST_CHILD(i) (4 * (i) + 1)

static int
compare_sim (const void *a,
             const void *b)
{
  return before (a, b) ? -1 : before (b, a) ? 1
                                            : 0;
}

static void
sim_push (SimEntry *heap,
          guint *len,
          const SimEntry *value)
{
  guint i = (*len)++;

  while (i > 0 && before (value, &heap[SIM_PARENT (i)]))
    {
      heap[i] = heap[SIM_PARENT (i)];
      i = SIM_PARENT (i);
    }
  heap[i] = *value;
}

/* Floyd's pop: the hole at the root goes down to a leaf along the best
 * children, and the last entry comes up from there, which is rarely far:
 * fewer comparisons than sifting it down from the root. */
static SimEntry
sim_pop (SimEntry *heap,
         guint *len)
{
  SimEntry top = heap[0];
  SimEntry moving = heap[--(*len)];
  guint i = 0;

  if (*len == 0)
    return top;
  for (;;)
    {
      guint first = SIM_FIRST_CHILD (i), best = first;

      if (first >= *len)
        break;
      for (guint c = first + 1; c < first + 4 && c < *len; c++)
        if (before (&heap[c], &heap[best]))
          best = c;
      heap[i] = heap[best];
      i = best;
    }
  while (i > 0 && before (&moving, &heap[SIM_PARENT (i)]))
    {
      heap[i] = heap[SIM_PARENT (i)];
      i = SIM_PARENT (i);
    }
  heap[i] = moving;
  return top;
}

/* The workers of a simulation: a min-heap on (free at, worker) that knows
 * where each worker is, so that any of them can be given a test. */
typedef struct
{
  Timed *heap;
  guint *position; /* by worker */
  guint len;
} Workers;

static void
workers_place (Workers *workers,
               guint i,
               Timed value)
{
  workers->heap[i] = value;
  workers->position[value.id] = i;
}

/* Moves @worker to @free_at, which is later than before. */
static void
workers_delay (Workers *workers,
               guint worker,
               double free_at)
{
  guint i = workers->position[worker];
  Timed moving = { free_at, worker };

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= workers->len)
        break;
      if (child + 1 < workers->len &&
          timed_before (&workers->heap[child + 1], &workers->heap[child]))
        child++;
      if (!timed_before (&workers->heap[child], &moving))
        break;
      workers_place (workers, i, workers->heap[child]);
      i = child;
    }
  workers_place (workers, i, moving);
}

/* shoal_strategy_simulate:
 * @graph: the tests
 * @n_workers: how many run at once
 * @keys: (nullable): each test's key, by index (or all 0)
 * @second_keys: (nullable): each test's key for ties of @keys (or all 0)
 * @worker_of: (out caller-allocates): the worker each test runs on
 * @order: (out caller-allocates): the tests in the order they start
 *
 * List scheduling on the estimates: the worker that frees up first (the
 * lowest numbered among equals) takes the ready test with the highest
 * priority, then the largest key, then the largest second key, then the
 * first to become ready; a test is ready once every test it waits for has finished, and
 * starts no earlier than that. When nothing is ready, time moves on to
 * the next test that finishes, and what it releases goes to the worker
 * that ran it (every worker free by then could start it as early; this
 * one keeps chains together and the workers' loads free of gaps). Costs
 * O(n log n); resources are not simulated. */
void
shoal_strategy_simulate (ShoalTestGraph *graph,
                         guint n_workers,
                         const double *keys,
                         const double *second_keys,
                         guint *worker_of,
                         guint *order)
{
  guint n = shoal_test_graph_get_n_tests (graph);
  const double *estimates = shoal_test_graph_get_estimates (graph, NULL);
  const int *priorities = shoal_test_graph_get_priorities (graph, NULL);
  g_autofree guint *waiting = g_new (guint, MAX (n, 1));
  g_autofree SimEntry *initial = g_new (SimEntry, MAX (n, 1)); /* sorted */
  g_autofree SimEntry *ready = g_new (SimEntry, MAX (n, 1));   /* a heap */
  g_autofree Timed *worker_heap = g_new (Timed, n_workers);
  g_autofree guint *worker_position = g_new (guint, n_workers);
  g_autofree Timed *running = g_new (Timed, n_workers + 1);
  Workers workers = { worker_heap, worker_position, n_workers };
  guint n_initial = 0, next_initial = 0, n_ready = 0, n_running = 0, placed = 0;
  guint64 arrival = 0;
  double clock = 0; /* no test starts before: tests ready by then are */

  for (guint w = 0; w < n_workers; w++)
    workers_place (&workers, w, (Timed){ 0, w }); /* all free at 0, in order: a heap */

  /* The tests ready from the start, usually most of them, are sorted once
   * and read in order; only the tests released later go through the heap,
   * which then stays small. Each pick takes the better of the two heads. */
  for (guint i = 0; i < n; i++)
    {
      shoal_test_graph_get_dependencies (graph, i, &waiting[i]);
      if (waiting[i] == 0)
        initial[n_initial++] = (SimEntry){ i, priorities[i], keys != NULL ? keys[i] : 0,
                                           second_keys != NULL ? second_keys[i] : 0, arrival++ };
    }
  qsort (initial, n_initial, sizeof (SimEntry), compare_sim);

  while (placed < n)
    {
      guint worker = workers.heap[0].id;
      double now = MAX (workers.heap[0].time, clock);
      gboolean waited = FALSE;
      SimEntry next;

      /* Tests finished by now release their dependents; with nothing
       * ready, wait for the next one to finish. */
      while (n_running > 0 &&
             (running[0].time <= now || (n_ready == 0 && next_initial == n_initial)))
        {
          Timed done = timed_pop (running, &n_running);
          guint n_dependents;
          const guint *dependents = shoal_test_graph_get_dependents (graph, done.id, &n_dependents);

          if (done.time > now)
            {
              now = done.time;
              worker = worker_of[done.id];
              waited = TRUE;
            }
          for (guint d = 0; d < n_dependents; d++)
            if (--waiting[dependents[d]] == 0)
              {
                guint index = dependents[d];
                SimEntry entry = { index, priorities[index], keys != NULL ? keys[index] : 0,
                                   second_keys != NULL ? second_keys[index] : 0, arrival++ };

                sim_push (ready, &n_ready, &entry);
              }
        }
      if (n_ready == 0 && next_initial == n_initial)
        break; /* a cycle, which the graph does not let through */

      clock = now;
      if (next_initial < n_initial &&
          (n_ready == 0 || before (&initial[next_initial], &ready[0])))
        next = initial[next_initial++];
      else
        next = sim_pop (ready, &n_ready);
      if (!waited)
        worker = workers.heap[0].id;
      worker_of[next.index] = worker;
      order[placed++] = next.index;
      workers_delay (&workers, worker, now + estimates[next.index]);
      timed_push (running, &n_running, (Timed){ now + estimates[next.index], next.index });
    }
}

/* shoal_strategy_make_groups:
 * @graph: the tests
 * @n_groups: one per worker, `w1` to `wN`
 * @group_of: each test's group, by index
 * @order: every index once: each group lists its tests in this order
 *
 * Returns: (transfer full) (element-type ShoalTestGroup): the plan */
GList *
shoal_strategy_make_groups (ShoalTestGraph *graph,
                            guint n_groups,
                            const guint *group_of,
                            const guint *order)
{
  GPtrArray *groups = g_ptr_array_new_full (n_groups, g_object_unref);
  const double *estimates = shoal_test_graph_get_estimates (graph, NULL);
  guint n = shoal_test_graph_get_n_tests (graph);

  for (guint g = 0; g < n_groups; g++)
    {
      g_autofree char *worker_id = g_strdup_printf ("w%u", g + 1);

      g_ptr_array_add (groups, shoal_test_group_new (worker_id));
    }
  for (guint k = 0; k < n; k++)
    shoal_test_group_add (groups->pdata[group_of[order[k]]],
                          shoal_test_graph_get_test (graph, order[k]), estimates[order[k]]);
  return shoal_object_list_from_array (groups);
}

/* LPT ----------------------------------------------------------------------- */

static int
compare_larger_first (const void *a,
                      const void *b,
                      void *user_data)
{
  const double *sizes = user_data;
  guint ia = *(const guint *) a, ib = *(const guint *) b;

  if (sizes[ia] != sizes[ib])
    return sizes[ia] > sizes[ib] ? -1 : 1;
  return ia < ib ? -1 : ia > ib;
}

/* shoal_strategy_lpt:
 * @sizes: each item's size
 * @n_items: how many
 * @n_groups: how many groups
 * @loads: (inout): each group's load, updated
 * @group_of: (out caller-allocates): each item's group
 *
 * Longest processing time first: items largest first (ties in item
 * order), each to the least loaded group (ties to the lowest numbered). */
void
shoal_strategy_lpt (const double *sizes,
                    guint n_items,
                    guint n_groups,
                    double *loads,
                    guint *group_of)
{
  g_autofree guint *items = g_new (guint, MAX (n_items, 1));
  g_autofree Timed *groups = g_new (Timed, n_groups);
  guint n_heap = 0;

  for (guint i = 0; i < n_items; i++)
    items[i] = i;
  g_qsort_with_data (items, n_items, sizeof (guint), compare_larger_first, (gpointer) sizes);
  for (guint g = 0; g < n_groups; g++)
    timed_push (groups, &n_heap, (Timed){ loads[g], g });
  for (guint k = 0; k < n_items; k++)
    {
      guint item = items[k];
      guint g = groups[0].id;

      group_of[item] = g;
      loads[g] += MAX (sizes[item], 0);
      groups[0].time = loads[g];
      timed_sift_down (groups, n_heap, 0);
    }
}

/* Workers ----------------------------------------------------------------- */

/* The scheduler's workers are `w1` to `wN`: group N - 1. Other names get
 * groups in the order they are first seen, kept in @others. */
guint
shoal_strategy_worker_index (GHashTable *others,
                             const char *worker_id,
                             guint n_groups)
{
  gpointer known;

  if (worker_id[0] == 'w' && g_ascii_isdigit (worker_id[1]))
    {
      char *end = NULL;
      guint64 number = g_ascii_strtoull (worker_id + 1, &end, 10);

      if (*end == '\0' && number >= 1 && number <= n_groups)
        return (guint) number - 1;
    }
  if (g_hash_table_lookup_extended (others, worker_id, NULL, &known))
    return GPOINTER_TO_UINT (known);
  {
    guint index = g_hash_table_size (others) % MAX (n_groups, 1);

    g_hash_table_insert (others, g_strdup (worker_id), GUINT_TO_POINTER (index));
    return index;
  }
}

/* The partitioned queue ------------------------------------------------------ */

typedef struct
{
  ShoalTestCase *test; /* owned */
  int priority;
  guint rank;
  double estimate;
} Entry;

struct _ShoalPartitionQueue
{
  ShoalPartitionFunc partition;
  ShoalTestGraph *graph; /* NULL before prepare, or on a cycle */
  guint n_groups;
  guint *group_of; /* by graph index */
  guint *rank_of;
  GArray **ready;    /* per group: a heap of Entry */
  double *remaining; /* per group: estimated work not handed out yet */
  guint *candidates; /* scratch: groups to steal from */
  GArray *set_aside; /* scratch: Entry that cannot start now */
  GHashTable *other_workers;
  guint n_extra; /* tests pushed that the graph does not know */
};

static gboolean
entry_before (const Entry *a,
              const Entry *b)
{
  if (a->priority != b->priority)
    return a->priority > b->priority;
  return a->rank < b->rank;
}

static void
entry_sift_up (GArray *heap,
               guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  while (i > 0 && entry_before (&moving, &data[(i - 1) / 2]))
    {
      data[i] = data[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  data[i] = moving;
}

static void
entry_sift_down (GArray *heap,
                 guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry moving = data[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= heap->len)
        break;
      if (child + 1 < heap->len && entry_before (&data[child + 1], &data[child]))
        child++;
      if (!entry_before (&data[child], &moving))
        break;
      data[i] = data[child];
      i = child;
    }
  data[i] = moving;
}

static void
entry_push (GArray *heap,
            const Entry *entry)
{
  g_array_append_vals (heap, entry, 1);
  entry_sift_up (heap, heap->len - 1);
}

/* Takes out the entry at @i. */
static Entry
entry_take (GArray *heap,
            guint i)
{
  Entry *data = (Entry *) (void *) heap->data;
  Entry taken = data[i];

  data[i] = data[heap->len - 1];
  g_array_set_size (heap, heap->len - 1);
  if (i < heap->len)
    {
      entry_sift_down (heap, i);
      entry_sift_up (heap, i);
    }
  return taken;
}

static void
clear_groups (ShoalPartitionQueue *self)
{
  for (guint g = 0; g < self->n_groups; g++)
    {
      for (guint i = 0; i < self->ready[g]->len; i++)
        g_object_unref (g_array_index (self->ready[g], Entry, i).test);
      g_array_unref (self->ready[g]);
    }
  g_clear_pointer (&self->ready, g_free);
  g_clear_pointer (&self->remaining, g_free);
  g_clear_pointer (&self->candidates, g_free);
  g_clear_pointer (&self->group_of, g_free);
  g_clear_pointer (&self->rank_of, g_free);
  g_clear_object (&self->graph);
  g_hash_table_remove_all (self->other_workers);
  self->n_groups = 0;
  self->n_extra = 0;
}

static void
set_groups (ShoalPartitionQueue *self,
            guint n_groups)
{
  self->n_groups = MAX (n_groups, 1);
  self->ready = g_new (GArray *, self->n_groups);
  for (guint g = 0; g < self->n_groups; g++)
    self->ready[g] = g_array_new (FALSE, FALSE, sizeof (Entry));
  self->remaining = g_new0 (double, self->n_groups);
  self->candidates = g_new (guint, self->n_groups);
}

ShoalPartitionQueue *
shoal_partition_queue_new (ShoalPartitionFunc partition)
{
  ShoalPartitionQueue *self = g_new0 (ShoalPartitionQueue, 1);

  self->partition = partition;
  self->other_workers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->set_aside = g_array_new (FALSE, FALSE, sizeof (Entry));
  return self;
}

void
shoal_partition_queue_free (ShoalPartitionQueue *self)
{
  clear_groups (self);
  g_hash_table_unref (self->other_workers);
  g_array_unref (self->set_aside);
  g_free (self);
}

/* Partitions every test of the run. A cycle leaves no graph: the scheduler
 * refuses such a run before any test is ready, and tests the graph does
 * not know are dealt to the groups in turn. */
void
shoal_partition_queue_prepare (ShoalPartitionQueue *self,
                               GPtrArray *tests,
                               ShoalDispatchContext *context)
{
  const double *estimates;
  guint n;

  clear_groups (self);
  set_groups (self, shoal_dispatch_context_get_n_workers (context));
  self->graph = shoal_dispatch_context_get_graph (context, tests, NULL);
  if (self->graph == NULL)
    return;
  n = shoal_test_graph_get_n_tests (self->graph);
  estimates = shoal_test_graph_get_estimates (self->graph, NULL);
  self->group_of = g_new (guint, MAX (n, 1));
  self->rank_of = g_new (guint, MAX (n, 1));
  self->partition (self->graph, self->n_groups, self->group_of, self->rank_of);
  for (guint i = 0; i < n; i++)
    self->remaining[self->group_of[i]] += estimates[i];
}

void
shoal_partition_queue_push (ShoalPartitionQueue *self,
                            ShoalTestCase *test,
                            ShoalDispatchContext *context)
{
  Entry entry = { g_object_ref (test), shoal_test_case_get_priority (test), 0, 0 };
  guint index, group;

  if (self->n_groups == 0)
    set_groups (self, shoal_dispatch_context_get_n_workers (context));
  if (self->graph != NULL &&
      shoal_test_graph_lookup (self->graph, shoal_test_case_get_id (test), &index))
    {
      group = self->group_of[index];
      entry.rank = self->rank_of[index];
      entry.estimate = shoal_test_graph_get_estimate (self->graph, index);
    }
  else
    {
      guint known = self->graph != NULL ? shoal_test_graph_get_n_tests (self->graph) : 0;

      group = self->n_extra % self->n_groups;
      entry.rank = known + self->n_extra++;
      entry.estimate = shoal_dispatch_context_estimate (context, test);
      self->remaining[group] += entry.estimate;
    }
  entry_push (self->ready[group], &entry);
}

/* The best test of @group's that can start, or NULL. Those that cannot
 * are set aside and put back. */
static ShoalTestCase *
take_from (ShoalPartitionQueue *self,
           guint group,
           const char *worker_id,
           ShoalDispatchContext *context,
           GArray *set_aside)
{
  GArray *heap = self->ready[group];
  ShoalTestCase *chosen = NULL;

  g_array_set_size (set_aside, 0);
  while (heap->len > 0)
    {
      Entry entry = entry_take (heap, 0);

      if (shoal_dispatch_context_can_start (context, entry.test, worker_id))
        {
          self->remaining[group] -= entry.estimate;
          chosen = entry.test;
          break;
        }
      g_array_append_val (set_aside, entry);
    }
  for (guint i = 0; i < set_aside->len; i++)
    entry_push (heap, &g_array_index (set_aside, Entry, i));
  return chosen;
}

static int
compare_more_remaining (const void *a,
                        const void *b,
                        void *user_data)
{
  const double *remaining = user_data;
  guint ga = *(const guint *) a, gb = *(const guint *) b;

  if (remaining[ga] != remaining[gb])
    return remaining[ga] > remaining[gb] ? -1 : 1;
  return ga < gb ? -1 : ga > gb;
}

ShoalTestCase *
shoal_partition_queue_next (ShoalPartitionQueue *self,
                            const char *worker_id,
                            ShoalDispatchContext *context)
{
  GArray *set_aside = self->set_aside;
  ShoalTestCase *chosen;
  guint own, n_candidates = 0;

  if (self->n_groups == 0)
    return NULL;
  own = shoal_strategy_worker_index (self->other_workers, worker_id, self->n_groups);
  chosen = take_from (self, own, worker_id, context, set_aside);
  if (chosen != NULL)
    return chosen;

  /* Run dry: steal, from the group with the most work left first. */
  for (guint g = 0; g < self->n_groups; g++)
    if (g != own && self->ready[g]->len > 0)
      self->candidates[n_candidates++] = g;
  g_qsort_with_data (self->candidates, n_candidates, sizeof (guint), compare_more_remaining,
                     self->remaining);
  for (guint c = 0; c < n_candidates && chosen == NULL; c++)
    chosen = take_from (self, self->candidates[c], worker_id, context, set_aside);
  return chosen;
}

void
shoal_partition_queue_remove (ShoalPartitionQueue *self,
                              ShoalTestCase *test)
{
  guint index, only = G_MAXUINT;

  /* A test the graph knows can only be in its own group. */
  if (self->graph != NULL &&
      shoal_test_graph_lookup (self->graph, shoal_test_case_get_id (test), &index))
    only = self->group_of[index];
  for (guint g = 0; g < self->n_groups; g++)
    {
      GArray *heap = self->ready[g];

      if (only != G_MAXUINT && g != only)
        continue;
      for (guint i = 0; i < heap->len; i++)
        if (g_array_index (heap, Entry, i).test == test)
          {
            Entry removed = entry_take (heap, i);

            self->remaining[g] -= removed.estimate;
            g_object_unref (removed.test);
            return;
          }
    }
}

/* A static plan: the groups of @partition, each in rank order. */
GList *
shoal_partition_plan (ShoalPartitionFunc partition,
                      GPtrArray *tests,
                      ShoalDispatchContext *context,
                      GError **error)
{
  g_autoptr (ShoalTestGraph) graph = shoal_dispatch_context_get_graph (context, tests, error);
  guint n_groups = shoal_dispatch_context_get_n_workers (context);
  g_autofree guint *group_of = NULL;
  g_autofree guint *rank = NULL;
  g_autofree guint *order = NULL;
  guint n;

  if (graph == NULL)
    return NULL;
  n = shoal_test_graph_get_n_tests (graph);
  group_of = g_new (guint, MAX (n, 1));
  rank = g_new (guint, MAX (n, 1));
  order = g_new (guint, MAX (n, 1));
  partition (graph, n_groups, group_of, rank);
  for (guint i = 0; i < n; i++)
    order[rank[i]] = i;
  return shoal_strategy_make_groups (graph, n_groups, group_of, order);
}

guint
shoal_union_find_root (guint *parent,
                       guint i)
{
  while (parent[i] != i)
    {
      parent[i] = parent[parent[i]]; /* path halving */
      i = parent[i];
    }
  return i;
}

void
shoal_union_find_join (guint *parent,
                       guint a,
                       guint b)
{
  a = shoal_union_find_root (parent, a);
  b = shoal_union_find_root (parent, b);
  if (a < b)
    parent[b] = a;
  else if (b < a)
    parent[a] = b;
}
