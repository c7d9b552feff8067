/* shoal-history.c: the history store, one SQLite row per test attempt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "shoal-error.h"
#include "shoal-history.h"
#include "shoal-types.h"

/**
 * ShoalHistory:
 *
 * The history of every test attempt, in an SQLite database (by convention
 * `.shoal/history.db`): one row per attempt with its outcome, duration,
 * worker, host, times and peak memory. It gives the strategies their
 * duration estimates and people the record of a test.
 *
 * The database runs in WAL mode with a 5 s busy timeout, so two runs on the
 * same project can write at once. Recording is cheap: [method@Shoal.History.record]
 * appends to an in-memory queue, written in one transaction when 256 rows
 * are queued, when a second has passed since the first queued row (checked
 * on each record), on [method@Shoal.History.flush] and when the object is
 * finalized. Reads flush the queue first, so an object reads its own
 * writes; other connections see rows only once they are flushed.
 *
 * All methods are thread-safe.
 */

/* The queue is written when it holds this many rows ... */
#define FLUSH_ROWS 256
/* ... or when its oldest row has waited this long (µs). */
#define FLUSH_DELAY_USEC G_USEC_PER_SEC

/* Estimates look at this many recent attempts ... */
#define ESTIMATE_WINDOW 20
/* ... and weigh each newer one by this much in the moving mean. */
#define EWMA_ALPHA 0.3

#define SCHEMA_VERSION 1
#define EXPORT_SCHEMA "shoal-history/1"

/* Outcomes whose durations feed estimates. A timeout counts: its duration
 * is a lower bound of what the test needs, and leaving it out would make a
 * test that keeps timing out look short. Skips, crashes and errors say
 * nothing about how long the test runs. */
#define ESTIMATE_OUTCOMES "('passed', 'failed', 'timeout')"

typedef struct
{
  char *test_id;
  char *suite;
  char *run_id;
  char *host;
  char *worker_id;
  char *message;
  const char *outcome; /* static */
  double duration;
  gint64 start_time;
  gint64 end_time;
  gint64 peak_rss; /* < 0: unknown */
  guint attempt;
} PendingRow;

struct _ShoalHistory
{
  GObject parent_instance;

  GMutex mutex;
  sqlite3 *db;
  char *path;
  GArray *pending;         /* PendingRow, guarded by mutex */
  gint64 first_pending_at; /* monotonic µs of pending[0] */
};

G_DEFINE_FINAL_TYPE (ShoalHistory, shoal_history, G_TYPE_OBJECT)

/* clang-format off */
G_DEFINE_QUARK (shoal-history-error-quark, shoal_history_error)
/* clang-format on */

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  test_id TEXT NOT NULL,"
    "  suite TEXT,"
    "  run_id TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL,"
    "  outcome TEXT NOT NULL,"
    "  duration REAL NOT NULL,"
    "  worker_id TEXT,"
    "  host TEXT,"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER NOT NULL,"
    "  peak_rss INTEGER,"
    "  message TEXT,"
    "  UNIQUE (test_id, run_id, attempt));"
    "CREATE INDEX IF NOT EXISTS attempts_test_time ON attempts (test_id, start_time);"
    "CREATE INDEX IF NOT EXISTS attempts_run ON attempts (run_id);"
    "CREATE INDEX IF NOT EXISTS attempts_suite ON attempts (suite);";

static const char insert_sql[] =
    "INSERT OR IGNORE INTO attempts (test_id, suite, run_id, attempt, outcome, duration,"
    " worker_id, host, start_time, end_time, peak_rss, message)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

static void
pending_row_clear (gpointer data)
{
  PendingRow *row = data;

  g_free (row->test_id);
  g_free (row->suite);
  g_free (row->run_id);
  g_free (row->host);
  g_free (row->worker_id);
  g_free (row->message);
}

static gboolean
is_corruption (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_FORMAT:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
set_corrupt_error (GError **error,
                   const char *path,
                   const char *detail)
{
  g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_CORRUPT,
               "%s: the history database is corrupt or unreadable (%s); "
               "move it away or run `shoal history rebuild`",
               path, detail);
}

/* Turn an SQLite failure into a GError: damage to the file is CORRUPT (with
 * the way out), anything else IO. */
static void
set_sqlite_error (GError **error,
                  sqlite3 *db,
                  const char *path,
                  int rc,
                  const char *what)
{
  const char *detail = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  if (is_corruption (rc))
    {
      g_autofree char *full = g_strdup_printf ("%s: %s", what, detail);
      set_corrupt_error (error, path, full);
    }
  else
    g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_IO,
                 "%s: %s: %s", path, what, detail);
}

static gboolean
exec_sql (sqlite3 *db,
          const char *path,
          const char *sql,
          GError **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, path, rc, sql);
      return FALSE;
    }
  return TRUE;
}

static int
get_user_version (sqlite3 *db,
                  int *out_version)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *out_version = sqlite3_column_int (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);
  return rc;
}

/* Bring the schema to SCHEMA_VERSION. Each step runs in one IMMEDIATE
 * transaction and re-reads the version inside it, so two processes opening
 * a new file at once do not both migrate. */
static gboolean
migrate (sqlite3 *db,
         const char *path,
         GError **error)
{
  int version = 0;
  int rc;

  if ((rc = get_user_version (db, &version)) != SQLITE_OK)
    {
      set_sqlite_error (error, db, path, rc, "reading the schema version");
      return FALSE;
    }
  if (version == SCHEMA_VERSION)
    return TRUE;
  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_INVALID,
                   "%s: the history database has schema version %d; this Shoal reads up to %d",
                   path, version, SCHEMA_VERSION);
      return FALSE;
    }

  if (!exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;
  if ((rc = get_user_version (db, &version)) != SQLITE_OK)
    {
      set_sqlite_error (error, db, path, rc, "reading the schema version");
      goto fail;
    }
  if (version < 1)
    {
      if (!exec_sql (db, path, schema_v1, error))
        goto fail;
    }
  /* Later migrations go here: if (version < 2) { ... } */
  if (version < SCHEMA_VERSION)
    {
      g_autofree char *sql = g_strdup_printf ("PRAGMA user_version = %d", SCHEMA_VERSION);
      if (!exec_sql (db, path, sql, error))
        goto fail;
    }
  return exec_sql (db, path, "COMMIT", error);

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

static sqlite3 *
open_database (const char *path,
               GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  sqlite3 *db = NULL;
  int rc;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_IO,
                   "%s: cannot create the directory: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      set_corrupt_error (error, path, "it is a directory");
      return NULL;
    }

  /* Our own mutex serializes use of the connection. */
  rc = sqlite3_open_v2 (path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, db, path, rc, "opening");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 0);
  sqlite3_busy_timeout (db, 5000);

  /* The first statements read the header: a file of garbage fails here.
   * synchronous=NORMAL is safe in WAL mode (a power cut may lose the last
   * commits, never corrupt) and spares an fsync per batch. */
  if (!exec_sql (db, path, "PRAGMA journal_mode = WAL", error) ||
      !exec_sql (db, path, "PRAGMA synchronous = NORMAL", error) ||
      !migrate (db, path, error))
    {
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

static void
bind_row (sqlite3_stmt *stmt,
          const PendingRow *row)
{
  sqlite3_bind_text (stmt, 1, row->test_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, row->suite, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, row->run_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, row->attempt);
  sqlite3_bind_text (stmt, 5, row->outcome, -1, SQLITE_STATIC);
  sqlite3_bind_double (stmt, 6, row->duration);
  sqlite3_bind_text (stmt, 7, row->worker_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, row->host, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 9, row->start_time);
  sqlite3_bind_int64 (stmt, 10, row->end_time);
  if (row->peak_rss >= 0)
    sqlite3_bind_int64 (stmt, 11, row->peak_rss);
  else
    sqlite3_bind_null (stmt, 11);
  sqlite3_bind_text (stmt, 12, row->message, -1, SQLITE_STATIC);
}

static gboolean
flush_locked (ShoalHistory *self,
              GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (self->pending->len == 0)
    return TRUE;

  if (!exec_sql (self->db, self->path, "BEGIN IMMEDIATE", error))
    return FALSE;
  rc = sqlite3_prepare_v2 (self->db, insert_sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, self->path, rc, "preparing an insert");
      goto fail;
    }
  for (guint i = 0; i < self->pending->len; i++)
    {
      PendingRow *row = &g_array_index (self->pending, PendingRow, i);

      bind_row (stmt, row);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_DONE)
        {
          set_sqlite_error (error, self->db, self->path, rc, "writing an attempt");
          goto fail;
        }
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (!exec_sql (self->db, self->path, "COMMIT", error))
    goto fail;

  g_array_set_size (self->pending, 0);
  return TRUE;

fail:
  /* The rows stay queued: the next flush tries again. */
  sqlite3_finalize (stmt);
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* Reads see this object's own queued rows. A failed write is not a read's
 * problem: the rows stay queued and the next write reports it. */
static void
flush_for_read_locked (ShoalHistory *self)
{
  g_autoptr (GError) error = NULL;

  if (!flush_locked (self, &error))
    g_debug ("history: flush before read failed: %s", error->message);
}

static void
shoal_history_finalize (GObject *object)
{
  ShoalHistory *self = SHOAL_HISTORY (object);

  if (self->db != NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!flush_locked (self, &error))
        g_warning ("%u history rows were lost: %s", self->pending->len, error->message);
      sqlite3_close (self->db);
    }
  g_array_unref (self->pending);
  g_free (self->path);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (shoal_history_parent_class)->finalize (object);
}

static void
shoal_history_class_init (ShoalHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_history_finalize;
}

static void
shoal_history_init (ShoalHistory *self)
{
  g_mutex_init (&self->mutex);
  self->pending = g_array_new (FALSE, FALSE, sizeof (PendingRow));
  g_array_set_clear_func (self->pending, pending_row_clear);
}

/**
 * shoal_history_open:
 * @path: (type filename): the database file, e.g. `.shoal/history.db`
 * @error: return location for a #GError
 *
 * Opens the history database at @path, creating it and its parent
 * directory if needed and bringing its schema up to date.
 *
 * A file that is not a readable history database (garbage, a directory)
 * fails with %SHOAL_HISTORY_ERROR_CORRUPT, whose message names the file and
 * the way out ([func@Shoal.History.rebuild]).
 *
 * Returns: (transfer full): the history, or %NULL with @error set
 */
ShoalHistory *
shoal_history_open (const char *path,
                    GError **error)
{
  ShoalHistory *self;
  sqlite3 *db;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  db = open_database (path, error);
  if (db == NULL)
    return NULL;

  self = g_object_new (SHOAL_TYPE_HISTORY, NULL);
  self->db = db;
  self->path = g_strdup (path);
  return self;
}

static gboolean
move_aside (const char *from,
            const char *to,
            GError **error)
{
  if (!g_file_test (from, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_rename (from, to) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_IO,
                   "%s: cannot move it to %s: %s", from, to, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_history_rebuild:
 * @path: (type filename): the database file
 * @error: return location for a #GError
 *
 * Moves whatever is at @path (and its `-wal` and `-shm` companions) aside
 * to `PATH.corrupt-TIMESTAMP`, keeping it for inspection or recovery, and
 * creates a fresh, empty database at @path. This is what
 * `shoal history rebuild` does for a database that
 * [func@Shoal.History.open] reports as corrupt.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_history_rebuild (const char *path,
                       GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *aside = NULL;
  sqlite3 *db;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  aside = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  for (guint n = 1; g_file_test (aside, G_FILE_TEST_EXISTS); n++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%s-%u", path, stamp, n);
    }

  if (!move_aside (path, aside, error))
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      const char *suffix = i == 0 ? "-wal" : "-shm";
      g_autofree char *from = g_strconcat (path, suffix, NULL);
      g_autofree char *to = g_strconcat (aside, suffix, NULL);

      if (!move_aside (from, to, error))
        return FALSE;
    }

  db = open_database (path, error);
  if (db == NULL)
    return FALSE;
  sqlite3_close (db);
  return TRUE;
}

/**
 * shoal_history_get_path:
 * @self: a history
 *
 * Returns: (transfer none) (type filename): the database file
 */
const char *
shoal_history_get_path (ShoalHistory *self)
{
  g_return_val_if_fail (SHOAL_IS_HISTORY (self), NULL);
  return self->path;
}

/**
 * shoal_history_record:
 * @self: a history
 * @run_id: the id of the run the attempt belongs to
 * @host: (nullable): the machine that ran it
 * @result: the attempt's result
 * @peak_rss: the peak resident memory of the test's processes in bytes, or
 *   -1 if unknown
 * @error: return location for a #GError
 *
 * Queues one row for the attempt @result describes (test id, suite,
 * attempt number, outcome, duration, worker, times, message). The queue is
 * written in one transaction when it reaches 256 rows or when its oldest
 * row is a second old; otherwise this only appends in memory.
 *
 * A row with the same test id, run id and attempt as one already stored is
 * ignored.
 *
 * Returns: %TRUE on success; %FALSE if an automatic flush failed (the rows
 *   stay queued for the next one)
 */
gboolean
shoal_history_record (ShoalHistory *self,
                      const char *run_id,
                      const char *host,
                      ShoalTestResult *result,
                      gint64 peak_rss,
                      GError **error)
{
  PendingRow row = { 0 };
  gboolean ok = TRUE;
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (result), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  row.test_id = g_strdup (shoal_test_result_get_test_id (result));
  row.suite = g_strdup (shoal_test_result_get_suite (result));
  row.run_id = g_strdup (run_id);
  row.host = g_strdup (host);
  row.worker_id = g_strdup (shoal_test_result_get_worker_id (result));
  row.message = g_strdup (shoal_test_result_get_message (result));
  row.outcome = shoal_outcome_to_string (shoal_test_result_get_outcome (result));
  row.duration = shoal_test_result_get_duration (result);
  row.start_time = shoal_test_result_get_start_time (result);
  row.end_time = shoal_test_result_get_end_time (result);
  row.peak_rss = peak_rss;
  row.attempt = shoal_test_result_get_attempt (result);

  g_mutex_lock (&self->mutex);
  if (self->pending->len == 0)
    self->first_pending_at = now;
  g_array_append_val (self->pending, row);
  if (self->pending->len >= FLUSH_ROWS || now - self->first_pending_at >= FLUSH_DELAY_USEC)
    ok = flush_locked (self, error);
  g_mutex_unlock (&self->mutex);

  return ok;
}

/**
 * shoal_history_flush:
 * @self: a history
 * @error: return location for a #GError
 *
 * Writes the queued rows in one transaction.
 *
 * Returns: %TRUE on success; on failure the rows stay queued
 */
gboolean
shoal_history_flush (ShoalHistory *self,
                     GError **error)
{
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->mutex);
  ok = flush_locked (self, error);
  g_mutex_unlock (&self->mutex);
  return ok;
}

/* ---- estimates ---- */

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* @newest_first holds up to ESTIMATE_WINDOW durations, newest first. The
 * mean is an exponentially weighted moving average taken oldest first
 * (seeded with the oldest duration); p90 is the nearest-rank 90th
 * percentile: the smallest duration at least 90% of the samples do not
 * exceed. */
static void
estimate_from (const double *newest_first,
               guint n,
               double *out_mean,
               double *out_p90)
{
  double sorted[ESTIMATE_WINDOW];
  double mean;
  guint rank;

  g_assert (n > 0 && n <= ESTIMATE_WINDOW);

  mean = newest_first[n - 1];
  for (guint i = n - 1; i-- > 0;)
    mean = EWMA_ALPHA * newest_first[i] + (1.0 - EWMA_ALPHA) * mean;

  memcpy (sorted, newest_first, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);
  rank = (guint) ceil (0.9 * n);
  if (out_mean != NULL)
    *out_mean = mean;
  if (out_p90 != NULL)
    *out_p90 = sorted[MAX (rank, 1) - 1];
}

/**
 * shoal_history_get_estimate:
 * @self: a history
 * @test_id: a test id
 * @out_mean: (out) (optional): the estimated duration in seconds
 * @out_p90: (out) (optional): the 90th percentile of the recent durations
 * @out_samples: (out) (optional): how many attempts the estimate is made of
 *
 * Estimates how long @test_id runs from its last 20 attempts that passed,
 * failed or timed out (a timeout's duration counts as a lower bound of the
 * test's; skipped, crashed and errored attempts are left out). The mean is
 * exponentially weighted (alpha 0.3, oldest first, so recent runs weigh
 * most); the p90 is the nearest-rank 90th percentile of the same durations.
 *
 * Returns: %TRUE if there was at least one attempt to estimate from
 */
gboolean
shoal_history_get_estimate (ShoalHistory *self,
                            const char *test_id,
                            double *out_mean,
                            double *out_p90,
                            guint *out_samples)
{
  double durations[ESTIMATE_WINDOW];
  sqlite3_stmt *stmt = NULL;
  guint n = 0;
  int rc;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (test_id != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  flush_for_read_locked (self);
  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT duration FROM attempts WHERE test_id = ?1"
                           " AND outcome IN " ESTIMATE_OUTCOMES
                           " ORDER BY start_time DESC, id DESC LIMIT " G_STRINGIFY (ESTIMATE_WINDOW),
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
      while (n < ESTIMATE_WINDOW && sqlite3_step (stmt) == SQLITE_ROW)
        durations[n++] = sqlite3_column_double (stmt, 0);
    }
  else
    g_debug ("history: %s", sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  if (out_samples != NULL)
    *out_samples = n;
  if (n == 0)
    {
      if (out_mean != NULL)
        *out_mean = 0.0;
      if (out_p90 != NULL)
        *out_p90 = 0.0;
      return FALSE;
    }
  estimate_from (durations, n, out_mean, out_p90);
  return TRUE;
}

typedef void (*EstimateFunc) (const char *test_id,
                              double mean,
                              gpointer user_data);

/* Run @stmt, whose rows are (test_id, duration) grouped by test id, newest
 * first within a test, and call @func with each test's mean. */
static void
fold_estimates (sqlite3_stmt *stmt,
                EstimateFunc func,
                gpointer user_data)
{
  double durations[ESTIMATE_WINDOW];
  char *current = NULL;
  guint n = 0;

  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      if (current == NULL || g_strcmp0 (current, id) != 0)
        {
          if (current != NULL)
            {
              double mean;
              estimate_from (durations, n, &mean, NULL);
              func (current, mean, user_data);
            }
          g_free (current);
          current = g_strdup (id);
          n = 0;
        }
      if (n < ESTIMATE_WINDOW)
        durations[n++] = sqlite3_column_double (stmt, 1);
    }
  if (current != NULL)
    {
      double mean;
      estimate_from (durations, n, &mean, NULL);
      func (current, mean, user_data);
    }
  g_free (current);
}

static void
add_to_table (const char *test_id,
              double mean,
              gpointer user_data)
{
  double *boxed = g_new (double, 1);

  *boxed = mean;
  g_hash_table_insert (user_data, g_strdup (test_id), boxed);
}

/* One query for many tests: the wanted ids go into a temporary table the
 * attempts are joined with, and the per-test window is cut in C from rows
 * that come grouped by test, newest first. Ordering by the temporary
 * table's key lets SQLite walk it in order and read each test's rows
 * backwards from the (test_id, start_time) index, with no sort. */
static GHashTable *
get_estimates_locked (ShoalHistory *self,
                      const char *const *test_ids)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (test_ids == NULL || test_ids[0] == NULL)
    return table;

  if (sqlite3_exec (self->db,
                    "CREATE TEMP TABLE IF NOT EXISTS wanted (test_id TEXT PRIMARY KEY) WITHOUT ROWID;"
                    "DELETE FROM temp.wanted; BEGIN",
                    NULL, NULL, NULL) != SQLITE_OK)
    goto out;
  rc = sqlite3_prepare_v2 (self->db, "INSERT OR IGNORE INTO temp.wanted VALUES (?1)", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto out;
  for (guint i = 0; test_ids[i] != NULL; i++)
    {
      sqlite3_bind_text (stmt, 1, test_ids[i], -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT a.test_id, a.duration FROM temp.wanted w"
                           " JOIN attempts a ON a.test_id = w.test_id"
                           " WHERE a.outcome IN " ESTIMATE_OUTCOMES
                           " ORDER BY w.test_id, a.start_time DESC, a.id DESC",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto out;
  fold_estimates (stmt, add_to_table, table);

out:
  if (sqlite3_errcode (self->db) != SQLITE_OK && sqlite3_errcode (self->db) != SQLITE_DONE &&
      sqlite3_errcode (self->db) != SQLITE_ROW)
    g_debug ("history: %s", sqlite3_errmsg (self->db));
  sqlite3_finalize (stmt);
  sqlite3_exec (self->db, "COMMIT; DELETE FROM temp.wanted", NULL, NULL, NULL);
  return table;
}

/**
 * shoal_history_get_estimates: (skip)
 * @self: a history
 * @test_ids: (array zero-terminated=1): test ids
 *
 * Estimates many tests in one query, as [method@Shoal.History.get_estimate]
 * does one. Tests without usable attempts are absent from the table.
 * Bindings use [method@Shoal.History.get_estimates_variant].
 *
 * Returns: (transfer full): a table from test id (`char *`) to its mean
 *   duration in seconds (a `double *`)
 */
GHashTable *
shoal_history_get_estimates (ShoalHistory *self,
                             const char *const *test_ids)
{
  GHashTable *table;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), NULL);

  g_mutex_lock (&self->mutex);
  flush_for_read_locked (self);
  table = get_estimates_locked (self, test_ids);
  g_mutex_unlock (&self->mutex);
  return table;
}

/**
 * shoal_history_get_estimates_variant:
 * @self: a history
 * @test_ids: (array zero-terminated=1): test ids
 *
 * Estimates many tests in one query, like
 * [method@Shoal.History.get_estimates], as a dictionary bindings can read.
 *
 * Returns: (transfer full): an `a{sd}` dictionary from test id to mean
 *   duration in seconds; tests without usable attempts are absent
 */
GVariant *
shoal_history_get_estimates_variant (ShoalHistory *self,
                                     const char *const *test_ids)
{
  g_autoptr (GHashTable) table = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), NULL);

  table = shoal_history_get_estimates (self, test_ids);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sd}"));
  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&builder, "{sd}", (const char *) key, *(double *) value);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
add_to_array (const char *test_id,
              double mean,
              gpointer user_data)
{
  g_array_append_val ((GArray *) user_data, mean);
}

/**
 * shoal_history_estimate_with_fallback:
 * @self: a history
 * @test_id: a test id
 * @suite: (nullable): the test's suite; %NULL takes the part of @test_id
 *   before `::`
 * @default_seconds: the estimate when nothing better is known
 *
 * Estimates a test that may never have run: its own mean
 * ([method@Shoal.History.get_estimate]) if it has history, else the median
 * of the means of the tests of its suite, else @default_seconds.
 *
 * Returns: the estimated duration in seconds
 */
double
shoal_history_estimate_with_fallback (ShoalHistory *self,
                                      const char *test_id,
                                      const char *suite,
                                      double default_seconds)
{
  g_autoptr (GArray) means = NULL;
  g_autofree char *suite_name = NULL;
  sqlite3_stmt *stmt = NULL;
  double mean;
  double result = default_seconds;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), default_seconds);
  g_return_val_if_fail (test_id != NULL, default_seconds);

  if (shoal_history_get_estimate (self, test_id, &mean, NULL, NULL))
    return mean;

  if (suite != NULL)
    suite_name = g_strdup (suite);
  else if (strstr (test_id, "::") != NULL)
    suite_name = g_strndup (test_id, strstr (test_id, "::") - test_id);
  else
    return default_seconds;

  means = g_array_new (FALSE, FALSE, sizeof (double));
  g_mutex_lock (&self->mutex);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT test_id, duration FROM attempts WHERE suite = ?1"
                          " AND outcome IN " ESTIMATE_OUTCOMES
                          " ORDER BY test_id, start_time DESC, id DESC",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, suite_name, -1, SQLITE_STATIC);
      fold_estimates (stmt, add_to_array, means);
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);

  if (means->len > 0)
    {
      double *v = (double *) (void *) means->data;
      guint n = means->len;

      qsort (v, n, sizeof (double), compare_doubles);
      result = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }
  return result;
}

/* ---- records ---- */

static char *
dup_column (sqlite3_stmt *stmt,
            int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/**
 * shoal_history_get_attempts:
 * @self: a history
 * @test_id: a test id
 * @limit: the most attempts to return; 0 for all
 *
 * The stored attempts of @test_id, newest first, as sealed results. Each
 * carries the run id and host it was recorded with as object data under
 * the keys `"shoal-history-run-id"` and `"shoal-history-host"` (strings,
 * possibly %NULL).
 *
 * Returns: (transfer container) (element-type ShoalTestResult): the attempts
 */
GPtrArray *
shoal_history_get_attempts (ShoalHistory *self,
                            const char *test_id,
                            guint limit)
{
  GPtrArray *results;
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), NULL);
  g_return_val_if_fail (test_id != NULL, NULL);

  results = g_ptr_array_new_with_free_func (g_object_unref);

  g_mutex_lock (&self->mutex);
  flush_for_read_locked (self);
  if (sqlite3_prepare_v2 (self->db,
                          "SELECT suite, run_id, attempt, outcome, duration, worker_id, host,"
                          " start_time, end_time, message, peak_rss FROM attempts WHERE test_id = ?1"
                          " ORDER BY start_time DESC, id DESC LIMIT ?2",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          ShoalOutcome outcome = SHOAL_OUTCOME_ERROR;
          ShoalTestResult *result;

          shoal_outcome_from_string ((const char *) sqlite3_column_text (stmt, 3), &outcome);
          result = shoal_test_result_new (test_id, outcome);
          if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
            shoal_test_result_set_suite (result, (const char *) sqlite3_column_text (stmt, 0));
          g_object_set_data_full (G_OBJECT (result), "shoal-history-run-id", dup_column (stmt, 1), g_free);
          shoal_test_result_set_attempt (result, (guint) sqlite3_column_int64 (stmt, 2));
          shoal_test_result_set_duration (result, sqlite3_column_double (stmt, 4));
          shoal_test_result_set_worker_id (result, (const char *) sqlite3_column_text (stmt, 5));
          g_object_set_data_full (G_OBJECT (result), "shoal-history-host", dup_column (stmt, 6), g_free);
          shoal_test_result_set_times (result, sqlite3_column_int64 (stmt, 7), sqlite3_column_int64 (stmt, 8));
          shoal_test_result_set_message (result, (const char *) sqlite3_column_text (stmt, 9));
          if (sqlite3_column_type (stmt, 10) != SQLITE_NULL)
            shoal_test_result_set_peak_rss (result, sqlite3_column_int64 (stmt, 10));
          shoal_test_result_seal (result);
          g_ptr_array_add (results, result);
        }
    }
  sqlite3_finalize (stmt);
  g_mutex_unlock (&self->mutex);
  return results;
}

/* ---- export / import ---- */

/**
 * shoal_history_export:
 * @self: a history
 * @path: (type filename): the file to write
 * @error: return location for a #GError
 *
 * Writes every stored attempt to @path as JSON,
 * `{"schema": "shoal-history/1", "attempts": [...]}`, one object per
 * attempt with the columns as members. The file is replaced atomically.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_history_export (ShoalHistory *self,
                      const char *path,
                      GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  int rc;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_string_value (builder, EXPORT_SCHEMA);
  json_builder_set_member_name (builder, "attempts");
  json_builder_begin_array (builder);

  g_mutex_lock (&self->mutex);
  ok = flush_locked (self, error);
  if (ok)
    {
      static const char *const columns[] = {
        "test_id",
        "suite",
        "run_id",
        "attempt",
        "outcome",
        "duration",
        "worker_id",
        "host",
        "start_time",
        "end_time",
        "peak_rss",
        "message",
      };

      rc = sqlite3_prepare_v2 (self->db,
                               "SELECT test_id, suite, run_id, attempt, outcome, duration, worker_id,"
                               " host, start_time, end_time, peak_rss, message FROM attempts ORDER BY id",
                               -1, &stmt, NULL);
      while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          json_builder_begin_object (builder);
          for (int c = 0; c < (int) G_N_ELEMENTS (columns); c++)
            {
              json_builder_set_member_name (builder, columns[c]);
              switch (sqlite3_column_type (stmt, c))
                {
                case SQLITE_INTEGER:
                  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, c));
                  break;
                case SQLITE_FLOAT:
                  json_builder_add_double_value (builder, sqlite3_column_double (stmt, c));
                  break;
                case SQLITE_NULL:
                  json_builder_add_null_value (builder);
                  break;
                default:
                  json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, c));
                }
            }
          json_builder_end_object (builder);
          rc = SQLITE_OK;
        }
      if (rc != SQLITE_DONE)
        {
          set_sqlite_error (error, self->db, self->path, rc, "reading attempts");
          ok = FALSE;
        }
      sqlite3_finalize (stmt);
    }
  g_mutex_unlock (&self->mutex);

  json_builder_end_array (builder);
  json_builder_end_object (builder);
  if (!ok)
    return FALSE;

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents (path, text, -1, error))
    {
      g_prefix_error (error, "exporting history: ");
      if (error != NULL && *error != NULL)
        {
          (*error)->domain = SHOAL_HISTORY_ERROR;
          (*error)->code = SHOAL_HISTORY_ERROR_IO;
        }
      return FALSE;
    }
  return TRUE;
}

static gboolean
member_string (JsonObject *obj,
               const char *name,
               gboolean required,
               const char **out,
               const char *path,
               guint index,
               GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: missing \"%s\"", path, index, name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: \"%s\" must be a string", path, index, name);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
member_number (JsonObject *obj,
               const char *name,
               gboolean required,
               gboolean *out_present,
               double *out_double,
               gint64 *out_int,
               const char *path,
               guint index,
               GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);
  GType type;

  *out_present = FALSE;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (!required)
        return TRUE;
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: missing \"%s\"", path, index, name);
      return FALSE;
    }
  type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: \"%s\" must be a number", path, index, name);
      return FALSE;
    }
  *out_present = TRUE;
  if (out_double != NULL)
    *out_double = json_node_get_double (node);
  if (out_int != NULL)
    *out_int = type == G_TYPE_INT64 ? json_node_get_int (node) : (gint64) json_node_get_double (node);
  return TRUE;
}

/* Check one exported attempt and turn it into a row (borrowing strings). */
static gboolean
parse_attempt (JsonNode *node,
               const char *path,
               guint index,
               PendingRow *row,
               GError **error)
{
  JsonObject *obj;
  const char *outcome_name;
  ShoalOutcome outcome;
  gboolean present;
  gint64 attempt = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: not an object", path, index);
      return FALSE;
    }
  obj = json_node_get_object (node);
  memset (row, 0, sizeof *row);
  if (!member_string (obj, "test_id", TRUE, (const char **) &row->test_id, path, index, error) ||
      !member_string (obj, "suite", FALSE, (const char **) &row->suite, path, index, error) ||
      !member_string (obj, "run_id", TRUE, (const char **) &row->run_id, path, index, error) ||
      !member_string (obj, "outcome", TRUE, &outcome_name, path, index, error) ||
      !member_string (obj, "worker_id", FALSE, (const char **) &row->worker_id, path, index, error) ||
      !member_string (obj, "host", FALSE, (const char **) &row->host, path, index, error) ||
      !member_string (obj, "message", FALSE, (const char **) &row->message, path, index, error) ||
      !member_number (obj, "attempt", TRUE, &present, NULL, &attempt, path, index, error) ||
      !member_number (obj, "duration", TRUE, &present, &row->duration, NULL, path, index, error) ||
      !member_number (obj, "start_time", FALSE, &present, NULL, &row->start_time, path, index, error) ||
      !member_number (obj, "end_time", FALSE, &present, NULL, &row->end_time, path, index, error) ||
      !member_number (obj, "peak_rss", FALSE, &present, NULL, &row->peak_rss, path, index, error))
    return FALSE;
  if (!present)
    row->peak_rss = -1;
  if (!shoal_outcome_from_string (outcome_name, &outcome))
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: unknown outcome \"%s\"", path, index, outcome_name);
      return FALSE;
    }
  if (attempt < 0 || attempt > G_MAXUINT)
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: attempts[%u]: attempt out of range", path, index);
      return FALSE;
    }
  row->outcome = shoal_outcome_to_string (outcome);
  row->attempt = (guint) attempt;
  return TRUE;
}

/**
 * shoal_history_import:
 * @self: a history
 * @path: (type filename): a file written by [method@Shoal.History.export]
 * @out_added: (out) (optional): how many attempts were new
 * @error: return location for a #GError
 *
 * Merges the attempts of @path into the history: an attempt already stored
 * (same test id, run id and attempt number) is skipped. The whole file is
 * checked before anything is written and the merge is one transaction, so
 * a malformed file changes nothing; its error
 * (%SHOAL_HISTORY_ERROR_PARSE) names the position, as `FILE:LINE:COLUMN`
 * for bad JSON or `FILE: attempts[N]` for a bad attempt.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_history_import (ShoalHistory *self,
                      const char *path,
                      guint *out_added,
                      GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) rows = NULL;
  JsonNode *root, *schema, *attempts_node;
  JsonObject *obj;
  JsonArray *attempts;
  sqlite3_stmt *stmt = NULL;
  guint added = 0;
  int rc;

  g_return_val_if_fail (SHOAL_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_added != NULL)
    *out_added = 0;

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      int code = g_error_matches (local_error, G_FILE_ERROR, local_error->code) ? SHOAL_HISTORY_ERROR_IO
                                                                                : SHOAL_HISTORY_ERROR_PARSE;
      /* json-glib's messages start with the file name and line:column. */
      g_set_error (error, SHOAL_HISTORY_ERROR, code, "%s", local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  obj = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  schema = obj != NULL ? json_object_get_member (obj, "schema") : NULL;
  if (schema == NULL || !JSON_NODE_HOLDS_VALUE (schema) ||
      json_node_get_value_type (schema) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (schema), EXPORT_SCHEMA) != 0)
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: not a history export (expected an object with \"schema\": \"%s\")",
                   path, EXPORT_SCHEMA);
      return FALSE;
    }
  attempts_node = json_object_get_member (obj, "attempts");
  if (attempts_node == NULL || !JSON_NODE_HOLDS_ARRAY (attempts_node))
    {
      g_set_error (error, SHOAL_HISTORY_ERROR, SHOAL_HISTORY_ERROR_PARSE,
                   "%s: \"attempts\" must be an array", path);
      return FALSE;
    }
  attempts = json_node_get_array (attempts_node);

  /* Check everything before writing anything. The rows borrow their
   * strings from the parser, so no clear func. */
  rows = g_array_sized_new (FALSE, FALSE, sizeof (PendingRow), json_array_get_length (attempts));
  for (guint i = 0; i < json_array_get_length (attempts); i++)
    {
      PendingRow row;

      if (!parse_attempt (json_array_get_element (attempts, i), path, i, &row, error))
        return FALSE;
      g_array_append_val (rows, row);
    }

  g_mutex_lock (&self->mutex);
  if (!flush_locked (self, error))
    goto fail_unlocked_tx;
  if (!exec_sql (self->db, self->path, "BEGIN IMMEDIATE", error))
    goto fail_unlocked_tx;
  rc = sqlite3_prepare_v2 (self->db, insert_sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, self->path, rc, "preparing an insert");
      goto fail;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      PendingRow *row = &g_array_index (rows, PendingRow, i);

      bind_row (stmt, row);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_DONE)
        {
          set_sqlite_error (error, self->db, self->path, rc, "importing an attempt");
          goto fail;
        }
      added += sqlite3_changes (self->db);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  stmt = NULL;
  if (!exec_sql (self->db, self->path, "COMMIT", error))
    goto fail;
  g_mutex_unlock (&self->mutex);

  if (out_added != NULL)
    *out_added = added;
  return TRUE;

fail:
  sqlite3_finalize (stmt);
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
fail_unlocked_tx:
  g_mutex_unlock (&self->mutex);
  return FALSE;
}
