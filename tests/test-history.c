/* test-history.c: the history store (SQLite): recording, estimates,
 * batching, concurrency, corruption, export and import
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib/gstdio.h>
#include <shoal.h>

#define T0 G_GINT64_CONSTANT (1764161503000000)

typedef struct
{
  char *dir;
  char *db_path;
} Fixture;

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("shoal-history-XXXXXX", &error);
  g_assert_no_error (error);
  /* A directory that does not exist yet: open must create it. */
  f->db_path = g_build_filename (f->dir, ".shoal", "history.db", NULL);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fixture_tear_down (Fixture *f,
                   gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
}

static ShoalTestResult *
make_result (const char *test_id,
             const char *suite,
             ShoalOutcome outcome,
             double duration,
             guint attempt,
             gint64 start)
{
  ShoalTestResult *result = shoal_test_result_new (test_id, outcome);

  if (suite != NULL)
    shoal_test_result_set_suite (result, suite);
  shoal_test_result_set_duration (result, duration);
  shoal_test_result_set_attempt (result, attempt);
  shoal_test_result_set_times (result, start, start + (gint64) (duration * G_USEC_PER_SEC));
  shoal_test_result_set_worker_id (result, "w1");
  return result;
}

static void
record (ShoalHistory *history,
        const char *run_id,
        const char *test_id,
        const char *suite,
        ShoalOutcome outcome,
        double duration,
        guint attempt,
        gint64 start)
{
  g_autoptr (ShoalTestResult) result = make_result (test_id, suite, outcome, duration, attempt, start);
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_history_record (history, run_id, "host1", result, 1024, &error));
  g_assert_no_error (error);
}

static guint
count_attempts (ShoalHistory *history,
                const char *test_id)
{
  g_autoptr (GPtrArray) attempts = shoal_history_get_attempts (history, test_id, 0);
  return attempts->len;
}

/* The reference EWMA, oldest first, seeded with the oldest value. */
static double
ewma (const double *oldest_first,
      guint n)
{
  double mean = oldest_first[0];

  for (guint i = 1; i < n; i++)
    mean = 0.3 * oldest_first[i] + 0.7 * mean;
  return mean;
}

static void
test_estimates (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalHistory) history = shoal_history_open (f->db_path, &error);
  g_autoptr (GPtrArray) attempts = NULL;
  double window[20];
  double mean, p90;
  guint samples;

  g_assert_no_error (error);
  g_assert_nonnull (history);
  g_assert_true (g_file_test (f->db_path, G_FILE_TEST_IS_REGULAR));

  /* Passed and failed count, so does a timeout (a lower bound); skipped
   * and crashed attempts do not. */
  record (history, "r1", "s::a", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0 + 0);
  record (history, "r2", "s::a", "s", SHOAL_OUTCOME_FAILED, 2.0, 1, T0 + 10 * G_USEC_PER_SEC);
  record (history, "r3", "s::a", "s", SHOAL_OUTCOME_SKIPPED, 100.0, 1, T0 + 20 * G_USEC_PER_SEC);
  record (history, "r4", "s::a", "s", SHOAL_OUTCOME_PASSED, 3.0, 1, T0 + 30 * G_USEC_PER_SEC);
  record (history, "r5", "s::a", "s", SHOAL_OUTCOME_CRASHED, 50.0, 1, T0 + 40 * G_USEC_PER_SEC);
  record (history, "r6", "s::a", "s", SHOAL_OUTCOME_TIMEOUT, 4.0, 1, T0 + 50 * G_USEC_PER_SEC);
  record (history, "r7", "s::a", "s", SHOAL_OUTCOME_PASSED, 5.0, 1, T0 + 60 * G_USEC_PER_SEC);
  g_assert_true (shoal_history_flush (history, &error));
  g_assert_no_error (error);

  g_assert_true (shoal_history_get_estimate (history, "s::a", &mean, &p90, &samples));
  g_assert_cmpuint (samples, ==, 5);
  /* 1 → 1.3 → 1.81 → 2.467 → 3.2269 */
  g_assert_cmpfloat_with_epsilon (mean, 3.2269, 1e-9);
  g_assert_cmpfloat_with_epsilon (p90, 5.0, 1e-12);

  /* Only the last 20 attempts count: 25 recorded, durations 1..25. */
  for (guint i = 1; i <= 25; i++)
    {
      g_autofree char *run = g_strdup_printf ("w%u", i);
      record (history, run, "s::w", "s", SHOAL_OUTCOME_PASSED, i, 1, T0 + i * G_USEC_PER_SEC);
    }
  for (guint i = 0; i < 20; i++)
    window[i] = 6 + i;
  g_assert_true (shoal_history_get_estimate (history, "s::w", &mean, &p90, &samples));
  g_assert_cmpuint (samples, ==, 20);
  g_assert_cmpfloat_with_epsilon (mean, ewma (window, 20), 1e-9);
  /* nearest rank: ceil (0.9 × 20) = 18th of 6..25 */
  g_assert_cmpfloat_with_epsilon (p90, 23.0, 1e-12);

  /* Nothing known. */
  g_assert_false (shoal_history_get_estimate (history, "s::never", &mean, &p90, &samples));
  g_assert_cmpuint (samples, ==, 0);

  /* The record for people: newest first, with the run id and host. */
  attempts = shoal_history_get_attempts (history, "s::a", 3);
  g_assert_cmpuint (attempts->len, ==, 3);
  g_assert_cmpint (shoal_test_result_get_outcome (attempts->pdata[0]), ==, SHOAL_OUTCOME_PASSED);
  g_assert_cmpfloat (shoal_test_result_get_duration (attempts->pdata[0]), ==, 5.0);
  g_assert_cmpstr (g_object_get_data (attempts->pdata[0], "shoal-history-run-id"), ==, "r7");
  g_assert_cmpstr (g_object_get_data (attempts->pdata[0], "shoal-history-host"), ==, "host1");
  g_assert_cmpstr (shoal_test_result_get_suite (attempts->pdata[0]), ==, "s");
  g_assert_cmpstr (shoal_test_result_get_worker_id (attempts->pdata[0]), ==, "w1");
  g_assert_cmpint (shoal_test_result_get_start_time (attempts->pdata[0]), ==, T0 + 60 * G_USEC_PER_SEC);
  g_assert_cmpint (shoal_test_result_get_outcome (attempts->pdata[1]), ==, SHOAL_OUTCOME_TIMEOUT);
  g_assert_cmpint (shoal_test_result_get_outcome (attempts->pdata[2]), ==, SHOAL_OUTCOME_CRASHED);
  g_assert_cmpuint (count_attempts (history, "s::a"), ==, 7);
}

static void
test_fallbacks (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalHistory) history = shoal_history_open (f->db_path, &error);

  g_assert_no_error (error);
  record (history, "r1", "s::a", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0);
  record (history, "r1", "s::b", "s", SHOAL_OUTCOME_PASSED, 4.0, 1, T0);
  record (history, "r1", "s::c", "s", SHOAL_OUTCOME_PASSED, 10.0, 1, T0);
  record (history, "r1", "t::a", "t", SHOAL_OUTCOME_PASSED, 2.0, 1, T0);
  record (history, "r1", "t::b", "t", SHOAL_OUTCOME_FAILED, 3.0, 1, T0);
  record (history, "r1", "t::c", "t", SHOAL_OUTCOME_SKIPPED, 99.0, 1, T0);

  /* Its own mean first. */
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "s::c", "s", 7.5),
                                  10.0, 1e-12);
  /* Unseen: the median of its suite's means (odd count, then even). */
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "s::new", "s", 7.5),
                                  4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "t::new", "t", 7.5),
                                  2.5, 1e-12);
  /* The suite taken from the id. */
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "s::new", NULL, 7.5),
                                  4.0, 1e-12);
  /* Unknown suite, or no suite at all: the default. */
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "u::new", "u", 7.5),
                                  7.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (shoal_history_estimate_with_fallback (history, "plain", NULL, 7.5),
                                  7.5, 1e-12);
}

static void
test_batching (Fixture *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalHistory) writer = shoal_history_open (f->db_path, &error);
  g_autoptr (ShoalHistory) reader = NULL;

  g_assert_no_error (error);
  reader = shoal_history_open (f->db_path, &error);
  g_assert_no_error (error);

  /* Queued rows are in memory only until a flush. */
  for (guint i = 0; i < 10; i++)
    record (writer, "r1", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, i + 1, T0 + i);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 0);
  g_assert_true (shoal_history_flush (writer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 10);

  /* 255 queued rows stay queued; the 256th writes all of them. */
  for (guint i = 0; i < 255; i++)
    record (writer, "r2", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, i + 1, T0 + 100 + i);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 10);
  record (writer, "r2", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, 256, T0 + 1000);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 266);

  /* A row older than a second is written by the next record. */
  record (writer, "r3", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0 + 2000);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 266);
  g_usleep (G_USEC_PER_SEC + G_USEC_PER_SEC / 10);
  record (writer, "r3", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, 2, T0 + 2001);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 268);

  /* Finalizing flushes. */
  record (writer, "r4", "s::batch", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0 + 3000);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 268);
  g_clear_object (&writer);
  g_assert_cmpuint (count_attempts (reader, "s::batch"), ==, 269);
}

#define ROWS_PER_THREAD 3000

typedef struct
{
  ShoalHistory *history;
  const char *run_id;
  GError *error;
} WriterData;

static gpointer
writer_thread (gpointer user_data)
{
  WriterData *w = user_data;

  for (guint i = 0; i < ROWS_PER_THREAD && w->error == NULL; i++)
    {
      g_autoptr (ShoalTestResult) result =
          make_result ("s::shared", "s", SHOAL_OUTCOME_PASSED, 0.5, i + 1, T0 + i);

      /* Small batches, to make the two writers contend often. */
      if (shoal_history_record (w->history, w->run_id, "host", result, -1, &w->error) && i % 50 == 49)
        shoal_history_flush (w->history, &w->error);
    }
  if (w->error == NULL)
    shoal_history_flush (w->history, &w->error);
  return NULL;
}

static void
test_concurrent_writers (Fixture *f,
                         gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  WriterData a = { NULL, "run-a", NULL }, b = { NULL, "run-b", NULL };
  GThread *ta, *tb;

  a.history = shoal_history_open (f->db_path, &error);
  g_assert_no_error (error);
  b.history = shoal_history_open (f->db_path, &error);
  g_assert_no_error (error);

  ta = g_thread_new ("writer-a", writer_thread, &a);
  tb = g_thread_new ("writer-b", writer_thread, &b);
  g_thread_join (ta);
  g_thread_join (tb);

  g_assert_no_error (a.error);
  g_assert_no_error (b.error);
  g_assert_cmpuint (count_attempts (a.history, "s::shared"), ==, 2 * ROWS_PER_THREAD);
  g_assert_cmpuint (count_attempts (b.history, "s::shared"), ==, 2 * ROWS_PER_THREAD);
  g_object_unref (a.history);
  g_object_unref (b.history);
}

static void
assert_corrupt_error (const GError *error,
                      const char *path)
{
  g_assert_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "shoal history rebuild"));
  g_test_message ("%s", error->message);
}

static void
test_corrupt (Fixture *f,
              gconstpointer data)
{
  static const char garbage[] = "this is not an SQLite database, just garbage bytes \x01\x02\xff";
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalHistory) history = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autofree char *parent = g_path_get_dirname (f->db_path);
  g_autofree char *dir_path = g_build_filename (f->dir, "adir.db", NULL);
  g_autofree char *kept = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  const char *name;
  guint corrupt_copies = 0;

  /* Garbage bytes. */
  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (f->db_path, garbage, sizeof garbage, &error));
  g_assert_no_error (error);
  history = shoal_history_open (f->db_path, &error);
  g_assert_null (history);
  assert_corrupt_error (error, f->db_path);
  g_clear_error (&error);

  /* A directory where the file should be. */
  g_assert_cmpint (g_mkdir (dir_path, 0755), ==, 0);
  history = shoal_history_open (dir_path, &error);
  g_assert_null (history);
  assert_corrupt_error (error, dir_path);
  g_clear_error (&error);

  /* Rebuild: the damaged file is kept aside, a fresh one works. */
  g_assert_true (shoal_history_rebuild (f->db_path, &error));
  g_assert_no_error (error);
  history = shoal_history_open (f->db_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (history);
  record (history, "r1", "s::a", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0);
  g_assert_cmpuint (count_attempts (history, "s::a"), ==, 1);

  dir = g_dir_open (parent, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "history.db.corrupt-") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      {
        corrupt_copies++;
        g_clear_pointer (&kept, g_free);
        kept = g_build_filename (parent, name, NULL);
      }
  g_assert_cmpuint (corrupt_copies, ==, 1);
  g_assert_true (g_file_get_contents (kept, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, garbage, sizeof garbage);
}

static void
test_export_import (Fixture *f,
                    gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_path = g_build_filename (f->dir, "other", "history.db", NULL);
  g_autofree char *export_path = g_build_filename (f->dir, "export.json", NULL);
  g_autoptr (ShoalHistory) source = shoal_history_open (f->db_path, &error);
  g_autoptr (ShoalHistory) target = NULL;
  g_autoptr (GPtrArray) attempts = NULL;
  g_autoptr (ShoalTestResult) with_message = NULL;
  double mean_source, mean_target;
  guint added = 99;

  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    record (source, "r1", "s::a", "s", SHOAL_OUTCOME_PASSED, 1.0 + i, i + 1, T0 + i * G_USEC_PER_SEC);
  with_message = make_result ("s::b", "s", SHOAL_OUTCOME_FAILED, 2.5, 1, T0);
  shoal_test_result_set_message (with_message, "assertion \"failed\"\nat line 3");
  g_assert_true (shoal_history_record (source, "r1", NULL, with_message, -1, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_history_export (source, export_path, &error));
  g_assert_no_error (error);

  /* A second history already holds one of the attempts and one of its own. */
  target = shoal_history_open (other_path, &error);
  g_assert_no_error (error);
  record (target, "r1", "s::a", "s", SHOAL_OUTCOME_PASSED, 1.0, 1, T0);
  record (target, "r9", "s::c", "s", SHOAL_OUTCOME_PASSED, 9.0, 1, T0);

  g_assert_true (shoal_history_import (target, export_path, &added, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, 5);
  g_assert_cmpuint (count_attempts (target, "s::a"), ==, 5);
  g_assert_cmpuint (count_attempts (target, "s::b"), ==, 1);
  g_assert_cmpuint (count_attempts (target, "s::c"), ==, 1);

  /* Importing again adds nothing. */
  g_assert_true (shoal_history_import (target, export_path, &added, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, 0);

  /* Same estimates, and every field survives the trip. */
  g_assert_true (shoal_history_get_estimate (source, "s::a", &mean_source, NULL, NULL));
  g_assert_true (shoal_history_get_estimate (target, "s::a", &mean_target, NULL, NULL));
  g_assert_cmpfloat_with_epsilon (mean_source, mean_target, 1e-12);
  attempts = shoal_history_get_attempts (target, "s::b", 0);
  g_assert_cmpuint (attempts->len, ==, 1);
  g_assert_cmpint (shoal_test_result_get_outcome (attempts->pdata[0]), ==, SHOAL_OUTCOME_FAILED);
  g_assert_cmpfloat (shoal_test_result_get_duration (attempts->pdata[0]), ==, 2.5);
  g_assert_cmpstr (shoal_test_result_get_message (attempts->pdata[0]), ==, "assertion \"failed\"\nat line 3");
  g_assert_cmpstr (g_object_get_data (attempts->pdata[0], "shoal-history-run-id"), ==, "r1");
  g_assert_null (g_object_get_data (attempts->pdata[0], "shoal-history-host"));
  g_assert_cmpint (shoal_test_result_get_end_time (attempts->pdata[0]), ==, T0 + 2500000);
}

static void
test_import_malformed (Fixture *f,
                       gconstpointer data)
{
  static const char bad_json[] =
      "{\"schema\": \"shoal-history/1\",\n"
      " \"attempts\": [\n"
      "   {\"test_id\": \"s::x\", \"run_id\": \"r\", \"attempt\": 1, \"outcome\": \"passed\", \"duration\": 1.0},\n"
      "   {\"test_id\": \"s::x\" \"run_id\": \"r\"}\n"
      " ]}\n";
  static const char bad_attempt[] =
      "{\"schema\": \"shoal-history/1\", \"attempts\": [\n"
      " {\"test_id\": \"s::x\", \"run_id\": \"r\", \"attempt\": 1, \"outcome\": \"passed\", \"duration\": 1.0},\n"
      " {\"run_id\": \"r\", \"attempt\": 2, \"outcome\": \"passed\", \"duration\": 1.0}\n"
      "]}\n";
  static const char bad_outcome[] =
      "{\"schema\": \"shoal-history/1\", \"attempts\": [\n"
      " {\"test_id\": \"s::x\", \"run_id\": \"r\", \"attempt\": 1, \"outcome\": \"meh\", \"duration\": 1.0}\n"
      "]}\n";
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "bad.json", NULL);
  g_autofree char *expected_position = g_strdup_printf ("%s:4:", path);
  g_autoptr (ShoalHistory) history = shoal_history_open (f->db_path, &error);
  guint added = 99;

  g_assert_no_error (error);
  record (history, "r0", "s::x", "s", SHOAL_OUTCOME_PASSED, 3.0, 1, T0);

  /* Bad JSON: the error names file, line and column. */
  g_assert_true (g_file_set_contents (path, bad_json, -1, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_history_import (history, path, &added, &error));
  g_assert_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expected_position));
  g_assert_cmpuint (added, ==, 0);
  g_clear_error (&error);

  /* Valid JSON, a bad second attempt: the first is not written either. */
  g_assert_true (g_file_set_contents (path, bad_attempt, -1, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_history_import (history, path, &added, &error));
  g_assert_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "attempts[1]"));
  g_assert_nonnull (strstr (error->message, "test_id"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, bad_outcome, -1, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_history_import (history, path, &added, &error));
  g_assert_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "attempts[0]"));
  g_clear_error (&error);

  /* Not an export at all. */
  g_assert_true (g_file_set_contents (path, "[1, 2]", -1, &error));
  g_assert_no_error (error);
  g_assert_false (shoal_history_import (history, path, &added, &error));
  g_assert_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE);
  g_clear_error (&error);

  /* Nothing changed. */
  g_assert_cmpuint (count_attempts (history, "s::x"), ==, 1);
}

static void
test_bulk_estimates (Fixture *f,
                     gconstpointer data)
{
  /* Valgrind is ~50× slower: fewer ids there, same code path. */
  /* The full size is a correctness check at scale; under valgrind or the
   * sanitizers (10-50 times slower) a smaller set takes the same paths.
   * Timing claims live in bench/. */
  guint n_ids = (g_getenv ("SHOAL_UNDER_VALGRIND") != NULL || g_getenv ("SHOAL_UNDER_SANITIZERS") != NULL)
                    ? 2000
                    : 100000;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalHistory) history = shoal_history_open (f->db_path, &error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) estimates = NULL;
  g_autoptr (GVariant) variant = NULL;
  g_autoptr (GTimer) timer = NULL;
  double value;

  g_assert_no_error (error);
  for (guint i = 0; i < n_ids; i++)
    {
      char *id = g_strdup_printf ("bulk::t%06u", i);

      for (guint k = 0; k < 5; k++)
        {
          g_autoptr (ShoalTestResult) result =
              make_result (id, "bulk", SHOAL_OUTCOME_PASSED, (i % 7) + k, k + 1, T0 + k * G_USEC_PER_SEC);

          g_assert_true (shoal_history_record (history, "run", "host", result, -1, &error));
          g_assert_no_error (error);
        }
      g_ptr_array_add (ids, id);
    }
  g_ptr_array_add (ids, g_strdup ("bulk::unknown"));
  g_ptr_array_add (ids, NULL);
  g_assert_true (shoal_history_flush (history, &error));
  g_assert_no_error (error);

  timer = g_timer_new ();
  estimates = shoal_history_get_estimates (history, (const char *const *) ids->pdata);
  g_timer_stop (timer);
  g_test_message ("bulk estimates: %u ids x 5 attempts in %.3f s", n_ids, g_timer_elapsed (timer, NULL));

  g_assert_cmpuint (g_hash_table_size (estimates), ==, n_ids);
  g_assert_false (g_hash_table_contains (estimates, "bulk::unknown"));
  for (guint i = 0; i < n_ids; i++)
    {
      double durations[5];
      const double *mean = g_hash_table_lookup (estimates, ids->pdata[i]);

      for (guint k = 0; k < 5; k++)
        durations[k] = (i % 7) + k;
      g_assert_nonnull (mean);
      g_assert_cmpfloat_with_epsilon (*mean, ewma (durations, 5), 1e-9);
    }

  /* The binding-friendly form holds the same. */
  {
    const char *some[] = { "bulk::t000003", "bulk::unknown", NULL };
    double durations[5] = { 3, 4, 5, 6, 7 };

    variant = shoal_history_get_estimates_variant (history, some);
    g_assert_true (g_variant_is_of_type (variant, G_VARIANT_TYPE ("a{sd}")));
    g_assert_cmpuint (g_variant_n_children (variant), ==, 1);
    g_assert_true (g_variant_lookup (variant, "bulk::t000003", "d", &value));
    g_assert_cmpfloat_with_epsilon (value, ewma (durations, 5), 1e-9);
  }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The history store: one SQLite row per attempt, batched writes, "
                  "duration estimates and their fallbacks, concurrent writers, "
                  "corrupt databases, export and import");

#define ADD(path, func) \
  g_test_add ("/shoal/history/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("estimates", test_estimates);
  ADD ("fallbacks", test_fallbacks);
  ADD ("batching", test_batching);
  ADD ("concurrent-writers", test_concurrent_writers);
  ADD ("corrupt", test_corrupt);
  ADD ("export-import", test_export_import);
  ADD ("import-malformed", test_import_malformed);
  ADD ("bulk-estimates", test_bulk_estimates);
#undef ADD

  return g_test_run ();
}
