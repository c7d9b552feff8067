/* shoal-exec-adapter.c: any command is a test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A suite of commands, each a test judged by its exit status, the
 * convention of make check, meson and Automake: 0 passed, 77 skipped,
 * anything else failed; a signal is a crash.
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: smoke
 *     adapter: exec
 *     cwd: build            # default: the directory of shoal.yaml
 *     tests:
 *       - name: starts
 *         command: [./app, --version]
 *         timeout: 5
 *         env: {LANG: C}
 *         tags: [fast]
 *     programs: [tests/check-*] # every executable match is a test
 * ]|
 *
 * Paths (`cwd`, `programs`) are relative to the directory of shoal.yaml. A
 * command's program written with a `/` is found from the test's working
 * directory and made absolute at discovery; a bare name is looked up in
 * `PATH` (the test's own, when its `env` sets one). Either way a missing
 * program is a discovery error naming it, not a failed test.
 */

#include "config.h"

#include <gmodule.h>
#include <shoal.h>

#include "shoal-command-spec.h"

#define SHOAL_TYPE_EXEC_ADAPTER (shoal_exec_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalExecAdapter, shoal_exec_adapter, SHOAL, EXEC_ADAPTER, GObject)

struct _ShoalExecAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *cwd;          /* the suite's, absolute */
  char *cwd_location; /* NULL when the suite has no `cwd` */
  GPtrArray *specs;   /* (element-type ShoalCommandSpec) */
  char **programs;    /* glob patterns */
  char *programs_location;
};

static void shoal_exec_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalExecAdapter,
                                shoal_exec_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_exec_adapter_iface_init))

static void
shoal_exec_adapter_clear (ShoalExecAdapter *self)
{
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->specs, g_ptr_array_unref);
  g_clear_pointer (&self->programs, g_strfreev);
  g_clear_pointer (&self->programs_location, g_free);
}

static void
shoal_exec_adapter_finalize (GObject *object)
{
  shoal_exec_adapter_clear (SHOAL_EXEC_ADAPTER (object));

  G_OBJECT_CLASS (shoal_exec_adapter_parent_class)->finalize (object);
}

static void
shoal_exec_adapter_class_init (ShoalExecAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_exec_adapter_finalize;
}

static void
shoal_exec_adapter_class_finalize (ShoalExecAdapterClass *klass)
{
}

static void
shoal_exec_adapter_init (ShoalExecAdapter *self)
{
}

static gboolean
shoal_exec_adapter_configure (ShoalAdapter *adapter,
                              const char *suite_name,
                              ShoalSettings *settings,
                              GError **error)
{
  static const char *const known_keys[] = { "tests", "programs", "cwd", NULL };
  ShoalExecAdapter *self = SHOAL_EXEC_ADAPTER (adapter);
  g_autoptr (GPtrArray) specs = NULL;
  g_auto (GStrv) programs = NULL;
  g_autofree char *cwd = NULL;
  g_autofree char *base_dir = NULL;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the exec adapter needs 'tests' or 'programs'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error))
    return FALSE;

  base_dir = g_strdup (shoal_settings_get_base_dir (settings));
  if (!shoal_command_read_cwd (settings, base_dir, &cwd, error) ||
      !shoal_command_specs_read (settings, "tests", cwd, &specs, error) ||
      !shoal_settings_get_strv (settings, "programs", &programs, error))
    return FALSE;

  if (specs->len == 0 && (programs == NULL || programs[0] == NULL))
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "the exec adapter needs 'tests' or 'programs'");
      return FALSE;
    }

  shoal_exec_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_steal_pointer (&base_dir);
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->specs = g_steal_pointer (&specs);
  self->programs = g_steal_pointer (&programs);
  self->programs_location = shoal_command_location (settings, "programs");
  return TRUE;
}

static ShoalTestCase *
test_from_spec (ShoalExecAdapter *self, ShoalCommandSpec *spec, GError **error)
{
  g_autoptr (ShoalTestCase) test = NULL;
  g_autofree char *program = NULL;
  g_auto (GStrv) argv = g_strdupv (spec->argv);

  if (!shoal_command_check_directory (
          spec->cwd, spec->cwd_location != NULL ? spec->cwd_location : self->cwd_location, error))
    return NULL;
  program = shoal_command_resolve_program (spec->argv[0], spec->cwd,
                                           (const char *const *) spec->environment,
                                           spec->command_location, error);
  if (program == NULL)
    return NULL;
  g_free (argv[0]);
  argv[0] = g_steal_pointer (&program);

  test = shoal_test_case_new (self->suite, spec->name);
  shoal_test_case_set_adapter (test, "exec");
  shoal_test_case_set_argv (test, (const char *const *) argv);
  shoal_test_case_set_cwd (test, spec->cwd);
  shoal_test_case_set_environment (test, (const char *const *) spec->environment);
  shoal_test_case_set_timeout (test, spec->timeout);
  shoal_test_case_set_tags (test, (const char *const *) spec->tags);
  shoal_test_rule_apply (spec->rule, test);
  return g_steal_pointer (&test);
}

static GList *
shoal_exec_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalExecAdapter *self = SHOAL_EXEC_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) programs = NULL;
  g_autofree char *unmatched = NULL;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the exec adapter was not configured");
      return NULL;
    }

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error))
    return NULL;

  for (guint i = 0; i < self->specs->len; i++)
    {
      ShoalTestCase *test = test_from_spec (self, g_ptr_array_index (self->specs, i), error);

      if (test == NULL)
        return NULL;
      g_ptr_array_add (tests, test);
      g_hash_table_add (ids, (gpointer) shoal_test_case_get_local_id (test));
    }

  if (!shoal_command_expand_programs (self->base_dir, (const char *const *) self->programs,
                                      self->programs_location, &programs, &unmatched, error))
    return NULL;

  for (guint i = 0; i < programs->len; i++)
    {
      const char *path = g_ptr_array_index (programs, i);
      g_autofree char *local_id = shoal_command_relative_path (self->base_dir, path);
      const char *argv[] = { path, NULL };
      g_autoptr (ShoalTestCase) test = NULL;

      if (g_hash_table_contains (ids, local_id))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                       "%s: program %s has the name of a test in 'tests'", self->programs_location,
                       local_id);
          return NULL;
        }

      test = shoal_test_case_new (self->suite, local_id);
      shoal_test_case_set_adapter (test, "exec");
      shoal_test_case_set_argv (test, argv);
      shoal_test_case_set_cwd (test, self->cwd);
      g_hash_table_add (ids, (gpointer) shoal_test_case_get_local_id (test));
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }

  /* A pattern that matches nothing is fine while others find tests (a
   * build that skipped some); a suite that finds none is a mistake. */
  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "%s: no executable file matches %s (in %s)", self->programs_location,
                   unmatched != NULL ? unmatched : "the patterns", self->base_dir);
      return NULL;
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

static ShoalRunCommand *
shoal_exec_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalTestCase *test = g_ptr_array_index (tests, 0);
  g_autoptr (ShoalRunCommand) command = NULL;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "the exec adapter runs one test per command, got %u", tests->len);
      return NULL;
    }
  if (shoal_test_case_get_argv (test) == NULL || shoal_test_case_get_argv (test)[0] == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "test %s has no command", shoal_test_case_get_id (test));
      return NULL;
    }

  command = shoal_run_command_new (shoal_test_case_get_argv (test));
  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (test));
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (test));
  shoal_run_command_add_test (command, test);
  return g_steal_pointer (&command);
}

static GList *
shoal_exec_adapter_interpret (ShoalAdapter *adapter,
                              ShoalRunCommand *command,
                              ShoalExecution *execution,
                              GError **error)
{
  GPtrArray *tests = shoal_run_command_get_tests (command);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalOutcome outcome = shoal_execution_get_default_outcome (execution);
  g_autofree char *message = NULL;

  if (outcome != SHOAL_OUTCOME_PASSED)
    message = shoal_execution_describe (execution);
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (results, shoal_adapter_result_for_execution (g_ptr_array_index (tests, i),
                                                                  execution, outcome, message));
  return shoal_object_list_from_array (g_steal_pointer (&results));
}

static gboolean
shoal_exec_adapter_can_batch (ShoalAdapter *adapter)
{
  return FALSE;
}

static void
shoal_exec_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_exec_adapter_configure;
  iface->discover = shoal_exec_adapter_discover;
  iface->prepare = shoal_exec_adapter_prepare;
  iface->interpret = shoal_exec_adapter_interpret;
  iface->can_batch = shoal_exec_adapter_can_batch;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the exec adapter's type on @module and names it `exec`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_exec_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "exec",
                                            SHOAL_TYPE_EXEC_ADAPTER, &error))
    g_warning ("Could not register the exec adapter: %s", error->message);
}
