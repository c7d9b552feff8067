/* shoal-glib-adapter.c: GLib test programs (GTest)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: unit
 *     adapter: glib
 *     programs: [build/tests/test-*]  # paths or globs, relative to shoal.yaml
 *     args: [--verbose]                # added to every invocation
 *     mode: cases                      # or whole
 *     skip: [/net/slow]                # GTest path prefixes not to run
 *     cwd: build
 * ]|
 *
 * In `cases` mode (the default) every GTest path of every program is a test
 * of its own, `<program><path>` (`build/tests/test-foo/foo/bar`), found
 * with `PROGRAM -l`. A program that cannot list its tests (it crashes,
 * fails, times out or lists nothing) is run as a whole instead, with a
 * note saying why. In `whole` mode each program is one scheduled command,
 * and each GTest path it reports becomes a result.
 *
 * `skip:` prefixes match whole path components, as `-p` does: `/net`
 * skips `/net` and `/net/http`, not `/network`; `/net/` skips only what is
 * below `/net`. Skipped cases are still scheduled, and GLib reports them
 * skipped "by request".
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
 *   so `skip:` prefixes are expanded over the listing into `-s` paths.
 * - `-k` (keep going): without it, GLib aborts the whole program after the
 *   first case that fails through g_test_fail() and the rest of a batch
 *   never runs. Failed assertions still abort; see interpret.
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

#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "../tap/shoal-tap-parser.h"
#include "../tap/shoal-tap-results.h"

/* How long `PROGRAM -l` may take: listing runs no test, so a program that
 * takes longer is stuck in its own setup. */
#define LIST_TIMEOUT 30.0

#define SHOAL_TYPE_GLIB_ADAPTER (shoal_glib_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalGlibAdapter, shoal_glib_adapter, SHOAL, GLIB_ADAPTER, GObject)

typedef enum
{
  GLIB_MODE_CASES,
  GLIB_MODE_WHOLE,
} GlibMode;

/* One test program and, once listed, its GTest paths. */
typedef struct
{
  char *path;          /* absolute */
  char *relative_path; /* to the base directory: the prefix of local ids */
  GPtrArray *listing;  /* (element-type utf8): in GLib's run order, or NULL */
  GPtrArray *sorted;   /* the same, sorted, to find a path's descendants */
} GlibProgram;

/* One scheduled test of this adapter. */
typedef struct
{
  GlibProgram *program; /* owned by the adapter's programs array */
  char *gtest_path;     /* NULL when the program runs as a whole */
  guint position;       /* in the program's listing */
  gboolean skipped;     /* under a `skip:` prefix */
} GlibCase;

struct _ShoalGlibAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *cwd;
  char *cwd_location;
  char **patterns;
  char *programs_location;
  char **args;
  char **environment;
  double timeout;
  char **skip;
  GlibMode mode;

  GPtrArray *programs; /* (element-type GlibProgram) */
  GHashTable *cases;   /* test id -> GlibCase */
};

static void shoal_glib_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalGlibAdapter,
                                shoal_glib_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_glib_adapter_iface_init))

static void
glib_program_free (gpointer data)
{
  GlibProgram *program = data;

  g_free (program->path);
  g_free (program->relative_path);
  g_clear_pointer (&program->listing, g_ptr_array_unref);
  g_clear_pointer (&program->sorted, g_ptr_array_unref);
  g_free (program);
}

static void
glib_case_free (gpointer data)
{
  GlibCase *gcase = data;

  g_free (gcase->gtest_path);
  g_free (gcase);
}

static void
shoal_glib_adapter_clear_discovery (ShoalGlibAdapter *self)
{
  g_hash_table_remove_all (self->cases);
  g_ptr_array_set_size (self->programs, 0);
}

static void
shoal_glib_adapter_clear (ShoalGlibAdapter *self)
{
  shoal_glib_adapter_clear_discovery (self);
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->patterns, g_strfreev);
  g_clear_pointer (&self->programs_location, g_free);
  g_clear_pointer (&self->args, g_strfreev);
  g_clear_pointer (&self->environment, g_strfreev);
  g_clear_pointer (&self->skip, g_strfreev);
}

static void
shoal_glib_adapter_finalize (GObject *object)
{
  ShoalGlibAdapter *self = SHOAL_GLIB_ADAPTER (object);

  shoal_glib_adapter_clear (self);
  g_clear_pointer (&self->cases, g_hash_table_unref);
  g_clear_pointer (&self->programs, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_glib_adapter_parent_class)->finalize (object);
}

static void
shoal_glib_adapter_class_init (ShoalGlibAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_glib_adapter_finalize;
}

static void
shoal_glib_adapter_class_finalize (ShoalGlibAdapterClass *klass)
{
}

static void
shoal_glib_adapter_init (ShoalGlibAdapter *self)
{
  self->programs = g_ptr_array_new_with_free_func (glib_program_free);
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, glib_case_free);
}

/* Configuration */

static gboolean
shoal_glib_adapter_configure (ShoalAdapter *adapter,
                              const char *suite_name,
                              ShoalSettings *settings,
                              GError **error)
{
  static const char *const known_keys[] = { "programs", "args", "mode", "env",
                                            "cwd", "timeout", "skip", NULL };
  ShoalGlibAdapter *self = SHOAL_GLIB_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) patterns = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) environment = NULL;
  g_auto (GStrv) skip = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *cwd = NULL;
  double timeout = 0;
  GlibMode glib_mode;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the glib adapter needs 'programs'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error) ||
      !shoal_settings_get_strv (settings, "programs", &patterns, error) ||
      !shoal_settings_get_strv (settings, "args", &args, error) ||
      !shoal_settings_get_environ (settings, "env", &environment, error) ||
      !shoal_command_read_cwd (settings, shoal_settings_get_base_dir (settings), &cwd, error) ||
      !shoal_command_read_timeout (settings, &timeout, error) ||
      !shoal_settings_get_strv (settings, "skip", &skip, error))
    return FALSE;

  if (patterns == NULL || patterns[0] == NULL)
    {
      if (patterns == NULL)
        shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                          "missing required key 'programs'");
      else
        shoal_settings_set_error_literal (settings, "programs", error, SHOAL_CONFIG_ERROR_INVALID,
                                          "must not be empty");
      return FALSE;
    }

  mode = shoal_settings_get_string (settings, "mode", "cases", &local_error);
  if (mode == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (g_str_equal (mode, "cases"))
    glib_mode = GLIB_MODE_CASES;
  else if (g_str_equal (mode, "whole"))
    glib_mode = GLIB_MODE_WHOLE;
  else
    {
      shoal_settings_set_error (settings, "mode", error, SHOAL_CONFIG_ERROR_INVALID,
                                "expected 'cases' or 'whole', got '%s'", mode);
      return FALSE;
    }

  for (guint i = 0; skip != NULL && skip[i] != NULL; i++)
    if (skip[i][0] != '/')
      {
        shoal_settings_set_error (settings, "skip", error, SHOAL_CONFIG_ERROR_INVALID,
                                  "'%s' is not a GTest path (they start with '/')", skip[i]);
        return FALSE;
      }

  shoal_glib_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_strdup (shoal_settings_get_base_dir (settings));
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->patterns = g_steal_pointer (&patterns);
  self->programs_location = shoal_command_location (settings, "programs");
  self->args = g_steal_pointer (&args);
  self->environment = g_steal_pointer (&environment);
  self->timeout = timeout;
  self->skip = g_steal_pointer (&skip);
  self->mode = glib_mode;
  return TRUE;
}

/* GTest paths */

/* Whether @path is @prefix or below it, by whole components, as `-p`
 * selects; a prefix that ends in `/` only covers what is below it. */
static gboolean
path_is_under (const char *path, const char *prefix)
{
  gsize n = strlen (prefix);

  if (strncmp (path, prefix, n) != 0)
    return FALSE;
  return path[n] == '\0' || path[n] == '/' || (n > 0 && prefix[n - 1] == '/');
}

static gboolean
path_is_skipped (ShoalGlibAdapter *self, const char *path)
{
  for (guint i = 0; self->skip != NULL && self->skip[i] != NULL; i++)
    if (path_is_under (path, self->skip[i]))
      return TRUE;
  return FALSE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Calls @func for every listed path strictly below @root: they sort
 * together, right after `root/`. */
static void
foreach_descendant (GlibProgram *program,
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
  GHashTable *batch;   /* gtest path -> GlibCase */
  GHashTable *skipped; /* paths already named with -s */
  GPtrArray *argv;
} SkipCollector;

static void
collect_skip (const char *path, gpointer user_data)
{
  SkipCollector *collector = user_data;
  GlibCase *member = g_hash_table_lookup (collector->batch, path);

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
  const GlibCase *ca = *(GlibCase *const *) a;
  const GlibCase *cb = *(GlibCase *const *) b;

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

static void
append_args (ShoalGlibAdapter *self, GPtrArray *argv)
{
  for (guint i = 0; self->args != NULL && self->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
}

/* The command that runs exactly @cases (GlibCase, one program) and, in
 * @out_order, the order GLib will run them in: one `-p` per case no other
 * case of the batch contains, in listing order, each running its subtree
 * in listing order. See the top of the file for why the -s and -k. */
static GStrv
build_cases_argv (ShoalGlibAdapter *self, GPtrArray *cases, GPtrArray **out_order)
{
  GlibProgram *program = ((GlibCase *) g_ptr_array_index (cases, 0))->program;
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
      GlibCase *gcase = g_ptr_array_index (sorted, i);

      g_hash_table_insert (batch, gcase->gtest_path, gcase);
    }
  for (guint i = 0; i < sorted->len; i++)
    {
      GlibCase *gcase = g_ptr_array_index (sorted, i);

      if (!has_ancestor_in (gcase->gtest_path, batch))
        g_ptr_array_add (roots, gcase);
    }

  g_ptr_array_add (argv, g_strdup (program->path));
  g_ptr_array_add (argv, g_strdup ("--tap"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  for (guint i = 0; i < roots->len; i++)
    {
      GlibCase *root = g_ptr_array_index (roots, i);

      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup (root->gtest_path));
    }
  for (guint i = 0; i < roots->len; i++)
    {
      GlibCase *root = g_ptr_array_index (roots, i);

      if (root->skipped)
        collect_skip (root->gtest_path, &collector);
      foreach_descendant (program, root->gtest_path, collect_skip, &collector);

      for (guint j = 0; j < sorted->len; j++)
        {
          GlibCase *gcase = g_ptr_array_index (sorted, j);

          if (path_is_under (gcase->gtest_path, root->gtest_path))
            g_ptr_array_add (order, gcase);
        }
    }
  append_args (self, argv);

  if (out_order != NULL)
    *out_order = g_steal_pointer (&order);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/* A whole program: `-s` for what `skip:` covers, when the listing says what
 * that is; without a listing, the prefixes themselves, which GLib then
 * matches exactly. */
static GStrv
build_whole_argv (ShoalGlibAdapter *self, GlibProgram *program)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);

  g_ptr_array_add (argv, g_strdup (program->path));
  g_ptr_array_add (argv, g_strdup ("--tap"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  if (program->listing != NULL)
    {
      for (guint i = 0; i < program->listing->len; i++)
        if (path_is_skipped (self, g_ptr_array_index (program->listing, i)))
          {
            g_ptr_array_add (argv, g_strdup ("-s"));
            g_ptr_array_add (argv, g_strdup (g_ptr_array_index (program->listing, i)));
          }
    }
  else
    {
      for (guint i = 0; self->skip != NULL && self->skip[i] != NULL; i++)
        {
          g_ptr_array_add (argv, g_strdup ("-s"));
          g_ptr_array_add (argv, g_strdup (self->skip[i]));
        }
    }
  append_args (self, argv);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/* Discovery */

static char *
describe_wait_status (int wait_status)
{
  if (WIFSIGNALED (wait_status))
    return g_strdup_printf ("killed by signal %d (%s)", WTERMSIG (wait_status),
                            g_strsignal (WTERMSIG (wait_status)));
  return g_strdup_printf ("exited with status %d", WEXITSTATUS (wait_status));
}

/* Runs `PROGRAM -l`. Returns FALSE only for errors that running the
 * program would meet too (it cannot be started) or a cancellation; a
 * program that starts but cannot list is run as a whole, and @out_note
 * says why. */
static gboolean
list_program (ShoalGlibAdapter *self,
              GlibProgram *program,
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
  g_ptr_array_add (argv, g_strdup (program->path));
  g_ptr_array_add (argv, g_strdup ("-l"));
  append_args (self, argv);

  if (!shoal_spawn_capture ((const char *const *) argv->pdata, self->cwd,
                            (const char *const *) self->environment, LIST_TIMEOUT, &out, &err,
                            &wait_status, cancellable, &local_error))
    {
      if (g_error_matches (local_error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_TIMEOUT))
        {
          *out_note = g_strdup_printf ("ran as a whole: `-l` timed out after %.0f s", LIST_TIMEOUT);
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
      g_autofree char *how = describe_wait_status (wait_status);

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

static ShoalTestCase *
new_test (ShoalGlibAdapter *self, const char *local_id, const char *name, const char *const *argv)
{
  ShoalTestCase *test = shoal_test_case_new (self->suite, local_id);

  shoal_test_case_set_name (test, name);
  shoal_test_case_set_adapter (test, "glib");
  shoal_test_case_set_argv (test, argv);
  shoal_test_case_set_cwd (test, self->cwd);
  shoal_test_case_set_environment (test, (const char *const *) self->environment);
  shoal_test_case_set_timeout (test, self->timeout);
  return test;
}

static void
add_whole_test (ShoalGlibAdapter *self, GlibProgram *program, const char *note, GPtrArray *tests)
{
  g_auto (GStrv) argv = build_whole_argv (self, program);
  g_autoptr (ShoalTestCase) test =
      new_test (self, program->relative_path, program->relative_path, (const char *const *) argv);
  GlibCase *gcase = g_new0 (GlibCase, 1);

  shoal_test_case_set_note (test, note);
  gcase->program = program;
  g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), gcase);
  g_ptr_array_add (tests, g_steal_pointer (&test));
}

static void
add_case_tests (ShoalGlibAdapter *self, GlibProgram *program, GPtrArray *tests)
{
  for (guint i = 0; i < program->listing->len; i++)
    {
      const char *gtest_path = g_ptr_array_index (program->listing, i);
      g_autofree char *local_id = g_strconcat (program->relative_path, gtest_path, NULL);
      g_autoptr (GPtrArray) single = g_ptr_array_new ();
      g_autoptr (ShoalTestCase) test = NULL;
      g_auto (GStrv) argv = NULL;
      GlibCase *gcase = g_new0 (GlibCase, 1);

      gcase->program = program;
      gcase->gtest_path = g_strdup (gtest_path);
      gcase->position = i;
      gcase->skipped = path_is_skipped (self, gtest_path);
      g_ptr_array_add (single, gcase);
      argv = build_cases_argv (self, single, NULL);

      test = new_test (self, local_id, gtest_path, (const char *const *) argv);
      g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), gcase);
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }
}

static GList *
shoal_glib_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalGlibAdapter *self = SHOAL_GLIB_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) paths = NULL;
  g_autofree char *unmatched = NULL;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the glib adapter was not configured");
      return NULL;
    }

  shoal_glib_adapter_clear_discovery (self);

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error) ||
      !shoal_command_expand_programs (self->base_dir, (const char *const *) self->patterns,
                                      self->programs_location, &paths, &unmatched, error))
    return NULL;

  if (paths->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "%s: no executable file matches %s (in %s)", self->programs_location,
                   unmatched != NULL ? unmatched : "the patterns", self->base_dir);
      return NULL;
    }

  for (guint i = 0; i < paths->len; i++)
    {
      GlibProgram *program = g_new0 (GlibProgram, 1);
      g_autofree char *note = NULL;

      program->path = g_strdup (g_ptr_array_index (paths, i));
      program->relative_path = shoal_command_relative_path (self->base_dir, program->path);
      g_ptr_array_add (self->programs, program);

      /* Whole programs only need their listing to expand `skip:`. */
      if (self->mode == GLIB_MODE_CASES || self->skip != NULL)
        if (!list_program (self, program, cancellable, &note, error))
          {
            shoal_glib_adapter_clear_discovery (self);
            return NULL;
          }

      if (self->mode == GLIB_MODE_CASES && program->listing != NULL)
        add_case_tests (self, program, tests);
      else
        add_whole_test (self, program, self->mode == GLIB_MODE_CASES ? note : NULL, tests);
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

static ShoalRunCommand *
command_for (ShoalTestCase *test, const char *const *argv)
{
  ShoalRunCommand *command = shoal_run_command_new (argv);

  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (test));
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (test));
  return command;
}

static ShoalRunCommand *
shoal_glib_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalGlibAdapter *self = SHOAL_GLIB_ADAPTER (adapter);
  ShoalTestCase *first = g_ptr_array_index (tests, 0);
  g_autoptr (GPtrArray) cases = g_ptr_array_new ();
  g_autoptr (GHashTable) test_of = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) order = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_auto (GStrv) argv = NULL;
  GlibProgram *program = NULL;

  /* One test runs as discovery described it, even on an adapter that did
   * not discover it itself. */
  if (tests->len == 1)
    {
      if (shoal_test_case_get_argv (first) == NULL || shoal_test_case_get_argv (first)[0] == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s has no command", shoal_test_case_get_id (first));
          return NULL;
        }
      command = command_for (first, shoal_test_case_get_argv (first));
      shoal_run_command_add_test (command, first);
      return g_steal_pointer (&command);
    }

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      GlibCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

      if (gcase == NULL || gcase->gtest_path == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot batch %s: %s", shoal_test_case_get_id (test),
                       gcase == NULL ? "this adapter did not discover it"
                                     : "its program runs as a whole");
          return NULL;
        }
      if (program != NULL && gcase->program != program)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot batch %s with %s: a batch runs one program",
                       shoal_test_case_get_id (test), shoal_test_case_get_id (first));
          return NULL;
        }
      program = gcase->program;
      if (!g_hash_table_insert (test_of, gcase, test))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s is twice in the batch", shoal_test_case_get_id (test));
          return NULL;
        }
      g_ptr_array_add (cases, gcase);
    }

  argv = build_cases_argv (self, cases, &order);
  command = command_for (first, (const char *const *) argv);
  /* In the order GLib runs them, which interpret relies on to tell which
   * case was running when the program died. */
  for (guint i = 0; i < order->len; i++)
    shoal_run_command_add_test (command, g_hash_table_lookup (test_of, order->pdata[i]));
  return g_steal_pointer (&command);
}

/* Interpretation */

static gboolean
is_whole_test (ShoalTestCase *test)
{
  /* A case's local id is `<program><gtest path>` and its name the path; a
   * whole program's are both its path. */
  return g_strcmp0 (shoal_test_case_get_local_id (test), shoal_test_case_get_name (test)) == 0;
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

static GPtrArray *
interpret_cases (GPtrArray *tests, ShoalExecution *execution, ShoalTapDocument *doc)
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
                                     shoal_test_case_get_argv (test) != NULL
                                         ? shoal_test_case_get_argv (test)[0]
                                         : "the program",
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

static GList *
shoal_glib_adapter_interpret (ShoalAdapter *adapter,
                              ShoalRunCommand *command,
                              ShoalExecution *execution,
                              GError **error)
{
  GPtrArray *tests = shoal_run_command_get_tests (command);
  g_autoptr (ShoalTapDocument) doc = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *output = NULL;

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command runs no test");
      return NULL;
    }

  output = shoal_execution_read_output (execution, 0, &local_error);
  if (output == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "cannot read the output of %s: %s",
                   shoal_test_case_get_id (g_ptr_array_index (tests, 0)), local_error->message);
      return NULL;
    }
  doc = shoal_tap_document_parse (output, -1);

  if (tests->len == 1 && is_whole_test (g_ptr_array_index (tests, 0)))
    return shoal_object_list_from_array (shoal_tap_interpret_points (g_ptr_array_index (tests, 0), execution, doc,
                                                                     SHOAL_TAP_STYLE_GLIB));
  return shoal_object_list_from_array (interpret_cases (tests, execution, doc));
}

static gboolean
shoal_glib_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

static void
shoal_glib_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_glib_adapter_configure;
  iface->discover = shoal_glib_adapter_discover;
  iface->prepare = shoal_glib_adapter_prepare;
  iface->interpret = shoal_glib_adapter_interpret;
  iface->can_batch = shoal_glib_adapter_can_batch;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the glib adapter's type on @module and names it `glib`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_glib_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "glib",
                                            SHOAL_TYPE_GLIB_ADAPTER, &error))
    g_warning ("Could not register the glib adapter: %s", error->message);
}
