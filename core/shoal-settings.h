/* shoal-settings.h: one YAML mapping of a configuration file, with positions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-error.h"
#include "shoal-types.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_SETTINGS (shoal_settings_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalSettings, shoal_settings, SHOAL, SETTINGS, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalSettings *
    shoal_settings_new_from_file (const char *path,
                                  GError **error);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalSettings *
    shoal_settings_new_from_data (const char *data,
                                  gssize length,
                                  const char *filename,
                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_settings_get_filename (ShoalSettings *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_settings_get_base_dir (ShoalSettings *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_settings_get_key_path (ShoalSettings *self);
SHOAL_AVAILABLE_IN_1_0
char **shoal_settings_list_keys (ShoalSettings *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_has_key (ShoalSettings *self,
                                 const char *key);
SHOAL_AVAILABLE_IN_1_0
ShoalSettingsKind shoal_settings_get_kind (ShoalSettings *self,
                                           const char *key);
SHOAL_AVAILABLE_IN_1_0
char *shoal_settings_get_location (ShoalSettings *self,
                                   const char *key);
SHOAL_AVAILABLE_IN_1_0
char *shoal_settings_get_string (ShoalSettings *self,
                                 const char *key,
                                 const char *default_value,
                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_boolean (ShoalSettings *self,
                                     const char *key,
                                     gboolean default_value,
                                     gboolean *out_value,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_choice (ShoalSettings *self,
                                    const char *key,
                                    const char *const *choices,
                                    guint default_index,
                                    guint *out_index,
                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_int (ShoalSettings *self,
                                 const char *key,
                                 gint64 default_value,
                                 gint64 min_value,
                                 gint64 max_value,
                                 gint64 *out_value,
                                 GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_double (ShoalSettings *self,
                                    const char *key,
                                    double default_value,
                                    double min_value,
                                    double max_value,
                                    double *out_value,
                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_strv (ShoalSettings *self,
                                  const char *key,
                                  char ***out_value,
                                  GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_environ (ShoalSettings *self,
                                     const char *key,
                                     char ***out_value,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_settings (ShoalSettings *self,
                                      const char *key,
                                      ShoalSettings **out_value,
                                      GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_get_settings_list (ShoalSettings *self,
                                           const char *key,
                                           GPtrArray **out_value,
                                           GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_settings_check_keys (ShoalSettings *self,
                                    const char *const *known_keys,
                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_settings_set_error (ShoalSettings *self,
                               const char *key,
                               GError **error,
                               ShoalConfigError code,
                               const char *format,
                               ...) G_GNUC_PRINTF (5, 6);
SHOAL_AVAILABLE_IN_1_0
void shoal_settings_set_error_literal (ShoalSettings *self,
                                       const char *key,
                                       GError **error,
                                       ShoalConfigError code,
                                       const char *message);

G_END_DECLS
