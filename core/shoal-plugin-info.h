/* shoal-plugin-info.h: what a .plugin file says about a module
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-types.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_PLUGIN_INFO (shoal_plugin_info_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalPluginInfo, shoal_plugin_info, SHOAL, PLUGIN_INFO, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalPluginInfo *
    shoal_plugin_info_new_from_file (const char *path,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_plugin_info_get_name (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
ShoalPluginKind shoal_plugin_info_get_kind (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_plugin_info_get_description (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_plugin_info_get_module_path (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_plugin_info_get_info_path (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
int shoal_plugin_info_get_abi (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_plugin_info_get_builtin (ShoalPluginInfo *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_plugin_info_get_loaded (ShoalPluginInfo *self);

G_END_DECLS
