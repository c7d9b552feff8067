/* test-event.c: the event stream and results on disk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <shoal.h>

static ShoalTestResult *
make_result (void)
{
  ShoalTestResult *result = shoal_test_result_new ("suite::a <b> \"c\"", SHOAL_OUTCOME_CRASHED);
  const char *resources[] = { "drivers:1", "db:0", NULL };

  shoal_test_result_set_name (result, "a <b> \"c\"");
  shoal_test_result_set_suite (result, "suite");
  shoal_test_result_set_signal (result, 11);
  shoal_test_result_set_duration (result, 1.25);
  shoal_test_result_set_times (result, G_GINT64_CONSTANT (1764161503123456),
                               G_GINT64_CONSTANT (1764161504373456));
  shoal_test_result_set_worker_id (result, "w3");
  shoal_test_result_set_attempt (result, 2);
  shoal_test_result_set_output_path (result, "/tmp/x.log");
  shoal_test_result_set_message (result, "killed by signal 11 (Segmentation fault)");
  shoal_test_result_set_resources (result, resources);
  return result;
}

static void
test_result_round_trip (void)
{
  g_autoptr (ShoalTestResult) result = make_result ();
  g_autoptr (JsonNode) node = shoal_test_result_to_json (result);
  g_autoptr (ShoalTestResult) back = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object = json_node_get_object (node);

  g_assert_cmpstr (json_object_get_string_member (object, "outcome"), ==, "crashed");
  g_assert_cmpstr (json_object_get_string_member (object, "start"), ==,
                   "2025-11-26T12:51:43.123456Z");
  g_assert_true (json_node_is_null (json_object_get_member (object, "exit_status")));
  g_assert_cmpint (json_object_get_int_member (object, "signal"), ==, 11);

  back = shoal_test_result_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_test_result_is_sealed (back));
  g_assert_cmpstr (shoal_test_result_get_test_id (back), ==, "suite::a <b> \"c\"");
  g_assert_cmpint (shoal_test_result_get_outcome (back), ==, SHOAL_OUTCOME_CRASHED);
  g_assert_cmpint (shoal_test_result_get_exit_status (back), ==, -1);
  g_assert_cmpint (shoal_test_result_get_signal (back), ==, 11);
  g_assert_cmpfloat_with_epsilon (shoal_test_result_get_duration (back), 1.25, 1e-9);
  g_assert_cmpint (shoal_test_result_get_start_time (back), ==, G_GINT64_CONSTANT (1764161503123456));
  g_assert_cmpint (shoal_test_result_get_end_time (back), ==, G_GINT64_CONSTANT (1764161504373456));
  g_assert_cmpstr (shoal_test_result_get_worker_id (back), ==, "w3");
  g_assert_cmpuint (shoal_test_result_get_attempt (back), ==, 2);
  g_assert_cmpstr (shoal_test_result_get_output_path (back), ==, "/tmp/x.log");
  g_assert_cmpstr (shoal_test_result_get_message (back), ==,
                   "killed by signal 11 (Segmentation fault)");
  g_assert_cmpstrv (shoal_test_result_get_resources (back),
                    ((const char *const[]){ "drivers:1", "db:0", NULL }));
}

static void
test_result_bad_json (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string ("{\"id\": \"s::t\", \"outcome\": \"exploded\"}", NULL);
  g_autoptr (JsonNode) no_id = json_from_string ("{\"outcome\": \"passed\"}", NULL);
  ShoalTestResult *result;

  result = shoal_test_result_new_from_json (node, &error);
  g_assert_null (result);
  g_assert_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "the result of 's::t' has an unknown outcome 'exploded'");
  g_clear_error (&error);

  result = shoal_test_result_new_from_json (no_id, &error);
  g_assert_null (result);
  g_assert_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "a test result has no \"id\"");
}

static void
test_sealed_result_refuses_changes (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (ShoalTestResult) result = make_result ();

      shoal_test_result_seal (result);
      shoal_test_result_set_outcome (result, SHOAL_OUTCOME_PASSED);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*is sealed and cannot change*");
}

static void
test_event_line_round_trip (void)
{
  g_autoptr (ShoalTestResult) result = make_result ();
  g_autoptr (JsonObject) payload = json_object_new ();
  g_autoptr (ShoalEvent) event = NULL;
  g_autoptr (ShoalEvent) back = NULL;
  g_autoptr (ShoalTestResult) carried = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;

  json_object_set_member (payload, "result", shoal_test_result_to_json (result));
  event = shoal_event_new (SHOAL_EVENT_TEST_FINISHED, 42, G_GINT64_CONSTANT (1764161503000000),
                           payload);
  line = shoal_event_to_line (event);
  g_assert_null (strchr (line, '\n'));
  g_assert_true (g_str_has_prefix (line, "{\"v\":1,\"seq\":42,\"ts\":1764161503000000,"
                                         "\"type\":\"test-finished\","));

  back = shoal_event_new_from_line (line, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (shoal_event_get_kind (back), ==, SHOAL_EVENT_TEST_FINISHED);
  g_assert_cmpuint (shoal_event_get_sequence (back), ==, 42);
  g_assert_cmpint (shoal_event_get_timestamp (back), ==, G_GINT64_CONSTANT (1764161503000000));
  g_assert_false (json_object_has_member (shoal_event_get_payload (back), "v"));
  carried = shoal_event_dup_result (back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_test_result_get_message (carried), ==,
                   "killed by signal 11 (Segmentation fault)");
}

static void
test_event_bad_lines (void)
{
  struct
  {
    const char *line;
    int code;
    const char *message;
  } cases[] = {
    { "not json", SHOAL_EVENT_ERROR_PARSE, "not a JSON event: *" },
    { "[1,2]", SHOAL_EVENT_ERROR_PARSE, "an event must be a JSON object" },
    { "{\"type\":\"log\"}", SHOAL_EVENT_ERROR_PARSE, "an event has no stream version \"v\"" },
    { "{\"v\":1}", SHOAL_EVENT_ERROR_PARSE, "an event has no \"type\"" },
    { "{\"v\":2,\"type\":\"log\"}", SHOAL_EVENT_ERROR_VERSION,
      "event stream version 2 is not supported (this is version 1)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      ShoalEvent *event = shoal_event_new_from_line (cases[i].line, -1, &error);

      g_assert_null (event);
      g_assert_error (error, SHOAL_EVENT_ERROR, cases[i].code);
      g_assert_true (g_pattern_match_simple (cases[i].message, error->message));
    }
}

static void
test_log_read_tolerates_a_cut_off_line (void)
{
  g_autofree char *dir = g_dir_make_tmp ("shoal-event-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "events.ndjson", NULL);
  g_autoptr (ShoalEventLog) log = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  guint skipped = 99;
  FILE *file;

  log = shoal_event_log_new (path, &error);
  g_assert_no_error (error);
  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr (JsonObject) payload = json_object_new ();
      g_autoptr (ShoalEvent) event = NULL;

      json_object_set_string_member (payload, "worker_id", "w1");
      event = shoal_event_new (SHOAL_EVENT_WORKER_STARTED, i, i, payload);
      g_assert_true (shoal_event_log_append (log, event, &error));
      g_assert_no_error (error);
    }
  /* Written as it happens: readable before the log is closed. */
  events = shoal_event_log_read (path, &skipped, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpuint (skipped, ==, 0);
  g_clear_pointer (&events, g_ptr_array_unref);
  g_assert_true (shoal_event_log_close (log, &error));

  /* An event of a kind this version does not know, then a line cut off by
   * a killed writer. */
  file = fopen (path, "a");
  fputs ("{\"v\":1,\"seq\":4,\"ts\":4,\"type\":\"from-the-future\"}\n", file);
  fputs ("{\"v\":1,\"seq\":5,\"ts\":5,\"type\":\"worker-st", file);
  fclose (file);

  events = shoal_event_log_read (path, &skipped, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpuint (skipped, ==, 2);
  g_assert_cmpstr (shoal_event_get_string (g_ptr_array_index (events, 2), "worker_id"), ==, "w1");
  g_clear_pointer (&events, g_ptr_array_unref);

  /* A broken line in the middle is an error naming the line. */
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  {
    g_autofree char *broken = g_strconcat ("garbage\n", contents, NULL);

    g_assert_true (g_file_set_contents (path, broken, -1, NULL));
  }
  events = shoal_event_log_read (path, NULL, &error);
  g_assert_null (events);
  g_assert_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, ":1: not a JSON event"));

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("Test results as JSON and the event stream on disk");

  g_test_add_func ("/shoal/event/result-round-trip", test_result_round_trip);
  g_test_add_func ("/shoal/event/result-bad-json", test_result_bad_json);
  g_test_add_func ("/shoal/event/sealed-result", test_sealed_result_refuses_changes);
  g_test_add_func ("/shoal/event/line-round-trip", test_event_line_round_trip);
  g_test_add_func ("/shoal/event/bad-lines", test_event_bad_lines);
  g_test_add_func ("/shoal/event/log-cut-off-line", test_log_read_tolerates_a_cut_off_line);
  return g_test_run ();
}
