/* shoal-project.h: a shoal.yaml with its plugins and discovered tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-config.h"
#include "shoal-plugin-registry.h"
#include "shoal-run-summary.h"
#include "shoal-scheduler.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PROJECT (shoal_project_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalProject, shoal_project, SHOAL, PROJECT, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalProject *
    shoal_project_new (ShoalConfig *config,
                       ShoalPluginRegistry *registry);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalProject *
    shoal_project_new_from_file (const char *path,
                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalConfig *shoal_project_get_config (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
ShoalPluginRegistry *shoal_project_get_registry (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_project_discover (ShoalProject *self,
                                 GCancellable *cancellable,
                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_project_get_tests (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_project_get_warnings (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_project_select_tests (ShoalProject *self,
                                       const char *const *patterns);
SHOAL_AVAILABLE_IN_1_0
ShoalHistory *shoal_project_get_history (ShoalProject *self,
                                         GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalLockManager *shoal_project_get_lock_manager (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
ShoalResourcePoolManager *shoal_project_get_pool_manager (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
ShoalScheduler *shoal_project_create_scheduler (ShoalProject *self,
                                                const char *const *patterns,
                                                GError **error);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_project_select_shard (ShoalProject *self,
                                       GPtrArray *tests,
                                       guint shard,
                                       guint n_shards);
SHOAL_AVAILABLE_IN_1_0
ShoalScheduler *shoal_project_create_scheduler_for_tests (ShoalProject *self,
                                                          GPtrArray *tests,
                                                          const char *const *patterns,
                                                          GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalReporter *shoal_project_create_reporter (ShoalProject *self,
                                              const char *format,
                                              const char *destination,
                                              GError **error);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_project_get_status_report (ShoalProject *self);
SHOAL_AVAILABLE_IN_1_0
ShoalRunSummary *shoal_project_run (ShoalProject *self,
                                    const char *const *patterns,
                                    GCancellable *cancellable,
                                    GError **error);

G_END_DECLS
