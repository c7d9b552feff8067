/* test-adapter-googletest.c: the googletest adapter, loaded as a plugin,
 * against a real GoogleTest program
 * (tests/fixtures/adapters/googletest/gtest-fixture.cc), its results
 * checked against what the program itself reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <shoal.h>

#include "adapter-test-helpers.h"
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static ShoalPluginRegistry *registry;

#define assert_strv adapter_test_assert_strv
#define assert_result adapter_test_assert_result

/* How long the hanging case may run before the test kills it. */
#define HANG_TIMEOUT 1.0

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_BUILT, "fixtures", "adapters", "googletest", NULL);
}

static char *
fixture_program (void)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, "gtest-fixture", NULL);
}

/* The fixture is built only where meson found a C++ compiler and
 * GoogleTest. */
static gboolean
skip_without_fixture (void)
{
  g_autofree char *program = fixture_program ();

  if (g_file_test (program, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  g_test_skip ("the GoogleTest fixture was not built: meson found no C++ compiler or no "
               "GoogleTest (Debian: g++ and libgtest-dev)");
  return TRUE;
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);

  return adapter_test_discover_suite (registry, "googletest", yaml, filename, out_adapter, error);
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

/* Where @command tells GoogleTest to write its report: the last
 * argument is --gtest_output=FORMAT:PATH. */
static const char *
report_path_of (ShoalRunCommand *command)
{
  const char *const *argv = shoal_run_command_get_argv (command);
  const char *flag = argv[g_strv_length ((char **) argv) - 1];
  const char *colon = strchr (flag, ':');

  g_assert_true (g_str_has_prefix (flag, "--gtest_output="));
  g_assert_nonnull (colon);
  return colon + 1;
}

static void
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
}

static gboolean
fire_timeout (gpointer user_data)
{
  on_timeout (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_waited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

/* Runs @command the way the core would (argv, cwd, environment, output and
 * error in one file), killing it after @timeout seconds if it is not done
 * (0: never), and interprets it: tests may spawn, adapters may not. */
static GPtrArray *
run_and_interpret (ShoalAdapter *adapter, ShoalRunCommand *command, double timeout)
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
  gboolean timed_out = FALSE;
  gboolean done = FALSE;
  guint timeout_id = 0;
  GPtrArray *results;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-googletest-XXXXXX", &path, &error);
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

  g_subprocess_wait_async (process, NULL, on_waited, &done);
  if (timeout > 0)
    timeout_id = g_timeout_add ((guint) (timeout * 1000), fire_timeout, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    {
      g_subprocess_force_exit (process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
    }
  else if (timeout_id != 0)
    g_source_remove (timeout_id);

  execution = shoal_execution_new (g_subprocess_get_status (process), timed_out, FALSE, start,
                                   g_get_real_time (), (g_get_monotonic_time () - monotonic) / 1e6,
                                   "worker-1", 1, path);
  if (timed_out)
    shoal_execution_set_timeout (execution, timeout);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
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

static void
assert_outcome (ShoalTestResult *result, const char *test_id, ShoalOutcome outcome)
{
  g_assert_cmpstr (shoal_test_result_get_test_id (result), ==, test_id);
  g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                   shoal_outcome_to_string (outcome));
}

/* What the program says natively: it runs every case but the crashing
 * and the hanging ones and writes its own JSON report. */
typedef struct
{
  GHashTable *outcomes; /* Suite.Case -> ShoalOutcome, as GoogleTest counts it */
  GPtrArray *order;     /* Suite.Case, as the report lists them */
  guint tests;
  guint failures;
  guint disabled;
  guint skipped; /* GTEST_SKIP() */
  guint passed;
} Native;

static void
native_clear (Native *native)
{
  g_clear_pointer (&native->outcomes, g_hash_table_unref);
  g_clear_pointer (&native->order, g_ptr_array_unref);
}

static void
run_natively (Native *native, const char *const *extra_args)
{
  g_autofree char *program = fixture_program ();
  g_autofree char *dir = g_dir_make_tmp ("shoal-native-XXXXXX", NULL);
  g_autofree char *report = g_build_filename (dir, "native.json", NULL);
  g_autofree char *flag = g_strconcat ("--gtest_output=json:", report, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, NULL, TRUE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *root;
  JsonArray *suites;

  g_ptr_array_add (argv, program);
  g_ptr_array_add (argv, "--gtest_filter=-Trouble.Crash:Trouble.Hang");
  g_ptr_array_add (argv, flag);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  /* Some cases fail: GoogleTest exits with 1. */
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);

  json_parser_load_from_file (parser, report, &error);
  g_assert_no_error (error);
  g_unlink (report);
  g_rmdir (dir);

  native->outcomes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  native->order = g_ptr_array_new_with_free_func (g_free);
  native->passed = native->skipped = 0;
  root = json_node_get_object (json_parser_get_root (parser));
  native->tests = json_object_get_int_member (root, "tests");
  native->failures = json_object_get_int_member (root, "failures");
  native->disabled = json_object_get_int_member (root, "disabled");
  suites = json_object_get_array_member (root, "testsuites");
  for (guint i = 0; i < json_array_get_length (suites); i++)
    {
      JsonObject *suite = json_array_get_object_element (suites, i);
      JsonArray *cases = json_object_get_array_member (suite, "testsuite");

      for (guint j = 0; j < json_array_get_length (cases); j++)
        {
          JsonObject *gcase = json_array_get_object_element (cases, j);
          char *name = g_strconcat (json_object_get_string_member (suite, "name"), ".",
                                    json_object_get_string_member (gcase, "name"), NULL);
          ShoalOutcome outcome = SHOAL_OUTCOME_PASSED;

          if (g_str_equal (json_object_get_string_member (gcase, "status"), "NOTRUN"))
            outcome = SHOAL_OUTCOME_SKIPPED;
          else if (json_object_has_member (gcase, "failures"))
            outcome = SHOAL_OUTCOME_FAILED;
          else if (g_str_equal (json_object_get_string_member (gcase, "result"), "SKIPPED"))
            {
              outcome = SHOAL_OUTCOME_SKIPPED;
              native->skipped++;
            }
          else
            native->passed++;
          g_ptr_array_add (native->order, g_strdup (name));
          g_hash_table_insert (native->outcomes, name, GINT_TO_POINTER (outcome));
        }
    }
}

#define FIXTURE_SUITE "name: s\nadapter: googletest\nprogram: gtest-fixture\n"

/* The two report formats (`output:`): the tests that run the fixture run
 * once with each and expect the same. The reports are what GoogleTest
 * 1.12 writes, cut down. */
typedef struct
{
  const char *name;
  const char *late_report;     /* Basic.Pass passed, Basic.Skip skipped */
  const char *vanished_report; /* no case at all */
  const char *cut_report;      /* cut short inside Basic.Pass */
  const char *cut_problem;     /* what reading it says, after the file's name */
} Format;

static const Format formats[] = {
  {
      "json",
      "{\"testsuites\": [{\"name\": \"Basic\", \"testsuite\": ["
      "{\"name\": \"Pass\", \"status\": \"RUN\", \"result\": \"COMPLETED\", "
      "\"time\": \"0.25s\"},"
      "{\"name\": \"Skip\", \"status\": \"RUN\", \"result\": \"SKIPPED\", "
      "\"time\": \"0s\"}]}]}",
      "{\"tests\": 0, \"testsuites\": []}",
      "{\"testsuites\": [{\"name\": \"Basic\", \"testsuite\": [\n"
      "{\"name\": \"Pass\", \"status\": \"RUN\", \"res",
      ":2:33: Parse error: unexpected character `,', expected string constant",
  },
  {
      "xml",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites tests=\"2\" name=\"AllTests\">\n"
      "  <testsuite name=\"Basic\" tests=\"2\">\n"
      "    <testcase name=\"Pass\" status=\"run\" result=\"completed\" time=\"0.25\" "
      "classname=\"Basic\" />\n"
      "    <testcase name=\"Skip\" status=\"run\" result=\"skipped\" time=\"0\" "
      "classname=\"Basic\">\n"
      "      <skipped message=\"f.cc:8&#x0A;not today\"><![CDATA[f.cc:8\nnot today]]></skipped>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites tests=\"0\" name=\"AllTests\">\n</testsuites>\n",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites tests=\"2\" name=\"AllTests\">\n"
      "  <testsuite name=\"Basic\" tests=\"2\">\n"
      "    <testcase name=\"Pass\" status=\"run\" res",
      ": Error on line 4 char 44: Document ended unexpectedly inside an attribute name",
  },
};

/* Discovers the fixture's suite with `output:` @format and @extra
 * settings. */
static GPtrArray *
discover_fixture (const Format *format,
                  const char *extra,
                  ShoalAdapter **out_adapter,
                  GError **error)
{
  g_autofree char *yaml =
      g_strconcat (FIXTURE_SUITE "output: ", format->name, "\n", extra, NULL);

  return discover (yaml, out_adapter, error);
}

/* The listing, in GoogleTest's order. */
static const char *const fixture_names[] = {
  "Basic.Pass",
  "Basic.Fail",
  "Basic.Skip",
  "Basic.DISABLED_Off",
  "DISABLED_Parked.Whole",
  "Trouble.Crash",
  "Trouble.Hang",
  "Trouble.After",
  "Zero/0.IsDefault",
  "Zero/1.IsDefault",
  "Numbers/Parity.Odd/0",
  "Numbers/Parity.Odd/1",
  "Numbers/Parity.Odd/2",
};

static void
test_googletest_discover (void)
{
  g_autofree char *program = fixture_program ();
  g_autofree char *dir = fixture_dir ();
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  Native native = { 0 };
  guint listed_natively = 0;

  g_test_summary ("--gtest_list_tests gives one test per case, parameterised and typed ones "
                  "included, `<suite>::Suite.Case`, the same names GoogleTest reports; "
                  "disabled cases are tagged");

  if (skip_without_fixture ())
    return;

  tests = discover (FIXTURE_SUITE "args: [--gtest_death_test_style=threadsafe]\n"
                                  "env: {A: b}\ntimeout: 9\n",
                    &adapter, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_adapter_can_batch (adapter));
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_names));
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autofree char *id = g_strconcat ("s::", fixture_names[i], NULL);
      gboolean disabled = strstr (fixture_names[i], "DISABLED_") != NULL;

      g_assert_cmpstr (shoal_test_case_get_id (test), ==, id);
      g_assert_cmpstr (shoal_test_case_get_name (test), ==, fixture_names[i]);
      g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "googletest");
      g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
      assert_strv (shoal_test_case_get_environment (test), (const char *[]){ "A=b", NULL });
      g_assert_cmpfloat (shoal_test_case_get_timeout (test), ==, 9.0);
      g_assert_cmpint (shoal_test_case_has_tag (test, "disabled"), ==, disabled);
    }
  assert_strv (shoal_test_case_get_argv (adapter_test_find_test (tests, "s::Numbers/Parity.Odd/1")),
               (const char *[]){ program, "--gtest_death_test_style=threadsafe",
                                 "--gtest_filter=Numbers/Parity.Odd/1", "--gtest_color=no",
                                 NULL });
  /* Without `output:`, the report is JSON. */
  command = prepare (adapter, tests, (const char *[]){ "s::Basic.Pass", NULL });
  g_assert_true (g_str_has_suffix (report_path_of (command), "/report.json"));
  g_assert_true (
      g_str_has_prefix (shoal_run_command_get_argv (command)[4], "--gtest_output=json:"));

  /* The program's own report names the same cases (it was told not to
   * run the crashing and the hanging one). */
  run_natively (&native, NULL);
  for (guint i = 0; i < tests->len; i++)
    {
      const char *name = shoal_test_case_get_name (g_ptr_array_index (tests, i));

      if (g_str_equal (name, "Trouble.Crash") || g_str_equal (name, "Trouble.Hang"))
        g_assert_false (g_hash_table_contains (native.outcomes, name));
      else
        {
          g_assert_true (g_hash_table_contains (native.outcomes, name));
          listed_natively++;
        }
    }
  g_assert_cmpuint (listed_natively, ==, native.order->len);
  g_assert_cmpuint (native.tests, ==, tests->len - 2);
  native_clear (&native);
}

static void
test_googletest_run_each_case (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  Native native = { 0 };
  guint counts[SHOAL_OUTCOME_ERROR + 1] = { 0 };

  g_test_summary ("Each case run alone gets the outcome the program itself reports for it, "
                  "with GoogleTest's message; the crash and the hang get the blame with their "
                  "output");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);
  run_natively (&native, NULL);

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      const char *name = shoal_test_case_get_name (test);
      const char *ids[] = { shoal_test_case_get_id (test), NULL };
      g_autoptr (ShoalRunCommand) command = prepare (adapter, tests, ids);
      gboolean hangs = g_str_equal (name, "Trouble.Hang");
      g_autoptr (GPtrArray) results =
          run_and_interpret (adapter, command, hangs ? HANG_TIMEOUT : 0);
      ShoalTestResult *result;
      ShoalOutcome outcome;

      g_assert_cmpuint (results->len, ==, 1);
      result = g_ptr_array_index (results, 0);
      g_assert_cmpstr (shoal_test_result_get_test_id (result), ==, ids[0]);
      outcome = shoal_test_result_get_outcome (result);
      counts[outcome]++;

      if (g_str_equal (name, "Trouble.Crash"))
        {
          assert_outcome (result, ids[0], SHOAL_OUTCOME_CRASHED);
          assert_message_matches (
              result, "killed by signal 11 (Segmentation fault) while running Trouble.Crash",
              "\ncrashing now");
          g_assert_cmpint (shoal_test_result_get_signal (result), ==, SIGSEGV);
        }
      else if (hangs)
        {
          assert_outcome (result, ids[0], SHOAL_OUTCOME_TIMEOUT);
          assert_message_matches (result, "timed out after 1 s (killed after ",
                                  " s) while running Trouble.Hang\nwaiting forever");
        }
      else
        g_assert_cmpstr (
            shoal_outcome_to_string (outcome), ==,
            shoal_outcome_to_string (GPOINTER_TO_INT (g_hash_table_lookup (native.outcomes, name))));
    }

  /* The same counts as GoogleTest's: passed, failed, skipped (GTEST_SKIP
   * and disabled cases), plus the two it was not asked to run. */
  g_assert_cmpuint (counts[SHOAL_OUTCOME_PASSED], ==, native.passed);
  g_assert_cmpuint (counts[SHOAL_OUTCOME_FAILED], ==, native.failures);
  g_assert_cmpuint (counts[SHOAL_OUTCOME_SKIPPED], ==, native.skipped + native.disabled);
  g_assert_cmpuint (counts[SHOAL_OUTCOME_CRASHED], ==, 1);
  g_assert_cmpuint (counts[SHOAL_OUTCOME_TIMEOUT], ==, 1);
  g_assert_cmpuint (counts[SHOAL_OUTCOME_ERROR], ==, 0);
  /* And what the fixture was written to give. */
  g_assert_cmpuint (native.passed, ==, 6);
  g_assert_cmpuint (native.failures, ==, 2);
  g_assert_cmpuint (native.skipped, ==, 1);
  g_assert_cmpuint (native.disabled, ==, 2);
  native_clear (&native);
}

static void
test_googletest_messages (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;

  g_test_summary ("Failures carry GoogleTest's failure text, skips their GTEST_SKIP() "
                  "message, disabled cases the reason they did not run");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);

  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::Basic.Fail", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, 0);

    assert_outcome (g_ptr_array_index (results, 0), "s::Basic.Fail", SHOAL_OUTCOME_FAILED);
    assert_message_matches (g_ptr_array_index (results, 0), "",
                            "gtest-fixture.cc:24\nExpected equality of these values:\n  1 + 1\n    Which is: 2\n"
                            "  3\narithmetic");
  }
  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::Basic.Skip", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, 0);

    assert_result (results, 0, "s::Basic.Skip", SHOAL_OUTCOME_SKIPPED, "not today");
  }
  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::DISABLED_Parked.Whole", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command, 0);

    assert_result (results, 0, "s::DISABLED_Parked.Whole", SHOAL_OUTCOME_SKIPPED,
                   "disabled (DISABLED_ prefix): GoogleTest runs it only with "
                   "--gtest_also_run_disabled_tests");
  }
}

static void
test_googletest_batch (gconstpointer data)
{
  const Format *format = data;
  g_autofree char *program = fixture_program ();
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GString) filter = g_string_new ("--gtest_filter=");
  g_autofree char *output_flag = g_strdup_printf ("--gtest_output=%s:", format->name);
  g_autofree char *report_name = g_strdup_printf ("/report.%s", format->name);
  const char *const *argv;
  Native native = { 0 };
  guint n_args;

  g_test_summary ("All the cases that do not crash or hang, run as one batch: one filter in "
                  "GoogleTest's order, results equal to the program's own, durations its own");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);
  run_natively (&native, NULL);

  /* Backwards, to show the batch runs in the program's order. */
  for (guint i = tests->len; i > 0; i--)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i - 1);

      if (g_hash_table_contains (native.outcomes, shoal_test_case_get_name (test)))
        g_ptr_array_add (batch, test);
    }
  command = shoal_adapter_prepare (adapter, batch, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < native.order->len; i++)
    g_string_append_printf (filter, "%s%s", i > 0 ? ":" : "",
                            (char *) g_ptr_array_index (native.order, i));
  argv = shoal_run_command_get_argv (command);
  n_args = g_strv_length ((char **) argv);
  g_assert_cmpuint (n_args, ==, 4);
  g_assert_cmpstr (argv[0], ==, program);
  g_assert_cmpstr (argv[1], ==, filter->str);
  g_assert_cmpstr (argv[2], ==, "--gtest_color=no");
  g_assert_true (g_str_has_prefix (argv[3], output_flag));
  g_assert_true (g_str_has_suffix (argv[3], report_name));

  results = run_and_interpret (adapter, command, 0);
  g_assert_cmpuint (results->len, ==, native.order->len);
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      const char *name = g_ptr_array_index (native.order, i);
      g_autofree char *id = g_strconcat ("s::", name, NULL);

      assert_outcome (result, id,
                      GPOINTER_TO_INT (g_hash_table_lookup (native.outcomes, name)));
      /* GoogleTest times each case in milliseconds: these take none. */
      g_assert_cmpfloat (shoal_test_result_get_duration (result), <, 0.5);
    }
  assert_result (results, 2, "s::Basic.Skip", SHOAL_OUTCOME_SKIPPED, "not today");
  native_clear (&native);
}

static void
test_googletest_batch_crash (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("A case that crashes a batch gets the blame; the cases before it keep "
                  "their results, read from the output, and those after it get none (they did not run)");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);
  command = prepare (adapter, tests,
                     (const char *[]){ "s::Numbers/Parity.Odd/1", "s::Trouble.After",
                                       "s::Trouble.Crash", "s::Basic.Skip", "s::Basic.Fail",
                                       "s::Basic.Pass", NULL });
  results = run_and_interpret (adapter, command, 0);
  g_assert_cmpuint (results->len, ==, 4); /* the two after the crash did not run */
  assert_result (results, 0, "s::Basic.Pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_outcome (g_ptr_array_index (results, 1), "s::Basic.Fail", SHOAL_OUTCOME_FAILED);
  assert_message_matches (g_ptr_array_index (results, 1), "about to compare\n",
                          "gtest-fixture.cc:24: Failure\nExpected equality of these values:\n  1 + 1\n"
                          "    Which is: 2\n  3\narithmetic");
  assert_result (results, 2, "s::Basic.Skip", SHOAL_OUTCOME_SKIPPED, "not today");
  assert_result (results, 3, "s::Trouble.Crash", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 11 (Segmentation fault) while running Trouble.Crash\n"
                 "crashing now");
}

static void
test_googletest_batch_timeout (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("A case that hangs a batch times out; the cases after it get no result");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);
  command = prepare (adapter, tests,
                     (const char *[]){ "s::Trouble.After", "s::Trouble.Hang",
                                       "s::Zero/1.IsDefault", "s::Basic.Pass", NULL });
  results = run_and_interpret (adapter, command, HANG_TIMEOUT);
  g_assert_cmpuint (results->len, ==, 2); /* the two after the hang did not run */
  assert_result (results, 0, "s::Basic.Pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_outcome (g_ptr_array_index (results, 1), "s::Trouble.Hang", SHOAL_OUTCOME_TIMEOUT);
  assert_message_matches (g_ptr_array_index (results, 1), "timed out after 1 s (killed after ",
                          " s) while running Trouble.Hang\nwaiting forever");
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (results, 1)), >=,
                     HANG_TIMEOUT - 0.1);
}

static void
test_googletest_run_disabled (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  Native native = { 0 };

  g_test_summary ("With --gtest_also_run_disabled_tests in args, disabled cases are ordinary "
                  "ones, as GoogleTest runs them");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, "args: [--gtest_also_run_disabled_tests]\n", &adapter, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_test_case_has_tag (adapter_test_find_test (tests, "s::Basic.DISABLED_Off"), "disabled"));
  run_natively (&native, (const char *[]){ "--gtest_also_run_disabled_tests", NULL });
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (native.outcomes, "Basic.DISABLED_Off")),
                   ==, SHOAL_OUTCOME_FAILED);

  command = prepare (adapter, tests,
                     (const char *[]){ "s::Basic.DISABLED_Off", "s::DISABLED_Parked.Whole", NULL });
  results = run_and_interpret (adapter, command, 0);
  g_assert_cmpuint (results->len, ==, 2);
  assert_outcome (g_ptr_array_index (results, 0), "s::Basic.DISABLED_Off", SHOAL_OUTCOME_FAILED);
  assert_message_matches (g_ptr_array_index (results, 0), "",
                          "gtest-fixture.cc:34\nFailed\na disabled case ran");
  assert_outcome (g_ptr_array_index (results, 1), "s::DISABLED_Parked.Whole",
                  SHOAL_OUTCOME_FAILED);
  native_clear (&native);
}

static void
test_googletest_programs (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("With `programs:` the ids start with the program's path, as several "
                  "programs may have cases of the same name");

  if (skip_without_fixture ())
    return;

  tests = discover ("name: s\nadapter: googletest\nprograms: ['gtest-*']\n", &adapter, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_names));
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==,
                   "s::gtest-fixture/Basic.Pass");
  g_assert_cmpstr (shoal_test_case_get_name (g_ptr_array_index (tests, 0)), ==, "Basic.Pass");

  command = prepare (adapter, tests,
                     (const char *[]){ "s::gtest-fixture/Basic.Pass",
                                       "s::gtest-fixture/Numbers/Parity.Odd/1", NULL });
  results = run_and_interpret (adapter, command, 0);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::gtest-fixture/Basic.Pass", SHOAL_OUTCOME_PASSED, NULL);
  assert_outcome (g_ptr_array_index (results, 1), "s::gtest-fixture/Numbers/Parity.Odd/1",
                  SHOAL_OUTCOME_FAILED);
}

static void
test_googletest_batch_errors (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (ShoalAdapter) other = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GPtrArray) twice = g_ptr_array_new ();
  g_autoptr (ShoalRunCommand) refused = NULL;
  g_autofree char *key = NULL;
  g_autofree char *other_key = NULL;

  g_test_summary ("A batch holds cases this adapter discovered, each once; the batch key the "
                  "core groups on is their program, none for a test it did not discover");

  if (skip_without_fixture ())
    return;

  tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_assert_no_error (error);
  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::Basic.Pass"));
  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::Basic.Pass"));
  refused = shoal_adapter_prepare (adapter, twice, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
  g_assert_cmpstr (error->message, ==, "test s::Basic.Pass is twice in the batch");
  g_clear_error (&error);

  other = adapter_test_new_adapter (registry, "googletest");
  refused = shoal_adapter_prepare (other, twice, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
  g_assert_cmpstr (error->message, ==,
                   "cannot batch s::Basic.Pass: this adapter did not discover it");

  key = shoal_adapter_get_batch_key (adapter, twice->pdata[0]);
  other_key = shoal_adapter_get_batch_key (
      adapter, adapter_test_find_test (tests, "s::Numbers/Parity.Odd/1"));
  g_assert_cmpstr (key, ==, shoal_test_case_get_argv (twice->pdata[0])[0]);
  g_assert_cmpstr (other_key, ==, key);
  g_assert_null (shoal_adapter_get_batch_key (other, twice->pdata[0]));
}

/* Interprets @command as if its program had printed @output, written
 * @report (when not %NULL) where it was told to, and ended with
 * @wait_status. */
static GPtrArray *
interpret_text (ShoalAdapter *adapter,
                ShoalRunCommand *command,
                int wait_status,
                const char *output,
                const char *report)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalExecution) execution = NULL;
  g_autofree char *path = NULL;
  GPtrArray *results;
  int fd;

  if (report != NULL)
    {
      g_file_set_contents (report_path_of (command), report, -1, &error);
      g_assert_no_error (error);
    }
  fd = g_file_open_tmp ("shoal-adapter-googletest-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, output, -1, &error);
  g_assert_no_error (error);
  execution = shoal_execution_new (wait_status, FALSE, FALSE, 0, 0, 0.5, NULL, 1, path);
  results = shoal_object_array_from_list (shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_unlink (path);
  return results;
}

static void
test_googletest_interpret_endings (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) early = NULL;
  g_autoptr (ShoalRunCommand) late = NULL;
  g_autoptr (ShoalRunCommand) disabled = NULL;
  g_autoptr (ShoalRunCommand) vanished = NULL;
  g_autoptr (GPtrArray) early_results = NULL;
  g_autoptr (GPtrArray) late_results = NULL;
  g_autoptr (GPtrArray) disabled_results = NULL;
  g_autoptr (GPtrArray) vanished_results = NULL;

  g_test_summary ("A program that dies before any case starts takes them all down with it; "
                  "one that dies after its report blames the cases that passed; without a "
                  "report a disabled case is still skipped and a case never mentioned is an "
                  "error");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);

  early = prepare (adapter, tests, (const char *[]){ "s::Basic.Pass", "s::Basic.Fail", NULL });
  early_results = interpret_text (adapter, early, W_EXITCODE (0, SIGABRT),
                                  "Running main() from gtest_main.cc\n"
                                  "[==========] Running 2 tests from 1 test suite.\n"
                                  "[----------] Global test environment set-up.\n",
                                  NULL);
  g_assert_cmpuint (early_results->len, ==, 2);
  assert_result (early_results, 0, "s::Basic.Pass", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 6 (Aborted) before Basic.Pass started");
  assert_result (early_results, 1, "s::Basic.Fail", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 6 (Aborted) before Basic.Fail started");

  late = prepare (adapter, tests, (const char *[]){ "s::Basic.Pass", "s::Basic.Skip", NULL });
  late_results = interpret_text (
      adapter, late, W_EXITCODE (0, SIGSEGV),
      "[ RUN      ] Basic.Pass\n[       OK ] Basic.Pass (2 ms)\n"
      "[ RUN      ] Basic.Skip\nf.cc:8: Skipped\nnot today\n[  SKIPPED ] Basic.Skip (0 ms)\n",
      format->late_report);
  g_assert_cmpuint (late_results->len, ==, 2);
  assert_result (late_results, 0, "s::Basic.Pass", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 11 (Segmentation fault) after the test passed");
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (late_results, 0)), ==,
                     0.25);
  assert_result (late_results, 1, "s::Basic.Skip", SHOAL_OUTCOME_SKIPPED, "not today");

  disabled = prepare (adapter, tests, (const char *[]){ "s::Basic.DISABLED_Off", NULL });
  disabled_results = interpret_text (adapter, disabled, W_EXITCODE (0, 0),
                                     "[==========] Running 0 tests from 0 test suites.\n"
                                     "[  PASSED  ] 0 tests.\n",
                                     NULL);
  assert_result (disabled_results, 0, "s::Basic.DISABLED_Off", SHOAL_OUTCOME_SKIPPED,
                 "disabled (DISABLED_ prefix): GoogleTest runs it only with "
                 "--gtest_also_run_disabled_tests");

  vanished = prepare (adapter, tests, (const char *[]){ "s::Basic.Pass", NULL });
  vanished_results = interpret_text (adapter, vanished, W_EXITCODE (0, 0),
                                     "[==========] Running 0 tests from 0 test suites.\n"
                                     "[  PASSED  ] 0 tests.\n",
                                     format->vanished_report);
  assert_result (vanished_results, 0, "s::Basic.Pass", SHOAL_OUTCOME_ERROR,
                 "GoogleTest reported no result for Basic.Pass (is it still in the program?)");
}

static void
test_googletest_unreadable_report (gconstpointer data)
{
  const Format *format = data;
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *expected = NULL;

  g_test_summary ("A report cut short is no report: the cases the output settles keep their "
                  "results, the others are errors naming the file and where reading it "
                  "stopped; when the program was killed, the signal is on them all");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (format, NULL, &adapter, &error);
  g_assert_no_error (error);
  command = prepare (adapter, tests, (const char *[]){ "s::Basic.Pass", "s::Basic.Fail", NULL });
  expected = g_strconcat ("no result for Basic.Fail: cannot read GoogleTest's report: ",
                          report_path_of (command), format->cut_problem, NULL);
  results = interpret_text (adapter, command, W_EXITCODE (1, 0),
                            "[ RUN      ] Basic.Pass\n[       OK ] Basic.Pass (2 ms)\n",
                            format->cut_report);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::Basic.Pass", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (results, 0)), ==, 0.002);
  assert_result (results, 1, "s::Basic.Fail", SHOAL_OUTCOME_ERROR, expected);

  /* Killed while writing it: the signal is on every case. */
  g_clear_pointer (&results, g_ptr_array_unref);
  g_free (expected);
  expected = g_strconcat ("killed by signal 9 (Killed); no result for Basic.Fail: cannot read "
                          "GoogleTest's report: ",
                          report_path_of (command), format->cut_problem, NULL);
  results = interpret_text (adapter, command, W_EXITCODE (0, SIGKILL),
                            "[ RUN      ] Basic.Pass\n[       OK ] Basic.Pass (2 ms)\n",
                            format->cut_report);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::Basic.Pass", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 9 (Killed) after the test passed");
  assert_result (results, 1, "s::Basic.Fail", SHOAL_OUTCOME_CRASHED, expected);
}

static void
test_googletest_xml_report (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("The XML reader takes each <failure>'s text whole, a `]]>` GoogleTest split "
                  "over two CDATA sections included, falls back on message=\"\" when the text "
                  "is empty, joins several failures, reads time=\"\" in seconds and passes "
                  "over elements it does not know");

  if (skip_without_fixture ())
    return;

  tests = discover_fixture (&formats[1], NULL, &adapter, &error);
  g_assert_no_error (error);
  command = prepare (adapter, tests,
                     (const char *[]){ "s::Basic.Pass", "s::Basic.Fail", "s::Trouble.After",
                                       NULL });
  /* Nothing on standard output: all of it comes from the report. */
  results = interpret_text (
      adapter, command, W_EXITCODE (1, 0), "",
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites tests=\"3\" name=\"AllTests\">\n"
      "  <testsuite name=\"Basic\" tests=\"2\">\n"
      "    <testcase name=\"Pass\" status=\"run\" result=\"completed\" time=\"0.125\" "
      "classname=\"Basic\">\n"
      "      <properties><property name=\"note\" value=\"&lt;not a failure&gt;\"/></properties>\n"
      "    </testcase>\n"
      "    <testcase name=\"Fail\" status=\"run\" result=\"completed\" time=\"0.5\" "
      "classname=\"Basic\">\n"
      "      <failure message=\"f.cc:3&#x0A;first\" type=\"\"><![CDATA[f.cc:3\n"
      "first ]]>]]&gt;<![CDATA[ inside]]></failure>\n"
      "      <failure message=\"f.cc:4&#x0A;second\" type=\"\">"
      "<![CDATA[f.cc:4\nsecond]]></failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "  <testsuite name=\"Trouble\" tests=\"1\">\n"
      "    <testcase name=\"After\" status=\"run\" result=\"completed\" time=\"0\" "
      "classname=\"Trouble\">\n"
      "      <failure message=\"f.cc:5&#x0A;summary only\" type=\"\"></failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n");
  g_assert_cmpuint (results->len, ==, 3);
  assert_result (results, 0, "s::Basic.Pass", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (results, 0)), ==, 0.125);
  assert_result (results, 1, "s::Basic.Fail", SHOAL_OUTCOME_FAILED,
                 "f.cc:3\nfirst ]]> inside\nf.cc:4\nsecond");
  g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (results, 1)), ==, 0.5);
  assert_result (results, 2, "s::Trouble.After", SHOAL_OUTCOME_FAILED, "f.cc:5\nsummary only");
}

/* Runs the cases @ids once with each format's adapter and asserts the
 * same results: ids, outcomes, messages. Returns how many failed. */
static guint
assert_formats_agree (ShoalAdapter *const *adapters,
                      GPtrArray *const *tests,
                      const char *const *ids)
{
  GPtrArray *results[G_N_ELEMENTS (formats)] = { NULL };
  guint failed = 0;

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autoptr (ShoalRunCommand) command = prepare (adapters[f], tests[f], ids);

      results[f] = run_and_interpret (adapters[f], command, 0);
      g_assert_cmpuint (results[f]->len, ==, g_strv_length ((char **) ids));
    }
  for (guint i = 0; i < results[0]->len; i++)
    for (guint f = 1; f < G_N_ELEMENTS (formats); f++)
      {
        ShoalTestResult *expected = g_ptr_array_index (results[0], i);
        ShoalTestResult *result = g_ptr_array_index (results[f], i);

        g_assert_cmpstr (shoal_test_result_get_test_id (result), ==,
                         shoal_test_result_get_test_id (expected));
        g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                         shoal_outcome_to_string (shoal_test_result_get_outcome (expected)));
        g_assert_cmpstr (shoal_test_result_get_message (result), ==,
                         shoal_test_result_get_message (expected));
        failed += shoal_test_result_get_outcome (result) == SHOAL_OUTCOME_FAILED;
      }
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    g_ptr_array_unref (results[f]);
  return failed;
}

static void
test_googletest_formats_agree (void)
{
  ShoalAdapter *adapters[G_N_ELEMENTS (formats)] = { NULL };
  GPtrArray *tests[G_N_ELEMENTS (formats)] = { NULL };
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  guint failed = 0;

  g_test_summary ("The fixture read through its XML report gives exactly the ids, outcomes and "
                  "messages it gives through its JSON report: each case alone (but the hanging "
                  "one) and all that end, in one batch");

  if (skip_without_fixture ())
    return;

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      tests[f] = discover_fixture (&formats[f], NULL, &adapters[f], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tests[f]->len, ==, tests[0]->len);
      for (guint i = 0; i < tests[f]->len; i++)
        g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests[f], i)), ==,
                         shoal_test_case_get_id (g_ptr_array_index (tests[0], i)));
    }

  for (guint i = 0; i < tests[0]->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests[0], i);
      const char *name = shoal_test_case_get_name (test);
      const char *ids[] = { shoal_test_case_get_id (test), NULL };

      if (g_str_equal (name, "Trouble.Hang"))
        continue;
      failed += assert_formats_agree (adapters, tests, ids);
      if (!g_str_equal (name, "Trouble.Crash"))
        g_ptr_array_add (batch, (gpointer) ids[0]);
    }
  g_ptr_array_add (batch, NULL);
  failed += assert_formats_agree (adapters, tests, (const char *const *) batch->pdata);

  /* The comparison saw failure texts: Basic.Fail and Numbers/Parity.Odd/1,
   * each alone and in the batch. */
  g_assert_cmpuint (failed, ==, 4);

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_ptr_array_unref (tests[f]);
      g_object_unref (adapters[f]);
    }
}

static void
test_googletest_errors (void)
{
  static const struct
  {
    const char *yaml;
    GQuark (*domain) (void);
    int code;
    const char *message; /* after "FILE", %s: the fixture directory */
  } cases[] = {
    { "name: s\nadapter: googletest\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_MISSING,
      ":1:1: missing required key 'program' (or 'programs')" },
    { "name: s\nadapter: googletest\nprogam: gtest-fixture\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
      ":3:1: progam: unknown key 'progam'; did you mean 'program'?" },
    { "name: s\nadapter: googletest\nprogram: gtest-fixture\nprograms: [gtest-fixture]\n",
      shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":4:11: programs: give either 'program' or 'programs', not both" },
    { "name: s\nadapter: googletest\nprogram: [gtest-fixture]\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_TYPE, ":3:10: program: expected a string, got a list" },
    { "name: s\nadapter: googletest\nprogram: gtest-fixture\noutput: yaml\n",
      shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":4:9: output: expected 'json' or 'xml', got 'yaml'" },
    { "name: s\nadapter: googletest\nprogram: no-such-test\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: program: program 'no-such-test' not found (no file %s/no-such-test)" },
  };
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);

  g_test_summary ("Bad settings and missing programs are errors naming file, line, column and "
                  "key");

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

static void
test_googletest_not_googletest (void)
{
  g_autoptr (GError) failing = NULL;
  g_autoptr (GError) silent = NULL;
  g_autoptr (GPtrArray) failing_tests = NULL;
  g_autoptr (GPtrArray) silent_tests = NULL;

  g_test_summary ("A program whose --gtest_list_tests fails or lists nothing is a discovery "
                  "error naming the suite, the program and how it ended");

  failing_tests = discover ("name: s\nadapter: googletest\nprogram: /bin/false\n", NULL, &failing);
  g_assert_null (failing_tests);
  g_assert_error (failing, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY);
  g_assert_cmpstr (failing->message, ==,
                   "suite s: /bin/false --gtest_list_tests exited with status 1");

  silent_tests = discover ("name: s\nadapter: googletest\nprogram: /bin/true\n", NULL, &silent);
  g_assert_null (silent_tests);
  g_assert_error (silent, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY);
  g_assert_cmpstr (silent->message, ==,
                   "suite s: /bin/true --gtest_list_tests listed no tests (is it a GoogleTest "
                   "program?)");
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  registry = shoal_plugin_registry_new ();
  shoal_plugin_registry_add_default_search_paths (registry);

  g_test_add_func ("/shoal/adapter/googletest/discover", test_googletest_discover);
  /* Once per report format: /shoal/adapter/googletest/json/batch, .../xml/batch */
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      static const struct
      {
        const char *name;
        GTestDataFunc func;
      } per_format[] = {
        { "run-each-case", test_googletest_run_each_case },
        { "messages", test_googletest_messages },
        { "batch", test_googletest_batch },
        { "batch-crash", test_googletest_batch_crash },
        { "batch-timeout", test_googletest_batch_timeout },
        { "run-disabled", test_googletest_run_disabled },
        { "interpret-endings", test_googletest_interpret_endings },
        { "unreadable-report", test_googletest_unreadable_report },
      };

      for (guint i = 0; i < G_N_ELEMENTS (per_format); i++)
        {
          g_autofree char *path = g_strdup_printf ("/shoal/adapter/googletest/%s/%s",
                                                   formats[f].name, per_format[i].name);

          g_test_add_data_func (path, &formats[f], per_format[i].func);
        }
    }
  g_test_add_func ("/shoal/adapter/googletest/formats-agree", test_googletest_formats_agree);
  g_test_add_func ("/shoal/adapter/googletest/xml-report", test_googletest_xml_report);
  g_test_add_func ("/shoal/adapter/googletest/programs", test_googletest_programs);
  g_test_add_func ("/shoal/adapter/googletest/batch-errors", test_googletest_batch_errors);
  g_test_add_func ("/shoal/adapter/googletest/errors", test_googletest_errors);
  g_test_add_func ("/shoal/adapter/googletest/not-googletest", test_googletest_not_googletest);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
