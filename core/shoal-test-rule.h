/* shoal-test-rule.h: what shoal.yaml says about some tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-settings.h"
#include "shoal-test-case.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_RULE (shoal_test_rule_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestRule, shoal_test_rule, SHOAL, TEST_RULE, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestRule *
    shoal_test_rule_new_from_settings (ShoalSettings *settings,
                                       gboolean with_match,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_rule_get_match (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_rule_get_resources (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_rule_get_depends (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_rule_get_requires (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_rule_get_skip_if_failed (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_rule_get_fixtures (ShoalTestRule *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_rule_matches (ShoalTestRule *self,
                                  const char *test_id);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_rule_apply (ShoalTestRule *self,
                            ShoalTestCase *test);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_parse_resource_request (const char *request,
                                       char **out_name,
                                       guint *out_count,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_id_matches (const char *test_id,
                                const char *pattern);

G_END_DECLS
