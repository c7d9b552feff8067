/* test-adapter-behave.c: the behave adapter, loaded as a plugin, against
 * Debian's behave on the fixture project tests/fixtures/adapters/behave/
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
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

/* Debian's interpreter, which has python3-behave: the adapter's default. */
#define PYTHON "/usr/bin/python3"

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "adapters", "behave", NULL);
}

static char *
fixture_config (void)
{
  g_autofree char *dir = fixture_dir ();

  return g_build_filename (dir, "shoal.yaml", NULL);
}

static ShoalAdapter *
new_adapter (void)
{
  return adapter_test_new_adapter (registry, "behave");
}

static GPtrArray *
discover (const char *yaml, ShoalAdapter **out_adapter, GError **error)
{
  g_autofree char *filename = fixture_config ();

  return adapter_test_discover_suite (registry, "behave", yaml, filename, out_adapter, error);
}

static ShoalTestResult *
find_result (GPtrArray *results, const char *id)
{
  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (shoal_test_result_get_test_id (g_ptr_array_index (results, i)), id))
      return g_ptr_array_index (results, i);
  g_error ("no result for %s", id);
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

/* The file behave writes its JSON to, as the command names it. */
static const char *
report_of (ShoalRunCommand *command)
{
  const char *const *argv = shoal_run_command_get_argv (command);

  for (guint i = 0; argv[i] != NULL; i++)
    if (g_str_has_prefix (argv[i], "--outfile=") && !g_str_equal (argv[i], "--outfile=-"))
      return argv[i] + strlen ("--outfile=");
  g_assert_not_reached ();
}

static gboolean
on_deadline (gpointer user_data)
{
  GSubprocess *process = user_data;

  g_object_set_data (G_OBJECT (process), "timed-out", GINT_TO_POINTER (TRUE));
  g_subprocess_force_exit (process);
  return G_SOURCE_REMOVE;
}

static void
on_waited (GObject *object, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  *done = TRUE;
}

/* Runs @command the way the core would (argv, cwd, environment, output and
 * error in one file, killed after @timeout seconds unless 0) and
 * interprets it: tests may spawn, adapters may not. */
static GPtrArray *
run_with_timeout (ShoalAdapter *adapter,
                  ShoalRunCommand *command,
                  double timeout,
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
  gboolean done = FALSE;
  gboolean timed_out;
  guint deadline = 0;
  GPtrArray *results;
  int fd;

  fd = g_file_open_tmp ("shoal-adapter-behave-XXXXXX", &path, &error);
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
  if (timeout > 0)
    deadline = g_timeout_add ((guint) (timeout * 1000), on_deadline, process);
  g_subprocess_wait_async (process, NULL, on_waited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  timed_out = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (process), "timed-out"));
  if (deadline != 0 && !timed_out)
    g_source_remove (deadline);

  execution = shoal_execution_new (g_subprocess_get_status (process), timed_out, FALSE, start,
                                   g_get_real_time (), (g_get_monotonic_time () - monotonic) / 1e6,
                                   "worker-1", 1, path);
  shoal_execution_set_timeout (execution, timeout);
  results = shoal_object_array_from_list (
      shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  /* The adapter's report is read once and removed. */
  g_assert_false (g_file_test (report_of (command), G_FILE_TEST_EXISTS));

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
run_and_interpret (ShoalAdapter *adapter, ShoalRunCommand *command)
{
  return run_with_timeout (adapter, command, 0, NULL, NULL);
}

/* Interprets @command as if it had ended with @wait_status after printing
 * @output and leaving @report (NULL: none) where behave writes it. */
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

  fd = g_file_open_tmp ("shoal-adapter-behave-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, output, -1, &error);
  g_assert_no_error (error);
  if (report != NULL)
    {
      g_file_set_contents (report_of (command), report, -1, &error);
      g_assert_no_error (error);
    }

  execution = shoal_execution_new (wait_status, FALSE, FALSE, 0, 0, 2.0, NULL, 1, path);
  results = shoal_object_array_from_list (
      shoal_adapter_interpret (adapter, command, execution, &error));
  g_assert_no_error (error);
  g_assert_nonnull (results);
  g_assert_false (g_file_test (report_of (command), G_FILE_TEST_EXISTS));
  g_unlink (path);
  return results;
}

/* In behave's order: files sorted, scenarios (and outline rows) in file
 * order. */
static const char *const fixture_ids[] = {
  "s::features/outcomes.feature:4",
  "s::features/outcomes.feature:7",
  "s::features/outcomes.feature:12",
  "s::features/outcomes.feature:16",
  "s::features/outcomes.feature:19",
  "s::features/outcomes.feature:23",
  "s::features/outcomes.feature:33",
  "s::features/outcomes.feature:34",
  "s::features/outcomes.feature:35",
  "s::features/risky.feature:5",
  "s::features/risky.feature:10",
  "s::features/tagged.feature:9",
  "s::features/tagged.feature:13",
};

#define FIXTURE_SUITE "name: s\nadapter: behave\n"

static gboolean
is_risky (const char *id)
{
  return strstr (id, "risky.feature") != NULL;
}

static void
test_behave_discover (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests =
      discover (FIXTURE_SUITE "args: [--no-color]\nenv: {A: b}\n", &adapter, &error);
  ShoalTestCase *test;

  g_test_summary ("behave's dry run lists one test per scenario and per outline row, "
                  "`<suite>::<file>:<line>`, with the feature's and the scenario's tags, and "
                  "@resource./@exclusive./@serial tags as what the test needs");

  g_assert_no_error (error);
  g_assert_true (shoal_adapter_can_batch (adapter));
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_ids));
  for (guint i = 0; i < tests->len; i++)
    {
      test = g_ptr_array_index (tests, i);
      g_assert_cmpstr (shoal_test_case_get_id (test), ==, fixture_ids[i]);
      g_assert_cmpstr (shoal_test_case_get_adapter (test), ==, "behave");
      g_assert_cmpstr (shoal_test_case_get_cwd (test), ==, dir);
      assert_strv (shoal_test_case_get_environment (test), (const char *[]){ "A=b", NULL });
    }

  test = adapter_test_find_test (tests, "s::features/outcomes.feature:7");
  g_assert_cmpstr (shoal_test_case_get_name (test), ==, "fails");
  /* What a person types to run it alone, from the suite's directory. */
  assert_strv (shoal_test_case_get_argv (test),
               (const char *[]){ PYTHON, "-m", "behave", "--no-color",
                                 "features/outcomes.feature:7", NULL });
  g_assert_cmpuint (g_strv_length ((char **) shoal_test_case_get_tags (test)), ==, 0);
  g_assert_false (shoal_test_case_get_exclusive (test));

  test = adapter_test_find_test (tests, "s::features/outcomes.feature:16");
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "skip", NULL });

  /* An outline row: named by behave, tagged like its outline. */
  test = adapter_test_find_test (tests, "s::features/outcomes.feature:34");
  g_assert_cmpstr (shoal_test_case_get_name (test), ==, "below three -- @1.2");
  assert_strv (shoal_test_case_get_tags (test),
               (const char *[]){ "resource.x", "exclusive.y", NULL });
  assert_strv (shoal_test_case_get_required_resources (test), (const char *[]){ "x", NULL });
  assert_strv (shoal_test_case_get_locks (test), (const char *[]){ "y", NULL });
  g_assert_false (shoal_test_case_get_exclusive (test));

  /* Feature tags first; `.2` is a count. */
  test = adapter_test_find_test (tests, "s::features/tagged.feature:9");
  assert_strv (shoal_test_case_get_tags (test),
               (const char *[]){ "resource.db.2", "team.payments", "serial", NULL });
  assert_strv (shoal_test_case_get_required_resources (test), (const char *[]){ "db:2", NULL });
  g_assert_cmpuint (g_strv_length ((char **) shoal_test_case_get_locks (test)), ==, 0);
  g_assert_true (shoal_test_case_get_exclusive (test));

  test = adapter_test_find_test (tests, "s::features/tagged.feature:13");
  assert_strv (shoal_test_case_get_tags (test), (const char *[]){ "resource.db.2", "team.payments",
                                                                  "exclusive.user_db", "slow",
                                                                  NULL });
  assert_strv (shoal_test_case_get_locks (test), (const char *[]){ "user_db", NULL });
  g_assert_false (shoal_test_case_get_exclusive (test));
}

/* What native behave says of the fixture's scenarios that it can survive
 * (not risky.feature): location -> status, from its own JSON report. */
static GHashTable *
run_native_behave (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *report = NULL;
  g_autofree char *outfile = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  GHashTable *statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonArray *features;
  int fd;

  fd = g_file_open_tmp ("shoal-native-behave-XXXXXX.json", &report, &error);
  g_assert_no_error (error);
  close (fd);
  outfile = g_strconcat ("--outfile=", report, NULL);

  g_subprocess_launcher_set_cwd (launcher, dir);
  process = g_subprocess_launcher_spawn (launcher, &error, PYTHON, "-m", "behave", "--no-summary",
                                         "--no-snippets", "--format=json", outfile, "--exclude",
                                         "risky", NULL);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  /* Some scenarios fail. */
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);

  g_file_get_contents (report, &contents, NULL, &error);
  g_assert_no_error (error);
  g_unlink (report);
  json_parser_load_from_data (parser, contents, -1, &error);
  g_assert_no_error (error);

  features = json_node_get_array (json_parser_get_root (parser));
  for (guint f = 0; f < json_array_get_length (features); f++)
    {
      JsonArray *elements =
          json_object_get_array_member (json_array_get_object_element (features, f), "elements");

      for (guint e = 0; e < json_array_get_length (elements); e++)
        {
          JsonObject *element = json_array_get_object_element (elements, e);

          if (!g_str_equal (json_object_get_string_member (element, "type"), "scenario"))
            continue;
          g_hash_table_insert (statuses,
                               g_strdup (json_object_get_string_member (element, "location")),
                               g_strdup (json_object_get_string_member (element, "status")));
        }
    }
  return statuses;
}

static void
count_outcomes (GHashTable *statuses, guint *passed, guint *failed, guint *skipped)
{
  GHashTableIter iter;
  gpointer status;

  *passed = *failed = *skipped = 0;
  g_hash_table_iter_init (&iter, statuses);
  while (g_hash_table_iter_next (&iter, NULL, &status))
    {
      if (g_str_equal (status, "passed"))
        (*passed)++;
      else if (g_str_equal (status, "failed"))
        (*failed)++;
      else if (g_str_equal (status, "skipped"))
        (*skipped)++;
      else
        g_error ("unexpected status %s", (const char *) status);
    }
}

/* Shoal's results as behave's statuses, by behave location. */
static GHashTable *
statuses_of (GPtrArray *results)
{
  GHashTable *statuses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      const char *id = shoal_test_result_get_test_id (result);
      const char *local = strstr (id, "::") + 2;

      g_hash_table_insert (statuses, g_strdup (local),
                           g_strdup (shoal_outcome_to_string (shoal_test_result_get_outcome (result))));
    }
  return statuses;
}

static void
assert_same_statuses (GHashTable *native, GHashTable *shoal)
{
  GHashTableIter iter;
  gpointer location;
  gpointer status;

  g_assert_cmpuint (g_hash_table_size (shoal), ==, g_hash_table_size (native));
  g_hash_table_iter_init (&iter, native);
  while (g_hash_table_iter_next (&iter, &location, &status))
    {
      const char *ours = g_hash_table_lookup (shoal, location);

      if (g_strcmp0 (ours, status) != 0)
        g_error ("%s: behave says %s, Shoal says %s", (const char *) location,
                 (const char *) status, ours != NULL ? ours : "nothing");
    }
}

static void
test_behave_same_as_native (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (GHashTable) native = run_native_behave ();
  g_autoptr (GPtrArray) single_results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) batch = g_ptr_array_new ();
  g_autoptr (GHashTable) singles = NULL;
  g_autoptr (GHashTable) batched = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) batch_results = NULL;
  guint passed, failed, skipped;

  g_test_summary ("Each scenario run alone, and all of them in one batch, get the outcome "
                  "native behave gives it, with the same ids (its locations) and counts");

  g_assert_no_error (error);

  /* behave itself: 5 passed, 5 failed, 1 skipped. */
  count_outcomes (native, &passed, &failed, &skipped);
  g_test_message ("native behave: %u passed, %u failed, %u skipped", passed, failed, skipped);
  g_assert_cmpuint (passed, ==, 5);
  g_assert_cmpuint (failed, ==, 5);
  g_assert_cmpuint (skipped, ==, 1);

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autoptr (ShoalRunCommand) one = NULL;
      g_autoptr (GPtrArray) results = NULL;

      if (is_risky (shoal_test_case_get_id (test)))
        continue;
      g_ptr_array_add (batch, test);
      one = prepare (adapter, tests, (const char *[]){ shoal_test_case_get_id (test), NULL });
      results = run_and_interpret (adapter, one);
      g_assert_cmpuint (results->len, ==, 1);
      g_assert_cmpstr (shoal_test_result_get_test_id (g_ptr_array_index (results, 0)), ==,
                       shoal_test_case_get_id (test));
      g_ptr_array_add (single_results, g_object_ref (g_ptr_array_index (results, 0)));
    }
  singles = statuses_of (single_results);
  assert_same_statuses (native, singles);
  count_outcomes (singles, &passed, &failed, &skipped);
  g_test_message ("Shoal, one scenario per command: %u passed, %u failed, %u skipped", passed,
                  failed, skipped);

  command = shoal_adapter_prepare (adapter, batch, &error);
  g_assert_no_error (error);
  batch_results = run_and_interpret (adapter, command);
  g_assert_cmpuint (batch_results->len, ==, batch->len);
  batched = statuses_of (batch_results);
  assert_same_statuses (native, batched);
}

static void
test_behave_messages (void)
{
  static const char *const ids[] = {
    "s::features/outcomes.feature:4",
    "s::features/outcomes.feature:7",
    "s::features/outcomes.feature:12",
    "s::features/outcomes.feature:16",
    "s::features/outcomes.feature:19",
    "s::features/outcomes.feature:23",
    "s::features/outcomes.feature:35",
    NULL,
  };
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("A failure's message is its step and behave's error; an undefined step, a "
                  "failed hook and a skip reason say so; a duration is its steps'");

  g_assert_no_error (error);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr (ShoalRunCommand) command =
          prepare (adapter, tests, (const char *[]){ ids[i], NULL });
      g_autoptr (GPtrArray) results = NULL;
      g_autofree char *output = NULL;
      double duration = 0;
      ShoalTestResult *result;
      const char *message;

      results = run_with_timeout (adapter, command, 0, &output, &duration);
      g_assert_cmpuint (results->len, ==, 1);
      result = g_ptr_array_index (results, 0);
      message = shoal_test_result_get_message (result);
      /* The steps' time, not behave's start-up. */
      g_assert_cmpfloat (shoal_test_result_get_duration (result), <, duration);
      /* The people's output is behave's plain formatter. */
      g_assert_nonnull (strstr (output, "Feature: Outcomes\n"));

      switch (i)
        {
        case 0:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_PASSED, NULL);
          g_assert_cmpfloat (shoal_test_result_get_duration (result), >, 0);
          break;
        case 1:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_FAILED,
                         "When a failing step: Assertion Failed: one is not two");
          break;
        case 2:
          g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_FAILED);
          g_assert_true (g_str_has_prefix (message, "Given a step that raises:\nTraceback "));
          g_assert_true (g_str_has_suffix (message, "\nRuntimeError: boom"));
          break;
        case 3:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_SKIPPED, "Marked with @skip");
          g_assert_cmpfloat (shoal_test_result_get_duration (result), ==, 0);
          break;
        case 4:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_FAILED,
                         "Given a step nobody wrote: undefined step (no step definition "
                         "matches it)");
          break;
        case 5:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_FAILED,
                         "failed outside its steps: HOOK-ERROR in before_scenario: "
                         "RuntimeError: the hook broke");
          break;
        case 6:
          assert_result (results, 0, ids[i], SHOAL_OUTCOME_FAILED,
                         "Then it is below 3: Assertion Failed: 5 is not below 3");
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
test_behave_batch (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE "args: [--no-timings]\n", &adapter, &error);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GPtrArray) twice = g_ptr_array_new ();
  g_autoptr (ShoalAdapter) other = NULL;
  g_autoptr (ShoalRunCommand) refused = NULL;
  const char *const *argv;
  g_autofree char *key = NULL;
  g_autofree char *other_feature_key = NULL;
  guint n;

  g_test_summary ("A batch of scenarios of several features is one behave command, their "
                  "locations grouped by file in file order, with one result each; so the "
                  "batch key the core groups on is the same for every scenario of the suite");

  g_assert_no_error (error);
  command = prepare (adapter, tests,
                     (const char *[]){ "s::features/tagged.feature:13",
                                       "s::features/outcomes.feature:34",
                                       "s::features/tagged.feature:9",
                                       "s::features/outcomes.feature:16", NULL });
  assert_command_tests (command, (const char *[]){ "s::features/outcomes.feature:16",
                                                   "s::features/outcomes.feature:34",
                                                   "s::features/tagged.feature:9",
                                                   "s::features/tagged.feature:13", NULL });
  argv = shoal_run_command_get_argv (command);
  n = g_strv_length ((char **) argv);
  g_assert_cmpstr (argv[0], ==, PYTHON);
  g_assert_cmpstr (argv[1], ==, "-m");
  g_assert_cmpstr (argv[2], ==, "behave");
  /* Our formatters first, then `args:`, then what keeps skipped
   * scenarios in the report, then the locations. */
  g_assert_cmpstr (argv[3], ==, "--format=plain");
  g_assert_cmpstr (argv[4], ==, "--outfile=-");
  g_assert_cmpstr (argv[5], ==, "--format=json");
  g_assert_true (g_str_has_prefix (argv[6], "--outfile=/"));
  g_assert_cmpstr (argv[7], ==, "--no-timings");
  g_assert_cmpstr (argv[8], ==, "--show-skipped");
  g_assert_cmpuint (n, ==, 13);
  g_assert_cmpstr (argv[9], ==, "features/outcomes.feature:16");
  g_assert_cmpstr (argv[10], ==, "features/outcomes.feature:34");
  g_assert_cmpstr (argv[11], ==, "features/tagged.feature:9");
  g_assert_cmpstr (argv[12], ==, "features/tagged.feature:13");
  g_assert_true (g_strv_contains (shoal_run_command_get_environment (command),
                                  "PYTHONUNBUFFERED=1"));

  results = run_and_interpret (adapter, command);
  g_assert_cmpuint (results->len, ==, 4);
  assert_result (results, 0, "s::features/outcomes.feature:16", SHOAL_OUTCOME_SKIPPED,
                 "Marked with @skip");
  assert_result (results, 1, "s::features/outcomes.feature:34", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 2, "s::features/tagged.feature:9", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 3, "s::features/tagged.feature:13", SHOAL_OUTCOME_PASSED, NULL);

  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::features/outcomes.feature:4"));
  g_ptr_array_add (twice, adapter_test_find_test (tests, "s::features/outcomes.feature:4"));
  refused = shoal_adapter_prepare (adapter, twice, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);
  g_assert_cmpstr (error->message, ==, "test s::features/outcomes.feature:4 is twice in the batch");
  g_clear_error (&error);

  /* Running needs this adapter's discovery. */
  other = new_adapter ();
  g_ptr_array_set_size (twice, 1);
  refused = shoal_adapter_prepare (other, twice, &error);
  g_assert_null (refused);
  g_assert_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE);

  key = shoal_adapter_get_batch_key (adapter, twice->pdata[0]);
  other_feature_key = shoal_adapter_get_batch_key (
      adapter, adapter_test_find_test (tests, "s::features/tagged.feature:9"));
  g_assert_nonnull (key);
  g_assert_cmpstr (other_feature_key, ==, key);
  g_assert_null (shoal_adapter_get_batch_key (other, twice->pdata[0]));
}

static void
test_behave_crash_and_hang (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);

  g_test_summary ("A scenario that kills behave is `crashed`, one that hangs is `timeout`; in a "
                  "batch, finished features keep their results and the scenarios after it did "
                  "not run");

  g_assert_no_error (error);
  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::features/risky.feature:5", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command);

    g_assert_cmpuint (results->len, ==, 1);
    assert_result (results, 0, "s::features/risky.feature:5", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault) while running "
                   "features/risky.feature:5");
    g_assert_cmpint (shoal_test_result_get_signal (g_ptr_array_index (results, 0)), ==, SIGSEGV);
  }
  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::features/risky.feature:10", NULL });
    g_autoptr (GPtrArray) results = run_with_timeout (adapter, command, 2.0, NULL, NULL);

    g_assert_cmpuint (results->len, ==, 1);
    g_assert_cmpint (shoal_test_result_get_outcome (g_ptr_array_index (results, 0)), ==,
                     SHOAL_OUTCOME_TIMEOUT);
    g_assert_true (g_str_has_prefix (shoal_test_result_get_message (g_ptr_array_index (results, 0)),
                                     "timed out after 2 s"));
    g_assert_true (g_str_has_suffix (shoal_test_result_get_message (g_ptr_array_index (results, 0)),
                                     " while running features/risky.feature:10"));
  }
  {
    /* The crash is in the second feature behave runs: the first one's
     * report was written. */
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests,
                 (const char *[]){ "s::features/outcomes.feature:7", "s::features/risky.feature:10",
                                   "s::features/risky.feature:5", "s::features/tagged.feature:9",
                                   NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command);

    /* The two after the crash did not run: no result (the core runs
     * them again). */
    g_assert_cmpuint (results->len, ==, 2);
    assert_result (results, 0, "s::features/outcomes.feature:7", SHOAL_OUTCOME_FAILED,
                   "When a failing step: Assertion Failed: one is not two");
    assert_result (results, 1, "s::features/risky.feature:5", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault) while running "
                   "features/risky.feature:5");
  }
}

static void
test_behave_feature_scheme (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (ShoalAdapter) scenario_adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE "scheme: feature\n", &adapter, &error);
  g_autoptr (GPtrArray) scenario_tests = discover (FIXTURE_SUITE, &scenario_adapter, &error);
  ShoalTestCase *test;

  g_test_summary ("With `scheme: feature` a feature file is one test that needs what its "
                  "scenarios need, and gives one result per scenario, with the scenarios' ids");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, 3);
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==,
                   "s::features/outcomes.feature");
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 1)), ==,
                   "s::features/risky.feature");
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 2)), ==,
                   "s::features/tagged.feature");

  test = g_ptr_array_index (tests, 0);
  g_assert_cmpstr (shoal_test_case_get_name (test), ==, "Outcomes");
  assert_strv (shoal_test_case_get_argv (test),
               (const char *[]){ PYTHON, "-m", "behave", "features/outcomes.feature", NULL });
  assert_strv (shoal_test_case_get_tags (test),
               (const char *[]){ "skip", "hook_fails", "resource.x", "exclusive.y", NULL });
  assert_strv (shoal_test_case_get_required_resources (test), (const char *[]){ "x", NULL });
  assert_strv (shoal_test_case_get_locks (test), (const char *[]){ "y", NULL });
  g_assert_false (shoal_test_case_get_exclusive (test));

  test = g_ptr_array_index (tests, 2);
  assert_strv (shoal_test_case_get_required_resources (test), (const char *[]){ "db:2", NULL });
  assert_strv (shoal_test_case_get_locks (test), (const char *[]){ "user_db", NULL });
  g_assert_true (shoal_test_case_get_exclusive (test));

  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::features/outcomes.feature", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command);
    guint n_scenarios = 0;

    /* The same outcomes as its scenarios run one by one. */
    g_assert_cmpuint (results->len, ==, 9);
    for (guint i = 0; i < scenario_tests->len; i++)
      {
        ShoalTestCase *scenario = g_ptr_array_index (scenario_tests, i);
        const char *id = shoal_test_case_get_id (scenario);
        g_autoptr (ShoalRunCommand) one = NULL;
        g_autoptr (GPtrArray) alone = NULL;
        ShoalTestResult *ours;

        if (!g_str_has_prefix (id, "s::features/outcomes.feature:"))
          continue;
        n_scenarios++;
        ours = find_result (results, id);
        one = prepare (scenario_adapter, scenario_tests, (const char *[]){ id, NULL });
        alone = run_and_interpret (scenario_adapter, one);
        g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (ours)), ==,
                         shoal_outcome_to_string (
                             shoal_test_result_get_outcome (g_ptr_array_index (alone, 0))));
        g_assert_cmpstr (shoal_test_result_get_name (ours), ==,
                         shoal_test_case_get_name (scenario));
      }
    g_assert_cmpuint (n_scenarios, ==, 9);
    /* A failed hook's message only goes with the scenario when it ran
     * alone. */
    g_assert_cmpstr (shoal_test_result_get_message (
                         find_result (results, "s::features/outcomes.feature:23")),
                     ==, "failed outside its steps (a hook or a cleanup failed; see the output)");
  }
  {
    g_autoptr (ShoalRunCommand) command =
        prepare (adapter, tests, (const char *[]){ "s::features/risky.feature", NULL });
    g_autoptr (GPtrArray) results = run_and_interpret (adapter, command);

    g_assert_cmpuint (results->len, ==, 2);
    assert_result (results, 0, "s::features/risky.feature:5", SHOAL_OUTCOME_CRASHED,
                   "killed by signal 11 (Segmentation fault) while running "
                   "features/risky.feature:5");
    assert_result (results, 1, "s::features/risky.feature:10", SHOAL_OUTCOME_ERROR,
                   "did not run: killed by signal 11 (Segmentation fault) while running "
                   "features/risky.feature:5");
  }
}

static void
test_behave_interpret_endings (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE, &adapter, &error);
  g_autoptr (ShoalRunCommand) one = NULL;
  g_autoptr (ShoalRunCommand) two = NULL;
  g_autoptr (GPtrArray) after_all = NULL;
  g_autoptr (GPtrArray) unparsed = NULL;
  g_autoptr (GPtrArray) hook = NULL;
  g_autoptr (GPtrArray) cut = NULL;
  static const char passed_report[] =
      "[\n{\"keyword\": \"Feature\", \"name\": \"Outcomes\", \"tags\": [], \"location\": "
      "\"features/outcomes.feature:1\", \"status\": \"passed\", \"elements\": [{\"type\": "
      "\"scenario\", \"keyword\": \"Scenario\", \"name\": \"passes\", \"tags\": [], "
      "\"location\": \"features/outcomes.feature:4\", \"steps\": [{\"keyword\": \"Given\", "
      "\"name\": \"a passing step\", \"result\": {\"status\": \"passed\", \"duration\": "
      "0.25}}], \"status\": \"passed\"}]}";

  g_autofree char *truncated =
      g_strconcat (passed_report, ",\n\n{\"keyword\": \"Feature\", \"name\": \"Ta", NULL);

  g_test_summary ("behave ending badly after its scenarios passed fails them; no report says "
                  "what behave printed; a report cut short is read as far as it goes");

  g_assert_no_error (error);
  one = prepare (adapter, tests, (const char *[]){ "s::features/outcomes.feature:4", NULL });

  {
    g_autofree char *report = g_strconcat (passed_report, "\n]\n", NULL);

    after_all = interpret_text (adapter, one, W_EXITCODE (1, 0),
                                "Feature: Outcomes\n\n  Scenario: passes\n"
                                "HOOK-ERROR in after_all: RuntimeError: no\n\nABORTED: By user.\n",
                                report);
    g_assert_cmpuint (after_all->len, ==, 1);
    assert_result (after_all, 0, "s::features/outcomes.feature:4", SHOAL_OUTCOME_FAILED,
                   "exited with status 1 after the scenario passed: HOOK-ERROR in "
                   "after_all: RuntimeError: no");
    g_assert_cmpfloat (shoal_test_result_get_duration (g_ptr_array_index (after_all, 0)), ==, 0.25);
  }

  g_object_unref (one);
  one = prepare (adapter, tests, (const char *[]){ "s::features/outcomes.feature:4", NULL });
  unparsed = interpret_text (adapter, one, W_EXITCODE (1, 0),
                             "ConfigError: No steps directory in '/somewhere'\n", NULL);
  assert_result (unparsed, 0, "s::features/outcomes.feature:4", SHOAL_OUTCOME_ERROR,
                 "behave exited with status 1 without a report: ConfigError: No steps "
                 "directory in '/somewhere'");

  g_object_unref (one);
  one = prepare (adapter, tests, (const char *[]){ "s::features/outcomes.feature:4", NULL });
  hook = interpret_text (adapter, one, W_EXITCODE (1, 0),
                         "HOOK-ERROR in before_feature: RuntimeError: no\n",
                         "[\n{\"keyword\": \"Feature\", \"name\": \"Outcomes\", \"location\": "
                         "\"features/outcomes.feature:1\", \"status\": \"failed\"}\n]\n");
  assert_result (hook, 0, "s::features/outcomes.feature:4", SHOAL_OUTCOME_ERROR,
                 "not run: HOOK-ERROR in before_feature: RuntimeError: no");

  /* Killed while writing the second feature's report: the first one was
   * written whole. (Killed between features is the real crash above.) */
  two = prepare (adapter, tests,
                 (const char *[]){ "s::features/outcomes.feature:4", "s::features/tagged.feature:9",
                                   NULL });
  cut = interpret_text (adapter, two, W_EXITCODE (0, SIGKILL),
                        "Feature: Outcomes\n\n  Scenario: passes\n"
                        "    Given a passing step ... passed\n\nFeature: Tags\n"
                        "  Background:\n\n  Scenario: runs alone\n",
                        truncated);
  g_assert_cmpuint (cut->len, ==, 2);
  assert_result (cut, 0, "s::features/outcomes.feature:4", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (cut, 1, "s::features/tagged.feature:9", SHOAL_OUTCOME_CRASHED,
                 "killed by signal 9 (Killed) while running features/tagged.feature:9");
  /* The rest of the command's time. */
  g_assert_cmpfloat_with_epsilon (shoal_test_result_get_duration (g_ptr_array_index (cut, 1)), 1.75,
                                  1e-9);
}

static void
test_behave_paths_and_cwd (void)
{
  g_autoptr (ShoalAdapter) adapter = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tests = discover (FIXTURE_SUITE "paths: [features/tagged.feature, "
                                                        "features]\ncwd: features\n",
                                          &adapter, &error);
  g_autofree char *dir = fixture_dir ();
  g_autofree char *cwd = g_build_filename (dir, "features", NULL);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) results = NULL;

  g_test_summary ("Ids stay relative to shoal.yaml's directory whatever behave's working "
                  "directory; a file reached twice is listed once");

  g_assert_no_error (error);
  g_assert_cmpuint (tests->len, ==, G_N_ELEMENTS (fixture_ids));
  g_assert_cmpstr (shoal_test_case_get_id (g_ptr_array_index (tests, 0)), ==,
                   "s::features/tagged.feature:9");
  g_assert_cmpstr (shoal_test_case_get_cwd (g_ptr_array_index (tests, 0)), ==, cwd);
  /* behave is told the location from where it runs. */
  assert_strv (shoal_test_case_get_argv (adapter_test_find_test (tests, "s::features/outcomes.feature:7")),
               (const char *[]){ PYTHON, "-m", "behave", "outcomes.feature:7", NULL });

  command = prepare (adapter, tests,
                     (const char *[]){ "s::features/outcomes.feature:7",
                                       "s::features/tagged.feature:9", NULL });
  /* In discovery order: the file `paths:` named first comes first. */
  results = run_and_interpret (adapter, command);
  g_assert_cmpuint (results->len, ==, 2);
  assert_result (results, 0, "s::features/tagged.feature:9", SHOAL_OUTCOME_PASSED, NULL);
  assert_result (results, 1, "s::features/outcomes.feature:7", SHOAL_OUTCOME_FAILED,
                 "When a failing step: Assertion Failed: one is not two");
}

static void
test_behave_errors (void)
{
  static const struct
  {
    const char *yaml;
    GQuark (*domain) (void);
    int code;
    const char *message; /* %1$s: the fixture directory; FILE before unless it starts with '!' */
  } cases[] = {
    { FIXTURE_SUITE "pathz: [features]\n", shoal_config_error_quark,
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY, ":3:1: pathz: unknown key 'pathz'; did you mean 'paths'?" },
    { FIXTURE_SUITE "scheme: outline\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":3:9: scheme: expected 'scenario' or 'feature', got 'outline'" },
    { FIXTURE_SUITE "paths: []\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":3:8: paths: must not be empty" },
    { FIXTURE_SUITE "python: ''\n", shoal_config_error_quark, SHOAL_CONFIG_ERROR_INVALID,
      ":3:9: python: must not be empty" },
    { FIXTURE_SUITE "paths: [features, features/nope]\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: paths: 'features/nope' not found (no file or directory %1$s/features/nope)" },
    { FIXTURE_SUITE "python: /nonexistent/python3\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: python: program '/nonexistent/python3' not found (no file /nonexistent/python3)" },
    { FIXTURE_SUITE "python: no-such-python-here\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: python: program 'no-such-python-here' not found in PATH" },
    { FIXTURE_SUITE "python: nobehave/python3\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_DISCOVERY,
      ":3:1: python: nobehave/python3 has no behave module: install behave for it (Debian: "
      "python3-behave), or set python: to an interpreter that has it" },
    { FIXTURE_SUITE "paths: [broken]\n", shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_DISCOVERY,
      "!broken/broken.feature:9: behave cannot parse this feature file: Parser failure in "
      "state steps, at line 9: \"This line is not Gherkin\"" },
    { FIXTURE_SUITE "cwd: nowhere\n", shoal_adapter_error_quark, SHOAL_ADAPTER_ERROR_NOT_FOUND,
      ":3:1: cwd: directory %1$s/nowhere not found" },
    { FIXTURE_SUITE "args: [--format=nonsense]\n", shoal_adapter_error_quark,
      SHOAL_ADAPTER_ERROR_DISCOVERY,
      "!`/usr/bin/python3 -m behave --dry-run` exited with status 2 without a report: "
      "__main__.py: error: format=nonsense is unknown" },
  };
  g_autofree char *filename = fixture_config ();
  g_autofree char *dir = fixture_dir ();

  g_test_summary ("Bad settings, a missing path or interpreter, an interpreter without behave "
                  "and a feature file behave cannot parse are errors naming the file, line and "
                  "key, or the feature file and its line");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) tests = discover (cases[i].yaml, NULL, &error);
      g_autofree char *expected = NULL;

      if (cases[i].message[0] == '!')
        expected = g_strdup_printf (cases[i].message + 1, dir);
      else
        {
          g_autofree char *tail = g_strdup_printf (cases[i].message, dir);

          expected = g_strconcat (filename, tail, NULL);
        }
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

  g_test_add_func ("/shoal/adapter/behave/discover", test_behave_discover);
  g_test_add_func ("/shoal/adapter/behave/same-as-native", test_behave_same_as_native);
  g_test_add_func ("/shoal/adapter/behave/messages", test_behave_messages);
  g_test_add_func ("/shoal/adapter/behave/batch", test_behave_batch);
  g_test_add_func ("/shoal/adapter/behave/crash-and-hang", test_behave_crash_and_hang);
  g_test_add_func ("/shoal/adapter/behave/feature-scheme", test_behave_feature_scheme);
  g_test_add_func ("/shoal/adapter/behave/interpret-endings", test_behave_interpret_endings);
  g_test_add_func ("/shoal/adapter/behave/paths-and-cwd", test_behave_paths_and_cwd);
  g_test_add_func ("/shoal/adapter/behave/errors", test_behave_errors);

  status = g_test_run ();
  g_clear_object (&registry);
  return status;
}
