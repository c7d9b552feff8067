/* shoal-test-case.h: one schedulable test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_CASE (shoal_test_case_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestCase, shoal_test_case, SHOAL, TEST_CASE, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestCase *
    shoal_test_case_new (const char *suite,
                         const char *local_id);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_id (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_local_id (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_suite (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_name (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_name (ShoalTestCase *self,
                               const char *name);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_adapter (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_adapter (ShoalTestCase *self,
                                  const char *adapter);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_tags (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_tags (ShoalTestCase *self,
                               const char *const *tags);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_case_has_tag (ShoalTestCase *self,
                                  const char *tag);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_dependencies (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_dependencies (ShoalTestCase *self,
                                       const char *const *dependencies);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_requirements (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_requirements (ShoalTestCase *self,
                                       const char *const *requirements);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_skip_if_failed (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_skip_if_failed (ShoalTestCase *self,
                                         const char *const *skip_if_failed);
SHOAL_AVAILABLE_IN_1_0
guint shoal_test_case_get_slots (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_slots (ShoalTestCase *self,
                                guint slots);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_required_resources (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_required_resources (ShoalTestCase *self,
                                             const char *const *resources);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_locks (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_locks (ShoalTestCase *self,
                                const char *const *locks);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_case_get_timeout (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_timeout (ShoalTestCase *self,
                                  double timeout);
SHOAL_AVAILABLE_IN_1_0
int shoal_test_case_get_priority (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_priority (ShoalTestCase *self,
                                   int priority);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_case_get_estimated_duration (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_estimated_duration (ShoalTestCase *self,
                                             double seconds);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_argv (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_argv (ShoalTestCase *self,
                               const char *const *argv);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_environment (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_environment (ShoalTestCase *self,
                                      const char *const *environment);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_cwd (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_cwd (ShoalTestCase *self,
                              const char *cwd);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_workspace (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_case_get_workspace_exclude (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_workspace (ShoalTestCase *self,
                                    const char *source_dir,
                                    const char *const *exclude);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_case_get_runs_finally (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_runs_finally (ShoalTestCase *self,
                                       gboolean runs_finally);
SHOAL_AVAILABLE_IN_1_0
int shoal_test_case_get_retries (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_retries (ShoalTestCase *self,
                                  int retries);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_case_get_exclusive (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_exclusive (ShoalTestCase *self,
                                    gboolean exclusive);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_case_get_note (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_set_note (ShoalTestCase *self,
                               const char *note);
SHOAL_AVAILABLE_IN_1_0
void shoal_test_case_seal (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_case_is_sealed (ShoalTestCase *self);
SHOAL_AVAILABLE_IN_1_0
JsonNode *shoal_test_case_to_json (ShoalTestCase *self);

G_END_DECLS
