/* shoal-json-reporter.c: the unified JSON report of a run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

/* The report's format; bump it when a member changes meaning or goes away. */
#define REPORT_SCHEMA "shoal-report/1"

#define SHOAL_TYPE_JSON_REPORTER (shoal_json_reporter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalJsonReporter, shoal_json_reporter, SHOAL, JSON_REPORTER, GObject)

/* The JSON reporter keeps every result of the stream and writes the report
 * once, at close(): a report on disk is always complete and parseable, and
 * one written after an interrupted run covers everything that finished. */
struct _ShoalJsonReporter
{
  GObject parent_instance;

  char *destination;
  GPtrArray *results; /* ShoalTestResult, in stream order */
  char *run_id;
  gint64 workers;
  gint64 run_started_ts; /* 0 until run-started */
  gint64 first_ts;       /* 0 until the first event */
  gint64 last_ts;
  double execution_time; /* run-finished's */
  gboolean run_finished;
  gboolean interrupted;
};

static void shoal_json_reporter_iface_init (ShoalReporterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalJsonReporter,
                                shoal_json_reporter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_REPORTER,
                                                               shoal_json_reporter_iface_init))

static gboolean
shoal_json_reporter_open (ShoalReporter *reporter, const char *destination, GError **error)
{
  ShoalJsonReporter *self = SHOAL_JSON_REPORTER (reporter);

  if (destination != NULL && !shoal_reporter_check_destination (destination, "the JSON report", error))
    return FALSE;

  g_free (self->destination);
  self->destination = g_strdup (destination);
  return TRUE;
}

static void
shoal_json_reporter_handle_event (ShoalReporter *reporter, ShoalEvent *event)
{
  ShoalJsonReporter *self = SHOAL_JSON_REPORTER (reporter);
  gint64 ts = shoal_event_get_timestamp (event);

  if (self->first_ts == 0 || ts < self->first_ts)
    self->first_ts = ts;
  self->last_ts = MAX (self->last_ts, ts);

  switch (shoal_event_get_kind (event))
    {
    case SHOAL_EVENT_RUN_STARTED:
      g_free (self->run_id);
      self->run_id = g_strdup (shoal_event_get_string (event, "run_id"));
      self->workers = shoal_event_get_int (event, "workers", 0);
      self->run_started_ts = ts;
      break;

    case SHOAL_EVENT_TEST_FINISHED:
      {
        g_autoptr (GError) error = NULL;
        ShoalTestResult *result = shoal_event_dup_result (event, &error);

        if (result == NULL)
          g_warning ("json reporter: skipping event %" G_GUINT64_FORMAT ": %s",
                     shoal_event_get_sequence (event), error->message);
        else
          g_ptr_array_add (self->results, result);
      }
      break;

    case SHOAL_EVENT_RUN_FINISHED:
      {
        JsonNode *node = json_object_get_member (shoal_event_get_payload (event), "interrupted");

        self->run_finished = TRUE;
        self->execution_time = shoal_event_get_double (event, "execution_time", 0.0);
        self->interrupted = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                            json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
                            json_node_get_boolean (node);
        if (self->run_id == NULL)
          self->run_id = g_strdup (shoal_event_get_string (event, "run_id"));
      }
      break;

    default:
      /* Queued and started tests, workers and log messages do not change
       * the report; unknown kinds come from newer writers. */
      break;
    }
}

typedef struct
{
  gint64 start;
  gint64 end;
} Interval;

static int
compare_intervals (gconstpointer a, gconstpointer b)
{
  const Interval *ia = a;
  const Interval *ib = b;

  return (ia->start > ib->start) - (ia->start < ib->start);
}

/* The time the workers spent running tests, in seconds. Several results can
 * come from one process (the points of a TAP script share its run time), so
 * a worker's busy time is the union of its results' [start, end] intervals,
 * not the sum of their durations. A result without usable times (or without
 * a worker) counts its duration as is. */
static double
compute_busy_time (GPtrArray *results)
{
  g_autoptr (GHashTable) by_worker =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_array_unref);
  GHashTableIter iter;
  GArray *intervals;
  double busy = 0.0;

  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      const char *worker = shoal_test_result_get_worker_id (result);
      Interval interval = { shoal_test_result_get_start_time (result),
                            shoal_test_result_get_end_time (result) };

      if (worker == NULL || interval.start <= 0 || interval.end < interval.start)
        {
          busy += MAX (0.0, shoal_test_result_get_duration (result));
          continue;
        }
      intervals = g_hash_table_lookup (by_worker, worker);
      if (intervals == NULL)
        {
          intervals = g_array_new (FALSE, FALSE, sizeof (Interval));
          g_hash_table_insert (by_worker, (gpointer) worker, intervals);
        }
      g_array_append_val (intervals, interval);
    }

  g_hash_table_iter_init (&iter, by_worker);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &intervals))
    {
      gint64 covered = 0;
      gint64 start;
      gint64 end;

      g_array_sort (intervals, compare_intervals);
      start = g_array_index (intervals, Interval, 0).start;
      end = g_array_index (intervals, Interval, 0).end;
      for (guint i = 1; i < intervals->len; i++)
        {
          const Interval *next = &g_array_index (intervals, Interval, i);

          if (next->start > end)
            {
              covered += end - start;
              start = next->start;
            }
          end = MAX (end, next->end);
        }
      covered += end - start;
      busy += (double) covered / G_USEC_PER_SEC;
    }

  return busy;
}

static void
add_ratio (JsonBuilder *builder, const char *name, double numerator, double denominator)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, denominator > 0.0 ? numerator / denominator : 0.0);
}

static void
add_count (JsonBuilder *builder, const char *name, guint count)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, count);
}

static JsonNode *
build_report (ShoalJsonReporter *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *started = NULL;
  guint counts[SHOAL_OUTCOME_ERROR + 1] = { 0 };
  guint total = 0, failed = 0, flaky = 0, quarantined = 0, retried = 0;
  double execution_time;

  /* Every attempt is in "results"; the counts are of each test's last
   * attempt (a retried attempt is marked "retried"). */
  for (guint i = 0; i < self->results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (self->results, i);
      ShoalOutcome outcome = shoal_test_result_get_outcome (result);

      if (shoal_test_result_get_retried (result))
        {
          retried++;
          continue;
        }
      total++;
      if ((guint) outcome < G_N_ELEMENTS (counts))
        counts[outcome]++;
      /* "failed_tests" is every result that fails the run, as the seed's
       * failed_tests (quarantined tests never do); the kinds of failure are
       * broken down beside it. */
      if (shoal_test_result_fails_run (result))
        failed++;
      flaky += shoal_test_result_get_flaky (result);
      quarantined += shoal_test_result_get_quarantined (result);
    }

  /* Without run-finished (the runner was killed) the stream's own span is
   * the best measure of how long the run took. */
  if (self->run_finished)
    execution_time = self->execution_time;
  else
    execution_time = (double) (self->last_ts - self->first_ts) / G_USEC_PER_SEC;
  execution_time = MAX (0.0, execution_time);

  if (self->run_started_ts != 0)
    started = shoal_format_timestamp (self->run_started_ts);
  else if (self->first_ts != 0)
    started = shoal_format_timestamp (self->first_ts);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_string_value (builder, REPORT_SCHEMA);
  json_builder_set_member_name (builder, "run_id");
  if (self->run_id != NULL)
    json_builder_add_string_value (builder, self->run_id);
  else
    json_builder_add_null_value (builder);
  add_count (builder, "total_tests", total);
  add_count (builder, "passed_tests", counts[SHOAL_OUTCOME_PASSED]);
  add_count (builder, "failed_tests", failed);
  add_count (builder, "skipped_tests", counts[SHOAL_OUTCOME_SKIPPED]);
  add_count (builder, "timeout_tests", counts[SHOAL_OUTCOME_TIMEOUT]);
  add_count (builder, "crashed_tests", counts[SHOAL_OUTCOME_CRASHED]);
  add_count (builder, "error_tests", counts[SHOAL_OUTCOME_ERROR]);
  add_count (builder, "flaky_tests", flaky);
  add_count (builder, "quarantined_tests", quarantined);
  add_count (builder, "retried_attempts", retried);
  json_builder_set_member_name (builder, "execution_time");
  json_builder_add_double_value (builder, execution_time);
  /* A stream that ends without run-finished is an interrupted run too. */
  json_builder_set_member_name (builder, "interrupted");
  json_builder_add_boolean_value (builder, self->interrupted || !self->run_finished);
  json_builder_set_member_name (builder, "workers");
  json_builder_add_int_value (builder, self->workers);
  json_builder_set_member_name (builder, "started");
  if (started != NULL)
    json_builder_add_string_value (builder, started);
  else
    json_builder_add_null_value (builder);

  /* The seed's performance and quality metrics. Each ratio is 0 when its
   * denominator is 0 (an empty or instantaneous run), so the member is always
   * a number:
   *   throughput             = total_tests / execution_time        (results per second)
   *   worker_utilization     = busy / (workers * execution_time), where busy is
   *                            the time workers spent running tests (see
   *                            compute_busy_time())
   *   pass_rate              = passed_tests / total_tests
   *   execution_success_rate = (passed_tests + skipped_tests) / total_tests
   *                            (the results that let the run pass)
   *   flaky_rate             = flaky_tests / total_tests (passed only on a retry) */
  json_builder_set_member_name (builder, "metrics");
  json_builder_begin_object (builder);
  add_ratio (builder, "throughput", total, execution_time);
  add_ratio (builder, "worker_utilization", compute_busy_time (self->results),
             (double) self->workers * execution_time);
  add_ratio (builder, "pass_rate", counts[SHOAL_OUTCOME_PASSED], total);
  add_ratio (builder, "execution_success_rate",
             counts[SHOAL_OUTCOME_PASSED] + counts[SHOAL_OUTCOME_SKIPPED], total);
  add_ratio (builder, "flaky_rate", flaky, total);
  json_builder_end_object (builder);

  /* Each result as the event stream carries it: to_json() writes exactly the
   * members the report promises, whatever a newer writer added. */
  json_builder_set_member_name (builder, "results");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->results->len; i++)
    json_builder_add_value (builder,
                            shoal_test_result_to_json (g_ptr_array_index (self->results, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
shoal_json_reporter_close (ShoalReporter *reporter, GError **error)
{
  ShoalJsonReporter *self = SHOAL_JSON_REPORTER (reporter);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = build_report (self);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  /* A text file ends with a newline. */
  data = g_realloc (data, length + 2);
  data[length++] = '\n';
  data[length] = '\0';

  if (self->destination == NULL)
    {
      if (fwrite (data, 1, length, stdout) != length || fflush (stdout) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "cannot write the JSON report to standard output: %s",
                       g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  /* The directory may have gone since open(); make it again. A failure shows
   * in g_file_set_contents() below, with the reason. */
  {
    g_autofree char *dir = g_path_get_dirname (self->destination);

    g_mkdir_with_parents (dir, 0777);
  }
  /* g_file_set_contents() writes a temporary file and renames it over the
   * destination, so readers never see half a report. */
  if (!g_file_set_contents (self->destination, data, length, &local_error))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code, "cannot write the JSON report to %s: %s",
                   self->destination, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
shoal_json_reporter_iface_init (ShoalReporterInterface *iface)
{
  iface->open = shoal_json_reporter_open;
  iface->handle_event = shoal_json_reporter_handle_event;
  iface->close = shoal_json_reporter_close;
}

static void
shoal_json_reporter_finalize (GObject *object)
{
  ShoalJsonReporter *self = SHOAL_JSON_REPORTER (object);

  g_free (self->destination);
  g_ptr_array_unref (self->results);
  g_free (self->run_id);

  G_OBJECT_CLASS (shoal_json_reporter_parent_class)->finalize (object);
}

static void
shoal_json_reporter_class_init (ShoalJsonReporterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_json_reporter_finalize;
}

static void
shoal_json_reporter_class_finalize (ShoalJsonReporterClass *klass)
{
}

static void
shoal_json_reporter_init (ShoalJsonReporter *self)
{
  self->results = g_ptr_array_new_with_free_func (g_object_unref);
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  shoal_json_reporter_register_type (module);
  shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "json",
                                       SHOAL_TYPE_JSON_REPORTER, NULL);
}
