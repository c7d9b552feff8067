/* test-adapter-custom.c: the custom adapter, loaded as a plugin, running
 * the fixture commands in tests/fixtures/adapters/custom/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <shoal.h>

#include "adapter-test-helpers.h"
#include <string.h>
#include <utime.h>

static ShoalPluginRegistry *registry;

#define assert_strv adapter_test_assert_strv
#define assert_result adapter_test_assert_result

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "adapters", "custom", NULL);
}

static char *
fixture_path (const char *name)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, name, NULL);
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *filename = fixture_path ("shoal.yaml");

  return adapter_test_discover_suite (registry, "custom", yaml, filename, out_adapter, error);
}

/* Prepares @id, runs the command the way the core would (argv, cwd,
 * environment, output and error in one file) and interprets it. */
static GPtrArray *
run_test (ShoalAdapter *adapter,
          GPtrArray *tests,
          const char *id,
          char ***out_argv,
          char **out_output)
{
  g_autoptr (GPtrArray) single = g_ptr_array_new ();
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autofree char *path = NULL;
  const char *const *environment;
  gint64 start = g_get_real_time ();
  gint64 monotonic = g_get_monotonic_time ();
  GPtrArray *results;
  int fd;

  g_ptr_array_add (single, adapter_test_find_test (tests, id));
  command = shoal_adapter_prepare (adapter, single, &error);
  g_assert_no_error (error);
  if (out_argv != NULL)
    *out_argv = g_strdupv ((char **) shoal_run_command_get_argv (command));

  fd = g_file_open_tmp ("shoal-adapter-custom-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);

  g_subprocess_launcher_set_cwd (launcher, shoal_run_command_get_cwd (command));
  environment = shoal_run_command_get_environment (command);
  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      g_auto (GStrv) pair = g_strsplit (environment[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  g_subprocess_launcher_set_stdout_file_path (launcher, path);
  process = g_subprocess_launcher_spawnv (launcher, shoal_run_command_get_argv (command), &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);

  execution = shoal_execution_new (g_subprocess_get_status (process), FALSE, FALSE, start,
                                   g_get_real_time (), (g_get_monotonic_time () - monotonic) / 1e6,
                                   "worker-1", 1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  if (out_output != NULL)
    {
      g_file_get_contents (path, out_output, NULL, &error);
      g_assert_no_error (error);
    }
  g_unlink (path);
  return results;
}

static void
assert_message_matches (ShoalTestResult *result, const char *prefix, const char *suffix)
{
  const char *message = shoal_test_result_get_message (result);

  g_assert_nonnull (message);
  if (!g_str_has_prefix (message, prefix) || !g_str_has_suffix (message, suffix))
    g_error ("message of %s is '%s', expected '%s...%s'", shoal_test_result_get_test_id (result),
             message, prefix, suffix);
}

#define QUOTED_ID "two words 'and' \"quotes\""

static const char *const fixture_ids[] = { "pass", "fail", "skip", "crash", "padded", QUOTED_ID };

#define EXIT_SUITE \
  "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}', --flag]\n"

static void
test_custom_discover (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *runner = fixture_path ("run-exit.sh");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (EXIT_SUITE "env: {A: b}\ntimeout: 9\n", &adapter, &error);

  g_test_summary ("The discovery command's lines are the test ids, without blank lines, "
                  "comments, padding or repeats; each test's command is the run command with "
                  "its id");

  g_assert_no_error (error);
  g_assert_false (shoal_adapter_can_batch (adapter));
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_ids));
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autofree char *id = g_strconcat ("s::", fixture_ids[i], NULL);

      g_assert_cmpstr (shoal_test_case_get_id (test), ==, id);
      g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "custom");
      g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
      assert_strv (shoal_test_case_get_environment (test), (const char *[]){ "A=b", NULL });
      g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 9.0);
      assert_strv (shoal_test_case_get_argv (test),
                   (const char *[]){ runner, fixture_ids[i], "--flag", NULL });
    }
}

static void
test_custom_results_exit (void)
{
  static const struct
  {
    const char *id;
    ShoalOutcome outcome;
    const char *message;
  } expected[] = {
    { "pass", SHOAL_OUTCOME_PASSED, NULL },
    { "fail", SHOAL_OUTCOME_FAILED, "exited with status 1" },
    { "skip", SHOAL_OUTCOME_SKIPPED, "exited with status 77" },
    { "crash", SHOAL_OUTCOME_CRASHED, "killed by signal 11 (Segmentation fault)" },
    { "padded", SHOAL_OUTCOME_PASSED, NULL },
    { QUOTED_ID, SHOAL_OUTCOME_PASSED, NULL },
  };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (EXIT_SUITE, &adapter, &error);

  g_test_summary ("results: exit: 0 passes, 77 skips, another status fails, a signal crashes");

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *id = g_strconcat ("s::", expected[i].id, NULL);
      g_autoptr (GPtrArray) results = run_test (adapter, tests, id, NULL, NULL);

      g_assert_cmpuint (results->len, ==, 1);
      assert_result (results, 0, id, expected[i].outcome, expected[i].message);
    }
}

static void
test_custom_id_one_argument (void)
{
  g_autofree char *runner = fixture_path ("run-exit.sh");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover ("name: s\nadapter: custom\ndiscover: [./list.sh]\n"
                "run: [./run-exit.sh, '{id}', '--label=[{id}]{tmp}']\n",
                &adapter, &error);
  g_auto (GStrv) argv = NULL;
  g_autofree char *output = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("{id} with spaces and quotes stays inside the argument that holds it, "
                  "never split nor interpreted by a shell; other braces stay as written");

  g_assert_no_error (error);
  results = run_test (adapter, tests, "s::" QUOTED_ID, &argv, &output);
  assert_strv ((const char *const *) argv,
               (const char *[]){ runner, QUOTED_ID, "--label=[" QUOTED_ID "]{tmp}", NULL });
  g_assert_cmpstr (output, ==,
                   "argc=2\narg=" QUOTED_ID "\narg=--label=[" QUOTED_ID "]{tmp}\n");
  /* The script wants --flag as its second argument. */
  assert_result (results, 0, "s::" QUOTED_ID, SHOAL_OUTCOME_FAILED, "exited with status 2");
}

#define TAP_SUITE \
  "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-tap.sh, '{id}']\nresults: tap\n"

static void
test_custom_results_tap (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (TAP_SUITE, &adapter, &error);
  g_autoptr (GPtrArray) pass = NULL;
  g_autoptr (GPtrArray) fail = NULL;
  g_autoptr (GPtrArray) skip = NULL;
  g_autoptr (GPtrArray) crash = NULL;
  g_autoptr (GPtrArray) many = NULL;

  g_test_summary ("results: tap: one point is the test's result; several are one result "
                  "each, plus the command's when it ended badly");

  g_assert_no_error (error);
  pass = run_test (adapter, tests, "s::pass", NULL, NULL);
  g_assert_cmpuint (pass->len, ==, 1);
  assert_result (pass, 0, "s::pass", SHOAL_OUTCOME_PASSED, NULL);

  fail = run_test (adapter, tests, "s::fail", NULL, NULL);
  g_assert_cmpuint (fail->len, ==, 1);
  assert_result (fail, 0, "s::fail", SHOAL_OUTCOME_FAILED, "expected 2, got 3");

  skip = run_test (adapter, tests, "s::skip", NULL, NULL);
  g_assert_cmpuint (skip->len, ==, 1);
  assert_result (skip, 0, "s::skip", SHOAL_OUTCOME_SKIPPED, "no network");

  crash = run_test (adapter, tests, "s::crash", NULL, NULL);
  g_assert_cmpuint (crash->len, ==, 2);
  assert_result (crash, 0, "s::crash/first half", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (crash, 1, "s::crash", SHOAL_OUTCOME_CRASHED,
                 "planned 2 tests but ran 1; killed by signal 11 (Segmentation fault)");

  many = run_test (adapter, tests, "s::padded", NULL, NULL);
  g_assert_cmpuint (many->len, ==, 3);
  assert_result (many, 0, "s::padded/one", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (many, 1, "s::padded/two", SHOAL_OUTCOME_FAILED, NULL);
  assert_result (many, 2, "s::padded/three", SHOAL_OUTCOME_SKIPPED, "later");
}

#define JUNIT_SUITE                                                             \
  "name: s\nadapter: custom\ndiscover: [./list.sh]\n"                           \
  "run: [./run-junit.sh, '{id}', '{tmpdir}/report-{id}.xml']\nresults: junit\n" \
  "junit_file: '{tmpdir}/report-{id}.xml'\n"

static void
test_custom_results_junit (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (JUNIT_SUITE, &adapter, &error);
  g_autoptr (GPtrArray) pass = NULL;
  g_autoptr (GPtrArray) fail = NULL;
  g_autoptr (GPtrArray) skip = NULL;
  g_autoptr (GPtrArray) crash = NULL;
  g_autoptr (GPtrArray) broken = NULL;
  g_autoptr (GPtrArray) many = NULL;
  g_auto (GStrv) argv = NULL;
  g_autofree char *tmpdir = NULL;

  g_test_summary ("results: junit: the report the command wrote under its own {tmpdir}: one "
                  "testcase is the test's result, several one each; failure, error and "
                  "skipped as JUnit means them; no report or a broken one is said");

  g_assert_no_error (error);
  pass = run_test (adapter, tests, "s::pass", &argv, NULL);
  g_assert_cmpuint (pass->len, ==, 1);
  assert_result (pass, 0, "s::pass", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (pass, 0)), ==, 0.25);
  /* {tmpdir} was the command's own, and is gone with it. */
  g_assert_true (g_str_has_suffix (argv[2], "/report-pass.xml"));
  tmpdir = g_path_get_dirname (argv[2]);
  g_assert_false (g_file_test (tmpdir, G_FILE_TEST_EXISTS));

  fail = run_test (adapter, tests, "s::fail", NULL, NULL);
  g_assert_cmpuint (fail->len, ==, 1);
  assert_result (fail, 0, "s::fail", SHOAL_OUTCOME_FAILED,
                 "expected 2, got 3\nat fixture.lua:12 & more");

  skip = run_test (adapter, tests, "s::skip", NULL, NULL);
  g_assert_cmpuint (skip->len, ==, 1);
  assert_result (skip, 0, "s::skip", SHOAL_OUTCOME_SKIPPED, "no network");

  crash = run_test (adapter, tests, "s::crash", NULL, NULL);
  g_assert_cmpuint (crash->len, ==, 1);
  g_assert_cmpint (shoal_test_result_get_outcome (g_ptr_array_index (crash, 0)), ==,
                   SHOAL_OUTCOME_CRASHED);
  assert_message_matches (g_ptr_array_index (crash, 0),
                          "killed by signal 11 (Segmentation fault); wrote no JUnit report (no "
                          "file ",
                          "/report-crash.xml)");

  broken = run_test (adapter, tests, "s::padded", NULL, NULL);
  g_assert_cmpuint (broken->len, ==, 1);
  g_assert_cmpint (shoal_test_result_get_outcome (g_ptr_array_index (broken, 0)), ==,
                   SHOAL_OUTCOME_ERROR);
  assert_message_matches (g_ptr_array_index (broken, 0),
                          "exited with status 0: cannot parse the JUnit report ", "");

  many = run_test (adapter, tests, "s::" QUOTED_ID, NULL, NULL);
  g_assert_cmpuint (many->len, ==, 3);
  assert_result (many, 0, "s::" QUOTED_ID "/one", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (many, 1, "s::" QUOTED_ID "/two", SHOAL_OUTCOME_FAILED,
                 "error: boom\nTraceback <here>");
  assert_result (many, 2, "s::" QUOTED_ID "/three", SHOAL_OUTCOME_SKIPPED, NULL);
}

static void
test_custom_junit_stale (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-custom-stale-XXXXXX", &error);
  g_autofree char *report = NULL;
  g_autofree char *yaml = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("A JUnit file older than the run is not its report");

  g_assert_no_error (error);
  report = g_build_filename (dir, "skip.xml", NULL);
  g_file_set_contents (report, "<testsuite><testcase name=\"old\"/></testsuite>", -1, &error);
  g_assert_no_error (error);
  g_assert_true (g_utime (report, &(struct utimbuf){ 1000000000, 1000000000 }) == 0);

  /* The command writes elsewhere: the file named stays the old one. */
  yaml = g_strdup_printf ("name: s\nadapter: custom\ndiscover: [./list.sh]\n"
                          "run: [./run-exit.sh, '{id}']\nresults: junit\n"
                          "junit_file: '%s/{id}.xml'\n",
                          dir);
  tests = discover (yaml, &adapter, &error);
  g_assert_no_error (error);
  results = run_test (adapter, tests, "s::skip", NULL, NULL);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_cmpint (shoal_test_result_get_outcome (g_ptr_array_index (results, 0)), ==,
                   SHOAL_OUTCOME_ERROR);
  assert_message_matches (g_ptr_array_index (results, 0),
                          "exited with status 77: wrote no JUnit report (",
                          "/skip.xml is older than the run)");
  g_unlink (report);
  g_rmdir (dir);
}

static void
test_custom_discover_fails (void)
{
  g_autoptr (GError) failing = NULL;
  g_autoptr (GError) empty = NULL;
  g_autoptr (GError) missing = NULL;
  g_autoptr (GPtrArray) failing_tests = NULL;
  g_autoptr (GPtrArray) empty_tests = NULL;
  g_autoptr (GPtrArray) missing_tests = NULL;
  g_autofree char *filename = fixture_path ("shoal.yaml");
  g_autofree char *dir = fixture_dir ();
  g_autofree char *expected = NULL;

  g_test_summary ("A discovery command that fails is an error naming the suite, the command, "
                  "its exit status and the tail of its standard error; one that lists nothing "
                  "or does not exist too");

  failing_tests = discover ("name: s\nadapter: custom\ndiscover: [./list-fails.sh, --all]\n"
                            "run: [./run-exit.sh, '{id}']\n",
                            NULL, &failing);
  g_assert_null (failing_tests);
  g_assert_error (failing, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY);
  g_assert_cmpstr (failing->message, ==,
                   "suite s: the discovery command (./list-fails.sh --all) exited with status 3: "
                   "reading tests.db\ncannot open tests.db: no such file");

  empty_tests = discover ("name: s\nadapter: custom\ndiscover: [./list-empty.sh]\n"
                          "run: [./run-exit.sh, '{id}']\n",
                          NULL, &empty);
  g_assert_null (empty_tests);
  g_assert_error (empty, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY);
  g_assert_cmpstr (empty->message, ==,
                   "suite s: the discovery command (./list-empty.sh) printed no test ids");

  missing_tests = discover ("name: s\nadapter: custom\ndiscover: [./no-such-list.sh]\n"
                            "run: [./run-exit.sh, '{id}']\n",
                            NULL, &missing);
  g_assert_null (missing_tests);
  g_assert_error (missing, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND);
  expected = g_strdup_printf ("%s:3:1: discover: program './no-such-list.sh' not found (no "
                              "file %s/no-such-list.sh)",
                              filename, dir);
  g_assert_cmpstr (missing->message, ==, expected);
}

static void
test_custom_errors (void)
{
  static const struct
  {
    const char *yaml;
    int code;
    const char *message; /* after "FILE" */
  } cases[] = {
    { "name: s\nadapter: custom\nrun: [./run-exit.sh, '{id}']\n", SHOAL_CONFIG_ERROR_MISSING,
      ":1:1: missing required key 'discover'" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}']\n"
      "results: junt\n",
      SHOAL_CONFIG_ERROR_INVALID,
      ":5:10: results: unknown results 'junt'; did you mean 'junit'? (exit, tap or junit)" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}']\n"
      "results: xml\n",
      SHOAL_CONFIG_ERROR_INVALID, ":5:10: results: unknown results 'xml' (expected exit, tap or "
                                  "junit)" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}']\n"
      "result: tap\n",
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
      ":5:1: result: unknown key 'result'; did you mean 'results'?" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{ID}']\n",
      SHOAL_CONFIG_ERROR_INVALID, ":4:6: run: no argument holds {id}, the test to run" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}']\n"
      "results: junit\n",
      SHOAL_CONFIG_ERROR_MISSING,
      ":5:10: results: 'results: junit' needs 'junit_file', the report the command writes" },
    { "name: s\nadapter: custom\ndiscover: [./list.sh]\nrun: [./run-exit.sh, '{id}']\n"
      "junit_file: out.xml\n",
      SHOAL_CONFIG_ERROR_INVALID, ":5:13: junit_file: only read with 'results: junit'" },
    { "name: s\nadapter: custom\ndiscover: []\nrun: [./run-exit.sh, '{id}']\n",
      SHOAL_CONFIG_ERROR_INVALID, ":3:11: discover: must start with a program" },
  };
  g_autofree char *filename = fixture_path ("shoal.yaml");

  g_test_summary ("Bad settings are errors naming file, line, column and key, with a guess "
                  "at what was meant");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = discover (cases[i].yaml, NULL, &error);
      g_autofree char *expected = g_strconcat (filename, cases[i].message, NULL);

      g_assert_null (tests);
      g_assert_error (error, SHOAL_CONFIG_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);

  g_test_add_func ("/shoal/adapter/custom/discover", test_custom_discover);
  g_test_add_func ("/shoal/adapter/custom/results-exit", test_custom_results_exit);
  g_test_add_func ("/shoal/adapter/custom/id-one-argument", test_custom_id_one_argument);
  g_test_add_func ("/shoal/adapter/custom/results-tap", test_custom_results_tap);
  g_test_add_func ("/shoal/adapter/custom/results-junit", test_custom_results_junit);
  g_test_add_func ("/shoal/adapter/custom/junit-stale", test_custom_junit_stale);
  g_test_add_func ("/shoal/adapter/custom/discover-fails", test_custom_discover_fails);
  g_test_add_func ("/shoal/adapter/custom/errors", test_custom_errors);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
