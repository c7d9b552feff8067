/* shoal-plugin-info.c: what a .plugin file says about a module
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <gmodule.h>

#include "shoal-error.h"
#include "shoal-plugin-info.h"
#include "shoal-plugin-private.h"

/**
 * ShoalPluginInfo:
 *
 * A plugin as its `.plugin` key file describes it, read without loading any
 * code:
 *
 * |[
 * [Plugin]
 * Module=shoal-adapter-exec
 * Name=exec
 * Description=Commands listed in shoal.yaml; exit 0 passes, 77 skips
 * X-Shoal-Kind=adapter
 * X-Shoal-Abi=1
 * ]|
 *
 * `Module` names the shared object beside the key file (without its
 * suffix). Plugins registered in-process have no files and are "built in".
 */
struct _ShoalPluginInfo
{
  GObject parent_instance;

  char *name;
  char *description;
  char *module_path;
  char *info_path;
  ShoalPluginKind kind;
  int abi;
  gboolean builtin;
  gboolean loaded;
};

G_DEFINE_FINAL_TYPE (ShoalPluginInfo, shoal_plugin_info, G_TYPE_OBJECT)

#define PLUGIN_GROUP "Plugin"

static void
shoal_plugin_info_finalize (GObject *object)
{
  ShoalPluginInfo *self = SHOAL_PLUGIN_INFO (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->module_path);
  g_free (self->info_path);

  G_OBJECT_CLASS (shoal_plugin_info_parent_class)->finalize (object);
}

static void
shoal_plugin_info_class_init (ShoalPluginInfoClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_plugin_info_finalize;
}

static void
shoal_plugin_info_init (ShoalPluginInfo *self)
{
}

static char *
get_required_key (GKeyFile *keyfile,
                  const char *path,
                  const char *key,
                  GError **error)
{
  g_autofree char *value = g_key_file_get_string (keyfile, PLUGIN_GROUP, key, NULL);

  if (value == NULL || *g_strstrip (value) == '\0')
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_METADATA,
                   "%s: missing key %s in group [%s]", path, key, PLUGIN_GROUP);
      return NULL;
    }
  return g_steal_pointer (&value);
}

/**
 * shoal_plugin_info_new_from_file:
 * @path: (type filename): a `.plugin` key file
 * @error: return location for a #GError
 *
 * Reads a plugin's metadata. The ABI is read but not checked here; the
 * registry refuses to load a module of another ABI.
 *
 * Returns: (transfer full): the metadata, or %NULL with @error set
 */
ShoalPluginInfo *
shoal_plugin_info_new_from_file (const char *path,
                                 GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (ShoalPluginInfo) self = NULL;
  g_autofree char *module = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *abi = NULL;
  g_autofree char *dir = NULL;
  char *end = NULL;
  gint64 abi_number;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_METADATA, "%s: %s", path,
                   local_error->message);
      return NULL;
    }

  self = g_object_new (SHOAL_TYPE_PLUGIN_INFO, NULL);
  self->info_path = g_strdup (path);
  if ((self->name = get_required_key (keyfile, path, "Name", error)) == NULL ||
      (module = get_required_key (keyfile, path, "Module", error)) == NULL ||
      (kind = get_required_key (keyfile, path, "X-Shoal-Kind", error)) == NULL ||
      (abi = get_required_key (keyfile, path, "X-Shoal-Abi", error)) == NULL)
    return NULL;

  if (!shoal_plugin_kind_from_string (kind, &self->kind))
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_METADATA,
                   "%s: X-Shoal-Kind=%s is not one of adapter, strategy, provider, reporter", path,
                   kind);
      return NULL;
    }
  abi_number = g_ascii_strtoll (abi, &end, 10);
  if (end == abi || *end != '\0' || abi_number < 0 || abi_number > G_MAXINT)
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_METADATA,
                   "%s: X-Shoal-Abi=%s is not a number", path, abi);
      return NULL;
    }
  self->abi = (int) abi_number;
  if (strchr (module, '/') != NULL)
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_METADATA,
                   "%s: Module=%s must be a file name beside the .plugin file, not a path", path,
                   module);
      return NULL;
    }

  dir = g_path_get_dirname (path);
  self->module_path = g_strconcat (dir, G_DIR_SEPARATOR_S, module, "." G_MODULE_SUFFIX, NULL);
  self->description = g_key_file_get_string (keyfile, PLUGIN_GROUP, "Description", NULL);
  return g_steal_pointer (&self);
}

ShoalPluginInfo *
_shoal_plugin_info_new_builtin (ShoalPluginKind kind,
                                const char *name,
                                GType type)
{
  ShoalPluginInfo *self = g_object_new (SHOAL_TYPE_PLUGIN_INFO, NULL);

  self->kind = kind;
  self->name = g_strdup (name);
  self->description = g_strdup_printf ("registered in-process (%s)", g_type_name (type));
  self->abi = SHOAL_PLUGIN_ABI_VERSION;
  self->builtin = TRUE;
  self->loaded = TRUE;
  return self;
}

void
_shoal_plugin_info_set_loaded (ShoalPluginInfo *self,
                               gboolean loaded)
{
  self->loaded = loaded;
}

/**
 * shoal_plugin_info_get_name:
 * @self: a plugin info
 *
 * Returns: (transfer none): the name `shoal.yaml` selects it by
 */
const char *
shoal_plugin_info_get_name (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), NULL);
  return self->name;
}

/**
 * shoal_plugin_info_get_kind:
 * @self: a plugin info
 *
 * Returns: the plugin's role
 */
ShoalPluginKind
shoal_plugin_info_get_kind (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), SHOAL_PLUGIN_KIND_ADAPTER);
  return self->kind;
}

/**
 * shoal_plugin_info_get_description:
 * @self: a plugin info
 *
 * Returns: (transfer none) (nullable): a one-line description
 */
const char *
shoal_plugin_info_get_description (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), NULL);
  return self->description;
}

/**
 * shoal_plugin_info_get_module_path:
 * @self: a plugin info
 *
 * Returns: (transfer none) (nullable) (type filename): the shared object, or
 *   %NULL for a plugin registered in-process
 */
const char *
shoal_plugin_info_get_module_path (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), NULL);
  return self->module_path;
}

/**
 * shoal_plugin_info_get_info_path:
 * @self: a plugin info
 *
 * Returns: (transfer none) (nullable) (type filename): the `.plugin` file
 */
const char *
shoal_plugin_info_get_info_path (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), NULL);
  return self->info_path;
}

/**
 * shoal_plugin_info_get_abi:
 * @self: a plugin info
 *
 * Returns: the plugin ABI the module declares
 */
int
shoal_plugin_info_get_abi (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), 0);
  return self->abi;
}

/**
 * shoal_plugin_info_get_builtin:
 * @self: a plugin info
 *
 * Returns: %TRUE for a plugin registered in-process
 */
gboolean
shoal_plugin_info_get_builtin (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), FALSE);
  return self->builtin;
}

/**
 * shoal_plugin_info_get_loaded:
 * @self: a plugin info
 *
 * Returns: %TRUE once its code is loaded
 */
gboolean
shoal_plugin_info_get_loaded (ShoalPluginInfo *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_INFO (self), FALSE);
  return self->loaded;
}
