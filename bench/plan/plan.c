/* plan.c: how long planning takes, and how much memory, for 10k to 1M tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: plan [--workers W] [--strategy NAME] [--no-history] N
 *
 * Makes N synthetic tests (estimates spread over 0.01-10 s; chains of ten
 * tests, each depending on the one before; one test in five needing a
 * resource) and plans them on W workers (8) with the strategy NAME
 * (load_balanced), the way `shoal plan` does once it has the tests and the
 * history's estimates:
 *
 *   - a dispatch context, with each test's estimate recorded in it as
 *     `shoal plan` records the history's (with --no-history, the tests
 *     carry their own estimates instead and nothing is recorded);
 *   - the distribution manager's plan (the strategy's static plan, which
 *     builds the context's test graph), estimated makespan, lower bound
 *     and balance score.
 *
 * Making the tests and the table of estimates the history would give is
 * not timed. Prints the planning time, wall clock and CPU (user + system,
 * which a busy machine disturbs less) and how the CPU time splits between
 * recording the estimates, building the graph and the rest,
 * the plan's makespan against the bound, and the peak resident memory of
 * the process once the tests exist and after planning. Run one size per
 * process: peak memory is per process.
 */

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <shoal.h>

static double
peak_rss_mb (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

/* User and system time of the process, in seconds: on a busy machine it
 * says more than the wall clock. */
static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double
synthetic_estimate (guint i)
{
  return 0.01 + (i * 7919u % 1000u) / 100.0;
}

int
main (int argc,
      char **argv)
{
  int workers = 8;
  g_autofree char *strategy_name = NULL;
  gboolean no_history = FALSE;
  GOptionEntry entries[] = {
    { "workers", 'j', 0, G_OPTION_ARG_INT, &workers, "Plan for W workers (8)", "W" },
    { "strategy", 's', 0, G_OPTION_ARG_STRING, &strategy_name,
      "The strategy that plans (load_balanced)", "NAME" },
    { "no-history", 0, 0, G_OPTION_ARG_NONE, &no_history,
      "Tests carry their own estimates; none recorded from history", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("N — plan N synthetic tests");
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalDispatchContext) context = NULL;
  g_autoptr (ShoalTestDistributionManager) manager = NULL;
  g_autoptr (ShoalTestGraph) graph = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GHashTable) history = NULL;
  g_autoptr (GError) error = NULL;
  const char *db[] = { "db", NULL };
  GList *groups;
  gint64 t0, t3;
  double cpu0, cpu1, cpu2, cpu3;
  double rss_tests, bound, makespan, score;
  guint n;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || argc > 2 || workers < 1)
    {
      g_printerr ("plan: %s\n", error != NULL ? error->message : "usage: plan [OPTION…] N");
      return 2;
    }
  n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  if (strategy_name == NULL)
    strategy_name = g_strdup ("load_balanced");

  shoal_plugin_registry_add_default_search_paths (registry);
  strategy = shoal_plugin_registry_create_strategy (registry, strategy_name, &error);
  if (strategy == NULL)
    {
      g_printerr ("plan: %s\n", error->message);
      return 1;
    }

  /* The tests, as discovery would make them, and the estimates the
   * history would return (id -> seconds): not timed. */
  tests = g_ptr_array_new_full (n, g_object_unref);
  if (!no_history)
    history = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%07u", i);
      ShoalTestCase *test = shoal_test_case_new ("b", name);

      if (no_history)
        shoal_test_case_set_estimated_duration (test, synthetic_estimate (i));
      else
        g_hash_table_insert (history, (gpointer) shoal_test_case_get_id (test),
                             g_memdup2 (&(double){ synthetic_estimate (i) }, sizeof (double)));
      if (i % 10 != 0)
        {
          g_autofree char *previous = g_strdup_printf ("b::t%07u", i - 1);
          const char *deps[] = { previous, NULL };

          shoal_test_case_set_dependencies (test, deps);
        }
      if (i % 5 == 0)
        shoal_test_case_set_required_resources (test, db);
      shoal_test_case_seal (test);
      g_ptr_array_add (tests, test);
    }
  rss_tests = peak_rss_mb ();

  /* What `shoal plan` does from here. */
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  context = shoal_dispatch_context_new ((guint) workers, 1.0);
  for (guint i = 0; history != NULL && i < tests->len; i++)
    {
      const double *known = g_hash_table_lookup (history, shoal_test_case_get_id (tests->pdata[i]));

      if (known != NULL)
        shoal_dispatch_context_set_estimate (context, shoal_test_case_get_id (tests->pdata[i]),
                                             *known);
    }
  cpu1 = cpu_seconds ();
  /* The graph the strategy and the bound share; built here only to time it
   * apart (the context hands the same one to the strategy). */
  graph = shoal_dispatch_context_get_graph (context, tests, &error);
  cpu2 = cpu_seconds ();
  if (graph == NULL)
    {
      g_printerr ("plan: %s\n", error->message);
      return 1;
    }
  manager = shoal_test_distribution_manager_new (strategy, context);
  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 0, &error);
  if (error != NULL)
    {
      g_printerr ("plan: %s\n", error->message);
      return 1;
    }
  makespan = shoal_test_distribution_manager_estimated_makespan (groups);
  bound = shoal_test_distribution_manager_lower_bound (manager, tests, 0);
  score = shoal_test_distribution_manager_calculate_balance_score (groups);
  t3 = g_get_monotonic_time ();
  cpu3 = cpu_seconds ();

  printf ("%-16s %8u tests  plan %.3f s, CPU %.3f s (estimates %.3f, graph %.3f, plan %.3f)  "
          "makespan/bound %.4f  balance %.3f  peak RSS %.0f MB (tests) %.0f MB (after planning)\n",
          strategy_name, n, (t3 - t0) / 1e6, cpu3 - cpu0, cpu1 - cpu0, cpu2 - cpu1, cpu3 - cpu2,
          makespan / bound, score, rss_tests, peak_rss_mb ());
  g_list_free_full (groups, g_object_unref);
  return 0;
}
