/* shoal-plugin-registry.h: finds, loads and names the plugins
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-adapter.h"
#include "shoal-plugin-info.h"
#include "shoal-reporter.h"
#include "shoal-resource-provider.h"
#include "shoal-strategy.h"
#include "shoal-types.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PLUGIN_REGISTRY (shoal_plugin_registry_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalPluginRegistry, shoal_plugin_registry, SHOAL, PLUGIN_REGISTRY, GObject)

/**
 * SHOAL_PLUGIN_ENTRY_POINT:
 *
 * The symbol every plugin module exports:
 *
 * |[<!-- language="C" -->
 * G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module,
 *                                             ShoalPluginRegistry *registry);
 * ]|
 *
 * It registers its dynamic types on @module and names them with
 * [method@Shoal.PluginRegistry.register_type].
 */
#define SHOAL_PLUGIN_ENTRY_POINT "shoal_plugin_register"

/**
 * SHOAL_PLUGIN_ABI_SYMBOL:
 *
 * The `const int` every module exports, set to %SHOAL_PLUGIN_ABI_VERSION.
 */
#define SHOAL_PLUGIN_ABI_SYMBOL "shoal_plugin_abi_version"

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalPluginRegistry *
    shoal_plugin_registry_new (void);
SHOAL_AVAILABLE_IN_1_0
ShoalPluginRegistry *shoal_plugin_registry_get_default (void);
SHOAL_AVAILABLE_IN_1_0
void shoal_plugin_registry_add_search_path (ShoalPluginRegistry *self,
                                            const char *directory);
SHOAL_AVAILABLE_IN_1_0
void shoal_plugin_registry_add_default_search_paths (ShoalPluginRegistry *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_plugin_registry_scan (ShoalPluginRegistry *self,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_plugin_registry_list (ShoalPluginRegistry *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_plugin_registry_get_warnings (ShoalPluginRegistry *self);
SHOAL_AVAILABLE_IN_1_0
ShoalPluginInfo *shoal_plugin_registry_lookup (ShoalPluginRegistry *self,
                                               ShoalPluginKind kind,
                                               const char *name);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_plugin_registry_register_type (ShoalPluginRegistry *self,
                                              ShoalPluginKind kind,
                                              const char *name,
                                              GType type,
                                              GError **error);
SHOAL_AVAILABLE_IN_1_0
GType shoal_plugin_registry_load_type (ShoalPluginRegistry *self,
                                       ShoalPluginKind kind,
                                       const char *name,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
GObject *shoal_plugin_registry_create (ShoalPluginRegistry *self,
                                       ShoalPluginKind kind,
                                       const char *name,
                                       GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalAdapter *shoal_plugin_registry_create_adapter (ShoalPluginRegistry *self,
                                                    const char *name,
                                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalStrategy *shoal_plugin_registry_create_strategy (ShoalPluginRegistry *self,
                                                      const char *name,
                                                      GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalResourceProvider *shoal_plugin_registry_create_provider (ShoalPluginRegistry *self,
                                                              const char *name,
                                                              GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalReporter *shoal_plugin_registry_create_reporter (ShoalPluginRegistry *self,
                                                      const char *name,
                                                      GError **error);

G_END_DECLS
