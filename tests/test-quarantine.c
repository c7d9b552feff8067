/* test-quarantine.c: flaky-test detection and the quarantine life cycle,
 * on histories of synthetic runs
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
  ShoalHistory *history;
  ShoalQuarantineManager *manager;
  guint next_run; /* runs get increasing start times */
} Fixture;

static void
fixture_set_up (Fixture *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("shoal-quarantine-XXXXXX", &error);
  g_assert_no_error (error);
  f->db_path = g_build_filename (f->dir, ".shoal", "history.db", NULL);
  f->history = shoal_history_open (f->db_path, &error);
  g_assert_no_error (error);
  f->manager = shoal_quarantine_manager_new (f->history);
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
  g_clear_object (&f->manager);
  g_clear_object (&f->history);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->db_path);
}

/* Records one run of @test_id: one attempt per character of @attempts,
 * 'P' passed, 'F' failed, 'T' timeout, 'S' skipped, 'E' error. "FP" is a
 * test that failed its first attempt and passed its retry. Returns the
 * run id (owned by the fixture's counter, so only valid until the next
 * call: copy it). */
static const char *
record_run (Fixture *f,
            const char *test_id,
            const char *attempts)
{
  static char run_id[32];
  guint run = f->next_run++;

  g_snprintf (run_id, sizeof run_id, "run-%04u", run);
  for (guint i = 0; attempts[i] != '\0'; i++)
    {
      ShoalOutcome outcome;
      g_autoptr (ShoalTestResult) result = NULL;
      g_autoptr (GError) error = NULL;
      gint64 start = T0 + (gint64) run * G_USEC_PER_SEC + (gint64) i * 1000;

      switch (attempts[i])
        {
        case 'P':
          outcome = SHOAL_OUTCOME_PASSED;
          break;
        case 'F':
          outcome = SHOAL_OUTCOME_FAILED;
          break;
        case 'T':
          outcome = SHOAL_OUTCOME_TIMEOUT;
          break;
        case 'S':
          outcome = SHOAL_OUTCOME_SKIPPED;
          break;
        case 'E':
          outcome = SHOAL_OUTCOME_ERROR;
          break;
        default:
          g_assert_not_reached ();
        }
      result = shoal_test_result_new (test_id, outcome);
      shoal_test_result_set_attempt (result, i + 1);
      shoal_test_result_set_duration (result, 0.01);
      shoal_test_result_set_times (result, start, start + 500);
      g_assert_true (shoal_history_record (f->history, run_id, "host1", result, -1, &error));
      g_assert_no_error (error);
    }
  return run_id;
}

/* Records one run per word of @runs ("P F FP P" is four runs). */
static void
record_runs (Fixture *f,
             const char *test_id,
             const char *runs)
{
  g_auto (GStrv) words = g_strsplit (runs, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      record_run (f, test_id, words[i]);
}

static guint
update (Fixture *f,
        const char *run_id)
{
  g_autoptr (GError) error = NULL;
  guint changed = shoal_quarantine_manager_update (f->manager, run_id, &error);

  g_assert_no_error (error);
  return changed;
}

/* The list entry of @test_id, or NULL. */
static GVariant *
lookup_entry (Fixture *f,
              const char *test_id)
{
  g_autoptr (GVariant) list = shoal_quarantine_manager_list (f->manager);
  GVariantIter iter;
  GVariant *entry;

  g_assert_true (g_variant_is_of_type (list, G_VARIANT_TYPE ("aa{sv}")));
  g_variant_iter_init (&iter, list);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *id = NULL;

      g_assert_true (g_variant_lookup (entry, "test_id", "&s", &id));
      if (g_str_equal (id, test_id))
        return entry;
      g_variant_unref (entry);
    }
  return NULL;
}

static char *
entry_string (GVariant *entry,
              const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (entry, key, "&s", &value))
    return NULL;
  return g_strdup (value);
}

static void
test_flakiness (Fixture *f,
                gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;

  /* Fails its first attempt and passes its retry, every run. */
  record_runs (f, "q::retry", "FP FP FP FP");
  /* Fails every other run. */
  record_runs (f, "q::alternate", "P F P F P F P F P F");
  record_runs (f, "q::stable", "P P P P P P P P P P");
  record_runs (f, "q::broken", "F F F F F F F F F F");
  record_runs (f, "q::once", "P P F P P");
  /* Skipped and errored runs are not counted: still stable. */
  record_runs (f, "q::skips", "P S P E P SS P");
  /* A timeout is a failure; a timeout then a pass is flaky. */
  record_runs (f, "q::timeouts", "P TP P");

  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::retry"), 1.0, 1e-9);
  /* 10 runs, 9 of them end the other way from the run before. */
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::alternate"), 0.9, 1e-9);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::stable"), 0.0, 1e-9);
  /* Always failing is broken, not flaky. */
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::broken"), 0.0, 1e-9);
  /* The failure and the pass after it: 2 of 5. */
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::once"), 0.4, 1e-9);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::skips"), 0.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::timeouts"), 1.0 / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::never-ran"), 0.0, 1e-9);

  /* The window: only the last 4 runs (P F P F) count, 3 of them flips. */
  shoal_quarantine_manager_set_window (m, 4);
  g_assert_cmpuint (shoal_quarantine_manager_get_window (m), ==, 4);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::alternate"), 0.75, 1e-9);
  /* The failure of q::once (third of five) is outside the last 2 runs. */
  shoal_quarantine_manager_set_window (m, 2);
  g_assert_cmpfloat_with_epsilon (shoal_quarantine_manager_get_flakiness (m, "q::once"), 0.0, 1e-9);

  /* Detection quarantines nothing by itself. */
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::retry"));
}

static void
test_threshold (Fixture *f,
                gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;
  g_autoptr (GVariant) entry = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *source = NULL;
  g_autofree char *run_id = NULL;

  g_assert_cmpuint (shoal_quarantine_manager_get_threshold (m), ==, 3);
  g_assert_cmpuint (shoal_quarantine_manager_get_window (m), ==, 10);
  g_assert_cmpuint (shoal_quarantine_manager_get_release_streak (m), ==, 5);

  /* Two bad runs (one flaky, one failed): below the threshold. */
  record_runs (f, "q::t", "P FP P");
  run_id = g_strdup (record_run (f, "q::t", "F"));
  g_assert_cmpuint (update (f, run_id), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::t"));

  /* The third reaches it. */
  g_free (run_id);
  run_id = g_strdup (record_run (f, "q::t", "FP"));
  g_assert_cmpuint (update (f, run_id), ==, 1);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::t"));
  entry = lookup_entry (f, "q::t");
  g_assert_nonnull (entry);
  source = entry_string (entry, "source");
  g_assert_cmpstr (source, ==, "auto");
  reason = entry_string (entry, "reason");
  g_assert_cmpstr (reason, ==, "2 flaky and 1 failed of the last 5 runs (threshold 3)");
  /* Updating again changes nothing. */
  g_assert_cmpuint (update (f, run_id), ==, 0);
  g_assert_cmpuint (update (f, NULL), ==, 0);

  /* update (run) looks only at that run's tests; update (NULL) at all. */
  record_runs (f, "q::other", "F F F");
  g_free (run_id);
  run_id = g_strdup (record_run (f, "q::unrelated", "P"));
  g_assert_cmpuint (update (f, run_id), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::other"));
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::other"));

  /* A higher threshold: 3 bad runs are not enough. */
  shoal_quarantine_manager_set_threshold (m, 4);
  record_runs (f, "q::high", "F F F");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::high"));
  record_runs (f, "q::high", "F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::high"));

  /* Bad runs older than the window do not count. */
  shoal_quarantine_manager_set_threshold (m, 2);
  shoal_quarantine_manager_set_window (m, 3);
  record_runs (f, "q::old", "F F P P P");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::old"));
}

static void
test_release (Fixture *f,
              gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;
  g_autoptr (GVariant) entry = NULL;
  g_autoptr (GError) error = NULL;
  guint32 streak = 0;

  record_runs (f, "q::r", "F FP F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::r"));

  /* Four clean passes, then a flaky run: the streak starts again. */
  record_runs (f, "q::r", "P P P P");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  entry = lookup_entry (f, "q::r");
  g_assert_true (g_variant_lookup (entry, "clean_streak", "u", &streak));
  g_assert_cmpuint (streak, ==, 4);
  g_clear_pointer (&entry, g_variant_unref);
  record_runs (f, "q::r", "FP");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  record_runs (f, "q::r", "P P P P");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::r"));

  /* The fifth clean pass in a row releases it. */
  record_runs (f, "q::r", "P");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::r"));
  g_assert_null (lookup_entry (f, "q::r"));

  /* The bad runs before the release (4 inside the window) do not count
   * again; it takes 3 new ones. */
  record_runs (f, "q::r", "F F");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::r"));
  record_runs (f, "q::r", "FP");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::r"));

  /* A shorter release streak, set on the manager. */
  shoal_quarantine_manager_set_release_streak (m, 2);
  record_runs (f, "q::r", "P P");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::r"));

  /* Manual entries are not released by a streak. */
  g_assert_true (shoal_quarantine_manager_add (m, "q::manual", "crashes the X server", "ana", NULL, &error));
  g_assert_no_error (error);
  record_runs (f, "q::manual", "P P P P P P");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::manual"));
  entry = lookup_entry (f, "q::manual");
  g_assert_true (g_variant_lookup (entry, "clean_streak", "u", &streak));
  g_assert_cmpuint (streak, ==, 6);

  /* Removing an automatic entry by hand also starts the count again. */
  shoal_quarantine_manager_set_release_streak (m, 5);
  record_runs (f, "q::gone", "F F F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_remove (m, "q::gone", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::gone"));

  /* A test that has recovered already is not quarantined for old sins. */
  record_runs (f, "q::recovered", "F F F P P P P P");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::recovered"));
}

static void
test_manual (Fixture *f,
             gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) entry = NULL;
  g_autoptr (GVariant) status = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%Y-%m-%d");
  g_auto (GStrv) expired = NULL;
  g_auto (GStrv) quarantined = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *expires = NULL;
  gboolean is_expired = TRUE;
  guint32 count = 0;
  const char *const bad_days[] = { "2025-02-30", "tomorrow", "2025-1-01", "2025-13-01", "", "2025-01-01x" };

  g_assert_true (shoal_quarantine_manager_add (m, "q::past", "waiting for a fix", "bob", "2000-01-01", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_quarantine_manager_add (m, "q::future", "flaky on arm", NULL, "2999-12-31", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_quarantine_manager_add (m, "q::today", "last day", NULL, today, &error));
  g_assert_no_error (error);
  g_assert_true (shoal_quarantine_manager_add (m, "q::forever", "no end", NULL, NULL, &error));
  g_assert_no_error (error);

  /* Expired: kept, reported, not quarantined. */
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::past"));
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::future"));
  /* The expiry day itself still counts. */
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::today"));
  g_assert_true (shoal_quarantine_manager_is_quarantined (m, "q::forever"));
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::nothing"));

  entry = lookup_entry (f, "q::past");
  g_assert_nonnull (entry);
  g_assert_true (g_variant_lookup (entry, "expired", "b", &is_expired));
  g_assert_true (is_expired);
  owner = entry_string (entry, "owner");
  g_assert_cmpstr (owner, ==, "bob");
  expires = entry_string (entry, "expires");
  g_assert_cmpstr (expires, ==, "2000-01-01");
  g_clear_pointer (&entry, g_variant_unref);
  entry = lookup_entry (f, "q::future");
  g_assert_true (g_variant_lookup (entry, "expired", "b", &is_expired));
  g_assert_false (is_expired);
  /* No owner: no key. */
  g_assert_false (g_variant_lookup (entry, "owner", "&s", NULL));

  expired = shoal_quarantine_manager_get_expired (m);
  g_assert_cmpstrv (expired, ((const char *const[]){ "q::past", NULL }));

  status = shoal_quarantine_manager_get_status (m);
  g_assert_true (g_variant_is_of_type (status, G_VARIANT_TYPE_VARDICT));
  g_assert_true (g_variant_lookup (status, "quarantined_tests", "^as", &quarantined));
  g_assert_cmpstrv (quarantined, ((const char *const[]){ "q::forever", "q::future", "q::today", NULL }));
  g_assert_true (g_variant_lookup (status, "quarantined_count", "u", &count));
  g_assert_cmpuint (count, ==, 3);
  g_assert_true (g_variant_lookup (status, "manual_count", "u", &count));
  g_assert_cmpuint (count, ==, 3);
  g_assert_true (g_variant_lookup (status, "auto_count", "u", &count));
  g_assert_cmpuint (count, ==, 0);
  g_assert_true (g_variant_lookup (status, "expired_count", "u", &count));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (g_variant_lookup (status, "threshold", "u", &count));
  g_assert_cmpuint (count, ==, 3);

  /* An expired entry is not replaced by automatic quarantine. */
  record_runs (f, "q::past", "F F F");
  g_assert_cmpuint (update (f, NULL), ==, 0);
  g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::past"));

  /* Bad arguments. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_days); i++)
    {
      g_assert_false (shoal_quarantine_manager_add (m, "q::bad", "r", NULL, bad_days[i], &error));
      g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_false (shoal_quarantine_manager_add (m, "q::bad", "", NULL, NULL, &error));
  g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (shoal_quarantine_manager_add (m, "", "r", NULL, NULL, &error));
  g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (lookup_entry (f, "q::bad"));

  /* Removal. */
  g_assert_false (shoal_quarantine_manager_remove (m, "q::nothing", &error));
  g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (shoal_quarantine_manager_remove (m, "q::past", &error));
  g_assert_no_error (error);
  g_assert_null (lookup_entry (f, "q::past"));
  g_clear_pointer (&expired, g_strfreev);
  expired = shoal_quarantine_manager_get_expired (m);
  g_assert_cmpuint (g_strv_length (expired), ==, 0);

  /* Adding again replaces, and makes an automatic entry manual. */
  record_runs (f, "q::auto", "F F F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_add (m, "q::auto", "keep it", "cy", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&entry, g_variant_unref);
  entry = lookup_entry (f, "q::auto");
  g_clear_pointer (&owner, g_free);
  owner = entry_string (entry, "source");
  g_assert_cmpstr (owner, ==, "manual");
}

static char *
read_text (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
write_text (const char *path,
            const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
}

static void
test_export_import (Fixture *f,
                    gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;
  g_autoptr (GError) error = NULL;
  g_autofree char *exported = g_build_filename (f->dir, "quarantine_settings.json", NULL);
  g_autofree char *again = g_build_filename (f->dir, "again.json", NULL);
  g_autofree char *other_db = g_build_filename (f->dir, "other", "history.db", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (ShoalHistory) other_history = NULL;
  g_autoptr (ShoalQuarantineManager) other = NULL;
  g_autoptr (ShoalQuarantineManager) reopened = NULL;
  g_autoptr (GVariant) list = NULL;
  g_autoptr (GVariant) other_list = NULL;

  record_runs (f, "q::auto", "F FP F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_add (m, "q::manual", "needs a GPU", "ana", "2999-01-31", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_quarantine_manager_add (m, "q::expired", "old \"quoted\" reason", NULL,
                                               "2001-02-03", &error));
  g_assert_no_error (error);
  shoal_quarantine_manager_set_window (m, 7);
  shoal_quarantine_manager_set_threshold (m, 2);
  shoal_quarantine_manager_set_release_streak (m, 4);

  g_assert_true (shoal_quarantine_manager_export_settings (m, exported, &error));
  g_assert_no_error (error);

  /* Into a fresh database. */
  other_history = shoal_history_open (other_db, &error);
  g_assert_no_error (error);
  other = shoal_quarantine_manager_new (other_history);
  g_assert_cmpuint (shoal_quarantine_manager_get_window (other), ==, 10);
  g_assert_true (shoal_quarantine_manager_import_settings (other, exported, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_quarantine_manager_get_window (other), ==, 7);
  g_assert_cmpuint (shoal_quarantine_manager_get_threshold (other), ==, 2);
  g_assert_cmpuint (shoal_quarantine_manager_get_release_streak (other), ==, 4);
  g_assert_true (shoal_quarantine_manager_is_quarantined (other, "q::auto"));
  g_assert_true (shoal_quarantine_manager_is_quarantined (other, "q::manual"));
  g_assert_false (shoal_quarantine_manager_is_quarantined (other, "q::expired"));

  /* Every field survives: the second export is the first, byte for byte
   * (flakiness is not exported; it comes from each database's history). */
  g_assert_true (shoal_quarantine_manager_export_settings (other, again, &error));
  g_assert_no_error (error);
  first = read_text (exported);
  second = read_text (again);
  g_assert_cmpstr (first, ==, second);
  g_assert_nonnull (strstr (first, "\"schema\" : \"shoal-quarantine/1\""));

  /* The settings were stored: a new manager on the database has them. */
  reopened = shoal_quarantine_manager_new (other_history);
  g_assert_cmpuint (shoal_quarantine_manager_get_window (reopened), ==, 7);
  g_assert_cmpuint (shoal_quarantine_manager_get_threshold (reopened), ==, 2);

  /* Importing twice changes nothing. */
  g_assert_true (shoal_quarantine_manager_import_settings (other, exported, &error));
  g_assert_no_error (error);
  list = shoal_quarantine_manager_list (other);
  g_assert_cmpuint (g_variant_n_children (list), ==, 3);

  /* A hand-written file: defaults for what it leaves out, merged with the
   * entries already there. */
  write_text (again, "{\"entries\": [{\"test_id\": \"q::hand\", \"reason\": \"r\"}]}");
  g_assert_true (shoal_quarantine_manager_import_settings (other, again, &error));
  g_assert_no_error (error);
  other_list = shoal_quarantine_manager_list (other);
  g_assert_cmpuint (g_variant_n_children (other_list), ==, 4);
  g_assert_true (shoal_quarantine_manager_is_quarantined (other, "q::hand"));
  g_assert_cmpuint (shoal_quarantine_manager_get_window (other), ==, 7);
}

typedef struct
{
  const char *name;
  const char *text;
  const char *expected; /* a regex the message must match */
} CorruptCase;

static void
test_import_corrupt (Fixture *f,
                     gconstpointer data)
{
  ShoalQuarantineManager *m = f->manager;
  g_autoptr (GError) error = NULL;
  g_autofree char *before_path = g_build_filename (f->dir, "before.json", NULL);
  g_autofree char *after_path = g_build_filename (f->dir, "after.json", NULL);
  g_autofree char *before = NULL;
  static const CorruptCase cases[] = {
    { "truncated",
      "{\n  \"settings\": {\"window\": 4},\n  \"entries\": [\n"
      "    {\"test_id\": \"q::new\", \"reason\": \"r\"},\n    {\"test_id\": \"q::",
      "truncated\\.json:[0-9]+:[0-9]+" },
    { "wrong-type-entry-2",
      "{\"settings\": {\"window\": 4, \"threshold\": 1},\n \"entries\": [\n"
      "  {\"test_id\": \"q::new0\", \"reason\": \"r\"},\n"
      "  {\"test_id\": \"q::new1\", \"reason\": \"r\", \"owner\": \"x\"},\n"
      "  {\"test_id\": \"q::new2\", \"reason\": \"r\", \"owner\": 42}]}\n",
      "wrong-type-entry-2\\.json: entries\\[2\\]\\.owner: must be a string or null" },
    { "bad-date",
      "{\"entries\": [{\"test_id\": \"q::new0\", \"reason\": \"r\"},"
      " {\"test_id\": \"q::new1\", \"reason\": \"r\", \"expires\": \"2025-02-30\"}]}",
      "entries\\[1\\]\\.expires: must be a date" },
    { "missing-reason",
      "{\"entries\": [{\"test_id\": \"q::new0\"}]}",
      "entries\\[0\\]\\.reason" },
    { "duplicate",
      "{\"entries\": [{\"test_id\": \"q::new0\", \"reason\": \"r\"},"
      " {\"test_id\": \"q::new0\", \"reason\": \"s\"}]}",
      "entries\\[1\\]\\.test_id: \"q::new0\" is listed twice" },
    { "bad-setting",
      "{\"settings\": {\"window\": 0}, \"entries\": [{\"test_id\": \"q::new0\", \"reason\": \"r\"}]}",
      "settings\\.window: must be an integer from 1" },
    { "unknown-member",
      "{\"entries\": [{\"test_id\": \"q::new0\", \"reason\": \"r\", \"ownr\": \"typo\"}]}",
      "entries\\[0\\]: unknown member \"ownr\"" },
    { "not-an-object", "[1, 2]", "expected a JSON object" },
    { "bad-source",
      "{\"entries\": [{\"test_id\": \"q::new0\", \"reason\": \"r\", \"source\": \"robot\"}]}",
      "entries\\[0\\]\\.source" },
  };

  /* Some state to keep. */
  record_runs (f, "q::auto", "F F F");
  g_assert_cmpuint (update (f, NULL), ==, 1);
  g_assert_true (shoal_quarantine_manager_add (m, "q::manual", "reason", "ana", "2999-01-01", &error));
  g_assert_no_error (error);
  g_assert_true (shoal_quarantine_manager_export_settings (m, before_path, &error));
  g_assert_no_error (error);
  before = read_text (before_path);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strconcat (cases[i].name, ".json", NULL);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_autofree char *after = NULL;
      g_autoptr (ShoalQuarantineManager) fresh = NULL;

      g_test_message ("case %s", cases[i].name);
      write_text (path, cases[i].text);
      g_assert_false (shoal_quarantine_manager_import_settings (m, path, &error));
      g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_PARSE);
      g_test_message ("  %s", error->message);
      g_assert_true (g_regex_match_simple (cases[i].expected, error->message, 0, 0));
      g_clear_error (&error);

      /* Nothing changed: not the entries, not the settings of this
       * manager, not the stored ones a new manager reads. */
      g_assert_true (shoal_quarantine_manager_export_settings (m, after_path, &error));
      g_assert_no_error (error);
      after = read_text (after_path);
      g_assert_cmpstr (after, ==, before);
      g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::new"));
      g_assert_false (shoal_quarantine_manager_is_quarantined (m, "q::new0"));
      fresh = shoal_quarantine_manager_new (f->history);
      g_assert_cmpuint (shoal_quarantine_manager_get_window (fresh), ==, 10);
      g_assert_cmpuint (shoal_quarantine_manager_get_threshold (fresh), ==, 3);
    }

  /* A missing file is an IO error. */
  g_assert_false (shoal_quarantine_manager_import_settings (m, "/nonexistent/quarantine_settings.json", &error));
  g_assert_error (error, SHOAL_QUARANTINE_ERROR, SHOAL_QUARANTINE_ERROR_IO);
}

typedef struct
{
  Fixture *f;
  guint index;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  ShoalQuarantineManager *m = worker->f->manager;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *id = g_strdup_printf ("q::w%u-%u", worker->index, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) status = NULL;

      g_assert_true (shoal_quarantine_manager_add (m, id, "concurrent", NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (shoal_quarantine_manager_is_quarantined (m, id));
      shoal_quarantine_manager_update (m, NULL, &error);
      g_assert_no_error (error);
      status = shoal_quarantine_manager_get_status (m);
      if (i % 2 == 0)
        {
          g_assert_true (shoal_quarantine_manager_remove (m, id, &error));
          g_assert_no_error (error);
        }
    }
  return NULL;
}

static void
test_threads (Fixture *f,
              gconstpointer data)
{
  Worker workers[4];
  GThread *threads[4];
  g_autoptr (GVariant) status = NULL;
  guint32 count = 0;

  record_runs (f, "q::shared", "P F P");
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      workers[i].f = f;
      workers[i].index = i;
      threads[i] = g_thread_new ("quarantine-worker", worker_thread, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  status = shoal_quarantine_manager_get_status (f->manager);
  g_assert_true (g_variant_lookup (status, "quarantined_count", "u", &count));
  g_assert_cmpuint (count, ==, 4 * 10);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_summary ("The quarantine manager: flakiness from the history, automatic quarantine "
                  "at the threshold, release after a streak of clean passes, manual entries "
                  "and their expiry, quarantine_settings.json export and all-or-nothing import");

#define ADD(path, func) \
  g_test_add ("/shoal/quarantine/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("flakiness", test_flakiness);
  ADD ("threshold", test_threshold);
  ADD ("release", test_release);
  ADD ("manual", test_manual);
  ADD ("export-import", test_export_import);
  ADD ("import-corrupt", test_import_corrupt);
  ADD ("threads", test_threads);
#undef ADD

  return g_test_run ();
}
