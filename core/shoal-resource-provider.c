/* shoal-resource-provider.c: the interface that makes and checks resource instances
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-resource-provider.h"

/**
 * ShoalResourceProvider:
 *
 * A resource provider creates, health-checks and tears down the instances
 * of one pool (`provider:` of a pool in `resource_pools:`). Pools, locks and
 * the queue of waiting tests live in the core; a provider only makes and
 * checks instances and says which environment a test holding one receives.
 */

G_DEFINE_INTERFACE (ShoalResourceProvider, shoal_resource_provider, G_TYPE_OBJECT)

static gboolean
shoal_resource_provider_real_configure (ShoalResourceProvider *self,
                                        const char *pool_name,
                                        ShoalSettings *settings,
                                        GError **error)
{
  return settings == NULL || shoal_settings_check_keys (settings, NULL, error);
}

static gboolean
shoal_resource_provider_real_check_instance (ShoalResourceProvider *self,
                                             ShoalResourceInstance *instance,
                                             GCancellable *cancellable,
                                             GError **error)
{
  return TRUE;
}

static void
shoal_resource_provider_real_destroy_instance (ShoalResourceProvider *self,
                                               ShoalResourceInstance *instance)
{
}

static void
shoal_resource_provider_default_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = shoal_resource_provider_real_configure;
  iface->check_instance = shoal_resource_provider_real_check_instance;
  iface->destroy_instance = shoal_resource_provider_real_destroy_instance;
}

/**
 * shoal_resource_provider_configure:
 * @self: a provider
 * @pool_name: the pool's name
 * @settings: (nullable): the pool's mapping in `shoal.yaml`
 * @error: return location for a #GError
 *
 * Hands the provider its pool's settings.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_resource_provider_configure (ShoalResourceProvider *self,
                                   const char *pool_name,
                                   ShoalSettings *settings,
                                   GError **error)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_PROVIDER (self), FALSE);
  g_return_val_if_fail (pool_name != NULL, FALSE);

  return SHOAL_RESOURCE_PROVIDER_GET_IFACE (self)->configure (self, pool_name, settings, error);
}

/**
 * shoal_resource_provider_create_instance:
 * @self: a provider
 * @index: the instance's number in the pool, from 0
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes one instance.
 *
 * Returns: (transfer full): the instance, or %NULL with @error set
 */
ShoalResourceInstance *
shoal_resource_provider_create_instance (ShoalResourceProvider *self,
                                         guint index,
                                         GCancellable *cancellable,
                                         GError **error)
{
  ShoalResourceProviderInterface *iface;

  g_return_val_if_fail (SHOAL_IS_RESOURCE_PROVIDER (self), NULL);

  iface = SHOAL_RESOURCE_PROVIDER_GET_IFACE (self);
  if (iface->create_instance == NULL)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_INVALID,
                   "resource provider %s cannot create instances", G_OBJECT_TYPE_NAME (self));
      return NULL;
    }
  return iface->create_instance (self, index, cancellable, error);
}

/**
 * shoal_resource_provider_check_instance:
 * @self: a provider
 * @instance: an instance it made
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Checks the health of @instance.
 *
 * Returns: %TRUE if healthy, else %FALSE with @error saying why
 */
gboolean
shoal_resource_provider_check_instance (ShoalResourceProvider *self,
                                        ShoalResourceInstance *instance,
                                        GCancellable *cancellable,
                                        GError **error)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_PROVIDER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_RESOURCE_INSTANCE (instance), FALSE);

  return SHOAL_RESOURCE_PROVIDER_GET_IFACE (self)->check_instance (self, instance, cancellable,
                                                                   error);
}

/**
 * shoal_resource_provider_destroy_instance:
 * @self: a provider
 * @instance: an instance it made
 *
 * Tears @instance down.
 */
void
shoal_resource_provider_destroy_instance (ShoalResourceProvider *self,
                                          ShoalResourceInstance *instance)
{
  g_return_if_fail (SHOAL_IS_RESOURCE_PROVIDER (self));
  g_return_if_fail (SHOAL_IS_RESOURCE_INSTANCE (instance));

  SHOAL_RESOURCE_PROVIDER_GET_IFACE (self)->destroy_instance (self, instance);
}
