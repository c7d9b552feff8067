/* shoal.c: the `shoal` command, a thin client of libshoal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gi18n-lib.h>
#include <shoal.h>

/* Exit statuses, as documented in `shoal --help`. */
enum
{
  EXIT_PASSED = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_INTERRUPTED = 130,
};

typedef struct
{
  const char *name;
  const char *summary;
  int (*run) (int argc,
              char **argv);
} Command;

static char *opt_config;

static GOptionEntry config_entries[] = {
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    N_ ("Use FILE instead of the shoal.yaml found from the current directory upwards"), N_ ("FILE") },
  { NULL },
};

static int
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *format,
      ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("shoal: %s\n", message);
  return EXIT_USAGE;
}

static gboolean
parse_options (GOptionContext *context,
               int *argc,
               char ***argv,
               int *exit_status)
{
  g_autoptr (GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_status = fail ("%s (see --help)", error->message);
      return FALSE;
    }
  return TRUE;
}

static ShoalProject *
load_project (GError **error)
{
  g_autoptr (ShoalProject) project = shoal_project_new_from_file (opt_config, error);

  if (project == NULL)
    return NULL;
  if (!shoal_project_discover (project, NULL, error))
    return NULL;
  return g_steal_pointer (&project);
}

/* A pattern that selects nothing is almost always a typo: say so rather
 * than run nothing and pass. */
static gboolean
check_patterns (ShoalProject *project,
                char **patterns,
                int *exit_status)
{
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      const char *one[] = { patterns[i], NULL };
      g_autoptr (GPtrArray) selected = shoal_project_select_tests (project, one);

      if (selected->len == 0)
        {
          *exit_status = fail (_ ("no test id matches '%s' (see `shoal list`)"), patterns[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static void
print_warnings (GPtrArray *warnings)
{
  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    g_printerr ("shoal: warning: %s\n", (const char *) g_ptr_array_index (warnings, i));
}

/* shoal run */

typedef struct
{
  GMainLoop *loop;
  ShoalScheduler *scheduler;
  ShoalRunSummary *summary;
  GError *error;
  guint signals_received;
} RunState;

static gboolean
on_stop_signal (gpointer user_data)
{
  RunState *state = user_data;

  state->signals_received++;
  shoal_scheduler_interrupt (state->scheduler);
  return G_SOURCE_CONTINUE;
}

static void
on_run_done (GObject *object,
             GAsyncResult *result,
             gpointer user_data)
{
  RunState *state = user_data;

  state->summary = shoal_scheduler_run_finish (SHOAL_SCHEDULER (object), result, &state->error);
  g_main_loop_quit (state->loop);
}

static gboolean
split_report_spec (const char *spec,
                   char **out_format,
                   char **out_path)
{
  const char *eq = strchr (spec, '=');

  if (eq == NULL || eq == spec || eq[1] == '\0')
    return FALSE;
  *out_format = g_strndup (spec, eq - spec);
  *out_path = g_strdup (eq + 1);
  return TRUE;
}

static int
command_run (int argc,
             char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("[TEST-ID-PATTERN…] — run tests"));
  g_autoptr (ShoalProject) project = NULL;
  g_autoptr (ShoalScheduler) scheduler = NULL;
  g_autoptr (ShoalReporter) console = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GPtrArray) reports = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) report_specs = NULL;
  g_autofree char *shard_spec = NULL;
  guint shard = 0, n_shards = 0;
  ShoalConfig *config;
  GPtrArray *config_reports;
  RunState state = { 0 };
  int workers = 0;
  double timeout = 0;
  gboolean verbose = FALSE;
  int exit_status = EXIT_PASSED;
  guint sigint_id, sigterm_id;
  GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &workers, N_ ("Run N tests at once (default: max_workers)"),
      "N" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout,
      N_ ("Kill a test after S seconds (default: timeout)"), "S" },
    { "report", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &report_specs,
      N_ ("Also write a report, e.g. json=report.json or junit=junit.xml"), N_ ("FORMAT=PATH") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Show the output of every test"), NULL },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &shard_spec,
      N_ ("Run only shard K of N, split by estimated time (for CI matrices)"), "K/N" },
    { NULL },
  };

  g_option_context_add_main_entries (context, config_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _ ("Exit status: 0 all tests passed or were skipped, 1 some "
                                       "test did not pass,\n2 usage or configuration error, 130 "
                                       "interrupted.\n"));
  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;
  if (workers < 0 || workers > 4096)
    return fail (_ ("-j must be between 1 and 4096, got %d"), workers);
  if (timeout < 0)
    return fail (_ ("--timeout must be positive, got %g"), timeout);
  if (shard_spec != NULL)
    {
      char *slash = strchr (shard_spec, '/');
      char *end = NULL;
      guint64 k = 0, n = 0;

      if (slash != NULL)
        {
          k = g_ascii_strtoull (shard_spec, &end, 10);
          if (end != slash)
            k = 0;
          n = g_ascii_strtoull (slash + 1, &end, 10);
          if (*end != '\0')
            n = 0;
        }
      if (k < 1 || n < 1 || k > n || n > 10000)
        return fail (_ ("--shard takes K/N with 1 <= K <= N, got '%s'"), shard_spec);
      shard = (guint) k;
      n_shards = (guint) n;
    }

  project = load_project (&error);
  if (project == NULL)
    return fail ("%s", error->message);
  if (!check_patterns (project, argv + 1, &exit_status))
    return exit_status;
  config = shoal_project_get_config (project);
  if (workers > 0)
    shoal_config_set_max_workers (config, (guint) workers);
  if (timeout > 0)
    shoal_config_set_timeout (config, timeout);

  /* Reports are opened before anything runs, so a bad destination stops
   * the run before it starts. */
  console = shoal_project_create_reporter (project, "console", NULL, &error);
  if (console == NULL)
    return fail ("%s", error->message);
  if (verbose && g_object_class_find_property (G_OBJECT_GET_CLASS (console), "verbose") != NULL)
    g_object_set (console, "verbose", TRUE, NULL);

  config_reports = shoal_config_get_reports (config);
  for (guint i = 0; i < config_reports->len; i++)
    {
      ShoalReportConfig *report = g_ptr_array_index (config_reports, i);
      ShoalReporter *reporter = shoal_project_create_reporter (
          project, shoal_report_config_get_format (report), shoal_report_config_get_path (report),
          &error);

      if (reporter == NULL)
        return fail ("%s", error->message);
      g_ptr_array_add (reports, reporter);
    }
  for (guint i = 0; report_specs != NULL && report_specs[i] != NULL; i++)
    {
      g_autofree char *format = NULL;
      g_autofree char *path = NULL;
      ShoalReporter *reporter;

      if (!split_report_spec (report_specs[i], &format, &path))
        return fail (_ ("--report takes FORMAT=PATH, got '%s'"), report_specs[i]);
      reporter = shoal_project_create_reporter (project, format, path, &error);
      if (reporter == NULL)
        return fail ("%s", error->message);
      g_ptr_array_add (reports, reporter);
    }

  if (n_shards > 0)
    {
      g_autoptr (GPtrArray) selected =
          shoal_project_select_tests (project, (const char *const *) argv + 1);
      g_autoptr (GPtrArray) mine = shoal_project_select_shard (project, selected, shard, n_shards);

      scheduler = shoal_project_create_scheduler_for_tests (project, mine,
                                                            (const char *const *) argv + 1, &error);
    }
  else
    scheduler = shoal_project_create_scheduler (project, (const char *const *) argv + 1, &error);
  if (scheduler == NULL)
    return fail ("%s", error->message);
  print_warnings (shoal_project_get_warnings (project));
  shoal_scheduler_add_reporter (scheduler, console);
  for (guint i = 0; i < reports->len; i++)
    shoal_scheduler_add_reporter (scheduler, g_ptr_array_index (reports, i));

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.scheduler = scheduler;
  sigint_id = g_unix_signal_add (SIGINT, on_stop_signal, &state);
  sigterm_id = g_unix_signal_add (SIGTERM, on_stop_signal, &state);
  shoal_scheduler_run_async (scheduler, NULL, on_run_done, &state);
  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  if (state.summary == NULL)
    {
      exit_status = fail ("%s", state.error->message);
      g_clear_error (&state.error);
      return exit_status;
    }
  print_warnings (shoal_scheduler_get_warnings (scheduler));
  exit_status = shoal_run_summary_get_exit_status (state.summary);
  g_object_unref (state.summary);
  return exit_status;
}

/* shoal list */

static int
command_list (int argc,
              char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("[TEST-ID-PATTERN…] — list the tests"));
  g_autoptr (ShoalProject) project = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GError) error = NULL;
  gboolean json = FALSE;
  int exit_status = EXIT_PASSED;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print the tests as a JSON array"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, config_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;

  project = load_project (&error);
  if (project == NULL)
    return fail ("%s", error->message);
  print_warnings (shoal_project_get_warnings (project));
  if (!check_patterns (project, argv + 1, &exit_status))
    return exit_status;
  tests = shoal_project_select_tests (project, (const char *const *) argv + 1);

  if (json)
    {
      g_autoptr (JsonGenerator) generator = json_generator_new ();
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autoptr (JsonArray) array = json_array_new ();
      g_autofree char *text = NULL;

      for (guint i = 0; i < tests->len; i++)
        json_array_add_element (array, shoal_test_case_to_json (g_ptr_array_index (tests, i)));
      json_node_set_array (root, array);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }
  else
    for (guint i = 0; i < tests->len; i++)
      g_print ("%s\n", shoal_test_case_get_id (g_ptr_array_index (tests, i)));
  return EXIT_PASSED;
}

/* shoal plan */

static int
command_plan (int argc,
              char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (
      _ ("[TEST-ID-PATTERN…] — show how the tests would be distributed, without running them"));
  g_autoptr (ShoalProject) project = NULL;
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (ShoalDispatchContext) dispatch = NULL;
  g_autoptr (ShoalTestDistributionManager) manager = NULL;
  g_autoptr (GPtrArray) tests = NULL;
  g_autoptr (GError) error = NULL;
  GList *groups = NULL;
  ShoalConfig *config;
  gboolean json = FALSE;
  int workers = 0;
  int exit_status = EXIT_PASSED;
  double makespan, bound, score;
  GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &workers, N_ ("Plan for N workers (default: max_workers)"),
      "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print the plan as JSON"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, config_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _ ("The lower bound is max(total / workers, longest test, "
                                       "longest dependency chain);\nthe balance score is the mean "
                                       "load of the workers over the largest (1.0 is even).\n"));
  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;
  if (workers < 0 || workers > 4096)
    return fail (_ ("-j must be between 1 and 4096, got %d"), workers);

  project = load_project (&error);
  if (project == NULL)
    return fail ("%s", error->message);
  if (!check_patterns (project, argv + 1, &exit_status))
    return exit_status;
  config = shoal_project_get_config (project);
  if (workers > 0)
    shoal_config_set_max_workers (config, (guint) workers);
  strategy = shoal_plugin_registry_create_strategy (
      shoal_project_get_registry (project), shoal_config_get_distribution_strategy (config), &error);
  if (strategy == NULL)
    return fail ("%s", error->message);

  tests = shoal_project_select_tests (project, (const char *const *) argv + 1);
  dispatch = shoal_dispatch_context_new (shoal_config_get_max_workers (config), 1.0);
  {
    g_autoptr (GError) history_error = NULL;
    ShoalHistory *history = shoal_project_get_history (project, &history_error);
    g_autoptr (GPtrArray) ids = g_ptr_array_new ();
    g_autoptr (GHashTable) known = NULL;

    if (history == NULL)
      g_printerr ("shoal: warning: %s\n", history_error->message);
    for (guint i = 0; history != NULL && i < tests->len; i++)
      g_ptr_array_add (ids, (gpointer) shoal_test_case_get_id (tests->pdata[i]));
    g_ptr_array_add (ids, NULL);
    if (history != NULL)
      known = shoal_history_get_estimates (history, (const char *const *) ids->pdata);
    for (guint i = 0; known != NULL && i < tests->len; i++)
      {
        const double *mean = g_hash_table_lookup (known, shoal_test_case_get_id (tests->pdata[i]));

        if (mean != NULL)
          shoal_dispatch_context_set_estimate (dispatch, shoal_test_case_get_id (tests->pdata[i]),
                                               *mean);
      }
  }
  manager = shoal_test_distribution_manager_new (strategy, dispatch);
  groups = shoal_test_distribution_manager_distribute_tests (manager, tests, 0, &error);
  if (error != NULL)
    return fail ("%s", error->message);
  makespan = shoal_test_distribution_manager_estimated_makespan (groups);
  bound = shoal_test_distribution_manager_lower_bound (manager, tests, 0);
  score = shoal_test_distribution_manager_calculate_balance_score (groups);

  if (json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonGenerator) generator = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "strategy");
      json_builder_add_string_value (builder, shoal_config_get_distribution_strategy (config));
      json_builder_set_member_name (builder, "workers");
      json_builder_add_int_value (builder, shoal_config_get_max_workers (config));
      json_builder_set_member_name (builder, "groups");
      json_builder_begin_array (builder);
      for (GList *l = groups; l != NULL; l = l->next)
        {
          GPtrArray *members = shoal_test_group_get_tests (l->data);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "worker_id");
          json_builder_add_string_value (builder, shoal_test_group_get_worker_id (l->data));
          json_builder_set_member_name (builder, "estimated_duration");
          json_builder_add_double_value (builder, shoal_test_group_get_estimated_duration (l->data));
          json_builder_set_member_name (builder, "tests");
          json_builder_begin_array (builder);
          for (guint i = 0; i < members->len; i++)
            json_builder_add_string_value (builder, shoal_test_case_get_id (members->pdata[i]));
          json_builder_end_array (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "estimated_makespan");
      json_builder_add_double_value (builder, makespan);
      json_builder_set_member_name (builder, "lower_bound");
      json_builder_add_double_value (builder, bound);
      json_builder_set_member_name (builder, "balance_score");
      json_builder_add_double_value (builder, score);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      json_generator_set_pretty (generator, TRUE);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }
  else
    {
      g_print (_ ("%u tests on %u workers, strategy %s\n"), tests->len,
               shoal_config_get_max_workers (config), shoal_config_get_distribution_strategy (config));
      for (GList *l = groups; l != NULL; l = l->next)
        {
          GPtrArray *members = shoal_test_group_get_tests (l->data);

          g_print ("  %-5s %8.2f s  %u tests", shoal_test_group_get_worker_id (l->data),
                   shoal_test_group_get_estimated_duration (l->data), members->len);
          for (guint i = 0; i < members->len && i < 4; i++)
            g_print ("%s%s", i == 0 ? ": " : ", ", shoal_test_case_get_id (members->pdata[i]));
          g_print ("%s\n", members->len > 4 ? ", …" : "");
        }
      g_print (_ ("estimated makespan %.2f s; lower bound %.2f s (ratio %.3f); balance score %.3f\n"),
               makespan, bound, bound > 0 ? makespan / bound : 1.0, score);
    }
  g_list_free_full (groups, g_object_unref);
  return EXIT_PASSED;
}

/* shoal history */

static int
command_history (int argc,
                 char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (
      _ ("[TEST-ID | export FILE | import FILE | rebuild] — the record of past runs"));
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr (ShoalHistory) history = NULL;
  int exit_status = EXIT_PASSED;

  g_option_context_add_main_entries (context, config_entries, GETTEXT_PACKAGE);
  g_option_context_set_description (context,
                                    _ ("The history is .shoal/history.db beside shoal.yaml: one "
                                       "row per attempt.\n"));
  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;

  config_path = opt_config != NULL ? g_strdup (opt_config) : shoal_config_find_file (NULL, &error);
  if (config_path == NULL)
    return fail ("%s", error->message);
  config = shoal_config_new_from_file (config_path, &error);
  if (config == NULL)
    return fail ("%s", error->message);
  state_dir = shoal_config_get_state_dir (config);
  path = g_build_filename (state_dir, "history.db", NULL);

  if (argc >= 2 && g_str_equal (argv[1], "rebuild"))
    {
      if (!shoal_history_rebuild (path, &error))
        return fail ("%s", error->message);
      g_print (_ ("%s rebuilt (empty)\n"), path);
      return EXIT_PASSED;
    }

  history = shoal_history_open (path, &error);
  if (history == NULL)
    return fail ("%s", error->message);

  if (argc >= 2 && (g_str_equal (argv[1], "export") || g_str_equal (argv[1], "import")))
    {
      guint added = 0;

      if (argc != 3)
        return fail (_ ("usage: shoal history %s FILE"), argv[1]);
      if (g_str_equal (argv[1], "export"))
        {
          if (!shoal_history_export (history, argv[2], &error))
            return fail ("%s", error->message);
          return EXIT_PASSED;
        }
      if (!shoal_history_import (history, argv[2], &added, &error))
        return fail ("%s", error->message);
      g_print (_ ("%u attempts added from %s\n"), added, argv[2]);
      return EXIT_PASSED;
    }

  if (argc >= 2)
    {
      g_autoptr (GPtrArray) attempts = shoal_history_get_attempts (history, argv[1], 20);
      double mean = 0, p90 = 0;
      guint samples = 0;

      if (attempts->len == 0)
        return fail (_ ("no attempt of '%s' in %s"), argv[1], path);
      if (shoal_history_get_estimate (history, argv[1], &mean, &p90, &samples))
        g_print (_ ("%s: estimate %.3f s (p90 %.3f s) from %u attempts\n"), argv[1], mean, p90,
                 samples);
      for (guint i = 0; i < attempts->len; i++)
        {
          ShoalTestResult *result = attempts->pdata[i];
          g_autofree char *when = shoal_format_timestamp (shoal_test_result_get_start_time (result));
          const char *message = shoal_test_result_get_message (result);

          gint64 rss = shoal_test_result_get_peak_rss (result);
          g_autofree char *memory = rss >= 0 ? g_format_size_full ((guint64) rss, G_FORMAT_SIZE_IEC_UNITS)
                                             : g_strdup ("-");

          g_print ("  %s  %-8s %8.3f s  %10s  %s%s%s\n", when != NULL ? when : "?",
                   shoal_outcome_to_string (shoal_test_result_get_outcome (result)),
                   shoal_test_result_get_duration (result), memory,
                   shoal_test_result_get_worker_id (result) != NULL
                       ? shoal_test_result_get_worker_id (result)
                       : "",
                   message != NULL ? "  " : "", message != NULL ? message : "");
        }
      return EXIT_PASSED;
    }

  g_print (_ ("history: %s\n"), path);
  return EXIT_PASSED;
}

/* shoal plugins */

static int
command_plugins (int argc,
                 char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("— list the plugins Shoal can load"));
  ShoalPluginRegistry *registry = shoal_plugin_registry_get_default ();
  g_autoptr (GPtrArray) plugins = NULL;
  int exit_status = EXIT_PASSED;

  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;

  plugins = shoal_plugin_registry_list (registry);
  for (guint i = 0; i < plugins->len; i++)
    {
      ShoalPluginInfo *info = g_ptr_array_index (plugins, i);
      const char *description = shoal_plugin_info_get_description (info);

      g_print ("%-9s %-16s %s\n", shoal_plugin_kind_to_string (shoal_plugin_info_get_kind (info)),
               shoal_plugin_info_get_name (info), description != NULL ? description : "");
    }
  print_warnings (shoal_plugin_registry_get_warnings (registry));
  return EXIT_PASSED;
}

/* shoal report */

static int
command_report (int argc,
                char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (
      _ ("[RUN-DIR|EVENTS-FILE...] — rebuild reports from a run's event stream"));
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GPtrArray) reporters = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) report_specs = NULL;
  g_autofree char *events_path = NULL;
  ShoalPluginRegistry *registry = shoal_plugin_registry_get_default ();
  int exit_status = EXIT_PASSED;
  guint skipped = 0;
  gboolean merge = FALSE;
  GOptionEntry entries[] = {
    { "report", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &report_specs,
      N_ ("Write a report, e.g. json=report.json (default: console)"), N_ ("FORMAT=PATH") },
    { "merge", 0, 0, G_OPTION_ARG_NONE, &merge,
      N_ ("Merge the streams of several runs (the shards of a CI job) into one report"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, config_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!parse_options (context, &argc, &argv, &exit_status))
    return exit_status;
  if (argc > 2 && !merge)
    return fail (_ ("shoal report takes one run directory or events file (several with --merge)"));
  if (merge && argc < 2)
    return fail (_ ("shoal report --merge takes the run directories or events files to merge"));

  if (merge)
    {
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

      for (int i = 1; i < argc; i++)
        g_ptr_array_add (paths, g_file_test (argv[i], G_FILE_TEST_IS_DIR)
                                    ? g_build_filename (argv[i], "events.ndjson", NULL)
                                    : g_strdup (argv[i]));
      g_ptr_array_add (paths, NULL);
      events = shoal_event_log_merge ((const char *const *) paths->pdata, &skipped, &error);
      if (events == NULL)
        return fail ("%s", error->message);
      events_path = g_strdup (_ ("the merged streams"));
    }
  else if (argc == 2 && g_file_test (argv[1], G_FILE_TEST_IS_DIR))
    events_path = g_build_filename (argv[1], "events.ndjson", NULL);
  else if (argc == 2)
    events_path = g_strdup (argv[1]);
  else
    {
      g_autofree char *config_path = opt_config != NULL ? g_strdup (opt_config)
                                                        : shoal_config_find_file (NULL, &error);
      g_autofree char *dir = NULL;

      if (config_path == NULL)
        return fail ("%s", error->message);
      dir = g_path_get_dirname (config_path);
      events_path = g_build_filename (dir, ".shoal", "runs", "latest", "events.ndjson", NULL);
    }

  if (events == NULL)
    events = shoal_event_log_read (events_path, &skipped, &error);
  if (events == NULL)
    return fail ("%s", error->message);

  if (report_specs == NULL)
    {
      ShoalReporter *console = shoal_plugin_registry_create_reporter (registry, "console", &error);

      if (console == NULL || !shoal_reporter_open (console, NULL, &error))
        return fail ("%s", error->message);
      g_ptr_array_add (reporters, console);
    }
  for (guint i = 0; report_specs != NULL && report_specs[i] != NULL; i++)
    {
      g_autofree char *format = NULL;
      g_autofree char *path = NULL;
      ShoalReporter *reporter;

      if (!split_report_spec (report_specs[i], &format, &path))
        return fail (_ ("--report takes FORMAT=PATH, got '%s'"), report_specs[i]);
      reporter = shoal_plugin_registry_create_reporter (registry, format, &error);
      if (reporter == NULL || !shoal_reporter_open (reporter, path, &error))
        {
          g_clear_object (&reporter);
          return fail ("%s", error->message);
        }
      g_ptr_array_add (reporters, reporter);
    }

  for (guint i = 0; i < events->len; i++)
    for (guint r = 0; r < reporters->len; r++)
      shoal_reporter_handle_event (g_ptr_array_index (reporters, r), g_ptr_array_index (events, i));
  for (guint r = 0; r < reporters->len; r++)
    if (!shoal_reporter_close (g_ptr_array_index (reporters, r), &error))
      return fail ("%s", error->message);

  if (skipped > 0)
    g_printerr (_ ("shoal: warning: %u lines of %s were skipped (unknown events or a cut-off last "
                   "line)\n"),
                skipped, events_path);

  /* The exit status of the run the stream describes. */
  for (guint i = events->len; i > 0; i--)
    {
      ShoalEvent *event = g_ptr_array_index (events, i - 1);

      if (shoal_event_get_kind (event) == SHOAL_EVENT_RUN_FINISHED)
        return (int) shoal_event_get_int (event, "exit_status", EXIT_FAILED);
    }
  return EXIT_INTERRUPTED;
}

static const Command commands[] = {
  { "run", N_ ("Run tests in parallel"), command_run },
  { "list", N_ ("List the tests shoal.yaml describes"), command_list },
  { "plan", N_ ("Show how the tests would be distributed, without running them"), command_plan },
  { "report", N_ ("Rebuild reports from a run's event stream"), command_report },
  { "history", N_ ("Show, export, import or rebuild the record of past runs"), command_history },
  { "plugins", N_ ("List the adapters, strategies, providers and reporters"), command_plugins },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "%s", _ ("Usage:\n  shoal COMMAND [OPTION…]\n\nCommands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-10s %s\n", commands[i].name, _ (commands[i].summary));
  fprintf (stream, "%s", _ ("\nRun `shoal COMMAND --help` for a command's options.\n"));
}

int
main (int argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_USAGE : EXIT_PASSED;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("shoal %s\n", SHOAL_VERSION_S);
      return EXIT_PASSED;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        g_autofree char *program = g_strdup_printf ("shoal %s", commands[i].name);
        int status;

        g_autoptr (GPtrArray) args = g_ptr_array_new_with_free_func (g_free);

        /* GOption treats argv[0] as the program; make it "shoal run". It
         * also has no `-j8` for `-j 8`, which make and ctest users type. */
        g_ptr_array_add (args, g_strdup (program));
        for (int a = 2; a < argc; a++)
          {
            if (g_str_has_prefix (argv[a], "-j") && g_ascii_isdigit (argv[a][2]))
              {
                g_ptr_array_add (args, g_strdup ("-j"));
                g_ptr_array_add (args, g_strdup (argv[a] + 2));
              }
            else
              g_ptr_array_add (args, g_strdup (argv[a]));
            if (g_str_equal (argv[a], "--"))
              {
                for (a++; a < argc; a++)
                  g_ptr_array_add (args, g_strdup (argv[a]));
              }
          }
        /* GOption shuffles the pointers of the vector it parses: hand it a
         * copy, so the strings are freed from the original. */
        {
          g_autofree char **view = g_new0 (char *, args->len + 1);

          memcpy (view, args->pdata, args->len * sizeof (char *));
          status = commands[i].run ((int) args->len, view);
        }
        g_free (opt_config);
        return status;
      }

  fprintf (stderr, _ ("shoal: unknown command '%s'\n\n"), argv[1]);
  print_usage (stderr);
  return EXIT_USAGE;
}
