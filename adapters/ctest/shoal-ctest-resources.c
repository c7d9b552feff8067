/* shoal-ctest-resources.c: CTest resource groups on Shoal's pools
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-ctest-resources.h"

/**
 * shoal_ctest_is_type_name:
 * @name: a resource type's name
 *
 * Whether @name is one CTest accepts: a lowercase letter or `_`, then
 * lowercase letters, digits and `_` (ctest(1), "Resource Specification
 * File").
 *
 * Returns: %TRUE if it is
 */
gboolean
shoal_ctest_is_type_name (const char *name)
{
  if (name == NULL || !(g_ascii_islower (name[0]) || name[0] == '_'))
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * shoal_ctest_is_id:
 * @id: a resource's id
 *
 * Whether @id is one CTest accepts: lowercase letters, digits and `_`.
 *
 * Returns: %TRUE if it is
 */
gboolean
shoal_ctest_is_id (const char *id)
{
  if (id == NULL || id[0] == '\0')
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * shoal_ctest_pool_variable:
 * @type: a resource type, the name of its pool
 *
 * The variable the scheduler hands a test the pool's instances in, as
 * shoal_resource_pool_manager_environment_name() names it (the helper
 * cannot call it: it does not link libshoal).
 *
 * Returns: (transfer full): `SHOAL_RESOURCE_` and @type in upper case,
 *   other characters than letters and digits as `_`
 */
char *
shoal_ctest_pool_variable (const char *type)
{
  g_autofree char *upper = g_ascii_strup (type, -1);

  for (char *p = upper; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p))
      *p = '_';
  return g_strconcat ("SHOAL_RESOURCE_", upper, NULL);
}

typedef struct
{
  const guint *requests;
  const guint *order; /* indices of requests, largest first */
  guint n_requests;
  guint *remaining;
  guint n_bins;
  guint *bins;
  guint steps;
} Packing;

static gboolean
pack_from (Packing *packing, guint position)
{
  guint request;

  if (position == packing->n_requests)
    return TRUE;
  request = packing->order[position];
  for (guint bin = 0; bin < packing->n_bins; bin++)
    {
      gboolean tried = FALSE;

      if (packing->remaining[bin] < packing->requests[request])
        continue;
      /* Two bins with as much room left are the same choice. */
      for (guint other = 0; other < bin && !tried; other++)
        tried = packing->remaining[other] == packing->remaining[bin];
      if (tried)
        continue;
      if (++packing->steps > SHOAL_CTEST_PACK_MAX_STEPS)
        return FALSE;

      packing->remaining[bin] -= packing->requests[request];
      packing->bins[request] = bin;
      if (pack_from (packing, position + 1))
        return TRUE;
      packing->remaining[bin] += packing->requests[request];
    }
  return FALSE;
}

/**
 * shoal_ctest_pack:
 * @requests: (array length=n_requests): slots each request needs, all on
 *   one resource (one `gpus:2` of a group)
 * @n_requests: how many
 * @capacities: (array length=n_bins): slots of each resource
 * @n_bins: how many
 * @out_bins: (array length=n_requests) (out caller-allocates): the resource
 *   each request gets
 *
 * Packs the requests of one resource type onto resources, each request
 * whole on one resource, as CTest allocates a test's groups: largest
 * request first, earliest resource first, backtracking when that leads
 * nowhere.
 *
 * Returns: %TRUE if the requests fit
 */
gboolean
shoal_ctest_pack (const guint *requests,
                  guint n_requests,
                  const guint *capacities,
                  guint n_bins,
                  guint *out_bins)
{
  g_autofree guint *order = g_new (guint, MAX (n_requests, 1));
  g_autofree guint *remaining = g_new (guint, MAX (n_bins, 1));
  Packing packing = { requests, order, n_requests, remaining, n_bins, out_bins, 0 };

  /* Insertion sort, stable: equal requests keep their order. */
  for (guint i = 0; i < n_requests; i++)
    {
      guint j = i;

      while (j > 0 && requests[order[j - 1]] < requests[i])
        {
          order[j] = order[j - 1];
          j--;
        }
      order[j] = i;
    }
  if (n_bins > 0)
    memcpy (remaining, capacities, n_bins * sizeof (guint));
  return pack_from (&packing, 0);
}
