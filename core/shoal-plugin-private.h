/* shoal-plugin-private.h: the loader's internals
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gmodule.h>

#include "shoal-plugin-info.h"
#include "shoal-plugin-registry.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PLUGIN_MODULE (shoal_plugin_module_get_type ())

G_DECLARE_FINAL_TYPE (ShoalPluginModule, shoal_plugin_module, SHOAL, PLUGIN_MODULE, GTypeModule)

ShoalPluginModule *_shoal_plugin_module_get (ShoalPluginInfo *info,
                                             ShoalPluginRegistry *registry,
                                             GError **error);
gboolean _shoal_plugin_module_replay (ShoalPluginModule *self,
                                      ShoalPluginRegistry *registry,
                                      GError **error);
gboolean _shoal_plugin_module_note_registration (ShoalPluginKind kind,
                                                 const char *name,
                                                 GType type);

ShoalPluginInfo *_shoal_plugin_info_new_builtin (ShoalPluginKind kind,
                                                 const char *name,
                                                 GType type);
void _shoal_plugin_info_set_loaded (ShoalPluginInfo *self,
                                    gboolean loaded);

G_END_DECLS
