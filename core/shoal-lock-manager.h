/* shoal-lock-manager.h: named locks for user code, with deadlock detection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_LOCK_ERROR:
 *
 * Errors of [class@Shoal.LockManager].
 */
#define SHOAL_LOCK_ERROR (shoal_lock_error_quark ())

/**
 * ShoalLockError:
 * @SHOAL_LOCK_ERROR_TIMEOUT: the lock was not granted within the timeout
 * @SHOAL_LOCK_ERROR_DEADLOCK: the waiter was chosen to give way to break a
 *   cycle in the wait-for graph
 * @SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE: no resource of that id is registered
 * @SHOAL_LOCK_ERROR_NOT_HELD: released a resource the holder does not hold
 * @SHOAL_LOCK_ERROR_INVALID: a request that cannot be honoured (taking a
 *   resource again, an exclusive resource taken shared, registering a
 *   resource again with another exclusivity)
 * @SHOAL_LOCK_ERROR_CANCELLED: the wait was cancelled, or the manager was
 *   disposed
 *
 * Error codes of %SHOAL_LOCK_ERROR.
 */
typedef enum
{
  SHOAL_LOCK_ERROR_TIMEOUT,
  SHOAL_LOCK_ERROR_DEADLOCK,
  SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE,
  SHOAL_LOCK_ERROR_NOT_HELD,
  SHOAL_LOCK_ERROR_INVALID,
  SHOAL_LOCK_ERROR_CANCELLED,
} ShoalLockError;

/**
 * ShoalLockMode:
 * @SHOAL_LOCK_MODE_DEFAULT: as the resource was registered: exclusive for an
 *   exclusive resource, shared otherwise
 * @SHOAL_LOCK_MODE_EXCLUSIVE: the only holder
 * @SHOAL_LOCK_MODE_SHARED: one of any number of shared holders (only for a
 *   resource registered as non-exclusive)
 *
 * How [method@Shoal.LockManager.acquire] takes a resource.
 */
typedef enum
{
  SHOAL_LOCK_MODE_DEFAULT,
  SHOAL_LOCK_MODE_EXCLUSIVE,
  SHOAL_LOCK_MODE_SHARED,
} ShoalLockMode;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_lock_error_quark (void);

#define SHOAL_TYPE_LOCK_MANAGER (shoal_lock_manager_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalLockManager, shoal_lock_manager, SHOAL, LOCK_MANAGER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalLockManager *
    shoal_lock_manager_new (void);
SHOAL_AVAILABLE_IN_1_0
double shoal_lock_manager_get_detection_interval (ShoalLockManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_lock_manager_set_detection_interval (ShoalLockManager *self,
                                                double seconds);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_register_resource (ShoalLockManager *self,
                                               const char *resource_id,
                                               const char *resource_type,
                                               gboolean exclusive,
                                               GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_has_resource (ShoalLockManager *self,
                                          const char *resource_id);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_is_exclusive (ShoalLockManager *self,
                                          const char *resource_id);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_acquire (ShoalLockManager *self,
                                     const char *holder_id,
                                     const char *resource_id,
                                     ShoalLockMode mode,
                                     double timeout,
                                     GCancellable *cancellable,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_try_acquire_all (ShoalLockManager *self,
                                             const char *holder_id,
                                             const char *const *resource_ids,
                                             GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_lock_manager_release (ShoalLockManager *self,
                                     const char *holder_id,
                                     const char *resource_id,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
guint shoal_lock_manager_release_all (ShoalLockManager *self,
                                      const char *holder_id);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_lock_manager_detect_deadlocks (ShoalLockManager *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_lock_manager_resolve_deadlocks (ShoalLockManager *self);
SHOAL_AVAILABLE_IN_1_0
GStrv shoal_lock_manager_get_holders (ShoalLockManager *self,
                                      const char *resource_id);
SHOAL_AVAILABLE_IN_1_0
GStrv shoal_lock_manager_get_held (ShoalLockManager *self,
                                   const char *holder_id);
SHOAL_AVAILABLE_IN_1_0
guint shoal_lock_manager_get_waiting (ShoalLockManager *self,
                                      const char *resource_id);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_lock_manager_get_status (ShoalLockManager *self);

G_END_DECLS
