/* shoal-resource-pool-manager.h: counted pools of resource instances, thread-safe
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
#include "shoal-resource-instance.h"
#include "shoal-resource-provider.h"
#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_POOL_ERROR:
 *
 * Errors of [class@Shoal.ResourcePoolManager].
 */
#define SHOAL_POOL_ERROR (shoal_pool_error_quark ())

/**
 * ShoalPoolError:
 * @SHOAL_POOL_ERROR_TIMEOUT: an acquisition waited longer than its timeout
 * @SHOAL_POOL_ERROR_UNKNOWN_POOL: no pool of that name
 * @SHOAL_POOL_ERROR_INVALID: a bad argument: a pool of size 0, a duplicate
 *   pool, a malformed request
 * @SHOAL_POOL_ERROR_NOT_HELD: a release of an instance the releaser does not
 *   hold
 * @SHOAL_POOL_ERROR_EXHAUSTED: a request for more instances than the pool can
 *   ever have
 * @SHOAL_POOL_ERROR_PROVIDER: the pool's provider could not make an instance
 * @SHOAL_POOL_ERROR_CANCELLED: the acquisition was cancelled
 *
 * Error codes of %SHOAL_POOL_ERROR.
 */
typedef enum
{
  SHOAL_POOL_ERROR_TIMEOUT,
  SHOAL_POOL_ERROR_UNKNOWN_POOL,
  SHOAL_POOL_ERROR_INVALID,
  SHOAL_POOL_ERROR_NOT_HELD,
  SHOAL_POOL_ERROR_EXHAUSTED,
  SHOAL_POOL_ERROR_PROVIDER,
  SHOAL_POOL_ERROR_CANCELLED,
} ShoalPoolError;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_pool_error_quark (void);

#define SHOAL_TYPE_RESOURCE_POOL_MANAGER (shoal_resource_pool_manager_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalResourcePoolManager, shoal_resource_pool_manager, SHOAL, RESOURCE_POOL_MANAGER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalResourcePoolManager *
    shoal_resource_pool_manager_new (void);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_add_pool (ShoalResourcePoolManager *self,
                                               const char *pool_name,
                                               guint initial_size,
                                               GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_add_pool_full (ShoalResourcePoolManager *self,
                                                    const char *pool_name,
                                                    guint size,
                                                    guint min_size,
                                                    guint max_size,
                                                    ShoalResourceProvider *provider,
                                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_add_pool_from_config (ShoalResourcePoolManager *self,
                                                           ShoalPoolConfig *config,
                                                           ShoalPluginRegistry *registry,
                                                           GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalResourceInstance *shoal_resource_pool_manager_acquire_resource (ShoalResourcePoolManager *self,
                                                                     const char *pool_name,
                                                                     const char *worker_id,
                                                                     double timeout,
                                                                     GCancellable *cancellable,
                                                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_acquire_resource_full (ShoalResourcePoolManager *self,
                                                            const char *pool_name,
                                                            guint count,
                                                            const char *worker_id,
                                                            int priority,
                                                            double timeout,
                                                            GCancellable *cancellable,
                                                            GPtrArray **out_instances,
                                                            GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_try_acquire (ShoalResourcePoolManager *self,
                                                  const char *const *requests,
                                                  const char *holder_id,
                                                  int priority,
                                                  GPtrArray **out_instances,
                                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_release_resource (ShoalResourcePoolManager *self,
                                                       const char *pool_name,
                                                       const char *resource_id,
                                                       const char *worker_id,
                                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_pool_manager_release_all (ShoalResourcePoolManager *self,
                                              const char *holder_id);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_pool_manager_has_pool (ShoalResourcePoolManager *self,
                                               const char *pool_name);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_resource_pool_manager_get_pool_status (ShoalResourcePoolManager *self);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_resource_pool_manager_get_worker_status (ShoalResourcePoolManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_pool_manager_mark_worker_failed (ShoalResourcePoolManager *self,
                                                     const char *worker_id,
                                                     const char *reason);
SHOAL_AVAILABLE_IN_1_0
char **shoal_resource_pool_manager_environment_for (ShoalResourcePoolManager *self,
                                                    GPtrArray *instances);
SHOAL_AVAILABLE_IN_1_0
char *shoal_resource_pool_manager_environment_name (const char *pool_name);
SHOAL_AVAILABLE_IN_1_0
double shoal_resource_pool_manager_get_health_check_interval (ShoalResourcePoolManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_pool_manager_set_health_check_interval (ShoalResourcePoolManager *self,
                                                            double seconds);
SHOAL_AVAILABLE_IN_1_0
double shoal_resource_pool_manager_get_idle_shrink_delay (ShoalResourcePoolManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_pool_manager_set_idle_shrink_delay (ShoalResourcePoolManager *self,
                                                        double seconds);

G_END_DECLS
