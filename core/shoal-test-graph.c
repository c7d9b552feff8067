/* shoal-test-graph.c: the dependency graph of a set of tests, by index
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-test-graph.h"

/**
 * ShoalTestGraph:
 *
 * The dependencies of a set of tests, computed once and shared by whoever
 * plans or orders them: the strategies, the
 * [class@Shoal.TestDistributionManager] and `shoal plan`.
 *
 * Tests are numbered by their position in the array the graph was built
 * from, and everything is an array over those numbers: each test's
 * estimate, the tests it waits for and the tests that wait for it (both in
 * compressed rows), its priority, its remaining
 * critical path, and a topological order. Every kind of dependency
 * (`dependencies`, ordering only, `requirements`, which must pass, and
 * `skip_if_failed`, which must not fail) is an edge; ids that name no
 * test of the set are ignored, as the scheduler ignores tests filtered out
 * of a run, and an edge named twice counts once.
 *
 * Building it costs one hash lookup per test and per dependency and no
 * allocation per test; every walk is iterative, so chains of any length
 * are fine. A cycle is an error naming it.
 *
 * A graph is immutable, so it can be shared between threads. It holds a
 * reference on each of its tests.
 */
typedef struct
{
  guint32 hash;
  guint32 index; /* + 1; 0 is empty */
} IdSlot;

struct _ShoalTestGraph
{
  GObject parent_instance;

  guint n_tests;
  guint n_edges;
  ShoalTestCase **tests; /* owned references */
  const char **ids;      /* the tests' ids, borrowed from them */
  double *estimates;
  int *priorities;
  double *paths;
  guint *dependency_starts; /* n_tests + 1 offsets into dependencies */
  guint *dependencies;
  guint *dependent_starts; /* n_tests + 1 offsets into dependents */
  guint *dependents;
  guint *order; /* topological */

  /* id -> index: open addressing, linear probing; a slot holds the id's
   * hash and index + 1 (0 is empty) side by side, so that a probe costs
   * one cache line. */
  IdSlot *slots;
  guint32 slot_mask;

  double total;
  double longest;
  double chain;
};

G_DEFINE_FINAL_TYPE (ShoalTestGraph, shoal_test_graph, G_TYPE_OBJECT)

static void
shoal_test_graph_finalize (GObject *object)
{
  ShoalTestGraph *self = SHOAL_TEST_GRAPH (object);

  for (guint i = 0; i < self->n_tests; i++)
    g_object_unref (self->tests[i]);
  g_free (self->tests);
  g_free (self->ids);
  g_free (self->estimates);
  g_free (self->priorities);
  g_free (self->paths);
  g_free (self->dependency_starts);
  g_free (self->dependencies);
  g_free (self->dependent_starts);
  g_free (self->dependents);
  g_free (self->order);
  g_free (self->slots);

  G_OBJECT_CLASS (shoal_test_graph_parent_class)->finalize (object);
}

static void
shoal_test_graph_class_init (ShoalTestGraphClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_test_graph_finalize;
}

static void
shoal_test_graph_init (ShoalTestGraph *self)
{
}

/* The id table. */

/* g_str_hash of similar ids (`suite::t0001`, `suite::t0002`) differ in
 * their low bits only, which piles them up in neighbouring slots: the
 * table indexes a mix of all the bits (murmur3's finaliser). */
static inline guint32
id_hash (const char *id)
{
  guint32 h = g_str_hash (id);

  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static gboolean
find_slot (ShoalTestGraph *self,
           const char *id,
           guint32 hash,
           guint32 *out_slot)
{
  guint32 slot = hash & self->slot_mask;

  while (self->slots[slot].index != 0)
    {
      if (self->slots[slot].hash == hash && strcmp (self->ids[self->slots[slot].index - 1], id) == 0)
        {
          *out_slot = slot;
          return TRUE;
        }
      slot = (slot + 1) & self->slot_mask;
    }
  *out_slot = slot;
  return FALSE;
}

static gboolean
lookup_index (ShoalTestGraph *self,
              const char *id,
              guint *out_index)
{
  guint32 slot;

  if (!find_slot (self, id, id_hash (id), &slot))
    return FALSE;
  *out_index = self->slots[slot].index - 1;
  return TRUE;
}

/* How far ahead index_ids asks for the slot it will probe: the table is
 * far larger than the caches, and a few probes in flight at once hide
 * most of their latency. */
#define PREFETCH_DISTANCE 8

static void
index_ids (ShoalTestGraph *self)
{
  guint32 size = 16;
  guint32 ahead[PREFETCH_DISTANCE];

  /* At most half full, so probes stay short. */
  while (size < 2 * (guint64) self->n_tests)
    size *= 2;
  self->slot_mask = size - 1;
  self->slots = g_new0 (IdSlot, size);
  for (guint i = 0; i < MIN (self->n_tests, PREFETCH_DISTANCE); i++)
    {
      ahead[i] = id_hash (self->ids[i]);
      __builtin_prefetch (&self->slots[ahead[i] & self->slot_mask], 1);
    }
  for (guint i = 0; i < self->n_tests; i++)
    {
      guint32 hash = ahead[i % PREFETCH_DISTANCE];
      guint32 slot;

      if (i + PREFETCH_DISTANCE < self->n_tests)
        {
          guint32 later = id_hash (self->ids[i + PREFETCH_DISTANCE]);

          ahead[i % PREFETCH_DISTANCE] = later;
          __builtin_prefetch (&self->slots[later & self->slot_mask], 1);
        }
      /* A repeated id keeps naming the first test that has it. */
      if (!find_slot (self, self->ids[i], hash, &slot))
        self->slots[slot] = (IdSlot){ hash, i + 1 };
    }
}

/* A binary min-heap of indices, for the stable topological order. */

static void
index_heap_push (guint *heap,
                 guint *len,
                 guint value)
{
  guint i = (*len)++;

  while (i > 0 && heap[(i - 1) / 2] > value)
    {
      heap[i] = heap[(i - 1) / 2];
      i = (i - 1) / 2;
    }
  heap[i] = value;
}

static guint
index_heap_pop (guint *heap,
                guint *len)
{
  guint top = heap[0];
  guint last = heap[--(*len)];
  guint i = 0;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= *len)
        break;
      if (child + 1 < *len && heap[child + 1] < heap[child])
        child++;
      if (heap[child] >= last)
        break;
      heap[i] = heap[child];
      i = child;
    }
  if (*len > 0)
    heap[i] = last;
  return top;
}

/* Spells out a cycle among the tests the topological sort could not place:
 * each of them still waits for one of them, so walking from one to a
 * dependency it waits for must come back to a test already seen. */
static void
set_cycle_error (ShoalTestGraph *self,
                 const guint *waiting,
                 GError **error)
{
  g_autofree guint *seen_at = g_new0 (guint, self->n_tests); /* step + 1 */
  g_autoptr (GArray) walk = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GString) text = g_string_new (NULL);
  guint node = 0;
  guint start;

  while (waiting[node] == 0)
    node++;
  while (seen_at[node] == 0)
    {
      g_array_append_val (walk, node);
      seen_at[node] = walk->len;
      for (guint e = self->dependency_starts[node]; e < self->dependency_starts[node + 1]; e++)
        if (waiting[self->dependencies[e]] > 0)
          {
            node = self->dependencies[e];
            break;
          }
    }
  /* Each test of the walk waits for the next: the cycle in the order the
   * tests would run is the walk backwards. */
  start = seen_at[node] - 1;
  g_string_append (text, self->ids[node]);
  for (guint i = walk->len; i > start; i--)
    g_string_append_printf (text, " -> %s", self->ids[g_array_index (walk, guint, i - 1)]);
  g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
               _ ("the tests depend on each other in a cycle: %s (each runs before the next)"),
               text->str);
}

/* Tests with every dependency placed go out smallest index first, so that
 * a set already in dependency order keeps its order. */
static gboolean
sort_topologically (ShoalTestGraph *self,
                    GError **error)
{
  g_autofree guint *waiting = NULL;
  g_autofree guint *heap = NULL;
  guint heap_len = 0, placed = 0;
  gboolean in_order = TRUE;

  self->order = g_new (guint, MAX (self->n_tests, 1));
  for (guint i = 0; i < self->n_tests && in_order; i++)
    for (guint e = self->dependency_starts[i]; e < self->dependency_starts[i + 1]; e++)
      if (self->dependencies[e] > i)
        {
          in_order = FALSE;
          break;
        }
  if (in_order)
    {
      for (guint i = 0; i < self->n_tests; i++)
        self->order[i] = i;
      return TRUE;
    }

  waiting = g_new (guint, self->n_tests);
  heap = g_new (guint, self->n_tests);
  for (guint i = 0; i < self->n_tests; i++)
    {
      waiting[i] = self->dependency_starts[i + 1] - self->dependency_starts[i];
      if (waiting[i] == 0)
        index_heap_push (heap, &heap_len, i);
    }
  while (heap_len > 0)
    {
      guint node = index_heap_pop (heap, &heap_len);

      self->order[placed++] = node;
      for (guint e = self->dependent_starts[node]; e < self->dependent_starts[node + 1]; e++)
        if (--waiting[self->dependents[e]] == 0)
          index_heap_push (heap, &heap_len, self->dependents[e]);
    }
  if (placed < self->n_tests)
    {
      set_cycle_error (self, waiting, error);
      return FALSE;
    }
  return TRUE;
}

/* Reads the edges: each test's dependencies as compressed rows (marking
 * which tests already list a dependency, to count it once), then the
 * same edges the other way round. The ids are looked up in one pass over
 * all of them, so that the slots of the next few can be fetched while one
 * is compared. */
static gboolean
link_tests (ShoalTestGraph *self,
            GError **error)
{
  g_autofree guint *listed_by = g_new0 (guint, self->n_tests);         /* index + 1 */
  g_autoptr (GPtrArray) names = g_ptr_array_sized_new (self->n_tests); /* const char* */
  g_autofree guint *name_starts = g_new (guint, self->n_tests + 1);
  g_autofree guint *named = NULL; /* each name's index, or G_MAXUINT */
  g_autoptr (GArray) edges = NULL;
  guint32 ahead[PREFETCH_DISTANCE];

  /* The ids each test names, in one list. */
  for (guint i = 0; i < self->n_tests; i++)
    {
      name_starts[i] = names->len;
      const char *const *kinds[] = {
        shoal_test_case_get_dependencies (self->tests[i]),
        shoal_test_case_get_requirements (self->tests[i]),
        shoal_test_case_get_skip_if_failed (self->tests[i]),
      };

      for (guint kind = 0; kind < G_N_ELEMENTS (kinds); kind++)
        {
          const char *const *deps = kinds[kind];

          for (guint d = 0; deps[d] != NULL; d++)
            g_ptr_array_add (names, (gpointer) deps[d]);
        }
    }
  name_starts[self->n_tests] = names->len;

  /* Looked up with the slots of the next few already on their way. */
  named = g_new (guint, MAX (names->len, 1));
  for (guint k = 0; k < MIN (names->len, PREFETCH_DISTANCE); k++)
    {
      ahead[k] = id_hash (names->pdata[k]);
      __builtin_prefetch (&self->slots[ahead[k] & self->slot_mask]);
    }
  for (guint k = 0; k < names->len; k++)
    {
      guint32 hash = ahead[k % PREFETCH_DISTANCE];
      guint32 slot;

      if (k + PREFETCH_DISTANCE < names->len)
        {
          guint32 later = id_hash (names->pdata[k + PREFETCH_DISTANCE]);

          ahead[k % PREFETCH_DISTANCE] = later;
          __builtin_prefetch (&self->slots[later & self->slot_mask]);
        }
      named[k] = find_slot (self, names->pdata[k], hash, &slot) ? self->slots[slot].index - 1
                                                                : G_MAXUINT;
    }

  edges = g_array_sized_new (FALSE, FALSE, sizeof (guint), names->len);
  self->dependency_starts = g_new (guint, self->n_tests + 1);
  for (guint i = 0; i < self->n_tests; i++)
    {
      self->dependency_starts[i] = edges->len;
      for (guint k = name_starts[i]; k < name_starts[i + 1]; k++)
        {
          guint dependency = named[k];

          if (dependency == G_MAXUINT || listed_by[dependency] == i + 1)
            continue;
          if (dependency == i)
            {
              g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                           _ ("test '%s' depends on itself"), self->ids[i]);
              return FALSE;
            }
          listed_by[dependency] = i + 1;
          g_array_append_val (edges, dependency);
        }
    }
  self->dependency_starts[self->n_tests] = edges->len;
  self->n_edges = edges->len;
  self->dependencies = (guint *) (void *) g_array_free (g_steal_pointer (&edges), FALSE);

  /* Dependents: count, then fill in ascending order of the dependent. */
  self->dependent_starts = g_new0 (guint, self->n_tests + 1);
  self->dependents = g_new (guint, MAX (self->n_edges, 1));
  for (guint e = 0; e < self->n_edges; e++)
    self->dependent_starts[self->dependencies[e] + 1]++;
  for (guint i = 0; i < self->n_tests; i++)
    self->dependent_starts[i + 1] += self->dependent_starts[i];
  {
    guint *fill = listed_by; /* reused: the next free place of each row */

    memcpy (fill, self->dependent_starts, self->n_tests * sizeof (guint));
    for (guint i = 0; i < self->n_tests; i++)
      for (guint e = self->dependency_starts[i]; e < self->dependency_starts[i + 1]; e++)
        self->dependents[fill[self->dependencies[e]]++] = i;
  }
  return TRUE;
}

/* Each test's remaining critical path: its estimate plus the longest path
 * among the tests that wait for it, in reverse topological order. */
static void
compute_paths (ShoalTestGraph *self)
{
  self->paths = g_new (double, MAX (self->n_tests, 1));
  for (guint k = self->n_tests; k > 0; k--)
    {
      guint node = self->order[k - 1];
      double longest = 0;

      for (guint e = self->dependent_starts[node]; e < self->dependent_starts[node + 1]; e++)
        longest = MAX (longest, self->paths[self->dependents[e]]);
      self->paths[node] = self->estimates[node] + longest;
      self->chain = MAX (self->chain, self->paths[node]);
    }
}

/**
 * shoal_test_graph_new:
 * @tests: (element-type ShoalTestCase): the tests
 * @estimates: (array length=n_estimates) (nullable): the expected duration
 *   of each test in seconds, in the order of @tests, or %NULL for each
 *   test's own [method@Shoal.TestCase.get_estimated_duration]
 * @n_estimates: the length of @estimates: 0, or the number of tests
 * @error: return location for a #GError
 *
 * Builds the graph of @tests. Strategies usually get theirs from
 * [method@Shoal.DispatchContext.get_graph], which fills in the context's
 * estimates and builds it once per plan.
 *
 * Returns: (transfer full): the graph, or %NULL with @error set
 *   (%SHOAL_SCHEDULER_ERROR_INVALID) when the tests depend on each other in
 *   a cycle
 */
ShoalTestGraph *
shoal_test_graph_new (GPtrArray *tests,
                      const double *estimates,
                      guint n_estimates,
                      GError **error)
{
  g_autoptr (ShoalTestGraph) self = NULL;

  g_return_val_if_fail (tests != NULL, NULL);
  g_return_val_if_fail (estimates == NULL || n_estimates == tests->len, NULL);
  g_return_val_if_fail (tests->len < G_MAXUINT32 / 4, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (SHOAL_TYPE_TEST_GRAPH, NULL);
  self->n_tests = tests->len;
  self->tests = g_new (ShoalTestCase *, MAX (self->n_tests, 1));
  self->ids = g_new (const char *, MAX (self->n_tests, 1));
  self->estimates = g_new (double, MAX (self->n_tests, 1));
  self->priorities = g_new (int, MAX (self->n_tests, 1));
  for (guint i = 0; i < self->n_tests; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);

      g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), NULL);
      self->tests[i] = g_object_ref (test);
      self->ids[i] = shoal_test_case_get_id (test);
      self->priorities[i] = shoal_test_case_get_priority (test);
      self->estimates[i] = MAX (estimates != NULL ? estimates[i]
                                                  : shoal_test_case_get_estimated_duration (test),
                                0);
      self->total += self->estimates[i];
      self->longest = MAX (self->longest, self->estimates[i]);
    }

  index_ids (self);
  if (!link_tests (self, error) || !sort_topologically (self, error))
    return NULL;
  compute_paths (self);
  return g_steal_pointer (&self);
}

/**
 * shoal_test_graph_get_n_tests:
 * @self: a graph
 *
 * Returns: the number of tests; their indices run from 0 to this minus one
 */
guint
shoal_test_graph_get_n_tests (ShoalTestGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return self->n_tests;
}

/**
 * shoal_test_graph_get_n_edges:
 * @self: a graph
 *
 * Returns: the number of dependencies between tests of the graph, each
 *   counted once
 */
guint
shoal_test_graph_get_n_edges (ShoalTestGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return self->n_edges;
}

/**
 * shoal_test_graph_get_test:
 * @self: a graph
 * @index_: a test's index
 *
 * Returns: (transfer none): the test at @index_
 */
ShoalTestCase *
shoal_test_graph_get_test (ShoalTestGraph *self,
                           guint index_)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);
  g_return_val_if_fail (index_ < self->n_tests, NULL);
  return self->tests[index_];
}

/**
 * shoal_test_graph_lookup:
 * @self: a graph
 * @test_id: a test id
 * @out_index: (out) (optional): where to store its index
 *
 * Finds a test by id. When two tests share an id, it is the first.
 *
 * Returns: %TRUE if a test of the graph has that id
 */
gboolean
shoal_test_graph_lookup (ShoalTestGraph *self,
                         const char *test_id,
                         guint *out_index)
{
  guint found;

  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), FALSE);
  g_return_val_if_fail (test_id != NULL, FALSE);

  if (!lookup_index (self, test_id, &found))
    return FALSE;
  if (out_index != NULL)
    *out_index = found;
  return TRUE;
}

/**
 * shoal_test_graph_matches:
 * @self: a graph
 * @tests: (element-type ShoalTestCase): tests
 *
 * Whether @self was built from these very tests in this order (the same
 * objects): a cheap check that lets a graph be reused.
 *
 * Returns: %TRUE if @tests are the graph's tests
 */
gboolean
shoal_test_graph_matches (ShoalTestGraph *self,
                          GPtrArray *tests)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), FALSE);
  g_return_val_if_fail (tests != NULL, FALSE);

  return tests->len == self->n_tests &&
         (self->n_tests == 0 ||
          memcmp (tests->pdata, self->tests, self->n_tests * sizeof (gpointer)) == 0);
}

/**
 * shoal_test_graph_get_estimate:
 * @self: a graph
 * @index_: a test's index
 *
 * Returns: the test's expected duration, in seconds
 */
double
shoal_test_graph_get_estimate (ShoalTestGraph *self,
                               guint index_)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  g_return_val_if_fail (index_ < self->n_tests, 0);
  return self->estimates[index_];
}

/**
 * shoal_test_graph_get_estimates:
 * @self: a graph
 * @n_tests: (out) (optional): where to store the number of tests
 *
 * Returns: (array length=n_tests) (transfer none): every test's expected
 *   duration in seconds, by index
 */
const double *
shoal_test_graph_get_estimates (ShoalTestGraph *self,
                                guint *n_tests)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);

  if (n_tests != NULL)
    *n_tests = self->n_tests;
  return self->estimates;
}

/**
 * shoal_test_graph_get_priorities:
 * @self: a graph
 * @n_tests: (out) (optional): where to store the number of tests
 *
 * Every test's [method@Shoal.TestCase.get_priority], by index, read once
 * so that orderings of many tests do not go back to each test object.
 *
 * Returns: (array length=n_tests) (transfer none): the priorities
 */
const int *
shoal_test_graph_get_priorities (ShoalTestGraph *self,
                                 guint *n_tests)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);

  if (n_tests != NULL)
    *n_tests = self->n_tests;
  return self->priorities;
}

/**
 * shoal_test_graph_get_remaining_path:
 * @self: a graph
 * @index_: a test's index
 *
 * The test's remaining critical path: its own estimate plus the longest
 * chain of tests that wait for it, directly or not. Starting the tests
 * with the longest remaining path first keeps long chains off the end of a
 * run.
 *
 * Returns: seconds
 */
double
shoal_test_graph_get_remaining_path (ShoalTestGraph *self,
                                     guint index_)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  g_return_val_if_fail (index_ < self->n_tests, 0);
  return self->paths[index_];
}

/**
 * shoal_test_graph_get_remaining_paths:
 * @self: a graph
 * @n_tests: (out) (optional): where to store the number of tests
 *
 * Returns: (array length=n_tests) (transfer none): every test's remaining
 *   critical path ([method@Shoal.TestGraph.get_remaining_path]), by index
 */
const double *
shoal_test_graph_get_remaining_paths (ShoalTestGraph *self,
                                      guint *n_tests)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);

  if (n_tests != NULL)
    *n_tests = self->n_tests;
  return self->paths;
}

/**
 * shoal_test_graph_get_dependencies:
 * @self: a graph
 * @index_: a test's index
 * @n_dependencies: (out) (optional): where to store their number
 *
 * Returns: (array length=n_dependencies) (transfer none): the indices of
 *   the tests @index_ waits for, in the order it names them (its
 *   dependencies, its requirements, then its skip_if_failed tests)
 */
const guint *
shoal_test_graph_get_dependencies (ShoalTestGraph *self,
                                   guint index_,
                                   guint *n_dependencies)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);
  g_return_val_if_fail (index_ < self->n_tests, NULL);

  if (n_dependencies != NULL)
    *n_dependencies = self->dependency_starts[index_ + 1] - self->dependency_starts[index_];
  return self->dependencies + self->dependency_starts[index_];
}

/**
 * shoal_test_graph_get_dependents:
 * @self: a graph
 * @index_: a test's index
 * @n_dependents: (out) (optional): where to store their number
 *
 * Returns: (array length=n_dependents) (transfer none): the indices of the
 *   tests that wait for @index_, in ascending order
 */
const guint *
shoal_test_graph_get_dependents (ShoalTestGraph *self,
                                 guint index_,
                                 guint *n_dependents)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);
  g_return_val_if_fail (index_ < self->n_tests, NULL);

  if (n_dependents != NULL)
    *n_dependents = self->dependent_starts[index_ + 1] - self->dependent_starts[index_];
  return self->dependents + self->dependent_starts[index_];
}

/**
 * shoal_test_graph_get_topological_order:
 * @self: a graph
 * @n_tests: (out) (optional): where to store the number of tests
 *
 * Every test's index, each after the tests it waits for. Among the tests
 * whose dependencies are all placed, the one with the smallest index goes
 * first, so tests already listed in dependency order keep their order.
 *
 * Returns: (array length=n_tests) (transfer none): the indices in
 *   topological order
 */
const guint *
shoal_test_graph_get_topological_order (ShoalTestGraph *self,
                                        guint *n_tests)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), NULL);

  if (n_tests != NULL)
    *n_tests = self->n_tests;
  return self->order;
}

/**
 * shoal_test_graph_get_total_estimate:
 * @self: a graph
 *
 * Returns: the sum of the estimates, in seconds
 */
double
shoal_test_graph_get_total_estimate (ShoalTestGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return self->total;
}

/**
 * shoal_test_graph_get_longest_estimate:
 * @self: a graph
 *
 * Returns: the estimate of the longest test, in seconds
 */
double
shoal_test_graph_get_longest_estimate (ShoalTestGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return self->longest;
}

/**
 * shoal_test_graph_get_longest_chain:
 * @self: a graph
 *
 * The longest dependency chain: the largest sum of estimates along a path
 * of tests each waiting for the one before (a test alone is a chain).
 *
 * Returns: seconds
 */
double
shoal_test_graph_get_longest_chain (ShoalTestGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return self->chain;
}

/**
 * shoal_test_graph_get_lower_bound:
 * @self: a graph
 * @n_workers: the number of workers
 *
 * What no schedule of these tests on @n_workers workers can beat:
 * `max (total / workers, longest test, longest dependency chain)`.
 *
 * Returns: seconds
 */
double
shoal_test_graph_get_lower_bound (ShoalTestGraph *self,
                                  guint n_workers)
{
  g_return_val_if_fail (SHOAL_IS_TEST_GRAPH (self), 0);
  return MAX (MAX (self->total / MAX (n_workers, 1), self->longest), self->chain);
}
