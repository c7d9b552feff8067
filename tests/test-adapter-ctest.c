/* test-adapter-ctest.c: the ctest adapter, loaded as a plugin, against a
 * real CMake build tree (tests/fixtures/adapters/ctest/) and real ctest
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fixture project is configured with cmake into a temporary directory
 * once per run of this program; the tests that compare with ctest run
 * ctest itself on that tree and read its JUnit report and summary.
 */

#include <glib/gstdio.h>
#include <shoal.h>
#include <string.h>
#include <sys/wait.h>

#include "adapter-test-helpers.h"

#define assert_strv adapter_test_assert_strv

static ShoalPluginRegistry *registry;
static char *work_dir;  /* temporary, removed at the end */
static char *build_dir; /* the fixture, configured */
static char *source_dir;

/* Helpers */

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
work_path (const char *name)
{
  return g_build_filename (work_dir, name, NULL);
}

/* Runs @argv in @cwd; returns its exit status, its output in @out_output. */
static int
run_program (const char *const *argv, const char *cwd, char **out_output)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  if (out_output != NULL)
    *out_output = g_strconcat (out, err, NULL);
  return WEXITSTATUS (wait_status);
}

static void
make_work_dir (void)
{
  g_autoptr (GError) error = NULL;

  source_dir = g_test_build_filename (G_TEST_DIST, "fixtures", "adapters", "ctest", NULL);
  work_dir = g_dir_make_tmp ("shoal-adapter-ctest-XXXXXX", &error);
  g_assert_no_error (error);
  build_dir = work_path ("build");
  g_assert_cmpint (g_mkdir_with_parents (build_dir, 0755), ==, 0);
}

static void
configure_fixture (void)
{
  g_autofree char *cmake = NULL;
  g_autofree char *output = NULL;
  int status;

  make_work_dir ();

  /* CI installs CMake (scripts/install-deps): without it these tests fail. */
  cmake = g_find_program_in_path ("cmake");
  g_assert_nonnull (cmake);
  status = run_program ((const char *[]){ "cmake", "-S", source_dir, "-B", build_dir, NULL },
                        work_dir, &output);
  if (status != 0)
    g_error ("cmake could not configure the fixture:\n%s", output);
}

/* A shoal.yaml in the work directory (relative paths resolve there). */
static char *
config_path (void)
{
  return work_path ("shoal.yaml");
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *filename = config_path ();

  return adapter_test_discover_suite (registry, "ctest", yaml, filename, out_adapter, error);
}

static ShoalTestResult *
find_result (GPtrArray *results, const char *id)
{
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (shoal_test_result_get_test_id (g_ptr_array_index (results, i)), id))
      return g_ptr_array_index (results, i);
  return NULL;
}

#define FIXTURE_SUITE "name: s\nadapter: ctest\nbuild_dir: build\n"

/* The fixture's tests, in the order of its CMakeLists.txt. */
static const char *const fixture_names[] = {
  "pass", "fail", "skip_code", "will_fail", "will_fail_passes", "pass_regex",
  "pass_regex_missing", "fail_regex", "skip_regex", "skip_regex_stderr", "crash", "hang",
  "depends_on_pass", "lock_a", "lock_b", "serial", "processors", "db_setup", "db_user",
  "db_cleanup", "broken_setup", "broken_user", "broken_cleanup", "broken_chain", "chained_user",
  "skipped_setup", "maybe_user", "disabled", "disabled_setup", "off_user", "environment",
  "missing_program", "missing_file", "insufficient", "resource_groups", "resource_pair", NULL
};

/* Discovery */

static void
test_ctest_discover (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (GVariant) pools = NULL;
  g_autofree char *scripts = g_build_filename (source_dir, "scripts", NULL);
  ShoalTestCase *test;
  guint32 size = 0;

  g_test_summary ("Every ctest test is a test, in ctest's order, run by its own command in "
                  "its working directory, with its properties as Shoal's dependencies, "
                  "locks, slots, timeouts, tags and resources");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, g_strv_length ((char **) fixture_names));
  for (guint i = 0; fixture_names[i] != NULL; i++)
    {
      g_autofree char *id = g_strconcat ("s::", fixture_names[i], NULL);

      test = g_ptr_array_index (tests, i);
      g_assert_cmpstr (shoal_test_case_get_id (test), ==, id);
      g_assert_cmpstr (shoal_test_case_get_name (test), ==, fixture_names[i]);
      g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "ctest");
    }

  test = adapter_test_find_test (tests, "s::pass");
  assert_strv (shoal_test_case_get_argv (test), (const char *[]){ "/bin/sh", "-c", "exit 0", NULL });
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, build_dir);
  assert_strv (shoal_test_case_get_dependencies (test), (const char *[]){ NULL });
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ NULL });
  g_assert_cmpuint (shoal_test_case_get_slots (test), ==, 1);
  g_assert_false (shoal_test_case_get_exclusive (test));
  g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 0);

  /* DEPENDS: order only. */
  test = adapter_test_find_test (tests, "s::depends_on_pass");
  assert_strv (shoal_test_case_get_dependencies (test), (const char *[]){ "s::pass", "s::fail", NULL });
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ NULL });

  /* Fixtures: requiring tests are skipped if a setup failed (not if it
   * was skipped), and nothing requires in Shoal's sense; cleanups come
   * after setups and requiring tests, order only, and are cleanups. */
  test = adapter_test_find_test (tests, "s::db_user");
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ "s::db_setup", NULL });
  assert_strv (shoal_test_case_get_requirements (test), (const char *[]){ NULL });
  test = adapter_test_find_test (tests, "s::broken_user");
  assert_strv (shoal_test_case_get_skip_if_failed (test),
               (const char *[]){ "s::broken_setup", "s::db_setup", NULL });
  test = adapter_test_find_test (tests, "s::chained_user");
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ "s::broken_chain", NULL });
  test = adapter_test_find_test (tests, "s::db_cleanup");
  assert_strv (shoal_test_case_get_dependencies (test),
               (const char *[]){ "s::db_user", "s::broken_user", "s::db_setup", NULL });
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ NULL });
  g_assert_true (shoal_test_case_get_runs_finally (test));
  test = adapter_test_find_test (tests, "s::broken_cleanup");
  assert_strv (shoal_test_case_get_dependencies (test),
               (const char *[]){ "s::broken_user", "s::broken_chain", "s::broken_setup", NULL });
  g_assert_true (shoal_test_case_get_runs_finally (test));
  g_assert_false (shoal_test_case_get_runs_finally (adapter_test_find_test (tests, "s::db_setup")));

  test = adapter_test_find_test (tests, "s::lock_a");
  assert_strv (shoal_test_case_get_locks (test), (const char *[]){ "database", "network", NULL });
  g_assert_true (shoal_test_case_get_exclusive (adapter_test_find_test (tests, "s::serial")));
  test = adapter_test_find_test (tests, "s::processors");
  g_assert_cmpuint (shoal_test_case_get_slots (test), ==, MIN (2, g_get_num_processors ()));
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "cpu", "slow", NULL });
  g_assert_cmpfloat (shoal_test_case_get_timeout (adapter_test_find_test (tests, "s::hang")), ==, 1);

  test = adapter_test_find_test (tests, "s::environment");
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, scripts);
  assert_strv (shoal_test_case_get_environment (test),
               (const char *[]){ "FIXTURE_A=one", "FIXTURE_B=two words", "FIXTURE_PATH=/middle",
                                 "FIXTURE_GONE=here", NULL });

  /* A disabled test holds and waits for nothing; a disabled setup is
   * nobody's requirement. */
  test = adapter_test_find_test (tests, "s::disabled");
  assert_strv (shoal_test_case_get_dependencies (test), (const char *[]){ NULL });
  assert_strv (shoal_test_case_get_required_resources (test), (const char *[]){ NULL });
  test = adapter_test_find_test (tests, "s::off_user");
  assert_strv (shoal_test_case_get_skip_if_failed (test), (const char *[]){ NULL });

  /* RESOURCE_GROUPS: the slots of each type, from the spec's pools. */
  assert_strv (shoal_test_case_get_required_resources (adapter_test_find_test (tests, "s::resource_groups")),
               (const char *[]){ "gpus:3", "crypto_chips:2", NULL });
  assert_strv (shoal_test_case_get_required_resources (adapter_test_find_test (tests, "s::resource_pair")),
               (const char *[]){ "gpus:2", NULL });
  assert_strv (shoal_test_case_get_required_resources (adapter_test_find_test (tests, "s::insufficient")),
               (const char *[]){ NULL });

  pools = shoal_adapter_get_resource_pools (adapter);
  g_assert_nonnull (pools);
  g_assert_cmpstr (g_variant_get_type_string (pools), ==, "a{su}");
  g_assert_cmpuint (g_variant_n_children (pools), ==, 2);
  g_assert_true (g_variant_lookup (pools, "gpus", "u", &size));
  g_assert_cmpuint (size, ==, 3);
  g_assert_true (g_variant_lookup (pools, "crypto_chips", "u", &size));
  g_assert_cmpuint (size, ==, 4);
}

static void
test_ctest_discover_args (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GVariant) pools = NULL;

  g_test_summary ("args: reach ctest, which selects as it does when it runs (-R adds a "
                  "fixture's setup and cleanup); without tests that have RESOURCE_GROUPS "
                  "there are no pools");

  tests = discover (FIXTURE_SUITE "args: [-R, '^db_user$']\n", &adapter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 3);
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==, "s::db_setup");
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 1)), ==, "s::db_user");
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 2)), ==, "s::db_cleanup");
  pools = shoal_adapter_get_resource_pools (adapter);
  g_assert_null (pools);
}

/* Running through the scheduler, and ctest on the same tree */

typedef struct
{
  char *name;
  char *status;  /* run, fail, notrun, disabled */
  char *message; /* of <skipped>, or NULL */
} JunitCase;

static void
junit_case_free (gpointer data)
{
  JunitCase *jcase = data;

  g_free (jcase->name);
  g_free (jcase->status);
  g_free (jcase->message);
  g_free (jcase);
}

static void
junit_start (GMarkupParseContext *context,
             const char *element,
             const char **names,
             const char **values,
             gpointer user_data,
             GError **error)
{
  GPtrArray *cases = user_data;

  if (g_str_equal (element, "testcase"))
    {
      JunitCase *jcase = g_new0 (JunitCase, 1);

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "name"))
          jcase->name = g_strdup (values[i]);
        else if (g_str_equal (names[i], "status"))
          jcase->status = g_strdup (values[i]);
      g_ptr_array_add (cases, jcase);
    }
  else if (g_str_equal (element, "skipped") && cases->len > 0)
    {
      JunitCase *jcase = g_ptr_array_index (cases, cases->len - 1);

      for (guint i = 0; names[i] != NULL; i++)
        if (g_str_equal (names[i], "message"))
          jcase->message = g_strdup (values[i]);
    }
}

/* ctest's own verdicts: its JUnit report, and the summary line. */
static GPtrArray *
run_ctest (guint *out_failed, guint *out_total)
{
  static const GMarkupParser parser = { junit_start, NULL, NULL, NULL, NULL };
  g_autofree char *junit = work_path ("ctest-junit.xml");
  g_autofree char *output = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  g_autoptr (GRegex) summary = NULL;
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *total = NULL;
  GPtrArray *cases = g_ptr_array_new_with_free_func (junit_case_free);
  int status;

  status = run_program ((const char *[]){ "ctest", "-j2", "--output-junit", junit, NULL },
                        build_dir, &output);
  g_assert_cmpint (status, !=, 0);

  summary = g_regex_new ("(\\d+) tests failed out of (\\d+)", 0, 0, NULL);
  g_assert_true (g_regex_match (summary, output, 0, &match));
  failed = g_match_info_fetch (match, 1);
  total = g_match_info_fetch (match, 2);
  *out_failed = (guint) g_ascii_strtoull (failed, NULL, 10);
  *out_total = (guint) g_ascii_strtoull (total, NULL, 10);

  g_file_get_contents (junit, &contents, NULL, &error);
  g_assert_no_error (error);
  context = g_markup_parse_context_new (&parser, 0, cases, NULL);
  g_markup_parse_context_parse (context, contents, -1, &error);
  g_assert_no_error (error);
  return cases;
}

/* What Shoal's outcome must be for what ctest says. ctest reports a test
 * it did not run as `notrun`: skipped by the test itself, or not started
 * (a fixture's setup failed, no program, a missing file, not enough
 * resources); its summary counts the latter as failed. Shoal skips the
 * fixture's requirers (a `skip_if_failed` dependency) and makes the others
 * errors. */
static const char *
expected_outcome (JunitCase *jcase)
{
  if (g_str_equal (jcase->status, "run"))
    return "passed";
  if (g_str_equal (jcase->status, "fail"))
    return "failed";
  if (g_str_equal (jcase->status, "disabled"))
    return "skipped";
  g_assert_cmpstr (jcase->status, ==, "notrun");
  g_assert_nonnull (jcase->message);
  if (g_str_has_prefix (jcase->message, "SKIP_") ||
      g_str_equal (jcase->message, "Fixture dependency failed"))
    return "skipped";
  return "error";
}

static const char *
outcome_class (ShoalOutcome outcome)
{
  switch (outcome)
    {
    case SHOAL_OUTCOME_PASSED:
      return "passed";
    case SHOAL_OUTCOME_FAILED:
    case SHOAL_OUTCOME_CRASHED:
    case SHOAL_OUTCOME_TIMEOUT:
      return "failed";
    case SHOAL_OUTCOME_SKIPPED:
      return "skipped";
    default:
      return "error";
    }
}

static ShoalRunSummary *
run_with_scheduler (ShoalAdapter *adapter, GPtrArray *tests, const char *run_name)
{
  g_autoptr (ShoalScheduler) scheduler = shoal_scheduler_new (2);
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = shoal_resource_pool_manager_new ();
  g_autoptr (GVariant) sizes = shoal_adapter_get_resource_pools (adapter);
  g_autoptr (GError) error = NULL;
  g_autofree char *run_dir = work_path (run_name);
  ShoalRunSummary *summary;

  strategy = shoal_plugin_registry_create_strategy (registry, "fifo", &error);
  g_assert_no_error (error);
  shoal_scheduler_set_strategy (scheduler, strategy);
  shoal_scheduler_set_kill_grace (scheduler, 0.5);
  shoal_scheduler_set_run_dir (scheduler, run_dir);

  /* The pools the adapter defines, as a project makes them. */
  if (sizes != NULL)
    {
      GVariantIter iter;
      const char *name;
      guint32 size;

      g_variant_iter_init (&iter, sizes);
      while (g_variant_iter_next (&iter, "{&su}", &name, &size))
        {
          shoal_resource_pool_manager_add_pool (pools, name, size, &error);
          g_assert_no_error (error);
        }
    }
  shoal_scheduler_set_pool_manager (scheduler, pools);

  for (guint i = 0; i < tests->len; i++)
    {
      shoal_scheduler_add_test (scheduler, g_ptr_array_index (tests, i), adapter, &error);
      g_assert_no_error (error);
    }
  summary = shoal_scheduler_run (scheduler, NULL, &error);
  g_assert_no_error (error);
  return summary;
}

static gboolean
overlap (ShoalTestResult *a, ShoalTestResult *b)
{
  return shoal_test_result_get_start_time (a) < shoal_test_result_get_end_time (b) &&
         shoal_test_result_get_start_time (b) < shoal_test_result_get_end_time (a);
}

static void
assert_after (GPtrArray *results, const char *later, const char *earlier)
{
  ShoalTestResult *a = find_result (results, later);
  ShoalTestResult *b = find_result (results, earlier);

  g_assert_nonnull (a);
  g_assert_nonnull (b);
  if (shoal_test_result_get_start_time (a) < shoal_test_result_get_end_time (b))
    g_error ("%s started before %s ended", later, earlier);
}

static void
test_ctest_same_as_ctest (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (GPtrArray) ctest_cases = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GHashTable) ctest_names = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *results;
  guint ctest_failed = 0;
  guint ctest_total = 0;
  guint expected[4] = { 0 }; /* passed, failed, skipped, error */
  guint shoal_counts[4] = { 0 };
  guint not_started_by_fixture = 0;
  guint n_disabled = 0;
  const char *const classes[] = { "passed", "failed", "skipped", "error" };

  g_test_summary ("Run through the scheduler, every test of the fixture ends as ctest's own "
                  "run of the same tree says, with the same ids; DEPENDS, fixtures, locks, "
                  "RUN_SERIAL and the resource pools order and separate them");

  g_assert_no_error (error);
  ctest_cases = run_ctest (&ctest_failed, &ctest_total);
  summary = run_with_scheduler (adapter, tests, "run-scheduler");
  results = shoal_run_summary_get_results (summary);

  g_assert_cmpuint (results->len, ==, ctest_cases->len);
  g_assert_cmpuint (tests->len, ==, ctest_cases->len);
  for (guint i = 0; i < ctest_cases->len; i++)
    {
      JunitCase *jcase = g_ptr_array_index (ctest_cases, i);
      g_autofree char *id = g_strconcat ("s::", jcase->name, NULL);
      ShoalTestResult *result = find_result (results, id);
      const char *want = expected_outcome (jcase);
      const char *got;

      g_hash_table_add (ctest_names, jcase->name);
      if (result == NULL)
        g_error ("ctest ran %s, Shoal has no result for it", jcase->name);
      got = outcome_class (shoal_test_result_get_outcome (result));
      if (!g_str_equal (want, got))
        g_error ("%s: ctest says %s (%s), Shoal %s (%s)", jcase->name, jcase->status,
                 jcase->message != NULL ? jcase->message : "", got,
                 shoal_test_result_get_message (result) != NULL
                     ? shoal_test_result_get_message (result)
                     : "");
      for (guint c = 0; c < G_N_ELEMENTS (classes); c++)
        {
          expected[c] += g_str_equal (want, classes[c]);
          shoal_counts[c] += g_str_equal (got, classes[c]);
        }
      if (g_strcmp0 (jcase->message, "Fixture dependency failed") == 0)
        not_started_by_fixture++;
      n_disabled += g_str_equal (jcase->status, "disabled");
    }
  for (guint i = 0; i < tests->len; i++)
    g_assert_true (g_hash_table_contains (ctest_names,
                                          shoal_test_case_get_local_id (tests->pdata[i])));

  g_test_message ("ctest: %u tests, %u failed out of %u (the disabled ones left out); "
                  "Shoal: %u passed, %u failed, %u skipped, %u errors",
                  ctest_cases->len, ctest_failed, ctest_total, shoal_counts[0], shoal_counts[1],
                  shoal_counts[2], shoal_counts[3]);
  for (guint c = 0; c < G_N_ELEMENTS (classes); c++)
    g_assert_cmpuint (shoal_counts[c], ==, expected[c]);
  /* The fixture's own numbers, so that a change to it is a change here. */
  g_assert_cmpuint (shoal_counts[0], ==, 17);
  g_assert_cmpuint (shoal_counts[1], ==, 7);
  g_assert_cmpuint (shoal_counts[2], ==, 9);
  g_assert_cmpuint (shoal_counts[3], ==, 3);
  g_assert_cmpuint (not_started_by_fixture, ==, 3);
  /* ctest's summary: everything but the disabled tests, failed counting
   * what it did not start. */
  g_assert_cmpuint (n_disabled, ==, 2);
  g_assert_cmpuint (ctest_total, ==, ctest_cases->len - n_disabled);
  g_assert_cmpuint (ctest_failed, ==, shoal_counts[1] + shoal_counts[3] + not_started_by_fixture);

  /* How they failed. */
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "s::crash")), ==,
                   SHOAL_OUTCOME_CRASHED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "s::hang")), ==,
                   SHOAL_OUTCOME_TIMEOUT);
  g_assert_cmpstr (shoal_test_result_get_message (find_result (results, "s::disabled")), ==,
                   "Disabled");
  g_assert_cmpstr (shoal_test_result_get_message (find_result (results, "s::skip_code")), ==,
                   "SKIP_RETURN_CODE=4");
  g_assert_cmpstr (shoal_test_result_get_message (find_result (results, "s::broken_user")), ==,
                   "skipped: it depends on s::broken_setup, which failed");
  g_assert_cmpstr (shoal_test_result_get_message (find_result (results, "s::chained_user")), ==,
                   "skipped: it depends on s::broken_chain, which was skipped because of a failure");
  /* A skipped setup lets its requirer run, as in ctest. */
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "s::skipped_setup")), ==,
                   SHOAL_OUTCOME_SKIPPED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "s::maybe_user")), ==,
                   SHOAL_OUTCOME_PASSED);

  /* Order and separation. */
  assert_after (results, "s::depends_on_pass", "s::pass");
  assert_after (results, "s::depends_on_pass", "s::fail");
  assert_after (results, "s::db_user", "s::db_setup");
  assert_after (results, "s::db_cleanup", "s::db_user");
  assert_after (results, "s::db_cleanup", "s::db_setup");
  assert_after (results, "s::broken_cleanup", "s::broken_setup");
  assert_after (results, "s::maybe_user", "s::skipped_setup");
  g_assert_false (overlap (find_result (results, "s::lock_a"), find_result (results, "s::lock_b")));
  g_assert_false (overlap (find_result (results, "s::resource_groups"),
                           find_result (results, "s::resource_pair")));
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *other = g_ptr_array_index (results, i);

      if (g_str_equal (shoal_test_result_get_test_id (other), "s::serial") ||
          shoal_test_result_get_worker_id (other) == NULL)
        continue;
      if (overlap (find_result (results, "s::serial"), other))
        g_error ("s::serial (RUN_SERIAL) ran beside %s", shoal_test_result_get_test_id (other));
    }
}

/* The helper program */

static char *
helper_path (void)
{
  return g_test_build_filename (G_TEST_BUILT, "..", "adapters", "ctest", "shoal-ctest-exec", NULL);
}

/* Runs the helper with @args then `-- env`, in an environment of @envp
 * only; returns its exit status, its output in @out_output. */
static int
run_helper (const char *const *args, const char *const *envp, char **out_output)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, helper_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup ("/usr/bin/env"));
  g_spawn_sync (NULL, (char **) argv->pdata, (char **) envp, G_SPAWN_DEFAULT, NULL, NULL, &out,
                &err, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status));
  *out_output = g_strconcat (out, err, NULL);
  return WEXITSTATUS (wait_status);
}

static gboolean
has_line (const char *output, const char *line)
{
  g_auto (GStrv) lines = g_strsplit (output, "\n", -1);

  return g_strv_contains ((const char *const *) lines, line);
}

static void
test_ctest_helper (void)
{
  g_autofree char *output = NULL;

  g_test_summary ("shoal-ctest-exec maps pool instances to resource ids and slots, one id per "
                  "requirement when it can, applies ENVIRONMENT_MODIFICATION as ctest does, "
                  "and says what is wrong when it cannot");

  /* Instances 2, 0, 1 of gpus (id 0: slots 0-1, id 1: slot 2), three
   * groups of one gpu: two on id 0, one on id 1. */
  g_assert_cmpint (run_helper ((const char *[]){ "--spec", "gpus=0:2,1:1", "--group", "gpus:1",
                                                 "--group", "gpus:1", "--group", "gpus:1", NULL },
                               (const char *[]){ "SHOAL_RESOURCE_GPUS=2,0,1", NULL }, &output),
                   ==, 0);
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_COUNT=3"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0=gpus"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0_GPUS=id:0,slots:1"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_1_GPUS=id:0,slots:1"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_2_GPUS=id:1,slots:1"));
  g_clear_pointer (&output, g_free);

  /* Two slots in one requirement, held on one id: that id; the types of
   * a group sorted, a type twice in a group joined with ';'. */
  g_assert_cmpint (run_helper ((const char *[]){ "--spec", "gpus=a:1,b:2", "--spec",
                                                 "crypto_chips=card0:4", "--group",
                                                 "gpus:1,crypto_chips:2,gpus:2", NULL },
                               (const char *[]){ "SHOAL_RESOURCE_GPUS=0,1,2",
                                                 "SHOAL_RESOURCE_CRYPTO_CHIPS=3,1", NULL },
                               &output),
                   ==, 0);
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_COUNT=1"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0=crypto_chips,gpus"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0_GPUS=id:a,slots:1;id:b,slots:2"));
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0_CRYPTO_CHIPS=id:card0,slots:2"));
  g_assert_null (strstr (output, "note:"));
  g_clear_pointer (&output, g_free);

  /* Slots spread over ids (one of id 0, one of id 1) for a two-slot
   * requirement: the approximation, said on standard error. */
  g_assert_cmpint (run_helper ((const char *[]){ "--spec", "gpus=0:2,1:2", "--group", "gpus:2",
                                                 NULL },
                               (const char *[]){ "SHOAL_RESOURCE_GPUS=1,2", NULL }, &output),
                   ==, 0);
  g_assert_true (has_line (output, "CTEST_RESOURCE_GROUP_0_GPUS=id:0,slots:2"));
  g_assert_nonnull (strstr (output, "shoal-ctest-exec: note: the gpus slots this test holds "
                                    "(SHOAL_RESOURCE_GPUS=1,2) are spread over several ids"));
  g_clear_pointer (&output, g_free);

  /* ENVIRONMENT_MODIFICATION, in order, on the environment given. */
  g_assert_cmpint (run_helper ((const char *[]){ "--env-mod", "A=string_prepend:<",
                                                 "--env-mod", "A=string_append:>",
                                                 "--env-mod", "P=path_list_prepend:/a",
                                                 "--env-mod", "P=path_list_append:/z",
                                                 "--env-mod", "E=path_list_append:/only",
                                                 "--env-mod", "L=cmake_list_prepend:0",
                                                 "--env-mod", "R=set:changed",
                                                 "--env-mod", "R=reset:",
                                                 "--env-mod", "U=unset:",
                                                 "--env-mod", "U2=set:x",
                                                 "--env-mod", "U2=unset:",
                                                 "--env-mod", "U2=string_append:y", NULL },
                               (const char *[]){ "A=mid", "P=/m", "L=1;2", "R=kept", "U=gone",
                                                 "U2=base", NULL },
                               &output),
                   ==, 0);
  g_assert_true (has_line (output, "A=<mid>"));
  g_assert_true (has_line (output, "P=/a:/m:/z"));
  g_assert_true (has_line (output, "E=/only"));
  g_assert_true (has_line (output, "L=0;1;2"));
  g_assert_true (has_line (output, "R=kept"));
  g_assert_null (strstr (output, "U="));
  /* After unset, an operation reads the environment again, as in ctest. */
  g_assert_true (has_line (output, "U2=basey"));
  g_clear_pointer (&output, g_free);

  /* What it cannot do. */
  g_assert_cmpint (run_helper ((const char *[]){ "--env-mod", "A=frobnicate:x", NULL },
                               (const char *[]){ NULL }, &output),
                   ==, 125);
  g_assert_cmpstr (output, ==, "shoal-ctest-exec: unknown ENVIRONMENT_MODIFICATION operation "
                               "'frobnicate' in 'A=frobnicate:x'\n");
  g_clear_pointer (&output, g_free);
  g_assert_cmpint (run_helper ((const char *[]){ "--spec", "gpus=0:1", "--group", "gpus:1", NULL },
                               (const char *[]){ NULL }, &output),
                   ==, 125);
  g_assert_nonnull (strstr (output, "SHOAL_RESOURCE_GPUS is not set"));
  g_clear_pointer (&output, g_free);
  g_assert_cmpint (run_helper ((const char *[]){ "--spec", "gpus=0:1", "--group", "gpus:1", NULL },
                               (const char *[]){ "SHOAL_RESOURCE_GPUS=gpu-7", NULL }, &output),
                   ==, 125);
  g_assert_nonnull (strstr (output, "'gpu-7' is not an instance of the pool"));
  g_clear_pointer (&output, g_free);
}

/* Interpreting exit statuses and output the way ctest does */

static ShoalTestResult *
interpret_with (ShoalAdapter *adapter, ShoalTestCase *test, int wait_status, gboolean timed_out, const char *output)
{
  g_autofree char *path = work_path ("interpret-output.log");
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  g_file_set_contents (path, output, -1, &error);
  g_assert_no_error (error);
  g_ptr_array_add (one, test);
  command = shoal_adapter_prepare (adapter, one, &error);
  g_assert_no_error (error);
  execution = shoal_execution_new (wait_status, timed_out, FALSE, 1000, 2000, 0.001, "w1", 1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution,
                                                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  return g_object_ref (g_ptr_array_index (results, 0));
}

static void
assert_interpreted (ShoalAdapter *adapter,
                    GPtrArray *tests,
                    const char *id,
                    int wait_status,
                    gboolean timed_out,
                    const char *output,
                    ShoalOutcome outcome,
                    const char *message)
{
  g_autoptr (ShoalTestResult) result =
      interpret_with (adapter, adapter_test_find_test (tests, id), wait_status, timed_out, output);

  g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                   shoal_outcome_to_string (outcome));
  g_assert_cmpstr (shoal_test_result_get_message (result), ==, message);
}

static void
test_ctest_interpret (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("Exit statuses and output are judged as cmCTestRunTest::EndTest does: 77 is "
                  "a failure, a pass expression overrides the status, '^'/'$' match the ends "
                  "of the output only, WILL_FAIL inverts exits but not crashes or time outs");

  g_assert_no_error (error);
  assert_interpreted (adapter, tests, "s::pass", 0, FALSE, "", SHOAL_OUTCOME_PASSED, NULL);
  assert_interpreted (adapter, tests, "s::pass", W_EXITCODE (77, 0), FALSE, "",
                      SHOAL_OUTCOME_FAILED, "exited with status 77");
  assert_interpreted (adapter, tests, "s::skip_code", W_EXITCODE (4, 0), FALSE, "",
                      SHOAL_OUTCOME_SKIPPED, "SKIP_RETURN_CODE=4");
  assert_interpreted (adapter, tests, "s::skip_code", W_EXITCODE (5, 0), FALSE, "",
                      SHOAL_OUTCOME_FAILED, "exited with status 5");
  /* PASS_REGULAR_EXPRESSION "all good;fine": any of them, anywhere. */
  assert_interpreted (adapter, tests, "s::pass_regex", W_EXITCODE (3, 0), FALSE,
                      "first line\nthat is fine\n", SHOAL_OUTCOME_PASSED, NULL);
  assert_interpreted (adapter, tests, "s::pass_regex", 0, FALSE, "nothing\n",
                      SHOAL_OUTCOME_FAILED,
                      "Required regular expression not found. Regex=[all good, fine] "
                      "(exited with status 0)");
  /* FAIL_REGULAR_EXPRESSION "^ERROR:": the start of the output only. */
  assert_interpreted (adapter, tests, "s::fail_regex", 0, FALSE, "ok\nERROR: later\n",
                      SHOAL_OUTCOME_PASSED, NULL);
  assert_interpreted (adapter, tests, "s::fail_regex", 0, FALSE, "ERROR: first\n",
                      SHOAL_OUTCOME_FAILED,
                      "Error regular expression found in output. Regex=[^ERROR:] (exited with "
                      "status 0)");
  assert_interpreted (adapter, tests, "s::skip_regex", W_EXITCODE (2, 0), FALSE,
                      "x\nSKIPPED: y\n", SHOAL_OUTCOME_SKIPPED,
                      "Skip regular expression found in output. Regex=[SKIPPED:]");
  assert_interpreted (adapter, tests, "s::will_fail", W_EXITCODE (1, 0), FALSE, "",
                      SHOAL_OUTCOME_PASSED, "failed as expected (WILL_FAIL): exited with status 1");
  assert_interpreted (adapter, tests, "s::will_fail", 0, FALSE, "", SHOAL_OUTCOME_FAILED,
                      "exited with status 0, but the test has WILL_FAIL");
  assert_interpreted (adapter, tests, "s::will_fail", SIGSEGV, FALSE, "", SHOAL_OUTCOME_CRASHED,
                      "killed by signal 11 (Segmentation fault)");
  assert_interpreted (adapter, tests, "s::will_fail", SIGKILL, TRUE, "", SHOAL_OUTCOME_TIMEOUT,
                      "timed out after 0.0 s");
  assert_interpreted (adapter, tests, "s::disabled", 0, FALSE, "", SHOAL_OUTCOME_SKIPPED,
                      "Disabled");
}

/* Errors */

static void
test_ctest_errors (void)
{
  g_autofree char *filename = config_path ();
  g_autofree char *empty_dir = work_path ("empty");
  g_autofree char *broken_dir = work_path ("broken");
  g_autofree char *broken_file = g_build_filename (broken_dir, "CTestTestfile.cmake", NULL);
  g_autofree char *bad_spec = work_path ("bad-spec.json");
  g_autoptr (GError) error = NULL;
  struct
  {
    const char *yaml;
    GQuark (*domain) (void);
    int code;
    const char *message; /* after the file name; %s: the work directory */
  } cases[] = {
    { "name: s\nadapter: ctest\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_MISSING,
      ":1:1: missing required key 'build_dir' (the CMake build directory whose tests ctest "
      "lists)" },
    { "name: s\nadapter: ctest\nbiuld_dir: build\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY, ":3:1: biuld_dir: unknown key 'biuld_dir'; did you mean 'build_dir'?" },
    { "name: s\nadapter: ctest\nbuild_dir: ''\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_INVALID, ":3:12: build_dir: must not be empty" },
    { "name: s\nadapter: ctest\nbuild_dir: nowhere\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND, ":3:1: build_dir: directory %s/nowhere not found" },
    { "name: s\nadapter: ctest\nbuild_dir: build\nctest: /no/such/ctest\n",
      shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":4:1: ctest: program '/no/such/ctest' not found (no file /no/such/ctest)" },
    { "name: s\nadapter: ctest\nbuild_dir: build\nctest: no-such-ctest-program\n",
      shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":4:1: ctest: program 'no-such-ctest-program' not found in PATH" },
    { "name: s\nadapter: ctest\nbuild_dir: empty\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: build_dir: %s/empty has no tests: it has no CTestTestfile.cmake (is it a "
      "configured CMake build directory of a project that calls enable_testing()?)" },
    { "name: s\nadapter: ctest\nbuild_dir: build\nargs: [-R, nothing-has-this-name]\n",
      shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: build_dir: `ctest --show-only=json-v1 -R nothing-has-this-name` lists no tests in "
      "%s/build (does the project call add_test(), or do 'args' select none?)" },
    { "name: s\nadapter: ctest\nbuild_dir: broken\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_DISCOVERY,
      ":3:1: build_dir: `ctest --show-only=json-v1` in %s/broken exited with status 8: "
      "CMake Error at CTestTestfile.cmake:1 (message): / boom" },
    { "name: s\nadapter: ctest\nbuild_dir: build\nresource_spec_file: bad-spec.json\n",
      shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_DISCOVERY,
      ":4:1: resource_spec_file: resource specification %s/bad-spec.json: \"version\" must be "
      "{\"major\": 1, \"minor\": 0}" },
    { "name: s\nadapter: ctest\nbuild_dir: build\nresource_spec_file: no-spec.json\n",
      shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":4:1: resource_spec_file: resource specification file %s/no-spec.json not found" },
  };

  g_test_summary ("Bad settings, a missing build directory or ctest, a build directory "
                  "without tests, a failing ctest and a bad resource specification are errors "
                  "naming file, line, column and key");

  g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (broken_dir, 0755), ==, 0);
  g_file_set_contents (broken_file, "message(FATAL_ERROR \"boom\")\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (bad_spec, "{\"version\": {\"major\": 2, \"minor\": 0}, \"local\": [{}]}",
                       -1, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) found = discover (cases[i].yaml, NULL, &error);
      g_autofree char *tail = g_strdup_printf (cases[i].message, work_dir);
      g_autofree char *expected = g_strconcat (filename, tail, NULL);

      g_assert_null (found);
      g_assert_error (error, cases[i].domain (), cases[i].code);
      g_assert_cmpstr (error->message, ==, expected);
      g_clear_error (&error);
    }
}

static void
test_ctest_errors_no_ctest (void)
{
  g_autofree char *filename = config_path ();
  g_autofree char *expected = NULL;

  g_test_summary ("Without ctest in PATH, the default is an error that says what to do");

  /* PATH is changed in a process of its own, before any thread. */
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = NULL;

      g_setenv ("PATH", work_dir, TRUE);
      tests = discover ("name: s\nadapter: ctest\nbuild_dir: build\n", NULL, &error);
      g_assert_null (tests);
      g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND);
      g_print ("%s\n", error->message);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  expected = g_strconcat ("*:1:1: suite s: program 'ctest' not found in PATH (is CMake installed? "
                          "'ctest:' names the program)\n",
                          NULL);
  g_test_trap_assert_stdout (expected);
}

/* Through a project: the other suites still run */

static void
test_ctest_project (void)
{
  g_autofree char *config = config_path ();
  g_autofree char *yaml = NULL;
  g_autoptr (ShoalProject) project = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *results;
  ShoalTestResult *result;

  g_test_summary ("In a shoal.yaml, a ctest suite whose build directory is missing, whose "
                  "ctest is missing or whose build has no tests is an error result naming the "
                  "setting, and the other suites still run");

  yaml = g_strdup_printf ("max_workers: 2\n"
                          "environment:\n"
                          "  base_temp_dir: %s/envs\n"
                          "  preserve_on_failure: false\n"
                          "suites:\n"
                          "  - name: good\n"
                          "    adapter: ctest\n"
                          "    build_dir: build\n"
                          "    args: [-R, '^(pass|fail|db_.*|environment)$']\n"
                          "  - name: nodir\n"
                          "    adapter: ctest\n"
                          "    build_dir: does-not-exist\n"
                          "  - name: noctest\n"
                          "    adapter: ctest\n"
                          "    build_dir: build\n"
                          "    ctest: ./no-ctest-here\n"
                          "  - name: notests\n"
                          "    adapter: ctest\n"
                          "    build_dir: empty\n"
                          "  - name: other\n"
                          "    adapter: exec\n"
                          "    tests:\n"
                          "      - name: ok\n"
                          "        command: [/bin/sh, -c, 'exit 0']\n",
                          work_dir);
  g_file_set_contents (config, yaml, -1, &error);
  g_assert_no_error (error);
  {
    g_autofree char *empty_dir = work_path ("empty");

    g_assert_cmpint (g_mkdir_with_parents (empty_dir, 0755), ==, 0);
  }

  project = shoal_project_new_from_file (config, &error);
  g_assert_no_error (error);
  summary = shoal_project_run (project, NULL, NULL, &error);
  g_assert_no_error (error);
  results = shoal_run_summary_get_results (summary);

  /* good: pass, fail, db_setup, db_user, db_cleanup, environment. */
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "good::pass")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "good::fail")), ==,
                   SHOAL_OUTCOME_FAILED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "good::db_user")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "good::db_cleanup")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "good::environment")),
                   ==, SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (results, "other::ok")), ==,
                   SHOAL_OUTCOME_PASSED);

  result = find_result (results, "nodir::<discovery>");
  g_assert_nonnull (result);
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_ERROR);
  {
    g_autofree char *expected = g_strdup_printf ("%s:12:5: suites[1].build_dir: directory "
                                                 "%s/does-not-exist not found",
                                                 config, work_dir);

    g_assert_cmpstr (shoal_test_result_get_message (result), ==, expected);
  }
  result = find_result (results, "noctest::<discovery>");
  g_assert_nonnull (result);
  {
    g_autofree char *expected = g_strdup_printf ("%s:16:5: suites[2].ctest: program "
                                                 "'./no-ctest-here' not found (no file "
                                                 "%s/no-ctest-here)",
                                                 config, work_dir);

    g_assert_cmpstr (shoal_test_result_get_message (result), ==, expected);
  }
  result = find_result (results, "notests::<discovery>");
  g_assert_nonnull (result);
  g_assert_true (g_str_has_prefix (shoal_test_result_get_message (result), config));
  g_assert_nonnull (strstr (shoal_test_result_get_message (result),
                            ":19:5: suites[3].build_dir: "));
  g_assert_nonnull (strstr (shoal_test_result_get_message (result), "has no tests"));

  g_assert_cmpuint (results->len, ==, 6 + 1 + 3);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);
  if (g_test_subprocess ())
    make_work_dir ();
  else
    configure_fixture ();

  g_test_add_func ("/shoal/adapter/ctest/discover", test_ctest_discover);
  g_test_add_func ("/shoal/adapter/ctest/discover-args", test_ctest_discover_args);
  g_test_add_func ("/shoal/adapter/ctest/same-as-ctest", test_ctest_same_as_ctest);
  g_test_add_func ("/shoal/adapter/ctest/helper", test_ctest_helper);
  g_test_add_func ("/shoal/adapter/ctest/interpret", test_ctest_interpret);
  g_test_add_func ("/shoal/adapter/ctest/errors", test_ctest_errors);
  g_test_add_func ("/shoal/adapter/ctest/errors-no-ctest", test_ctest_errors_no_ctest);
  g_test_add_func ("/shoal/adapter/ctest/project", test_ctest_project);

  status = g_test_run ();
  g_clear_object (&registry);
  remove_tree (work_dir);
  g_free (work_dir);
  g_free (build_dir);
  g_free (source_dir);
  return status;
}
