/* test-adapter-glib.c: the glib adapter, loaded as a plugin, against real
 * GLib test programs (tests/fixtures/adapters/glib-fixture*.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <shoal.h>

#include "adapter-test-helpers.h"
#include <string.h>
#include <sys/wait.h>

static ShoalPluginRegistry *registry;

#define assert_strv adapter_test_assert_strv
#define assert_result adapter_test_assert_result

/* The fixture programs are built, so the suite's files are in the build
 * directory. */
static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters", NULL);
}

static char *
fixture_config (void)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, "shoal.yaml", NULL);
}

static char *
fixture_program (const char *name)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, name, NULL);
}

static ShoalAdapter *
new_adapter (void)
{
  return adapter_test_new_adapter (registry, "glib");
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *filename = fixture_config ();

  return adapter_test_discover_suite (registry, "glib", yaml, filename, out_adapter, error);
}

/* For messages that quote a source file's path and line, which depend on
 * the build. */
static void
assert_result_message_matches (GPtrArray *results,
                               guint index,
                               const char *test_id,
                               ShoalOutcome outcome,
                               const char *prefix,
                               const char *suffix)
{
  ShoalTestResult *result;
  const char *message;

  g_assert_cmpuint (index, <, results->len);
  result = g_ptr_array_index (results, index);
  g_assert_cmpstr (shoal_test_result_get_test_id (result), ==, test_id);
  g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                   shoal_outcome_to_string (outcome));
  message = shoal_test_result_get_message (result);
  g_assert_nonnull (message);
  if (!g_str_has_prefix (message, prefix) || !g_str_has_suffix (message, suffix))
    g_error ("message of %s is '%s', expected '%s...%s'", test_id, message, prefix, suffix);
}

static ShoalRunCommand *
prepare (ShoalAdapter *adapter, GPtrArray *tests, const char *const *ids)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  ShoalRunCommand *command;

  for (guint i = 0; ids[i] != NULL; i++)
    g_ptr_array_add (batch, adapter_test_find_test (tests, ids[i]));
  command = shoal_adapter_prepare (adapter, batch, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  return command;
}

static void
assert_command_tests (ShoalRunCommand *command, const char *const *ids)
{
  GPtrArray *tests = shoal_run_command_get_tests (command);

  g_assert_cmpuint (tests->len, ==, g_strv_length ((char **) ids));
  for (guint i = 0; ids[i] != NULL; i++)
    g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, i)), ==, ids[i]);
}

/* Runs @command the way the core would (argv, cwd, environment, output and
 * error in one file) and interprets it: tests may spawn, adapters may not. */
static GPtrArray *
run_and_interpret (ShoalAdapter *adapter,
                   ShoalRunCommand *command,
                   char **out_output,
                   double *out_duration)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autofree char *path = NULL;
  const char *const *environment = shoal_run_command_get_environment (command);
  gint64 start = g_get_real_time ();
  gint64 monotonic = g_get_monotonic_time ();
  GPtrArray *results;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-glib-XXXXXX", &path, &error);
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
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);

  if (out_output != NULL)
    {
      g_file_get_contents (path, out_output, NULL, &error);
      g_assert_no_error (error);
    }
  if (out_duration != NULL)
    *out_duration = shoal_execution_get_duration (execution);
  g_unlink (path);
  return results;
}

static GPtrArray *
interpret_text (ShoalAdapter *adapter,
                ShoalRunCommand *command,
                int wait_status,
                gboolean timed_out,
                const char *output)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autofree char *path = NULL;
  GPtrArray *results;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-glib-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, output, -1, &error);
  g_assert_no_error (error);

  execution = shoal_execution_new (wait_status, timed_out, FALSE, 0, 0, 2.0, NULL, 1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_unlink (path);
  return results;
}

static guint
count_lines_with_prefix (const char *text, const char *prefix, const char *containing)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix) &&
        (containing == NULL || strstr (lines[i], containing) != NULL))
      count++;
  return count;
}

static guint
count_lines_equal (const char *text, const char *line)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    count += g_str_equal (lines[i], line);
  return count;
}

/* GLib's -l order: a suite's cases, then its subsuites. */
static const char *const fixture_paths[] = {
  "/fixture/pass",
  "/fixture/fail",
  "/fixture/fail-printf",
  "/fixture/nonfatal",
  "/fixture/skip",
  "/fixture/incomplete",
  "/fixture/crash",
  "/fixture/slow",
  "/fixture/nested/a",
  "/fixture/nested/ab",
  "/fixture/nested/a/deep",
};

#define FIXTURE_SUITE "name: s\nadapter: glib\nprograms: [glib-fixture]\n"

static void
test_glib_discover_cases (void)
{
  g_autofree char *program = fixture_program ("glib-fixture");
  g_autofree char *dir = fixture_dir ();
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "args: [--verbose]\nenv: {A: b}\ntimeout: 9\n", &adapter, &error);

  g_test_summary ("`PROGRAM -l` lists one test per GTest path, named `<program><path>`, whose "
                  "command runs exactly that case");

  g_assert_no_error (error);
  g_assert_true (shoal_adapter_can_batch (adapter));
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_paths));
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autofree char *id = g_strconcat ("s::glib-fixture", fixture_paths[i], NULL);

      g_assert_cmpstr (shoal_test_case_get_id (test), ==, id);
      g_assert_cmpstr (shoal_test_case_get_name (test), ==, fixture_paths[i]);
      g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "glib");
      g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
      g_assert_null (shoal_test_case_get_note (test));
      assert_strv (shoal_test_case_get_environment (test), (const char *[]){ "A=b", NULL });
      g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 9.0);
    }

  assert_strv (
      shoal_test_case_get_argv (adapter_test_find_test (tests, "s::glib-fixture/fixture/pass")),
      (const char *[]){ program, "--tap", "-k", "-p", "/fixture/pass", "--verbose", NULL });
  /* -p selects a subtree: the case below is skipped by name. */
  assert_strv (shoal_test_case_get_argv (adapter_test_find_test (tests, "s::glib-fixture/fixture/nested/a")),
               (const char *[]){ program, "--tap", "-k", "-p", "/fixture/nested/a", "-s",
                                 "/fixture/nested/a/deep", "--verbose", NULL });
}

static void
test_glib_run_each_case (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("Each case, run alone as prepared, gets the outcome and message GLib gave "
                  "it: assertion text and g_test_message()s for failures, skip and incomplete "
                  "reasons, the signal of a crash");

  g_assert_no_error (error);

#define RUN(path)                                                                                 \
  g_autoptr (ShoalRunCommand) command_##path =                                                    \
      prepare (adapter, tests, (const char *[]){ "s::glib-fixture/fixture/" #path, NULL });       \
  g_autoptr (GPtrArray) results_##path = run_and_interpret (adapter, command_##path, NULL, NULL); \
  g_assert_cmpuint (results_##path->len, ==, 1)

  {
    RUN (pass);
    assert_result (results_pass, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    RUN (fail);
    assert_result_message_matches (
        results_fail, 0, "s::glib-fixture/fixture/fail", SHOAL_OUTCOME_FAILED,
        "about to compare\nERROR:", ":test_fail: assertion failed (1 + 1 == 3): (2 == 3)");
    g_assert_cmpint (shoal_test_result_get_signal (g_ptr_array_index (results_fail, 0)), ==,
                     SIGABRT);
  }
  {
    RUN (nonfatal);
    assert_result_message_matches (results_nonfatal, 0, "s::glib-fixture/fixture/nonfatal",
                                   SHOAL_OUTCOME_FAILED, "first\nERROR:",
                                   ":test_nonfatal: assertion failed (\"a\" == \"b\"): (\"a\" == "
                                   "\"b\")");
  }
  {
    RUN (skip);
    assert_result (results_skip, 0, "s::glib-fixture/fixture/skip", SHOAL_OUTCOME_SKIPPED,
                   "not today");
  }
  {
    RUN (incomplete);
    assert_result (results_incomplete, 0, "s::glib-fixture/fixture/incomplete",
                   SHOAL_OUTCOME_SKIPPED, "incomplete: not finished");
  }
  {
    RUN (crash);
    assert_result (results_crash, 0, "s::glib-fixture/fixture/crash", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault) while running /fixture/crash");
  }
  {
    RUN (slow);
    assert_result (results_slow, 0, "s::glib-fixture/fixture/slow", SHOAL_OUTCOME_PASSED, NULL);
  }

#undef RUN

  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::glib-fixture/fixture/fail-printf", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, NULL, NULL);

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::glib-fixture/fixture/fail-printf", SHOAL_OUTCOME_FAILED,
                   "custom 3");
  }
}

static void
test_glib_exactly_one_case (void)
{
  static const char *const nested[] = { "s::glib-fixture/fixture/nested/a",
                                        "s::glib-fixture/fixture/nested/ab",
                                        "s::glib-fixture/fixture/nested/a/deep" };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("A case whose path prefixes others' (/fixture/nested/a, /fixture/nested/ab, "
                  "/fixture/nested/a/deep) runs alone");

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (nested); i++)
    {
      g_autoptr (ShoalRunCommand) command =
          prepare (adapter, tests, (const char *[]){ nested[i], NULL });
      g_autofree char *output = NULL;
      g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, &output, NULL);
      const char *path = nested[i] + strlen ("s::glib-fixture");
      g_autofree char *own_point = g_strconcat ("ok 1 ", path, NULL);

      g_assert_cmpuint (results->len, ==, 1);
      assert_result (results, 0, nested[i], SHOAL_OUTCOME_PASSED, NULL);
      /* One case ran; any other printed is one GLib was told to skip. */
      g_assert_cmpuint (count_lines_with_prefix (output, "ok ", NULL) -
                            count_lines_with_prefix (output, "ok ", "# SKIP by request"),
                        ==, 1);
      g_assert_cmpuint (count_lines_equal (output, own_point), ==, 1);
      g_assert_cmpuint (count_lines_with_prefix (output, "# ran ", NULL), ==, 1);
    }
}

static void
test_glib_batch (void)
{
  g_autofree char *program = fixture_program ("glib-fixture");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *output = NULL;
  double duration = 0;

  g_test_summary ("A batch runs each of its cases once, in GLib's order, and gets one result "
                  "per case sharing the command's duration");

  g_assert_no_error (error);
  command = prepare (
      adapter, tests,
      (const char *[]){ "s::glib-fixture/fixture/nested/a/deep", "s::glib-fixture/fixture/slow",
                        "s::glib-fixture/fixture/pass", "s::glib-fixture/fixture/nested/a",
                        "s::glib-fixture/fixture/skip", NULL });
  /* /fixture/nested/a runs /fixture/nested/a/deep: one -p for both. */
  assert_strv (shoal_run_command_get_argv (command),
               (const char *[]){ program, "--tap", "-k", "-p", "/fixture/pass", "-p",
                                 "/fixture/skip", "-p", "/fixture/slow", "-p", "/fixture/nested/a",
                                 NULL });
  assert_command_tests (
      command, (const char *[]){ "s::glib-fixture/fixture/pass", "s::glib-fixture/fixture/skip",
                                 "s::glib-fixture/fixture/slow", "s::glib-fixture/fixture/nested/a",
                                 "s::glib-fixture/fixture/nested/a/deep", NULL });

  results = run_and_interpret (adapter, command, &output, &duration);
  g_assert_cmpuint (results->len, ==, 5);
  assert_result (results, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::glib-fixture/fixture/skip", SHOAL_OUTCOME_SKIPPED, "not today");
  assert_result (results, 2, "s::glib-fixture/fixture/slow", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 3, "s::glib-fixture/fixture/nested/a", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 4, "s::glib-fixture/fixture/nested/a/deep", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpuint (count_lines_with_prefix (output, "ok ", "/fixture/nested/a/deep"), ==, 1);
  g_assert_cmpuint (count_lines_with_prefix (output, "ok ", "/fixture/nested/ab"), ==, 0);
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpfloat_with_epsilon (shoal_test_result_get_duration (g_ptr_array_index (results, i)),
                                    duration / 5, 1e-9);
}

static void
test_glib_batch_death (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (ShoalRunCommand) crash = NULL;
  g_autoptr (ShoalRunCommand) fail = NULL;
  g_autoptr (ShoalRunCommand) keep_going = NULL;
  g_autoptr (GPtrArray) crashed = NULL;
  g_autoptr (GPtrArray) failed = NULL;
  g_autoptr (GPtrArray) kept_going = NULL;

  g_test_summary ("When a case takes a batch down, it gets the blame and the cases after it "
                  "get no result (they did not run); a case that fails without dying does not stop the batch");

  g_assert_no_error (error);

  crash =
      prepare (adapter, tests,
               (const char *[]){ "s::glib-fixture/fixture/slow", "s::glib-fixture/fixture/crash",
                                 "s::glib-fixture/fixture/pass", NULL });
  crashed = run_and_interpret (adapter, crash, NULL, NULL);
  /* The case after the crash did not run: it has no result (the core
   * runs it again). */
  g_assert_cmpuint (crashed->len, ==, 2);
  assert_result (crashed, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (crashed, 1, "s::glib-fixture/fixture/crash", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 11 (Segmentation fault) while running /fixture/crash");

  fail = prepare (adapter, tests,
                  (const char *[]){ "s::glib-fixture/fixture/incomplete",
                                    "s::glib-fixture/fixture/fail", NULL });
  failed = run_and_interpret (adapter, fail, NULL, NULL);
  g_assert_cmpuint (failed->len, ==, 1);
  assert_result_message_matches (failed, 0, "s::glib-fixture/fixture/fail", SHOAL_OUTCOME_FAILED,
                                 "about to compare\nERROR:", "(2 == 3)");

  keep_going = prepare (adapter, tests,
                        (const char *[]){ "s::glib-fixture/fixture/fail-printf",
                                          "s::glib-fixture/fixture/slow", NULL });
  kept_going = run_and_interpret (adapter, keep_going, NULL, NULL);
  g_assert_cmpuint (kept_going->len, ==, 2);
  assert_result (kept_going, 0, "s::glib-fixture/fixture/fail-printf", SHOAL_OUTCOME_FAILED,
                 "custom 3");
  assert_result (kept_going, 1, "s::glib-fixture/fixture/slow", SHOAL_OUTCOME_PASSED, NULL);
}

/* Run by the scheduler, the cases of one program share processes (in
 * batches), yet each gets its own result; a case that takes its batch down
 * is charged with it, and the cases after it run again. */
static void
test_glib_scheduled_batches (void)
{
  static const struct
  {
    const char *path;
    ShoalOutcome outcome;
  } expected[] = {
    { "pass", SHOAL_OUTCOME_PASSED },
    { "fail", SHOAL_OUTCOME_FAILED },
    { "fail-printf", SHOAL_OUTCOME_FAILED },
    { "nonfatal", SHOAL_OUTCOME_FAILED },
    { "skip", SHOAL_OUTCOME_SKIPPED },
    { "incomplete", SHOAL_OUTCOME_SKIPPED },
    { "crash", SHOAL_OUTCOME_CRASHED },
    { "slow", SHOAL_OUTCOME_PASSED },
    { "nested/a", SHOAL_OUTCOME_PASSED },
    { "nested/a/deep", SHOAL_OUTCOME_PASSED },
    { "nested/ab", SHOAL_OUTCOME_PASSED },
  };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalScheduler) scheduler = shoal_scheduler_new (1);
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GHashTable) logs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *dir = g_dir_make_tmp ("shoal-glib-batches-XXXXXX", NULL);
  g_autofree char *run_dir = g_build_filename (dir, "run", NULL);
  const char *rm[] = { "rm", "-rf", dir, NULL };
  GPtrArray *results;
  const char *crash_log = NULL, *slow_log = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (expected));
  strategy = shoal_plugin_registry_create_strategy (registry, "fifo", &error);
  g_assert_no_error (error);
  shoal_scheduler_set_strategy (scheduler, strategy);
  shoal_scheduler_set_run_dir (scheduler, run_dir);
  for (guint i = 0; i < tests->len; i++)
    {
      shoal_scheduler_add_test (scheduler, tests->pdata[i], adapter, &error);
      g_assert_no_error (error);
    }
  summary = shoal_scheduler_run (scheduler, NULL, &error);
  g_assert_no_error (error);

  results = shoal_run_summary_get_results (summary);
  g_assert_cmpuint (results->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *id = g_strconcat ("s::glib-fixture/fixture/", expected[i].path, NULL);
      ShoalTestResult *found = NULL;

      for (guint r = 0; r < results->len; r++)
        if (g_str_equal (shoal_test_result_get_test_id (results->pdata[r]), id))
          {
            g_assert_null (found); /* one result per case */
            found = results->pdata[r];
          }
      g_assert_nonnull (found);
      g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (found)), ==,
                       shoal_outcome_to_string (expected[i].outcome));
      g_assert_cmpuint (shoal_test_result_get_attempt (found), ==, 1);
      g_hash_table_add (logs, (gpointer) shoal_test_result_get_output_path (found));
      if (g_str_equal (expected[i].path, "crash"))
        crash_log = shoal_test_result_get_output_path (found);
      if (g_str_equal (expected[i].path, "slow"))
        slow_log = shoal_test_result_get_output_path (found);
    }
  /* Fewer processes than cases; the case after the crash ran again, in
   * a process of its own. */
  g_assert_cmpuint (g_hash_table_size (logs), <, G_N_ELEMENTS (expected));
  g_assert_cmpstr (crash_log, !=, slow_log);

  g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
}

static void
test_glib_batch_errors (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (ShoalAdapter) other = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\nadapter: glib\n"
                                          "programs: [glib-fixture, glib-fixture-junk]\n",
                                          &adapter, &error);
  g_autoptr (GPtrArray) mixed = g_ptr_array_new ();
  g_autoptr (GPtrArray) twice = g_ptr_array_new ();
  g_autoptr (ShoalRunCommand) refused = NULL;
  g_autofree char *key_pass = NULL;
  g_autofree char *key_slow = NULL;
  g_autofree char *key_junk = NULL;
  g_autofree char *program = fixture_program ("glib-fixture");

  g_test_summary ("A batch holds cases of one program, each once, and the batch key the core "
                  "groups on is that program");

  g_assert_no_error (error);
  g_ptr_array_add (mixed, adapter_test_find_test (tests, "s::glib-fixture/fixture/pass"));
  g_ptr_array_add (mixed, adapter_test_find_test (tests, "s::glib-fixture-junk/junk/dup"));
  refused = shoal_adapter_prepare (adapter, mixed, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
  g_assert_cmpstr (error->message, ==,
                   "cannot batch s::glib-fixture-junk/junk/dup with s::glib-fixture/fixture/pass: "
                   "a batch runs one program");
  g_clear_error (&error);

  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::glib-fixture/fixture/pass"));
  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::glib-fixture/fixture/pass"));
  refused = shoal_adapter_prepare (adapter, twice, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
  g_clear_error (&error);

  /* Batches need the listing this adapter made. */
  other = new_adapter ();
  refused = shoal_adapter_prepare (other, mixed, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);

  /* So the core is told: one key per program, none for a test another
   * adapter discovered. */
  key_pass = shoal_adapter_get_batch_key (adapter, mixed->pdata[0]);
  key_slow = shoal_adapter_get_batch_key (
      adapter, adapter_test_find_test (tests, "s::glib-fixture/fixture/slow"));
  key_junk = shoal_adapter_get_batch_key (adapter, mixed->pdata[1]);
  g_assert_cmpstr (key_pass, ==, program);
  g_assert_cmpstr (key_slow, ==, program);
  g_assert_nonnull (key_junk);
  g_assert_cmpstr (key_junk, !=, program);
  g_assert_null (shoal_adapter_get_batch_key (other, mixed->pdata[0]));
}

static void
test_glib_skip (void)
{
  g_autofree char *program = fixture_program ("glib-fixture");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "skip: [/fixture/nested/a]\n", &adapter, &error);
  g_autoptr (ShoalRunCommand) skipped = NULL;
  g_autoptr (ShoalRunCommand) kept = NULL;
  g_autoptr (GPtrArray) skipped_results = NULL;
  g_autoptr (GPtrArray) kept_results = NULL;

  g_test_summary ("`skip:` prefixes match whole path components and reach GLib as -s");

  g_assert_no_error (error);
  assert_strv (shoal_test_case_get_argv (adapter_test_find_test (tests, "s::glib-fixture/fixture/nested/a")),
               (const char *[]){ program, "--tap", "-k", "-p", "/fixture/nested/a", "-s",
                                 "/fixture/nested/a", "-s", "/fixture/nested/a/deep", NULL });
  assert_strv (shoal_test_case_get_argv (adapter_test_find_test (tests, "s::glib-fixture/fixture/nested/ab")),
               (const char *[]){ program, "--tap", "-k", "-p", "/fixture/nested/ab", NULL });

  skipped = prepare (adapter, tests,
                     (const char *[]){ "s::glib-fixture/fixture/nested/a",
                                       "s::glib-fixture/fixture/nested/a/deep", NULL });
  skipped_results = run_and_interpret (adapter, skipped, NULL, NULL);
  g_assert_cmpuint (skipped_results->len, ==, 2);
  assert_result (skipped_results, 0, "s::glib-fixture/fixture/nested/a", SHOAL_OUTCOME_SKIPPED,
                 "by request (-s option)");
  assert_result (skipped_results, 1, "s::glib-fixture/fixture/nested/a/deep", SHOAL_OUTCOME_SKIPPED,
                 "by request (-s option)");

  kept = prepare (adapter, tests, (const char *[]){ "s::glib-fixture/fixture/nested/ab", NULL });
  kept_results = run_and_interpret (adapter, kept, NULL, NULL);
  g_assert_cmpuint (kept_results->len, ==, 1);
  assert_result (kept_results, 0, "s::glib-fixture/fixture/nested/ab", SHOAL_OUTCOME_PASSED, NULL);
}

static void
test_glib_list_fails (void)
{
  g_autofree char *program = fixture_program ("glib-fixture-nolist");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (ShoalAdapter) exiting_adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\nadapter: glib\n"
                                          "programs: [glib-fixture-nolist]\n",
                                          &adapter, &error);
  g_autoptr (GPtrArray) exiting = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  ShoalTestCase *test;

  g_test_summary ("A program whose -l crashes or fails runs as a whole, with a note saying "
                  "why in each of its results");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 1);
  test = g_ptr_array_index (tests, 0);
  g_assert_cmpstr (shoal_test_case_get_id (test), ==, "s::glib-fixture-nolist");
  g_assert_cmpstr (shoal_test_case_get_note (test), ==,
                   "ran as a whole: `-l` killed by signal 6 (Aborted)");
  assert_strv (shoal_test_case_get_argv (test), (const char *[]){ program, "--tap", "-k", NULL });

  command = prepare (adapter, tests, (const char *[]){ "s::glib-fixture-nolist", NULL });
  results = run_and_interpret (adapter, command, NULL, NULL);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::glib-fixture-nolist/nolist/one", SHOAL_OUTCOME_PASSED,
                 "ran as a whole: `-l` killed by signal 6 (Aborted)");
  assert_result (results, 1, "s::glib-fixture-nolist/nolist/two", SHOAL_OUTCOME_PASSED,
                 "ran as a whole: `-l` killed by signal 6 (Aborted)");
  g_assert_cmpstr (shoal_test_result_get_name (g_ptr_array_index (results, 1)), ==, "/nolist/two");

  exiting = discover ("name: s\nadapter: glib\nprograms: [glib-fixture-nolist]\n"
                      "env: {FIXTURE_LIST_EXIT: 1}\n",
                      &exiting_adapter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (exiting->len, ==, 1);
  g_assert_cmpstr (shoal_test_case_get_note (g_ptr_array_index (exiting, 0)), ==,
                   "ran as a whole: `-l` exited with status 1");
}

static void
test_glib_list_junk (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover ("name: s\nadapter: glib\nprograms: [glib-fixture-junk]\n", NULL, &error);

  g_test_summary ("Only lines of -l's standard output that start with '/' are paths, each "
                  "taken once");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 2);
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==,
                   "s::glib-fixture-junk/junk/dup");
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 1)), ==,
                   "s::glib-fixture-junk/junk/other");
}

static void
test_glib_list_empty (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover ("name: s\nadapter: glib\nprograms: [glib-fixture-empty]\n", &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("A program that lists nothing runs as a whole; its `1..0` skips it");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 1);
  g_assert_cmpstr (shoal_test_case_get_note (g_ptr_array_index (tests, 0)), ==,
                   "ran as a whole: `-l` listed no test paths");

  command = prepare (adapter, tests, (const char *[]){ "s::glib-fixture-empty", NULL });
  results = run_and_interpret (adapter, command, NULL, NULL);
  g_assert_cmpuint (results->len, ==, 1);
  assert_result (results, 0, "s::glib-fixture-empty", SHOAL_OUTCOME_SKIPPED,
                 "planned no tests (1..0); ran as a whole: `-l` listed no test paths");
}

static void
test_glib_whole (void)
{
  static const struct
  {
    const char *path;
    ShoalOutcome outcome;
    const char *message;
  } expected[] = {
    { "/fixture/pass", SHOAL_OUTCOME_PASSED, NULL },
    { "/fixture/fail", SHOAL_OUTCOME_SKIPPED, "by request (-s option)" },
    { "/fixture/fail-printf", SHOAL_OUTCOME_FAILED, "custom 3" },
    { "/fixture/nonfatal", SHOAL_OUTCOME_FAILED, NULL /* checked below */ },
    { "/fixture/skip", SHOAL_OUTCOME_SKIPPED, "not today" },
    { "/fixture/incomplete", SHOAL_OUTCOME_SKIPPED, "incomplete: not finished" },
    { "/fixture/crash", SHOAL_OUTCOME_SKIPPED, "by request (-s option)" },
    { "/fixture/slow", SHOAL_OUTCOME_PASSED, NULL },
    { "/fixture/nested/a", SHOAL_OUTCOME_PASSED, NULL },
    { "/fixture/nested/ab", SHOAL_OUTCOME_PASSED, NULL },
    { "/fixture/nested/a/deep", SHOAL_OUTCOME_PASSED, NULL },
  };
  g_autofree char *program = fixture_program ("glib-fixture");
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\nadapter: glib\nprograms: [glib-fixture]\n"
                                          "mode: whole\nskip: [/fixture/fail, /fixture/crash]\n",
                                          &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("In whole mode a program is one command and each GTest path it reports is "
                  "a result, `<suite>::<program><path>`");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 1);
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==, "s::glib-fixture");
  g_assert_null (shoal_test_case_get_note (g_ptr_array_index (tests, 0)));
  assert_strv (shoal_test_case_get_argv (g_ptr_array_index (tests, 0)),
               (const char *[]){ program, "--tap", "-k", "-s", "/fixture/fail", "-s",
                                 "/fixture/crash", NULL });
  /* A whole program shares its process with nothing. */
  g_assert_null (shoal_adapter_get_batch_key (adapter, g_ptr_array_index (tests, 0)));

  command = prepare (adapter, tests, (const char *[]){ "s::glib-fixture", NULL });
  results = run_and_interpret (adapter, command, NULL, NULL);
  g_assert_cmpuint (results->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *id = g_strconcat ("s::glib-fixture", expected[i].path, NULL);

      if (g_str_equal (expected[i].path, "/fixture/nonfatal"))
        assert_result_message_matches (results, i, id, expected[i].outcome,
                                       "first\nERROR:", "(\"a\" == \"b\")");
      else
        assert_result (results, i, id, expected[i].outcome, expected[i].message);
      g_assert_cmpstr (shoal_test_result_get_name (g_ptr_array_index (results, i)), ==,
                       expected[i].path);
    }
}

static void
test_glib_whole_death (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (ShoalAdapter) bailing_adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\nadapter: glib\nprograms: [glib-fixture]\n"
                                          "mode: whole\nskip: [/fixture/fail]\n",
                                          &adapter, &error);
  g_autoptr (GPtrArray) bailing = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (ShoalRunCommand) bailing_command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) bailing_results = NULL;

  g_test_summary ("A whole program that dies before its plan is complete gets a result of "
                  "its own");

  g_assert_no_error (error);
  command = prepare (adapter, tests, (const char *[]){ "s::glib-fixture", NULL });
  results = run_and_interpret (adapter, command, NULL, NULL);
  g_assert_cmpuint (results->len, ==, 7);
  assert_result (results, 5, "s::glib-fixture/fixture/incomplete", SHOAL_OUTCOME_SKIPPED,
                 "incomplete: not finished");
  assert_result (results, 6, "s::glib-fixture", SHOAL_OUTCOME_CRASHED,
                 "planned 11 tests but ran 6; killed by signal 11 (Segmentation fault)");

  bailing = discover ("name: s\nadapter: glib\nprograms: [glib-fixture]\nmode: whole\n",
                      &bailing_adapter, &error);
  g_assert_no_error (error);
  bailing_command = prepare (bailing_adapter, bailing, (const char *[]){ "s::glib-fixture", NULL });
  bailing_results = run_and_interpret (bailing_adapter, bailing_command, NULL, NULL);
  g_assert_cmpuint (bailing_results->len, ==, 2);
  assert_result (bailing_results, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_result_message_matches (bailing_results, 1, "s::glib-fixture", SHOAL_OUTCOME_FAILED,
                                 "bail out: ERROR:", "(2 == 3)\nabout to compare");
}

static void
test_glib_interpret_endings (void)
{
  g_autofree char *program = fixture_program ("glib-fixture");
  g_autofree char *vanished = NULL;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (ShoalRunCommand) one = NULL;
  g_autoptr (ShoalRunCommand) two = NULL;
  g_autoptr (GPtrArray) exit_after = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  g_autoptr (GPtrArray) timed_out = NULL;

  g_test_summary ("A failing exit after a case passed fails it; a case with no point in a "
                  "clean exit is an error; a time out blames the running case");

  g_assert_no_error (error);
  one = prepare (adapter, tests, (const char *[]){ "s::glib-fixture/fixture/pass", NULL });
  two = prepare (
      adapter, tests,
      (const char *[]){ "s::glib-fixture/fixture/pass", "s::glib-fixture/fixture/slow", NULL });

  exit_after = interpret_text (adapter, one, W_EXITCODE (1, 0), FALSE,
                               "# random seed: R02S0\n1..1\nok 1 /fixture/pass\n");
  g_assert_cmpuint (exit_after->len, ==, 1);
  assert_result (exit_after, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_FAILED,
                 "exited with status 1 after the test passed");

  missing = interpret_text (adapter, one, W_EXITCODE (0, 0), FALSE, "1..0\n");
  vanished = g_strdup_printf ("%s printed no result for /fixture/pass (is it still in the "
                              "program?)",
                              program);
  g_assert_cmpuint (missing->len, ==, 1);
  assert_result (missing, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_ERROR, vanished);

  timed_out = interpret_text (adapter, two, W_EXITCODE (0, SIGKILL), TRUE,
                              "ok 1 /fixture/pass\n1..1\n# Start of fixture tests\n"
                              "# waiting for the network\n");
  g_assert_cmpuint (timed_out->len, ==, 2);
  assert_result (timed_out, 0, "s::glib-fixture/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (timed_out, 1, "s::glib-fixture/fixture/slow", SHOAL_OUTCOME_TIMEOUT,
                 "timed out after 2.0 s while running /fixture/slow\nwaiting for the network");
}

static void
test_glib_programs_glob (void)
{
  static const char *const expected[] = { "s::glib-fixture", "s::glib-fixture-empty",
                                          "s::glib-fixture-junk", "s::glib-fixture-nolist" };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover ("name: s\nadapter: glib\n"
                                          "programs: ['glib-fixture*', 'missing-*']\n"
                                          "mode: whole\n",
                                          NULL, &error);

  g_test_summary ("`programs:` globs find executables only, sorted by path");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, i)), ==, expected[i]);
}

static void
test_glib_errors (void)
{
  static const struct
  {
    const char *yaml;
    GQuark (*domain) (void);
    int code;
    const char *message; /* after "FILE" */
  } cases[] = {
    { "name: s\nadapter: glib\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_MISSING,
      ":1:1: missing required key 'programs'" },
    { "name: s\nadapter: glib\nprogramms: [glib-fixture]\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
      ":3:1: programms: unknown key 'programms'; did you mean 'programs'?" },
    { "name: s\nadapter: glib\nprograms: [glib-fixture]\nmode: some\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_INVALID, ":4:7: mode: expected 'cases' or 'whole', got 'some'" },
    { "name: s\nadapter: glib\nprograms: [glib-fixture]\nskip: [fixture/pass]\n",
      shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":4:7: skip: 'fixture/pass' is not a GTest path (they start with '/')" },
    { "name: s\nadapter: glib\nprograms: glib-fixture\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_TYPE,
      ":3:11: programs: expected a list of strings, got the string 'glib-fixture'" },
    { "name: s\nadapter: glib\nprograms: [glib-fixture]\nargs: [1, [2]]\n",
      shoal_config_error_quark, SHOAL_CONFIG_ERROR_TYPE,
      ":4:11: args[1]: expected a string, got a list" },
    { "name: s\nadapter: glib\nprograms: [no-such-test]\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: programs: program 'no-such-test' not found (no file %s/no-such-test)" },
    { "name: s\nadapter: glib\nprograms: ['no-such-*']\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: programs: no executable file matches 'no-such-*' (in %s)" },
  };
  g_autofree char *filename = fixture_config ();
  g_autofree char *dir = fixture_dir ();

  g_test_summary ("Bad settings and missing programs are errors naming file, line, column, "
                  "key and path");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = discover (cases[i].yaml, NULL, &error);
      g_autofree char *tail = g_strdup_printf (cases[i].message, dir);
      g_autofree char *expected = g_strconcat (filename, tail, NULL);

      g_assert_null (tests);
      g_assert_error (error, cases[i].domain (), cases[i].code);
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

  g_test_add_func ("/shoal/adapter/glib/discover-cases", test_glib_discover_cases);
  g_test_add_func ("/shoal/adapter/glib/run-each-case", test_glib_run_each_case);
  g_test_add_func ("/shoal/adapter/glib/exactly-one-case", test_glib_exactly_one_case);
  g_test_add_func ("/shoal/adapter/glib/batch", test_glib_batch);
  g_test_add_func ("/shoal/adapter/glib/batch-death", test_glib_batch_death);
  g_test_add_func ("/shoal/adapter/glib/batch-errors", test_glib_batch_errors);
  g_test_add_func ("/shoal/adapter/glib/scheduled-batches", test_glib_scheduled_batches);
  g_test_add_func ("/shoal/adapter/glib/skip", test_glib_skip);
  g_test_add_func ("/shoal/adapter/glib/list-fails", test_glib_list_fails);
  g_test_add_func ("/shoal/adapter/glib/list-junk", test_glib_list_junk);
  g_test_add_func ("/shoal/adapter/glib/list-empty", test_glib_list_empty);
  g_test_add_func ("/shoal/adapter/glib/whole", test_glib_whole);
  g_test_add_func ("/shoal/adapter/glib/whole-death", test_glib_whole_death);
  g_test_add_func ("/shoal/adapter/glib/interpret-endings", test_glib_interpret_endings);
  g_test_add_func ("/shoal/adapter/glib/programs-glob", test_glib_programs_glob);
  g_test_add_func ("/shoal/adapter/glib/errors", test_glib_errors);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
