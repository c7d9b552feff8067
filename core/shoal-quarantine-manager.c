/* shoal-quarantine-manager.c: flaky-test detection and the quarantine, kept
 * in the history database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "shoal-history-private.h"
#include "shoal-quarantine-manager.h"
#include "shoal-types.h"

/**
 * ShoalQuarantineManager:
 *
 * Finds flaky tests in the history and keeps the quarantine: the tests
 * that still run and report but cannot fail the run.
 *
 * ## Runs
 *
 * The manager reads the attempts [class@Shoal.History] records and groups
 * them by run id: one *run* of a test is all its attempts with the same run
 * id, ordered by the first attempt's start time. A run is
 *
 * - *flaky* if it holds both a passing attempt and a failing one (it
 *   failed, then passed on a retry), or an attempt whose outcome is
 *   `flaky`;
 * - *failed* if it holds a failing attempt (`failed`, `timeout`,
 *   `crashed`) and no passing one;
 * - *passed* (clean) if all its counted attempts passed.
 *
 * Attempts that were skipped or could not run (`error`) say nothing about
 * the test's stability; a run made only of them is not counted.
 *
 * ## Flakiness
 *
 * [method@Shoal.QuarantineManager.get_flakiness] looks at the last
 * [property@Shoal.QuarantineManager:window] runs and counts the *unstable*
 * ones: a run is unstable if it is flaky, or if it ended the other way
 * (passing or failing; a flaky run ends passing) from the run before it.
 * The flakiness is `unstable runs / runs`, from 0 (always the same result)
 * to 1 (every run flaky or a flip). A test that always fails has flakiness
 * 0: it is broken, not flaky. A test that fails every other run over 10
 * runs scores 0.9 (the oldest run has no run before it), one that fails
 * its first attempt and passes its retry in every run scores 1.
 *
 * ## The life cycle of an entry
 *
 * [method@Shoal.QuarantineManager.update], called after a run is recorded,
 * quarantines a test automatically (source `auto`) when at least
 * [property@Shoal.QuarantineManager:threshold] of its last `window` runs
 * were flaky or failed, unless it has since passed cleanly
 * [property@Shoal.QuarantineManager:release-streak] times in a row. It
 * keeps each entry's streak of clean passes (its newest runs that passed
 * cleanly, counted back to the first that did not) and releases an `auto`
 * entry once the streak reaches `release-streak`. Only runs after a test's
 * last release (automatic, or by [method@Shoal.QuarantineManager.remove])
 * count towards quarantining it again, so the failures that quarantined it
 * once do not do it twice.
 *
 * Manual entries ([method@Shoal.QuarantineManager.add], source `manual`)
 * carry a reason, an owner and an optional expiry day: someone decided,
 * so the streak is shown but never releases them. They go only by
 * [method@Shoal.QuarantineManager.remove]. An entry whose expiry day has
 * passed stays in the database, so that nobody loses track of it, but no
 * longer quarantines the test: [method@Shoal.QuarantineManager.get_expired]
 * lists such entries for a warning. `update` never replaces an existing
 * entry, expired or not.
 *
 * The state lives in tables of the history database (`history.db`), so
 * every run of a project shares it.
 *
 * ## Settings
 *
 * `window` (default 10), `threshold` (default 3, the seed's
 * `quarantine_threshold`) and `release-streak` (default 5) are read from
 * the database when the manager is made (where
 * [method@Shoal.QuarantineManager.import_settings] stored them); the
 * setters change them for this object only.
 *
 * ## quarantine_settings.json
 *
 * [method@Shoal.QuarantineManager.export_settings] and
 * [method@Shoal.QuarantineManager.import_settings] read and write the
 * seed's `quarantine_config` file (its JSON schema is
 * `quarantine-settings.schema.json` in Shoal's data directory):
 *
 * |[<!-- language="json" -->
 * {
 *   "schema": "shoal-quarantine/1",
 *   "settings": { "window": 10, "threshold": 3, "release_streak": 5 },
 *   "entries": [
 *     { "test_id": "ui::login", "reason": "times out on CI", "owner": "ana",
 *       "expires": "2025-12-31", "added": "2025-11-02T10:00:00.000000Z",
 *       "source": "manual", "clean_streak": 0 }
 *   ]
 * }
 * ]|
 *
 * Every member is optional except an entry's `test_id` and `reason`;
 * `owner` and `expires` may be null, `source` defaults to `manual`,
 * `added` to the time of the import. Unknown members are errors (they are
 * typos more often than not).
 *
 * All methods are thread-safe.
 */

#define DEFAULT_WINDOW 10
#define DEFAULT_THRESHOLD 3
#define DEFAULT_RELEASE_STREAK 5
#define MAX_SETTING 10000

#define SETTINGS_SCHEMA "shoal-quarantine/1"

/* The outcomes that make a run fail; passed and flaky are named in the SQL
 * below, the rest (skipped, error) are not counted. */
#define FAILING_OUTCOMES "('failed', 'timeout', 'crashed')"
#define COUNTED_OUTCOMES "('passed', 'flaky', 'failed', 'timeout', 'crashed')"

/* Runs with no release before them: earlier than any start time. */
#define NO_RELEASE G_MININT64

typedef enum
{
  RUN_PASSED,
  RUN_FAILED,
  RUN_FLAKY,
} RunState;

struct _ShoalQuarantineManager
{
  GObject parent_instance;

  ShoalHistory *history; /* immutable */

  GMutex mutex; /* guards the settings */
  guint window;
  guint threshold;
  guint release_streak;
};

G_DEFINE_FINAL_TYPE (ShoalQuarantineManager, shoal_quarantine_manager, G_TYPE_OBJECT)

/* clang-format off */
G_DEFINE_QUARK (shoal-quarantine-error-quark, shoal_quarantine_error)
/* clang-format on */

enum
{
  PROP_0,
  PROP_HISTORY,
  PROP_WINDOW,
  PROP_THRESHOLD,
  PROP_RELEASE_STREAK,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  guint window;
  guint threshold;
  guint release_streak;
} Settings;

static Settings
get_settings (ShoalQuarantineManager *self)
{
  Settings settings;

  g_mutex_lock (&self->mutex);
  settings.window = self->window;
  settings.threshold = self->threshold;
  settings.release_streak = self->release_streak;
  g_mutex_unlock (&self->mutex);
  return settings;
}

static void
set_setting (ShoalQuarantineManager *self,
             guint *field,
             guint value,
             int prop)
{
  gboolean changed;

  g_mutex_lock (&self->mutex);
  changed = *field != value;
  *field = value;
  g_mutex_unlock (&self->mutex);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* ---- dates ---- */

/* A "YYYY-MM-DD" day that exists in the calendar. */
static gboolean
is_valid_day (const char *text)
{
  int year, month, day;

  if (text == NULL || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
    return FALSE;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
      return FALSE;
  year = atoi (text);
  month = atoi (text + 5);
  day = atoi (text + 8);
  return year >= 1 && g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

static char *
today (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  return g_date_time_format (now, "%Y-%m-%d");
}

/* An entry applies up to and including its expiry day (local time).
 * "YYYY-MM-DD" strings compare like the days they name. */
static gboolean
is_expired (const char *expires,
            const char *today_text)
{
  return expires != NULL && strcmp (today_text, expires) > 0;
}

/* ---- runs ---- */

/* The test's runs after @after (a start time in µs), newest first, at
 * most @limit of them. */
static int
load_runs (sqlite3 *db,
           const char *test_id,
           gint64 after,
           guint limit,
           GArray *runs)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_array_set_size (runs, 0);
  rc = sqlite3_prepare_v2 (db,
                           "SELECT SUM(outcome = 'passed'), SUM(outcome IN " FAILING_OUTCOMES "),"
                           " SUM(outcome = 'flaky'), MIN(start_time) AS t, MAX(id) AS last"
                           " FROM attempts WHERE test_id = ?1 AND start_time > ?2"
                           " AND outcome IN " COUNTED_OUTCOMES
                           " GROUP BY run_id ORDER BY t DESC, last DESC LIMIT ?3",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, after);
  sqlite3_bind_int64 (stmt, 3, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 passed = sqlite3_column_int64 (stmt, 0);
      gint64 failed = sqlite3_column_int64 (stmt, 1);
      gint64 flaky = sqlite3_column_int64 (stmt, 2);
      RunState state;

      if (flaky > 0 || (passed > 0 && failed > 0))
        state = RUN_FLAKY;
      else if (failed > 0)
        state = RUN_FAILED;
      else
        state = RUN_PASSED;
      g_array_append_val (runs, state);
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static gboolean
run_ended_passing (RunState state)
{
  return state != RUN_FAILED;
}

/* See "Flakiness" above. */
static double
flakiness_of (const GArray *runs,
              guint window)
{
  guint n = MIN (runs->len, window);
  guint unstable = 0;

  if (n == 0)
    return 0.0;
  for (guint i = 0; i < n; i++)
    {
      RunState state = g_array_index (runs, RunState, i);
      /* runs[i + 1] is the run before runs[i]. */
      gboolean flip = i + 1 < n &&
                      run_ended_passing (state) != run_ended_passing (g_array_index (runs, RunState, i + 1));

      if (state == RUN_FLAKY || flip)
        unstable++;
    }
  return (double) unstable / (double) n;
}

/* Clean passes among the newest runs, back to the first run that was not. */
static guint
clean_streak_of (const GArray *runs)
{
  guint streak = 0;

  while (streak < runs->len && g_array_index (runs, RunState, streak) == RUN_PASSED)
    streak++;
  return streak;
}

static int
get_release_marker (sqlite3 *db,
                    const char *test_id,
                    gint64 *out_after)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, "SELECT after FROM quarantine_released WHERE test_id = ?1", -1,
                               &stmt, NULL);

  *out_after = NO_RELEASE;
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *out_after = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Remember the newest run of the test at its release: only later runs count
 * towards quarantining it again. */
static int
set_release_marker (sqlite3 *db,
                    const char *test_id)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT OR REPLACE INTO quarantine_released (test_id, after)"
                               " SELECT ?1, COALESCE(MAX(start_time), ?2) FROM attempts WHERE test_id = ?1",
                               -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, NO_RELEASE);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Run one statement with text parameters (NULL binds SQL NULL). */
static int
exec_text (sqlite3 *db,
           const char *sql,
           int n_params,
           const char *const *params)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    return rc;
  for (int i = 0; i < n_params; i++)
    sqlite3_bind_text (stmt, i + 1, params[i], -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* ---- GObject ---- */

static void
load_stored_settings (ShoalQuarantineManager *self)
{
  sqlite3 *db = _shoal_history_lock_db (self->history);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT key, value FROM quarantine_settings", -1, &stmt, NULL) == SQLITE_OK)
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          const char *key = (const char *) sqlite3_column_text (stmt, 0);
          gint64 value = sqlite3_column_int64 (stmt, 1);

          if (value < 1 || value > MAX_SETTING)
            continue;
          if (g_strcmp0 (key, "window") == 0)
            self->window = (guint) value;
          else if (g_strcmp0 (key, "threshold") == 0)
            self->threshold = (guint) value;
          else if (g_strcmp0 (key, "release_streak") == 0)
            self->release_streak = (guint) value;
        }
    }
  else
    g_debug ("quarantine: cannot read the stored settings: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  _shoal_history_unlock_db (self->history);
}

static void
shoal_quarantine_manager_constructed (GObject *object)
{
  ShoalQuarantineManager *self = SHOAL_QUARANTINE_MANAGER (object);

  G_OBJECT_CLASS (shoal_quarantine_manager_parent_class)->constructed (object);

  g_assert (self->history != NULL);
  load_stored_settings (self);
}

static void
shoal_quarantine_manager_finalize (GObject *object)
{
  ShoalQuarantineManager *self = SHOAL_QUARANTINE_MANAGER (object);

  g_clear_object (&self->history);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (shoal_quarantine_manager_parent_class)->finalize (object);
}

static void
shoal_quarantine_manager_get_property (GObject *object,
                                       guint prop_id,
                                       GValue *value,
                                       GParamSpec *pspec)
{
  ShoalQuarantineManager *self = SHOAL_QUARANTINE_MANAGER (object);
  Settings settings = get_settings (self);

  switch (prop_id)
    {
    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;
    case PROP_WINDOW:
      g_value_set_uint (value, settings.window);
      break;
    case PROP_THRESHOLD:
      g_value_set_uint (value, settings.threshold);
      break;
    case PROP_RELEASE_STREAK:
      g_value_set_uint (value, settings.release_streak);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_quarantine_manager_set_property (GObject *object,
                                       guint prop_id,
                                       const GValue *value,
                                       GParamSpec *pspec)
{
  ShoalQuarantineManager *self = SHOAL_QUARANTINE_MANAGER (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      self->history = g_value_dup_object (value);
      break;
    case PROP_WINDOW:
      shoal_quarantine_manager_set_window (self, g_value_get_uint (value));
      break;
    case PROP_THRESHOLD:
      shoal_quarantine_manager_set_threshold (self, g_value_get_uint (value));
      break;
    case PROP_RELEASE_STREAK:
      shoal_quarantine_manager_set_release_streak (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_quarantine_manager_class_init (ShoalQuarantineManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = shoal_quarantine_manager_constructed;
  object_class->finalize = shoal_quarantine_manager_finalize;
  object_class->get_property = shoal_quarantine_manager_get_property;
  object_class->set_property = shoal_quarantine_manager_set_property;

  /**
   * ShoalQuarantineManager:history:
   *
   * The history whose database holds the attempts and the quarantine.
   */
  properties[PROP_HISTORY] =
      g_param_spec_object ("history", NULL, NULL, SHOAL_TYPE_HISTORY,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalQuarantineManager:window:
   *
   * How many of a test's recent runs flakiness and automatic quarantine
   * look at.
   */
  properties[PROP_WINDOW] =
      g_param_spec_uint ("window", NULL, NULL, 1, MAX_SETTING, DEFAULT_WINDOW,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalQuarantineManager:threshold:
   *
   * How many flaky or failed runs inside the window quarantine a test (the
   * seed's `quarantine_threshold`). A threshold above the window never
   * quarantines.
   */
  properties[PROP_THRESHOLD] =
      g_param_spec_uint ("threshold", NULL, NULL, 1, MAX_SETTING, DEFAULT_THRESHOLD,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * ShoalQuarantineManager:release-streak:
   *
   * How many clean passes in a row release an automatically quarantined
   * test.
   */
  properties[PROP_RELEASE_STREAK] =
      g_param_spec_uint ("release-streak", NULL, NULL, 1, MAX_SETTING, DEFAULT_RELEASE_STREAK,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_quarantine_manager_init (ShoalQuarantineManager *self)
{
  g_mutex_init (&self->mutex);
  self->window = DEFAULT_WINDOW;
  self->threshold = DEFAULT_THRESHOLD;
  self->release_streak = DEFAULT_RELEASE_STREAK;
}

/**
 * shoal_quarantine_manager_new:
 * @history: the history of the project
 *
 * Makes a quarantine manager on the database of @history, with the
 * settings stored there by [method@Shoal.QuarantineManager.import_settings]
 * (else the defaults: window 10, threshold 3, release streak 5).
 *
 * Returns: (transfer full): a new quarantine manager
 */
ShoalQuarantineManager *
shoal_quarantine_manager_new (ShoalHistory *history)
{
  g_return_val_if_fail (SHOAL_IS_HISTORY (history), NULL);

  return g_object_new (SHOAL_TYPE_QUARANTINE_MANAGER, "history", history, NULL);
}

/**
 * shoal_quarantine_manager_get_history:
 * @self: a quarantine manager
 *
 * Returns: (transfer none): the history the manager works on
 */
ShoalHistory *
shoal_quarantine_manager_get_history (ShoalQuarantineManager *self)
{
  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), NULL);
  return self->history;
}

/**
 * shoal_quarantine_manager_get_window:
 * @self: a quarantine manager
 *
 * Returns: the value of [property@Shoal.QuarantineManager:window]
 */
guint
shoal_quarantine_manager_get_window (ShoalQuarantineManager *self)
{
  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), 0);
  return get_settings (self).window;
}

/**
 * shoal_quarantine_manager_set_window:
 * @self: a quarantine manager
 * @window: how many recent runs to look at, at least 1
 *
 * Sets [property@Shoal.QuarantineManager:window] for this object.
 */
void
shoal_quarantine_manager_set_window (ShoalQuarantineManager *self,
                                     guint window)
{
  g_return_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self));
  g_return_if_fail (window >= 1 && window <= MAX_SETTING);
  set_setting (self, &self->window, window, PROP_WINDOW);
}

/**
 * shoal_quarantine_manager_get_threshold:
 * @self: a quarantine manager
 *
 * Returns: the value of [property@Shoal.QuarantineManager:threshold]
 */
guint
shoal_quarantine_manager_get_threshold (ShoalQuarantineManager *self)
{
  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), 0);
  return get_settings (self).threshold;
}

/**
 * shoal_quarantine_manager_set_threshold:
 * @self: a quarantine manager
 * @threshold: how many flaky or failed runs inside the window quarantine a
 *   test, at least 1
 *
 * Sets [property@Shoal.QuarantineManager:threshold] for this object, e.g.
 * from `quarantine_threshold` in `shoal.yaml`.
 */
void
shoal_quarantine_manager_set_threshold (ShoalQuarantineManager *self,
                                        guint threshold)
{
  g_return_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self));
  g_return_if_fail (threshold >= 1 && threshold <= MAX_SETTING);
  set_setting (self, &self->threshold, threshold, PROP_THRESHOLD);
}

/**
 * shoal_quarantine_manager_get_release_streak:
 * @self: a quarantine manager
 *
 * Returns: the value of [property@Shoal.QuarantineManager:release-streak]
 */
guint
shoal_quarantine_manager_get_release_streak (ShoalQuarantineManager *self)
{
  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), 0);
  return get_settings (self).release_streak;
}

/**
 * shoal_quarantine_manager_set_release_streak:
 * @self: a quarantine manager
 * @release_streak: how many clean passes in a row release an automatic
 *   entry, at least 1
 *
 * Sets [property@Shoal.QuarantineManager:release-streak] for this object.
 */
void
shoal_quarantine_manager_set_release_streak (ShoalQuarantineManager *self,
                                             guint release_streak)
{
  g_return_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self));
  g_return_if_fail (release_streak >= 1 && release_streak <= MAX_SETTING);
  set_setting (self, &self->release_streak, release_streak, PROP_RELEASE_STREAK);
}

/* ---- detection ---- */

static double
get_flakiness_locked (sqlite3 *db,
                      const char *test_id,
                      guint window)
{
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (RunState));

  if (load_runs (db, test_id, NO_RELEASE, window, runs) != SQLITE_OK)
    g_debug ("quarantine: reading the runs of %s: %s", test_id, sqlite3_errmsg (db));
  return flakiness_of (runs, window);
}

/**
 * shoal_quarantine_manager_get_flakiness:
 * @self: a quarantine manager
 * @test_id: a test id
 *
 * How flaky @test_id has been over its last
 * [property@Shoal.QuarantineManager:window] runs: the share of those runs
 * that were flaky (failed, then passed within the run) or ended the other
 * way from the run before them. See the class description for the exact
 * rules.
 *
 * Returns: the flakiness, from 0 (stable, or never run) to 1
 */
double
shoal_quarantine_manager_get_flakiness (ShoalQuarantineManager *self,
                                        const char *test_id)
{
  Settings settings;
  sqlite3 *db;
  double flakiness;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), 0.0);
  g_return_val_if_fail (test_id != NULL, 0.0);

  settings = get_settings (self);
  db = _shoal_history_lock_db (self->history);
  flakiness = get_flakiness_locked (db, test_id, settings.window);
  _shoal_history_unlock_db (self->history);
  return flakiness;
}

static int
collect_ids (sqlite3 *db,
             const char *sql,
             const char *param,
             GHashTable *into)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    return rc;
  if (param != NULL)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      const char *value = sqlite3_column_count (stmt) > 1 ? (const char *) sqlite3_column_text (stmt, 1) : "";

      if (id != NULL)
        g_hash_table_insert (into, g_strdup (id), g_strdup (value != NULL ? value : ""));
    }
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* One test's part of update(): returns 1 if its entry was made or
 * released, 0 if not, -1 on a database error (rc in *out_rc). */
static int
update_one (sqlite3 *db,
            const char *test_id,
            const char *source, /* NULL: not quarantined */
            const Settings *settings,
            GArray *runs,
            int *out_rc)
{
  guint limit = MAX (settings->window, settings->release_streak);
  gint64 after = NO_RELEASE;
  guint streak;
  int rc;

  if (source == NULL && (rc = get_release_marker (db, test_id, &after)) != SQLITE_OK)
    goto fail;
  if ((rc = load_runs (db, test_id, after, limit, runs)) != SQLITE_OK)
    goto fail;
  streak = clean_streak_of (runs);

  if (source != NULL)
    {
      g_autofree char *streak_text = g_strdup_printf ("%u", streak);
      const char *params[] = { test_id, streak_text };

      if (g_str_equal (source, "auto") && streak >= settings->release_streak)
        {
          if ((rc = exec_text (db, "DELETE FROM quarantine WHERE test_id = ?1", 1, params)) != SQLITE_OK ||
              (rc = set_release_marker (db, test_id)) != SQLITE_OK)
            goto fail;
          return 1;
        }
      if ((rc = exec_text (db, "UPDATE quarantine SET clean_streak = CAST (?2 AS INTEGER) WHERE test_id = ?1",
                           2, params)) != SQLITE_OK)
        goto fail;
      return 0;
    }
  else
    {
      guint considered = MIN (runs->len, settings->window);
      guint flaky = 0, failed = 0;

      for (guint i = 0; i < considered; i++)
        {
          RunState state = g_array_index (runs, RunState, i);

          flaky += state == RUN_FLAKY;
          failed += state == RUN_FAILED;
        }
      /* A test that has passed cleanly release_streak times since its
       * failures has recovered already: quarantining it now would release
       * it at once. */
      if (flaky + failed >= settings->threshold && streak < settings->release_streak)
        {
          g_autofree char *reason = g_strdup_printf (
              "%u flaky and %u failed of the last %u runs (threshold %u)", flaky, failed,
              considered, settings->threshold);
          g_autofree char *added = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
          g_autofree char *streak_text = g_strdup_printf ("%u", streak);
          const char *params[] = { test_id, reason, added, streak_text };

          if ((rc = exec_text (db,
                               "INSERT INTO quarantine (test_id, reason, owner, expires, added, source,"
                               " clean_streak) VALUES (?1, ?2, NULL, NULL, CAST (?3 AS INTEGER), 'auto',"
                               " CAST (?4 AS INTEGER))",
                               4, params)) != SQLITE_OK)
            goto fail;
          return 1;
        }
      return 0;
    }

fail:
  *out_rc = rc;
  return -1;
}

/**
 * shoal_quarantine_manager_update:
 * @self: a quarantine manager
 * @run_id: (nullable): the run just recorded, or %NULL for every test in
 *   the history
 * @error: return location for a #GError
 *
 * Brings the quarantine up to date with the history, after the attempts of
 * a run are recorded (the history's queue is written first): each test of
 * @run_id that is not in the quarantine is quarantined automatically if at
 * least [property@Shoal.QuarantineManager:threshold] of its last
 * [property@Shoal.QuarantineManager:window] runs (since its last release)
 * were flaky or failed, with a reason giving the counts; every entry's
 * streak of clean passes is recounted, and automatic entries whose streak
 * reached [property@Shoal.QuarantineManager:release-streak] are released.
 * Manual entries are never released here. All of it is one transaction.
 *
 * Returns: how many tests were quarantined or released; 0 with @error set
 *   on failure (then nothing changed)
 */
guint
shoal_quarantine_manager_update (ShoalQuarantineManager *self,
                                 const char *run_id,
                                 GError **error)
{
  g_autoptr (GHashTable) tested = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GArray) runs = g_array_new (FALSE, FALSE, sizeof (RunState));
  g_autofree const char **ids = NULL;
  Settings settings;
  GHashTableIter iter;
  gpointer key;
  guint n_ids = 0, changed = 0;
  sqlite3 *db;
  int rc;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  settings = get_settings (self);
  db = _shoal_history_lock_db (self->history);

  if ((rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
    {
      _shoal_history_set_sqlite_error (self->history, error, rc, "starting a quarantine update");
      _shoal_history_unlock_db (self->history);
      return 0;
    }
  /* A run's clean passes cannot bring a test that is not quarantined to
   * the threshold: only its tests with an attempt that did not pass (and
   * the entries, for their release) need looking at. So a run that went
   * well costs next to nothing at its end. */
  if (run_id != NULL)
    rc = collect_ids (db,
                      "SELECT DISTINCT test_id FROM attempts WHERE run_id = ?1"
                      " AND outcome NOT IN ('passed', 'skipped')",
                      run_id, tested);
  else
    rc = collect_ids (db, "SELECT DISTINCT test_id FROM attempts", NULL, tested);
  if (rc != SQLITE_OK ||
      (rc = collect_ids (db, "SELECT test_id, source FROM quarantine", NULL, entries)) != SQLITE_OK)
    goto fail;

  /* Every entry, and the tests of the run; in a fixed order. */
  ids = g_new0 (const char *, g_hash_table_size (tested) + g_hash_table_size (entries) + 1);
  g_hash_table_iter_init (&iter, entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    ids[n_ids++] = key;
  g_hash_table_iter_init (&iter, tested);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (entries, key))
      ids[n_ids++] = key;
  qsort (ids, n_ids, sizeof (char *), compare_strings);

  for (guint i = 0; i < n_ids; i++)
    {
      int result = update_one (db, ids[i], g_hash_table_lookup (entries, ids[i]), &settings, runs, &rc);

      if (result < 0)
        goto fail;
      changed += (guint) result;
    }

  if ((rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  _shoal_history_unlock_db (self->history);
  return changed;

fail:
  _shoal_history_set_sqlite_error (self->history, error, rc, "updating the quarantine");
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  _shoal_history_unlock_db (self->history);
  return 0;
}

/* ---- entries ---- */

/**
 * shoal_quarantine_manager_is_quarantined:
 * @self: a quarantine manager
 * @test_id: a test id
 *
 * Whether @test_id is in the quarantine now: it has an entry, automatic or
 * manual, that has not expired. A quarantined test still runs and reports,
 * but its result cannot fail the run.
 *
 * Returns: %TRUE if the test is quarantined
 */
gboolean
shoal_quarantine_manager_is_quarantined (ShoalQuarantineManager *self,
                                         const char *test_id)
{
  g_autofree char *expires = NULL;
  g_autofree char *day = NULL;
  gboolean found = FALSE;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), FALSE);
  g_return_val_if_fail (test_id != NULL, FALSE);

  db = _shoal_history_lock_db (self->history);
  if (sqlite3_prepare_v2 (db, "SELECT expires FROM quarantine WHERE test_id = ?1", -1, &stmt, NULL) ==
      SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, test_id, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          found = TRUE;
          if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
            expires = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
        }
    }
  else
    g_debug ("quarantine: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  _shoal_history_unlock_db (self->history);

  day = today ();
  return found && !is_expired (expires, day);
}

static gboolean
check_entry_arguments (const char *test_id,
                       const char *reason,
                       const char *expires,
                       GError **error)
{
  if (test_id == NULL || *test_id == '\0')
    {
      g_set_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID,
                   "a quarantine entry needs a test id");
      return FALSE;
    }
  if (reason == NULL || *reason == '\0')
    {
      g_set_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID,
                   "quarantining %s needs a reason", test_id);
      return FALSE;
    }
  if (expires != NULL && !is_valid_day (expires))
    {
      g_set_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID,
                   "'%s' is not a date: the expiry is a day written YYYY-MM-DD", expires);
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_quarantine_manager_add:
 * @self: a quarantine manager
 * @test_id: the test to quarantine
 * @reason: why, for the people who read the list
 * @owner: (nullable): who looks after it
 * @expires: (nullable): the last day (`YYYY-MM-DD`, local time) the entry
 *   holds, or %NULL for no end
 * @error: return location for a #GError
 *
 * Quarantines @test_id by hand (source `manual`), replacing any entry it
 * had. A manual entry stays until [method@Shoal.QuarantineManager.remove];
 * after its expiry day it no longer quarantines the test and is listed by
 * [method@Shoal.QuarantineManager.get_expired].
 *
 * Returns: %TRUE on success; %FALSE with %SHOAL_QUARANTINE_ERROR_INVALID
 *   for an empty test id or reason or a bad date
 */
gboolean
shoal_quarantine_manager_add (ShoalQuarantineManager *self,
                              const char *test_id,
                              const char *reason,
                              const char *owner,
                              const char *expires,
                              GError **error)
{
  g_autofree char *added = NULL;
  sqlite3 *db;
  int rc;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_entry_arguments (test_id, reason, expires, error))
    return FALSE;

  added = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());
  {
    const char *params[] = { test_id, reason, owner, expires, added };

    db = _shoal_history_lock_db (self->history);
    rc = exec_text (db,
                    "INSERT OR REPLACE INTO quarantine (test_id, reason, owner, expires, added, source,"
                    " clean_streak) VALUES (?1, ?2, ?3, ?4, CAST (?5 AS INTEGER), 'manual', 0)",
                    G_N_ELEMENTS (params), params);
    if (rc != SQLITE_OK)
      _shoal_history_set_sqlite_error (self->history, error, rc, "adding a quarantine entry");
    _shoal_history_unlock_db (self->history);
  }
  return rc == SQLITE_OK;
}

/**
 * shoal_quarantine_manager_remove:
 * @self: a quarantine manager
 * @test_id: a quarantined test
 * @error: return location for a #GError
 *
 * Takes @test_id out of the quarantine, whatever its entry's source. Only
 * runs after this one count towards quarantining it automatically again.
 *
 * Returns: %TRUE on success; %FALSE with
 *   %SHOAL_QUARANTINE_ERROR_NOT_FOUND if the test had no entry
 */
gboolean
shoal_quarantine_manager_remove (ShoalQuarantineManager *self,
                                 const char *test_id,
                                 GError **error)
{
  const char *params[] = { test_id };
  gboolean found = FALSE;
  sqlite3 *db;
  int rc;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), FALSE);
  g_return_val_if_fail (test_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  db = _shoal_history_lock_db (self->history);
  if ((rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  if ((rc = exec_text (db, "DELETE FROM quarantine WHERE test_id = ?1", 1, params)) != SQLITE_OK)
    goto fail;
  found = sqlite3_changes (db) > 0;
  if (found && (rc = set_release_marker (db, test_id)) != SQLITE_OK)
    goto fail;
  if ((rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  _shoal_history_unlock_db (self->history);

  if (!found)
    {
      g_set_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_NOT_FOUND,
                   "%s is not in the quarantine", test_id);
      return FALSE;
    }
  return TRUE;

fail:
  _shoal_history_set_sqlite_error (self->history, error, rc, "removing a quarantine entry");
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  _shoal_history_unlock_db (self->history);
  return FALSE;
}

typedef struct
{
  char *test_id;
  char *reason;
  char *owner;
  char *expires;
  char *source;
  gint64 added;
  guint clean_streak;
  double flakiness;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->test_id);
  g_free (entry->reason);
  g_free (entry->owner);
  g_free (entry->expires);
  g_free (entry->source);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);
  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

/* Every entry, by test id; with flakiness if @window > 0. */
static GArray *
read_entries (ShoalQuarantineManager *self,
              guint window)
{
  GArray *entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;

  g_array_set_clear_func (entries, entry_clear);
  db = _shoal_history_lock_db (self->history);
  if (sqlite3_prepare_v2 (db,
                          "SELECT test_id, reason, owner, expires, added, source, clean_streak"
                          " FROM quarantine ORDER BY test_id",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          Entry entry = { 0 };

          entry.test_id = dup_column (stmt, 0);
          entry.reason = dup_column (stmt, 1);
          entry.owner = dup_column (stmt, 2);
          entry.expires = dup_column (stmt, 3);
          entry.added = sqlite3_column_int64 (stmt, 4);
          entry.source = dup_column (stmt, 5);
          entry.clean_streak = (guint) CLAMP (sqlite3_column_int64 (stmt, 6), 0, G_MAXUINT);
          g_array_append_val (entries, entry);
        }
    }
  else
    g_debug ("quarantine: %s", sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  for (guint i = 0; window > 0 && i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      entry->flakiness = get_flakiness_locked (db, entry->test_id, window);
    }
  _shoal_history_unlock_db (self->history);
  return entries;
}

/**
 * shoal_quarantine_manager_list:
 * @self: a quarantine manager
 *
 * Every entry of the quarantine, expired ones included, ordered by test
 * id. Each is a dictionary with `test_id` (s), `reason` (s), `owner` (s,
 * only if set), `expires` (s, `YYYY-MM-DD`, only if set), `added` (x, µs
 * since the epoch, UTC), `source` (s, `manual` or `auto`), `expired` (b),
 * `clean_streak` (u, clean passes in a row) and `flakiness` (d, as
 * [method@Shoal.QuarantineManager.get_flakiness] gives it).
 *
 * Returns: (transfer full): an `aa{sv}` array
 */
GVariant *
shoal_quarantine_manager_list (ShoalQuarantineManager *self)
{
  g_autoptr (GArray) entries = NULL;
  g_autofree char *day = today ();
  GVariantBuilder builder;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), NULL);

  entries = read_entries (self, get_settings (self).window);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      g_variant_builder_open (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "test_id", g_variant_new_string (entry->test_id));
      g_variant_builder_add (&builder, "{sv}", "reason",
                             g_variant_new_string (entry->reason != NULL ? entry->reason : ""));
      if (entry->owner != NULL)
        g_variant_builder_add (&builder, "{sv}", "owner", g_variant_new_string (entry->owner));
      if (entry->expires != NULL)
        g_variant_builder_add (&builder, "{sv}", "expires", g_variant_new_string (entry->expires));
      g_variant_builder_add (&builder, "{sv}", "added", g_variant_new_int64 (entry->added));
      g_variant_builder_add (&builder, "{sv}", "source",
                             g_variant_new_string (entry->source != NULL ? entry->source : "manual"));
      g_variant_builder_add (&builder, "{sv}", "expired",
                             g_variant_new_boolean (is_expired (entry->expires, day)));
      g_variant_builder_add (&builder, "{sv}", "clean_streak",
                             g_variant_new_uint32 (entry->clean_streak));
      g_variant_builder_add (&builder, "{sv}", "flakiness", g_variant_new_double (entry->flakiness));
      g_variant_builder_close (&builder);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * shoal_quarantine_manager_get_expired:
 * @self: a quarantine manager
 *
 * The tests whose entries have passed their expiry day. They are kept (a
 * manual entry goes only by [method@Shoal.QuarantineManager.remove]) but no
 * longer quarantine the test; `shoal quarantine list` warns about them.
 *
 * Returns: (transfer full): the test ids, ordered
 */
GStrv
shoal_quarantine_manager_get_expired (ShoalQuarantineManager *self)
{
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *day = today ();

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), NULL);

  entries = read_entries (self, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      if (is_expired (entry->expires, day))
        g_strv_builder_add (builder, entry->test_id);
    }
  return g_strv_builder_end (builder);
}

/**
 * shoal_quarantine_manager_get_status:
 * @self: a quarantine manager
 *
 * The quarantine's part of the status report (the seed's
 * `status_report['quarantine_manager']`), a dictionary with
 * `quarantined_tests` (as, the tests quarantined now, ordered),
 * `quarantined_count` (u), `auto_count` and `manual_count` (u, the
 * quarantined tests by source), `expired_tests` (as) and `expired_count`
 * (u), and the settings `window`, `threshold` and `release_streak` (u).
 *
 * Returns: (transfer full): an `a{sv}` dictionary
 */
GVariant *
shoal_quarantine_manager_get_status (ShoalQuarantineManager *self)
{
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GStrvBuilder) quarantined = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) expired = g_strv_builder_new ();
  g_auto (GStrv) quarantined_ids = NULL;
  g_auto (GStrv) expired_ids = NULL;
  g_autofree char *day = today ();
  guint n_auto = 0, n_manual = 0;
  Settings settings;
  GVariantBuilder builder;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), NULL);

  settings = get_settings (self);
  entries = read_entries (self, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      if (is_expired (entry->expires, day))
        g_strv_builder_add (expired, entry->test_id);
      else
        {
          g_strv_builder_add (quarantined, entry->test_id);
          if (g_strcmp0 (entry->source, "auto") == 0)
            n_auto++;
          else
            n_manual++;
        }
    }
  quarantined_ids = g_strv_builder_end (quarantined);
  expired_ids = g_strv_builder_end (expired);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "quarantined_tests",
                         g_variant_new_strv ((const char *const *) quarantined_ids, -1));
  g_variant_builder_add (&builder, "{sv}", "quarantined_count",
                         g_variant_new_uint32 (g_strv_length (quarantined_ids)));
  g_variant_builder_add (&builder, "{sv}", "auto_count", g_variant_new_uint32 (n_auto));
  g_variant_builder_add (&builder, "{sv}", "manual_count", g_variant_new_uint32 (n_manual));
  g_variant_builder_add (&builder, "{sv}", "expired_tests",
                         g_variant_new_strv ((const char *const *) expired_ids, -1));
  g_variant_builder_add (&builder, "{sv}", "expired_count",
                         g_variant_new_uint32 (g_strv_length (expired_ids)));
  g_variant_builder_add (&builder, "{sv}", "window", g_variant_new_uint32 (settings.window));
  g_variant_builder_add (&builder, "{sv}", "threshold", g_variant_new_uint32 (settings.threshold));
  g_variant_builder_add (&builder, "{sv}", "release_streak",
                         g_variant_new_uint32 (settings.release_streak));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* ---- quarantine_settings.json ---- */

/**
 * shoal_quarantine_manager_export_settings:
 * @self: a quarantine manager
 * @path: (type filename): the file to write, e.g. `quarantine_settings.json`
 * @error: return location for a #GError
 *
 * Writes this manager's settings and every entry of the quarantine
 * (expired ones included) to @path in the format the class description
 * shows. The file is replaced atomically.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_quarantine_manager_export_settings (ShoalQuarantineManager *self,
                                          const char *path,
                                          GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *generated = NULL;
  g_autofree char *text = NULL;
  Settings settings;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  settings = get_settings (self);
  entries = read_entries (self, 0);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_string_value (builder, SETTINGS_SCHEMA);
  json_builder_set_member_name (builder, "settings");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "window");
  json_builder_add_int_value (builder, settings.window);
  json_builder_set_member_name (builder, "threshold");
  json_builder_add_int_value (builder, settings.threshold);
  json_builder_set_member_name (builder, "release_streak");
  json_builder_add_int_value (builder, settings.release_streak);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      g_autofree char *added = shoal_format_timestamp (entry->added);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "test_id");
      json_builder_add_string_value (builder, entry->test_id);
      json_builder_set_member_name (builder, "reason");
      json_builder_add_string_value (builder, entry->reason);
      json_builder_set_member_name (builder, "owner");
      if (entry->owner != NULL)
        json_builder_add_string_value (builder, entry->owner);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "expires");
      if (entry->expires != NULL)
        json_builder_add_string_value (builder, entry->expires);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "added");
      if (added != NULL)
        json_builder_add_string_value (builder, added);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, entry->source);
      json_builder_set_member_name (builder, "clean_streak");
      json_builder_add_int_value (builder, entry->clean_streak);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  generated = json_generator_to_data (generator, NULL);
  /* A file people keep in version control ends with a newline. */
  text = g_strconcat (generated, "\n", NULL);
  if (!g_file_set_contents (path, text, -1, &local_error))
    {
      g_set_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_IO,
                   "exporting the quarantine: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_error (GError **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
parse_error (GError **error,
             const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_PARSE, message);
  return FALSE;
}

static gboolean
node_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
node_is_integer (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

/* Any member of @obj not in @known is an error at @where. */
static gboolean
check_members (JsonObject *obj,
               const char *const *known,
               const char *path,
               const char *where,
               GError **error)
{
  g_autoptr (GList) members = json_object_get_members (obj);

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      return parse_error (error, "%s: %s: unknown member \"%s\"", path, where, (const char *) l->data);
  return TRUE;
}

typedef struct
{
  gboolean present;
  guint value;
} ParsedSetting;

/* Check one entry of the file and turn it into an Entry (owning copies). */
static gboolean
parse_entry (JsonNode *node,
             const char *path,
             guint index,
             GHashTable *seen,
             Entry *entry,
             GError **error)
{
  static const char *const known[] = {
    "test_id", "reason", "owner", "expires", "added", "source", "clean_streak", NULL
  };
  g_autofree char *where = g_strdup_printf ("entries[%u]", index);
  JsonObject *obj;
  JsonNode *member;

  memset (entry, 0, sizeof *entry);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return parse_error (error, "%s: %s: must be an object", path, where);
  obj = json_node_get_object (node);
  if (!check_members (obj, known, path, where, error))
    return FALSE;

  member = json_object_get_member (obj, "test_id");
  if (member == NULL || !node_is_string (member) || *json_node_get_string (member) == '\0')
    return parse_error (error, "%s: %s.test_id: must be a non-empty string", path, where);
  entry->test_id = g_strdup (json_node_get_string (member));
  if (g_hash_table_contains (seen, entry->test_id))
    return parse_error (error, "%s: %s.test_id: \"%s\" is listed twice", path, where, entry->test_id);
  g_hash_table_add (seen, entry->test_id);

  member = json_object_get_member (obj, "reason");
  if (member == NULL || !node_is_string (member) || *json_node_get_string (member) == '\0')
    return parse_error (error, "%s: %s.reason: must be a non-empty string", path, where);
  entry->reason = g_strdup (json_node_get_string (member));

  member = json_object_get_member (obj, "owner");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!node_is_string (member))
        return parse_error (error, "%s: %s.owner: must be a string or null", path, where);
      entry->owner = g_strdup (json_node_get_string (member));
    }

  member = json_object_get_member (obj, "expires");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!node_is_string (member) || !is_valid_day (json_node_get_string (member)))
        return parse_error (error, "%s: %s.expires: must be a date written YYYY-MM-DD, or null", path, where);
      entry->expires = g_strdup (json_node_get_string (member));
    }

  entry->added = g_get_real_time ();
  member = json_object_get_member (obj, "added");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      g_autoptr (GDateTime) when = NULL;

      if (node_is_string (member))
        when = g_date_time_new_from_iso8601 (json_node_get_string (member), NULL);
      if (when == NULL)
        return parse_error (error, "%s: %s.added: must be an ISO 8601 time with a zone, or null", path, where);
      entry->added = g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
    }

  member = json_object_get_member (obj, "source");
  entry->source = g_strdup ("manual");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      const char *source = node_is_string (member) ? json_node_get_string (member) : NULL;

      if (g_strcmp0 (source, "manual") != 0 && g_strcmp0 (source, "auto") != 0)
        return parse_error (error, "%s: %s.source: must be \"manual\" or \"auto\"", path, where);
      g_free (entry->source);
      entry->source = g_strdup (source);
    }

  member = json_object_get_member (obj, "clean_streak");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      if (!node_is_integer (member) || json_node_get_int (member) < 0 ||
          json_node_get_int (member) > G_MAXUINT)
        return parse_error (error, "%s: %s.clean_streak: must be an integer, 0 or more", path, where);
      entry->clean_streak = (guint) json_node_get_int (member);
    }
  return TRUE;
}

static gboolean
parse_settings (JsonNode *node,
                const char *path,
                ParsedSetting parsed[3],
                GError **error)
{
  static const char *const known[] = { "window", "threshold", "release_streak", NULL };
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return parse_error (error, "%s: settings: must be an object", path);
  obj = json_node_get_object (node);
  if (!check_members (obj, known, path, "settings", error))
    return FALSE;
  for (guint i = 0; known[i] != NULL; i++)
    {
      JsonNode *member = json_object_get_member (obj, known[i]);

      parsed[i].present = FALSE;
      if (member == NULL || JSON_NODE_HOLDS_NULL (member))
        continue;
      if (!node_is_integer (member) || json_node_get_int (member) < 1 ||
          json_node_get_int (member) > MAX_SETTING)
        return parse_error (error, "%s: settings.%s: must be an integer from 1 to %d", path, known[i],
                            MAX_SETTING);
      parsed[i].present = TRUE;
      parsed[i].value = (guint) json_node_get_int (member);
    }
  return TRUE;
}

static int
write_entry (sqlite3 *db,
             const Entry *entry)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db,
                               "INSERT OR REPLACE INTO quarantine (test_id, reason, owner, expires, added,"
                               " source, clean_streak) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                               -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_text (stmt, 1, entry->test_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, entry->reason, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, entry->owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, entry->expires, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, entry->added);
  sqlite3_bind_text (stmt, 6, entry->source, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 7, entry->clean_streak);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/**
 * shoal_quarantine_manager_import_settings:
 * @self: a quarantine manager
 * @path: (type filename): a quarantine settings file, e.g. one written by
 *   [method@Shoal.QuarantineManager.export_settings]
 * @error: return location for a #GError
 *
 * Reads @path (the format is in the class description) and merges it into
 * the database: each entry of the file replaces the entry of its test, if
 * any, and entries of other tests stay; the settings the file gives are
 * stored (they are what the next manager made on this database starts
 * with) and applied to this manager.
 *
 * It is all or nothing: the whole file is read and checked first, and the
 * writes are one transaction. A file that is not JSON fails with
 * %SHOAL_QUARANTINE_ERROR_PARSE naming `FILE:LINE:COLUMN`; a file that is
 * JSON but not valid settings fails naming the member, e.g.
 * `FILE: entries[2].owner: must be a string or null`. On any failure the
 * database and the manager are left as they were.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_quarantine_manager_import_settings (ShoalQuarantineManager *self,
                                          const char *path,
                                          GError **error)
{
  static const char *const known[] = { "schema", "settings", "entries", NULL };
  static const char *const setting_keys[] = { "window", "threshold", "release_streak" };
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  ParsedSetting parsed[3] = { { FALSE, 0 } };
  JsonNode *root, *member;
  JsonObject *obj;
  sqlite3 *db;
  int rc;

  g_return_val_if_fail (SHOAL_IS_QUARANTINE_MANAGER (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!json_parser_load_from_file (parser, path, &local_error))
    {
      /* json-glib's parse errors start with FILE:LINE:COLUMN already. */
      int code = local_error->domain == G_FILE_ERROR ? SHOAL_QUARANTINE_ERROR_IO
                                                     : SHOAL_QUARANTINE_ERROR_PARSE;
      g_set_error_literal (error, SHOAL_QUARANTINE_ERROR, code, local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return parse_error (error, "%s: not quarantine settings (expected a JSON object)", path);
  obj = json_node_get_object (root);
  if (!check_members (obj, known, path, "the top level", error))
    return FALSE;
  member = json_object_get_member (obj, "schema");
  if (member != NULL &&
      (!node_is_string (member) || g_strcmp0 (json_node_get_string (member), SETTINGS_SCHEMA) != 0))
    return parse_error (error, "%s: schema: must be \"%s\"", path, SETTINGS_SCHEMA);
  member = json_object_get_member (obj, "settings");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member) && !parse_settings (member, path, parsed, error))
    return FALSE;

  entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  member = json_object_get_member (obj, "entries");
  if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (member))
        return parse_error (error, "%s: entries: must be an array", path);
      array = json_node_get_array (member);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          Entry entry;
          gboolean ok = parse_entry (json_array_get_element (array, i), path, i, seen, &entry, error);

          /* Appended even when it failed, so that the array frees it. */
          g_array_append_val (entries, entry);
          if (!ok)
            return FALSE;
        }
    }

  /* Checked: now write it all, or nothing. */
  db = _shoal_history_lock_db (self->history);
  if ((rc = sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  for (guint i = 0; i < entries->len; i++)
    if ((rc = write_entry (db, &g_array_index (entries, Entry, i))) != SQLITE_OK)
      goto fail;
  for (guint i = 0; i < G_N_ELEMENTS (setting_keys); i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", parsed[i].value);
      const char *params[] = { setting_keys[i], value };

      if (parsed[i].present &&
          (rc = exec_text (db,
                           "INSERT OR REPLACE INTO quarantine_settings (key, value)"
                           " VALUES (?1, CAST (?2 AS INTEGER))",
                           2, params)) != SQLITE_OK)
        goto fail;
    }
  if ((rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    goto fail;
  _shoal_history_unlock_db (self->history);

  if (parsed[0].present)
    shoal_quarantine_manager_set_window (self, parsed[0].value);
  if (parsed[1].present)
    shoal_quarantine_manager_set_threshold (self, parsed[1].value);
  if (parsed[2].present)
    shoal_quarantine_manager_set_release_streak (self, parsed[2].value);
  return TRUE;

fail:
  _shoal_history_set_sqlite_error (self->history, error, rc, "importing the quarantine");
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  _shoal_history_unlock_db (self->history);
  return FALSE;
}
