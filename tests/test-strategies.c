/* test-strategies.c: what each distribution strategy hands out and plans
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <shoal.h>

static ShoalStrategy *
load_strategy (const char *name)
{
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (GError) error = NULL;
  ShoalStrategy *strategy;

  shoal_plugin_registry_add_default_search_paths (registry);
  strategy = shoal_plugin_registry_create_strategy (registry, name, &error);
  g_assert_no_error (error);
  return strategy;
}

static ShoalTestCase *
make_test (const char *name,
           double estimate,
           const char *depends_on)
{
  ShoalTestCase *test = shoal_test_case_new ("s", name);
  const char *deps[] = { depends_on, NULL };

  shoal_test_case_set_estimated_duration (test, estimate);
  if (depends_on != NULL)
    shoal_test_case_set_dependencies (test, deps);
  return test;
}

static char *
names (GPtrArray *tests)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < tests->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            shoal_test_case_get_local_id (tests->pdata[i]));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Ready: short (1 s), long (5 s), and head (1 s) whose dependent tail
 * takes 10 s. The longest remaining critical path goes first: head (11 s),
 * then long (5 s), then short. */
static void
test_load_balanced_critical_path_first (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("head", 1, NULL));
  g_ptr_array_add (tests, make_test ("tail", 10, "s::head"));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < 3; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);

  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "head long short");
}

static gboolean
refuse_long (ShoalTestCase *test,
             const char *worker_id,
             gpointer user_data)
{
  return !g_str_equal (shoal_test_case_get_local_id (test), "long");
}

/* A test its resources hold back keeps its place; the next one goes. */
static void
test_load_balanced_respects_can_start (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (ShoalTestCase) first = NULL;
  g_autoptr (ShoalTestCase) second = NULL;
  g_autoptr (ShoalTestCase) third = NULL;

  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  shoal_strategy_push_ready (strategy, tests->pdata[0], context);
  shoal_strategy_push_ready (strategy, tests->pdata[1], context);

  shoal_dispatch_context_set_admit_func (context, refuse_long, NULL, NULL);
  first = shoal_strategy_next (strategy, "w1", context);
  g_assert_cmpstr (shoal_test_case_get_local_id (first), ==, "short");
  second = shoal_strategy_next (strategy, "w1", context);
  g_assert_null (second);
  shoal_dispatch_context_set_admit_func (context, NULL, NULL, NULL);
  third = shoal_strategy_next (strategy, "w1", context);
  g_assert_cmpstr (shoal_test_case_get_local_id (third), ==, "long");
}

/* Priorities come before paths. */
static void
test_load_balanced_priority_first (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (ShoalTestCase) first = NULL;

  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  g_ptr_array_add (tests, make_test ("urgent", 1, NULL));
  shoal_test_case_set_priority (tests->pdata[1], 3);
  shoal_strategy_prepare (strategy, tests, context);
  shoal_strategy_push_ready (strategy, tests->pdata[0], context);
  shoal_strategy_push_ready (strategy, tests->pdata[1], context);
  first = shoal_strategy_next (strategy, "w1", context);
  g_assert_cmpstr (shoal_test_case_get_local_id (first), ==, "urgent");
}

/* The plan on 2 workers of 6, 4, 3, 3, 2 s without dependencies: longest
 * first onto whichever worker frees first (LPT): a (6) on w1, b (4) on
 * w2, c (3) on w2 at 4 s, d (3) on w1 at 6 s, e (2) on w2 at 7 s; the
 * makespan is 9 s. */
static void
test_load_balanced_plan (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) groups = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *w1 = NULL;
  g_autofree char *w2 = NULL;
  double makespan = 0;

  g_ptr_array_add (tests, make_test ("c", 3, NULL));
  g_ptr_array_add (tests, make_test ("a", 6, NULL));
  g_ptr_array_add (tests, make_test ("d", 3, NULL));
  g_ptr_array_add (tests, make_test ("e", 2, NULL));
  g_ptr_array_add (tests, make_test ("b", 4, NULL));
  groups = shoal_object_array_from_list (shoal_strategy_plan (strategy, tests, context, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);
  w1 = names (shoal_test_group_get_tests (groups->pdata[0]));
  w2 = names (shoal_test_group_get_tests (groups->pdata[1]));
  g_assert_cmpstr (w1, ==, "a d");
  g_assert_cmpstr (w2, ==, "b c e");
  for (guint i = 0; i < groups->len; i++)
    makespan = MAX (makespan, shoal_test_group_get_estimated_duration (groups->pdata[i]));
  g_assert_cmpfloat (makespan, ==, 9);
}

/* A chain is planned in order, after its head. */
static void
test_load_balanced_plan_respects_dependencies (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) groups = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *w1 = NULL;
  g_autofree char *w2 = NULL;

  g_ptr_array_add (tests, make_test ("third", 1, "s::second"));
  g_ptr_array_add (tests, make_test ("second", 1, "s::first"));
  g_ptr_array_add (tests, make_test ("first", 1, NULL));
  g_ptr_array_add (tests, make_test ("alone", 2, NULL));
  groups = shoal_object_array_from_list (shoal_strategy_plan (strategy, tests, context, &error));
  g_assert_no_error (error);
  w1 = names (shoal_test_group_get_tests (groups->pdata[0]));
  w2 = names (shoal_test_group_get_tests (groups->pdata[1]));
  /* first (path 3) on w1; alone on w2; second when first is done (w1). */
  g_assert_cmpstr (w1, ==, "first second third");
  g_assert_cmpstr (w2, ==, "alone");
}

static void
test_fifo_order (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("fifo");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (1, 1.0);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *got = NULL;
  ShoalTestCase *test;

  g_ptr_array_add (tests, make_test ("short", 1, NULL));
  g_ptr_array_add (tests, make_test ("long", 5, NULL));
  shoal_strategy_prepare (strategy, tests, context);
  for (guint i = 0; i < tests->len; i++)
    shoal_strategy_push_ready (strategy, tests->pdata[i], context);
  while ((test = shoal_strategy_next (strategy, "w1", context)) != NULL)
    g_ptr_array_add (order, test);
  got = names (order);
  g_assert_cmpstr (got, ==, "short long");
}

static void
test_distribution_manager (void)
{
  g_autoptr (ShoalStrategy) strategy = load_strategy ("load_balanced");
  g_autoptr (ShoalDispatchContext) context = shoal_dispatch_context_new (2, 1.0);
  g_autoptr (ShoalTestDistributionManager) manager = NULL;
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  GList *groups, *skewed, *rebalanced;
  g_autoptr (ShoalTestGroup) heavy = shoal_test_group_new ("w1");
  g_autoptr (ShoalTestGroup) light = shoal_test_group_new ("w2");

  /* A 5 s chain (2 + 3) and three 1 s tests: total 8 s on 2 workers. */
  g_ptr_array_add (tests, make_test ("head", 2, NULL));
  g_ptr_array_add (tests, make_test ("tail", 3, "s::head"));
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("one%u", i);

      g_ptr_array_add (tests, make_test (name, 1, NULL));
    }
  manager = shoal_test_distribution_manager_new (strategy, context);
  /* max (8 / 2, 3, 5) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 0), ==, 5);
  /* max (8 / 4, 3, 5) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 4), ==, 5);
  /* max (8 / 1, ...) */
  g_assert_cmpfloat (shoal_test_distribution_manager_lower_bound (manager, tests, 1), ==, 8);

  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (groups), ==, 2);
  /* The chain on one worker (5 s), the rest beside it. */
  g_assert_cmpfloat (shoal_test_distribution_manager_estimated_makespan (groups), ==, 5);
  g_assert_cmpfloat_with_epsilon (shoal_test_distribution_manager_calculate_balance_score (groups),
                                  8.0 / (2 * 5), 1e-9);
  g_list_free_full (groups, g_object_unref);

  /* A lopsided plan is spread again longest first. */
  for (guint i = 0; i < tests->len; i++)
    shoal_test_group_add (heavy, tests->pdata[i],
                          shoal_dispatch_context_estimate (context, tests->pdata[i]));
  skewed = g_list_append (g_list_append (NULL, heavy), light);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (skewed), ==, 0.5);
  rebalanced = shoal_test_distribution_manager_rebalance_if_needed (manager, skewed, 0.9);
  g_assert_cmpfloat (shoal_test_distribution_manager_calculate_balance_score (rebalanced), ==, 1.0);
  g_list_free_full (rebalanced, g_object_unref);
  rebalanced = shoal_test_distribution_manager_rebalance_if_needed (manager, skewed, 0.4);
  g_assert_true (rebalanced->data == heavy);
  g_list_free_full (rebalanced, g_object_unref);
  g_list_free (skewed);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The order each strategy hands tests out in, and its static plan");

  g_test_add_func ("/shoal/strategies/fifo/order", test_fifo_order);
  g_test_add_func ("/shoal/strategies/load-balanced/critical-path-first",
                   test_load_balanced_critical_path_first);
  g_test_add_func ("/shoal/strategies/load-balanced/respects-can-start",
                   test_load_balanced_respects_can_start);
  g_test_add_func ("/shoal/strategies/load-balanced/priority-first", test_load_balanced_priority_first);
  g_test_add_func ("/shoal/strategies/load-balanced/plan", test_load_balanced_plan);
  g_test_add_func ("/shoal/strategies/load-balanced/plan-respects-dependencies",
                   test_load_balanced_plan_respects_dependencies);
  g_test_add_func ("/shoal/strategies/distribution-manager", test_distribution_manager);
  return g_test_run ();
}
