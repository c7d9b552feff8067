/* shoal-test-distribution-manager.h: plans, their balance and their bounds
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-dispatch-context.h"
#include "shoal-strategy.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_DISTRIBUTION_MANAGER (shoal_test_distribution_manager_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestDistributionManager, shoal_test_distribution_manager, SHOAL, TEST_DISTRIBUTION_MANAGER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestDistributionManager *
    shoal_test_distribution_manager_new (ShoalStrategy *strategy,
                                         ShoalDispatchContext *context);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_test_distribution_manager_distribute_tests (ShoalTestDistributionManager *self,
                                                         GPtrArray *tests,
                                                         guint n_workers,
                                                         GError **error);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_distribution_manager_calculate_balance_score (GList *groups);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_distribution_manager_estimated_makespan (GList *groups);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_distribution_manager_lower_bound (ShoalTestDistributionManager *self,
                                                    GPtrArray *tests,
                                                    guint n_workers);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_test_distribution_manager_rebalance_if_needed (ShoalTestDistributionManager *self,
                                                            GList *groups,
                                                            double threshold);

G_END_DECLS
