/* shoal-resource-provider.h: the interface that makes and checks resource instances
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-resource-instance.h"
#include "shoal-settings.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_RESOURCE_PROVIDER (shoal_resource_provider_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (ShoalResourceProvider, shoal_resource_provider, SHOAL, RESOURCE_PROVIDER, GObject)

/**
 * ShoalResourceProviderInterface:
 * @configure: read the pool's settings from `shoal.yaml`
 * @create_instance: make instance number @index of the pool (start a server,
 *   pick a port, make a directory); its id and environment are what the tests
 *   holding it see
 * @check_instance: health check; %FALSE with @error set marks it unhealthy
 * @destroy_instance: tear it down (stop the server, remove the directory)
 *
 * The vtable of [iface@Shoal.ResourceProvider]. Pools, locks and queues live
 * in the core; providers only make and check instances.
 */
struct _ShoalResourceProviderInterface
{
  GTypeInterface parent_iface;

  gboolean (*configure) (ShoalResourceProvider *self,
                         const char *pool_name,
                         ShoalSettings *settings,
                         GError **error);
  ShoalResourceInstance *(*create_instance) (ShoalResourceProvider *self,
                                             guint index,
                                             GCancellable *cancellable,
                                             GError **error);
  gboolean (*check_instance) (ShoalResourceProvider *self,
                              ShoalResourceInstance *instance,
                              GCancellable *cancellable,
                              GError **error);
  void (*destroy_instance) (ShoalResourceProvider *self,
                            ShoalResourceInstance *instance);

  /*< private >*/
  gpointer _reserved[12];
};

SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_provider_configure (ShoalResourceProvider *self,
                                            const char *pool_name,
                                            ShoalSettings *settings,
                                            GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalResourceInstance *shoal_resource_provider_create_instance (ShoalResourceProvider *self,
                                                                guint index,
                                                                GCancellable *cancellable,
                                                                GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_provider_check_instance (ShoalResourceProvider *self,
                                                 ShoalResourceInstance *instance,
                                                 GCancellable *cancellable,
                                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_provider_destroy_instance (ShoalResourceProvider *self,
                                               ShoalResourceInstance *instance);

G_END_DECLS
