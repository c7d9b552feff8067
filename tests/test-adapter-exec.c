/* test-adapter-exec.c: the exec adapter, loaded as a plugin
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

static ShoalSettings *
suite_settings (const char *yaml, const char *filename)
{
  return adapter_test_suite_settings (yaml, filename);
}

static ShoalAdapter *
new_adapter (void)
{
  return adapter_test_new_adapter (registry, "exec");
}

static gboolean
configure (ShoalAdapter *adapter, const char *yaml, const char *filename, GError **error)
{
  g_autoptr (ShoalSettings) settings = suite_settings (yaml, filename);

  return shoal_adapter_configure (adapter, "s", settings, error);
}

/* Configures a fresh adapter with @yaml written in the fixture directory
 * and discovers; %NULL with @error set on failure. */
static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);
  g_autoptr (ShoalSettings) settings = suite_settings (yaml, filename);
  g_autoptr (ShoalAdapter) adapter = new_adapter ();
  GPtrArray *tests = adapter_test_discover (adapter, settings, error);

  if (tests != NULL && out_adapter != NULL)
    *out_adapter = g_steal_pointer (&adapter);
  return tests;
}

static void
assert_config_error (const char *yaml, int code, const char *expected_format_tail)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);
  g_autofree char *expected = g_strconcat (filename, expected_format_tail, NULL);
  g_autoptr (ShoalAdapter) adapter = new_adapter ();
  g_autoptr (GError) error = NULL;

  g_assert_false (configure (adapter, yaml, filename, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, code);
  g_assert_cmpstr (error->message, ==, expected);
}

/* Runs @command the way the core would (argv, cwd, environment, output and
 * error in one file): tests may spawn, adapters may not. */
static ShoalExecution *
run_command (ShoalRunCommand *command, char **out_output)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  const char *const *environment = shoal_run_command_get_environment (command);
  gint64 start = g_get_real_time ();
  gint64 monotonic = g_get_monotonic_time ();
  ShoalExecution *execution;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-exec-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);

  g_subprocess_launcher_set_cwd (launcher, shoal_run_command_get_cwd (command));
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
  if (out_output != NULL)
    {
      g_file_get_contents (path, out_output, NULL, &error);
      g_assert_no_error (error);
    }
  g_unlink (path);
  return execution;
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

static void
test_exec_discover_tests (void)
{
  const char *yaml = "name: s\n"
                     "adapter: exec\n"
                     "tests:\n"
                     "  - name: pass\n"
                     "    command: [./exec/pass.sh, --flag]\n"
                     "    timeout: 5\n"
                     "    env: {LANG: C, EMPTY: }\n"
                     "    tags: [fast, smoke]\n"
                     "  - name: shell\n"
                     "    command: [sh, -c, 'exit 0']\n"
                     "    cwd: exec\n";
  g_autofree char *dir = fixture_dir ();
  g_autofree char *pass_sh = g_build_filename (dir, "exec", "pass.sh", NULL);
  g_autofree char *exec_dir = g_build_filename (dir, "exec", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (yaml, NULL, &error);
  ShoalTestCase *test;

  g_test_summary ("Commands of `tests:` become tests named by the suite and their name, with "
                  "their argv (a program with a slash made absolute), cwd, env, timeout, tags");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 2);

  test = g_ptr_array_index (tests, 0);
  g_assert_cmpstr (shoal_test_case_get_id (test), ==, "s::pass");
  g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "exec");
  assert_strv (shoal_test_case_get_argv (test), (const char *[]){ pass_sh, "--flag", NULL });
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
  assert_strv (shoal_test_case_get_environment (test),
               (const char *[]){ "LANG=C", "EMPTY=", NULL });
  g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 5.0);
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "fast", "smoke", NULL });

  test = g_ptr_array_index (tests, 1);
  g_assert_cmpstr (shoal_test_case_get_id (test), ==, "s::shell");
  assert_strv (shoal_test_case_get_argv (test), (const char *[]){ "sh", "-c", "exit 0", NULL });
  g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, exec_dir);
  g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 0.0);
}

static void
test_exec_discover_programs (void)
{
  const char *yaml = "name: s\n"
                     "adapter: exec\n"
                     "cwd: exec\n"
                     "programs: ['exec/*.sh', 'exec/data.*', 'nothing/*']\n";
  static const char *const expected[] = { "exec/fail.sh", "exec/pass.sh", "exec/segv.sh",
                                          "exec/show-env.sh", "exec/skip.sh" };
  g_autofree char *dir = fixture_dir ();
  g_autofree char *exec_dir = g_build_filename (dir, "exec", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (yaml, NULL, &error);

  g_test_summary ("Every executable file a `programs:` glob matches is a test named by its "
                  "path, sorted; data files and patterns matching nothing are passed over "
                  "while the suite has tests");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autofree char *id = g_strconcat ("s::", expected[i], NULL);
      g_autofree char *absolute = g_build_filename (dir, expected[i], NULL);

      g_assert_cmpstr (shoal_test_case_get_id (test), ==, id);
      assert_strv (shoal_test_case_get_argv (test), (const char *[]){ absolute, NULL });
      g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, exec_dir);
    }
}

static void
test_exec_discover_errors (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);
  static const struct
  {
    const char *yaml;
    int code;
    const char *message; /* after "FILE:" */
  } cases[] = {
    { "name: s\nadapter: exec\nprograms: ['nothing/*', 'none-*']\n", SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: programs: no executable file matches 'nothing/*', 'none-*' (in %s)" },
    { "name: s\nadapter: exec\nprograms: [exec/missing.sh]\n", SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: programs: program 'exec/missing.sh' not found (no file %s/exec/missing.sh)" },
    { "name: s\nadapter: exec\nprograms: [exec/data.txt]\n", SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: programs: program 'exec/data.txt' is not an executable file (%s/exec/data.txt)" },
    { "name: s\nadapter: exec\ntests:\n  - name: a\n    command: [./nope.sh]\n",
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":5:5: tests[0].command: program './nope.sh' not found (no file %s/nope.sh)" },
    { "name: s\nadapter: exec\ntests:\n  - name: a\n    command: [shoal-no-such-program]\n",
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":5:5: tests[0].command: program 'shoal-no-such-program' not found in PATH%.0s" },
    { "name: s\nadapter: exec\ncwd: nowhere\ntests:\n  - name: a\n    command: [sh]\n",
      SHOAL_ADAPTER_ERROR_NOT_FOUND, ":3:1: cwd: directory %s/nowhere not found" },
  };

  g_test_summary ("Programs and directories missing at discovery are errors that name the "
                  "path and where it was written");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = discover (cases[i].yaml, NULL, &error);
      g_autofree char *tail = g_strdup_printf (cases[i].message, dir);
      g_autofree char *expected = g_strconcat (filename, tail, NULL);

      g_assert_null (tests);
      g_assert_error (error, SHOAL_ADAPTER_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_exec_config_errors (void)
{
  g_test_summary ("Configuration errors name file, line, column and key, with a suggestion "
                  "for a misspelt key");

  assert_config_error ("name: s\nadapter: exec\ntests:\n  - name: a\n", SHOAL_CONFIG_ERROR_MISSING,
                       ":4:5: tests[0]: missing required key 'command'");
  assert_config_error ("name: s\nadapter: exec\ntests:\n  - command: [true]\n",
                       SHOAL_CONFIG_ERROR_MISSING, ":4:5: tests[0]: missing required key 'name'");
  assert_config_error ("name: s\nadapter: exec\ntests:\n  - name: a\n    command: echo hi\n",
                       SHOAL_CONFIG_ERROR_TYPE,
                       ":5:14: tests[0].command: expected a list of strings, got the string "
                       "'echo hi'");
  assert_config_error ("name: s\nadapter: exec\ntests:\n  - name: a\n    command: []\n",
                       SHOAL_CONFIG_ERROR_INVALID,
                       ":5:14: tests[0].command: must start with a program");
  assert_config_error ("name: s\nadapter: exec\ntests:\n  - name: a\n    comand: [true]\n",
                       SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
                       ":5:5: tests[0].comand: unknown key 'comand'; did you mean 'command'?");
  assert_config_error ("name: s\nadapter: exec\ntets:\n  - name: a\n",
                       SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
                       ":3:1: tets: unknown key 'tets'; did you mean 'tests'?");
  assert_config_error ("name: s\nadapter: exec\ntests:\n"
                       "  - {name: a, command: [true], timeout: 0}\n",
                       SHOAL_CONFIG_ERROR_RANGE,
                       ":4:41: tests[0].timeout: must be greater than 0, got 0");
  assert_config_error ("name: s\nadapter: exec\ntests:\n"
                       "  - {name: a, command: [true], timeout: soon}\n",
                       SHOAL_CONFIG_ERROR_TYPE,
                       ":4:41: tests[0].timeout: expected a number, got the string 'soon'");
  assert_config_error ("name: s\nadapter: exec\ntests:\n"
                       "  - {name: 'a::b', command: [true]}\n",
                       SHOAL_CONFIG_ERROR_INVALID, ":4:12: tests[0].name: must not contain '::'");
  assert_config_error ("name: s\nadapter: exec\n", SHOAL_CONFIG_ERROR_MISSING,
                       ":1:1: the exec adapter needs 'tests' or 'programs'");
}

static void
test_exec_config_duplicate_location (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);
  g_autofree char *expected = g_strdup_printf (
      "%s:5:12: tests[1].name: duplicate test name 'a' (first at %s:4:6)", filename, filename);
  g_autoptr (ShoalAdapter) adapter = new_adapter ();
  g_autoptr (GError) error = NULL;

  g_test_summary ("A duplicate name is reported at the duplicate, naming the first");

  g_assert_false (configure (adapter,
                             "name: s\nadapter: exec\ntests:\n"
                             "  - {name: a, command: [true]}\n"
                             "  - {name: a, command: [false]}\n",
                             filename, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_exec_prepare (void)
{
  const char *yaml = "name: s\n"
                     "adapter: exec\n"
                     "tests:\n"
                     "  - name: env\n"
                     "    command: [exec/show-env.sh, one]\n"
                     "    env: {SHOAL_FIXTURE_VALUE: hello}\n"
                     "    cwd: exec\n";
  g_autofree char *dir = fixture_dir ();
  g_autofree char *script = g_build_filename (dir, "exec", "show-env.sh", NULL);
  g_autofree char *exec_dir = g_build_filename (dir, "exec", NULL);
  g_autofree char *expected_output = g_strdup_printf ("%s\nhello\n", exec_dir);
  g_autofree char *output = NULL;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GPtrArray) two = g_ptr_array_new ();
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (ShoalRunCommand) refused = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("prepare describes one test's command: argv, cwd and environment reach "
                  "the program; the exec adapter does not batch");

  /* A program written with a slash is found from the test's cwd, as the
   * process would; this one is not there. */
  tests = discover (yaml, &adapter, &error);
  g_assert_null (tests);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&adapter);

  tests = discover ("name: s\n"
                    "adapter: exec\n"
                    "tests:\n"
                    "  - name: env\n"
                    "    command: [./show-env.sh, one]\n"
                    "    env: {SHOAL_FIXTURE_VALUE: hello}\n"
                    "    cwd: exec\n",
                    &adapter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 1);

  g_assert_false (shoal_adapter_can_batch (adapter));
  command = prepare_one (adapter, g_ptr_array_index (tests, 0));
  assert_strv (shoal_run_command_get_argv (command), (const char *[]){ script, "one", NULL });
  g_assert_cmpstr (shoal_run_command_get_cwd (command), ==, exec_dir);
  assert_strv (shoal_run_command_get_environment (command),
               (const char *[]){ "SHOAL_FIXTURE_VALUE=hello", NULL });
  g_assert_cmpuint (shoal_run_command_get_tests (command)->len, ==, 1);
  g_assert_true (g_ptr_array_index (shoal_run_command_get_tests (command), 0) ==
                 g_ptr_array_index (tests, 0));

  execution = run_command (command, &output);
  g_assert_cmpstr (output, ==, expected_output);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  assert_result (results, 0, "s::env", SHOAL_OUTCOME_PASSED, NULL);

  g_ptr_array_add (two, g_ptr_array_index (tests, 0));
  g_ptr_array_add (two, g_ptr_array_index (tests, 0));
  refused = shoal_adapter_prepare (adapter, two, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
}

static void
test_exec_interpret (void)
{
  static const struct
  {
    int wait_status;
    gboolean timed_out;
    ShoalOutcome outcome;
    const char *message;
  } cases[] = {
    { W_EXITCODE (0, 0), FALSE, SHOAL_OUTCOME_PASSED, NULL },
    { W_EXITCODE (1, 0), FALSE, SHOAL_OUTCOME_FAILED, "exited with status 1" },
    { W_EXITCODE (77, 0), FALSE, SHOAL_OUTCOME_SKIPPED, "exited with status 77" },
    { W_EXITCODE (0, SIGSEGV), FALSE, SHOAL_OUTCOME_CRASHED,
      "killed by signal 11 (Segmentation fault)" },
    { W_EXITCODE (0, SIGKILL), TRUE, SHOAL_OUTCOME_TIMEOUT, "timed out after 2.5 s" },
  };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover ("name: s\nadapter: exec\ntests: [{name: t, command: [true]}]\n", &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;

  g_test_summary ("Exit status 0 passes, 77 skips, others fail, a signal crashes, a timeout "
                  "times out; what happened is the message of every result but a pass");

  g_assert_no_error (error);
  command = prepare_one (adapter, g_ptr_array_index (tests, 0));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ShoalExecution) execution = shoal_execution_new (
          cases[i].wait_status, cases[i].timed_out, FALSE, 1000, 3501000, 2.5, "worker-2", 2, NULL);
      g_autoptr (GPtrArray) results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
      ShoalTestResult *result;

      g_assert_no_error (error);
      g_assert_cmpuint (results->len, ==, 1);
      assert_result (results, 0, "s::t", cases[i].outcome, cases[i].message);
      result = g_ptr_array_index (results, 0);
      g_assert_cmpfloat (shoal_test_result_get_duration (result), ==, 2.5);
      g_assert_cmpint (shoal_test_result_get_start_time (result), ==, 1000);
      g_assert_cmpint (shoal_test_result_get_end_time (result), ==, 3501000);
      g_assert_cmpstr (shoal_test_result_get_worker_id (result), ==, "worker-2");
      g_assert_cmpuint (shoal_test_result_get_attempt (result), ==, 2);
    }
}

static void
test_exec_run_fixtures (void)
{
  static const struct
  {
    const char *id;
    ShoalOutcome outcome;
    const char *message;
  } expected[] = {
    { "s::exec/fail.sh", SHOAL_OUTCOME_FAILED, "exited with status 1" },
    { "s::exec/pass.sh", SHOAL_OUTCOME_PASSED, NULL },
    { "s::exec/segv.sh", SHOAL_OUTCOME_CRASHED, "killed by signal 11 (Segmentation fault)" },
    { "s::exec/show-env.sh", SHOAL_OUTCOME_PASSED, NULL },
    { "s::exec/skip.sh", SHOAL_OUTCOME_SKIPPED, "exited with status 77" },
  };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover ("name: s\nadapter: exec\nprograms: ['exec/*.sh']\n", &adapter, &error);

  g_test_summary ("The fixture programs, really run, get the outcome their exit says");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < tests->len; i++)
    {
      g_autoptr (ShoalRunCommand) command = prepare_one (adapter, g_ptr_array_index (tests, i));
      g_autoptr (ShoalExecution) execution = run_command (command, NULL);
      g_autoptr (GPtrArray) results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));

      g_assert_no_error (error);
      g_assert_cmpuint (results->len, ==, 1);
      assert_result (results, 0, expected[i].id, expected[i].outcome, expected[i].message);
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);

  g_test_add_func ("/shoal/adapter/exec/discover-tests", test_exec_discover_tests);
  g_test_add_func ("/shoal/adapter/exec/discover-programs", test_exec_discover_programs);
  g_test_add_func ("/shoal/adapter/exec/discover-errors", test_exec_discover_errors);
  g_test_add_func ("/shoal/adapter/exec/config-errors", test_exec_config_errors);
  g_test_add_func ("/shoal/adapter/exec/config-duplicate", test_exec_config_duplicate_location);
  g_test_add_func ("/shoal/adapter/exec/prepare", test_exec_prepare);
  g_test_add_func ("/shoal/adapter/exec/interpret", test_exec_interpret);
  g_test_add_func ("/shoal/adapter/exec/run-fixtures", test_exec_run_fixtures);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
