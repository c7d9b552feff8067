/* shoal-history.h: the history store, one SQLite row per test attempt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-result.h"
#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_HISTORY_ERROR:
 *
 * Errors of [class@Shoal.History].
 */
#define SHOAL_HISTORY_ERROR (shoal_history_error_quark ())

/**
 * ShoalHistoryError:
 * @SHOAL_HISTORY_ERROR_CORRUPT: the database file is corrupt, unreadable or
 *   not a database; the message names the file and how to rebuild it
 * @SHOAL_HISTORY_ERROR_IO: a file could not be read, written or moved
 * @SHOAL_HISTORY_ERROR_PARSE: an import file is not valid history JSON; the
 *   message names the position
 * @SHOAL_HISTORY_ERROR_INVALID: a bad argument, or a database written by a
 *   newer Shoal
 *
 * Error codes of %SHOAL_HISTORY_ERROR.
 */
typedef enum
{
  SHOAL_HISTORY_ERROR_CORRUPT,
  SHOAL_HISTORY_ERROR_IO,
  SHOAL_HISTORY_ERROR_PARSE,
  SHOAL_HISTORY_ERROR_INVALID,
} ShoalHistoryError;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_history_error_quark (void);

#define SHOAL_TYPE_HISTORY (shoal_history_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalHistory, shoal_history, SHOAL, HISTORY, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalHistory *
    shoal_history_open (const char *path,
                        GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_rebuild (const char *path,
                                GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_history_get_path (ShoalHistory *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_record (ShoalHistory *self,
                               const char *run_id,
                               const char *host,
                               ShoalTestResult *result,
                               gint64 peak_rss,
                               GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_flush (ShoalHistory *self,
                              GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_get_estimate (ShoalHistory *self,
                                     const char *test_id,
                                     double *out_mean,
                                     double *out_p90,
                                     guint *out_samples);
SHOAL_AVAILABLE_IN_1_0
GHashTable *shoal_history_get_estimates (ShoalHistory *self,
                                         const char *const *test_ids);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_history_get_estimates_variant (ShoalHistory *self,
                                               const char *const *test_ids);
SHOAL_AVAILABLE_IN_1_0
double shoal_history_estimate_with_fallback (ShoalHistory *self,
                                             const char *test_id,
                                             const char *suite,
                                             double default_seconds);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_history_get_attempts (ShoalHistory *self,
                                       const char *test_id,
                                       guint limit);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_export (ShoalHistory *self,
                               const char *path,
                               GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_history_import (ShoalHistory *self,
                               const char *path,
                               guint *out_added,
                               GError **error);

G_END_DECLS
