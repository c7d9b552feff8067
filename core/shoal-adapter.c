/* shoal-adapter.c: the interface of a test framework adapter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-adapter.h"
#include "shoal-error.h"

/**
 * ShoalAdapter:
 *
 * An adapter knows one test framework: it discovers the framework's test
 * cases, describes how to run one (or a batch) as a [class@Shoal.RunCommand],
 * and turns what happened ([class@Shoal.Execution]) into
 * [class@Shoal.TestResult]s. It never spawns a test itself: the core spawns,
 * times out, kills and captures.
 *
 * Adapters are loaded from plugin modules by name (`adapter:` in a suite of
 * `shoal.yaml`), or registered in-process with
 * [method@Shoal.PluginRegistry.register_type], from C, Python or JavaScript.
 */

G_DEFINE_INTERFACE (ShoalAdapter, shoal_adapter, G_TYPE_OBJECT)

static gboolean
shoal_adapter_real_configure (ShoalAdapter *self,
                              const char *suite_name,
                              ShoalSettings *settings,
                              GError **error)
{
  return settings == NULL || shoal_settings_check_keys (settings, NULL, error);
}

static gboolean
shoal_adapter_real_can_batch (ShoalAdapter *self)
{
  return FALSE;
}

/* What the core guessed before adapters said: tests of one program run the
 * same way. Right for an adapter whose tests differ only in arguments to
 * one program; wrong for one that starts all its tests through a shell or
 * an interpreter, which overrides it. */
static char *
shoal_adapter_real_get_batch_key (ShoalAdapter *self,
                                  ShoalTestCase *test)
{
  const char *const *argv = shoal_test_case_get_argv (test);

  return g_strdup (argv != NULL && argv[0] != NULL ? argv[0] : "");
}

static GList *
shoal_adapter_real_interpret (ShoalAdapter *self,
                              ShoalRunCommand *command,
                              ShoalExecution *execution,
                              GError **error)
{
  GPtrArray *tests = shoal_run_command_get_tests (command);
  GList *results = NULL;
  ShoalOutcome outcome = shoal_execution_get_default_outcome (execution);
  g_autofree char *message = NULL;

  if (outcome != SHOAL_OUTCOME_PASSED)
    message = shoal_execution_describe (execution);
  for (guint i = tests->len; i > 0; i--)
    results = g_list_prepend (results,
                              shoal_adapter_result_for_execution (g_ptr_array_index (tests, i - 1),
                                                                  execution, outcome, message));
  return results;
}

static void
shoal_adapter_default_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_adapter_real_configure;
  iface->can_batch = shoal_adapter_real_can_batch;
  iface->interpret = shoal_adapter_real_interpret;
  iface->get_batch_key = shoal_adapter_real_get_batch_key;
}

/**
 * shoal_adapter_configure:
 * @self: an adapter
 * @suite_name: the suite's name, the prefix of its test ids
 * @settings: (nullable): the suite's mapping in `shoal.yaml`
 * @error: return location for a #GError
 *
 * Hands the adapter its suite's settings. Errors name file, line, column
 * and key.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_adapter_configure (ShoalAdapter *self,
                         const char *suite_name,
                         ShoalSettings *settings,
                         GError **error)
{
  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), FALSE);
  g_return_val_if_fail (suite_name != NULL, FALSE);
  g_return_val_if_fail (settings == NULL || SHOAL_IS_SETTINGS (settings), FALSE);

  return SHOAL_ADAPTER_GET_IFACE (self)->configure (self, suite_name, settings, error);
}

/**
 * shoal_adapter_discover:
 * @self: an adapter
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the suite's test cases.
 *
 * Returns: (transfer full) (element-type ShoalTestCase): the tests (%NULL
 *   for none, or with @error set)
 */
GList *
shoal_adapter_discover (ShoalAdapter *self,
                        GCancellable *cancellable,
                        GError **error)
{
  ShoalAdapterInterface *iface;

  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);

  iface = SHOAL_ADAPTER_GET_IFACE (self);
  if (iface->discover == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "adapter %s cannot discover tests", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  return iface->discover (self, cancellable, error);
}

/**
 * shoal_adapter_prepare:
 * @self: an adapter
 * @tests: (element-type ShoalTestCase): one test, or several when the
 *   adapter can batch
 * @error: return location for a #GError
 *
 * Describes how to run @tests.
 *
 * Returns: (transfer full): the command, or %NULL with @error set
 */
ShoalRunCommand *
shoal_adapter_prepare (ShoalAdapter *self,
                       GPtrArray *tests,
                       GError **error)
{
  ShoalAdapterInterface *iface;

  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);
  g_return_val_if_fail (tests != NULL && tests->len > 0, NULL);

  iface = SHOAL_ADAPTER_GET_IFACE (self);
  if (iface->prepare == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "adapter %s cannot run tests", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  return iface->prepare (self, tests, error);
}

/**
 * shoal_adapter_interpret:
 * @self: an adapter
 * @command: the command that ran
 * @execution: what happened
 * @error: return location for a #GError
 *
 * Turns what happened into results. The default implementation gives every
 * test of @command the outcome of [method@Shoal.Execution.get_default_outcome].
 *
 * Returns: (transfer full) (element-type ShoalTestResult): the results
 *   (%NULL with @error set on failure)
 */
GList *
shoal_adapter_interpret (ShoalAdapter *self,
                         ShoalRunCommand *command,
                         ShoalExecution *execution,
                         GError **error)
{
  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (command), NULL);
  g_return_val_if_fail (SHOAL_IS_EXECUTION (execution), NULL);

  return SHOAL_ADAPTER_GET_IFACE (self)->interpret (self, command, execution, error);
}

/**
 * shoal_adapter_can_batch:
 * @self: an adapter
 *
 * Which tests it accepts together is [method@Shoal.Adapter.get_batch_key]'s
 * answer.
 *
 * Returns: whether [method@Shoal.Adapter.prepare] accepts several tests
 */
gboolean
shoal_adapter_can_batch (ShoalAdapter *self)
{
  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), FALSE);
  return SHOAL_ADAPTER_GET_IFACE (self)->can_batch (self);
}

/**
 * shoal_adapter_get_batch_key:
 * @self: an adapter
 * @test: one of the adapter's tests
 *
 * Which of the adapter's tests may share a process. When a run starts, the
 * scheduler groups short tests whose keys are equal into batches, which
 * [method@Shoal.Adapter.prepare] then receives together; a test whose key
 * is %NULL always runs alone. Keys are compared only between tests of the
 * same adapter (one suite), so they need not name the suite.
 *
 * Equal keys are the adapter's word that the tests run the same way in one
 * process as each alone, and that its prepare accepts them in one command:
 * the same program or `.test` file, the same interpreter and framework
 * arguments. Tests it would refuse to put together must have different
 * keys, or %NULL.
 *
 * The core adds what it owns: tests share a process only if their working
 * directories, workspaces and environments are equal too. The core merges
 * the suite's `env:` into a test's environment after discovery, copies its
 * workspace and moves the working directory into the copy, while a batch's
 * command has one of each; so the adapter need not, and cannot fully,
 * vouch for them. Tests that hold a lock, a resource or more than one slot,
 * exclusive tests and clean-ups never share a process, whatever their key.
 *
 * Without [method@Shoal.Adapter.can_batch] this is %NULL and the adapter is
 * not asked. Adapters that do not implement it key on the first element of
 * the test's argv, the program: right when the program alone decides how a
 * test runs, wrong for an adapter that starts every test through the same
 * shell or interpreter, which should implement it.
 *
 * Returns: (transfer full) (nullable): the key, or %NULL when @test never
 *   shares a process
 */
char *
shoal_adapter_get_batch_key (ShoalAdapter *self,
                             ShoalTestCase *test)
{
  ShoalAdapterInterface *iface;

  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), NULL);

  iface = SHOAL_ADAPTER_GET_IFACE (self);
  if (!iface->can_batch (self) || iface->get_batch_key == NULL)
    return NULL;
  return iface->get_batch_key (self, test);
}

/**
 * shoal_adapter_prepare_session:
 * @self: an adapter
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the command of a persistent worker
 *   process, or %NULL (with @error unset) when the adapter has none
 */
ShoalRunCommand *
shoal_adapter_prepare_session (ShoalAdapter *self,
                               GError **error)
{
  ShoalAdapterInterface *iface;

  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);
  iface = SHOAL_ADAPTER_GET_IFACE (self);
  if (iface->prepare_session == NULL)
    return NULL;
  return iface->prepare_session (self, error);
}

/**
 * shoal_adapter_get_resource_pools:
 * @self: an adapter
 *
 * Returns: (transfer full) (nullable): the pools the suite's framework
 *   defines, as a `a{su}` dictionary of pool name to size, or %NULL
 */
GVariant *
shoal_adapter_get_resource_pools (ShoalAdapter *self)
{
  ShoalAdapterInterface *iface;
  GVariant *pools;

  g_return_val_if_fail (SHOAL_IS_ADAPTER (self), NULL);

  iface = SHOAL_ADAPTER_GET_IFACE (self);
  if (iface->get_resource_pools == NULL)
    return NULL;
  pools = iface->get_resource_pools (self);
  if (pools == NULL)
    return NULL;
  pools = g_variant_take_ref (pools);
  if (!g_variant_is_of_type (pools, G_VARIANT_TYPE ("a{su}")))
    {
      g_critical ("%s: pools must be a{su}, not %s", G_STRFUNC, g_variant_get_type_string (pools));
      g_clear_pointer (&pools, g_variant_unref);
    }
  return pools;
}

/**
 * shoal_adapter_result_for_execution:
 * @test: the test
 * @execution: what happened
 * @outcome: the outcome the adapter decided
 * @message: (nullable): why, for people
 *
 * A result for @test filled from @execution (timing, worker, attempt,
 * output, exit status or signal) with @outcome and @message. The test's
 * discovery note, and the core's note on the execution, are appended to the
 * message.
 *
 * Returns: (transfer full): a new, unsealed result
 */
ShoalTestResult *
shoal_adapter_result_for_execution (ShoalTestCase *test,
                                    ShoalExecution *execution,
                                    ShoalOutcome outcome,
                                    const char *message)
{
  ShoalTestResult *result;
  g_autoptr (GString) full = g_string_new (message);
  const char *notes[2];

  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), NULL);
  g_return_val_if_fail (SHOAL_IS_EXECUTION (execution), NULL);

  notes[0] = shoal_test_case_get_note (test);
  notes[1] = shoal_execution_get_note (execution);
  for (guint i = 0; i < G_N_ELEMENTS (notes); i++)
    if (notes[i] != NULL)
      {
        if (full->len > 0)
          g_string_append (full, "; ");
        g_string_append (full, notes[i]);
      }

  result = shoal_test_result_new (shoal_test_case_get_id (test), outcome);
  shoal_test_result_set_name (result, shoal_test_case_get_name (test));
  shoal_test_result_set_suite (result, shoal_test_case_get_suite (test));
  shoal_test_result_set_exit_status (result, shoal_execution_get_exit_status (execution));
  shoal_test_result_set_signal (result, shoal_execution_get_term_signal (execution));
  shoal_test_result_set_duration (result, shoal_execution_get_duration (execution));
  shoal_test_result_set_peak_rss (result, shoal_execution_get_peak_rss (execution));
  shoal_test_result_set_times (result, shoal_execution_get_start_time (execution),
                               shoal_execution_get_end_time (execution));
  shoal_test_result_set_worker_id (result, shoal_execution_get_worker_id (execution));
  shoal_test_result_set_attempt (result, shoal_execution_get_attempt (execution));
  shoal_test_result_set_output_path (result, shoal_execution_get_output_path (execution));
  if (full->len > 0)
    shoal_test_result_set_message (result, full->str);
  return result;
}
