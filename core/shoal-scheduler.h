/* shoal-scheduler.h: runs tests on worker slots from one main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-adapter.h"
#include "shoal-event.h"
#include "shoal-history.h"
#include "shoal-environment-manager.h"
#include "shoal-lock-manager.h"
#include "shoal-resource-pool-manager.h"
#include "shoal-reporter.h"
#include "shoal-run-summary.h"
#include "shoal-strategy.h"
#include "shoal-test-case.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_SCHEDULER (shoal_scheduler_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalScheduler, shoal_scheduler, SHOAL, SCHEDULER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalScheduler *
    shoal_scheduler_new (guint max_workers);
SHOAL_AVAILABLE_IN_1_0
guint shoal_scheduler_get_max_workers (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_strategy (ShoalScheduler *self,
                                   ShoalStrategy *strategy);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_default_timeout (ShoalScheduler *self,
                                          double seconds);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_lock_manager (ShoalScheduler *self,
                                       ShoalLockManager *lock_manager);
SHOAL_AVAILABLE_IN_1_0
ShoalLockManager *shoal_scheduler_get_lock_manager (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_pool_manager (ShoalScheduler *self,
                                       ShoalResourcePoolManager *pool_manager);
SHOAL_AVAILABLE_IN_1_0
ShoalResourcePoolManager *shoal_scheduler_get_pool_manager (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_environment_manager (ShoalScheduler *self,
                                              ShoalEnvironmentManager *manager);
SHOAL_AVAILABLE_IN_1_0
ShoalEnvironmentManager *shoal_scheduler_get_environment_manager (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_history (ShoalScheduler *self,
                                  ShoalHistory *history);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_min_workers (ShoalScheduler *self,
                                      guint min_workers);
SHOAL_AVAILABLE_IN_1_0
guint shoal_scheduler_get_active_workers (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_scheduler_redistribute_failed_worker_tests (ShoalScheduler *self,
                                                        const char *const *worker_ids);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_retries (ShoalScheduler *self,
                                  guint retries,
                                  double delay,
                                  gboolean backoff,
                                  gboolean on_other_worker,
                                  gboolean flaky_fails);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_quarantined_tests (ShoalScheduler *self,
                                            const char *const *test_ids);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_batching (ShoalScheduler *self,
                                   gboolean batching);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_resource_timeout (ShoalScheduler *self,
                                           double seconds);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_kill_grace (ShoalScheduler *self,
                                     double seconds);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_run_dir (ShoalScheduler *self,
                                  const char *run_dir);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_run_id (ShoalScheduler *self,
                                 const char *run_id);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_scheduler_get_run_id (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_set_environment (ShoalScheduler *self,
                                      const char *const *environment);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_scheduler_add_test (ShoalScheduler *self,
                                   ShoalTestCase *test,
                                   ShoalAdapter *adapter,
                                   GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_scheduler_add_test_dependency (ShoalScheduler *self,
                                              const char *dependent_test,
                                              const char *dependency_test,
                                              const char *dependency_type,
                                              GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_add_result (ShoalScheduler *self,
                                 ShoalTestResult *result);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_add_reporter (ShoalScheduler *self,
                                   ShoalReporter *reporter);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_run_async (ShoalScheduler *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
SHOAL_AVAILABLE_IN_1_0
ShoalRunSummary *shoal_scheduler_run_finish (ShoalScheduler *self,
                                             GAsyncResult *result,
                                             GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalRunSummary *shoal_scheduler_run (ShoalScheduler *self,
                                      GCancellable *cancellable,
                                      GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_scheduler_interrupt (ShoalScheduler *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_scheduler_get_warnings (ShoalScheduler *self);

G_END_DECLS
