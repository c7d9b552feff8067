/* shoal-plugin-module.c: a plugin's shared object, as a GTypeModule
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-plugin-private.h"

/* One loaded plugin module. Its types are dynamic types registered on this
 * GTypeModule by the module's entry point.
 *
 * A GType can be registered once per process and a GTypeModule that has
 * registered types must never be disposed, so modules are process-wide:
 * a cache keyed by the module's path keeps each one (and one use of it)
 * for the life of the process, whichever registry loaded it first. The
 * names the entry point gave its types are recorded, so a second registry
 * asking for the same module gets them replayed instead of loading it
 * again. */
typedef struct
{
  ShoalPluginKind kind;
  char *name;
  GType type;
} Registration;

struct _ShoalPluginModule
{
  GTypeModule parent_instance;

  ShoalPluginInfo *info;
  ShoalPluginRegistry *registry; /* only while the entry point runs */
  GModule *library;
  GError *load_error;
  GArray *registrations;
};

static GRecMutex modules_lock; /* recursive: an entry point may load another module */
static GHashTable *modules;    /* module path -> ShoalPluginModule, never freed */
static ShoalPluginModule *loading_module;

G_DEFINE_FINAL_TYPE (ShoalPluginModule, shoal_plugin_module, G_TYPE_TYPE_MODULE)

typedef void (*ShoalPluginRegisterFunc) (GTypeModule *module,
                                         ShoalPluginRegistry *registry);

static gboolean
shoal_plugin_module_load (GTypeModule *module)
{
  ShoalPluginModule *self = SHOAL_PLUGIN_MODULE (module);
  const char *path = shoal_plugin_info_get_module_path (self->info);
  const char *name = shoal_plugin_info_get_name (self->info);
  gpointer abi_symbol = NULL;
  gpointer entry_point = NULL;
  int abi;

  g_clear_error (&self->load_error);

  abi = shoal_plugin_info_get_abi (self->info);
  if (abi != SHOAL_PLUGIN_ABI_VERSION)
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_ABI,
                   _ ("plugin '%s' (%s) is built for plugin ABI %d, but this Shoal loads ABI %d; "
                      "rebuild it against this Shoal"),
                   name, shoal_plugin_info_get_info_path (self->info), abi,
                   SHOAL_PLUGIN_ABI_VERSION);
      return FALSE;
    }

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND,
                   _ ("plugin '%s': its module %s does not exist (named by Module= in %s)"), name,
                   path, shoal_plugin_info_get_info_path (self->info));
      return FALSE;
    }

  /* Local binding: two modules may use the same static names. */
  self->library = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (self->library == NULL)
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_LOAD,
                   _ ("plugin '%s': cannot load %s: %s"), name, path, g_module_error ());
      return FALSE;
    }

  if (!g_module_symbol (self->library, SHOAL_PLUGIN_ABI_SYMBOL, &abi_symbol) || abi_symbol == NULL)
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_ABI,
                   _ ("plugin '%s': %s does not export %s, so its ABI cannot be checked"), name, path,
                   SHOAL_PLUGIN_ABI_SYMBOL);
      g_clear_pointer (&self->library, g_module_close);
      return FALSE;
    }
  if (*(const int *) abi_symbol != SHOAL_PLUGIN_ABI_VERSION)
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_ABI,
                   _ ("plugin '%s': %s is built for plugin ABI %d, but this Shoal loads ABI %d; "
                      "rebuild it against this Shoal"),
                   name, path, *(const int *) abi_symbol, SHOAL_PLUGIN_ABI_VERSION);
      g_clear_pointer (&self->library, g_module_close);
      return FALSE;
    }

  if (!g_module_symbol (self->library, SHOAL_PLUGIN_ENTRY_POINT, &entry_point) ||
      entry_point == NULL)
    {
      g_set_error (&self->load_error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_ENTRY_POINT,
                   _ ("plugin '%s': %s has no entry point %s()"), name, path,
                   SHOAL_PLUGIN_ENTRY_POINT);
      g_clear_pointer (&self->library, g_module_close);
      return FALSE;
    }

  g_module_make_resident (self->library);
  loading_module = self;
  ((ShoalPluginRegisterFunc) entry_point) (module, self->registry);
  loading_module = NULL;
  return TRUE;
}

static void
shoal_plugin_module_unload (GTypeModule *module)
{
  /* Never reached while the registry holds its use; dynamic types cannot
   * outlive their code, so the library stays resident anyway. */
}

static void
shoal_plugin_module_finalize (GObject *object)
{
  ShoalPluginModule *self = SHOAL_PLUGIN_MODULE (object);

  g_clear_object (&self->info);
  g_clear_error (&self->load_error);
  g_array_unref (self->registrations);

  G_OBJECT_CLASS (shoal_plugin_module_parent_class)->finalize (object);
}

static void
shoal_plugin_module_class_init (ShoalPluginModuleClass *klass)
{
  GTypeModuleClass *module_class = G_TYPE_MODULE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = shoal_plugin_module_finalize;
  module_class->load = shoal_plugin_module_load;
  module_class->unload = shoal_plugin_module_unload;
}

static void
clear_registration (gpointer data)
{
  Registration *registration = data;

  g_free (registration->name);
}

static void
shoal_plugin_module_init (ShoalPluginModule *self)
{
  self->registrations = g_array_new (FALSE, TRUE, sizeof (Registration));
  g_array_set_clear_func (self->registrations, clear_registration);
}

/* Called by the registry for every type registered while an entry point
 * runs; returns FALSE when no module is loading (an in-process
 * registration). */
gboolean
_shoal_plugin_module_note_registration (ShoalPluginKind kind,
                                        const char *name,
                                        GType type)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&modules_lock);
  Registration registration = { kind, NULL, type };

  /* The lock is held by the thread running an entry point: a registration
   * from another thread waits, and is not credited to the module. */
  if (loading_module == NULL)
    return FALSE;
  registration.name = g_strdup (name);
  g_array_append_val (loading_module->registrations, registration);
  return TRUE;
}

/* Returns the process-wide module for @info, loading it (and running its
 * entry point with @registry) the first time. */
ShoalPluginModule *
_shoal_plugin_module_get (ShoalPluginInfo *info,
                          ShoalPluginRegistry *registry,
                          GError **error)
{
  g_autoptr (GRecMutexLocker) locker = g_rec_mutex_locker_new (&modules_lock);
  const char *path = shoal_plugin_info_get_module_path (info);
  ShoalPluginModule *self;

  g_return_val_if_fail (path != NULL, NULL);

  if (modules == NULL)
    modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self = g_hash_table_lookup (modules, path);
  if (self != NULL)
    return self;

  self = g_object_new (SHOAL_TYPE_PLUGIN_MODULE, NULL);
  self->info = g_object_ref (info);
  self->registry = registry;
  g_type_module_set_name (G_TYPE_MODULE (self), path);

  if (!g_type_module_use (G_TYPE_MODULE (self)))
    {
      if (self->load_error != NULL)
        g_propagate_error (error, g_steal_pointer (&self->load_error));
      else
        g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_LOAD,
                     _ ("plugin '%s' could not be loaded"), shoal_plugin_info_get_name (info));
      /* Nothing was registered on it, so it may go. */
      g_object_unref (self);
      return NULL;
    }
  self->registry = NULL;
  g_hash_table_insert (modules, g_strdup (path), self);
  return self;
}

/* Gives @registry the types @self registered when it was loaded through
 * another registry. */
gboolean
_shoal_plugin_module_replay (ShoalPluginModule *self,
                             ShoalPluginRegistry *registry,
                             GError **error)
{
  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *registration = &g_array_index (self->registrations, Registration, i);

      if (!shoal_plugin_registry_register_type (registry, registration->kind, registration->name,
                                                registration->type, error))
        return FALSE;
    }
  return TRUE;
}
