/* test-scheduler.c: the scheduler runs, times out, kills and reports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <shoal.h>

/* An adapter for tests whose command is their argv: enough to drive the
 * scheduler without any module but the fifo strategy. */
#define TEST_TYPE_ARGV_ADAPTER (test_argv_adapter_get_type ())
G_DECLARE_FINAL_TYPE (TestArgvAdapter, test_argv_adapter, TEST, ARGV_ADAPTER, GObject)

struct _TestArgvAdapter
{
  GObject parent_instance;
};

static ShoalRunCommand *
test_argv_adapter_prepare (ShoalAdapter *adapter,
                           GPtrArray *tests,
                           GError **error)
{
  ShoalTestCase *test = g_ptr_array_index (tests, 0);
  ShoalRunCommand *command = shoal_run_command_new (shoal_test_case_get_argv (test));

  shoal_run_command_add_test (command, test);
  return command;
}

static void
adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->prepare = test_argv_adapter_prepare;
}

G_DEFINE_TYPE_WITH_CODE (TestArgvAdapter, test_argv_adapter, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (SHOAL_TYPE_ADAPTER, adapter_iface_init))

static void
test_argv_adapter_class_init (TestArgvAdapterClass *klass)
{
}

static void
test_argv_adapter_init (TestArgvAdapter *self)
{
}

/* An adapter that says which of its tests may share a process by a key
 * each test carries (object data "batch-key"; none: the test runs alone),
 * and records the batches it is handed. Every test's command starts with
 * the same program, so argv[0] would put them all together. */
#define TEST_TYPE_KEYED_ADAPTER (test_keyed_adapter_get_type ())
G_DECLARE_FINAL_TYPE (TestKeyedAdapter, test_keyed_adapter, TEST, KEYED_ADAPTER, GObject)

struct _TestKeyedAdapter
{
  GObject parent_instance;

  gboolean can_batch;
  GPtrArray *batches; /* (element-type GPtrArray<ShoalTestCase>) each command's tests */
};

static ShoalRunCommand *
test_keyed_adapter_prepare (ShoalAdapter *adapter,
                            GPtrArray *tests,
                            GError **error)
{
  TestKeyedAdapter *self = TEST_KEYED_ADAPTER (adapter);
  ShoalRunCommand *command = shoal_run_command_new (shoal_test_case_get_argv (tests->pdata[0]));
  GPtrArray *batch = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < tests->len; i++)
    {
      shoal_run_command_add_test (command, tests->pdata[i]);
      g_ptr_array_add (batch, g_object_ref (tests->pdata[i]));
    }
  g_ptr_array_add (self->batches, batch);
  return command;
}

static gboolean
test_keyed_adapter_can_batch (ShoalAdapter *adapter)
{
  return TEST_KEYED_ADAPTER (adapter)->can_batch;
}

static char *
test_keyed_adapter_get_batch_key (ShoalAdapter *adapter,
                                  ShoalTestCase *test)
{
  return g_strdup (g_object_get_data (G_OBJECT (test), "batch-key"));
}

static void
keyed_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->prepare = test_keyed_adapter_prepare;
  iface->can_batch = test_keyed_adapter_can_batch;
  iface->get_batch_key = test_keyed_adapter_get_batch_key;
}

G_DEFINE_TYPE_WITH_CODE (TestKeyedAdapter, test_keyed_adapter, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (SHOAL_TYPE_ADAPTER, keyed_adapter_iface_init))

static void
test_keyed_adapter_finalize (GObject *object)
{
  g_ptr_array_unref (TEST_KEYED_ADAPTER (object)->batches);
  G_OBJECT_CLASS (test_keyed_adapter_parent_class)->finalize (object);
}

static void
test_keyed_adapter_class_init (TestKeyedAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_keyed_adapter_finalize;
}

static void
test_keyed_adapter_init (TestKeyedAdapter *self)
{
  self->can_batch = TRUE;
  self->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
}

typedef struct
{
  char *dir;
  ShoalAdapter *adapter;
  ShoalScheduler *scheduler;
} Fixture;

static void
fixture_set_up (Fixture *fixture,
                gconstpointer data)
{
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *run_dir = NULL;
  guint workers = GPOINTER_TO_UINT (data);

  fixture->dir = g_dir_make_tmp ("shoal-scheduler-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->adapter = g_object_new (TEST_TYPE_ARGV_ADAPTER, NULL);

  shoal_plugin_registry_add_default_search_paths (registry);
  strategy = shoal_plugin_registry_create_strategy (registry, "fifo", &error);
  g_assert_no_error (error);

  fixture->scheduler = shoal_scheduler_new (workers);
  shoal_scheduler_set_strategy (fixture->scheduler, strategy);
  shoal_scheduler_set_kill_grace (fixture->scheduler, 0.5);
  run_dir = g_build_filename (fixture->dir, "run", NULL);
  shoal_scheduler_set_run_dir (fixture->scheduler, run_dir);
}

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

static void
fixture_tear_down (Fixture *fixture,
                   gconstpointer data)
{
  g_clear_object (&fixture->scheduler);
  g_clear_object (&fixture->adapter);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* Adds a test running `/bin/sh -c SCRIPT`, with $DIR set to the fixture's
 * directory. */
static ShoalTestCase *
add_shell_test (Fixture *fixture,
                const char *name,
                const char *script,
                double timeout)
{
  g_autoptr (ShoalTestCase) test = shoal_test_case_new ("s", name);
  g_autofree char *dir_var = g_strconcat ("DIR=", fixture->dir, NULL);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  const char *env[] = { dir_var, NULL };
  g_autoptr (GError) error = NULL;

  shoal_test_case_set_argv (test, argv);
  shoal_test_case_set_environment (test, env);
  shoal_test_case_set_timeout (test, timeout);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
  g_assert_no_error (error);
  return test;
}

static ShoalTestResult *
find_result (ShoalRunSummary *summary,
             const char *id)
{
  GPtrArray *results = shoal_run_summary_get_results (summary);

  for (guint i = 0; i < results->len; i++)
    if (g_str_equal (shoal_test_result_get_test_id (g_ptr_array_index (results, i)), id))
      return g_ptr_array_index (results, i);
  g_error ("no result for %s", id);
  return NULL;
}

static gboolean
pid_is_gone (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  /* A zombie whose parent is not us is dead; init reaps it. */
  if (g_file_get_contents (path, &stat, NULL, NULL) && strstr (stat, ") Z ") != NULL)
    return TRUE;
  g_test_message ("pid %d is alive: %s (we are %d)", pid, stat, (int) getpid ());
  return FALSE;
}

static GArray *
read_pids (Fixture *fixture,
           const char *name)
{
  g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        int pid = atoi (lines[i]);
        g_array_append_val (pids, pid);
      }
  return pids;
}

static void
test_outcomes (Fixture *fixture,
               gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  ShoalTestResult *result;

  add_shell_test (fixture, "pass", "echo hello; echo to-stderr >&2", 0);
  add_shell_test (fixture, "fail", "exit 3", 0);
  add_shell_test (fixture, "skip", "exit 77", 0);
  add_shell_test (fixture, "segv", "kill -SEGV $$", 0);
  add_shell_test (fixture, "after-segv", "true", 0);

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_total_tests (summary), ==, 5);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 2);
  g_assert_cmpuint (shoal_run_summary_get_failed_tests (summary), ==, 2);
  g_assert_cmpuint (shoal_run_summary_get_skipped_tests (summary), ==, 1);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 1);

  result = find_result (summary, "s::pass");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_exit_status (result), ==, 0);
  {
    g_autofree char *output = NULL;

    g_assert_true (g_file_get_contents (shoal_test_result_get_output_path (result), &output,
                                        NULL, NULL));
    g_assert_cmpstr (output, ==, "hello\nto-stderr\n");
  }

  result = find_result (summary, "s::fail");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_FAILED);
  g_assert_cmpint (shoal_test_result_get_exit_status (result), ==, 3);
  g_assert_cmpstr (shoal_test_result_get_message (result), ==, "exited with status 3");

  result = find_result (summary, "s::skip");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_SKIPPED);

  /* A crash is a result, and the run goes on. */
  result = find_result (summary, "s::segv");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_CRASHED);
  g_assert_cmpint (shoal_test_result_get_signal (result), ==, SIGSEGV);
  g_assert_cmpstr (shoal_test_result_get_message (result), ==,
                   "killed by signal 11 (Segmentation fault)");
  result = find_result (summary, "s::after-segv");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_PASSED);
}

/* Each attempt records the peak memory of its process (wait4's rusage):
 * a test holding 64 MiB shows at least that, and far more than one that
 * holds nothing. */
static void
test_peak_rss (Fixture *fixture,
               gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  gint64 big, small;

  /* valgrind has no pidfd_open(): the scheduler falls back to GLib's child
   * watch there, which reaps without the rusage. */
  if (g_getenv ("SHOAL_UNDER_VALGRIND") != NULL)
    {
      g_test_skip ("valgrind does not support pidfd_open()");
      return;
    }
  add_shell_test (fixture, "big", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); test ${#x} -gt 0", 0);
  add_shell_test (fixture, "small", "true", 0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 2);
  big = shoal_test_result_get_peak_rss (find_result (summary, "s::big"));
  small = shoal_test_result_get_peak_rss (find_result (summary, "s::small"));
  g_assert_cmpint (big, >=, 64 * 1024 * 1024);
  g_assert_cmpint (small, >, 0);
  g_assert_cmpint (small, <, big / 2);
}

static void
test_environment (Fixture *fixture,
                  gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *output = NULL;
  const char *env[] = { "SHOAL_GLOBAL=from-config", NULL };

  shoal_scheduler_set_environment (fixture->scheduler, env);
  shoal_scheduler_set_run_id (fixture->scheduler, "run-42");
  add_shell_test (fixture, "env",
                  "echo \"$SHOAL_TEST_ID $SHOAL_WORKER_ID $TEST_WORKER_ID $SHOAL_RUN_ID "
                  "$SHOAL_ATTEMPT $SHOAL_GLOBAL\"; test -n \"$DIR\"",
                  0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 0);
  g_assert_true (g_file_get_contents (
      shoal_test_result_get_output_path (find_result (summary, "s::env")), &output, NULL, NULL));
  g_assert_cmpstr (output, ==, "s::env w1 w1 run-42 1 from-config\n");
}

static void
test_concurrency_never_above_max (Fixture *fixture,
                                  gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) counts = NULL;
  int highest = 0;

  /* Each test marks itself running in a directory and records how many
   * were running at that moment, while its own mark is there. */
  for (guint i = 0; i < 16; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%02u", i);

      add_shell_test (fixture, name,
                      "mkdir -p \"$DIR/running\"; touch \"$DIR/running/$$\"; "
                      "ls \"$DIR/running\" | wc -l >> \"$DIR/counts\"; sleep 0.2; "
                      "rm \"$DIR/running/$$\"",
                      0);
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 16);

  counts = read_pids (fixture, "counts");
  g_assert_cmpuint (counts->len, ==, 16);
  for (guint i = 0; i < counts->len; i++)
    highest = MAX (highest, g_array_index (counts, int, i));
  g_assert_cmpint (highest, <=, 3);
  /* And the slots are used: 16 tests of 0.2 s at -j3 overlap. */
  g_assert_cmpint (highest, >=, 2);
}

static void
test_timeout_kills_group_and_grandchild (Fixture *fixture,
                                         gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pids = NULL;
  ShoalTestResult *result;
  double duration;

  /* The test and its grandchild ignore SIGTERM; only SIGKILL after the
   * grace period ends them. */
  add_shell_test (fixture, "stubborn",
                  "trap '' TERM; echo $$ >> \"$DIR/pids\"; "
                  "sh -c 'trap \"\" TERM; echo $$ >> \"$DIR/pids\"; while :; do sleep 0.05; done' & "
                  "while :; do sleep 0.05; done",
                  2.0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);

  result = find_result (summary, "s::stubborn");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_TIMEOUT);
  duration = shoal_test_result_get_duration (result);
  /* 2 s to the SIGTERM (time enough to set its traps on a loaded machine),
   * 0.5 s of grace, then SIGKILL: its real time. */
  g_assert_cmpfloat (duration, >=, 2.4);
  g_assert_cmpfloat (duration, <, 10);
  g_assert_true (g_str_has_prefix (shoal_test_result_get_message (result),
                                   "timed out after 2 s (killed after "));

  pids = read_pids (fixture, "pids");
  g_assert_cmpuint (pids->len, ==, 2);
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, int, i)));
}

static void
test_escaped_processes_are_killed (Fixture *fixture,
                                   gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pids = NULL;
  ShoalTestResult *result;

  /* A daemon that leaves the process group (setsid) and double-forks,
   * then a test that exits at once and passes. */
  add_shell_test (fixture, "leaky",
                  "setsid sh -c 'sleep 300 & echo $! >> \"$DIR/pids\"; "
                  "sh -c \"sleep 300 & echo \\$! >> $DIR/pids\"; wait' & "
                  "while [ $(cat \"$DIR/pids\" 2>/dev/null | wc -l) -lt 2 ]; do sleep 0.01; done",
                  0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);

  result = find_result (summary, "s::leaky");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_PASSED);
  g_assert_cmpstr (shoal_test_result_get_message (result), ==,
                   "left processes behind (some outside its process group); they were killed");
  pids = read_pids (fixture, "pids");
  g_assert_cmpuint (pids->len, ==, 2);
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, int, i)));
}

static void
test_dependencies (Fixture *fixture,
                   gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestCase) second = shoal_test_case_new ("s", "second");
  g_autoptr (ShoalTestCase) first = shoal_test_case_new ("s", "first");
  g_autofree char *order = NULL;
  g_autofree char *order_path = g_build_filename (fixture->dir, "order", NULL);
  g_autofree char *dir_var = g_strconcat ("DIR=", fixture->dir, NULL);
  const char *env[] = { dir_var, NULL };
  const char *deps[] = { "s::first", NULL };
  const char *second_argv[] = { "/bin/sh", "-c", "echo second >> \"$DIR/order\"", NULL };
  const char *first_argv[] = { "/bin/sh", "-c", "sleep 0.3; echo first >> \"$DIR/order\"", NULL };
  ShoalTestResult *r1, *r2;

  /* Added in reverse order: the dependency decides, not the order. */
  shoal_test_case_set_argv (second, second_argv);
  shoal_test_case_set_environment (second, env);
  shoal_test_case_set_dependencies (second, deps);
  shoal_test_case_set_argv (first, first_argv);
  shoal_test_case_set_environment (first, env);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, second, fixture->adapter, &error));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, first, fixture->adapter, &error));
  g_assert_no_error (error);

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 0);
  g_assert_true (g_file_get_contents (order_path, &order, NULL, NULL));
  g_assert_cmpstr (order, ==, "first\nsecond\n");
  r1 = find_result (summary, "s::first");
  r2 = find_result (summary, "s::second");
  g_assert_cmpint (shoal_test_result_get_start_time (r2), >=, shoal_test_result_get_end_time (r1));
}

static void
test_dependency_cycle (Fixture *fixture,
                       gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  const char *a_deps[] = { "s::c", NULL };
  const char *b_deps[] = { "s::a", NULL };
  const char *c_deps[] = { "s::b", NULL };
  ShoalTestCase *a, *b, *c;
  g_autoptr (ShoalTestCase) a_ref = shoal_test_case_new ("s", "a");
  g_autoptr (ShoalTestCase) b_ref = shoal_test_case_new ("s", "b");
  g_autoptr (ShoalTestCase) c_ref = shoal_test_case_new ("s", "c");
  const char *argv[] = { "/bin/true", NULL };

  a = a_ref, b = b_ref, c = c_ref;
  shoal_test_case_set_dependencies (a, a_deps);
  shoal_test_case_set_dependencies (b, b_deps);
  shoal_test_case_set_dependencies (c, c_deps);
  shoal_test_case_set_argv (a, argv);
  shoal_test_case_set_argv (b, argv);
  shoal_test_case_set_argv (c, argv);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, a, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, b, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, c, fixture->adapter, NULL));

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_null (summary);
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "the tests depend on each other in a cycle: s::a -> s::b -> s::c -> s::a "
                   "(each runs before the next)");
}

static void
test_duplicate_id (Fixture *fixture,
                   gconstpointer data)
{
  g_autoptr (ShoalTestCase) one = shoal_test_case_new ("s", "same");
  g_autoptr (ShoalTestCase) two = shoal_test_case_new ("s", "same");
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, one, fixture->adapter, &error));
  g_assert_false (shoal_scheduler_add_test (fixture->scheduler, two, fixture->adapter, &error));
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "two tests have the id 's::same'");
  /* Added tests are sealed: the run can share them. */
  g_assert_true (shoal_test_case_is_sealed (one));
}

static void
test_spawn_failure_is_an_error_result (Fixture *fixture,
                                       gconstpointer data)
{
  g_autoptr (ShoalTestCase) test = shoal_test_case_new ("s", "missing");
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/nonexistent/program", NULL };
  ShoalTestResult *result;

  shoal_test_case_set_argv (test, argv);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, NULL));
  add_shell_test (fixture, "other", "true", 0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  result = find_result (summary, "s::missing");
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_ERROR);
  g_assert_true (g_str_has_prefix (shoal_test_result_get_message (result),
                                   "cannot start /nonexistent/program: "));
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::other")), ==,
                   SHOAL_OUTCOME_PASSED);
}

typedef struct
{
  ShoalScheduler *scheduler;
  guint started;
  guint wanted;
} InterruptState;

static gboolean
interrupt_now (gpointer user_data)
{
  shoal_scheduler_interrupt (SHOAL_SCHEDULER (user_data));
  return G_SOURCE_REMOVE;
}

static void
interrupt_when_started (ShoalScheduler *scheduler,
                        ShoalEvent *event,
                        InterruptState *state)
{
  /* Once both slots are busy, and the long test had time to write its pid;
   * the run iterates its own context, so the timer goes there. */
  if (shoal_event_get_kind (event) == SHOAL_EVENT_TEST_STARTED && ++state->started == state->wanted)
    {
      g_autoptr (GSource) source = g_timeout_source_new (500);

      g_source_set_callback (source, interrupt_now, scheduler, NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
    }
}

static void
test_interrupt_writes_reports (Fixture *fixture,
                               gconstpointer data)
{
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (ShoalReporter) json = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GArray) pids = NULL;
  g_autofree char *report = g_build_filename (fixture->dir, "report.json", NULL);
  g_autofree char *events_path = g_build_filename (fixture->dir, "run", "events.ndjson", NULL);
  InterruptState state = { fixture->scheduler, 0, 3 };
  JsonObject *root;
  ShoalEvent *last;

  shoal_plugin_registry_add_default_search_paths (registry);
  json = shoal_plugin_registry_create_reporter (registry, "json", &error);
  g_assert_no_error (error);
  g_assert_true (shoal_reporter_open (json, report, &error));
  shoal_scheduler_add_reporter (fixture->scheduler, json);

  add_shell_test (fixture, "quick", "true", 0);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("long%u", i);

      add_shell_test (fixture, name, "echo $$ >> \"$DIR/pids\"; sleep 300", 0);
    }
  g_signal_connect (fixture->scheduler, "event", G_CALLBACK (interrupt_when_started), &state);

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_run_summary_get_interrupted (summary));
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 130);
  /* Three tests had started (quick, then long0 and long1 on the two
   * slots); nothing started after. */
  g_assert_cmpuint (shoal_run_summary_get_total_tests (summary), ==, 3);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::quick")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::long0")), ==,
                   SHOAL_OUTCOME_ERROR);
  g_assert_cmpstr (shoal_test_result_get_message (find_result (summary, "s::long0")), ==,
                   "interrupted: the run was stopped");

  /* The report is complete, */
  g_assert_true (json_parser_load_from_file (parser, report, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "total_tests"), ==, 3);
  g_assert_true (json_object_get_boolean_member (root, "interrupted"));
  /* the stream ends with run-finished, */
  events = shoal_event_log_read (events_path, NULL, &error);
  g_assert_no_error (error);
  last = g_ptr_array_index (events, events->len - 1);
  g_assert_cmpint (shoal_event_get_kind (last), ==, SHOAL_EVENT_RUN_FINISHED);
  g_assert_cmpint (shoal_event_get_int (last, "exit_status", -1), ==, 130);
  /* and no test outlives the run. */
  pids = read_pids (fixture, "pids");
  g_assert_cmpuint (pids->len, ==, 2);
  for (guint i = 0; i < pids->len; i++)
    g_assert_true (pid_is_gone (g_array_index (pids, int, i)));
}

static void
check_stream (const char *events_path,
              guint expected_results)
{
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GHashTable) started = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) error = NULL;
  guint finished = 0;

  events = shoal_event_log_read (events_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_event_get_kind (g_ptr_array_index (events, 0)), ==,
                   SHOAL_EVENT_RUN_STARTED);
  g_assert_cmpint (shoal_event_get_kind (g_ptr_array_index (events, events->len - 1)), ==,
                   SHOAL_EVENT_RUN_FINISHED);
  for (guint i = 0; i < events->len; i++)
    {
      ShoalEvent *event = g_ptr_array_index (events, i);

      g_assert_cmpuint (shoal_event_get_sequence (event), ==, i + 1);
      if (shoal_event_get_kind (event) == SHOAL_EVENT_TEST_STARTED)
        g_hash_table_add (started, g_strdup (shoal_event_get_string (event, "test_id")));
      else if (shoal_event_get_kind (event) == SHOAL_EVENT_TEST_FINISHED)
        {
          g_autoptr (ShoalTestResult) result = shoal_event_dup_result (event, &error);

          g_assert_no_error (error);
          g_assert_true (g_hash_table_contains (started, shoal_test_result_get_test_id (result)));
          finished++;
        }
    }
  g_assert_cmpuint (finished, ==, expected_results);
}

static void
test_event_stream (Fixture *fixture,
                   gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *events_path = g_build_filename (fixture->dir, "run", "events.ndjson", NULL);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);

      add_shell_test (fixture, name, i % 2 ? "true" : "false", 0);
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  check_stream (events_path, 6);
}

static void
kill_self_after_three (ShoalScheduler *scheduler,
                       ShoalEvent *event,
                       guint *finished)
{
  if (shoal_event_get_kind (event) == SHOAL_EVENT_TEST_FINISHED && ++*finished == 3)
    raise (SIGKILL);
}

static void
test_killed_runner_leaves_a_readable_stream (Fixture *fixture,
                                             gconstpointer data)
{
  g_autofree char *events_path = g_build_filename (fixture->dir, "run", "events.ndjson", NULL);

  if (g_test_subprocess ())
    {
      guint finished = 0;

      add_shell_test (fixture, "a", "echo $$ >> \"$DIR/pids\"", 0);
      add_shell_test (fixture, "b", "echo $$ >> \"$DIR/pids\"", 0);
      add_shell_test (fixture, "c", "echo $$ >> \"$DIR/pids\"", 0);
      add_shell_test (fixture, "d", "echo $$ >> \"$DIR/pids\"; sleep 300", 0);
      add_shell_test (fixture, "e", "echo $$ >> \"$DIR/pids\"; sleep 300", 0);
      g_signal_connect (fixture->scheduler, "event", G_CALLBACK (kill_self_after_three), &finished);
      shoal_scheduler_run (fixture->scheduler, NULL, NULL);
      g_assert_not_reached ();
    }
  else
    {
      /* The child runs in the same fixture directory. */
      g_autoptr (GPtrArray) events = NULL;
      g_autoptr (GArray) pids = NULL;
      g_autoptr (GError) error = NULL;
      guint finished = 0;

      g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();

      events = shoal_event_log_read (events_path, NULL, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < events->len; i++)
        if (shoal_event_get_kind (g_ptr_array_index (events, i)) == SHOAL_EVENT_TEST_FINISHED)
          finished++;
      g_assert_cmpuint (finished, ==, 3);

      /* The tests that were running died with the runner. */
      pids = read_pids (fixture, "pids");
      for (guint attempt = 0; attempt < 100; attempt++)
        {
          gboolean all_gone = TRUE;

          for (guint i = 0; i < pids->len; i++)
            all_gone = all_gone && pid_is_gone (g_array_index (pids, int, i));
          if (all_gone)
            break;
          g_usleep (20000);
        }
      for (guint i = 0; i < pids->len; i++)
        g_assert_true (pid_is_gone (g_array_index (pids, int, i)));
    }
}

/* The runner that gets killed runs in a subprocess; parent and child share
 * a directory named after the parent's pid. */
static void
fixture_set_up_shared (Fixture *fixture,
                       gconstpointer data)
{
  g_autofree char *name = g_strdup_printf ("shoal-killed-runner-%d",
                                           g_test_subprocess () ? (int) getppid () : (int) getpid ());
  g_autofree char *run_dir = NULL;

  fixture_set_up (fixture, data);
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  fixture->dir = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
  run_dir = g_build_filename (fixture->dir, "run", NULL);
  shoal_scheduler_set_run_dir (fixture->scheduler, run_dir);
}

static void
fixture_tear_down_shared (Fixture *fixture,
                          gconstpointer data)
{
  if (g_test_subprocess ())
    return;
  fixture_tear_down (fixture, data);
}

/* Resources: locks and pools */

static void
use_managers (Fixture *fixture,
              ShoalLockManager **out_locks,
              ShoalResourcePoolManager **out_pools)
{
  g_autoptr (ShoalLockManager) locks = shoal_lock_manager_new ();
  g_autoptr (ShoalResourcePoolManager) pools = shoal_resource_pool_manager_new ();

  shoal_scheduler_set_lock_manager (fixture->scheduler, locks);
  shoal_scheduler_set_pool_manager (fixture->scheduler, pools);
  *out_locks = g_steal_pointer (&locks);
  *out_pools = g_steal_pointer (&pools);
}

static ShoalTestCase *
add_resource_test (Fixture *fixture,
                   const char *name,
                   const char *script,
                   const char *const *resources)
{
  ShoalTestCase *test = shoal_test_case_new ("s", name);
  g_autofree char *dir_var = g_strconcat ("DIR=", fixture->dir, NULL);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  const char *env[] = { dir_var, NULL };

  shoal_test_case_set_argv (test, argv);
  shoal_test_case_set_environment (test, env);
  shoal_test_case_set_required_resources (test, resources);
  return test;
}

/* Each test appends "<name> <start-ns> <end-ns> <what it held>" to $DIR/log;
 * the records are then checked for overlaps. */
#define RECORD_SCRIPT_FOR(seconds, held) \
  "s=$(date +%s%N); sleep " seconds "; e=$(date +%s%N); echo \"$SHOAL_TEST_ID $s $e " held "\" >> \"$DIR/log\""
#define RECORD_SCRIPT(held) RECORD_SCRIPT_FOR ("0.05", held)

typedef struct
{
  char *name;
  gint64 start;
  gint64 end;
  char *held;
} Record;

static void
record_free (gpointer data)
{
  Record *record = data;

  g_free (record->name);
  g_free (record->held);
  g_free (record);
}

static GPtrArray *
read_records (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->dir, "log", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *records = g_ptr_array_new_with_free_func (record_free);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (g_strstrip (contents), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 4);
      Record *record = g_new0 (Record, 1);

      g_assert_cmpuint (g_strv_length (fields), >=, 3);
      record->name = g_strdup (fields[0]);
      record->start = g_ascii_strtoll (fields[1], NULL, 10);
      record->end = g_ascii_strtoll (fields[2], NULL, 10);
      record->held = g_strdup (fields[3] != NULL ? fields[3] : "");
      g_ptr_array_add (records, record);
    }
  return records;
}

/* The most records that overlap in time among those @keep selects. */
static guint
max_overlap (GPtrArray *records,
             gboolean (*keep) (Record *, gconstpointer),
             gconstpointer data)
{
  guint best = 0;

  for (guint i = 0; i < records->len; i++)
    {
      Record *a = records->pdata[i];
      guint overlapping = 0;

      if (!keep (a, data))
        continue;
      for (guint j = 0; j < records->len; j++)
        {
          Record *b = records->pdata[j];

          if (keep (b, data) && b->start <= a->start && a->start < b->end)
            overlapping++;
        }
      best = MAX (best, overlapping);
    }
  return best;
}

static gboolean
holds (Record *record,
       gconstpointer word)
{
  g_auto (GStrv) held = g_strsplit (record->held, " ", -1);

  return g_strv_contains ((const char *const *) held, word);
}

static gboolean
holds_prefix (Record *record,
              gconstpointer prefix)
{
  return strstr (record->held, prefix) != NULL;
}

static void
test_exclusive_and_shared_resources (Fixture *fixture,
                                     gconstpointer data)
{
  g_autoptr (ShoalLockManager) locks = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  const char *db[] = { "db", NULL };
  const char *data_res[] = { "data", NULL };

  use_managers (fixture, &locks, &pools);
  g_assert_true (shoal_lock_manager_register_resource (locks, "db", "database", TRUE, &error));
  g_assert_true (shoal_lock_manager_register_resource (locks, "data", "files", FALSE, &error));
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("db%u", i);
      g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name, RECORD_SCRIPT ("db"), db);

      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("data%u", i);
      g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name, RECORD_SCRIPT_FOR ("0.5", "data"),
                                                          data_res);

      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 12);
  g_assert_cmpstrv (shoal_test_result_get_resources (find_result (summary, "s::db0")),
                    ((const char *const[]){ "db", NULL }));

  records = read_records (fixture);
  /* Never two holders of the exclusive one; the shared one is shared. */
  g_assert_cmpuint (max_overlap (records, holds, "db"), ==, 1);
  g_assert_cmpuint (max_overlap (records, holds, "data"), >=, 2);
}

static void
test_pools_hand_out_identities (Fixture *fixture,
                                gconstpointer data)
{
  g_autoptr (ShoalLockManager) locks = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  const char *one[] = { "drivers", NULL };
  const char *two[] = { "drivers:2", NULL };

  use_managers (fixture, &locks, &pools);
  g_assert_true (shoal_resource_pool_manager_add_pool (pools, "drivers", 3, &error));
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      g_autoptr (ShoalTestCase) test = add_resource_test (
          fixture, name, RECORD_SCRIPT ("$(echo $SHOAL_RESOURCE_DRIVERS | sed 's/^/d/; s/,/ d/g')"),
          i % 3 == 0 ? two : one);

      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 10);
  g_assert_cmpuint (g_strv_length ((GStrv) shoal_test_result_get_resources (find_result (summary, "s::t0"))),
                    ==, 2);
  g_assert_true (g_str_has_prefix (shoal_test_result_get_resources (find_result (summary, "s::t1"))[0],
                                   "drivers:"));

  records = read_records (fixture);
  g_assert_cmpuint (records->len, ==, 10);
  /* No instance ever has two holders, and the pool's size bounds them. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *word = g_strdup_printf ("d%u", i);

      g_assert_cmpuint (max_overlap (records, holds, word), <=, 1);
    }
  g_assert_cmpuint (max_overlap (records, holds_prefix, "d"), <=, 3);
}

static void
test_requires_skips_and_before_orders (Fixture *fixture,
                                       gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestCase) fails = shoal_test_case_new ("s", "fails");
  g_autoptr (ShoalTestCase) needs = shoal_test_case_new ("s", "needs-it");
  g_autoptr (ShoalTestCase) needs_needs = shoal_test_case_new ("s", "needs-that");
  g_autoptr (ShoalTestCase) after = shoal_test_case_new ("s", "after-it");
  const char *false_argv[] = { "/bin/false", NULL };
  const char *true_argv[] = { "/bin/true", NULL };
  const char *req1[] = { "s::fails", NULL };
  const char *req2[] = { "s::needs-it", NULL };

  shoal_test_case_set_argv (fails, false_argv);
  shoal_test_case_set_argv (needs, true_argv);
  shoal_test_case_set_requirements (needs, req1);
  shoal_test_case_set_argv (needs_needs, true_argv);
  shoal_test_case_set_requirements (needs_needs, req2);
  shoal_test_case_set_argv (after, true_argv);
  shoal_test_case_set_dependencies (after, req1);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, needs_needs, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, needs, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, after, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, fails, fixture->adapter, NULL));

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::needs-it")), ==,
                   SHOAL_OUTCOME_SKIPPED);
  g_assert_cmpstr (shoal_test_result_get_message (find_result (summary, "s::needs-it")), ==,
                   "skipped: it requires s::fails, which did not pass");
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::needs-that")), ==,
                   SHOAL_OUTCOME_SKIPPED);
  g_assert_cmpstr (shoal_test_result_get_message (find_result (summary, "s::needs-that")), ==,
                   "skipped: it requires s::needs-it, which was skipped");
  /* `before` only orders: it runs, after the failure. */
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::after-it")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_start_time (find_result (summary, "s::after-it")), >=,
                   shoal_test_result_get_end_time (find_result (summary, "s::fails")));
}

/* Adds a test that runs @script and is skipped if one of @unless_failed
 * failed. */
static void
add_skip_if_failed_test (Fixture *fixture,
                         const char *name,
                         const char *script,
                         const char *const *unless_failed)
{
  g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name, script, NULL);
  g_autoptr (GError) error = NULL;

  shoal_test_case_set_skip_if_failed (test, unless_failed);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
  g_assert_no_error (error);
}

static void
assert_outcome (ShoalRunSummary *summary,
                const char *id,
                ShoalOutcome outcome,
                const char *message)
{
  ShoalTestResult *result = find_result (summary, id);

  g_assert_nonnull (result);
  g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                   shoal_outcome_to_string (outcome));
  if (message != NULL)
    g_assert_cmpstr (shoal_test_result_get_message (result), ==, message);
}

static void
test_skip_if_failed (Fixture *fixture,
                     gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestCase) skips = add_resource_test (fixture, "skips", "exit 77", NULL);
  g_autoptr (ShoalTestCase) fails = add_resource_test (fixture, "fails", "exit 1", NULL);
  g_autoptr (ShoalTestCase) requires_skip = add_resource_test (fixture, "requires-skip", "true", NULL);
  g_autoptr (ShoalTestCase) via_api = add_resource_test (fixture, "via-api", "true", NULL);
  const char *skips_id[] = { "s::skips", NULL };

  g_test_summary ("skip_if_failed: a dependency that was skipped lets the dependent run "
                  "after it, one that failed skips it with a reason naming it, and a test "
                  "skipped for a failure passes the failure on, as ctest treats fixtures");

  shoal_test_case_set_requirements (requires_skip, skips_id);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, skips, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, fails, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, requires_skip, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, via_api, fixture->adapter, NULL));
  add_skip_if_failed_test (fixture, "after-skip", "true", skips_id);
  add_skip_if_failed_test (fixture, "after-fail", "true", (const char *[]){ "s::fails", NULL });
  add_skip_if_failed_test (fixture, "after-after-fail", "true",
                           (const char *[]){ "s::after-fail", NULL });
  add_skip_if_failed_test (fixture, "after-both", "true",
                           (const char *[]){ "s::skips", "s::fails", NULL });
  add_skip_if_failed_test (fixture, "after-requires-skip", "true",
                           (const char *[]){ "s::requires-skip", NULL });
  g_assert_true (shoal_scheduler_add_test_dependency (fixture->scheduler, "s::via-api", "s::fails",
                                                      "skip_if_failed", &error));
  g_assert_no_error (error);

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  assert_outcome (summary, "s::skips", SHOAL_OUTCOME_SKIPPED, NULL);
  assert_outcome (summary, "s::fails", SHOAL_OUTCOME_FAILED, NULL);
  /* Skipped: it runs, after it. */
  assert_outcome (summary, "s::after-skip", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpint (shoal_test_result_get_start_time (find_result (summary, "s::after-skip")), >=,
                   shoal_test_result_get_end_time (find_result (summary, "s::skips")));
  /* Failed: skipped, naming it; and so is what depends on that skip. */
  assert_outcome (summary, "s::after-fail", SHOAL_OUTCOME_SKIPPED,
                  "skipped: it depends on s::fails, which failed");
  assert_outcome (summary, "s::after-after-fail", SHOAL_OUTCOME_SKIPPED,
                  "skipped: it depends on s::after-fail, which was skipped because of a failure");
  assert_outcome (summary, "s::after-both", SHOAL_OUTCOME_SKIPPED,
                  "skipped: it depends on s::fails, which failed");
  assert_outcome (summary, "s::via-api", SHOAL_OUTCOME_SKIPPED,
                  "skipped: it depends on s::fails, which failed");
  /* `requires` still skips for a skipped dependency; that skip is no
   * failure. */
  assert_outcome (summary, "s::requires-skip", SHOAL_OUTCOME_SKIPPED,
                  "skipped: it requires s::skips, which did not pass");
  assert_outcome (summary, "s::after-requires-skip", SHOAL_OUTCOME_PASSED, NULL);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 2);
}

static void
test_add_test_dependency (Fixture *fixture,
                          gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestCase) create = add_resource_test (fixture, "create", "exit 1", NULL);
  g_autoptr (ShoalTestCase) login = add_resource_test (fixture, "login", "true", NULL);
  g_autoptr (ShoalTestCase) logout = add_resource_test (fixture, "logout", "true", NULL);

  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, logout, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, login, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, create, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test_dependency (fixture->scheduler, "s::login", "s::create",
                                                      "requires", &error));
  g_assert_true (shoal_scheduler_add_test_dependency (fixture->scheduler, "s::logout", "s::create",
                                                      "before", &error));
  g_assert_false (shoal_scheduler_add_test_dependency (fixture->scheduler, "s::logout", "s::create",
                                                       "after", &error));
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "unknown dependency type 'after' (it is 'before', 'requires' or "
                   "'skip_if_failed')");
  g_clear_error (&error);
  g_assert_false (shoal_scheduler_add_test_dependency (fixture->scheduler, "s::nobody", "s::create",
                                                       "before", &error));
  g_assert_cmpstr (error->message, ==, "no test 's::nobody' in this run");
  g_clear_error (&error);

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::login")), ==,
                   SHOAL_OUTCOME_SKIPPED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::logout")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_start_time (find_result (summary, "s::logout")), >=,
                   shoal_test_result_get_end_time (find_result (summary, "s::create")));
}

static void
test_bad_resource_requests (Fixture *fixture,
                            gconstpointer data)
{
  struct
  {
    const char *request;
    const char *message;
  } cases[] = {
    { "nowhere", "test 's::t' needs the resource 'nowhere', which is neither in resources: nor in "
                 "resource_pools:" },
    { "db:2", "test 's::t' asks for 2 of 'db', but 'db' is a resource one holds or shares, not a "
              "pool: ask for it without a count" },
    { "drivers:5", "test 's::t' asks for 5 of pool 'drivers', which has at most 2" },
    { "drivers:-1", "test 's::t': malformed resource request 'drivers:-1': the count must be a "
                    "positive integer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ShoalScheduler) scheduler = shoal_scheduler_new (2);
      g_autoptr (ShoalLockManager) locks = shoal_lock_manager_new ();
      g_autoptr (ShoalResourcePoolManager) pools = shoal_resource_pool_manager_new ();
      g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
      g_autoptr (ShoalStrategy) strategy = NULL;
      g_autoptr (ShoalTestCase) test = shoal_test_case_new ("s", "t");
      g_autoptr (ShoalRunSummary) summary = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *run_dir = g_build_filename (fixture->dir, "bad", NULL);
      const char *request[] = { cases[i].request, NULL };
      const char *argv[] = { "/bin/true", NULL };

      shoal_plugin_registry_add_default_search_paths (registry);
      strategy = shoal_plugin_registry_create_strategy (registry, "fifo", &error);
      g_assert_no_error (error);
      g_assert_true (shoal_lock_manager_register_resource (locks, "db", "database", TRUE, &error));
      g_assert_true (shoal_resource_pool_manager_add_pool (pools, "drivers", 2, &error));
      shoal_scheduler_set_strategy (scheduler, strategy);
      shoal_scheduler_set_lock_manager (scheduler, locks);
      shoal_scheduler_set_pool_manager (scheduler, pools);
      shoal_scheduler_set_run_dir (scheduler, run_dir);
      shoal_test_case_set_argv (test, argv);
      shoal_test_case_set_required_resources (test, request);
      g_assert_true (shoal_scheduler_add_test (scheduler, test, fixture->adapter, NULL));
      summary = shoal_scheduler_run (scheduler, NULL, &error);
      g_assert_null (summary);
      g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_resource_timeout (Fixture *fixture,
                       gconstpointer data)
{
  g_autoptr (ShoalLockManager) locks = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestCase) holder = NULL;
  g_autoptr (ShoalTestCase) waiter = NULL;
  const char *db[] = { "db", NULL };

  use_managers (fixture, &locks, &pools);
  g_assert_true (shoal_lock_manager_register_resource (locks, "db", "database", TRUE, &error));
  shoal_scheduler_set_resource_timeout (fixture->scheduler, 0.5);
  holder = add_resource_test (fixture, "holder", "sleep 3", db);
  waiter = add_resource_test (fixture, "waiter", "true", db);
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, holder, fixture->adapter, NULL));
  g_assert_true (shoal_scheduler_add_test (fixture->scheduler, waiter, fixture->adapter, NULL));

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::holder")), ==,
                   SHOAL_OUTCOME_PASSED);
  g_assert_cmpint (shoal_test_result_get_outcome (find_result (summary, "s::waiter")), ==,
                   SHOAL_OUTCOME_ERROR);
  g_assert_cmpstr (shoal_test_result_get_message (find_result (summary, "s::waiter")), ==,
                   "waited 0.5 s for its resources and gave up: 'db' (held by s::holder)");
}

static void
test_slots (Fixture *fixture,
            gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name,
                                                          RECORD_SCRIPT_FOR ("0.5", "any"), NULL);

      /* The first takes both slots of the run: it runs alone. */
      if (i == 0)
        shoal_test_case_set_slots (test, 2);
      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 4);
  records = read_records (fixture);
  for (guint i = 0; i < records->len; i++)
    {
      Record *wide = records->pdata[i];

      if (!g_str_equal (wide->name, "s::t0"))
        continue;
      for (guint j = 0; j < records->len; j++)
        {
          Record *other = records->pdata[j];

          if (other != wide)
            g_assert_true (other->end <= wide->start || other->start >= wide->end);
        }
    }
  g_assert_cmpuint (max_overlap (records, holds, "any"), ==, 2);
}

/* An exclusive test runs with nothing beside it; locks a framework
 * declares (CTest RESOURCE_LOCK) need no declaration and are exclusive,
 * while a declared shared resource of the same name stays shared. */
static void
test_exclusive_and_declared_locks (Fixture *fixture,
                                   gconstpointer data)
{
  g_autoptr (ShoalLockManager) locks = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  const char *cache[] = { "cache", NULL };
  const char *shared[] = { "data", NULL };

  use_managers (fixture, &locks, &pools);
  g_assert_true (shoal_lock_manager_register_resource (locks, "data", "files", FALSE, &error));
  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      const char *held = i == 0 ? "alone" : i < 4 ? "cache"
                                                  : "data";
      g_autofree char *script = g_strdup_printf (
          "s=$(date +%%s%%N); sleep 0.3; e=$(date +%%s%%N); echo \"$SHOAL_TEST_ID $s $e %s\" >> \"$DIR/log\"",
          held);
      g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name, script, NULL);

      if (i == 0)
        shoal_test_case_set_exclusive (test, TRUE);
      else if (i < 4)
        shoal_test_case_set_locks (test, cache);
      else
        shoal_test_case_set_locks (test, shared);
      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 8);
  g_assert_cmpstrv (shoal_test_result_get_resources (find_result (summary, "s::t1")), cache);
  g_assert_true (shoal_lock_manager_has_resource (locks, "cache"));

  records = read_records (fixture);
  g_assert_cmpuint (max_overlap (records, holds, "alone"), ==, 1);
  for (guint i = 0; i < records->len; i++)
    {
      Record *alone = records->pdata[i];

      if (!g_str_equal (alone->held, "alone"))
        continue;
      for (guint j = 0; j < records->len; j++)
        {
          Record *other = records->pdata[j];

          if (other != alone)
            g_assert_true (other->end <= alone->start || other->start >= alone->end);
        }
    }
  g_assert_cmpuint (max_overlap (records, holds, "cache"), ==, 1);
  g_assert_cmpuint (max_overlap (records, holds, "data"), >=, 2);
}

/* Dynamic workers: with other load saturating the CPUs (a fake load
 * average), the run shrinks to its minimum of one busy slot, and grows back
 * once the load is gone (the fifth test clears it). While one slot is
 * active, the tests that start never overlap. */
static void
test_workers_follow_the_load (Fixture *fixture,
                              gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *load_path = g_build_filename (fixture->dir, "loadavg", NULL);
  g_autofree char *events_path = g_build_filename (fixture->dir, "run", "events.ndjson", NULL);
  gint64 shrunk_at = 0, grown_at = 0;
  guint in_window = 0;
  GPtrArray *results;

  g_assert_true (g_file_set_contents (load_path, "500.00 500.00 500.00 1/1 1\n", -1, NULL));
  g_setenv ("SHOAL_LOADAVG_FILE", load_path, TRUE);
  g_setenv ("SHOAL_PRESSURE_INTERVAL", "0.05", TRUE);
  shoal_scheduler_set_min_workers (fixture->scheduler, 1);
  for (guint i = 0; i < 14; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%02u", i);
      g_autofree char *script = g_strdup_printf (
          "s=$(date +%%s%%N); sleep 0.25; %s e=$(date +%%s%%N); "
          "echo \"$SHOAL_TEST_ID $s $e any\" >> \"$DIR/log\"",
          i == 5 ? "echo '0.00 0.00 0.00 1/1 1' > \"$DIR/loadavg\";" : "");
      g_autoptr (ShoalTestCase) test = add_resource_test (fixture, name, script, NULL);

      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_unsetenv ("SHOAL_LOADAVG_FILE");
  g_unsetenv ("SHOAL_PRESSURE_INTERVAL");
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 14);

  events = shoal_event_log_read (events_path, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    {
      ShoalEvent *event = events->pdata[i];
      const char *message = shoal_event_get_string (event, "message");

      if (shoal_event_get_kind (event) != SHOAL_EVENT_LOG_MESSAGE || message == NULL)
        continue;
      if (shrunk_at == 0 && g_str_has_prefix (message, "workers: 1 active"))
        shrunk_at = shoal_event_get_timestamp (event) * 1000;
      if (shrunk_at != 0 && grown_at == 0 && g_str_has_prefix (message, "workers: 2 active (tests"))
        grown_at = shoal_event_get_timestamp (event) * 1000;
    }
  g_assert_cmpint (shrunk_at, >, 0);
  g_assert_cmpint (grown_at, >, shrunk_at);

  /* Tests that started while one slot was active ran one at a time (as
   * the scheduler saw them: from spawn to reaping). */
  results = shoal_run_summary_get_results (summary);
  for (guint i = 0; i < results->len; i++)
    {
      gint64 a_start = shoal_test_result_get_start_time (results->pdata[i]) * 1000;
      gint64 a_end = shoal_test_result_get_end_time (results->pdata[i]) * 1000;

      if (a_start < shrunk_at || a_start >= grown_at)
        continue;
      in_window++;
      for (guint j = 0; j < results->len; j++)
        {
          gint64 b_start = shoal_test_result_get_start_time (results->pdata[j]) * 1000;
          gint64 b_end = shoal_test_result_get_end_time (results->pdata[j]) * 1000;

          if (j != i && b_start >= shrunk_at && b_start < grown_at)
            g_assert_true (b_end <= a_start || b_start >= a_end);
        }
    }
  g_assert_cmpuint (in_window, >=, 1);
  /* Outside that window tests did run side by side (how many depends on
   * the machine's speed: at most the three workers). */
  records = read_records (fixture);
  g_assert_cmpuint (max_overlap (records, holds, "any"), >=, 2);
  g_assert_cmpuint (max_overlap (records, holds, "any"), <=, 3);
}

/* A worker whose test environments cannot be made is marked failed after
 * three tries; its tests run on the other worker, and nothing is lost. */
static void
test_failed_worker_is_replaced (Fixture *fixture,
                                gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_build_filename (fixture->dir, "tmp", NULL);
  g_autoptr (ShoalEnvironmentManager) manager = shoal_environment_manager_new (base);
  g_autofree char *events_path = g_build_filename (fixture->dir, "run", "events.ndjson", NULL);
  g_autofree char *broken = NULL;
  g_autofree char *tests_dir = NULL;
  gboolean stopped = FALSE;
  GPtrArray *results;

  /* w2's directory for tests is a file: nothing can be made in it. */
  broken = shoal_environment_manager_create_worker_environment (manager, "w2", NULL, &error);
  g_assert_no_error (error);
  tests_dir = g_build_filename (broken, "tests", NULL);
  g_assert_cmpint (g_rmdir (tests_dir), ==, 0);
  g_assert_true (g_file_set_contents (tests_dir, "not a directory", -1, NULL));
  shoal_scheduler_set_environment_manager (fixture->scheduler, manager);

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);

      add_shell_test (fixture, name, "sleep 0.05", 0);
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 8);
  results = shoal_run_summary_get_results (summary);
  g_assert_cmpuint (results->len, ==, 8);
  for (guint i = 0; i < results->len; i++)
    g_assert_cmpstr (shoal_test_result_get_worker_id (results->pdata[i]), ==, "w1");

  events = shoal_event_log_read (events_path, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    if (shoal_event_get_kind (events->pdata[i]) == SHOAL_EVENT_WORKER_STOPPED &&
        g_strcmp0 (shoal_event_get_string (events->pdata[i], "status"), "failed") == 0)
      {
        g_assert_cmpstr (shoal_event_get_string (events->pdata[i], "worker_id"), ==, "w2");
        stopped = TRUE;
      }
  g_assert_true (stopped);
  shoal_environment_manager_cleanup_all (manager, NULL);
}

/* Retries: a test that fails on its first attempt and passes on its second
 * (a counter file) is flaky and passes the run; every attempt is its own
 * result; one that always fails uses up its retries and fails the run; a
 * retry goes to another worker; a quarantined failing test does not fail
 * the run. */
static void
test_retries_and_flaky (Fixture *fixture,
                        gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  const char *quarantined[] = { "s::quarantined", NULL };
  GPtrArray *results;
  guint flaky_attempts = 0, always_attempts = 0;
  const char *first_worker = NULL, *second_worker = NULL;

  shoal_scheduler_set_retries (fixture->scheduler, 2, 0.05, TRUE, TRUE, FALSE);
  shoal_scheduler_set_quarantined_tests (fixture->scheduler, quarantined);
  add_shell_test (fixture, "flaky",
                  "n=$(cat \"$DIR/count\" 2>/dev/null || echo 0); echo $((n + 1)) > \"$DIR/count\"; "
                  "test $n -ge 1",
                  0);
  add_shell_test (fixture, "always", "exit 1", 0);
  add_shell_test (fixture, "steady", "true", 0);
  {
    g_autoptr (ShoalTestCase) once = add_resource_test (fixture, "no-retry", "exit 1", NULL);

    shoal_test_case_set_retries (once, 0);
    g_assert_true (shoal_scheduler_add_test (fixture->scheduler, once, fixture->adapter, &error));
  }
  add_shell_test (fixture, "quarantined", "exit 1", 0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);

  results = shoal_run_summary_get_results (summary);
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = results->pdata[i];
      const char *id = shoal_test_result_get_test_id (result);

      if (g_str_equal (id, "s::flaky"))
        {
          flaky_attempts++;
          if (shoal_test_result_get_attempt (result) == 1)
            {
              g_assert_true (shoal_test_result_get_retried (result));
              g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_FAILED);
              first_worker = shoal_test_result_get_worker_id (result);
            }
          else
            {
              g_assert_false (shoal_test_result_get_retried (result));
              g_assert_true (shoal_test_result_get_flaky (result));
              g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_PASSED);
              second_worker = shoal_test_result_get_worker_id (result);
            }
        }
      if (g_str_equal (id, "s::always"))
        always_attempts++;
      if (g_str_equal (id, "s::no-retry"))
        g_assert_cmpuint (shoal_test_result_get_attempt (result), ==, 1);
      if (g_str_equal (id, "s::quarantined"))
        g_assert_true (shoal_test_result_get_quarantined (result));
    }
  g_assert_cmpuint (flaky_attempts, ==, 2);
  g_assert_cmpuint (always_attempts, ==, 3);
  g_assert_cmpstr (first_worker, !=, second_worker);
  g_assert_cmpuint (shoal_run_summary_get_total_tests (summary), ==, 5);
  g_assert_cmpuint (shoal_run_summary_get_flaky_tests (summary), ==, 1);
  g_assert_cmpuint (shoal_run_summary_get_quarantined_tests (summary), ==, 1);
  /* flaky 1, always 2, no-retry 0, quarantined 2 */
  g_assert_cmpuint (shoal_run_summary_get_retried_attempts (summary), ==, 5);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 2);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 1);
}

/* flaky_result: fail makes a flaky test fail the run; a quarantined
 * failure alone leaves it passing. */
static void
test_flaky_result_fail_and_quarantine (Fixture *fixture,
                                       gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  const char *quarantined[] = { "s::broken", NULL };

  shoal_scheduler_set_retries (fixture->scheduler, 1, 0, FALSE, FALSE, TRUE);
  shoal_scheduler_set_quarantined_tests (fixture->scheduler, quarantined);
  add_shell_test (fixture, "broken", "exit 1", 0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_failed_tests (summary), ==, 1);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 0);
}

static void
test_flaky_fails_the_run (Fixture *fixture,
                          gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  ShoalTestResult *result;

  shoal_scheduler_set_retries (fixture->scheduler, 1, 0, FALSE, FALSE, TRUE);
  add_shell_test (fixture, "flaky",
                  "n=$(cat \"$DIR/count\" 2>/dev/null || echo 0); echo $((n + 1)) > \"$DIR/count\"; "
                  "test $n -ge 1",
                  0);
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_run_summary_get_exit_status (summary), ==, 1);
  result = g_ptr_array_index (shoal_run_summary_get_results (summary), 1);
  g_assert_true (shoal_test_result_get_flaky (result));
  g_assert_cmpint (shoal_test_result_get_outcome (result), ==, SHOAL_OUTCOME_FAILED);
  g_assert_cmpstr (shoal_test_result_get_message (result), ==,
                   "flaky: passed on attempt 2 after 1 that did not (flaky_result: fail)");
}

static void
test_priority_first (Fixture *fixture,
                     gconstpointer data)
{
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *order = NULL;
  g_autofree char *order_path = g_build_filename (fixture->dir, "order", NULL);

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u", i);
      g_autoptr (ShoalTestCase) test = add_resource_test (
          fixture, name, "echo $SHOAL_TEST_ID >> \"$DIR/order\"", NULL);

      shoal_test_case_set_priority (test, (int) i);
      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }
  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (order_path, &order, NULL, NULL));
  g_assert_cmpstr (order, ==, "s::p3\ns::p2\ns::p1\ns::p0\n");
}

/* The check of the issue: 500 tests over 3 exclusive resources, a pool of
 * 4 and a shared resource at -j16, each recording what it held and when. */
static void
test_resource_stress (Fixture *fixture,
                      gconstpointer data)
{
  g_autoptr (ShoalLockManager) locks = NULL;
  g_autoptr (ShoalResourcePoolManager) pools = NULL;
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GError) error = NULL;
  guint n = 500;
  static const char *const exclusive[] = { "ex0", "ex1", "ex2" };

  use_managers (fixture, &locks, &pools);
  for (guint i = 0; i < G_N_ELEMENTS (exclusive); i++)
    g_assert_true (shoal_lock_manager_register_resource (locks, exclusive[i], "lock", TRUE, &error));
  g_assert_true (shoal_lock_manager_register_resource (locks, "shared", "files", FALSE, &error));
  g_assert_true (shoal_resource_pool_manager_add_pool (pools, "pool", 4, &error));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%03u", i);
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_autoptr (GString) held = g_string_new (NULL);
      g_auto (GStrv) resources = NULL;
      g_autofree char *script = NULL;
      g_autoptr (ShoalTestCase) test = NULL;

      if (i % 2 == 0)
        {
          g_strv_builder_add (builder, exclusive[i % 3]);
          g_string_append_printf (held, "%s ", exclusive[i % 3]);
        }
      if (i % 3 == 0)
        {
          g_strv_builder_add (builder, "pool");
          g_string_append (held, "$(echo $SHOAL_RESOURCE_POOL | sed 's/^/p/') ");
        }
      if (i % 5 == 0)
        {
          g_strv_builder_add (builder, "shared");
          g_string_append (held, "shared ");
        }
      resources = g_strv_builder_end (builder);
      script = g_strdup_printf ("s=$(date +%%s%%N); sleep 0.0%u; e=$(date +%%s%%N); "
                                "echo \"$SHOAL_TEST_ID $s $e %s\" >> \"$DIR/log\"",
                                1 + i % 4, held->str);
      test = add_resource_test (fixture, name, script, (const char *const *) resources);
      shoal_test_case_set_priority (test, i % 7 == 0 ? 1 : 0);
      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, fixture->adapter, &error));
    }

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, n);

  records = read_records (fixture);
  g_assert_cmpuint (records->len, ==, n);
  for (guint i = 0; i < G_N_ELEMENTS (exclusive); i++)
    g_assert_cmpuint (max_overlap (records, holds, exclusive[i]), ==, 1);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *word = g_strdup_printf ("p%u", i);

      g_assert_cmpuint (max_overlap (records, holds, word), <=, 1);
    }
  g_assert_cmpuint (max_overlap (records, holds_prefix, " p"), <=, 4);
}

/* The class of a test of test_batch_key_decides_grouping(): its number
 * modulo 4. */
enum
{
  KEY_ONE,
  KEY_TWO,
  KEY_NONE,
  KEY_ONE_OTHER_ENVIRONMENT,
  N_KEY_CLASSES,
};

static guint
key_class_of (ShoalTestCase *test)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (test), "key-class"));
}

static void
test_batch_key_decides_grouping (Fixture *fixture,
                                 gconstpointer data)
{
  g_autoptr (TestKeyedAdapter) adapter = g_object_new (TEST_TYPE_KEYED_ADAPTER, NULL);
  g_autoptr (ShoalRunSummary) summary = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/bin/true", NULL };
  const char *environment[] = { "VAR=same", NULL };
  const char *other_environment[] = { "VAR=other", NULL };
  guint shared[N_KEY_CLASSES] = { 0 };
  guint seen = 0;

  g_test_summary ("Tests of one adapter share a process only when the adapter's batch keys are "
                  "equal (though their programs are the same), and their environments too; a "
                  "NULL key runs alone");

  /* Ten of each class, interleaved, all of them one program: grouped on
   * argv[0] they would be batches mixing the classes. */
  for (guint i = 0; i < 10 * N_KEY_CLASSES; i++)
    {
      g_autofree char *name = g_strdup_printf ("t%u", i);
      g_autoptr (ShoalTestCase) test = shoal_test_case_new ("s", name);
      guint key_class = i % N_KEY_CLASSES;

      shoal_test_case_set_argv (test, argv);
      shoal_test_case_set_environment (test, key_class == KEY_ONE_OTHER_ENVIRONMENT
                                                 ? other_environment
                                                 : environment);
      g_object_set_data (G_OBJECT (test), "key-class", GUINT_TO_POINTER (key_class));
      if (key_class != KEY_NONE)
        g_object_set_data (G_OBJECT (test), "batch-key",
                           key_class == KEY_TWO ? "two" : "one");
      g_assert_true (shoal_scheduler_add_test (fixture->scheduler, test, SHOAL_ADAPTER (adapter),
                                               &error));
      g_assert_no_error (error);
    }

  summary = shoal_scheduler_run (fixture->scheduler, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_run_summary_get_passed_tests (summary), ==, 10 * N_KEY_CLASSES);

  for (guint b = 0; b < adapter->batches->len; b++)
    {
      GPtrArray *batch = adapter->batches->pdata[b];
      guint key_class = key_class_of (batch->pdata[0]);

      for (guint i = 1; i < batch->len; i++)
        g_assert_cmpuint (key_class_of (batch->pdata[i]), ==, key_class);
      if (batch->len > 1)
        shared[key_class]++;
      seen += batch->len;
    }
  g_assert_cmpuint (seen, ==, 10 * N_KEY_CLASSES);
  /* Batching did happen, within each key and environment... */
  g_assert_cmpuint (shared[KEY_ONE], >, 0);
  g_assert_cmpuint (shared[KEY_TWO], >, 0);
  g_assert_cmpuint (shared[KEY_ONE_OTHER_ENVIRONMENT], >, 0);
  /* ...but never for a test without a key. */
  g_assert_cmpuint (shared[KEY_NONE], ==, 0);
}

static void
test_batch_key_needs_can_batch (void)
{
  g_autoptr (TestKeyedAdapter) keyed = g_object_new (TEST_TYPE_KEYED_ADAPTER, NULL);
  g_autoptr (ShoalAdapter) argv_adapter = g_object_new (TEST_TYPE_ARGV_ADAPTER, NULL);
  g_autoptr (ShoalTestCase) test = shoal_test_case_new ("s", "t");
  const char *argv[] = { "/bin/true", NULL };
  g_autofree char *key = NULL;

  g_test_summary ("An adapter's batch key counts only when it can batch; one that cannot has "
                  "none, whatever its program");

  shoal_test_case_set_argv (test, argv);
  g_object_set_data (G_OBJECT (test), "batch-key", "k");
  key = shoal_adapter_get_batch_key (SHOAL_ADAPTER (keyed), test);
  g_assert_cmpstr (key, ==, "k");

  keyed->can_batch = FALSE;
  g_assert_null (shoal_adapter_get_batch_key (SHOAL_ADAPTER (keyed), test));
  /* The default key would be the program; without can_batch there is none. */
  g_assert_null (shoal_adapter_get_batch_key (argv_adapter, test));
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The scheduler: outcomes, concurrency, timeouts, leaked processes, "
                  "dependencies, interruption and the event stream");

#define ADD(path, workers, func)                                                                   \
  g_test_add ("/shoal/scheduler/" path, Fixture, GUINT_TO_POINTER (workers), fixture_set_up, func, \
              fixture_tear_down)
  ADD ("outcomes", 2, test_outcomes);
  ADD ("environment", 1, test_environment);
  ADD ("peak-rss", 2, test_peak_rss);
  ADD ("concurrency-never-above-max", 3, test_concurrency_never_above_max);
  ADD ("timeout-kills-group-and-grandchild", 2, test_timeout_kills_group_and_grandchild);
  ADD ("escaped-processes-are-killed", 2, test_escaped_processes_are_killed);
  ADD ("dependencies", 2, test_dependencies);
  ADD ("dependency-cycle", 2, test_dependency_cycle);
  ADD ("duplicate-id", 2, test_duplicate_id);
  ADD ("spawn-failure", 2, test_spawn_failure_is_an_error_result);
  ADD ("interrupt-writes-reports", 2, test_interrupt_writes_reports);
  ADD ("event-stream", 3, test_event_stream);
  ADD ("exclusive-and-shared-resources", 4, test_exclusive_and_shared_resources);
  ADD ("pools-hand-out-identities", 4, test_pools_hand_out_identities);
  ADD ("requires-skips-and-before-orders", 2, test_requires_skips_and_before_orders);
  ADD ("skip-if-failed", 2, test_skip_if_failed);
  ADD ("add-test-dependency", 2, test_add_test_dependency);
  ADD ("bad-resource-requests", 2, test_bad_resource_requests);
  ADD ("resource-timeout", 2, test_resource_timeout);
  ADD ("slots", 2, test_slots);
  ADD ("exclusive-and-declared-locks", 4, test_exclusive_and_declared_locks);
  ADD ("workers-follow-the-load", 3, test_workers_follow_the_load);
  ADD ("failed-worker-is-replaced", 2, test_failed_worker_is_replaced);
  ADD ("retries-and-flaky", 2, test_retries_and_flaky);
  ADD ("flaky-result-fail-and-quarantine", 1, test_flaky_result_fail_and_quarantine);
  ADD ("flaky-fails-the-run", 1, test_flaky_fails_the_run);
  ADD ("priority-first", 1, test_priority_first);
  ADD ("resource-stress", 16, test_resource_stress);
  ADD ("batch-key-decides-grouping", 1, test_batch_key_decides_grouping);
#undef ADD
  g_test_add_func ("/shoal/scheduler/batch-key-needs-can-batch", test_batch_key_needs_can_batch);
  g_test_add ("/shoal/scheduler/killed-runner-leaves-a-readable-stream", Fixture,
              GUINT_TO_POINTER (2), fixture_set_up_shared,
              test_killed_runner_leaves_a_readable_stream, fixture_tear_down_shared);
  return g_test_run ();
}
