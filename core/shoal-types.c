/* shoal-types.c: names of the shared enumerations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-adapter.h"
#include "shoal-reporter.h"
#include "shoal-resource-provider.h"
#include "shoal-strategy.h"
#include "shoal-types.h"

/* The strings are part of the event stream and of every report: never
 * rename one. */
static const char *const outcome_names[] = {
  [SHOAL_OUTCOME_PASSED] = "passed",
  [SHOAL_OUTCOME_FAILED] = "failed",
  [SHOAL_OUTCOME_SKIPPED] = "skipped",
  [SHOAL_OUTCOME_TIMEOUT] = "timeout",
  [SHOAL_OUTCOME_CRASHED] = "crashed",
  [SHOAL_OUTCOME_ERROR] = "error",
};

static const char *const plugin_kind_names[] = {
  [SHOAL_PLUGIN_KIND_ADAPTER] = "adapter",
  [SHOAL_PLUGIN_KIND_STRATEGY] = "strategy",
  [SHOAL_PLUGIN_KIND_PROVIDER] = "provider",
  [SHOAL_PLUGIN_KIND_REPORTER] = "reporter",
};

/**
 * shoal_outcome_to_string:
 * @outcome: an outcome
 *
 * Returns: (transfer none): the outcome's name in reports and events
 *   (`passed`, `failed`, `skipped`, `timeout`, `crashed`, `error`)
 */
const char *
shoal_outcome_to_string (ShoalOutcome outcome)
{
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (outcome_names), "error");
  return outcome_names[outcome];
}

/**
 * shoal_outcome_from_string:
 * @str: an outcome's name
 * @out_outcome: (out): the outcome
 *
 * Returns: %TRUE if @str names an outcome
 */
gboolean
shoal_outcome_from_string (const char *str,
                           ShoalOutcome *out_outcome)
{
  g_return_val_if_fail (out_outcome != NULL, FALSE);

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (outcome_names); i++)
    if (g_str_equal (str, outcome_names[i]))
      {
        *out_outcome = (ShoalOutcome) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * shoal_outcome_is_success:
 * @outcome: an outcome
 *
 * Whether @outcome lets the run pass: `passed` and `skipped` do.
 *
 * Returns: %TRUE for a passing outcome
 */
gboolean
shoal_outcome_is_success (ShoalOutcome outcome)
{
  return outcome == SHOAL_OUTCOME_PASSED || outcome == SHOAL_OUTCOME_SKIPPED;
}

/**
 * shoal_format_timestamp:
 * @usec: wall-clock microseconds since the Unix epoch
 *
 * Formats a time as the event stream and the reports write it: ISO 8601 in
 * UTC with microseconds, `2026-11-26T12:51:43.123456Z`.
 *
 * Returns: (transfer full) (nullable): the text, or %NULL if @usec is out
 *   of range
 */
char *
shoal_format_timestamp (gint64 usec)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) exact = NULL;

  if (dt == NULL)
    return NULL;
  exact = g_date_time_add (dt, usec % G_USEC_PER_SEC);
  return g_date_time_format (exact, "%Y-%m-%dT%H:%M:%S.%fZ");
}

/**
 * shoal_object_list_from_array: (skip)
 * @array: (transfer full): an array of objects
 *
 * Lists of objects cross the plugin interfaces as `GList`s that own a
 * reference to each element: the one form that language bindings hand over
 * the same way in both directions. This turns an array a C implementation
 * built into such a list.
 *
 * Returns: (transfer full): the list, holding a reference to each element
 */
GList *
shoal_object_list_from_array (GPtrArray *array)
{
  GList *list = NULL;

  if (array == NULL)
    return NULL;
  for (guint i = array->len; i > 0; i--)
    list = g_list_prepend (list, g_object_ref (g_ptr_array_index (array, i - 1)));
  g_ptr_array_unref (array);
  return list;
}

/**
 * shoal_object_array_from_list: (skip)
 * @list: (transfer full): a list owning a reference to each element
 *
 * The reverse of [func@Shoal.object_list_from_array], for C callers.
 *
 * Returns: (transfer full): an array that unrefs its elements when freed
 */
GPtrArray *
shoal_object_array_from_list (GList *list)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (array, l->data);
  g_list_free (list);
  return array;
}

/**
 * shoal_plugin_kind_to_string:
 * @kind: a plugin kind
 *
 * Returns: (transfer none): the kind's name, as in `X-Shoal-Kind=`
 */
const char *
shoal_plugin_kind_to_string (ShoalPluginKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (plugin_kind_names), NULL);
  return plugin_kind_names[kind];
}

/**
 * shoal_plugin_kind_from_string:
 * @str: a kind's name
 * @out_kind: (out): the kind
 *
 * Returns: %TRUE if @str names a plugin kind
 */
gboolean
shoal_plugin_kind_from_string (const char *str,
                               ShoalPluginKind *out_kind)
{
  g_return_val_if_fail (out_kind != NULL, FALSE);

  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (plugin_kind_names); i++)
    if (g_str_equal (str, plugin_kind_names[i]))
      {
        *out_kind = (ShoalPluginKind) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * shoal_plugin_kind_get_interface_type:
 * @kind: a plugin kind
 *
 * Returns: the interface a plugin of @kind implements
 */
GType
shoal_plugin_kind_get_interface_type (ShoalPluginKind kind)
{
  switch (kind)
    {
    case SHOAL_PLUGIN_KIND_ADAPTER:
      return SHOAL_TYPE_ADAPTER;
    case SHOAL_PLUGIN_KIND_STRATEGY:
      return SHOAL_TYPE_STRATEGY;
    case SHOAL_PLUGIN_KIND_PROVIDER:
      return SHOAL_TYPE_RESOURCE_PROVIDER;
    case SHOAL_PLUGIN_KIND_REPORTER:
      return SHOAL_TYPE_REPORTER;
    default:
      g_return_val_if_reached (G_TYPE_INVALID);
    }
}
