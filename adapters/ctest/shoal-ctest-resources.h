/* shoal-ctest-resources.h: CTest resource groups on Shoal's pools (internal API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Compiled into the ctest module and into shoal-ctest-exec, the helper that
 * turns the pool instances a test holds into CTest's
 * `CTEST_RESOURCE_GROUP_*` variables, so both pack requests the same way.
 * GLib only: the helper does not link libshoal.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A safety net for the backtracking: requests are a handful per test. */
#define SHOAL_CTEST_PACK_MAX_STEPS 100000

gboolean shoal_ctest_is_type_name (const char *name);
gboolean shoal_ctest_is_id (const char *id);
char *shoal_ctest_pool_variable (const char *type);
gboolean shoal_ctest_pack (const guint *requests,
                           guint n_requests,
                           const guint *capacities,
                           guint n_bins,
                           guint *out_bins);

G_END_DECLS
