/* shoal-test-distribution-manager.c: plans, their balance and their bounds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-test-distribution-manager.h"
#include "shoal-test-group.h"
#include "shoal-types.h"

/**
 * ShoalTestDistributionManager:
 *
 * The seed's TestDistributionManager: static plans from a strategy
 * ([method@Shoal.TestDistributionManager.distribute_tests]), how balanced
 * they are, and the lower bound no schedule can beat:
 * `max (total / workers, longest test, longest dependency chain)`, all from
 * the dispatch context's estimates. `shoal plan` prints these.
 *
 * The strategy's plan and the lower bound read the same
 * [class@Shoal.TestGraph], which the dispatch context builds once.
 */
struct _ShoalTestDistributionManager
{
  GObject parent_instance;

  ShoalStrategy *strategy;
  ShoalDispatchContext *context;
};

G_DEFINE_FINAL_TYPE (ShoalTestDistributionManager, shoal_test_distribution_manager, G_TYPE_OBJECT)

static void
shoal_test_distribution_manager_finalize (GObject *object)
{
  ShoalTestDistributionManager *self = SHOAL_TEST_DISTRIBUTION_MANAGER (object);

  g_clear_object (&self->strategy);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (shoal_test_distribution_manager_parent_class)->finalize (object);
}

static void
shoal_test_distribution_manager_class_init (ShoalTestDistributionManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_test_distribution_manager_finalize;
}

static void
shoal_test_distribution_manager_init (ShoalTestDistributionManager *self)
{
}

/**
 * shoal_test_distribution_manager_new:
 * @strategy: the strategy that plans
 * @context: the estimates (and the number of workers by default)
 *
 * Returns: (transfer full): a new manager
 */
ShoalTestDistributionManager *
shoal_test_distribution_manager_new (ShoalStrategy *strategy,
                                     ShoalDispatchContext *context)
{
  ShoalTestDistributionManager *self;

  g_return_val_if_fail (SHOAL_IS_STRATEGY (strategy), NULL);
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (context), NULL);

  self = g_object_new (SHOAL_TYPE_TEST_DISTRIBUTION_MANAGER, NULL);
  self->strategy = g_object_ref (strategy);
  self->context = g_object_ref (context);
  return self;
}

/**
 * shoal_test_distribution_manager_distribute_tests:
 * @self: a manager
 * @tests: (element-type ShoalTestCase): the tests
 * @n_workers: the workers to plan for, or 0 for the context's
 * @error: return location for a #GError
 *
 * The seed's `distribute_tests`: the strategy's static plan.
 *
 * Returns: (transfer full) (element-type ShoalTestGroup): one group per
 *   worker
 */
GList *
shoal_test_distribution_manager_distribute_tests (ShoalTestDistributionManager *self,
                                                  GPtrArray *tests,
                                                  guint n_workers,
                                                  GError **error)
{
  g_autoptr (ShoalDispatchContext) context = NULL;

  g_return_val_if_fail (SHOAL_IS_TEST_DISTRIBUTION_MANAGER (self), NULL);
  g_return_val_if_fail (tests != NULL, NULL);

  if (n_workers == 0 || n_workers == shoal_dispatch_context_get_n_workers (self->context))
    return shoal_strategy_plan (self->strategy, tests, self->context, error);

  /* Another worker count, the same estimates (and graph). */
  context = shoal_dispatch_context_copy (self->context, n_workers);
  return shoal_strategy_plan (self->strategy, tests, context, error);
}

/**
 * shoal_test_distribution_manager_estimated_makespan:
 * @groups: (element-type ShoalTestGroup): a plan
 *
 * Returns: the duration of the longest group, in seconds
 */
double
shoal_test_distribution_manager_estimated_makespan (GList *groups)
{
  double longest = 0;

  for (GList *l = groups; l != NULL; l = l->next)
    longest = MAX (longest, shoal_test_group_get_estimated_duration (l->data));
  return longest;
}

/**
 * shoal_test_distribution_manager_calculate_balance_score:
 * @groups: (element-type ShoalTestGroup): a plan
 *
 * The seed's `calculate_balance_score`: the mean load of the groups
 * divided by the largest, `sum (load) / (groups × max (load))`. 1.0 means
 * every worker has the same work; 0.5 means the busiest worker has twice
 * the average. An empty plan scores 1.0.
 *
 * Returns: the score, between 0 and 1
 */
double
shoal_test_distribution_manager_calculate_balance_score (GList *groups)
{
  double total = 0;
  double longest = shoal_test_distribution_manager_estimated_makespan (groups);
  guint n = 0;

  for (GList *l = groups; l != NULL; l = l->next, n++)
    total += shoal_test_group_get_estimated_duration (l->data);
  if (n == 0 || longest <= 0)
    return 1.0;
  return total / (n * longest);
}

/**
 * shoal_test_distribution_manager_lower_bound:
 * @self: a manager
 * @tests: (element-type ShoalTestCase): the tests
 * @n_workers: the workers, or 0 for the context's
 *
 * What no schedule can beat: `max (total / workers, longest test, longest
 * dependency chain)`, on the context's estimates. It reads them from the
 * context's graph of @tests ([method@Shoal.DispatchContext.get_graph]),
 * the one the strategy planned with. Tests that depend on each other in a
 * cycle have no schedule; their chain is left out (the scheduler refuses
 * them).
 *
 * Returns: seconds
 */
double
shoal_test_distribution_manager_lower_bound (ShoalTestDistributionManager *self,
                                             GPtrArray *tests,
                                             guint n_workers)
{
  g_autoptr (ShoalTestGraph) graph = NULL;
  double total = 0, longest = 0;

  g_return_val_if_fail (SHOAL_IS_TEST_DISTRIBUTION_MANAGER (self), 0);
  g_return_val_if_fail (tests != NULL, 0);

  if (n_workers == 0)
    n_workers = shoal_dispatch_context_get_n_workers (self->context);
  graph = shoal_dispatch_context_get_graph (self->context, tests, NULL);
  if (graph != NULL)
    return shoal_test_graph_get_lower_bound (graph, n_workers);

  for (guint i = 0; i < tests->len; i++)
    {
      double estimate = shoal_dispatch_context_estimate (self->context, tests->pdata[i]);

      total += estimate;
      longest = MAX (longest, estimate);
    }
  return MAX (total / MAX (n_workers, 1), longest);
}

static gpointer
copy_object (gconstpointer object,
             gpointer user_data)
{
  return g_object_ref ((gpointer) object);
}

typedef struct
{
  ShoalTestCase *test;
  const char *id;
  double estimate;
} Member;

static int
compare_longest_first (gconstpointer a,
                       gconstpointer b)
{
  const Member *ma = a;
  const Member *mb = b;

  if (ma->estimate != mb->estimate)
    return ma->estimate > mb->estimate ? -1 : 1;
  return strcmp (ma->id, mb->id);
}

/* A min-heap of groups on (load, position). */
static gboolean
lighter (const double *load,
         guint a,
         guint b)
{
  return load[a] < load[b] || (load[a] == load[b] && a < b);
}

static void
sift_down (guint *heap,
           guint len,
           const double *load)
{
  guint i = 0;

  for (;;)
    {
      guint left = 2 * i + 1, best = i;

      if (left < len && lighter (load, heap[left], heap[best]))
        best = left;
      if (left + 1 < len && lighter (load, heap[left + 1], heap[best]))
        best = left + 1;
      if (best == i)
        return;
      {
        guint tmp = heap[i];

        heap[i] = heap[best];
        heap[best] = tmp;
      }
      i = best;
    }
}

/**
 * shoal_test_distribution_manager_rebalance_if_needed:
 * @self: a manager
 * @groups: (element-type ShoalTestGroup): a plan
 * @threshold: the balance score below which to rebalance (0.9, say)
 *
 * The seed's `rebalance_if_needed`: when @groups score below @threshold,
 * their tests are spread again longest first onto the least loaded group
 * (LPT, ties by id, then by the group's position), which keeps each
 * worker's share within a test of the others. Dependencies are for the
 * scheduler to enforce at run time.
 *
 * Returns: (transfer full) (element-type ShoalTestGroup): the new plan, or
 *   a copy of the list of @groups when it is balanced enough
 */
GList *
shoal_test_distribution_manager_rebalance_if_needed (ShoalTestDistributionManager *self,
                                                     GList *groups,
                                                     double threshold)
{
  g_autoptr (GArray) members = g_array_new (FALSE, FALSE, sizeof (Member));
  g_autoptr (GPtrArray) result = NULL;
  g_autofree double *load = NULL;
  g_autofree guint *heap = NULL;
  guint n = g_list_length (groups);

  g_return_val_if_fail (SHOAL_IS_TEST_DISTRIBUTION_MANAGER (self), NULL);

  if (n == 0 || shoal_test_distribution_manager_calculate_balance_score (groups) >= threshold)
    return g_list_copy_deep (groups, copy_object, NULL);

  for (GList *l = groups; l != NULL; l = l->next)
    {
      GPtrArray *tests = shoal_test_group_get_tests (l->data);

      for (guint i = 0; i < tests->len; i++)
        {
          Member member = { tests->pdata[i], shoal_test_case_get_id (tests->pdata[i]),
                            shoal_dispatch_context_estimate (self->context, tests->pdata[i]) };

          g_array_append_val (members, member);
        }
    }
  qsort (members->data, members->len, sizeof (Member), compare_longest_first);

  result = g_ptr_array_new_full (n, g_object_unref);
  load = g_new0 (double, n);
  heap = g_new (guint, n);
  for (GList *l = groups; l != NULL; l = l->next)
    {
      heap[result->len] = result->len;
      g_ptr_array_add (result, shoal_test_group_new (shoal_test_group_get_worker_id (l->data)));
    }
  /* All loads start at 0, in position order: already a heap. */
  for (guint i = 0; i < members->len; i++)
    {
      Member *member = &g_array_index (members, Member, i);
      guint least = heap[0];

      shoal_test_group_add (result->pdata[least], member->test, member->estimate);
      load[least] += MAX (member->estimate, 0);
      sift_down (heap, n, load);
    }
  return shoal_object_list_from_array (g_steal_pointer (&result));
}
