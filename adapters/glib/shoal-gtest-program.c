/* shoal-gtest-program.c: GLib test programs, case by case
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Running exactly one case, as GLib 2.74 does it (checked against the
 * fixture programs in tests/fixtures/adapters/):
 *
 * - `-p PATH` selects by whole path components: `-p /a/b` runs `/a/b` and
 *   every case below it (`/a/b/c`), never `/a/bc`. So to run `/a/b` alone,
 *   every listed case below it is also named with `-s` (skip the exact
 *   path); GLib still prints those as `ok N /a/b/c # SKIP by request`, and
 *   those points are not the case's.
 * - `-p` may be repeated; each runs its subtree in turn, in the order
 *   given, and GLib prints a cumulative plan (`1..N`) after each. A batch
 *   therefore passes one `-p` per case that no other case of the batch
 *   contains (else the contained case would run twice).
 * - `-x PREFIX` (skip by prefix) exists but matches plain string prefixes
 *   (`-x /a/b` also skips `/a/bc`), and GLib refuses to mix it with `-s`;
 *   so skipped prefixes are expanded over the listing into `-s` paths.
 * - `-k` (keep going): without it, GLib aborts the whole program after the
 *   first case that fails through g_test_fail() and the rest of a batch
 *   never runs. Failed assertions still abort; see
 *   shoal_gtest_interpret_cases().
 * - A failed assertion prints `Bail out! ERROR:file.c:12:func: ...` on
 *   standard output and aborts, with no point for the case; its
 *   g_test_message()s come before, as `# ` comments.
 * - g_test_skip() is `ok N /path # SKIP reason`, g_test_incomplete() is
 *   `not ok N /path # TODO reason`, g_test_fail_printf() is
 *   `not ok N /path - reason`.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "shoal-gtest-program.h"

#include "../tap/shoal-tap-results.h"

/**
 * shoal_gtest_program_new:
 * @path: the program file
 * @command: (nullable): what starts it, or %NULL for @path alone
 * @args: (nullable): arguments for every invocation
 *
 * Returns: (transfer full): a program, not listed yet
 */
ShoalGTestProgram *
shoal_gtest_program_new (const char *path, const char *const *command, const char *const *args)
{
  ShoalGTestProgram *program = g_new0 (ShoalGTestProgram, 1);

  program->path = g_strdup (path);
  if (command != NULL)
    program->command = g_strdupv ((char **) command);
  else
    program->command = g_strdupv ((char *[]){ (char *) path, NULL });
  program->args = g_strdupv ((char **) args);
  return program;
}

/**
 * shoal_gtest_program_free:
 * @program: (nullable): a program
 */
void
shoal_gtest_program_free (ShoalGTestProgram *program)
{
  if (program == NULL)
    return;
  g_free (program->path);
  g_strfreev (program->command);
  g_strfreev (program->args);
  g_clear_pointer (&program->listing, g_ptr_array_unref);
  g_clear_pointer (&program->sorted, g_ptr_array_unref);
  g_free (program);
}

/**
 * shoal_gtest_case_new:
 * @program: its program
 * @gtest_path: (nullable): its GTest path, %NULL for the whole program
 * @position: its index in the listing
 * @skipped: whether it is to be skipped
 *
 * Returns: (transfer full): a case
 */
ShoalGTestCase *
shoal_gtest_case_new (ShoalGTestProgram *program,
                      const char *gtest_path,
                      guint position,
                      gboolean skipped)
{
  ShoalGTestCase *gcase = g_new0 (ShoalGTestCase, 1);

  gcase->program = program;
  gcase->gtest_path = g_strdup (gtest_path);
  gcase->position = position;
  gcase->skipped = skipped;
  return gcase;
}

/**
 * shoal_gtest_case_free:
 * @gcase: (nullable): a case
 */
void
shoal_gtest_case_free (ShoalGTestCase *gcase)
{
  if (gcase == NULL)
    return;
  g_free (gcase->gtest_path);
  g_free (gcase);
}

static void
append_strv (GPtrArray *argv, char **strv)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (strv[i]));
}

/**
 * shoal_gtest_path_is_under:
 * @path: a GTest path
 * @prefix: a GTest path or prefix
 *
 * Whether @path is @prefix or below it, by whole components, as `-p`
 * selects; a prefix that ends in `/` only covers what is below it.
 *
 * Returns: %TRUE if @prefix covers @path
 */
gboolean
shoal_gtest_path_is_under (const char *path, const char *prefix)
{
  gsize n = strlen (prefix);

  if (strncmp (path, prefix, n) != 0)
    return FALSE;
  return path[n] == '\0' || path[n] == '/' || (n > 0 && prefix[n - 1] == '/');
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Calls @func for every listed path strictly below @root: they sort
 * together, right after `root/`. */
static void
foreach_descendant (ShoalGTestProgram *program,
                    const char *root,
                    void (*func) (const char *path, gpointer user_data),
                    gpointer user_data)
{
  g_autofree char *key = g_strconcat (root, "/", NULL);
  gsize key_len = strlen (key);
  guint low = 0;
  guint high = program->sorted->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (strcmp (g_ptr_array_index (program->sorted, middle), key) < 0)
        low = middle + 1;
      else
        high = middle;
    }
  for (guint i = low; i < program->sorted->len; i++)
    {
      const char *path = g_ptr_array_index (program->sorted, i);

      if (strncmp (path, key, key_len) != 0)
        break;
      func (path, user_data);
    }
}

typedef struct
{
  GHashTable *batch;   /* gtest path -> ShoalGTestCase */
  GHashTable *skipped; /* paths already named with -s */
  GPtrArray *argv;
} SkipCollector;

static void
collect_skip (const char *path, gpointer user_data)
{
  SkipCollector *collector = user_data;
  ShoalGTestCase *member = g_hash_table_lookup (collector->batch, path);

  /* A case below a selected one runs with it when it is in the batch and
   * not skipped by configuration; every other one is named with -s. */
  if (member != NULL && !member->skipped)
    return;
  if (!g_hash_table_add (collector->skipped, (gpointer) path))
    return;
  g_ptr_array_add (collector->argv, g_strdup ("-s"));
  g_ptr_array_add (collector->argv, g_strdup (path));
}

static int
compare_positions (gconstpointer a, gconstpointer b)
{
  const ShoalGTestCase *ca = *(ShoalGTestCase *const *) a;
  const ShoalGTestCase *cb = *(ShoalGTestCase *const *) b;

  return (ca->position > cb->position) - (ca->position < cb->position);
}

static gboolean
has_ancestor_in (const char *path, GHashTable *batch)
{
  g_autofree char *prefix = g_strdup (path);

  for (char *slash = strrchr (prefix, '/'); slash != NULL && slash > prefix;
       slash = strrchr (prefix, '/'))
    {
      *slash = '\0';
      if (g_hash_table_contains (batch, prefix))
        return TRUE;
    }
  return FALSE;
}

/**
 * shoal_gtest_build_cases_argv:
 * @cases: (element-type ShoalGTestCase): cases of one listed program
 * @out_order: (out) (optional) (transfer container) (element-type ShoalGTestCase):
 *   the order GLib will run them in
 *
 * The command that runs exactly @cases: the program's command, `--tap -k`,
 * one `-p` per case no other case of the batch contains, in listing order
 * (each running its subtree in listing order), `-s` for every listed case
 * below those that is not in the batch or is to be skipped, then the
 * program's arguments. See the top of the file for why the -s and -k.
 *
 * Returns: (transfer full): the argument vector
 */
GStrv
shoal_gtest_build_cases_argv (GPtrArray *cases, GPtrArray **out_order)
{
  ShoalGTestProgram *program = ((ShoalGTestCase *) g_ptr_array_index (cases, 0))->program;
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (cases->len);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  g_autoptr (GPtrArray) roots = g_ptr_array_new ();
  g_autoptr (GHashTable) batch = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) skipped = g_hash_table_new (g_str_hash, g_str_equal);
  SkipCollector collector = { batch, skipped, argv };

  g_ptr_array_extend (sorted, cases, NULL, NULL);
  g_ptr_array_sort (sorted, compare_positions);
  for (guint i = 0; i < sorted->len; i++)
    {
      ShoalGTestCase *gcase = g_ptr_array_index (sorted, i);

      g_hash_table_insert (batch, gcase->gtest_path, gcase);
    }
  for (guint i = 0; i < sorted->len; i++)
    {
      ShoalGTestCase *gcase = g_ptr_array_index (sorted, i);

      if (!has_ancestor_in (gcase->gtest_path, batch))
        g_ptr_array_add (roots, gcase);
    }

  append_strv (argv, program->command);
  g_ptr_array_add (argv, g_strdup ("--tap"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  for (guint i = 0; i < roots->len; i++)
    {
      ShoalGTestCase *root = g_ptr_array_index (roots, i);

      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup (root->gtest_path));
    }
  for (guint i = 0; i < roots->len; i++)
    {
      ShoalGTestCase *root = g_ptr_array_index (roots, i);

      if (root->skipped)
        collect_skip (root->gtest_path, &collector);
      foreach_descendant (program, root->gtest_path, collect_skip, &collector);

      for (guint j = 0; j < sorted->len; j++)
        {
          ShoalGTestCase *gcase = g_ptr_array_index (sorted, j);

          if (shoal_gtest_path_is_under (gcase->gtest_path, root->gtest_path))
            g_ptr_array_add (order, gcase);
        }
    }
  append_strv (argv, program->args);

  if (out_order != NULL)
    *out_order = g_steal_pointer (&order);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/**
 * shoal_gtest_program_list:
 * @program: a program
 * @cwd: (nullable): the directory to run it in
 * @environment: (nullable): `NAME=VALUE` entries added to the inherited
 *   environment
 * @timeout: seconds `-l` may take
 * @cancellable: (nullable): a #GCancellable
 * @out_note: (out) (transfer full) (nullable): why the program is to run
 *   as a whole, or %NULL when it was listed
 * @error: return location for a #GError
 *
 * Runs `PROGRAM -l` and keeps the GTest paths it prints in
 * @program->listing. A program that starts but cannot list (it fails,
 * crashes, times out or lists nothing) is not an error: it is to run as a
 * whole, and @out_note says why.
 *
 * Returns: %FALSE only for errors that running the program would meet too
 *   (it cannot be started) or a cancellation
 */
gboolean
shoal_gtest_program_list (ShoalGTestProgram *program,
                          const char *cwd,
                          const char *const *environment,
                          double timeout,
                          GCancellable *cancellable,
                          char **out_note,
                          GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  g_autoptr (GPtrArray) listing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) lines = NULL;
  int wait_status = 0;

  *out_note = NULL;
  append_strv (argv, program->command);
  g_ptr_array_add (argv, g_strdup ("-l"));
  append_strv (argv, program->args);

  if (!shoal_spawn_capture ((const char *const *) argv->pdata, cwd, environment, timeout, &out, &err,
                            &wait_status, cancellable, &local_error))
    {
      if (g_error_matches (local_error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_TIMEOUT))
        {
          *out_note = g_strdup_printf ("ran as a whole: `-l` timed out after %.0f s", timeout);
          return TRUE;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "cannot list the tests of %s: %s", program->path, local_error->message);
      return FALSE;
    }

  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_autofree char *how = shoal_describe_wait_status (wait_status);

      *out_note = g_strdup_printf ("ran as a whole: `-l` %s", how);
      return TRUE;
    }

  /* GLib prints its plan, seed and suite comments around the paths, and a
   * program may print anything of its own: only paths start with '/'. */
  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);

      if (line[0] != '/' || !g_utf8_validate (line, -1, NULL))
        continue;
      if (!g_hash_table_add (seen, line))
        continue;
      g_ptr_array_add (listing, g_strdup (line));
    }

  if (listing->len == 0)
    {
      *out_note = g_strdup ("ran as a whole: `-l` listed no test paths");
      return TRUE;
    }

  program->listing = g_steal_pointer (&listing);
  /* Borrows the listing's strings (a copy would free them twice). */
  program->sorted = g_ptr_array_sized_new (program->listing->len);
  g_ptr_array_extend (program->sorted, program->listing, NULL, NULL);
  g_ptr_array_sort (program->sorted, compare_strings);
  return TRUE;
}

static char *
join_message (const char *first, const char *second)
{
  if (first == NULL || first[0] == '\0')
    return g_strdup (second);
  if (second == NULL || second[0] == '\0')
    return g_strdup (first);
  return g_strconcat (first, "\n", second, NULL);
}

/* The case that was running when the program stopped without a point. */
static ShoalOutcome
dying_case_outcome (ShoalTapDocument *doc,
                    ShoalExecution *execution,
                    const char *gtest_path,
                    char **out_message)
{
  ShoalOutcome outcome = shoal_execution_get_default_outcome (execution);
  g_autofree char *described = shoal_execution_describe (execution);
  g_autofree char *comments =
      shoal_tap_filter_comments (doc->trailing_comments, SHOAL_TAP_STYLE_GLIB);
  g_autofree char *summary = g_strdup_printf ("%s while running %s", described, gtest_path);

  /* A failed assertion bails out and aborts: the test failed, it did not
   * crash; the message is what it said. A time out or an interruption
   * stays what it is. */
  if (doc->bailed_out && outcome != SHOAL_OUTCOME_TIMEOUT && outcome != SHOAL_OUTCOME_ERROR)
    {
      g_autofree char *said = join_message (comments, doc->bail_out_reason);

      *out_message = said != NULL ? g_steal_pointer (&said) : g_steal_pointer (&summary);
      return SHOAL_OUTCOME_FAILED;
    }

  *out_message = join_message (summary, comments);
  if (outcome == SHOAL_OUTCOME_PASSED || outcome == SHOAL_OUTCOME_SKIPPED)
    return SHOAL_OUTCOME_FAILED;
  return outcome;
}

/**
 * shoal_gtest_interpret_cases:
 * @tests: (element-type ShoalTestCase): the cases a command ran, in the
 *   order GLib runs them, each named by its GTest path
 * @execution: how the command ended
 * @doc: what it printed (`--tap`)
 * @program: (nullable): the program, for messages
 *
 * One result per case that ran: the outcome of its point; for the case
 * that was running when the program died without a point, how it died (a
 * failed assertion is a failure). The cases after it did not run and get
 * no result, so the core runs them again.
 *
 * Returns: (transfer full) (element-type ShoalTestResult): the results
 */
GPtrArray *
shoal_gtest_interpret_cases (GPtrArray *tests,
                             ShoalExecution *execution,
                             ShoalTapDocument *doc,
                             const char *program)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) index_of = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree int *point_of = g_new (int, tests->len);
  g_autofree char *described = shoal_execution_describe (execution);
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  gboolean clean_exit = exec_outcome == SHOAL_OUTCOME_PASSED && !doc->bailed_out;
  const char *dying_path = NULL;
  gboolean any_failed = FALSE;
  guint ran = 0;

  for (guint i = 0; i < tests->len; i++)
    {
      point_of[i] = -1;
      g_hash_table_insert (index_of, (gpointer) shoal_test_case_get_name (tests->pdata[i]),
                           GUINT_TO_POINTER (i + 1));
    }

  /* Points for paths outside the batch are the cases below a selected one
   * that -s skipped; they are nobody's. */
  for (guint p = 0; p < doc->points->len; p++)
    {
      ShoalTapPoint *point = g_ptr_array_index (doc->points, p);
      g_autofree char *path = NULL;
      g_autofree char *reason = NULL;
      guint index;

      index = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, point->description));
      if (index == 0)
        {
          shoal_tap_split_glib_description (point->description, &path, &reason);
          index = GPOINTER_TO_UINT (g_hash_table_lookup (index_of, path));
        }
      if (index != 0 && point_of[index - 1] < 0)
        point_of[index - 1] = (int) p;
    }

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      g_autofree char *message = NULL;
      ShoalOutcome outcome;

      if (point_of[i] >= 0)
        {
          outcome = shoal_tap_point_outcome (doc, point_of[i], SHOAL_TAP_STYLE_GLIB, &message);
          ran++;
        }
      else if (dying_path == NULL && !clean_exit)
        {
          dying_path = shoal_test_case_get_name (test);
          outcome = dying_case_outcome (doc, execution, dying_path, &message);
          ran++;
        }
      else if (dying_path != NULL)
        {
          /* It did not run: no result, and the core runs it again. */
          g_ptr_array_add (results, NULL);
          continue;
        }
      else
        {
          /* -p of a path the program no longer has prints `1..0`. */
          outcome = SHOAL_OUTCOME_ERROR;
          message = g_strdup_printf ("%s printed no result for %s (is it still in the program?)",
                                     program != NULL ? program : "the program",
                                     shoal_test_case_get_name (test));
        }
      any_failed |= outcome == SHOAL_OUTCOME_FAILED;
      g_ptr_array_add (results,
                       shoal_adapter_result_for_execution (test, execution, outcome, message));
    }

  /* Every case reported, none failed, yet the program ended badly (a leak
   * checker's exit status, a crash in a destructor): that is on the cases
   * that passed. */
  if (dying_path == NULL && exec_outcome != SHOAL_OUTCOME_PASSED && !any_failed)
    for (guint i = 0; i < results->len; i++)
      {
        ShoalTestResult *result = g_ptr_array_index (results, i);
        g_autofree char *message = NULL;

        if (shoal_test_result_get_outcome (result) != SHOAL_OUTCOME_PASSED)
          continue;
        message = g_strdup_printf ("%s after the test passed", described);
        shoal_test_result_set_outcome (
            result, exec_outcome == SHOAL_OUTCOME_SKIPPED ? SHOAL_OUTCOME_FAILED : exec_outcome);
        shoal_test_result_set_message (result, message);
      }

  /* TAP has no time per point: the cases that ran share the command's
   * duration evenly, so history estimates of batched cases stay near
   * their own. */
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      gboolean did_run = point_of[i] >= 0 ||
                         g_strcmp0 (shoal_test_case_get_name (tests->pdata[i]), dying_path) == 0;

      if (result == NULL)
        continue;
      shoal_test_result_set_duration (
          result, did_run && ran > 0 ? shoal_execution_get_duration (execution) / ran : 0);
    }

  for (guint i = results->len; i > 0; i--)
    if (results->pdata[i - 1] == NULL)
      g_ptr_array_steal_index (results, i - 1);
  return g_steal_pointer (&results);
}