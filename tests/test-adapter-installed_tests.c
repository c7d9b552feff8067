/* test-adapter-installed_tests.c: the installed_tests adapter, loaded as a
 * plugin, on the `.test` files of tests/fixtures/adapters/installed_tests/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How Shoal's results compare with gnome-desktop-testing-runner's on the
 * same files is tests/test-cli-installed_tests.py.
 */

#include <glib/gstdio.h>
#include <shoal.h>

#include "adapter-test-helpers.h"
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static ShoalPluginRegistry *registry;

#define assert_strv adapter_test_assert_strv
#define assert_result adapter_test_assert_result

/* The `.test` files name fixture paths, so they are made in the build
 * directory, where the suite's shoal.yaml would be. */
static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters", "installed_tests", NULL);
}

static char *
fixture_config (void)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, "shoal.yaml", NULL);
}

static char *
source_fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "adapters", "installed_tests", name,
                                NULL);
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *filename = fixture_config ();

  return adapter_test_discover_suite (registry, "installed_tests", yaml, filename, out_adapter, error);
}

static void
assert_ids (GPtrArray *tests, const char *const *ids)
{
  g_autoptr (GString) got = g_string_new (NULL);
  g_autoptr (GString) expected = g_string_new (NULL);

  for (guint i = 0; i < tests->len; i++)
    g_string_append_printf (got, "%s\n", shoal_test_case_get_id (g_ptr_array_index (tests, i)));
  for (guint i = 0; ids[i] != NULL; i++)
    g_string_append_printf (expected, "%s\n", ids[i]);
  g_assert_cmpstr (got->str, ==, expected->str);
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

/* Runs @command the way the core would (argv, environment, a TMPDIR of its
 * own, output and error in one file) and interprets it: tests may spawn,
 * adapters may not. Checks that the test ran in `test-tmp-*` of TMPDIR,
 * with `.testtmp` there. */
static GPtrArray *
run_and_interpret (ShoalAdapter *adapter, ShoalRunCommand *command, char **out_output)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *made = NULL;
  g_autofree char *stamp = NULL;
  const char *const *environment = shoal_run_command_get_environment (command);
  ShoalTestCase *first = g_ptr_array_index (shoal_run_command_get_tests (command), 0);
  g_autofree char *expected_prefix = NULL;
  gint64 start = g_get_real_time ();
  gint64 monotonic = g_get_monotonic_time ();
  GPtrArray *results;
  const char *entry;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-installed-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  tmpdir = g_dir_make_tmp ("shoal-adapter-installed-tmp-XXXXXX", &error);
  g_assert_no_error (error);

  g_subprocess_launcher_setenv (launcher, "TMPDIR", tmpdir, TRUE);
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
  results = shoal_object_array_from_list (
      shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);

  /* test-tmp-<the .test file's name, / as _>-XXXXXX, as the runner names
   * it, and only that. */
  {
    const char *local_id = shoal_test_case_get_local_id (first);
    const char *end = strstr (local_id, ".test");
    g_autofree char *name = g_strndup (local_id, end - local_id + strlen (".test"));

    g_strdelimit (name, "/", '_');
    expected_prefix = g_strconcat ("test-tmp-", name, "-", NULL);
  }
  dir = g_dir_open (tmpdir, 0, &error);
  g_assert_no_error (error);
  entry = g_dir_read_name (dir);
  g_assert_nonnull (entry);
  g_assert_true (g_str_has_prefix (entry, expected_prefix));
  g_assert_cmpuint (strlen (entry), ==, strlen (expected_prefix) + 6);
  made = g_build_filename (tmpdir, entry, NULL);
  g_assert_null (g_dir_read_name (dir));
  stamp = g_build_filename (made, ".testtmp", NULL);
  g_assert_true (g_file_test (stamp, G_FILE_TEST_IS_REGULAR));
  /* What the core's removal of the test's directory would do. */
  {
    g_autoptr (GFile) file = g_file_new_for_path (made);
    g_autoptr (GFileEnumerator) children =
        g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
    GFileInfo *info;

    g_assert_no_error (error);
    while ((info = g_file_enumerator_next_file (children, NULL, &error)) != NULL)
      {
        g_autofree char *child = g_build_filename (made, g_file_info_get_name (info), NULL);

        g_unlink (child);
        g_object_unref (info);
      }
    g_assert_no_error (error);
  }
  g_rmdir (made);
  g_rmdir (tmpdir);

  if (out_output != NULL)
    {
      g_file_get_contents (path, out_output, NULL, &error);
      g_assert_no_error (error);
    }
  g_unlink (path);
  return results;
}

static GPtrArray *
run_one (ShoalAdapter *adapter, GPtrArray *tests, const char *id)
{
  g_autoptr (ShoalRunCommand) command = prepare (adapter, tests, (const char *[]){ id, NULL });

  return run_and_interpret (adapter, command, NULL);
}

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

#define FIXTURE_SUITE "name: s\nadapter: installed_tests\ndirs: [data/installed-tests]\n"

/* The runner's names, sorted: `gnome-desktop-testing-runner -l` lists the
 * same (tests/test-cli-installed_tests.py compares them). */
static const char *const whole_ids[] = {
  "s::crash.test",
  "s::exclusive.test",
  "s::fail.test",
  "s::hang.test",
  "s::more/glib-nested.test",
  "s::more/glib.test",
  "s::more/quoted.test",
  "s::more/tap.test",
  "s::more/testenv.test",
  "s::pass.test",
  "s::skip.test",
  NULL,
};

/* GLib's -l order. */
static const char *const glib_paths[] = {
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
  NULL,
};

static void
test_installed_discover_whole (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "expand_glib: false\n", &adapter, &error);
  g_autofree char *show_args = source_fixture ("show-args.sh");
  g_autofree char *glib_fixture =
      g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters", "glib-fixture", NULL);
  g_autofree char *resolved_glib_fixture = NULL;
  ShoalTestCase *test;
  const char *const *argv;

  g_test_summary ("Every .test file below the directories is a test named as the runner names "
                  "it; Exec split with shell quoting runs in the runner's kind of directory; "
                  "Type, Output and TestEnvironment say how");

  g_assert_no_error (error);
  assert_ids (tests, whole_ids);

  test = adapter_test_find_test (tests, "s::more/quoted.test");
  argv = shoal_test_case_get_argv (test);
  g_assert_cmpuint (g_strv_length ((char **) argv), ==, 11);
  g_assert_cmpstr (argv[0], ==, "/bin/sh");
  g_assert_cmpstr (argv[1], ==, "-c");
  g_assert_cmpstr (argv[3], ==, "installed-test");
  g_assert_cmpstr (argv[4], ==, "more_quoted.test");
  assert_strv (argv + 5, (const char *[]){ "env", "FOO=bar", show_args, "two words", "say \"hi\"",
                                           "plain", NULL });
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "session", NULL });
  assert_strv (shoal_test_case_get_environment (test),
               (const char *[]){ "GIO_USE_VFS=local", NULL });
  g_assert_false (shoal_test_case_get_exclusive (test));
  g_assert_null (shoal_test_case_get_note (test));
  g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "installed_tests");

  test = adapter_test_find_test (tests, "s::more/testenv.test");
  assert_strv (shoal_test_case_get_environment (test),
               (const char *[]){ "GIO_USE_VFS=local", "ALPHA=1", "BETA=x;y", NULL });

  test = adapter_test_find_test (tests, "s::exclusive.test");
  g_assert_true (shoal_test_case_get_exclusive (test));
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "session-exclusive", NULL });

  assert_strv (shoal_test_case_get_tags (adapter_test_find_test (tests, "s::more/tap.test")),
               (const char *[]){ "session", "tap", NULL });
  assert_strv (shoal_test_case_get_tags (adapter_test_find_test (tests, "s::more/glib.test")),
               (const char *[]){ "session", "tap", "glib", NULL });
  assert_strv (shoal_test_case_get_tags (adapter_test_find_test (tests, "s::more/glib-nested.test")),
               (const char *[]){ "session", "glib", NULL });

  /* Without expand_glib, a GLib program runs as Exec says. */
  resolved_glib_fixture = g_canonicalize_filename (glib_fixture, NULL);
  argv = shoal_test_case_get_argv (adapter_test_find_test (tests, "s::more/glib.test"));
  g_assert_cmpstr (argv[7], ==, resolved_glib_fixture);
  assert_strv (argv + 5, (const char *[]){ "env", "G_MESSAGES_DEBUG=", argv[7], "--tap", NULL });
}

static void
test_installed_discover_glib_cases (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_null_terminated (32, g_free, TRUE);
  ShoalTestCase *test;
  const char *const *argv;

  g_test_summary ("With expand_glib (the default), a GLib test program behind env is one test "
                  "per GTest path, run alone as the glib adapter runs it; one whose Exec "
                  "selects paths, and scripts, run whole");

  g_assert_no_error (error);
  for (guint i = 0; whole_ids[i] != NULL; i++)
    {
      if (!g_str_equal (whole_ids[i], "s::more/glib.test"))
        {
          g_ptr_array_add (ids, g_strdup (whole_ids[i]));
          continue;
        }
      for (guint j = 0; glib_paths[j] != NULL; j++)
        g_ptr_array_add (ids, g_strconcat (whole_ids[i], glib_paths[j], NULL));
    }
  assert_ids (tests, (const char *const *) ids->pdata);

  test = adapter_test_find_test (tests, "s::more/glib.test/fixture/nested/a");
  g_assert_cmpstr (shoal_test_case_get_name (test), ==, "/fixture/nested/a");
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "session", "tap", "glib", NULL });
  argv = shoal_test_case_get_argv (test);
  g_assert_cmpstr (argv[4], ==, "more_glib.test");
  assert_strv (argv + 8, (const char *[]){ "--tap", "-k", "-p", "/fixture/nested/a", "-s",
                                           "/fixture/nested/a/deep", "--tap", NULL });
  g_assert_cmpstr (argv[5], ==, "env");
  g_assert_cmpstr (argv[6], ==, "G_MESSAGES_DEBUG=");
  assert_strv (shoal_test_case_get_environment (test),
               (const char *[]){ "GIO_USE_VFS=local", NULL });

  g_assert_cmpstr (shoal_test_case_get_note (adapter_test_find_test (tests, "s::more/glib-nested.test")), ==,
                   "ran as a whole: its Exec selects GTest paths (-p)");
  /* pass.sh prints a GTest path for -l: it was never asked. */
  g_assert_null (shoal_test_case_get_note (adapter_test_find_test (tests, "s::pass.test")));
}

static void
test_installed_prefixes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "prefixes: [more/t, p, crash.test]\n", NULL, &error);

  g_test_summary ("prefixes: select tests by the start of their names, as the runner's "
                  "PREFIX arguments do");

  g_assert_no_error (error);
  assert_ids (tests, (const char *[]){ "s::crash.test", "s::more/tap.test",
                                       "s::more/testenv.test", "s::pass.test", NULL });
}

static void
test_installed_run_whole (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "expand_glib: false\n", &adapter, &error);

  g_test_summary ("Without Output=TAP the exit status decides (0, 77, a signal, anything "
                  "else); with it each point is a result; quoting and TestEnvironment reach "
                  "the test, which runs in a fresh test-tmp-* directory with .testtmp");

  g_assert_no_error (error);

  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::pass.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::pass.test", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::fail.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::fail.test", SHOAL_OUTCOME_FAILED, "exited with status 1");
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::skip.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::skip.test", SHOAL_OUTCOME_SKIPPED, "exited with status 77");
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::crash.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::crash.test", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault)");
    g_assert_cmpint (shoal_test_result_get_signal (g_ptr_array_index (results, 0)), ==, SIGSEGV);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::exclusive.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::exclusive.test", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/quoted.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/quoted.test", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/testenv.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/testenv.test", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/tap.test");

    g_assert_cmpuint (results->len, ==, 5);
    assert_result (results, 0, "s::more/tap.test/first", SHOAL_OUTCOME_PASSED, NULL);
    assert_result (results, 1, "s::more/tap.test/second", SHOAL_OUTCOME_FAILED,
                   "the second one is broken");
    assert_result (results, 2, "s::more/tap.test/third", SHOAL_OUTCOME_SKIPPED, "not here");
    assert_result (results, 3, "s::more/tap.test/fourth", SHOAL_OUTCOME_PASSED,
                   "xfail (TODO): not done");
    assert_result (results, 4, "s::more/tap.test/fifth", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    /* A GLib program as a whole, Output=TAP: its points in GLib's style,
     * then the assertion that took it down. */
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib.test");

    g_assert_cmpuint (results->len, ==, 2);
    assert_result (results, 0, "s::more/glib.test/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
    assert_result_message_matches (results, 1, "s::more/glib.test", SHOAL_OUTCOME_FAILED,
                                   "bail out: ERROR:", "(2 == 3)\nabout to compare");
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib-nested.test");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/glib-nested.test", SHOAL_OUTCOME_PASSED, NULL);
  }
}

static void
test_installed_timeout (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "expand_glib: false\n", &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *path = NULL;
  int fd;

  g_test_summary ("A test the core killed at its timeout timed out, TAP or not");

  g_assert_no_error (error);
  fd = g_file_open_tmp ("shoal-adapter-installed-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);

  command = prepare (adapter, tests, (const char *[]){ "s::hang.test", NULL });
  execution = shoal_execution_new (SIGKILL, TRUE, FALSE, 0, 0, 3.0, NULL, 1, path);
  shoal_execution_set_timeout (execution, 3);
  results = shoal_object_array_from_list (
      shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  assert_result (results, 0, "s::hang.test", SHOAL_OUTCOME_TIMEOUT,
                 "timed out after 3 s (killed after 3.0 s)");
  g_clear_pointer (&results, g_ptr_array_unref);
  g_clear_object (&command);

  g_file_set_contents (path, "1..5\nok 1 first\n", -1, &error);
  g_assert_no_error (error);
  command = prepare (adapter, tests, (const char *[]){ "s::more/tap.test", NULL });
  results = shoal_object_array_from_list (
      shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::more/tap.test/first", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::more/tap.test", SHOAL_OUTCOME_TIMEOUT,
                 "planned 5 tests but ran 1; timed out after 3 s (killed after 3.0 s)");
  g_unlink (path);
}

static void
test_installed_run_glib_cases (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("Each GTest case of a .test file's GLib program gets the outcome GLib gave "
                  "it, alone or in a batch of cases of that program");

  g_assert_no_error (error);
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib.test/fixture/pass");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/glib.test/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib.test/fixture/skip");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/glib.test/fixture/skip", SHOAL_OUTCOME_SKIPPED,
                   "not today");
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib.test/fixture/crash");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::more/glib.test/fixture/crash", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault) while running /fixture/crash");
  }
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::more/glib.test/fixture/fail");

    g_assert_cmpuint (results->len, ==, 1);
    assert_result_message_matches (results, 0, "s::more/glib.test/fixture/fail",
                                   SHOAL_OUTCOME_FAILED, "about to compare\nERROR:", "(2 == 3)");
  }
  {
    static const char *const batch[] = { "s::more/glib.test/fixture/slow",
                                         "s::more/glib.test/fixture/nested/a/deep",
                                         "s::more/glib.test/fixture/pass",
                                         "s::more/glib.test/fixture/incomplete", NULL };
    g_autoptr (ShoalRunCommand) command = prepare (adapter, tests, batch);
    GPtrArray *order = shoal_run_command_get_tests (command);
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, NULL);

    /* In GLib's order. */
    g_assert_cmpuint (order->len, ==, 4);
    g_assert_cmpstr (shoal_test_case_get_name (order->pdata[0]), ==, "/fixture/pass");
    g_assert_cmpstr (shoal_test_case_get_name (order->pdata[3]), ==, "/fixture/nested/a/deep");
    g_assert_cmpuint (results->len, ==, 4);
    assert_result (results, 0, "s::more/glib.test/fixture/pass", SHOAL_OUTCOME_PASSED, NULL);
    assert_result (results, 1, "s::more/glib.test/fixture/incomplete", SHOAL_OUTCOME_SKIPPED,
                   "incomplete: not finished");
    assert_result (results, 2, "s::more/glib.test/fixture/slow", SHOAL_OUTCOME_PASSED, NULL);
    assert_result (results, 3, "s::more/glib.test/fixture/nested/a/deep", SHOAL_OUTCOME_PASSED,
                   NULL);
  }
  {
    g_autoptr (GPtrArray) batch = g_ptr_array_new ();
    g_autoptr (ShoalRunCommand) command = NULL;

    g_ptr_array_add (batch, adapter_test_find_test (tests, "s::more/glib.test/fixture/pass"));
    g_ptr_array_add (batch, adapter_test_find_test (tests, "s::pass.test"));
    command = shoal_adapter_prepare (adapter, batch, &error);
    g_assert_null (command);
    g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
    g_assert_cmpstr (error->message, ==,
                     "cannot batch s::pass.test: it is not a case of a GLib test program this "
                     "adapter discovered");
  }
}

/* The files of broken/installed-tests/ and what is said about each, after
 * the file's path (GLib's own words may follow). */
static const struct
{
  const char *name;
  const char *message;
} broken[] = {
  { "bad-quote.test", ":4: Exec: cannot split 'sh -c 'exit 0': Text ended before matching quote" },
  { "bad-type.test", ":4: unknown Type 'desktop' (expected session or session-exclusive)" },
  { "missing-program.test", ":3: Exec: program 'no-such-program-for-shoal' not found in PATH" },
  { "no-exec.test", ": no Exec key in [Test]" },
  { "no-group.test", ": no [Test] group" },
  { "no-type.test", ": no Type key in [Test]" },
  { "not-keyfile.test", ":3: not a key file: " },
  { "sub/bad-env.test", ":4: TestEnvironment: 'JUSTNAME' is not VAR=VALUE" },
};

static void
test_installed_broken_files (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "fixtures", "adapters",
                                                "installed_tests", "broken", "installed-tests",
                                                NULL);
  g_autofree char *yaml =
      g_strdup_printf ("name: s\nadapter: installed_tests\ndirs: ['%s']\n", dir);
  g_autoptr (GPtrArray) tests = discover (yaml, &adapter, &error);

  g_test_summary ("A .test file that cannot be read is a test that errors, saying which file "
                  "and line and why; the other files are tests as usual");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (broken) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *id = g_strconcat ("s::", broken[i].name, NULL);
      g_autofree char *path = g_build_filename (dir, broken[i].name, NULL);
      ShoalTestCase *test = adapter_test_find_test (tests, id);
      const char *note = shoal_test_case_get_note (test);
      g_autoptr (GPtrArray) single = g_ptr_array_new ();
      g_autoptr (ShoalRunCommand) command = NULL;
      g_autoptr (GError) prepare_error = NULL;

      g_autofree char *expected = g_strconcat (path, broken[i].message, NULL);

      g_assert_cmpuint (g_strv_length ((char **) shoal_test_case_get_argv (test)), ==, 0);
      g_assert_nonnull (note);
      if (!g_str_has_prefix (note, expected))
        g_error ("note of %s is '%s', expected '%s...'", id, note, expected);

      g_ptr_array_add (single, test);
      command = shoal_adapter_prepare (adapter, single, &prepare_error);
      g_assert_null (command);
      g_assert_error (prepare_error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
      g_assert_cmpstr (prepare_error->message, ==, note);
    }

  g_assert_null (shoal_test_case_get_note (adapter_test_find_test (tests, "s::good.test")));
  {
    g_autoptr (GPtrArray) results = run_one (adapter, tests, "s::good.test");

    assert_result (results, 0, "s::good.test", SHOAL_OUTCOME_PASSED, NULL);
  }
}

static void
test_installed_default_dirs (void)
{
  g_autofree char *data = g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters",
                                                 "installed_tests", "data", NULL);
  g_autofree char *broken_data = g_test_build_filename (
      G_TEST_DIST, "fixtures", "adapters", "installed_tests", "broken", NULL);
  g_autofree char *data_dirs =
      g_strjoin (":", "/nonexistent-shoal-data", data, broken_data, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;

  g_test_summary ("Without dirs:, each $XDG_DATA_DIRS entry's installed-tests, skipping those "
                  "that have none, as the runner does");

  g_setenv ("XDG_DATA_DIRS", data_dirs, TRUE);
  tests = discover ("name: s\nadapter: installed_tests\nexpand_glib: false\n"
                    "prefixes: [more/q, more/glib-, g]\n",
                    NULL, &error);
  g_unsetenv ("XDG_DATA_DIRS");

  g_assert_no_error (error);
  /* Sorted within each directory, directories in order. */
  assert_ids (tests, (const char *[]){ "s::more/glib-nested.test", "s::more/quoted.test",
                                       "s::good.test", NULL });
}

static void
test_installed_same_name_twice (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *first = g_dir_make_tmp ("shoal-installed-first-XXXXXX", &error);
  g_autofree char *shadowing = g_build_filename (first, "pass.test", NULL);
  g_autofree char *yaml = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  ShoalTestCase *test;

  g_test_summary ("A name found in two directories is the first one's test");

  g_assert_no_error (error);
  g_file_set_contents (shadowing, "[Test]\nType=session\nExec=false\n", -1, &error);
  g_assert_no_error (error);
  yaml = g_strdup_printf ("name: s\nadapter: installed_tests\nprefixes: [pass, skip]\n"
                          "dirs: ['%s', data/installed-tests]\n",
                          first);
  tests = discover (yaml, NULL, &error);
  g_unlink (shadowing);
  g_rmdir (first);

  g_assert_no_error (error);
  assert_ids (tests, (const char *[]){ "s::pass.test", "s::skip.test", NULL });
  test = adapter_test_find_test (tests, "s::pass.test");
  g_assert_cmpstr (shoal_test_case_get_argv (test)[5], ==, "false");
}

static char *
batch_key_of (ShoalAdapter *adapter, GPtrArray *tests, const char *id)
{
  return shoal_adapter_get_batch_key (adapter, adapter_test_find_test (tests, id));
}

/* The `.test` file of a case: its id up to and with `.test`. */
static char *
file_of (const char *id)
{
  return g_strndup (id, strstr (id, ".test") - id + strlen (".test"));
}

static void
test_installed_batch_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-installed-batch-XXXXXX", &error);
  g_autofree char *run_dir = g_build_filename (dir, "run", NULL);
  g_autofree char *glib_fixture =
      g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters", "glib-fixture", NULL);
  g_autofree char *pass_script = source_fixture ("pass.sh");
  g_autofree char *program_test = NULL;
  g_autofree char *script_test = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *key_a = NULL;
  g_autofree char *key_a_other = NULL;
  g_autofree char *key_b = NULL;
  g_autofree char *key_script = NULL;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalScheduler) scheduler = shoal_scheduler_new (1);
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GHashTable) file_of_log = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const char *rm[] = { "rm", "-rf", dir, NULL };
  const char *names[] = { "a.test", "b.test" };
  ShoalTestCase *a_pass, *b_pass;
  GPtrArray *results;
  gboolean shared = FALSE;

  g_test_summary ("The cases of one .test file may share a process, those of two files never "
                  "do, though both start /bin/sh with the same environment; a whole test "
                  "runs alone");

  g_assert_no_error (error);
  program_test = g_strdup_printf ("[Test]\nType=session\nExec=%s --tap\nOutput=TAP\n",
                                  glib_fixture);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_file_set_contents (path, program_test, -1, &error);
      g_assert_no_error (error);
    }
  script_test = g_build_filename (dir, "script.test", NULL);
  {
    g_autofree char *contents =
        g_strdup_printf ("[Test]\nType=session\nExec=%s\n", pass_script);

    g_file_set_contents (script_test, contents, -1, &error);
    g_assert_no_error (error);
  }
  yaml = g_strdup_printf ("name: s\nadapter: installed_tests\ndirs: ['%s']\n", dir);
  tests = discover (yaml, &adapter, &error);
  g_assert_no_error (error);

  /* What the core used to key on cannot tell the files apart. */
  a_pass = adapter_test_find_test (tests, "s::a.test/fixture/pass");
  b_pass = adapter_test_find_test (tests, "s::b.test/fixture/pass");
  g_assert_cmpstr (shoal_test_case_get_argv (a_pass)[0], ==, shoal_test_case_get_argv (b_pass)[0]);
  assert_strv (shoal_test_case_get_environment (a_pass), shoal_test_case_get_environment (b_pass));

  key_a = batch_key_of (adapter, tests, "s::a.test/fixture/pass");
  key_a_other = batch_key_of (adapter, tests, "s::a.test/fixture/slow");
  key_b = batch_key_of (adapter, tests, "s::b.test/fixture/pass");
  key_script = batch_key_of (adapter, tests, "s::script.test");
  g_assert_nonnull (key_a);
  g_assert_cmpstr (key_a, ==, key_a_other);
  g_assert_cmpstr (key_a, !=, key_b);
  g_assert_null (key_script);

  /* Run: cases of one file do share processes (one output file), and no
   * process holds two files' cases. */
  strategy = shoal_plugin_registry_create_strategy (registry, "fifo", &error);
  g_assert_no_error (error);
  shoal_scheduler_set_strategy (scheduler, strategy);
  shoal_scheduler_set_run_dir (scheduler, run_dir);
  for (guint i = 0; i < tests->len; i++)
    {
      g_assert_true (shoal_scheduler_add_test (scheduler, tests->pdata[i], adapter, &error));
      g_assert_no_error (error);
    }
  summary = shoal_scheduler_run (scheduler, NULL, &error);
  g_assert_no_error (error);
  results = shoal_run_summary_get_results (summary);
  g_assert_cmpuint (results->len, ==, tests->len);
  for (guint i = 0; i < results->len; i++)
    {
      const char *id = shoal_test_result_get_test_id (results->pdata[i]);
      const char *log = shoal_test_result_get_output_path (results->pdata[i]);
      g_autofree char *file = file_of (id);
      const char *other = g_hash_table_lookup (file_of_log, log);

      g_assert_nonnull (log);
      if (other != NULL)
        {
          g_assert_cmpstr (other, ==, file);
          shared = TRUE;
        }
      else
        g_hash_table_insert (file_of_log, (gpointer) log, g_steal_pointer (&file));
    }
  g_assert_true (shared);

  g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
}

static void
test_installed_errors (void)
{
  g_autofree char *filename = fixture_config ();
  g_autofree char *dir = fixture_dir ();
  static const struct
  {
    const char *yaml;
    const char *message; /* after the file name; %s is the fixture dir */
  } cases[] = {
    { "name: s\nadapter: installed_tests\ndirs: [nowhere]\n",
      ":3:1: dirs: directory %s/nowhere not found" },
    { "name: s\nadapter: installed_tests\ndirs: []\n",
      ":3:7: dirs: must not be empty (leave it out for the installed-tests of $XDG_DATA_DIRS)" },
    { "name: s\nadapter: installed_tests\ndirs: [data]\nexpand_glib: maybe\n", NULL },
    { "name: s\nadapter: installed_tests\ndir: [data]\n", NULL },
  };

  g_test_summary ("A directory that is not there, and bad settings, are clear errors naming "
                  "where they are written");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = discover (cases[i].yaml, NULL, &error);

      g_assert_null (tests);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, filename));
      if (cases[i].message != NULL)
        {
          g_autofree char *tail = g_strdup_printf (cases[i].message, dir);
          g_autofree char *expected = g_strconcat (filename, tail, NULL);

          g_assert_cmpstr (error->message, ==, expected);
        }
    }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);

  g_test_add_func ("/shoal/adapter/installed_tests/discover-whole", test_installed_discover_whole);
  g_test_add_func ("/shoal/adapter/installed_tests/discover-glib-cases",
                   test_installed_discover_glib_cases);
  g_test_add_func ("/shoal/adapter/installed_tests/prefixes", test_installed_prefixes);
  g_test_add_func ("/shoal/adapter/installed_tests/run-whole", test_installed_run_whole);
  g_test_add_func ("/shoal/adapter/installed_tests/timeout", test_installed_timeout);
  g_test_add_func ("/shoal/adapter/installed_tests/run-glib-cases", test_installed_run_glib_cases);
  g_test_add_func ("/shoal/adapter/installed_tests/broken-files", test_installed_broken_files);
  g_test_add_func ("/shoal/adapter/installed_tests/default-dirs", test_installed_default_dirs);
  g_test_add_func ("/shoal/adapter/installed_tests/same-name-twice",
                   test_installed_same_name_twice);
  g_test_add_func ("/shoal/adapter/installed_tests/batch-key", test_installed_batch_key);
  g_test_add_func ("/shoal/adapter/installed_tests/errors", test_installed_errors);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
