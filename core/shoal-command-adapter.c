/* shoal-command-adapter.c: tests that are commands built in code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-command-adapter.h"
#include "shoal-error.h"

/**
 * ShoalCommandAdapter:
 *
 * The adapter of tests made in code rather than discovered: each test's
 * own argument vector ([method@Shoal.TestCase.set_argv]), environment and
 * working directory are its command, and its exit status is its outcome
 * (0 passes, 77 skips). The run's fixtures use it; so can programs that
 * build their tests themselves, from C, Python or JavaScript.
 */
struct _ShoalCommandAdapter
{
  GObject parent_instance;
};

static void adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalCommandAdapter, shoal_command_adapter, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (SHOAL_TYPE_ADAPTER, adapter_iface_init))

static ShoalRunCommand *
shoal_command_adapter_prepare (ShoalAdapter *adapter,
                               GPtrArray *tests,
                               GError **error)
{
  ShoalTestCase *test = g_ptr_array_index (tests, 0);
  const char *const *argv = shoal_test_case_get_argv (test);
  ShoalRunCommand *command;

  if (argv[0] == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "test '%s' has no command", shoal_test_case_get_id (test));
      return NULL;
    }
  command = shoal_run_command_new (argv);
  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (test));
  shoal_run_command_add_test (command, test);
  return command;
}

static GList *
shoal_command_adapter_discover (ShoalAdapter *adapter,
                                GCancellable *cancellable,
                                GError **error)
{
  /* Its tests are made in code: there is nothing to discover. */
  return NULL;
}

static void
adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->discover = shoal_command_adapter_discover;
  iface->prepare = shoal_command_adapter_prepare;
}

static void
shoal_command_adapter_class_init (ShoalCommandAdapterClass *klass)
{
}

static void
shoal_command_adapter_init (ShoalCommandAdapter *self)
{
}

/**
 * shoal_command_adapter_new:
 *
 * Returns: (transfer full): a new command adapter
 */
ShoalAdapter *
shoal_command_adapter_new (void)
{
  return g_object_new (SHOAL_TYPE_COMMAND_ADAPTER, NULL);
}
