/* shoal-tempdir-provider.c: a private directory per instance
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

/* Each instance is a fresh directory (mode 0700) under the pool's `base`
 * (by default $TMPDIR/shoal-pools), named <pool>-<index>-XXXXXX; that name
 * is the instance's id and the full path is exported as SHOAL_TEMPDIR.
 * Tearing the instance down removes the directory and everything in it,
 * without following symbolic links out of it. The health check asks that
 * it still be a directory. */

#define SHOAL_TYPE_TEMPDIR_PROVIDER (shoal_tempdir_provider_get_type ())
G_DECLARE_FINAL_TYPE (ShoalTempdirProvider, shoal_tempdir_provider, SHOAL, TEMPDIR_PROVIDER, GObject)

struct _ShoalTempdirProvider
{
  GObject parent_instance;

  char *pool_name;
  char *base;
};

static void provider_iface_init (ShoalResourceProviderInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalTempdirProvider, shoal_tempdir_provider, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_RESOURCE_PROVIDER, provider_iface_init))

static char *
default_base (void)
{
  return g_build_filename (g_get_tmp_dir (), "shoal-pools", NULL);
}

static gboolean
shoal_tempdir_provider_configure (ShoalResourceProvider *provider,
                                  const char *pool_name,
                                  ShoalSettings *settings,
                                  GError **error)
{
  ShoalTempdirProvider *self = SHOAL_TEMPDIR_PROVIDER (provider);
  g_autofree char *base = NULL;

  if (settings != NULL)
    {
      GError *local_error = NULL;

      base = shoal_settings_get_string (settings, "base", NULL, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (base != NULL && base[0] == '\0')
        {
          shoal_settings_set_error (settings, "base", error, SHOAL_CONFIG_ERROR_INVALID,
                                    "the base directory must not be empty");
          return FALSE;
        }
      if (!shoal_settings_check_keys (settings, NULL, error))
        return FALSE;
    }
  if (base == NULL)
    base = default_base ();
  else if (!g_path_is_absolute (base))
    {
      char *absolute = g_build_filename (shoal_settings_get_base_dir (settings), base, NULL);

      g_free (base);
      base = absolute;
    }

  g_free (self->pool_name);
  self->pool_name = g_strdup (pool_name);
  g_free (self->base);
  self->base = g_steal_pointer (&base);
  return TRUE;
}

static ShoalResourceInstance *
shoal_tempdir_provider_create_instance (ShoalResourceProvider *provider,
                                        guint index,
                                        GCancellable *cancellable,
                                        GError **error)
{
  ShoalTempdirProvider *self = SHOAL_TEMPDIR_PROVIDER (provider);
  const char *pool_name = self->pool_name != NULL ? self->pool_name : "tempdir";
  g_autofree char *base = self->base != NULL ? g_strdup (self->base) : default_base ();
  g_autofree char *name = g_strdup_printf ("%s-%u-XXXXXX", pool_name, index);
  g_autofree char *path = g_build_filename (base, name, NULL);
  g_autofree char *id = NULL;
  ShoalResourceInstance *instance;

  if (g_mkdir_with_parents (base, 0700) != 0 || g_mkdtemp_full (path, 0700) == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   "pool '%s', instance %u: cannot create a directory in %s: %s", pool_name, index,
                   base, g_strerror (saved_errno));
      return NULL;
    }

  id = g_path_get_basename (path);
  instance = shoal_resource_instance_new (pool_name, id);
  shoal_resource_instance_setenv (instance, "SHOAL_TEMPDIR", path);
  return instance;
}

static const char *
instance_path (ShoalResourceInstance *instance)
{
  return g_environ_getenv ((char **) shoal_resource_instance_get_environment (instance),
                           "SHOAL_TEMPDIR");
}

static gboolean
shoal_tempdir_provider_check_instance (ShoalResourceProvider *provider,
                                       ShoalResourceInstance *instance,
                                       GCancellable *cancellable,
                                       GError **error)
{
  const char *path = instance_path (instance);
  GStatBuf st;

  if (path == NULL || g_lstat (path, &st) != 0)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER, "directory %s is gone",
                   path != NULL ? path : "(none)");
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   "%s is no longer a directory", path);
      return FALSE;
    }
  return TRUE;
}

/* Removes @path and, for a directory (not a link to one), everything in it. */
static gboolean
remove_tree (const char *path,
             GError **error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }

  if (S_ISDIR (st.st_mode))
    {
      g_autoptr (GDir) dir = NULL;
      const char *name;

      /* A test may have made a directory read-only; its owner may still
       * empty it. */
      if ((st.st_mode & S_IRWXU) != S_IRWXU)
        g_chmod (path, st.st_mode | S_IRWXU);
      dir = g_dir_open (path, 0, error);
      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                       g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static void
shoal_tempdir_provider_destroy_instance (ShoalResourceProvider *provider,
                                         ShoalResourceInstance *instance)
{
  const char *path = instance_path (instance);
  g_autoptr (GError) error = NULL;

  if (path != NULL && !remove_tree (path, &error))
    g_warning ("pool '%s', instance '%s': cannot remove %s: %s",
               shoal_resource_instance_get_pool (instance),
               shoal_resource_instance_get_id (instance), path, error->message);
}

static void
provider_iface_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = shoal_tempdir_provider_configure;
  iface->create_instance = shoal_tempdir_provider_create_instance;
  iface->check_instance = shoal_tempdir_provider_check_instance;
  iface->destroy_instance = shoal_tempdir_provider_destroy_instance;
}

static void
shoal_tempdir_provider_finalize (GObject *object)
{
  ShoalTempdirProvider *self = SHOAL_TEMPDIR_PROVIDER (object);

  g_free (self->pool_name);
  g_free (self->base);

  G_OBJECT_CLASS (shoal_tempdir_provider_parent_class)->finalize (object);
}

static void
shoal_tempdir_provider_class_init (ShoalTempdirProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_tempdir_provider_finalize;
}

static void
shoal_tempdir_provider_class_finalize (ShoalTempdirProviderClass *klass)
{
}

static void
shoal_tempdir_provider_init (ShoalTempdirProvider *self)
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

  shoal_tempdir_provider_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_PROVIDER, "tempdir",
                                            SHOAL_TYPE_TEMPDIR_PROVIDER, &error))
    g_warning ("%s", error->message);
}
