/* shoal-junit-reporter.c: JUnit XML, as Jenkins and GitLab read it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

/* Each <system-out> holds at most the last MiB of a test's output: CI
 * servers load the whole file into memory, and a test that printed a
 * gigabyte should not take the report down with it. */
#define OUTPUT_MAX_BYTES (1024 * 1024)

/* Suites need a name; results from an adapter that gives none go here. */
#define DEFAULT_SUITE "default"

#define SHOAL_TYPE_JUNIT_REPORTER (shoal_junit_reporter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalJunitReporter, shoal_junit_reporter, SHOAL, JUNIT_REPORTER, GObject)

/* Like the JSON reporter, the JUnit reporter collects the results and writes
 * the whole document at close(), atomically: an XML file cut short is of no
 * use to any CI server. */
struct _ShoalJunitReporter
{
  GObject parent_instance;

  char *destination;
  GPtrArray *results; /* ShoalTestResult, in stream order */
  char *host;
  gint64 run_started_ts;
  gint64 first_ts;
  gint64 last_ts;
  double execution_time;
  gboolean run_finished;
};

static void shoal_junit_reporter_iface_init (ShoalReporterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalJunitReporter,
                                shoal_junit_reporter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_REPORTER,
                                                               shoal_junit_reporter_iface_init))

/* Text that XML 1.0 can carry: valid UTF-8 (g_utf8_make_valid() turns bad
 * bytes into U+FFFD), without the characters the XML 1.0 Char production
 * excludes: C0 controls other than tab, newline and carriage return, and
 * U+FFFE/U+FFFF. Not even a character reference can carry those, so they
 * go. (Surrogates cannot survive UTF-8 validation.) */
static char *
xml_sanitize (const char *text, gssize length)
{
  g_autofree char *valid = g_utf8_make_valid (text, length);
  GString *clean = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xFFFE || c == 0xFFFF)
        continue;
      g_string_append_len (clean, p, g_utf8_next_char (p) - p);
    }
  return g_string_free (clean, FALSE);
}

static void
append_text (GString *xml, const char *text, gssize length)
{
  g_autofree char *clean = xml_sanitize (text, length);
  g_autofree char *escaped = g_markup_escape_text (clean, -1);

  g_string_append (xml, escaped);
}

/* An attribute value. Parsers normalise literal tabs and line breaks in
 * attributes to spaces, so those go as character references: a multi-line
 * message comes back as it was written. */
static void
append_attribute (GString *xml, const char *name, const char *value)
{
  g_autofree char *clean = xml_sanitize (value != NULL ? value : "", -1);
  g_autofree char *escaped = g_markup_escape_text (clean, -1);

  g_string_append_printf (xml, " %s=\"", name);
  for (const char *p = escaped; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_string_append (xml, "&#10;");
      else if (*p == '\r')
        g_string_append (xml, "&#13;");
      else if (*p == '\t')
        g_string_append (xml, "&#9;");
      else
        g_string_append_c (xml, *p);
    }
  g_string_append_c (xml, '"');
}

static void
append_time_attribute (GString *xml, const char *name, double seconds)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  /* Always a dot, whatever the locale. */
  g_string_append_printf (xml, " %s=\"%s\"", name,
                          g_ascii_formatd (buffer, sizeof buffer, "%.3f", MAX (0.0, seconds)));
}

static void
append_count_attribute (GString *xml, const char *name, guint count)
{
  g_string_append_printf (xml, " %s=\"%u\"", name, count);
}

/* The JUnit schemas define timestamps as xs:dateTime without a zone or
 * fraction (`2025-11-26T12:00:00`); they are in UTC. */
static void
append_timestamp_attribute (GString *xml, gint64 usec)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *formatted = NULL;

  if (usec <= 0)
    return;
  dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (dt == NULL)
    return;
  formatted = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  g_string_append_printf (xml, " timestamp=\"%s\"", formatted);
}

static gboolean
shoal_junit_reporter_open (ShoalReporter *reporter, const char *destination, GError **error)
{
  ShoalJunitReporter *self = SHOAL_JUNIT_REPORTER (reporter);

  if (destination != NULL && !shoal_reporter_check_destination (destination, "the JUnit report", error))
    return FALSE;

  g_free (self->destination);
  self->destination = g_strdup (destination);
  return TRUE;
}

static void
shoal_junit_reporter_handle_event (ShoalReporter *reporter, ShoalEvent *event)
{
  ShoalJunitReporter *self = SHOAL_JUNIT_REPORTER (reporter);
  gint64 ts = shoal_event_get_timestamp (event);

  if (self->first_ts == 0 || ts < self->first_ts)
    self->first_ts = ts;
  self->last_ts = MAX (self->last_ts, ts);

  switch (shoal_event_get_kind (event))
    {
    case SHOAL_EVENT_RUN_STARTED:
      g_free (self->host);
      self->host = g_strdup (shoal_event_get_string (event, "host"));
      self->run_started_ts = ts;
      break;

    case SHOAL_EVENT_TEST_FINISHED:
      {
        g_autoptr (GError) error = NULL;
        ShoalTestResult *result = shoal_event_dup_result (event, &error);

        if (result == NULL)
          g_warning ("junit reporter: skipping event %" G_GUINT64_FORMAT ": %s",
                     shoal_event_get_sequence (event), error->message);
        else
          g_ptr_array_add (self->results, result);
      }
      break;

    case SHOAL_EVENT_RUN_FINISHED:
      self->run_finished = TRUE;
      self->execution_time = shoal_event_get_double (event, "execution_time", 0.0);
      break;

    default:
      /* Nothing else shows in JUnit XML; unknown kinds come from newer
       * writers. */
      break;
    }
}

static const char *
result_suite (ShoalTestResult *result)
{
  const char *suite = shoal_test_result_get_suite (result);

  return suite != NULL && *suite != '\0' ? suite : DEFAULT_SUITE;
}

/* The test's name within its suite: its id without the `suite::` prefix
 * (the suite is the classname already). */
static const char *
result_case_name (ShoalTestResult *result)
{
  const char *id = shoal_test_result_get_test_id (result);
  const char *suite = shoal_test_result_get_suite (result);
  gsize suite_length;

  if (suite == NULL || *suite == '\0')
    return id;
  suite_length = strlen (suite);
  if (strncmp (id, suite, suite_length) == 0 && strncmp (id + suite_length, "::", 2) == 0 &&
      id[suite_length + 2] != '\0')
    return id + suite_length + 2;
  return id;
}

/* The message of a failure, also when the adapter gave none: CI servers show
 * it as the headline. */
static char *
failure_message (ShoalTestResult *result)
{
  const char *message = shoal_test_result_get_message (result);
  int exit_status = shoal_test_result_get_exit_status (result);
  int signum = shoal_test_result_get_signal (result);

  if (message != NULL && *message != '\0')
    return g_strdup (message);
  switch (shoal_test_result_get_outcome (result))
    {
    case SHOAL_OUTCOME_TIMEOUT:
      return g_strdup_printf ("timed out after %.3fs", shoal_test_result_get_duration (result));
    case SHOAL_OUTCOME_CRASHED:
      if (signum > 0)
        return g_strdup_printf ("killed by signal %d (%s)", signum, g_strsignal (signum));
      return g_strdup ("crashed");
    case SHOAL_OUTCOME_FAILED:
      if (exit_status >= 0)
        return g_strdup_printf ("exit status %d", exit_status);
      return g_strdup ("failed");
    case SHOAL_OUTCOME_ERROR:
    default:
      return g_strdup ("the test could not be run");
    }
}

/* Appends the last OUTPUT_MAX_BYTES of the captured output, or says why
 * there is none. */
static void
append_output (GString *xml, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tail = NULL;
  gboolean truncated = FALSE;

  tail = shoal_reporter_read_output_tail (path, OUTPUT_MAX_BYTES, &truncated, &error);
  if (tail == NULL)
    {
      g_autofree char *note = NULL;

      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        note = g_strdup_printf ("(output file missing: %s)", path);
      else
        note = g_strdup_printf ("(output unreadable: %s)", error->message);
      append_text (xml, note, -1);
      return;
    }
  if (truncated)
    g_string_append_printf (xml, "[output truncated: its last %d KiB follow]\n",
                            OUTPUT_MAX_BYTES / 1024);
  append_text (xml, tail, -1);
}

/* Earlier attempts of a test that was retried, as Maven Surefire writes
 * them: `flakyFailure` when the test passed in the end, `rerunFailure` when
 * it did not. */
static void
append_attempts (GString *xml, ShoalTestResult *result, GPtrArray *attempts)
{
  const char *element = shoal_test_result_get_flaky (result) ? "flakyFailure" : "rerunFailure";

  for (guint i = 0; attempts != NULL && i < attempts->len; i++)
    {
      ShoalTestResult *attempt = attempts->pdata[i];
      g_autofree char *failure = failure_message (attempt);

      g_string_append_printf (xml, "      <%s", element);
      append_attribute (xml, "message", failure);
      append_attribute (xml, "type", shoal_outcome_to_string (shoal_test_result_get_outcome (attempt)));
      g_string_append_c (xml, '>');
      append_text (xml, failure, -1);
      g_string_append_printf (xml, "</%s>\n", element);
    }
}

static void
append_testcase (GString *xml, ShoalTestResult *result, GPtrArray *attempts)
{
  ShoalOutcome outcome = shoal_test_result_get_outcome (result);
  const char *output = shoal_test_result_get_output_path (result);
  const char *message = shoal_test_result_get_message (result);
  g_autofree char *failure = NULL;

  g_string_append (xml, "    <testcase");
  append_attribute (xml, "classname", result_suite (result));
  append_attribute (xml, "name", result_case_name (result));
  append_time_attribute (xml, "time", shoal_test_result_get_duration (result));
  g_string_append (xml, ">\n");

  /* A quarantined test that did not pass never fails the run: skipped,
   * saying why. */
  if (shoal_test_result_get_quarantined (result) && !shoal_outcome_is_success (outcome))
    {
      g_autofree char *quarantined = g_strdup_printf ("quarantined: %s %s",
                                                      shoal_outcome_to_string (outcome),
                                                      message != NULL ? message : "");

      g_string_append (xml, "      <skipped");
      append_attribute (xml, "message", quarantined);
      g_string_append (xml, "/>\n");
      outcome = SHOAL_OUTCOME_PASSED; /* nothing more to add */
    }

  switch (outcome)
    {
    case SHOAL_OUTCOME_FAILED:
    case SHOAL_OUTCOME_TIMEOUT:
      /* A timeout is the test's fault, so a failure, not an error. */
      failure = failure_message (result);
      g_string_append (xml, "      <failure");
      append_attribute (xml, "message", failure);
      append_attribute (xml, "type", shoal_outcome_to_string (outcome));
      g_string_append_c (xml, '>');
      append_text (xml, failure, -1);
      g_string_append (xml, "</failure>\n");
      break;

    case SHOAL_OUTCOME_CRASHED:
    case SHOAL_OUTCOME_ERROR:
      failure = failure_message (result);
      g_string_append (xml, "      <error");
      append_attribute (xml, "message", failure);
      append_attribute (xml, "type", shoal_outcome_to_string (outcome));
      g_string_append_c (xml, '>');
      append_text (xml, failure, -1);
      g_string_append (xml, "</error>\n");
      break;

    case SHOAL_OUTCOME_SKIPPED:
      g_string_append (xml, "      <skipped");
      if (message != NULL)
        append_attribute (xml, "message", message);
      g_string_append (xml, "/>\n");
      break;

    case SHOAL_OUTCOME_PASSED:
    default:
      break;
    }
  append_attempts (xml, result, attempts);

  if (output != NULL)
    {
      g_string_append (xml, "      <system-out>");
      append_output (xml, output);
      g_string_append (xml, "</system-out>\n");
    }
  g_string_append (xml, "    </testcase>\n");
}

typedef struct
{
  guint tests;
  guint failures;
  guint errors;
  guint skipped;
  double time;
  gint64 first_start;
} Totals;

static void
totals_add (Totals *totals, ShoalTestResult *result)
{
  gint64 start = shoal_test_result_get_start_time (result);

  totals->tests++;
  if (shoal_test_result_get_quarantined (result) &&
      !shoal_outcome_is_success (shoal_test_result_get_outcome (result)))
    {
      totals->skipped++;
      totals->time += MAX (0.0, shoal_test_result_get_duration (result));
      return;
    }
  switch (shoal_test_result_get_outcome (result))
    {
    case SHOAL_OUTCOME_FAILED:
    case SHOAL_OUTCOME_TIMEOUT:
      totals->failures++;
      break;
    case SHOAL_OUTCOME_CRASHED:
    case SHOAL_OUTCOME_ERROR:
      totals->errors++;
      break;
    case SHOAL_OUTCOME_SKIPPED:
      totals->skipped++;
      break;
    case SHOAL_OUTCOME_PASSED:
    default:
      break;
    }
  totals->time += MAX (0.0, shoal_test_result_get_duration (result));
  if (start > 0 && (totals->first_start == 0 || start < totals->first_start))
    totals->first_start = start;
}

static void
append_totals (GString *xml, const Totals *totals)
{
  append_count_attribute (xml, "tests", totals->tests);
  append_count_attribute (xml, "failures", totals->failures);
  append_count_attribute (xml, "errors", totals->errors);
  append_count_attribute (xml, "skipped", totals->skipped);
}

static char *
build_document (ShoalJunitReporter *self)
{
  GString *xml = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_autoptr (GPtrArray) suites = g_ptr_array_new (); /* names, in order of appearance */
  g_autoptr (GHashTable) members =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GHashTable) retried =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  Totals all = { 0 };
  double execution_time;

  for (guint i = 0; i < self->results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (self->results, i);
      const char *suite = result_suite (result);
      GPtrArray *results = g_hash_table_lookup (members, suite);

      /* A retried attempt belongs to the test's last one. */
      if (shoal_test_result_get_retried (result))
        {
          GPtrArray *attempts = g_hash_table_lookup (retried, shoal_test_result_get_test_id (result));

          if (attempts == NULL)
            g_hash_table_insert (retried, (gpointer) shoal_test_result_get_test_id (result),
                                 attempts = g_ptr_array_new ());
          g_ptr_array_add (attempts, result);
          continue;
        }

      if (results == NULL)
        {
          results = g_ptr_array_new ();
          g_hash_table_insert (members, (gpointer) suite, results);
          g_ptr_array_add (suites, (gpointer) suite);
        }
      g_ptr_array_add (results, result);
      totals_add (&all, result);
    }

  /* The whole run took the wall-clock time of the run, not the sum of its
   * parallel tests; without run-finished, the stream's span. */
  if (self->run_finished)
    execution_time = self->execution_time;
  else
    execution_time = (double) (self->last_ts - self->first_ts) / G_USEC_PER_SEC;

  g_string_append (xml, "<testsuites");
  append_attribute (xml, "name", "shoal");
  append_totals (xml, &all);
  append_time_attribute (xml, "time", execution_time);
  append_timestamp_attribute (xml,
                              self->run_started_ts != 0 ? self->run_started_ts : self->first_ts);
  g_string_append (xml, ">\n");

  for (guint i = 0; i < suites->len; i++)
    {
      const char *suite = g_ptr_array_index (suites, i);
      GPtrArray *results = g_hash_table_lookup (members, suite);
      Totals totals = { 0 };

      for (guint j = 0; j < results->len; j++)
        totals_add (&totals, g_ptr_array_index (results, j));

      g_string_append (xml, "  <testsuite");
      append_attribute (xml, "name", suite);
      append_totals (xml, &totals);
      /* A suite's time is the sum of its tests', as JUnit writers do. */
      append_time_attribute (xml, "time", totals.time);
      append_timestamp_attribute (xml,
                                  totals.first_start != 0 ? totals.first_start : self->first_ts);
      append_attribute (xml, "hostname", self->host != NULL ? self->host : "unknown");
      g_string_append (xml, ">\n");
      for (guint j = 0; j < results->len; j++)
        append_testcase (xml, g_ptr_array_index (results, j),
                         g_hash_table_lookup (retried, shoal_test_result_get_test_id (
                                                           g_ptr_array_index (results, j))));
      g_string_append (xml, "  </testsuite>\n");
    }

  g_string_append (xml, "</testsuites>\n");
  return g_string_free (xml, FALSE);
}

static gboolean
shoal_junit_reporter_close (ShoalReporter *reporter, GError **error)
{
  ShoalJunitReporter *self = SHOAL_JUNIT_REPORTER (reporter);
  g_autofree char *document = build_document (self);
  g_autoptr (GError) local_error = NULL;
  gsize length = strlen (document);

  if (self->destination == NULL)
    {
      if (fwrite (document, 1, length, stdout) != length || fflush (stdout) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "cannot write the JUnit report to standard output: %s",
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
  /* Written to a temporary file and renamed over the destination. */
  if (!g_file_set_contents (self->destination, document, length, &local_error))
    {
      g_set_error (error, G_FILE_ERROR, local_error->code,
                   "cannot write the JUnit report to %s: %s", self->destination,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
shoal_junit_reporter_iface_init (ShoalReporterInterface *iface)
{
  iface->open = shoal_junit_reporter_open;
  iface->handle_event = shoal_junit_reporter_handle_event;
  iface->close = shoal_junit_reporter_close;
}

static void
shoal_junit_reporter_finalize (GObject *object)
{
  ShoalJunitReporter *self = SHOAL_JUNIT_REPORTER (object);

  g_free (self->destination);
  g_ptr_array_unref (self->results);
  g_free (self->host);

  G_OBJECT_CLASS (shoal_junit_reporter_parent_class)->finalize (object);
}

static void
shoal_junit_reporter_class_init (ShoalJunitReporterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_junit_reporter_finalize;
}

static void
shoal_junit_reporter_class_finalize (ShoalJunitReporterClass *klass)
{
}

static void
shoal_junit_reporter_init (ShoalJunitReporter *self)
{
  self->results = g_ptr_array_new_with_free_func (g_object_unref);
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  shoal_junit_reporter_register_type (module);
  shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "junit",
                                       SHOAL_TYPE_JUNIT_REPORTER, NULL);
}
