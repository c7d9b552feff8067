/* shoal-quarantine-manager.h: flaky-test detection and the quarantine, kept
 * in the history database
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-history.h"
#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_QUARANTINE_ERROR:
 *
 * Errors of [class@Shoal.QuarantineManager]. Failures of the database
 * itself are %SHOAL_HISTORY_ERROR errors.
 */
#define SHOAL_QUARANTINE_ERROR (shoal_quarantine_error_quark ())

/**
 * ShoalQuarantineError:
 * @SHOAL_QUARANTINE_ERROR_INVALID: a bad argument: an empty test id or
 *   reason, an expiry that is not a `YYYY-MM-DD` date
 * @SHOAL_QUARANTINE_ERROR_NOT_FOUND: the test is not in the quarantine
 * @SHOAL_QUARANTINE_ERROR_PARSE: a settings file that is not valid JSON or
 *   not a valid quarantine settings file; the message names the position
 * @SHOAL_QUARANTINE_ERROR_IO: a settings file could not be read or written
 *
 * Error codes of %SHOAL_QUARANTINE_ERROR.
 */
typedef enum
{
  SHOAL_QUARANTINE_ERROR_INVALID,
  SHOAL_QUARANTINE_ERROR_NOT_FOUND,
  SHOAL_QUARANTINE_ERROR_PARSE,
  SHOAL_QUARANTINE_ERROR_IO,
} ShoalQuarantineError;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_quarantine_error_quark (void);

#define SHOAL_TYPE_QUARANTINE_MANAGER (shoal_quarantine_manager_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalQuarantineManager, shoal_quarantine_manager, SHOAL, QUARANTINE_MANAGER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalQuarantineManager *
    shoal_quarantine_manager_new (ShoalHistory *history);
SHOAL_AVAILABLE_IN_1_0
ShoalHistory *shoal_quarantine_manager_get_history (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_quarantine_manager_get_window (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_quarantine_manager_set_window (ShoalQuarantineManager *self,
                                          guint window);
SHOAL_AVAILABLE_IN_1_0
guint shoal_quarantine_manager_get_threshold (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_quarantine_manager_set_threshold (ShoalQuarantineManager *self,
                                             guint threshold);
SHOAL_AVAILABLE_IN_1_0
guint shoal_quarantine_manager_get_release_streak (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_quarantine_manager_set_release_streak (ShoalQuarantineManager *self,
                                                  guint release_streak);
SHOAL_AVAILABLE_IN_1_0
double shoal_quarantine_manager_get_flakiness (ShoalQuarantineManager *self,
                                               const char *test_id);
SHOAL_AVAILABLE_IN_1_0
guint shoal_quarantine_manager_update (ShoalQuarantineManager *self,
                                       const char *run_id,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_quarantine_manager_is_quarantined (ShoalQuarantineManager *self,
                                                  const char *test_id);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_quarantine_manager_add (ShoalQuarantineManager *self,
                                       const char *test_id,
                                       const char *reason,
                                       const char *owner,
                                       const char *expires,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_quarantine_manager_remove (ShoalQuarantineManager *self,
                                          const char *test_id,
                                          GError **error);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_quarantine_manager_list (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
GStrv shoal_quarantine_manager_get_expired (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_quarantine_manager_get_status (ShoalQuarantineManager *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_quarantine_manager_export_settings (ShoalQuarantineManager *self,
                                                   const char *path,
                                                   GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_quarantine_manager_import_settings (ShoalQuarantineManager *self,
                                                   const char *path,
                                                   GError **error);

G_END_DECLS
