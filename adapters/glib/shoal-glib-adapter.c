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
 * How exactly one case (or a batch) runs, and how GLib's output becomes
 * one result per case, is in shoal-gtest-program.c, which the
 * installed_tests adapter shares: `skip:` prefixes are expanded over the
 * listing into `-s` paths there, since GLib's `-x` matches plain string
 * prefixes and refuses to mix with `-s`.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "../tap/shoal-tap-parser.h"
#include "../tap/shoal-tap-results.h"
#include "shoal-gtest-program.h"

#define SHOAL_TYPE_GLIB_ADAPTER (shoal_glib_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalGlibAdapter, shoal_glib_adapter, SHOAL, GLIB_ADAPTER, GObject)

typedef enum
{
  GLIB_MODE_CASES,
  GLIB_MODE_WHOLE,
} GlibMode;

static const char *const mode_names[] = { "cases", "whole", NULL };

/* One test program: its path is absolute, and once listed it has its
 * GTest paths. */
typedef struct
{
  ShoalGTestProgram *gtest;
  char *relative_path; /* to the base directory: the prefix of local ids */
} GlibProgram;

/* One scheduled test of this adapter is a ShoalGTestCase whose program is
 * the gtest of a GlibProgram of the adapter's programs array, and whose
 * `skipped` says it is under a `skip:` prefix. */
typedef ShoalGTestCase GlibCase;

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

  shoal_gtest_program_free (program->gtest);
  g_free (program->relative_path);
  g_free (program);
}

static void
glib_case_free (gpointer data)
{
  shoal_gtest_case_free (data);
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
  g_auto (GStrv) patterns = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) environment = NULL;
  g_auto (GStrv) skip = NULL;
  g_autofree char *cwd = NULL;
  double timeout = 0;
  guint glib_mode;

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

  if (!shoal_settings_get_choice (settings, "mode", mode_names, GLIB_MODE_CASES, &glib_mode,
                                  error))
    return FALSE;

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

static gboolean
path_is_skipped (ShoalGlibAdapter *self, const char *path)
{
  for (guint i = 0; self->skip != NULL && self->skip[i] != NULL; i++)
    if (shoal_gtest_path_is_under (path, self->skip[i]))
      return TRUE;
  return FALSE;
}

static void
append_args (ShoalGlibAdapter *self, GPtrArray *argv)
{
  for (guint i = 0; self->args != NULL && self->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
}

/* A whole program: `-s` for what `skip:` covers, when the listing says what
 * that is; without a listing, the prefixes themselves, which GLib then
 * matches exactly. */
static GStrv
build_whole_argv (ShoalGlibAdapter *self, GlibProgram *program)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  GPtrArray *listing = program->gtest->listing;

  g_ptr_array_add (argv, g_strdup (program->gtest->path));
  g_ptr_array_add (argv, g_strdup ("--tap"));
  g_ptr_array_add (argv, g_strdup ("-k"));
  if (listing != NULL)
    {
      for (guint i = 0; i < listing->len; i++)
        if (path_is_skipped (self, g_ptr_array_index (listing, i)))
          {
            g_ptr_array_add (argv, g_strdup ("-s"));
            g_ptr_array_add (argv, g_strdup (g_ptr_array_index (listing, i)));
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

/* How long `PROGRAM -l` may take: listing runs no test, so a program that
 * takes longer is stuck in its own setup. */
#define LIST_TIMEOUT 30.0

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
  GlibCase *gcase = shoal_gtest_case_new (program->gtest, NULL, 0, FALSE);

  shoal_test_case_set_note (test, note);
  g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), gcase);
  g_ptr_array_add (tests, g_steal_pointer (&test));
}

static void
add_case_tests (ShoalGlibAdapter *self, GlibProgram *program, GPtrArray *tests)
{
  GPtrArray *listing = program->gtest->listing;

  for (guint i = 0; i < listing->len; i++)
    {
      const char *gtest_path = g_ptr_array_index (listing, i);
      g_autofree char *local_id = g_strconcat (program->relative_path, gtest_path, NULL);
      g_autoptr (GPtrArray) single = g_ptr_array_new ();
      g_autoptr (ShoalTestCase) test = NULL;
      g_auto (GStrv) argv = NULL;
      GlibCase *gcase = shoal_gtest_case_new (program->gtest, gtest_path, i,
                                              path_is_skipped (self, gtest_path));

      g_ptr_array_add (single, gcase);
      argv = shoal_gtest_build_cases_argv (single, NULL);

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

      program->gtest = shoal_gtest_program_new (g_ptr_array_index (paths, i), NULL,
                                                (const char *const *) self->args);
      program->relative_path = shoal_command_relative_path (self->base_dir, program->gtest->path);
      g_ptr_array_add (self->programs, program);

      /* Whole programs only need their listing to expand `skip:`. */
      if (self->mode == GLIB_MODE_CASES || self->skip != NULL)
        if (!shoal_gtest_program_list (program->gtest, self->cwd,
                                       (const char *const *) self->environment, LIST_TIMEOUT,
                                       cancellable, &note, error))
          {
            shoal_glib_adapter_clear_discovery (self);
            return NULL;
          }

      if (self->mode == GLIB_MODE_CASES && program->gtest->listing != NULL)
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
  ShoalGTestProgram *program = NULL;

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

  argv = shoal_gtest_build_cases_argv (cases, &order);
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
  const char *const *argv;

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
  /* The cases of a command are all of one program. */
  argv = shoal_test_case_get_argv (g_ptr_array_index (tests, 0));
  return shoal_object_list_from_array (
      shoal_gtest_interpret_cases (tests, execution, doc, argv != NULL ? argv[0] : NULL));
}

static gboolean
shoal_glib_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

/* Cases of one program may share a process: prepare runs them as one
 * command of that program with one `-p` per case. A whole program, or a
 * test this adapter did not discover, runs alone (prepare refuses them in a
 * batch). */
static char *
shoal_glib_adapter_get_batch_key (ShoalAdapter *adapter, ShoalTestCase *test)
{
  ShoalGlibAdapter *self = SHOAL_GLIB_ADAPTER (adapter);
  GlibCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

  if (gcase == NULL || gcase->gtest_path == NULL)
    return NULL;
  return g_strdup (gcase->program->path);
}

static void
shoal_glib_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_glib_adapter_configure;
  iface->discover = shoal_glib_adapter_discover;
  iface->prepare = shoal_glib_adapter_prepare;
  iface->interpret = shoal_glib_adapter_interpret;
  iface->can_batch = shoal_glib_adapter_can_batch;
  iface->get_batch_key = shoal_glib_adapter_get_batch_key;
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
