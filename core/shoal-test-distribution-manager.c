/* shoal-test-distribution-manager.c: plans, their balance and their bounds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

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

  /* Another worker count, the same estimates. */
  context = shoal_dispatch_context_new (n_workers, 1.0);
  for (guint i = 0; i < tests->len; i++)
    shoal_dispatch_context_set_estimate (context, shoal_test_case_get_id (tests->pdata[i]),
                                         shoal_dispatch_context_estimate (self->context,
                                                                          tests->pdata[i]));
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
 * dependency chain)`, on the context's estimates.
 *
 * Returns: seconds
 */
double
shoal_test_distribution_manager_lower_bound (ShoalTestDistributionManager *self,
                                             GPtrArray *tests,
                                             guint n_workers)
{
  g_autoptr (GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) finish = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();
  double total = 0, longest = 0, chain = 0;

  g_return_val_if_fail (SHOAL_IS_TEST_DISTRIBUTION_MANAGER (self), 0);
  g_return_val_if_fail (tests != NULL, 0);

  if (n_workers == 0)
    n_workers = shoal_dispatch_context_get_n_workers (self->context);
  for (guint i = 0; i < tests->len; i++)
    {
      double estimate = shoal_dispatch_context_estimate (self->context, tests->pdata[i]);

      total += estimate;
      longest = MAX (longest, estimate);
      g_hash_table_insert (by_id, (gpointer) shoal_test_case_get_id (tests->pdata[i]),
                           tests->pdata[i]);
    }

  /* The longest chain: the earliest finish of each test, depth first with
   * an explicit stack (chains can be long), memoised. */
  for (guint i = 0; i < tests->len; i++)
    {
      g_ptr_array_add (stack, tests->pdata[i]);
      while (stack->len > 0)
        {
          ShoalTestCase *test = stack->pdata[stack->len - 1];
          double start = 0;
          gboolean ready = TRUE;

          if (g_hash_table_contains (finish, test))
            {
              g_ptr_array_set_size (stack, stack->len - 1);
              continue;
            }
          for (guint kind = 0; kind < 2; kind++)
            {
              const char *const *deps = kind == 0 ? shoal_test_case_get_dependencies (test)
                                                  : shoal_test_case_get_requirements (test);

              for (guint d = 0; deps[d] != NULL; d++)
                {
                  ShoalTestCase *dependency = g_hash_table_lookup (by_id, deps[d]);
                  double *done;

                  if (dependency == NULL || dependency == test)
                    continue;
                  done = g_hash_table_lookup (finish, dependency);
                  if (done != NULL)
                    start = MAX (start, *done);
                  else if (!g_ptr_array_find (stack, dependency, NULL))
                    {
                      g_ptr_array_add (stack, dependency);
                      ready = FALSE;
                    }
                }
            }
          if (!ready)
            continue;
          {
            double *end = g_new (double, 1);

            *end = start + shoal_dispatch_context_estimate (self->context, test);
            chain = MAX (chain, *end);
            g_hash_table_insert (finish, test, end);
            g_ptr_array_set_size (stack, stack->len - 1);
          }
        }
    }

  return MAX (MAX (total / MAX (n_workers, 1), longest), chain);
}

static gpointer
copy_object (gconstpointer object,
             gpointer user_data)
{
  return g_object_ref ((gpointer) object);
}

static int
compare_longest_first (gconstpointer a,
                       gconstpointer b,
                       gpointer user_data)
{
  ShoalDispatchContext *context = user_data;
  ShoalTestCase *ta = *(ShoalTestCase **) a;
  ShoalTestCase *tb = *(ShoalTestCase **) b;
  double ea = shoal_dispatch_context_estimate (context, ta);
  double eb = shoal_dispatch_context_estimate (context, tb);

  if (ea != eb)
    return ea > eb ? -1 : 1;
  return g_strcmp0 (shoal_test_case_get_id (ta), shoal_test_case_get_id (tb));
}

/**
 * shoal_test_distribution_manager_rebalance_if_needed:
 * @self: a manager
 * @groups: (element-type ShoalTestGroup): a plan
 * @threshold: the balance score below which to rebalance (0.9, say)
 *
 * The seed's `rebalance_if_needed`: when @groups score below @threshold,
 * their tests are spread again longest first onto the least loaded group
 * (LPT), which keeps each worker's share within a test of the others.
 * Dependencies are for the scheduler to enforce at run time.
 *
 * Returns: (transfer full) (element-type ShoalTestGroup): the new plan, or
 *   a copy of the list of @groups when it is balanced enough
 */
GList *
shoal_test_distribution_manager_rebalance_if_needed (ShoalTestDistributionManager *self,
                                                     GList *groups,
                                                     double threshold)
{
  g_autoptr (GPtrArray) tests = g_ptr_array_new ();
  g_autoptr (GPtrArray) result = NULL;
  guint n = g_list_length (groups);

  g_return_val_if_fail (SHOAL_IS_TEST_DISTRIBUTION_MANAGER (self), NULL);

  if (n == 0 || shoal_test_distribution_manager_calculate_balance_score (groups) >= threshold)
    return g_list_copy_deep (groups, copy_object, NULL);

  for (GList *l = groups; l != NULL; l = l->next)
    {
      GPtrArray *members = shoal_test_group_get_tests (l->data);

      for (guint i = 0; i < members->len; i++)
        g_ptr_array_add (tests, members->pdata[i]);
    }
  /* Longest first, ties by id for a stable plan. */
  g_ptr_array_sort_with_data (tests, compare_longest_first, self->context);

  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (GList *l = groups; l != NULL; l = l->next)
    g_ptr_array_add (result, shoal_test_group_new (shoal_test_group_get_worker_id (l->data)));
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestGroup *least = result->pdata[0];

      for (guint g = 1; g < result->len; g++)
        if (shoal_test_group_get_estimated_duration (result->pdata[g]) <
            shoal_test_group_get_estimated_duration (least))
          least = result->pdata[g];
      shoal_test_group_add (least, tests->pdata[i],
                            shoal_dispatch_context_estimate (self->context, tests->pdata[i]));
    }
  return shoal_object_list_from_array (g_steal_pointer (&result));
}
