/* adapter-test-helpers.h: what the adapter tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Included by tests/test-adapter-*.c only; static inline so a test that
 * uses part of it gets no unused-function warnings.
 */

#pragma once

#include <shoal.h>

/* Settings the way shoal.yaml hands them to an adapter: the configuration
 * has consumed the suite-level keys it knows already. */
static inline ShoalSettings *
adapter_test_suite_settings (const char *yaml,
                             const char *filename)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings = shoal_settings_new_from_data (yaml, -1, filename, &error);
  g_autofree char *name = NULL;
  g_autofree char *adapter = NULL;

  g_assert_no_error (error);
  name = shoal_settings_get_string (settings, "name", NULL, &error);
  g_assert_no_error (error);
  adapter = shoal_settings_get_string (settings, "adapter", NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&settings);
}

static inline ShoalAdapter *
adapter_test_new_adapter (ShoalPluginRegistry *registry,
                          const char *name)
{
  g_autoptr (GError) error = NULL;
  ShoalAdapter *adapter = shoal_plugin_registry_create_adapter (registry, name, &error);

  g_assert_no_error (error);
  g_assert_true (SHOAL_IS_ADAPTER (adapter));
  return adapter;
}

/* Configures @adapter for suite "s" and discovers; %NULL with @error set
 * on failure. */
static inline GPtrArray *
adapter_test_discover (ShoalAdapter *adapter,
                       ShoalSettings *settings,
                       GError **error)
{
  GError *local_error = NULL;
  GList *list;

  if (!shoal_adapter_configure (adapter, "s", settings, error))
    return NULL;
  list = shoal_adapter_discover (adapter, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return shoal_object_array_from_list (list);
}

static inline void
adapter_test_assert_strv (const char *const *actual,
                          const char *const *expected)
{
  g_assert_nonnull (actual);
  g_assert_cmpuint (g_strv_length ((char **) actual), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (actual[i], ==, expected[i]);
}

static inline void
adapter_test_assert_result (GPtrArray *results,
                            guint index,
                            const char *test_id,
                            ShoalOutcome outcome,
                            const char *message)
{
  ShoalTestResult *result;

  g_assert_cmpuint (index, <, results->len);
  result = g_ptr_array_index (results, index);
  g_assert_cmpstr (shoal_test_result_get_test_id (result), ==, test_id);
  g_assert_cmpstr (shoal_outcome_to_string (shoal_test_result_get_outcome (result)), ==,
                   shoal_outcome_to_string (outcome));
  g_assert_cmpstr (shoal_test_result_get_message (result), ==, message);
}

/* Discovers the suite @yaml describes, as written in @filename, with a new
 * @adapter_name adapter; the adapter is handed out through @out_adapter. */
static inline GPtrArray *
adapter_test_discover_suite (ShoalPluginRegistry *registry,
                             const char *adapter_name,
                             const char *yaml,
                             const char *filename,
                             ShoalAdapter **out_adapter,
                             GError **error)
{
  g_autoptr (ShoalSettings) settings = adapter_test_suite_settings (yaml, filename);
  g_autoptr (ShoalAdapter) adapter = adapter_test_new_adapter (registry, adapter_name);
  GPtrArray *tests = adapter_test_discover (adapter, settings, error);

  if (tests != NULL && out_adapter != NULL)
    *out_adapter = g_steal_pointer (&adapter);
  return tests;
}

/* The discovered test with @id; a test that is not there is a bug. */
static inline ShoalTestCase *
adapter_test_find_test (GPtrArray *tests,
                        const char *id)
{
  for (guint i = 0; i < tests->len; i++)
    if (g_str_equal (shoal_test_case_get_id (g_ptr_array_index (tests, i)), id))
      return g_ptr_array_index (tests, i);
  g_error ("no test %s", id);
}
