/* shoal-tap-adapter.c: commands that print TAP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each command is one scheduled test; what it prints (TAP 12, 13 or 14)
 * becomes one result per test point, with the id of the command's test
 * followed by `/` and the point's description.
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: perl
 *     adapter: tap
 *     tests:
 *       - name: parser
 *         command: [prove, --verbose, t/parser.t]
 *         timeout: 60
 * ]|
 */

#include "config.h"

#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "shoal-tap-parser.h"
#include "shoal-tap-results.h"

#define SHOAL_TYPE_TAP_ADAPTER (shoal_tap_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTapAdapter, shoal_tap_adapter, SHOAL, TAP_ADAPTER, GObject)

struct _ShoalTapAdapter
{
  GObject parent_instance;

  char *suite;
  char *cwd;          /* the suite's, absolute */
  char *cwd_location; /* NULL when the suite has no `cwd` */
  GPtrArray *specs;   /* (element-type ShoalCommandSpec) */
};

static void shoal_tap_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalTapAdapter,
                                shoal_tap_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_tap_adapter_iface_init))

static void
shoal_tap_adapter_clear (ShoalTapAdapter *self)
{
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->specs, g_ptr_array_unref);
}

static void
shoal_tap_adapter_finalize (GObject *object)
{
  shoal_tap_adapter_clear (SHOAL_TAP_ADAPTER (object));

  G_OBJECT_CLASS (shoal_tap_adapter_parent_class)->finalize (object);
}

static void
shoal_tap_adapter_class_init (ShoalTapAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_tap_adapter_finalize;
}

static void
shoal_tap_adapter_class_finalize (ShoalTapAdapterClass *klass)
{
}

static void
shoal_tap_adapter_init (ShoalTapAdapter *self)
{
}

static gboolean
shoal_tap_adapter_configure (ShoalAdapter *adapter,
                             const char *suite_name,
                             ShoalSettings *settings,
                             GError **error)
{
  static const char *const known_keys[] = { "tests", "cwd", NULL };
  ShoalTapAdapter *self = SHOAL_TAP_ADAPTER (adapter);
  g_autoptr (GPtrArray) specs = NULL;
  g_autofree char *cwd = NULL;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the tap adapter needs 'tests'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error) ||
      !shoal_command_read_cwd (settings, shoal_settings_get_base_dir (settings), &cwd, error) ||
      !shoal_command_specs_read (settings, "tests", cwd, &specs, error))
    return FALSE;

  if (specs->len == 0)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "the tap adapter needs 'tests'");
      return FALSE;
    }

  shoal_tap_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->specs = g_steal_pointer (&specs);
  return TRUE;
}

static GList *
shoal_tap_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalTapAdapter *self = SHOAL_TAP_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the tap adapter was not configured");
      return NULL;
    }

  for (guint i = 0; i < self->specs->len; i++)
    {
      ShoalCommandSpec *spec = g_ptr_array_index (self->specs, i);
      g_autoptr (ShoalTestCase) test = NULL;
      g_autofree char *program = NULL;
      g_auto (GStrv) argv = NULL;

      if (!shoal_command_check_directory (
              spec->cwd, spec->cwd_location != NULL ? spec->cwd_location : self->cwd_location,
              error))
        return NULL;
      program = shoal_command_resolve_program (spec->argv[0], spec->cwd,
                                               (const char *const *) spec->environment,
                                               spec->command_location, error);
      if (program == NULL)
        return NULL;
      argv = g_strdupv (spec->argv);
      g_free (argv[0]);
      argv[0] = g_steal_pointer (&program);

      test = shoal_test_case_new (self->suite, spec->name);
      shoal_test_case_set_adapter (test, "tap");
      shoal_test_case_set_argv (test, (const char *const *) argv);
      shoal_test_case_set_cwd (test, spec->cwd);
      shoal_test_case_set_environment (test, (const char *const *) spec->environment);
      shoal_test_case_set_timeout (test, spec->timeout);
      shoal_test_case_set_tags (test, (const char *const *) spec->tags);
      shoal_test_rule_apply (spec->rule, test);
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

static ShoalRunCommand *
shoal_tap_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalTestCase *test = g_ptr_array_index (tests, 0);
  g_autoptr (ShoalRunCommand) command = NULL;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "the tap adapter runs one test per command, got %u", tests->len);
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
shoal_tap_adapter_interpret (ShoalAdapter *adapter,
                             ShoalRunCommand *command,
                             ShoalExecution *execution,
                             GError **error)
{
  GPtrArray *tests = shoal_run_command_get_tests (command);
  g_autoptr (ShoalTapDocument) doc = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *output = NULL;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the tap adapter runs one test per command, got %u", tests->len);
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
  return shoal_object_list_from_array (shoal_tap_interpret_points (g_ptr_array_index (tests, 0), execution, doc,
                                                                   SHOAL_TAP_STYLE_PLAIN));
}

static gboolean
shoal_tap_adapter_can_batch (ShoalAdapter *adapter)
{
  return FALSE;
}

static void
shoal_tap_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_tap_adapter_configure;
  iface->discover = shoal_tap_adapter_discover;
  iface->prepare = shoal_tap_adapter_prepare;
  iface->interpret = shoal_tap_adapter_interpret;
  iface->can_batch = shoal_tap_adapter_can_batch;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the tap adapter's type on @module and names it `tap`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_tap_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "tap",
                                            SHOAL_TYPE_TAP_ADAPTER, &error))
    g_warning ("Could not register the tap adapter: %s", error->message);
}
