/* shoal-port-provider.c: free loopback TCP ports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gmodule.h>
#include <shoal.h>

/* Each instance is a TCP port on 127.0.0.1 that was free when it was made:
 * the kernel picks it (bind to port 0), the socket is closed at once, and
 * the port number is the instance's id, exported to the test as SHOAL_PORT
 * (and in SHOAL_RESOURCE_<POOL>). The test binds it itself.
 *
 * Nothing holds the port between tests, so another program may take it;
 * the health check notices (an idle port must be bindable) and the pool
 * replaces it. The ports handed out by every port pool of the process are
 * remembered, so two pools, or an instance and its replacement, never get
 * the same port while both exist. */

#define SHOAL_TYPE_PORT_PROVIDER (shoal_port_provider_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPortProvider, shoal_port_provider, SHOAL, PORT_PROVIDER, GObject)

/* Attempts to find a port the process has not handed out already. */
#define MAX_ATTEMPTS 64

struct _ShoalPortProvider
{
  GObject parent_instance;

  char *pool_name;
};

static void provider_iface_init (ShoalResourceProviderInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalPortProvider, shoal_port_provider, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_RESOURCE_PROVIDER, provider_iface_init))

/* Ports handed out by any port pool of this process. */
static GMutex ports_lock;
static GHashTable *ports_in_use;

static GSocket *
bind_loopback (guint16 port,
               GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  /* SO_REUSEADDR: a port a finished test left in TIME_WAIT is still free
   * for the next one; one that something listens on is not. */
  if (!g_socket_bind (socket, address, TRUE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static gboolean
shoal_port_provider_configure (ShoalResourceProvider *provider,
                               const char *pool_name,
                               ShoalSettings *settings,
                               GError **error)
{
  ShoalPortProvider *self = SHOAL_PORT_PROVIDER (provider);

  if (settings != NULL && !shoal_settings_check_keys (settings, NULL, error))
    return FALSE;
  g_free (self->pool_name);
  self->pool_name = g_strdup (pool_name);
  return TRUE;
}

static ShoalResourceInstance *
shoal_port_provider_create_instance (ShoalResourceProvider *provider,
                                     guint index,
                                     GCancellable *cancellable,
                                     GError **error)
{
  ShoalPortProvider *self = SHOAL_PORT_PROVIDER (provider);
  const char *pool_name = self->pool_name != NULL ? self->pool_name : "port";

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GSocket) socket = bind_loopback (0, &local_error);
      g_autoptr (GSocketAddress) local = NULL;
      g_autofree char *id = NULL;
      ShoalResourceInstance *instance;
      guint16 port;
      gboolean taken;

      if (socket != NULL)
        local = g_socket_get_local_address (socket, &local_error);
      if (local == NULL)
        {
          g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                       "pool '%s', instance %u: cannot find a free port on 127.0.0.1: %s",
                       pool_name, index, local_error->message);
          return NULL;
        }
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_socket_close (socket, NULL);

      g_mutex_lock (&ports_lock);
      if (ports_in_use == NULL)
        ports_in_use = g_hash_table_new (NULL, NULL);
      taken = !g_hash_table_add (ports_in_use, GUINT_TO_POINTER (port));
      g_mutex_unlock (&ports_lock);
      if (taken)
        continue;

      id = g_strdup_printf ("%u", port);
      instance = shoal_resource_instance_new (pool_name, id);
      shoal_resource_instance_setenv (instance, "SHOAL_PORT", id);
      return instance;
    }

  g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
               "pool '%s', instance %u: the kernel kept offering ports already handed out",
               pool_name, index);
  return NULL;
}

static guint16
instance_port (ShoalResourceInstance *instance)
{
  guint64 port = 0;

  g_ascii_string_to_unsigned (shoal_resource_instance_get_id (instance), 10, 1, G_MAXUINT16, &port,
                              NULL);
  return (guint16) port;
}

static gboolean
shoal_port_provider_check_instance (ShoalResourceProvider *provider,
                                    ShoalResourceInstance *instance,
                                    GCancellable *cancellable,
                                    GError **error)
{
  guint16 port = instance_port (instance);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GSocket) socket = bind_loopback (port, &local_error);

  if (socket == NULL)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   "port %u on 127.0.0.1 is no longer free: %s", port, local_error->message);
      return FALSE;
    }
  g_socket_close (socket, NULL);
  return TRUE;
}

static void
shoal_port_provider_destroy_instance (ShoalResourceProvider *provider,
                                      ShoalResourceInstance *instance)
{
  guint16 port = instance_port (instance);

  g_mutex_lock (&ports_lock);
  if (ports_in_use != NULL)
    g_hash_table_remove (ports_in_use, GUINT_TO_POINTER (port));
  g_mutex_unlock (&ports_lock);
}

static void
provider_iface_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = shoal_port_provider_configure;
  iface->create_instance = shoal_port_provider_create_instance;
  iface->check_instance = shoal_port_provider_check_instance;
  iface->destroy_instance = shoal_port_provider_destroy_instance;
}

static void
shoal_port_provider_finalize (GObject *object)
{
  ShoalPortProvider *self = SHOAL_PORT_PROVIDER (object);

  g_free (self->pool_name);

  G_OBJECT_CLASS (shoal_port_provider_parent_class)->finalize (object);
}

static void
shoal_port_provider_class_init (ShoalPortProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_port_provider_finalize;
}

static void
shoal_port_provider_class_finalize (ShoalPortProviderClass *klass)
{
}

static void
shoal_port_provider_init (ShoalPortProvider *self)
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

  shoal_port_provider_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_PROVIDER, "port",
                                            SHOAL_TYPE_PORT_PROVIDER, &error))
    g_warning ("%s", error->message);
}
