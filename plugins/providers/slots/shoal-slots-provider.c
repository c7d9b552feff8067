/* shoal-slots-provider.c: plain counted slots
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

/* The simplest provider: instance number n of a pool is the slot "n". It
 * has nothing to start, check or stop; the pool's size alone limits how
 * many tests run at once, and SHOAL_RESOURCE_<POOL> tells each which slot
 * it got (a display number, a shard of test data). */

#define SHOAL_TYPE_SLOTS_PROVIDER (shoal_slots_provider_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSlotsProvider, shoal_slots_provider, SHOAL, SLOTS_PROVIDER, GObject)

struct _ShoalSlotsProvider
{
  GObject parent_instance;

  char *pool_name;
};

static void provider_iface_init (ShoalResourceProviderInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalSlotsProvider, shoal_slots_provider, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_RESOURCE_PROVIDER, provider_iface_init))

static gboolean
shoal_slots_provider_configure (ShoalResourceProvider *provider,
                                const char *pool_name,
                                ShoalSettings *settings,
                                GError **error)
{
  ShoalSlotsProvider *self = SHOAL_SLOTS_PROVIDER (provider);

  if (settings != NULL && !shoal_settings_check_keys (settings, NULL, error))
    return FALSE;
  g_free (self->pool_name);
  self->pool_name = g_strdup (pool_name);
  return TRUE;
}

static ShoalResourceInstance *
shoal_slots_provider_create_instance (ShoalResourceProvider *provider,
                                      guint index,
                                      GCancellable *cancellable,
                                      GError **error)
{
  ShoalSlotsProvider *self = SHOAL_SLOTS_PROVIDER (provider);
  g_autofree char *id = g_strdup_printf ("%u", index);

  return shoal_resource_instance_new (self->pool_name != NULL ? self->pool_name : "slots", id);
}

static void
provider_iface_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = shoal_slots_provider_configure;
  iface->create_instance = shoal_slots_provider_create_instance;
}

static void
shoal_slots_provider_finalize (GObject *object)
{
  ShoalSlotsProvider *self = SHOAL_SLOTS_PROVIDER (object);

  g_free (self->pool_name);

  G_OBJECT_CLASS (shoal_slots_provider_parent_class)->finalize (object);
}

static void
shoal_slots_provider_class_init (ShoalSlotsProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_slots_provider_finalize;
}

static void
shoal_slots_provider_class_finalize (ShoalSlotsProviderClass *klass)
{
}

static void
shoal_slots_provider_init (ShoalSlotsProvider *self)
{
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module,
                                            ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module,
                       ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_slots_provider_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_PROVIDER, "slots",
                                            SHOAL_TYPE_SLOTS_PROVIDER, &error))
    g_warning ("%s", error->message);
}
