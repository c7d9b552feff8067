/* shoal-types.h: enumerations shared across the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * ShoalOutcome:
 * @SHOAL_OUTCOME_PASSED: the test passed
 * @SHOAL_OUTCOME_FAILED: the test ran and failed
 * @SHOAL_OUTCOME_SKIPPED: the test was skipped (by itself, exit status 77,
 *   because a dependency it requires did not pass, or because one of its
 *   [method@Shoal.TestCase.get_skip_if_failed] tests failed)
 * @SHOAL_OUTCOME_TIMEOUT: the test ran longer than its timeout and was killed
 * @SHOAL_OUTCOME_CRASHED: the test was killed by a signal it did not ask for
 * @SHOAL_OUTCOME_ERROR: the test could not be run (spawn failure, resource
 *   timeout, interrupted run, an adapter that could not read the result)
 *
 * How one attempt of one test ended.
 */
typedef enum
{
  SHOAL_OUTCOME_PASSED,
  SHOAL_OUTCOME_FAILED,
  SHOAL_OUTCOME_SKIPPED,
  SHOAL_OUTCOME_TIMEOUT,
  SHOAL_OUTCOME_CRASHED,
  SHOAL_OUTCOME_ERROR,
} ShoalOutcome;

SHOAL_AVAILABLE_IN_1_0
const char *shoal_outcome_to_string (ShoalOutcome outcome);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_outcome_from_string (const char *str,
                                    ShoalOutcome *out_outcome);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_outcome_is_success (ShoalOutcome outcome);

SHOAL_AVAILABLE_IN_1_0
char *shoal_format_timestamp (gint64 usec);
SHOAL_AVAILABLE_IN_1_0
GList *shoal_object_list_from_array (GPtrArray *array);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_object_array_from_list (GList *list);

/**
 * ShoalPluginKind:
 * @SHOAL_PLUGIN_KIND_ADAPTER: implements [iface@Shoal.Adapter]
 * @SHOAL_PLUGIN_KIND_STRATEGY: implements [iface@Shoal.Strategy]
 * @SHOAL_PLUGIN_KIND_PROVIDER: implements [iface@Shoal.ResourceProvider]
 * @SHOAL_PLUGIN_KIND_REPORTER: implements [iface@Shoal.Reporter]
 *
 * The four roles a plugin can take.
 */
typedef enum
{
  SHOAL_PLUGIN_KIND_ADAPTER,
  SHOAL_PLUGIN_KIND_STRATEGY,
  SHOAL_PLUGIN_KIND_PROVIDER,
  SHOAL_PLUGIN_KIND_REPORTER,
} ShoalPluginKind;

SHOAL_AVAILABLE_IN_1_0
const char *shoal_plugin_kind_to_string (ShoalPluginKind kind);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_plugin_kind_from_string (const char *str,
                                        ShoalPluginKind *out_kind);
SHOAL_AVAILABLE_IN_1_0
GType shoal_plugin_kind_get_interface_type (ShoalPluginKind kind);

/**
 * ShoalSettingsKind:
 * @SHOAL_SETTINGS_KIND_NONE: the key is absent (or its value is `null`)
 * @SHOAL_SETTINGS_KIND_SCALAR: a string, number or boolean
 * @SHOAL_SETTINGS_KIND_SEQUENCE: a list
 * @SHOAL_SETTINGS_KIND_MAPPING: a mapping
 *
 * The shape of a value in a configuration file.
 */
typedef enum
{
  SHOAL_SETTINGS_KIND_NONE,
  SHOAL_SETTINGS_KIND_SCALAR,
  SHOAL_SETTINGS_KIND_SEQUENCE,
  SHOAL_SETTINGS_KIND_MAPPING,
} ShoalSettingsKind;

G_END_DECLS
