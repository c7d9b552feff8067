/* test-reporters.c: the console, json and junit reporter modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib/gstdio.h>
#include <shoal.h>

/* The fixtures' output paths say @FIXTURE_DIR@; it becomes the fixture
 * directory of this tree when a fixture is loaded. */
#define FIXTURE_DIR_PLACEHOLDER "@FIXTURE_DIR@"

/* 2025-11-26T12:00:00Z, where the programmatic streams start. */
#define BASE_TS G_GINT64_CONSTANT (1764158400000000)

/* The members every result of the JSON report has, no more, no fewer. */
static const char *const result_members[] = {
  "id",
  "name",
  "suite",
  "outcome",
  "duration",
  "peak_rss",
  "worker_id",
  "attempt",
  "start",
  "end",
  "message",
  "exit_status",
  "signal",
  "output",
  "resources",
};

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "reporters", NULL);
}

static GPtrArray *
load_fixture (const char *name)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *events = g_ptr_array_new_with_free_func (g_object_unref);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (GString) line = g_string_new (lines[i]);
      ShoalEvent *event;

      if (line->len == 0)
        continue;
      g_string_replace (line, FIXTURE_DIR_PLACEHOLDER, dir, 0);
      event = shoal_event_new_from_line (line->str, line->len, &error);
      g_assert_no_error (error);
      g_ptr_array_add (events, event);
    }
  return events;
}

/* Creates the reporter through the registry, as `shoal run` does, so the
 * test covers the module's .plugin file and entry point too. */
static ShoalReporter *
create_reporter (ShoalPluginRegistry *registry, const char *name)
{
  g_autoptr (GError) error = NULL;
  ShoalReporter *reporter = shoal_plugin_registry_create_reporter (registry, name, &error);

  g_assert_no_error (error);
  g_assert_true (SHOAL_IS_REPORTER (reporter));
  return reporter;
}

static ShoalPluginRegistry *
create_registry (void)
{
  ShoalPluginRegistry *registry = shoal_plugin_registry_new ();

  shoal_plugin_registry_add_default_search_paths (registry);
  return registry;
}

static void
feed (ShoalReporter *reporter, GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    shoal_reporter_handle_event (reporter, g_ptr_array_index (events, i));
}

/* Writes the report of @events to a file under the isolated data dir and
 * returns its contents. */
static char *
write_report (ShoalReporter *reporter, const char *file_name, GPtrArray *events)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "reports", file_name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  shoal_reporter_open (reporter, path, &error);
  g_assert_no_error (error);
  feed (reporter, events);
  shoal_reporter_close (reporter, &error);
  g_assert_no_error (error);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static char *
run_console (GPtrArray *events, int tty, const char *color, gboolean verbose)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalReporter) reporter = create_reporter (registry, "console");

  g_object_set (reporter, "tty", tty, "color", color, "verbose", verbose, NULL);
  return write_report (reporter, "console.txt", events);
}

static JsonObject *
run_json (GPtrArray *events)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalReporter) reporter = create_reporter (registry, "json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = write_report (reporter, "report/nested/report.json", events);
  JsonNode *root;

  json_parser_load_from_data (parser, contents, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static gboolean
has_line (const char *text, const char *line)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  return g_strv_contains ((const char *const *) lines, line);
}

static void
assert_has_line (const char *text, const char *line)
{
  if (!has_line (text, line))
    g_error ("line \"%s\" not found in:\n%s", line, text);
}

static ShoalEvent *
make_event (ShoalEventKind kind, guint64 sequence, gint64 offset_usec, JsonObject *payload)
{
  return shoal_event_new (kind, sequence, BASE_TS + offset_usec, payload);
}

static ShoalEvent *
make_finished (guint64 sequence, ShoalTestResult *owned_result)
{
  /* Takes the result, so a stream can be built in one expression. */
  g_autoptr (ShoalTestResult) result = owned_result;
  g_autoptr (JsonObject) payload = json_object_new ();

  shoal_test_result_seal (result);
  json_object_set_member (payload, "result", shoal_test_result_to_json (result));
  return make_event (SHOAL_EVENT_TEST_FINISHED, sequence,
                     shoal_test_result_get_end_time (result) - BASE_TS, payload);
}

static ShoalEvent *
make_run_started (guint64 sequence, int workers, int tests)
{
  g_autoptr (JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "run_id", "built-run");
  json_object_set_int_member (payload, "workers", workers);
  json_object_set_int_member (payload, "tests", tests);
  json_object_set_string_member (payload, "shoal_version", SHOAL_VERSION_S);
  json_object_set_null_member (payload, "config");
  json_object_set_string_member (payload, "host", "builder");
  return make_event (SHOAL_EVENT_RUN_STARTED, sequence, 0, payload);
}

static ShoalEvent *
make_started (guint64 sequence, gint64 offset_usec, const char *test_id, const char *worker)
{
  g_autoptr (JsonObject) payload = json_object_new ();

  json_object_set_string_member (payload, "test_id", test_id);
  json_object_set_string_member (payload, "name", test_id);
  json_object_set_string_member (payload, "suite", "built");
  json_object_set_string_member (payload, "worker_id", worker);
  json_object_set_int_member (payload, "attempt", 1);
  return make_event (SHOAL_EVENT_TEST_STARTED, sequence, offset_usec, payload);
}

static ShoalTestResult *
make_result (const char *id,
             ShoalOutcome outcome,
             const char *worker,
             gint64 start_offset_usec,
             gint64 end_offset_usec)
{
  ShoalTestResult *result = shoal_test_result_new (id, outcome);

  shoal_test_result_set_suite (result, "built");
  shoal_test_result_set_worker_id (result, worker);
  shoal_test_result_set_times (result, BASE_TS + start_offset_usec, BASE_TS + end_offset_usec);
  shoal_test_result_set_duration (result,
                                  (double) (end_offset_usec - start_offset_usec) / G_USEC_PER_SEC);
  return result;
}

static gint64
get_int (JsonObject *object, const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  return json_object_get_int_member (object, member);
}

/* json ---------------------------------------------------------------- */

static void
test_json_fixture (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events.ndjson");
  g_autoptr (JsonObject) report = run_json (events);
  JsonObject *metrics;
  JsonArray *results;
  g_autofree char *dir = fixture_dir ();
  g_autofree char *fails_output = g_build_filename (dir, "output", "fails.log", NULL);
  guint n_special = 0;

  g_test_summary ("The JSON report of a full stream has the seed's totals, metrics and every "
                  "result with exactly the result members");

  g_assert_cmpstr (json_object_get_string_member (report, "schema"), ==, "shoal-report/1");
  g_assert_cmpstr (json_object_get_string_member (report, "run_id"), ==, "20251126-120000-ab12");
  g_assert_cmpint (get_int (report, "total_tests"), ==, 11);
  g_assert_cmpint (get_int (report, "passed_tests"), ==, 3);
  /* failed + timeout + crashed + error */
  g_assert_cmpint (get_int (report, "failed_tests"), ==, 6);
  g_assert_cmpint (get_int (report, "skipped_tests"), ==, 2);
  g_assert_cmpint (get_int (report, "timeout_tests"), ==, 1);
  g_assert_cmpint (get_int (report, "crashed_tests"), ==, 1);
  g_assert_cmpint (get_int (report, "error_tests"), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (report, "execution_time"), 3.21,
                                  1e-9);
  g_assert_false (json_object_get_boolean_member (report, "interrupted"));
  g_assert_cmpint (get_int (report, "workers"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (report, "started"), ==,
                   "2025-11-26T12:00:00.000000Z");

  metrics = json_object_get_object_member (report, "metrics");
  g_assert_nonnull (metrics);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "throughput"), 11 / 3.21,
                                  1e-9);
  /* Busy time: w1 ran 0.120 + 0.300 + 2.000 s; w2 0.250 + 0.050 + 0.040 +
   * 0.100 + 0.001 + 0.100 s (the two TAP points share one interval). */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "worker_utilization"),
                                  2.961 / (2 * 3.21), 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "pass_rate"), 3.0 / 11,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "execution_success_rate"),
                                  5.0 / 11, 1e-9);

  results = json_object_get_array_member (report, "results");
  g_assert_nonnull (results);
  g_assert_cmpuint (json_array_get_length (results), ==, 11);
  for (guint i = 0; i < json_array_get_length (results); i++)
    {
      JsonObject *result = json_array_get_object_element (results, i);
      g_autoptr (GList) members = json_object_get_members (result);

      g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (result_members));
      for (guint j = 0; j < G_N_ELEMENTS (result_members); j++)
        g_assert_true (json_object_has_member (result, result_members[j]));
      if (g_strcmp0 (json_object_get_string_member (result, "id"), "unit::quote <\"&'> name") == 0)
        n_special++;
    }
  g_assert_cmpuint (n_special, ==, 1);

  /* Stream order; the failed test as the stream carried it. */
  {
    JsonObject *second = json_array_get_object_element (results, 1);

    g_assert_cmpstr (json_object_get_string_member (second, "id"), ==, "unit::fails");
    g_assert_cmpstr (json_object_get_string_member (second, "name"), ==, "fails");
    g_assert_cmpstr (json_object_get_string_member (second, "suite"), ==, "unit");
    g_assert_cmpstr (json_object_get_string_member (second, "outcome"), ==, "failed");
    g_assert_cmpint (get_int (second, "exit_status"), ==, 1);
    g_assert_true (json_object_get_null_member (second, "signal"));
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (second, "duration"), 0.25, 1e-9);
    g_assert_cmpstr (json_object_get_string_member (second, "worker_id"), ==, "w2");
    g_assert_cmpint (get_int (second, "attempt"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (second, "start"), ==,
                     "2025-11-26T12:00:00.010000Z");
    g_assert_cmpstr (json_object_get_string_member (second, "end"), ==,
                     "2025-11-26T12:00:00.260000Z");
    g_assert_cmpstr (json_object_get_string_member (second, "output"), ==, fails_output);
    g_assert_cmpstr (json_object_get_string_member (second, "message"), ==,
                     "assertion failed: 1 == 2");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (second, "resources")),
                      ==, 1);
  }
  /* The retry is a result of its own. */
  {
    JsonObject *retry = json_array_get_object_element (results, 4);

    g_assert_cmpstr (json_object_get_string_member (retry, "id"), ==, "unit::flaky");
    g_assert_cmpint (get_int (retry, "attempt"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (retry, "outcome"), ==, "passed");
  }
}

static void
test_json_no_run_finished (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events-interrupted.ndjson");
  g_autoptr (JsonObject) report = run_json (events);
  JsonArray *results;

  g_test_summary ("A stream without run-finished still gives a complete JSON report of what "
                  "finished, marked interrupted, timed by the stream's span");

  g_assert_cmpstr (json_object_get_string_member (report, "run_id"), ==, "20251126-130000-cd34");
  g_assert_cmpint (get_int (report, "total_tests"), ==, 2);
  g_assert_cmpint (get_int (report, "passed_tests"), ==, 1);
  g_assert_cmpint (get_int (report, "failed_tests"), ==, 1);
  g_assert_cmpint (get_int (report, "skipped_tests"), ==, 0);
  g_assert_true (json_object_get_boolean_member (report, "interrupted"));
  /* first event at +0 ms, last at +600 ms */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (report, "execution_time"), 0.6,
                                  1e-9);
  results = json_object_get_array_member (report, "results");
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (results, 1), "id"),
                   ==, "unit::beta");
}

static void
test_json_metrics (void)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (JsonObject) report = NULL;
  g_autoptr (JsonObject) finished = json_object_new ();
  JsonObject *metrics;

  g_test_summary ("The metrics follow their documented formulas on events built in code");

  /* Two workers over 4 s: w1 busy 0-2 s and 2-3 s, w2 busy 0-1 s: 4 s of 8. */
  g_ptr_array_add (events, make_run_started (1, 2, 4));
  g_ptr_array_add (events, make_finished (2, make_result ("built::a", SHOAL_OUTCOME_PASSED, "w1", 0,
                                                          2 * G_USEC_PER_SEC)));
  g_ptr_array_add (events, make_finished (3, make_result ("built::b", SHOAL_OUTCOME_SKIPPED, "w2",
                                                          0, G_USEC_PER_SEC)));
  g_ptr_array_add (events, make_finished (4, make_result ("built::c", SHOAL_OUTCOME_FAILED, "w1",
                                                          2 * G_USEC_PER_SEC, 3 * G_USEC_PER_SEC)));
  g_ptr_array_add (events,
                   make_finished (5, make_result ("built::d", SHOAL_OUTCOME_PASSED, NULL, 0, 0)));
  json_object_set_string_member (finished, "run_id", "built-run");
  json_object_set_double_member (finished, "execution_time", 4.0);
  json_object_set_boolean_member (finished, "interrupted", FALSE);
  g_ptr_array_add (events, make_event (SHOAL_EVENT_RUN_FINISHED, 6, 4 * G_USEC_PER_SEC, finished));

  report = run_json (events);
  g_assert_cmpint (get_int (report, "total_tests"), ==, 4);
  g_assert_cmpint (get_int (report, "failed_tests"), ==, 1);
  g_assert_false (json_object_get_boolean_member (report, "interrupted"));
  metrics = json_object_get_object_member (report, "metrics");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "throughput"), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "worker_utilization"),
                                  0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "pass_rate"), 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (metrics, "execution_success_rate"),
                                  0.75, 1e-9);
}

static void
test_json_empty (void)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (JsonObject) report = run_json (events);

  g_test_summary ("An empty stream gives a valid JSON report with zero totals and metrics");

  g_assert_cmpint (get_int (report, "total_tests"), ==, 0);
  g_assert_true (json_object_get_null_member (report, "run_id"));
  g_assert_true (json_object_get_null_member (report, "started"));
  g_assert_cmpfloat (json_object_get_double_member (
                         json_object_get_object_member (report, "metrics"), "pass_rate"),
                     ==, 0.0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "results")), ==,
                    0);
}

/* Unwritable without relying on permissions (CI runs as root): a path under
 * a regular file. */
static void
assert_unwritable (const char *name)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalReporter) reporter = create_reporter (registry, name);
  g_autoptr (GPtrArray) events = load_fixture ("events-interrupted.ndjson");
  g_autoptr (GError) error = NULL;
  const char *destination = "/dev/null/x";

  if (shoal_reporter_open (reporter, destination, &error))
    {
      feed (reporter, events);
      g_assert_false (shoal_reporter_close (reporter, &error));
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_FILE_ERROR || error->domain == G_IO_ERROR);
  if (strstr (error->message, destination) == NULL)
    g_error ("the error does not name %s: %s", destination, error->message);
}

static void
test_json_unwritable (void)
{
  g_test_summary ("An unwritable JSON destination fails with an error naming the path");
  assert_unwritable ("json");
}

/* junit --------------------------------------------------------------- */

typedef struct
{
  guint testsuites;
  guint testsuite;
  guint testcase;
  guint failure;
  guint error;
  guint skipped;
  GHashTable *root_attributes;
  GHashTable *suite_attributes; /* suite name -> "tests failures errors skipped" */
  GPtrArray *case_names;        /* "classname|name" */
  GHashTable *case_output;      /* name -> system-out text */
  GHashTable *failure_messages; /* name -> message attribute */
  char *current_case;
  GString *text;
  gboolean in_system_out;
} JunitDocument;

static void
junit_document_clear (JunitDocument *doc)
{
  g_clear_pointer (&doc->root_attributes, g_hash_table_unref);
  g_clear_pointer (&doc->suite_attributes, g_hash_table_unref);
  g_clear_pointer (&doc->case_names, g_ptr_array_unref);
  g_clear_pointer (&doc->case_output, g_hash_table_unref);
  g_clear_pointer (&doc->failure_messages, g_hash_table_unref);
  g_clear_pointer (&doc->current_case, g_free);
  if (doc->text != NULL)
    g_string_free (g_steal_pointer (&doc->text), TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (JunitDocument, junit_document_clear)

static const char *
attribute (const char **names, const char **values, const char *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static void
junit_start_element (GMarkupParseContext *context,
                     const char *element,
                     const char **names,
                     const char **values,
                     gpointer user_data,
                     GError **error)
{
  JunitDocument *doc = user_data;

  if (g_str_equal (element, "testsuites"))
    {
      doc->testsuites++;
      for (guint i = 0; names[i] != NULL; i++)
        g_hash_table_insert (doc->root_attributes, g_strdup (names[i]), g_strdup (values[i]));
    }
  else if (g_str_equal (element, "testsuite"))
    {
      doc->testsuite++;
      g_assert_nonnull (attribute (names, values, "timestamp"));
      g_assert_nonnull (attribute (names, values, "hostname"));
      g_assert_nonnull (attribute (names, values, "time"));
      g_hash_table_insert (doc->suite_attributes, g_strdup (attribute (names, values, "name")),
                           g_strdup_printf ("%s %s %s %s", attribute (names, values, "tests"),
                                            attribute (names, values, "failures"),
                                            attribute (names, values, "errors"),
                                            attribute (names, values, "skipped")));
    }
  else if (g_str_equal (element, "testcase"))
    {
      doc->testcase++;
      g_assert_nonnull (attribute (names, values, "time"));
      g_free (doc->current_case);
      doc->current_case = g_strdup (attribute (names, values, "name"));
      g_ptr_array_add (
          doc->case_names,
          g_strdup_printf ("%s|%s", attribute (names, values, "classname"), doc->current_case));
    }
  else if (g_str_equal (element, "failure") || g_str_equal (element, "error"))
    {
      if (g_str_equal (element, "failure"))
        doc->failure++;
      else
        doc->error++;
      g_assert_nonnull (attribute (names, values, "type"));
      g_hash_table_insert (doc->failure_messages, g_strdup (doc->current_case),
                           g_strdup_printf ("%s %s", attribute (names, values, "type"),
                                            attribute (names, values, "message")));
    }
  else if (g_str_equal (element, "skipped"))
    doc->skipped++;
  else if (g_str_equal (element, "system-out"))
    {
      doc->in_system_out = TRUE;
      g_string_truncate (doc->text, 0);
    }
  else
    g_error ("unexpected element <%s>", element);
}

static void
junit_end_element (GMarkupParseContext *context,
                   const char *element,
                   gpointer user_data,
                   GError **error)
{
  JunitDocument *doc = user_data;

  if (g_str_equal (element, "system-out"))
    {
      g_hash_table_insert (doc->case_output, g_strdup (doc->current_case),
                           g_strdup (doc->text->str));
      doc->in_system_out = FALSE;
    }
}

static void
junit_text (GMarkupParseContext *context,
            const char *text,
            gsize length,
            gpointer user_data,
            GError **error)
{
  JunitDocument *doc = user_data;

  if (doc->in_system_out)
    g_string_append_len (doc->text, text, length);
}

static void
parse_junit (const char *xml, JunitDocument *doc)
{
  static const GMarkupParser parser = {
    junit_start_element,
    junit_end_element,
    junit_text,
    NULL,
    NULL,
  };
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GError) error = NULL;

  /* Every byte is valid UTF-8 and a character XML 1.0 allows. */
  g_assert_true (g_utf8_validate (xml, -1, NULL));
  for (const char *p = xml; *p != '\0'; p++)
    g_assert_true ((guchar) *p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r');
  g_assert_true (g_str_has_prefix (xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));

  doc->root_attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  doc->suite_attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  doc->case_names = g_ptr_array_new_with_free_func (g_free);
  doc->case_output = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  doc->failure_messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  doc->text = g_string_new (NULL);

  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, doc, NULL);
  g_markup_parse_context_parse (context, xml, -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
}

static char *
run_junit (GPtrArray *events)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalReporter) reporter = create_reporter (registry, "junit");

  return write_report (reporter, "junit/report.xml", events);
}

static void
test_junit_fixture (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events.ndjson");
  g_autofree char *xml = run_junit (events);
  g_auto (JunitDocument) doc = { 0 };
  const char *special_output;

  g_test_summary ("The JUnit XML of a full stream parses back with every testcase, failure, "
                  "error and skip, and test names and output survive escaping");

  parse_junit (xml, &doc);
  g_assert_cmpuint (doc.testsuites, ==, 1);
  g_assert_cmpuint (doc.testsuite, ==, 2);
  g_assert_cmpuint (doc.testcase, ==, 11);
  /* fails, the special name, flaky's first attempt, and the timeout */
  g_assert_cmpuint (doc.failure, ==, 4);
  /* crashed and error */
  g_assert_cmpuint (doc.error, ==, 2);
  g_assert_cmpuint (doc.skipped, ==, 2);

  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "name"), ==, "shoal");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "tests"), ==, "11");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "failures"), ==, "4");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "errors"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "skipped"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "time"), ==, "3.210");
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "timestamp"), ==,
                   "2025-11-26T12:00:00");
  /* tests failures errors skipped, per suite */
  g_assert_cmpstr (g_hash_table_lookup (doc.suite_attributes, "unit"), ==, "6 3 0 1");
  g_assert_cmpstr (g_hash_table_lookup (doc.suite_attributes, "integration"), ==, "5 1 2 1");

  /* Names lose their suite:: prefix and come back as they were. */
  g_assert_cmpstr (g_ptr_array_index (doc.case_names, 0), ==, "unit|passes");
  g_assert_true (g_ptr_array_find_with_equal_func (doc.case_names, "unit|quote <\"&'> name",
                                                   g_str_equal, NULL));
  g_assert_true (
      g_ptr_array_find_with_equal_func (doc.case_names, "integration|tap.t::2", g_str_equal, NULL));
  /* A multi-line message with markup in an attribute round-trips. */
  g_assert_cmpstr (g_hash_table_lookup (doc.failure_messages, "quote <\"&'> name"), ==,
                   "failed expected <a> & \"b\"\nbut got 'c'");
  g_assert_cmpstr (g_hash_table_lookup (doc.failure_messages, "slow"), ==,
                   "timeout timed out after 2s");
  g_assert_cmpstr (g_hash_table_lookup (doc.failure_messages, "segv"), ==,
                   "crashed killed by signal 11 (SIGSEGV)");
  g_assert_cmpstr (g_hash_table_lookup (doc.failure_messages, "no-binary"), ==,
                   "error cannot spawn ./no-binary: No such file or directory");

  /* Output: invalid UTF-8 replaced, forbidden control characters gone,
   * markup characters escaped and back. */
  special_output = g_hash_table_lookup (doc.case_output, "quote <\"&'> name");
  g_assert_nonnull (special_output);
  g_assert_nonnull (strstr (special_output, "line one <tag> & \"quoted\" 'single'\n"));
  g_assert_nonnull (strstr (special_output, "bad bytes: \xef\xbf\xbd"));
  g_assert_nonnull (strstr (special_output, "control: [31mred[0m\x7f\n"));
  g_assert_nonnull (strstr (special_output, "last line\n"));
  g_assert_nonnull (
      strstr (g_hash_table_lookup (doc.case_output, "fails"), "assertion failed: 1 == 2"));
  g_assert_nonnull (strstr (g_hash_table_lookup (doc.case_output, "segv"), "(output file missing"));
  /* No output file, no <system-out>. */
  g_assert_false (g_hash_table_contains (doc.case_output, "no-binary"));
}

static void
test_junit_no_run_finished (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events-interrupted.ndjson");
  g_autofree char *xml = run_junit (events);
  g_auto (JunitDocument) doc = { 0 };

  g_test_summary ("A stream without run-finished still gives a complete JUnit document");

  parse_junit (xml, &doc);
  g_assert_cmpuint (doc.testsuite, ==, 1);
  g_assert_cmpuint (doc.testcase, ==, 2);
  g_assert_cmpuint (doc.failure, ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (doc.root_attributes, "time"), ==, "0.600");
  g_assert_cmpstr (g_hash_table_lookup (doc.failure_messages, "beta"), ==, "failed beta broke");
}

static void
test_junit_output_limit (void)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *output = g_build_filename (g_get_user_data_dir (), "big.log", NULL);
  g_autoptr (GString) big = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *xml = NULL;
  g_auto (JunitDocument) doc = { 0 };
  g_autofree char *last_line = NULL;
  ShoalTestResult *result;
  const char *text;
  guint last;

  g_test_summary ("JUnit <system-out> keeps at most the last MiB of a big output");

  /* 3 MiB of numbered lines */
  for (last = 0; big->len < 3 * 1024 * 1024; last++)
    g_string_append_printf (big, "line %07u of a test that talks a lot\n", last);
  last_line = g_strdup_printf ("line %07u of a test that talks a lot\n", last - 1);
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);
  g_file_set_contents (output, big->str, big->len, &error);
  g_assert_no_error (error);

  result = make_result ("built::talker", SHOAL_OUTCOME_PASSED, "w1", 0, G_USEC_PER_SEC);
  shoal_test_result_set_output_path (result, output);
  g_ptr_array_add (events, make_run_started (1, 1, 1));
  g_ptr_array_add (events, make_finished (2, result));

  xml = run_junit (events);
  parse_junit (xml, &doc);
  text = g_hash_table_lookup (doc.case_output, "talker");
  g_assert_nonnull (text);
  g_assert_cmpuint (strlen (text), <=, 1024 * 1024 + 100);
  g_assert_cmpuint (strlen (text), >=, 1024 * 1024 - 100);
  /* A note, then whole lines up to the very last one. */
  g_assert_true (g_str_has_prefix (text, "[output truncated"));
  g_assert_true (g_str_has_prefix (strchr (text, '\n') + 1, "line "));
  g_assert_true (g_str_has_suffix (text, last_line));
}

static void
test_junit_unwritable (void)
{
  g_test_summary ("An unwritable JUnit destination fails with an error naming the path");
  assert_unwritable ("junit");
}

/* console ------------------------------------------------------------- */

static void
test_console_plain (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events.ndjson");
  g_autofree char *text = run_console (events, 0, "never", FALSE);
  const char *failures;

  g_test_summary ("Without a TTY the console prints one exact line per result, the failures "
                  "with their output, then the exact summary line");

  assert_has_line (text, "PASS  unit::passes  (0.12s) [w1]");
  assert_has_line (text, "FAIL  unit::fails  (0.25s) [w2]");
  assert_has_line (text, "SKIP  unit::skipped  (0.00s): requires unit::fails, which did not pass");
  assert_has_line (text, "FAIL  unit::quote <\"&'> name  (0.30s) [w1]");
  assert_has_line (text, "FAIL  unit::flaky  (0.05s) [w2]");
  assert_has_line (text, "PASS  unit::flaky  (0.04s) [w2, attempt 2]");
  assert_has_line (text, "CRASH integration::segv  (0.10s) [w2]");
  assert_has_line (text, "ERROR integration::no-binary  (0.00s) [w2]");
  assert_has_line (text, "PASS  integration::tap.t::1  (0.10s) [w2]");
  assert_has_line (text, "SKIP  integration::tap.t::2  (0.10s) [w2]: no network");
  assert_has_line (text, "TIME  integration::slow  (2.00s) [w1]");
  assert_has_line (text, "3 passed, 3 failed, 2 skipped, 1 timed out, 1 crashed, 1 error in "
                         "3.21s with 2 workers");
  assert_has_line (text, "Run directory: /project/.shoal/runs/20251126-120000-ab12");
  g_assert_null (strstr (text, "Interrupted"));

  /* The result lines come in stream order, before the failure sections. */
  g_assert_true (g_str_has_prefix (text, "PASS  unit::passes  (0.12s) [w1]\n"
                                         "FAIL  unit::fails  (0.25s) [w2]\n"));
  failures = strstr (text, "\n=== FAIL unit::fails [w2]: assertion failed: 1 == 2\n");
  g_assert_nonnull (failures);
  /* No colors and no redrawing in what the reporter writes itself (the
   * special test's captured output has escape sequences of its own). */
  g_assert_null (g_strstr_len (text, failures - text, "\033"));
  g_assert_null (g_strstr_len (text, failures - text, "\r"));
  g_assert_null (strstr (strstr (text, "\n3 passed"), "\033"));
  g_assert_true (g_str_has_prefix (failures, "\n=== FAIL unit::fails [w2]: assertion failed: 1 == "
                                             "2\nfails: step 1\n"));
  g_assert_nonnull (strstr (failures, "=== FAIL unit::flaky [w2]: connection reset\n"
                                      "connecting...\nconnection reset by peer\n"));
  g_assert_nonnull (strstr (failures, "=== TIME integration::slow [w1]: timed out after 2s\n"
                                      "sleeping for 10s\n"));
  g_assert_nonnull (strstr (failures, "=== CRASH integration::segv [w2]: killed by signal 11 "
                                      "(SIGSEGV)\n(output file missing)\n"));
  g_assert_nonnull (strstr (failures, "=== ERROR integration::no-binary [w2]: cannot spawn "
                                      "./no-binary: No such file or directory\n"
                                      "(no output captured)\n"));
  /* Passed and skipped results get no section. */
  g_assert_null (strstr (failures, "=== PASS"));
  g_assert_null (strstr (failures, "=== SKIP"));
}

static void
test_console_verbose (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events.ndjson");
  g_autofree char *quiet = run_console (events, 0, "never", FALSE);
  g_autofree char *verbose = run_console (events, 0, "never", TRUE);

  g_test_summary ("The console's verbose mode prints every test's output, passing ones too");

  g_assert_null (strstr (quiet, "ok 1 - everything fine"));
  g_assert_nonnull (strstr (verbose, "PASS  unit::passes  (0.12s) [w1]\nok 1 - everything fine\n"));
}

static void
test_console_color (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events-interrupted.ndjson");
  g_autofree char *always = run_console (events, 0, "always", FALSE);
  g_autofree char *auto_plain = run_console (events, 0, "auto", FALSE);
  g_autofree char *auto_tty = NULL;

  g_test_summary ("The console colors on request, never off a TTY in auto mode, and never "
                  "with NO_COLOR set");

  /* (This stream's captured outputs have no escape sequences of their own.) */

  g_assert_nonnull (strstr (always, "\033[32mPASS\033[0m  unit::alpha"));
  g_assert_null (strstr (auto_plain, "\033"));

  g_setenv ("NO_COLOR", "1", TRUE);
  auto_tty = run_console (events, 1, "auto", FALSE);
  g_unsetenv ("NO_COLOR");
  g_assert_nonnull (strstr (auto_tty, "\033[K"));
  g_assert_null (strstr (auto_tty, "\033[3"));
  g_assert_null (strstr (auto_tty, "\033[1"));
}

/* Splits the TTY output into what the screen shows line by line: each \r
 * starts the line again. */
static void
assert_status_fits (const char *text, int columns)
{
  g_auto (GStrv) lines = g_strsplit_set (text, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_str_has_prefix (lines[i], "\033[K") ? lines[i] + 3 : lines[i];

      if (g_str_has_prefix (line, "[") && g_utf8_strlen (line, -1) >= columns)
        g_error ("the status line \"%s\" is wider than %d columns", line, columns);
    }
}

static void
test_console_tty (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events.ndjson");
  g_autofree char *text = run_console (events, 1, "never", FALSE);

  g_test_summary ("On a TTY the console redraws a status line in place, prints only what did "
                  "not pass above it, and ends with the failures' output and the summary");

  g_assert_nonnull (strstr (text, "\r\033[K[0/9] running 0, failed 0, elapsed 0.0s"));
  g_assert_nonnull (strstr (text, "\r\033[K[1/9] running 1, failed 0, elapsed 0.1s  fails"));
  /* What did not pass is printed on its own line, above the status. */
  g_assert_nonnull (strstr (text, "\r\033[KFAIL  unit::fails  (0.25s) [w2]\n"));
  g_assert_nonnull (strstr (text, "\r\033[KSKIP  unit::skipped  (0.00s): requires unit::fails"));
  g_assert_null (strstr (text, "PASS  unit::passes"));
  /* The failure section has the tail of the output. */
  g_assert_nonnull (strstr (text, "=== FAIL unit::fails [w2]: assertion failed: 1 == 2\n"
                                  "fails: step 1\n"));
  g_assert_nonnull (strstr (text, "ERROR:fails.c:42:main: assertion failed: 1 == 2\n"));
  assert_has_line (text, "3 passed, 3 failed, 2 skipped, 1 timed out, 1 crashed, 1 error in "
                         "3.21s with 2 workers");
  /* Without a terminal to ask, the width is 80 columns. */
  assert_status_fits (text, 80);
}

static guint
count_occurrences (const char *text, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_console_tty_throttle (void)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *long_name = g_strnfill (200, 'x');
  g_autofree char *text = NULL;
  guint64 seq = 1;
  guint draws;

  g_test_summary ("A flood of events redraws the status line at most about ten times a second, "
                  "and a long test name is cut to the terminal width");

  /* 500 tests in one second of event time, one started and finished every
   * 2 ms: without throttling that would be 1000 redraws. */
  g_ptr_array_add (events, make_run_started (seq++, 1, 500));
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *id = g_strdup_printf ("built::%s%u", long_name, i);
      gint64 start = (gint64) i * 2000;

      g_ptr_array_add (events, make_started (seq++, start, id, "w1"));
      g_ptr_array_add (events, make_finished (seq++, make_result (id, SHOAL_OUTCOME_PASSED, "w1",
                                                                  start, start + 1000)));
    }

  text = run_console (events, 1, "never", FALSE);
  draws = count_occurrences (text, "\r\033[K[");
  g_assert_cmpuint (draws, >=, 5);
  g_assert_cmpuint (draws, <=, 12);
  assert_status_fits (text, 80);
  assert_has_line (text, "500 passed, 0 failed, 0 skipped in 1.00s with 1 worker");
}

static void
test_console_no_run_finished (void)
{
  g_autoptr (GPtrArray) events = load_fixture ("events-interrupted.ndjson");
  g_autofree char *text = run_console (events, 0, "never", FALSE);

  g_test_summary ("A stream without run-finished still gives the console's full report, "
                  "marked interrupted");

  assert_has_line (text, "PASS  unit::alpha  (0.20s) [w1]");
  assert_has_line (text, "FAIL  unit::beta  (0.50s) [w2]");
  assert_has_line (text, "=== FAIL unit::beta [w2]: beta broke");
  assert_has_line (text, "beta: broke");
  assert_has_line (text, "Interrupted: the event stream ends before the run finished");
  assert_has_line (text, "1 passed, 1 failed, 0 skipped in 0.60s with 2 workers");
  /* No config in run-started, no run directory to show. */
  g_assert_null (strstr (text, "Run directory"));
}

static void
test_console_output_tail (void)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *output = g_build_filename (g_get_user_data_dir (), "long.log", NULL);
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  ShoalTestResult *result;

  g_test_summary ("A failure's section shows the last 100 lines of its output and says it cut "
                  "the rest");

  for (guint i = 1; i <= 250; i++)
    g_string_append_printf (lines, "output line %u\n", i);
  g_mkdir_with_parents (g_get_user_data_dir (), 0700);
  g_file_set_contents (output, lines->str, lines->len, &error);
  g_assert_no_error (error);

  result = make_result ("built::chatty", SHOAL_OUTCOME_FAILED, "w1", 0, G_USEC_PER_SEC / 2);
  shoal_test_result_set_output_path (result, output);
  shoal_test_result_set_message (result, "it said too much");
  g_ptr_array_add (events, make_run_started (1, 1, 1));
  g_ptr_array_add (events, make_finished (2, result));

  text = run_console (events, 0, "never", FALSE);
  assert_has_line (text, "=== FAIL built::chatty [w1]: it said too much");
  g_assert_nonnull (strstr (text, "(output truncated"));
  assert_has_line (text, "output line 151");
  assert_has_line (text, "output line 250");
  g_assert_false (has_line (text, "output line 150"));
  assert_has_line (text, "0 passed, 1 failed, 0 skipped in 0.50s with 1 worker");
}

static void
test_console_unwritable (void)
{
  g_test_summary ("An unwritable console destination fails with an error naming the path");
  assert_unwritable ("console");
}

/* G_TEST_OPTION_ISOLATE_DIRS gives each test case fresh XDG dirs through
 * g_set_user_dirs(), which in GLib 2.74 drops the previous values on purpose
 * (a caller may still hold them). glib.supp only suppresses that with GLib's
 * debug symbols installed, so the test keeps the old values reachable
 * itself: every definite leak valgrind reports is then one of ours. */
static GPtrArray *previous_user_dirs;

typedef struct
{
  const char *path;
  GTestFunc func;
} TestCase;

static void
run_test_case (gconstpointer data)
{
  const TestCase *test_case = data;

  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_home_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_user_cache_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_user_config_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_user_data_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_user_state_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_user_runtime_dir ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_system_config_dirs ());
  g_ptr_array_add (previous_user_dirs, (gpointer) g_get_system_data_dirs ());

  test_case->func ();
}

int
main (int argc, char *argv[])
{
  static const TestCase test_cases[] = {
    { "/shoal/reporters/json/fixture", test_json_fixture },
    { "/shoal/reporters/json/no-run-finished", test_json_no_run_finished },
    { "/shoal/reporters/json/metrics", test_json_metrics },
    { "/shoal/reporters/json/empty", test_json_empty },
    { "/shoal/reporters/json/unwritable", test_json_unwritable },
    { "/shoal/reporters/junit/fixture", test_junit_fixture },
    { "/shoal/reporters/junit/no-run-finished", test_junit_no_run_finished },
    { "/shoal/reporters/junit/output-limit", test_junit_output_limit },
    { "/shoal/reporters/junit/unwritable", test_junit_unwritable },
    { "/shoal/reporters/console/plain", test_console_plain },
    { "/shoal/reporters/console/verbose", test_console_verbose },
    { "/shoal/reporters/console/color", test_console_color },
    { "/shoal/reporters/console/tty", test_console_tty },
    { "/shoal/reporters/console/tty-throttle", test_console_tty_throttle },
    { "/shoal/reporters/console/no-run-finished", test_console_no_run_finished },
    { "/shoal/reporters/console/output-tail", test_console_output_tail },
    { "/shoal/reporters/console/unwritable", test_console_unwritable },
  };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  previous_user_dirs = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (test_cases); i++)
    g_test_add_data_func (test_cases[i].path, &test_cases[i], run_test_case);

  return g_test_run ();
}
