/* shoal-plugin-registry.c: finds, loads and names the plugins
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-plugin-private.h"
#include "shoal-plugin-registry.h"

/**
 * ShoalPluginRegistry:
 *
 * The registry of plugins by kind and name. It reads the `.plugin` key files
 * in its search path ([method@Shoal.PluginRegistry.scan]) without loading
 * any code, loads a module the first time one of its plugins is asked for,
 * checks the module's plugin ABI and entry point, and creates instances.
 *
 * Plugins can also be registered in-process with
 * [method@Shoal.PluginRegistry.register_type], from C or, through GObject
 * introspection, from Python and JavaScript: any GObject class implementing
 * the kind's interface will do.
 *
 * The default search path is each directory of `SHOAL_PLUGIN_PATH` (colon
 * separated), then `$libdir/shoal-1/plugins`. Directories are searched
 * three levels deep, so a build tree with one folder per module works; the
 * first plugin of a kind and name wins and later ones are reported as
 * shadowed in [method@Shoal.PluginRegistry.get_warnings].
 */
struct _ShoalPluginRegistry
{
  GObject parent_instance;

  GPtrArray *search_paths;
  GHashTable *infos; /* "kind/name" -> ShoalPluginInfo */
  GHashTable *types; /* "kind/name" -> GType */
  GPtrArray *warnings;
  gboolean scanned;
};

G_DEFINE_FINAL_TYPE (ShoalPluginRegistry, shoal_plugin_registry, G_TYPE_OBJECT)

#define MAX_SCAN_DEPTH 3

static char *
make_key (ShoalPluginKind kind,
          const char *name)
{
  return g_strconcat (shoal_plugin_kind_to_string (kind), "/", name, NULL);
}

static void
shoal_plugin_registry_finalize (GObject *object)
{
  ShoalPluginRegistry *self = SHOAL_PLUGIN_REGISTRY (object);

  g_ptr_array_unref (self->search_paths);
  g_hash_table_unref (self->infos);
  g_hash_table_unref (self->types);
  g_ptr_array_unref (self->warnings);

  G_OBJECT_CLASS (shoal_plugin_registry_parent_class)->finalize (object);
}

static void
shoal_plugin_registry_class_init (ShoalPluginRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_plugin_registry_finalize;
}

static void
shoal_plugin_registry_init (ShoalPluginRegistry *self)
{
  self->search_paths = g_ptr_array_new_with_free_func (g_free);
  self->infos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
}

/**
 * shoal_plugin_registry_new:
 *
 * A registry with an empty search path; see
 * [method@Shoal.PluginRegistry.add_default_search_paths].
 *
 * Returns: (transfer full): a new registry
 */
ShoalPluginRegistry *
shoal_plugin_registry_new (void)
{
  return g_object_new (SHOAL_TYPE_PLUGIN_REGISTRY, NULL);
}

/**
 * shoal_plugin_registry_get_default:
 *
 * The process's shared registry, with the default search path.
 *
 * Returns: (transfer none): the default registry
 */
ShoalPluginRegistry *
shoal_plugin_registry_get_default (void)
{
  static ShoalPluginRegistry *instance;

  if (g_once_init_enter (&instance))
    {
      ShoalPluginRegistry *registry = shoal_plugin_registry_new ();

      shoal_plugin_registry_add_default_search_paths (registry);
      g_once_init_leave (&instance, registry);
    }
  return instance;
}

/**
 * shoal_plugin_registry_add_search_path:
 * @self: a registry
 * @directory: (type filename): a directory holding `.plugin` files
 *
 * Appends @directory to the search path; the next lookup scans again.
 */
void
shoal_plugin_registry_add_search_path (ShoalPluginRegistry *self,
                                       const char *directory)
{
  g_return_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self));
  g_return_if_fail (directory != NULL);

  for (guint i = 0; i < self->search_paths->len; i++)
    if (g_str_equal (g_ptr_array_index (self->search_paths, i), directory))
      return;
  g_ptr_array_add (self->search_paths, g_strdup (directory));
  self->scanned = FALSE;
}

/**
 * shoal_plugin_registry_add_default_search_paths:
 * @self: a registry
 *
 * Appends the directories of `SHOAL_PLUGIN_PATH`, then the installed plugin
 * directory.
 */
void
shoal_plugin_registry_add_default_search_paths (ShoalPluginRegistry *self)
{
  const char *env = g_getenv ("SHOAL_PLUGIN_PATH");

  g_return_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self));

  if (env != NULL)
    {
      g_auto (GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          shoal_plugin_registry_add_search_path (self, dirs[i]);
    }
  shoal_plugin_registry_add_search_path (self, SHOAL_PLUGIN_DIR);
}

static void
add_info (ShoalPluginRegistry *self,
          ShoalPluginInfo *info)
{
  g_autofree char *key = make_key (shoal_plugin_info_get_kind (info), shoal_plugin_info_get_name (info));
  ShoalPluginInfo *existing = g_hash_table_lookup (self->infos, key);

  if (existing != NULL)
    {
      if (g_strcmp0 (shoal_plugin_info_get_info_path (existing),
                     shoal_plugin_info_get_info_path (info)) != 0)
        g_ptr_array_add (self->warnings,
                         g_strdup_printf (_ ("%s: %s plugin '%s' is shadowed by %s"),
                                          shoal_plugin_info_get_info_path (info),
                                          shoal_plugin_kind_to_string (shoal_plugin_info_get_kind (info)),
                                          shoal_plugin_info_get_name (info),
                                          shoal_plugin_info_get_info_path (existing) != NULL
                                              ? shoal_plugin_info_get_info_path (existing)
                                              : _ ("an in-process registration")));
      return;
    }
  g_hash_table_insert (self->infos, g_steal_pointer (&key), g_object_ref (info));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
scan_directory (ShoalPluginRegistry *self,
                const char *directory,
                guint depth)
{
  g_autoptr (GDir) dir = g_dir_open (directory, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return;

  /* Sorted, so which of two duplicates wins does not depend on the file
   * system's order. */
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (directory, g_ptr_array_index (names, i), NULL);

      if (g_str_has_suffix (path, ".plugin") && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (ShoalPluginInfo) info = shoal_plugin_info_new_from_file (path, &error);

          if (info == NULL)
            g_ptr_array_add (self->warnings, g_strdup (error->message));
          else
            add_info (self, info);
        }
      else if (depth < MAX_SCAN_DEPTH && g_file_test (path, G_FILE_TEST_IS_DIR) &&
               ((const char *) g_ptr_array_index (names, i))[0] != '.')
        scan_directory (self, path, depth + 1);
    }
}

/**
 * shoal_plugin_registry_scan:
 * @self: a registry
 * @error: return location for a #GError
 *
 * Reads the `.plugin` files of the search path. Unusable metadata files do
 * not stop the scan; they are listed in
 * [method@Shoal.PluginRegistry.get_warnings].
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_plugin_registry_scan (ShoalPluginRegistry *self,
                            GError **error)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), FALSE);

  g_ptr_array_set_size (self->warnings, 0);
  for (guint i = 0; i < self->search_paths->len; i++)
    scan_directory (self, g_ptr_array_index (self->search_paths, i), 1);
  self->scanned = TRUE;
  return TRUE;
}

static void
ensure_scanned (ShoalPluginRegistry *self)
{
  if (!self->scanned)
    shoal_plugin_registry_scan (self, NULL);
}

static int
compare_infos (gconstpointer a,
               gconstpointer b)
{
  ShoalPluginInfo *ia = *(ShoalPluginInfo **) a;
  ShoalPluginInfo *ib = *(ShoalPluginInfo **) b;

  if (shoal_plugin_info_get_kind (ia) != shoal_plugin_info_get_kind (ib))
    return (int) shoal_plugin_info_get_kind (ia) - (int) shoal_plugin_info_get_kind (ib);
  return g_strcmp0 (shoal_plugin_info_get_name (ia), shoal_plugin_info_get_name (ib));
}

/**
 * shoal_plugin_registry_list:
 * @self: a registry
 *
 * Returns: (transfer container) (element-type ShoalPluginInfo): every known
 *   plugin, by kind then name
 */
GPtrArray *
shoal_plugin_registry_list (ShoalPluginRegistry *self)
{
  GPtrArray *list;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), NULL);

  ensure_scanned (self);
  list = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->infos);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, g_object_ref (value));
  g_ptr_array_sort (list, compare_infos);
  return list;
}

/**
 * shoal_plugin_registry_get_warnings:
 * @self: a registry
 *
 * Returns: (transfer none) (element-type utf8): problems found by the last
 *   scan (unusable `.plugin` files, shadowed plugins)
 */
GPtrArray *
shoal_plugin_registry_get_warnings (ShoalPluginRegistry *self)
{
  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), NULL);
  return self->warnings;
}

/**
 * shoal_plugin_registry_lookup:
 * @self: a registry
 * @kind: the kind
 * @name: the name
 *
 * Returns: (transfer none) (nullable): the plugin's metadata, or %NULL
 */
ShoalPluginInfo *
shoal_plugin_registry_lookup (ShoalPluginRegistry *self,
                              ShoalPluginKind kind,
                              const char *name)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  ensure_scanned (self);
  key = make_key (kind, name);
  return g_hash_table_lookup (self->infos, key);
}

/**
 * shoal_plugin_registry_register_type:
 * @self: a registry
 * @kind: the plugin's role
 * @name: the name `shoal.yaml` selects it by
 * @type: a GObject type implementing the interface of @kind
 * @error: return location for a #GError
 *
 * Registers an implementation under a name. Plugin modules call this from
 * their entry point; programs call it to add their own adapters, strategies,
 * providers or reporters in-process. Registering the same type twice under
 * one name is harmless; another type under a taken name is an error.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_plugin_registry_register_type (ShoalPluginRegistry *self,
                                     ShoalPluginKind kind,
                                     const char *name,
                                     GType type,
                                     GError **error)
{
  g_autofree char *key = NULL;
  GType iface;
  gpointer existing;

  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  iface = shoal_plugin_kind_get_interface_type (kind);
  if (!G_TYPE_IS_OBJECT (type) || !g_type_is_a (type, iface) || G_TYPE_IS_ABSTRACT (type))
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION,
                   _ ("cannot register %s '%s': %s is not an instantiable GObject type implementing %s"),
                   shoal_plugin_kind_to_string (kind), name,
                   type != G_TYPE_INVALID ? g_type_name (type) : "(invalid type)", g_type_name (iface));
      return FALSE;
    }

  key = make_key (kind, name);
  if (g_hash_table_lookup_extended (self->types, key, NULL, &existing))
    {
      if ((GType) GPOINTER_TO_SIZE (existing) == type)
        return TRUE;
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION,
                   _ ("cannot register %s '%s' as %s: it is already registered as %s"),
                   shoal_plugin_kind_to_string (kind), name, g_type_name (type),
                   g_type_name ((GType) GPOINTER_TO_SIZE (existing)));
      return FALSE;
    }

  g_hash_table_insert (self->types, g_strdup (key), GSIZE_TO_POINTER (type));
  if (!_shoal_plugin_module_note_registration (kind, name, type) &&
      !g_hash_table_contains (self->infos, key))
    g_hash_table_insert (self->infos, g_steal_pointer (&key),
                         _shoal_plugin_info_new_builtin (kind, name, type));
  return TRUE;
}

static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diagonal = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint above = row[j];
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

static void
set_not_found_error (ShoalPluginRegistry *self,
                     ShoalPluginKind kind,
                     const char *name,
                     GError **error)
{
  g_autoptr (GPtrArray) list = shoal_plugin_registry_list (self);
  g_autoptr (GString) available = g_string_new (NULL);
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  for (guint i = 0; i < list->len; i++)
    {
      ShoalPluginInfo *info = g_ptr_array_index (list, i);
      const char *candidate = shoal_plugin_info_get_name (info);
      guint distance;

      if (shoal_plugin_info_get_kind (info) != kind)
        continue;
      if (available->len > 0)
        g_string_append (available, ", ");
      g_string_append (available, candidate);
      distance = edit_distance (name, candidate);
      if (distance < best_distance)
        {
          best_distance = distance;
          best = candidate;
        }
    }

  if (best != NULL && best_distance <= MAX (2, strlen (name) / 3))
    g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND,
                 _ ("no %s plugin named '%s'; did you mean '%s'?"), shoal_plugin_kind_to_string (kind),
                 name, best);
  else
    g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND,
                 _ ("no %s plugin named '%s' (available: %s)"), shoal_plugin_kind_to_string (kind),
                 name, available->len > 0 ? available->str : _ ("none"));
}

/**
 * shoal_plugin_registry_load_type:
 * @self: a registry
 * @kind: the kind
 * @name: the name
 * @error: return location for a #GError
 *
 * Finds the type registered for @kind and @name, loading its module if
 * needed. Errors say what went wrong: no such plugin (with a suggestion),
 * a module file that is missing, a module of another ABI, a module without
 * its entry point, or one that did not register what its metadata promised.
 *
 * Returns: the type, or %G_TYPE_INVALID with @error set
 */
GType
shoal_plugin_registry_load_type (ShoalPluginRegistry *self,
                                 ShoalPluginKind kind,
                                 const char *name,
                                 GError **error)
{
  g_autofree char *key = NULL;
  ShoalPluginInfo *info;
  ShoalPluginModule *module;
  gpointer type;

  g_return_val_if_fail (SHOAL_IS_PLUGIN_REGISTRY (self), G_TYPE_INVALID);
  g_return_val_if_fail (name != NULL, G_TYPE_INVALID);

  key = make_key (kind, name);
  if (g_hash_table_lookup_extended (self->types, key, NULL, &type))
    return (GType) GPOINTER_TO_SIZE (type);

  info = shoal_plugin_registry_lookup (self, kind, name);
  if (info == NULL)
    {
      set_not_found_error (self, kind, name, error);
      return G_TYPE_INVALID;
    }

  module = _shoal_plugin_module_get (info, self, error);
  if (module == NULL || !_shoal_plugin_module_replay (module, self, error))
    return G_TYPE_INVALID;
  _shoal_plugin_info_set_loaded (info, TRUE);

  if (!g_hash_table_lookup_extended (self->types, key, NULL, &type))
    {
      g_set_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION,
                   _ ("plugin '%s': %s loaded but registered no %s named '%s'"), name,
                   shoal_plugin_info_get_module_path (info), shoal_plugin_kind_to_string (kind), name);
      return G_TYPE_INVALID;
    }
  return (GType) GPOINTER_TO_SIZE (type);
}

/**
 * shoal_plugin_registry_create:
 * @self: a registry
 * @kind: the kind
 * @name: the name
 * @error: return location for a #GError
 *
 * Creates an instance of the plugin, loading its module if needed.
 *
 * Returns: (transfer full): a new instance, or %NULL with @error set
 */
GObject *
shoal_plugin_registry_create (ShoalPluginRegistry *self,
                              ShoalPluginKind kind,
                              const char *name,
                              GError **error)
{
  GType type = shoal_plugin_registry_load_type (self, kind, name, error);

  if (type == G_TYPE_INVALID)
    return NULL;
  return g_object_new (type, NULL);
}

/**
 * shoal_plugin_registry_create_adapter:
 * @self: a registry
 * @name: the adapter's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new adapter, or %NULL with @error set
 */
ShoalAdapter *
shoal_plugin_registry_create_adapter (ShoalPluginRegistry *self,
                                      const char *name,
                                      GError **error)
{
  return SHOAL_ADAPTER (shoal_plugin_registry_create (self, SHOAL_PLUGIN_KIND_ADAPTER, name, error));
}

/**
 * shoal_plugin_registry_create_strategy:
 * @self: a registry
 * @name: the strategy's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new strategy, or %NULL with @error set
 */
ShoalStrategy *
shoal_plugin_registry_create_strategy (ShoalPluginRegistry *self,
                                       const char *name,
                                       GError **error)
{
  return SHOAL_STRATEGY (shoal_plugin_registry_create (self, SHOAL_PLUGIN_KIND_STRATEGY, name, error));
}

/**
 * shoal_plugin_registry_create_provider:
 * @self: a registry
 * @name: the resource provider's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new resource provider, or %NULL with @error set
 */
ShoalResourceProvider *
shoal_plugin_registry_create_provider (ShoalPluginRegistry *self,
                                       const char *name,
                                       GError **error)
{
  return SHOAL_RESOURCE_PROVIDER (
      shoal_plugin_registry_create (self, SHOAL_PLUGIN_KIND_PROVIDER, name, error));
}

/**
 * shoal_plugin_registry_create_reporter:
 * @self: a registry
 * @name: the reporter's name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new reporter, or %NULL with @error set
 */
ShoalReporter *
shoal_plugin_registry_create_reporter (ShoalPluginRegistry *self,
                                       const char *name,
                                       GError **error)
{
  return SHOAL_REPORTER (shoal_plugin_registry_create (self, SHOAL_PLUGIN_KIND_REPORTER, name, error));
}
