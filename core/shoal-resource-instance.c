/* shoal-resource-instance.c: one instance of a pooled resource
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-resource-instance.h"

/**
 * ShoalResourceInstance:
 *
 * One instance of a pool (a WebDriver, a port, a database): the identity a
 * test holding it receives, the environment variables its provider exports
 * to that test, and whether its last health check passed.
 */
struct _ShoalResourceInstance
{
  GObject parent_instance;

  char *pool;
  char *id;
  GStrv environment;
  gboolean healthy;
};

G_DEFINE_FINAL_TYPE (ShoalResourceInstance, shoal_resource_instance, G_TYPE_OBJECT)

static void
shoal_resource_instance_finalize (GObject *object)
{
  ShoalResourceInstance *self = SHOAL_RESOURCE_INSTANCE (object);

  g_free (self->pool);
  g_free (self->id);
  g_strfreev (self->environment);

  G_OBJECT_CLASS (shoal_resource_instance_parent_class)->finalize (object);
}

static void
shoal_resource_instance_class_init (ShoalResourceInstanceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_resource_instance_finalize;
}

static void
shoal_resource_instance_init (ShoalResourceInstance *self)
{
  self->environment = g_new0 (char *, 1);
  self->healthy = TRUE;
}

/**
 * shoal_resource_instance_new:
 * @pool: the pool's name
 * @id: the instance's identity within the pool
 *
 * Returns: (transfer full): a new, healthy instance
 */
ShoalResourceInstance *
shoal_resource_instance_new (const char *pool,
                             const char *id)
{
  ShoalResourceInstance *self;

  g_return_val_if_fail (pool != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_RESOURCE_INSTANCE, NULL);
  self->pool = g_strdup (pool);
  self->id = g_strdup (id);
  return self;
}

/**
 * shoal_resource_instance_get_pool:
 * @self: an instance
 *
 * Returns: (transfer none): the pool's name
 */
const char *
shoal_resource_instance_get_pool (ShoalResourceInstance *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self), NULL);
  return self->pool;
}

/**
 * shoal_resource_instance_get_id:
 * @self: an instance
 *
 * Returns: (transfer none): the instance's identity
 */
const char *
shoal_resource_instance_get_id (ShoalResourceInstance *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self), NULL);
  return self->id;
}

/**
 * shoal_resource_instance_get_environment:
 * @self: an instance
 *
 * Returns: (transfer none) (array zero-terminated=1): `NAME=VALUE` entries
 *   given to the tests that hold it
 */
const char *const *
shoal_resource_instance_get_environment (ShoalResourceInstance *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self), NULL);
  return (const char *const *) self->environment;
}

/**
 * shoal_resource_instance_setenv:
 * @self: an instance
 * @name: a variable name
 * @value: its value
 *
 * Exports a variable to the tests that hold the instance.
 */
void
shoal_resource_instance_setenv (ShoalResourceInstance *self,
                                const char *name,
                                const char *value)
{
  g_return_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self));
  g_return_if_fail (name != NULL && value != NULL);
  self->environment = g_environ_setenv (self->environment, name, value, TRUE);
}

/**
 * shoal_resource_instance_get_healthy:
 * @self: an instance
 *
 * Returns: whether its last health check passed
 */
gboolean
shoal_resource_instance_get_healthy (ShoalResourceInstance *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self), FALSE);
  return self->healthy;
}

/**
 * shoal_resource_instance_set_healthy:
 * @self: an instance
 * @healthy: whether the last health check passed
 *
 * Records the outcome of a health check.
 */
void
shoal_resource_instance_set_healthy (ShoalResourceInstance *self,
                                     gboolean healthy)
{
  g_return_if_fail (SHOAL_IS_RESOURCE_INSTANCE (self));
  self->healthy = !!healthy;
}
