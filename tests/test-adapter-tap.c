/* test-adapter-tap.c: the tap adapter, loaded as a plugin
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <shoal.h>

#include "adapter-test-helpers.h"
#include <sys/wait.h>

static ShoalPluginRegistry *registry;

#define assert_strv adapter_test_assert_strv
#define assert_result adapter_test_assert_result

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "adapters", NULL);
}

static char *
fixture_config (void)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, "shoal.yaml", NULL);
}

static ShoalSettings *
suite_settings (const char *yaml)
{
  g_autofree char *filename = fixture_config ();

  return adapter_test_suite_settings (yaml, filename);
}

static ShoalAdapter *
new_adapter (void)
{
  return adapter_test_new_adapter (registry, "tap");
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autoptr (ShoalSettings) settings = suite_settings (yaml);
  g_autoptr (ShoalAdapter) adapter = new_adapter ();
  GPtrArray *tests = adapter_test_discover (adapter, settings, error);

  if (tests != NULL && out_adapter != NULL)
    *out_adapter = g_steal_pointer (&adapter);
  return tests;
}

static ShoalRunCommand *
prepare_one (ShoalAdapter *adapter, ShoalTestCase *test)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  ShoalRunCommand *command;

  g_ptr_array_add (batch, test);
  command = shoal_adapter_prepare (adapter, batch, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  return command;
}

/* A tap suite of one test, `s::t`, its command prepared. */
typedef struct
{
  ShoalAdapter *adapter;
  GPtrArray *tests;
  ShoalRunCommand *command;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fixture->tests = discover ("name: s\nadapter: tap\ntests:\n  - {name: t, command: [sh, t.sh]}\n",
                             &fixture->adapter, &error);
  g_assert_no_error (error);
  fixture->command = prepare_one (fixture->adapter, g_ptr_array_index (fixture->tests, 0));
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_clear_object (&fixture->command);
  g_clear_pointer (&fixture->tests, g_ptr_array_unref);
  g_clear_object (&fixture->adapter);
}

/* What the adapter makes of @output, printed by a command that ended with
 * @wait_status (or timed out). */
static GPtrArray *
interpret (Fixture *fixture, int wait_status, gboolean timed_out, const char *output)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autofree char *path = NULL;
  GPtrArray *results;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-tap-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, output, -1, &error);
  g_assert_no_error (error);

  execution =
      shoal_execution_new (wait_status, timed_out, FALSE, 1000, 2001000, 2.0, "worker-1", 1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (fixture->adapter, fixture->command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_unlink (path);
  return results;
}

static void
test_tap_discover (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *script = g_build_filename (dir, "tap", "simple.sh", NULL);
  g_autofree char *tap_dir = g_build_filename (dir, "tap", NULL);
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\n"
                                          "adapter: tap\n"
                                          "cwd: tap\n"
                                          "tests:\n"
                                          "  - name: simple\n"
                                          "    command: [./simple.sh, -v]\n"
                                          "    timeout: 3\n"
                                          "    env: {A: b}\n"
                                          "  - name: other\n"
                                          "    command: [sh, -c, 'echo 1..0']\n"
                                          "    cwd: .\n",
                                          &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  ShoalTestCase *test;

  g_test_summary ("Each command of `tests:` is one scheduled test, run in the suite's cwd "
                  "unless it has its own");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 2);
  g_assert_false (shoal_adapter_can_batch (adapter));

  test = g_ptr_array_index (tests, 0);
  g_assert_cmpstr (shoal_test_case_get_id (test), ==, "s::simple");
  g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "tap");
  assert_strv (shoal_test_case_get_argv (test), (const char *[]){ script, "-v", NULL });
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, tap_dir);
  g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 3.0);

  command = prepare_one (adapter, test);
  assert_strv (shoal_run_command_get_argv (command), (const char *[]){ script, "-v", NULL });
  g_assert_cmpstr (shoal_run_command_get_cwd (command), ==, tap_dir);
  assert_strv (shoal_run_command_get_environment (command), (const char *[]){ "A=b", NULL });

  test = g_ptr_array_index (tests, 1);
  g_assert_cmpstr (shoal_test_case_get_id (test), ==, "s::other");
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
}

static void
test_tap_config_errors (void)
{
  static const struct
  {
    const char *yaml;
    int code;
    const char *message;
  } cases[] = {
    { "name: s\nadapter: tap\n", SHOAL_CONFIG_ERROR_MISSING,
      ":1:1: the tap adapter needs 'tests'" },
    { "name: s\nadapter: tap\ntests:\n  - name: a\n", SHOAL_CONFIG_ERROR_MISSING,
      ":4:5: tests[0]: missing required key 'command'" },
    { "name: s\nadapter: tap\ntests:\n  - {name: a, command: [sh], timout: 3}\n",
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
      ":4:30: tests[0].timout: unknown key 'timout'; did you mean 'timeout'?" },
    { "name: s\nadapter: tap\ntests:\n  - {name: a, command: [sh], env: [A]}\n",
      SHOAL_CONFIG_ERROR_TYPE,
      ":4:35: tests[0].env: expected a mapping of environment variables, got a list" },
    { "name: s\nadapter: tap\ntests: {name: a}\n", SHOAL_CONFIG_ERROR_TYPE,
      ":3:8: tests: expected a list, got a mapping" },
  };
  g_autofree char *filename = fixture_config ();

  g_test_summary ("Configuration errors name file, line, column and key");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ShoalSettings) settings = suite_settings (cases[i].yaml);
      g_autoptr (ShoalAdapter) adapter = new_adapter ();
      g_autoptr (GError) error = NULL;
      g_autofree char *expected = g_strconcat (filename, cases[i].message, NULL);

      g_assert_false (shoal_adapter_configure (adapter, "s", settings, &error));
      g_assert_error (error, SHOAL_CONFIG_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_tap_points (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (0, 0), FALSE,
                                             "TAP version 13\n"
                                             "1..4\n"
                                             "ok 1 - first\n"
                                             "ok 2 second one\n"
                                             "ok 3\n"
                                             "ok - fourth\n");
  ShoalTestResult *result;

  g_test_summary ("Each point is a result named by the test and its description, or its "
                  "number; a point without a number takes the next one");

  g_assert_cmpuint (results->len, ==, 4);
  assert_result (results, 0, "s::t/first", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::t/second one", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 2, "s::t/3", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 3, "s::t/fourth", SHOAL_OUTCOME_PASSED, NULL);

  /* TAP gives no time per point: each carries the command's. */
  result = g_ptr_array_index (results, 1);
  g_assert_cmpstr (shoal_test_result_get_suite (result), ==, "s");
  g_assert_cmpfloat (shoal_test_result_get_duration (result), ==, 2.0);
  g_assert_cmpint (shoal_test_result_get_start_time (result), ==, 1000);
  g_assert_cmpint (shoal_test_result_get_end_time (result), ==, 2001000);
  g_assert_cmpstr (shoal_test_result_get_worker_id (result), ==, "worker-1");
}

static void
test_tap_plan_last (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results =
      interpret (fixture, W_EXITCODE (0, 0), FALSE, "ok 1 a\r\nok 2 b\r\n1..2\r\n");

  g_test_summary ("The plan may come last; CRLF line ends are read");

  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::t/a", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::t/b", SHOAL_OUTCOME_PASSED, NULL);
}

static void
test_tap_diagnostics (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (1, 0), FALSE,
                                             "TAP version 13\n"
                                             "1..3\n"
                                             "ok 1 a\n"
                                             "not ok 2 b\n"
                                             "  ---\n"
                                             "  message: boom\n"
                                             "  data:\n"
                                             "    got: 1\n"
                                             "  ...\n"
                                             "not ok 3 - c\n"
                                             "#   Failed test 'c'\n"
                                             "#   at t.pl line 5.\n");

  g_test_summary ("A failing point's message is its YAML block and the comments after it; a "
                  "failing exit after a failing point is no extra result");

  g_assert_cmpuint (results->len, ==, 3);
  assert_result (results, 0, "s::t/a", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::t/b", SHOAL_OUTCOME_FAILED, "message: boom\ndata:\n  got: 1");
  assert_result (results, 2, "s::t/c", SHOAL_OUTCOME_FAILED,
                 "  Failed test 'c'\n  at t.pl line 5.");
}

static void
test_tap_directives (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (0, 0), FALSE,
                                             "1..6\n"
                                             "ok 1 a # SKIP no database\n"
                                             "not ok 2 b # TODO not written\n"
                                             "ok 3 c # todo later\n"
                                             "not ok 4 d # skip\n"
                                             "not ok 5 e # TODO\n"
                                             "ok 6 f \\# g # Skipped: offline\n");

  g_test_summary ("SKIP skips; TODO not ok passes as an expected failure, TODO ok passes "
                  "unexpectedly; directives in any case; an escaped # is text");

  g_assert_cmpuint (results->len, ==, 6);
  assert_result (results, 0, "s::t/a", SHOAL_OUTCOME_SKIPPED, "no database");
  assert_result (results, 1, "s::t/b", SHOAL_OUTCOME_PASSED, "xfail (TODO): not written");
  assert_result (results, 2, "s::t/c", SHOAL_OUTCOME_PASSED, "unexpectedly passed (TODO): later");
  assert_result (results, 3, "s::t/d", SHOAL_OUTCOME_SKIPPED, NULL);
  assert_result (results, 4, "s::t/e", SHOAL_OUTCOME_PASSED, "xfail (TODO)");
  assert_result (results, 5, "s::t/f # g", SHOAL_OUTCOME_SKIPPED, "offline");
}

static void
test_tap_duplicates (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (0, 0), FALSE,
                                             "1..4\n"
                                             "ok 1 same\n"
                                             "ok 2 same\n"
                                             "ok 3 other\n"
                                             "ok 4 same\n");

  g_test_summary ("A description seen again gets its point's number");

  g_assert_cmpuint (results->len, ==, 4);
  assert_result (results, 0, "s::t/same", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::t/same #2", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 2, "s::t/other", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 3, "s::t/same #4", SHOAL_OUTCOME_PASSED, NULL);
}

static void
test_tap_crash (Fixture *fixture, gconstpointer data)
{
  const char *output = "1..5\nok 1 a\nok 2 b\nok 3 c\n";
  g_autoptr (GPtrArray) crashed = interpret (fixture, W_EXITCODE (0, SIGSEGV), FALSE, output);
  g_autoptr (GPtrArray) timed_out = interpret (fixture, W_EXITCODE (0, SIGKILL), TRUE, output);
  g_autoptr (GPtrArray) exited = interpret (fixture, W_EXITCODE (0, 0), FALSE, output);

  g_test_summary ("Points missing from the plan add a result for the command, crashed, timed "
                  "out or failed as the command ended");

  g_assert_cmpuint (crashed->len, ==, 4);
  assert_result (crashed, 2, "s::t/c", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (crashed, 3, "s::t", SHOAL_OUTCOME_CRASHED,
                 "planned 5 tests but ran 3; killed by signal 11 (Segmentation fault)");
  g_assert_cmpint (shoal_test_result_get_signal (g_ptr_array_index (crashed, 3)), ==, SIGSEGV);

  g_assert_cmpuint (timed_out->len, ==, 4);
  assert_result (timed_out, 3, "s::t", SHOAL_OUTCOME_TIMEOUT,
                 "planned 5 tests but ran 3; timed out after 2.0 s");

  g_assert_cmpuint (exited->len, ==, 4);
  assert_result (exited, 3, "s::t", SHOAL_OUTCOME_FAILED, "planned 5 tests but ran 3");
}

static void
test_tap_exit_status (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) failed =
      interpret (fixture, W_EXITCODE (2, 0), FALSE, "1..2\nok 1\nok 2\n");
  g_autoptr (GPtrArray) aborted =
      interpret (fixture, W_EXITCODE (0, SIGABRT), FALSE, "1..2\nok 1\nnot ok 2\n");

  g_test_summary ("A failing exit after every point passed fails the command; a death fails "
                  "it whatever the points said");

  g_assert_cmpuint (failed->len, ==, 3);
  assert_result (failed, 0, "s::t/1", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (failed, 2, "s::t", SHOAL_OUTCOME_FAILED,
                 "exited with status 2 after all points passed");

  g_assert_cmpuint (aborted->len, ==, 3);
  assert_result (aborted, 1, "s::t/2", SHOAL_OUTCOME_FAILED, NULL);
  assert_result (aborted, 2, "s::t", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 6 (Aborted) after all points ran");
}

static void
test_tap_plan_mismatch (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) no_plan = interpret (fixture, W_EXITCODE (0, 0), FALSE, "ok 1\nok 2\n");
  g_autoptr (GPtrArray) too_many =
      interpret (fixture, W_EXITCODE (0, 0), FALSE, "1..1\nok 1\nok 2\n");

  g_test_summary ("A missing plan, or more points than planned, fails the command");

  g_assert_cmpuint (no_plan->len, ==, 3);
  assert_result (no_plan, 2, "s::t", SHOAL_OUTCOME_FAILED, "no plan after 2 tests");
  g_assert_cmpuint (too_many->len, ==, 3);
  assert_result (too_many, 2, "s::t", SHOAL_OUTCOME_FAILED, "planned 1 test but ran 2");
}

static void
test_tap_no_tap (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) skipped =
      interpret (fixture, W_EXITCODE (77, 0), FALSE, "no database here\n");
  g_autoptr (GPtrArray) passed = interpret (fixture, W_EXITCODE (0, 0), FALSE, "");
  g_autoptr (GPtrArray) failed = interpret (fixture, W_EXITCODE (3, 0), FALSE, "usage: t\n");

  g_test_summary ("Output without TAP gives one result for the command from its exit status");

  g_assert_cmpuint (skipped->len, ==, 1);
  assert_result (skipped, 0, "s::t", SHOAL_OUTCOME_SKIPPED,
                 "printed no TAP; exited with status 77");
  g_assert_cmpuint (passed->len, ==, 1);
  assert_result (passed, 0, "s::t", SHOAL_OUTCOME_PASSED, "printed no TAP");
  g_assert_cmpuint (failed->len, ==, 1);
  assert_result (failed, 0, "s::t", SHOAL_OUTCOME_FAILED, "printed no TAP; exited with status 3");
}

static void
test_tap_bail_out (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (255, 0), FALSE,
                                             "1..4\n"
                                             "ok 1 a\n"
                                             "Bail out! database down\n"
                                             "ok 2 b\n");

  g_test_summary ("Bail out! fails the command with its reason; what follows is not read");

  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::t/a", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::t", SHOAL_OUTCOME_FAILED, "bail out: database down");
}

static void
test_tap_skip_all (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) with_reason =
      interpret (fixture, W_EXITCODE (0, 0), FALSE, "1..0 # SKIP no network\n");
  g_autoptr (GPtrArray) without = interpret (fixture, W_EXITCODE (0, 0), FALSE, "1..0\n");
  g_autoptr (GPtrArray) crashed =
      interpret (fixture, W_EXITCODE (0, SIGSEGV), FALSE, "1..0 # skip whatever\n");

  g_test_summary ("A 1..0 plan skips the command, with its reason; a death still counts");

  g_assert_cmpuint (with_reason->len, ==, 1);
  assert_result (with_reason, 0, "s::t", SHOAL_OUTCOME_SKIPPED, "no network");
  g_assert_cmpuint (without->len, ==, 1);
  assert_result (without, 0, "s::t", SHOAL_OUTCOME_SKIPPED, "planned no tests (1..0)");
  g_assert_cmpuint (crashed->len, ==, 1);
  assert_result (crashed, 0, "s::t", SHOAL_OUTCOME_CRASHED,
                 "planned no tests; killed by signal 11 (Segmentation fault)");
}

static void
test_tap_subtests (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (1, 0), FALSE,
                                             "TAP version 14\n"
                                             "1..2\n"
                                             "# Subtest: group\n"
                                             "    1..2\n"
                                             "    ok 1 - inner\n"
                                             "    not ok 2 - inner two\n"
                                             "      ---\n"
                                             "      message: inner failure\n"
                                             "      ...\n"
                                             "not ok 1 - group\n"
                                             "ok 2 - after\n"
                                             "this line is not TAP\n"
                                             "okay, neither is this one\n");

  g_test_summary ("Indented subtests are summed up by their top-level point; lines that are "
                  "not TAP are ignored");

  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::t/group", SHOAL_OUTCOME_FAILED, NULL);
  assert_result (results, 1, "s::t/after", SHOAL_OUTCOME_PASSED, NULL);
}

static void
test_tap_truncated_yaml (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GPtrArray) results = interpret (fixture, W_EXITCODE (0, SIGKILL), FALSE,
                                             "1..2\n"
                                             "not ok 1 - half\n"
                                             "  ---\n"
                                             "  message: cut \xff short\n");

  g_test_summary ("A YAML block cut short by a death still explains the point; invalid "
                  "UTF-8 is repaired");

  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::t/half", SHOAL_OUTCOME_FAILED, "message: cut \xef\xbf\xbd short");
  assert_result (results, 1, "s::t", SHOAL_OUTCOME_CRASHED,
                 "planned 2 tests but ran 1; killed by signal 9 (Killed)");
}

static void
test_tap_run_fixture (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *path = NULL;
  g_autofree char *tap_dir = g_build_filename (dir, "tap", NULL);
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\n"
                                          "adapter: tap\n"
                                          "tests: [{name: simple, command: [tap/simple.sh]}]\n",
                                          &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GPtrArray) results = NULL;
  int fd;

  g_test_summary ("A real TAP script, run as prepared, gives one result per point");

  g_assert_no_error (error);
  command = prepare_one (adapter, g_ptr_array_index (tests, 0));

  fd = g_file_open_tmp ("shoal-adapter-tap-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_subprocess_launcher_set_cwd (launcher, shoal_run_command_get_cwd (command));
  g_subprocess_launcher_set_stdout_file_path (launcher, path);
  process = g_subprocess_launcher_spawnv (launcher, shoal_run_command_get_argv (command), &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);

  execution = shoal_execution_new (g_subprocess_get_status (process), FALSE, FALSE, 0, 0, 0.1, NULL,
                                   1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_unlink (path);

  g_assert_cmpuint (results->len, ==, 4);
  assert_result (results, 0, "s::simple/starts", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::simple/network", SHOAL_OUTCOME_SKIPPED, "offline");
  assert_result (results, 2, "s::simple/unicode", SHOAL_OUTCOME_PASSED, "xfail (TODO): not yet");
  assert_result (results, 3, "s::simple/stops", SHOAL_OUTCOME_FAILED, "message: did not stop");
  g_assert_cmpint (shoal_test_result_get_exit_status (g_ptr_array_index (results, 3)), ==, 1);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (func), fixture_tear_down)

  g_test_add_func ("/shoal/adapter/tap/discover", test_tap_discover);
  g_test_add_func ("/shoal/adapter/tap/config-errors", test_tap_config_errors);
  ADD ("/shoal/adapter/tap/points", test_tap_points);
  ADD ("/shoal/adapter/tap/plan-last", test_tap_plan_last);
  ADD ("/shoal/adapter/tap/diagnostics", test_tap_diagnostics);
  ADD ("/shoal/adapter/tap/directives", test_tap_directives);
  ADD ("/shoal/adapter/tap/duplicates", test_tap_duplicates);
  ADD ("/shoal/adapter/tap/crash", test_tap_crash);
  ADD ("/shoal/adapter/tap/exit-status", test_tap_exit_status);
  ADD ("/shoal/adapter/tap/plan-mismatch", test_tap_plan_mismatch);
  ADD ("/shoal/adapter/tap/no-tap", test_tap_no_tap);
  ADD ("/shoal/adapter/tap/bail-out", test_tap_bail_out);
  ADD ("/shoal/adapter/tap/skip-all", test_tap_skip_all);
  ADD ("/shoal/adapter/tap/subtests", test_tap_subtests);
  ADD ("/shoal/adapter/tap/truncated-yaml", test_tap_truncated_yaml);
  g_test_add_func ("/shoal/adapter/tap/run-fixture", test_tap_run_fixture);

#undef ADD

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
