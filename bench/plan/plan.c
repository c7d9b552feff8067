/* plan.c: how long planning takes, and how much memory, for 10k to 1M tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: plan N [WORKERS]
 *
 * Makes N synthetic tests (estimates spread over 0.01-10 s; chains of ten
 * tests, each depending on the one before; one test in five needing a
 * resource) and has the default strategy (load_balanced) plan them on
 * WORKERS workers (8), with the lower bound. Prints the time to make the
 * tests, the time to plan (the strategy's static plan, which computes the
 * critical paths, plus the lower bound, as `shoal plan` does), the plan's
 * makespan against the bound, and the peak resident memory of the process
 * before and after planning. Run one size per process: peak memory is per
 * process.
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

int
main (int argc,
      char **argv)
{
  guint n = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 100000;
  guint workers = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8;
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalDispatchContext) context = NULL;
  g_autoptr (ShoalTestDistributionManager) manager = NULL;
  g_autoptr (GPtrArray) tests = g_ptr_array_new_full (n, g_object_unref);
  g_autoptr (GError) error = NULL;
  const char *db[] = { "db", NULL };
  GList *groups;
  gint64 t0, t1, t2;
  double rss_tests, bound, makespan;

  shoal_plugin_registry_add_default_search_paths (registry);
  strategy = shoal_plugin_registry_create_strategy (registry, "load_balanced", &error);
  if (strategy == NULL)
    {
      g_printerr ("plan: %s\n", error->message);
      return 1;
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%07u", i);
      ShoalTestCase *test = shoal_test_case_new ("b", name);

      shoal_test_case_set_estimated_duration (test, 0.01 + (i * 7919u % 1000u) / 100.0);
      if (i % 10 != 0)
        {
          g_autofree char *previous = g_strdup_printf ("b::t%07u", i - 1);
          const char *deps[] = { previous, NULL };

          shoal_test_case_set_dependencies (test, deps);
        }
      if (i % 5 == 0)
        shoal_test_case_set_required_resources (test, db);
      g_ptr_array_add (tests, test);
    }
  t1 = g_get_monotonic_time ();
  rss_tests = peak_rss_mb ();

  context = shoal_dispatch_context_new (workers, 1.0);
  manager = shoal_test_distribution_manager_new (strategy, context);
  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 0, &error);
  bound = shoal_test_distribution_manager_lower_bound (manager, tests, 0);
  t2 = g_get_monotonic_time ();
  if (error != NULL)
    {
      g_printerr ("plan: %s\n", error->message);
      return 1;
    }
  makespan = shoal_test_distribution_manager_estimated_makespan (groups);

  printf ("%8u tests  make %.3f s  plan %.3f s  makespan/bound %.4f  peak RSS %.0f MB (tests) %.0f "
          "MB (after planning)\n",
          n, (t1 - t0) / 1e6, (t2 - t1) / 1e6, makespan / bound, rss_tests, peak_rss_mb ());
  g_list_free_full (groups, g_object_unref);
  return 0;
}
