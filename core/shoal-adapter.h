/* shoal-adapter.h: the interface of a test framework adapter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-execution.h"
#include "shoal-run-command.h"
#include "shoal-settings.h"
#include "shoal-test-case.h"
#include "shoal-test-result.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_ADAPTER (shoal_adapter_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (ShoalAdapter, shoal_adapter, SHOAL, ADAPTER, GObject)

/**
 * ShoalAdapterInterface:
 * @configure: read the suite's settings (its mapping in `shoal.yaml`); report
 *   unknown keys and bad values with [method@Shoal.Settings.check_keys] and
 *   [method@Shoal.Settings.set_error] so errors carry file, line and column
 * @discover: list the suite's test cases; ids are `<suite>::<local id>`
 *   ([ctor@Shoal.TestCase.new] builds them). Helper processes are run through
 *   [func@Shoal.spawn_capture], never spawned directly.
 * @prepare: describe how to run @tests (one test, or a batch the adapter
 *   accepted) as a [class@Shoal.RunCommand]; the core spawns it
 * @interpret: turn what happened into one [class@Shoal.TestResult] per test
 *   (or per test point, for adapters whose command yields several results);
 *   in a batch, a test that did not run (an earlier case crashed or timed
 *   out, and is charged with it) gets no result: the core runs it again
 * @can_batch: whether @prepare accepts several tests in one command; without
 *   it no test of the adapter shares a process, whatever @get_batch_key says
 * @get_resource_pools: pools the suite's tests ask for that its framework
 *   defines (CTest's resource specification file), as a `a{su}` dictionary
 *   of pool name to size, or %NULL; called after @discover. Their
 *   instances have the ids `0`, `1`, ... A pool of the same name in
 *   `resource_pools:` takes precedence.
 * @prepare_session: the command of a persistent worker process the core
 *   keeps per worker slot and sends the session requests of @prepare's
 *   commands to ([method@Shoal.RunCommand.set_session_request], protocol in
 *   [class@Shoal.WorkerSession]); %NULL without an error when the adapter
 *   runs every command as a process of its own (the default)
 * @get_batch_key: which of the adapter's tests may share a process: those
 *   with equal keys may be handed to @prepare together, %NULL means the test
 *   always runs alone. Only asked when @can_batch is %TRUE. See
 *   [method@Shoal.Adapter.get_batch_key] for the contract and the default.
 *
 * The vtable of [iface@Shoal.Adapter]. Adapters describe and interpret; the
 * core spawns, times out, kills and captures.
 *
 * Lists returned by @discover and @interpret own a reference to each
 * element (C implementations can build a `GPtrArray` and return
 * [func@Shoal.object_list_from_array]).
 */
struct _ShoalAdapterInterface
{
  GTypeInterface parent_iface;

  gboolean (*configure) (ShoalAdapter *self,
                         const char *suite_name,
                         ShoalSettings *settings,
                         GError **error);
  GList *(*discover) (ShoalAdapter *self,
                      GCancellable *cancellable,
                      GError **error);
  ShoalRunCommand *(*prepare) (ShoalAdapter *self,
                               GPtrArray *tests,
                               GError **error);
  GList *(*interpret) (ShoalAdapter *self,
                       ShoalRunCommand *command,
                       ShoalExecution *execution,
                       GError **error);
  gboolean (*can_batch) (ShoalAdapter *self);
  GVariant *(*get_resource_pools) (ShoalAdapter *self);
  ShoalRunCommand *(*prepare_session) (ShoalAdapter *self,
                                       GError **error);
  char *(*get_batch_key) (ShoalAdapter *self,
                          ShoalTestCase *test);

  /*< private >*/
  gpointer _reserved[9];
};

SHOAL_AVAILABLE_IN_1_0
gboolean shoal_adapter_configure (ShoalAdapter *self,
                                  const char *suite_name,
                                  ShoalSettings *settings,
                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_adapter_discover (ShoalAdapter *self,
                               GCancellable *cancellable,
                               GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalRunCommand *shoal_adapter_prepare (ShoalAdapter *self,
                                        GPtrArray *tests,
                                        GError **error);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_adapter_interpret (ShoalAdapter *self,
                                ShoalRunCommand *command,
                                ShoalExecution *execution,
                                GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_adapter_can_batch (ShoalAdapter *self);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_adapter_get_resource_pools (ShoalAdapter *self);
SHOAL_AVAILABLE_IN_1_0
ShoalRunCommand *shoal_adapter_prepare_session (ShoalAdapter *self,
                                                GError **error);
SHOAL_AVAILABLE_IN_1_0
char *shoal_adapter_get_batch_key (ShoalAdapter *self,
                                   ShoalTestCase *test);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestResult *
    shoal_adapter_result_for_execution (ShoalTestCase *test,
                                        ShoalExecution *execution,
                                        ShoalOutcome outcome,
                                        const char *message);

G_END_DECLS
