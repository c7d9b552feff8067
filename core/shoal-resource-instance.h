/* shoal-resource-instance.h: one instance of a pooled resource
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_RESOURCE_INSTANCE (shoal_resource_instance_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalResourceInstance, shoal_resource_instance, SHOAL, RESOURCE_INSTANCE, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalResourceInstance *
    shoal_resource_instance_new (const char *pool,
                                 const char *id);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_resource_instance_get_pool (ShoalResourceInstance *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_resource_instance_get_id (ShoalResourceInstance *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_resource_instance_get_environment (ShoalResourceInstance *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_instance_setenv (ShoalResourceInstance *self,
                                     const char *name,
                                     const char *value);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_instance_get_healthy (ShoalResourceInstance *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_resource_instance_set_healthy (ShoalResourceInstance *self,
                                          gboolean healthy);

G_END_DECLS
