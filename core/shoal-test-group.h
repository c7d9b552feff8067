/* shoal-test-group.h: the tests a plan gives one worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-case.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_GROUP (shoal_test_group_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestGroup, shoal_test_group, SHOAL, TEST_GROUP, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestGroup *
    shoal_test_group_new (const char *worker_id);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_group_get_worker_id (ShoalTestGroup *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_group_add (ShoalTestGroup *self,
                           ShoalTestCase *test,
                           double estimate);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_test_group_get_tests (ShoalTestGroup *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_group_get_estimated_duration (ShoalTestGroup *self);

G_END_DECLS
