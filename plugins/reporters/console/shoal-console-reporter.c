/* shoal-console-reporter.c: progress and results for people at a terminal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

/* How often the status line may be redrawn: ten times a second is as fast as
 * anyone reads it, and redrawing per event would cost more than the tests
 * when thousands of trivial tests finish a second. */
#define REDRAW_INTERVAL_USEC (G_USEC_PER_SEC / 10)

/* How much of a failed test's output the final report shows. */
#define TAIL_MAX_LINES 100
#define TAIL_MAX_BYTES (64 * 1024)

#define DEFAULT_COLUMNS 80

#define ANSI_RESET "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[31m"
#define ANSI_GREEN "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_MAGENTA "\033[35m"
#define ANSI_BOLD_RED "\033[1;31m"
#define ANSI_BOLD_GREEN "\033[1;32m"
/* Back to the start of the line and erase it: where the status line lives. */
#define ANSI_CLEAR_LINE "\r\033[K"

#define SHOAL_TYPE_CONSOLE_REPORTER (shoal_console_reporter_get_type ())
G_DECLARE_FINAL_TYPE (
    ShoalConsoleReporter, shoal_console_reporter, SHOAL, CONSOLE_REPORTER, GObject)

typedef struct
{
  char *test_id;
  char *name;
  guint64 sequence; /* of its test-started: the latest is the one shown */
} RunningTest;

/* On a terminal the reporter keeps one status line at the bottom, redrawn in
 * place, and prints the tests that did not pass above it as they finish.
 * Elsewhere (a CI log, a file) it prints one plain line per result, which
 * reads well interleaved with anything else. Either way the end of the run
 * gets the failures with the tail of their output, then the summary. */
struct _ShoalConsoleReporter
{
  GObject parent_instance;

  /* properties */
  char *color;
  int tty;
  gboolean verbose;

  /* where the report goes */
  FILE *out;
  gboolean owns_out;
  gboolean is_tty;
  gboolean use_color;
  int columns;

  /* what the stream said so far */
  char *run_id;
  char *run_dir;
  gint64 workers;
  gint64 total_tests; /* run-started's "tests", else the test-queued count */
  guint n_queued;
  gint64 first_ts;
  gint64 last_ts;
  gboolean run_finished;
  gboolean interrupted;
  double execution_time;
  GPtrArray *results; /* ShoalTestResult, in stream order */
  guint counts[SHOAL_OUTCOME_ERROR + 1];
  guint n_quarantined_failures; /* not in counts: they do not fail the run */
  GHashTable *done;             /* ids of the scheduled tests that finished (a retry counts once) */
  GHashTable *running;          /* worker id (or test id) -> RunningTest */

  /* the status line */
  GSource *refresh_source;
  gint64 last_draw;
  gboolean status_shown;
  gboolean status_dirty;
};

enum
{
  PROP_0,
  PROP_VERBOSE,
  PROP_COLOR,
  PROP_TTY,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void shoal_console_reporter_iface_init (ShoalReporterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalConsoleReporter,
                                shoal_console_reporter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_REPORTER,
                                                               shoal_console_reporter_iface_init))

static void
running_test_free (RunningTest *running)
{
  g_free (running->test_id);
  g_free (running->name);
  g_free (running);
}

static void
emit (ShoalConsoleReporter *self, const char *text)
{
  fputs (text, self->out);
}

/* Writes @text wrapped in @color when colors are on. */
static void
emit_colored (ShoalConsoleReporter *self, const char *color, const char *text)
{
  if (self->use_color && color != NULL)
    fprintf (self->out, "%s%s%s", color, text, ANSI_RESET);
  else
    fputs (text, self->out);
}

static const char *
outcome_tag (ShoalOutcome outcome)
{
  switch (outcome)
    {
    case SHOAL_OUTCOME_PASSED:
      return "PASS";
    case SHOAL_OUTCOME_FAILED:
      return "FAIL";
    case SHOAL_OUTCOME_SKIPPED:
      return "SKIP";
    case SHOAL_OUTCOME_TIMEOUT:
      return "TIME";
    case SHOAL_OUTCOME_CRASHED:
      return "CRASH";
    case SHOAL_OUTCOME_ERROR:
    default:
      return "ERROR";
    }
}

static const char *
outcome_color (ShoalOutcome outcome)
{
  switch (outcome)
    {
    case SHOAL_OUTCOME_PASSED:
      return ANSI_GREEN;
    case SHOAL_OUTCOME_SKIPPED:
      return ANSI_YELLOW;
    case SHOAL_OUTCOME_TIMEOUT:
    case SHOAL_OUTCOME_CRASHED:
    case SHOAL_OUTCOME_ERROR:
      return ANSI_MAGENTA;
    case SHOAL_OUTCOME_FAILED:
    default:
      return ANSI_RED;
    }
}

/* `suite::id`: ids usually carry their suite already; an adapter's id that
 * does not gets it in front, so every line names both. */
static char *
result_label (ShoalTestResult *result)
{
  const char *id = shoal_test_result_get_test_id (result);
  const char *suite = shoal_test_result_get_suite (result);
  g_autofree char *prefix = NULL;

  if (suite == NULL || *suite == '\0')
    return g_strdup (id);
  prefix = g_strconcat (suite, "::", NULL);
  if (g_str_has_prefix (id, prefix))
    return g_strdup (id);
  return g_strconcat (prefix, id, NULL);
}

/* ` [w3]`, ` [w3, attempt 2]`, ` [attempt 2]` or nothing. */
static void
append_placement (GString *line, ShoalTestResult *result)
{
  const char *worker = shoal_test_result_get_worker_id (result);
  guint attempt = shoal_test_result_get_attempt (result);

  if (worker != NULL && attempt > 1)
    g_string_append_printf (line, " [%s, attempt %u]", worker, attempt);
  else if (worker != NULL)
    g_string_append_printf (line, " [%s]", worker);
  else if (attempt > 1)
    g_string_append_printf (line, " [attempt %u]", attempt);
}

/* One line per result: `PASS  suite::id  (0.12s) [w3]`; skips say why. */
static void
print_result_line (ShoalConsoleReporter *self, ShoalTestResult *result)
{
  ShoalOutcome outcome = shoal_test_result_get_outcome (result);
  const char *tag = outcome_tag (outcome);
  const char *message = shoal_test_result_get_message (result);
  g_autofree char *label = result_label (result);
  g_autoptr (GString) rest = g_string_new (NULL);

  g_string_append_printf (rest, "%*s%s  (%.2fs)", (int) (6 - strlen (tag)), "", label,
                          shoal_test_result_get_duration (result));
  append_placement (rest, result);
  if (outcome == SHOAL_OUTCOME_SKIPPED && message != NULL && *message != '\0')
    g_string_append_printf (rest, ": %s", message);
  g_string_append_c (rest, '\n');

  emit_colored (self, outcome_color (outcome), tag);
  emit (self, rest->str);
}

/* The end of a captured output file: the last TAIL_MAX_LINES lines of its
 * last TAIL_MAX_BYTES bytes, as valid UTF-8 (a terminal should not get
 * arbitrary bytes). Returns %NULL with @error set if the file is unreadable;
 * sets @truncated when something was left out. */
static char *
read_output_tail (const char *path, gboolean *truncated, GError **error)
{
  g_autofree char *tail = shoal_reporter_read_output_tail (path, TAIL_MAX_BYTES, truncated, error);
  const char *start;
  const char *end;
  guint lines = 0;

  if (tail == NULL)
    return NULL;
  start = tail;
  end = tail + strlen (tail);
  /* Walk back over at most TAIL_MAX_LINES lines; a final newline does not
   * start another line. */
  for (const char *p = end - 1; p >= start; p--)
    {
      if (*p == '\n' && p != end - 1 && ++lines == TAIL_MAX_LINES)
        {
          start = p + 1;
          *truncated = TRUE;
          break;
        }
    }

  return g_utf8_make_valid (start, end - start);
}

static void
print_output_tail (ShoalConsoleReporter *self, ShoalTestResult *result)
{
  const char *path = shoal_test_result_get_output_path (result);
  g_autoptr (GError) error = NULL;
  g_autofree char *tail = NULL;
  gboolean truncated = FALSE;

  if (path == NULL)
    {
      emit (self, "(no output captured)\n");
      return;
    }
  tail = read_output_tail (path, &truncated, &error);
  if (tail == NULL)
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        emit (self, "(output file missing)\n");
      else
        fprintf (self->out, "(output unreadable: %s)\n", error->message);
      return;
    }
  if (truncated)
    fprintf (self->out, "(output truncated: the last %d lines or %d KiB of %s)\n", TAIL_MAX_LINES,
             TAIL_MAX_BYTES / 1024, path);
  if (*tail == '\0')
    {
      emit (self, "(no output)\n");
      return;
    }
  emit (self, tail);
  if (!g_str_has_suffix (tail, "\n"))
    emit (self, "\n");
}

static double
elapsed_seconds (ShoalConsoleReporter *self, gint64 now)
{
  if (self->first_ts == 0 || now < self->first_ts)
    return 0.0;
  return (double) (now - self->first_ts) / G_USEC_PER_SEC;
}

static RunningTest *
latest_running (ShoalConsoleReporter *self)
{
  GHashTableIter iter;
  RunningTest *running;
  RunningTest *latest = NULL;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &running))
    if (latest == NULL || running->sequence > latest->sequence)
      latest = running;
  return latest;
}

/* The status line, cut to the terminal's width (less one column, so the
 * cursor never wraps: a wrapped line could not be erased with one \r). */
static char *
format_status (ShoalConsoleReporter *self, gint64 now)
{
  g_autoptr (GString) status = g_string_new (NULL);
  RunningTest *latest = latest_running (self);
  guint failed = self->counts[SHOAL_OUTCOME_FAILED] + self->counts[SHOAL_OUTCOME_TIMEOUT] +
                 self->counts[SHOAL_OUTCOME_CRASHED] + self->counts[SHOAL_OUTCOME_ERROR];
  gint64 total = MAX (self->total_tests, (gint64) self->n_queued);
  guint done = g_hash_table_size (self->done);
  glong width = MAX (self->columns - 1, 10);

  /* The scheduler's count is of tests queued; results the adapters split
   * further never push "done" past it. */
  if (total > 0)
    done = MIN (done, (guint) total);
  g_string_append_printf (status, "[%u/%" G_GINT64_FORMAT "] running %u, failed %u, elapsed %.1fs",
                          done, total, g_hash_table_size (self->running), failed,
                          elapsed_seconds (self, now));
  if (latest != NULL)
    g_string_append_printf (status, "  %s", latest->name != NULL ? latest->name : latest->test_id);

  if (g_utf8_strlen (status->str, -1) > width)
    {
      g_autofree char *valid = g_utf8_make_valid (status->str, -1);
      char *cut = g_utf8_offset_to_pointer (valid, width);

      *cut = '\0';
      return g_steal_pointer (&valid);
    }
  return g_string_free (g_steal_pointer (&status), FALSE);
}

static void
draw_status (ShoalConsoleReporter *self, gint64 now)
{
  g_autofree char *status = format_status (self, now);

  emit (self, ANSI_CLEAR_LINE);
  emit (self, status);
  fflush (self->out);
  self->status_shown = TRUE;
  self->status_dirty = FALSE;
  self->last_draw = now;
}

/* Redraws unless the last redraw was less than REDRAW_INTERVAL_USEC ago (on
 * the events' clock, so replaying a saved stream throttles the same way);
 * then the refresh timer or a later event draws it. */
static void
maybe_draw_status (ShoalConsoleReporter *self, gint64 now)
{
  if (!self->is_tty)
    return;
  if (self->last_draw != 0 && now >= self->last_draw &&
      now - self->last_draw < REDRAW_INTERVAL_USEC)
    {
      self->status_dirty = TRUE;
      return;
    }
  draw_status (self, now);
}

static void
clear_status (ShoalConsoleReporter *self)
{
  if (self->status_shown)
    {
      emit (self, ANSI_CLEAR_LINE);
      self->status_shown = FALSE;
      self->status_dirty = TRUE;
    }
}

/* Keeps the elapsed time ticking, and draws what throttling held back, while
 * a live run's main loop turns. A replayed stream has no loop running and
 * never gets here. */
static gboolean
refresh_cb (gpointer user_data)
{
  ShoalConsoleReporter *self = user_data;
  gint64 now = g_get_real_time ();

  /* Once the run finished, its elapsed time stops. */
  if (self->first_ts != 0 && !self->run_finished && (self->status_dirty || self->status_shown) &&
      now - self->last_draw >= REDRAW_INTERVAL_USEC)
    draw_status (self, now);
  return G_SOURCE_CONTINUE;
}

static void
stop_refresh (ShoalConsoleReporter *self)
{
  if (self->refresh_source != NULL)
    {
      g_source_destroy (self->refresh_source);
      g_clear_pointer (&self->refresh_source, g_source_unref);
    }
}

static int
terminal_columns (FILE *out)
{
  struct winsize size;

  if (ioctl (fileno (out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return DEFAULT_COLUMNS;
}

static gboolean
shoal_console_reporter_open (ShoalReporter *reporter, const char *destination, GError **error)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (reporter);
  gboolean want_color;

  if (g_strcmp0 (self->color, "auto") != 0 && g_strcmp0 (self->color, "always") != 0 &&
      g_strcmp0 (self->color, "never") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "console reporter: color must be auto, always or never, not '%s'", self->color);
      return FALSE;
    }

  if (destination != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (destination);
      FILE *file;

      if (g_mkdir_with_parents (dir, 0777) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "cannot write the console report to %s: cannot create %s: %s", destination,
                       dir, g_strerror (saved_errno));
          return FALSE;
        }
      file = g_fopen (destination, "we");
      if (file == NULL)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "cannot write the console report to %s: %s", destination,
                       g_strerror (saved_errno));
          return FALSE;
        }
      self->out = file;
      self->owns_out = TRUE;
    }
  else
    {
      self->out = stdout;
      self->owns_out = FALSE;
    }

  self->is_tty = self->tty >= 0 ? self->tty != 0 : isatty (fileno (self->out));
  /* https://no-color.org: NO_COLOR set to anything non-empty turns colors
   * off, unless asked for explicitly. */
  if (g_str_equal (self->color, "always"))
    want_color = TRUE;
  else if (g_str_equal (self->color, "never"))
    want_color = FALSE;
  else
    {
      const char *no_color = g_getenv ("NO_COLOR");

      want_color = self->is_tty && (no_color == NULL || *no_color == '\0');
    }
  self->use_color = want_color;
  self->columns = terminal_columns (self->out);

  if (self->is_tty)
    {
      self->refresh_source = g_timeout_source_new (REDRAW_INTERVAL_USEC / 1000);
      g_source_set_callback (self->refresh_source, refresh_cb, self, NULL);
      g_source_set_static_name (self->refresh_source, "[shoal] console status line");
      g_source_attach (self->refresh_source, g_main_context_get_thread_default ());
    }

  return TRUE;
}

static void
handle_test_started (ShoalConsoleReporter *self, ShoalEvent *event)
{
  const char *test_id = shoal_event_get_string (event, "test_id");
  const char *worker = shoal_event_get_string (event, "worker_id");
  RunningTest *running;

  if (test_id == NULL)
    return;
  running = g_new0 (RunningTest, 1);
  running->test_id = g_strdup (test_id);
  running->name = g_strdup (shoal_event_get_string (event, "name"));
  running->sequence = shoal_event_get_sequence (event);
  /* A worker runs one test at a time, and a test's results (possibly many,
   * with ids of their own) come back on its worker: the worker is the key
   * that finds the running test again. */
  g_hash_table_replace (self->running, g_strdup (worker != NULL ? worker : test_id), running);
}

static void
handle_test_finished (ShoalConsoleReporter *self, ShoalEvent *event)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalTestResult) result = shoal_event_dup_result (event, &error);
  RunningTest *running;
  ShoalOutcome outcome;
  const char *worker;
  const char *key;
  gboolean shown;

  if (result == NULL)
    {
      g_warning ("console reporter: skipping event %" G_GUINT64_FORMAT ": %s",
                 shoal_event_get_sequence (event), error->message);
      return;
    }
  outcome = shoal_test_result_get_outcome (result);
  /* A retried attempt is shown, but only a test's last attempt counts; a
   * quarantined test that failed counts apart. */
  if (shoal_test_result_get_quarantined (result) && !shoal_outcome_is_success (outcome) &&
      !shoal_test_result_get_retried (result))
    self->n_quarantined_failures++;
  else if ((guint) outcome < G_N_ELEMENTS (self->counts) && !shoal_test_result_get_retried (result))
    self->counts[outcome]++;

  /* The first result of a running test finishes it; more results from the
   * same process (TAP points) have ids of their own and do not count. A
   * result that never started (skipped for a failed dependency) is done
   * too. */
  worker = shoal_test_result_get_worker_id (result);
  key = worker != NULL ? worker : shoal_test_result_get_test_id (result);
  running = g_hash_table_lookup (self->running, key);
  if (running != NULL)
    {
      g_hash_table_add (self->done, g_strdup (running->test_id));
      g_hash_table_remove (self->running, key);
    }
  else if (worker == NULL)
    g_hash_table_add (self->done, g_strdup (shoal_test_result_get_test_id (result)));

  shown = !self->is_tty || self->verbose || outcome != SHOAL_OUTCOME_PASSED;
  if (shown)
    {
      clear_status (self);
      print_result_line (self, result);
      if (self->verbose)
        print_output_tail (self, result);
    }

  g_ptr_array_add (self->results, g_steal_pointer (&result));
}

static void
shoal_console_reporter_handle_event (ShoalReporter *reporter, ShoalEvent *event)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (reporter);
  gint64 ts = shoal_event_get_timestamp (event);

  /* Events before open() go to standard output rather than nowhere. */
  if (self->out == NULL)
    self->out = stdout;

  if (self->first_ts == 0 || ts < self->first_ts)
    self->first_ts = ts;
  self->last_ts = MAX (self->last_ts, ts);

  switch (shoal_event_get_kind (event))
    {
    case SHOAL_EVENT_RUN_STARTED:
      {
        const char *config = shoal_event_get_string (event, "config");

        g_free (self->run_id);
        self->run_id = g_strdup (shoal_event_get_string (event, "run_id"));
        self->workers = shoal_event_get_int (event, "workers", 0);
        self->total_tests = shoal_event_get_int (event, "tests", 0);
        /* The run's directory is .shoal/runs/<run-id>/ beside shoal.yaml;
         * a run without a config file has none to show. */
        g_clear_pointer (&self->run_dir, g_free);
        if (config != NULL && self->run_id != NULL)
          {
            g_autofree char *project = g_path_get_dirname (config);

            self->run_dir = g_build_filename (project, ".shoal", "runs", self->run_id, NULL);
          }
      }
      break;

    case SHOAL_EVENT_TEST_QUEUED:
      self->n_queued++;
      break;

    case SHOAL_EVENT_TEST_STARTED:
      handle_test_started (self, event);
      break;

    case SHOAL_EVENT_TEST_FINISHED:
      handle_test_finished (self, event);
      break;

    case SHOAL_EVENT_RUN_FINISHED:
      {
        JsonNode *node = json_object_get_member (shoal_event_get_payload (event), "interrupted");

        self->run_finished = TRUE;
        self->execution_time = shoal_event_get_double (event, "execution_time", -1.0);
        self->interrupted = node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
                            json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
                            json_node_get_boolean (node);
        g_hash_table_remove_all (self->running);
      }
      break;

    case SHOAL_EVENT_WORKER_STOPPED:
      {
        const char *worker = shoal_event_get_string (event, "worker_id");

        if (worker != NULL)
          g_hash_table_remove (self->running, worker);
      }
      break;

    default:
      /* Workers starting and log messages do not show; unknown kinds come
       * from newer writers. */
      break;
    }

  maybe_draw_status (self, ts);
  if (!self->is_tty)
    fflush (self->out);
}

static void
print_failures (ShoalConsoleReporter *self)
{
  for (guint i = 0; i < self->results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (self->results, i);
      ShoalOutcome outcome = shoal_test_result_get_outcome (result);
      const char *message = shoal_test_result_get_message (result);
      g_autofree char *label = NULL;
      g_autoptr (GString) heading = NULL;

      if (shoal_outcome_is_success (outcome) || shoal_test_result_get_retried (result))
        continue;

      label = result_label (result);
      heading = g_string_new (NULL);
      g_string_append_printf (heading, " %s", label);
      append_placement (heading, result);
      if (message != NULL && *message != '\0')
        g_string_append_printf (heading, ": %s", message);
      g_string_append_c (heading, '\n');

      emit (self, "\n");
      emit_colored (self, ANSI_BOLD, "===");
      emit (self, " ");
      emit_colored (self, outcome_color (outcome), outcome_tag (outcome));
      emit (self, heading->str);
      print_output_tail (self, result);
    }
}

static void
print_summary (ShoalConsoleReporter *self)
{
  g_autoptr (GString) summary = g_string_new (NULL);
  guint *counts = self->counts;
  gboolean success = counts[SHOAL_OUTCOME_FAILED] + counts[SHOAL_OUTCOME_TIMEOUT] +
                         counts[SHOAL_OUTCOME_CRASHED] + counts[SHOAL_OUTCOME_ERROR] ==
                     0;
  double execution_time;

  /* run-finished's measure when there is one; the stream's span otherwise. */
  if (self->run_finished && self->execution_time >= 0.0)
    execution_time = self->execution_time;
  else
    execution_time = elapsed_seconds (self, self->last_ts);

  emit (self, "\n");
  if (!self->run_finished)
    emit_colored (self, ANSI_BOLD_RED,
                  "Interrupted: the event stream ends before the run finished\n");
  else if (self->interrupted)
    emit_colored (self, ANSI_BOLD_RED, "Interrupted: the run was stopped before all tests ran\n");

  /* "N passed, N failed, N skipped" always, in that shape, so scripts and
   * people find it; the rarer outcomes only when they happened. */
  g_string_append_printf (summary, "%u passed, %u failed, %u skipped", counts[SHOAL_OUTCOME_PASSED],
                          counts[SHOAL_OUTCOME_FAILED], counts[SHOAL_OUTCOME_SKIPPED]);
  if (counts[SHOAL_OUTCOME_TIMEOUT] > 0)
    g_string_append_printf (summary, ", %u timed out", counts[SHOAL_OUTCOME_TIMEOUT]);
  if (counts[SHOAL_OUTCOME_CRASHED] > 0)
    g_string_append_printf (summary, ", %u crashed", counts[SHOAL_OUTCOME_CRASHED]);
  if (counts[SHOAL_OUTCOME_ERROR] > 0)
    g_string_append_printf (summary, ", %u error%s", counts[SHOAL_OUTCOME_ERROR],
                            counts[SHOAL_OUTCOME_ERROR] > 1 ? "s" : "");
  {
    guint flaky = 0, quarantined = 0;

    for (guint i = 0; i < self->results->len; i++)
      {
        ShoalTestResult *result = self->results->pdata[i];

        flaky += shoal_test_result_get_flaky (result);
        quarantined += shoal_test_result_get_quarantined (result) && !shoal_test_result_get_retried (result);
      }
    if (flaky > 0)
      g_string_append_printf (summary, ", %u flaky", flaky);
    if (quarantined > 0)
      g_string_append_printf (summary, ", %u quarantined", quarantined);
  }
  g_string_append_printf (summary, " in %.2fs", execution_time);
  if (self->workers > 0)
    g_string_append_printf (summary, " with %" G_GINT64_FORMAT " worker%s", self->workers,
                            self->workers > 1 ? "s" : "");
  emit_colored (self, success ? ANSI_BOLD_GREEN : ANSI_BOLD_RED, summary->str);
  emit (self, "\n");
  /* The tests to look at even though the run passed. */
  for (guint i = 0; i < self->results->len; i++)
    {
      ShoalTestResult *result = self->results->pdata[i];

      if (shoal_test_result_get_retried (result))
        continue;
      if (shoal_test_result_get_flaky (result))
        fprintf (self->out, "Flaky: %s\n", shoal_test_result_get_test_id (result));
      if (shoal_test_result_get_quarantined (result))
        fprintf (self->out, "Quarantined: %s (%s)\n", shoal_test_result_get_test_id (result),
                 shoal_outcome_to_string (shoal_test_result_get_outcome (result)));
    }
  if (self->run_dir != NULL)
    fprintf (self->out, "Run directory: %s\n", self->run_dir);
}

static gboolean
shoal_console_reporter_close (ShoalReporter *reporter, GError **error)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (reporter);
  gboolean ok = TRUE;

  if (self->out == NULL)
    self->out = stdout;

  stop_refresh (self);
  clear_status (self);
  print_failures (self);
  print_summary (self);

  if (fflush (self->out) != 0 || ferror (self->out))
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot write the console report: %s", g_strerror (saved_errno));
      ok = FALSE;
    }
  if (self->owns_out)
    {
      if (fclose (self->out) != 0 && ok)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       "cannot write the console report: %s", g_strerror (saved_errno));
          ok = FALSE;
        }
      self->owns_out = FALSE;
    }
  self->out = NULL;
  return ok;
}

static void
shoal_console_reporter_iface_init (ShoalReporterInterface *iface)
{
  iface->open = shoal_console_reporter_open;
  iface->handle_event = shoal_console_reporter_handle_event;
  iface->close = shoal_console_reporter_close;
}

static void
shoal_console_reporter_get_property (GObject *object,
                                     guint prop_id,
                                     GValue *value,
                                     GParamSpec *pspec)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (object);

  switch (prop_id)
    {
    case PROP_VERBOSE:
      g_value_set_boolean (value, self->verbose);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PROP_TTY:
      g_value_set_int (value, self->tty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_console_reporter_set_property (GObject *object,
                                     guint prop_id,
                                     const GValue *value,
                                     GParamSpec *pspec)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (object);

  switch (prop_id)
    {
    case PROP_VERBOSE:
      if (self->verbose != g_value_get_boolean (value))
        {
          self->verbose = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_COLOR:
      {
        const char *color = g_value_get_string (value);

        if (color == NULL)
          color = "auto";
        if (g_strcmp0 (self->color, color) != 0)
          {
            g_free (self->color);
            self->color = g_strdup (color);
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    case PROP_TTY:
      if (self->tty != g_value_get_int (value))
        {
          self->tty = g_value_get_int (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_console_reporter_dispose (GObject *object)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (object);

  stop_refresh (self);
  if (self->owns_out)
    {
      fclose (self->out);
      self->owns_out = FALSE;
    }
  self->out = NULL;

  G_OBJECT_CLASS (shoal_console_reporter_parent_class)->dispose (object);
}

static void
shoal_console_reporter_finalize (GObject *object)
{
  ShoalConsoleReporter *self = SHOAL_CONSOLE_REPORTER (object);

  g_free (self->color);
  g_free (self->run_id);
  g_free (self->run_dir);
  g_ptr_array_unref (self->results);
  g_hash_table_unref (self->running);
  g_hash_table_unref (self->done);

  G_OBJECT_CLASS (shoal_console_reporter_parent_class)->finalize (object);
}

static void
shoal_console_reporter_class_init (ShoalConsoleReporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = shoal_console_reporter_get_property;
  object_class->set_property = shoal_console_reporter_set_property;
  object_class->dispose = shoal_console_reporter_dispose;
  object_class->finalize = shoal_console_reporter_finalize;

  /**
   * ShoalConsoleReporter:verbose:
   *
   * Print every test's line and captured output, not only the failures'.
   */
  properties[PROP_VERBOSE] =
      g_param_spec_boolean ("verbose", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalConsoleReporter:color:
   *
   * `auto` (colors on a terminal unless `NO_COLOR` is set), `always` or
   * `never`.
   */
  properties[PROP_COLOR] =
      g_param_spec_string ("color", NULL, NULL, "auto",
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalConsoleReporter:tty:
   *
   * Whether the destination is a terminal (live status line) or not (one
   * line per result): -1 asks isatty() at open(), 0 and 1 force the mode.
   */
  properties[PROP_TTY] =
      g_param_spec_int ("tty", NULL, NULL, -1, 1, -1,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_console_reporter_class_finalize (ShoalConsoleReporterClass *klass)
{
}

static void
shoal_console_reporter_init (ShoalConsoleReporter *self)
{
  self->color = g_strdup ("auto");
  self->tty = -1;
  self->columns = DEFAULT_COLUMNS;
  self->execution_time = -1.0;
  self->results = g_ptr_array_new_with_free_func (g_object_unref);
  self->running =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) running_test_free);
  self->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  shoal_console_reporter_register_type (module);
  shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "console",
                                       SHOAL_TYPE_CONSOLE_REPORTER, NULL);
}
