/* shoal-command-provider.c: instances made, checked and torn down by commands
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>
#include <sys/wait.h>

#include <gmodule.h>
#include <shoal.h>

/* A pool whose instances are started and stopped by the project's own
 * commands (a WebDriver, a database per slot):
 *
 *   resource_pools:
 *     drivers:
 *       size: 4
 *       provider: command
 *       setup: [./start-driver.sh]
 *       health_check: [./ping-driver.sh]
 *       teardown: [./stop-driver.sh]
 *       timeout: 30
 *
 * Commands are argument vectors, never shell strings, run from the
 * directory of the configuration file through shoal_spawn_capture() (own
 * process group, killed whole at the timeout). Each gets SHOAL_RESOURCE_POOL
 * and SHOAL_RESOURCE_INDEX; health check and teardown also get
 * SHOAL_RESOURCE_ID and the variables the setup exported.
 *
 * The setup command's standard output lines of the form NAME=VALUE are
 * exported to the tests that hold the instance (WEBDRIVER_URL=...), except
 * SHOAL_RESOURCE_ID=..., which names the instance (by default, its index).
 * Other lines are ignored, so a chatty setup does no harm. */

#define SHOAL_TYPE_COMMAND_PROVIDER (shoal_command_provider_get_type ())
G_DECLARE_FINAL_TYPE (ShoalCommandProvider, shoal_command_provider, SHOAL, COMMAND_PROVIDER, GObject)

/* How much of a failing command's standard error its message quotes. */
#define STDERR_TAIL_LINES 5
#define STDERR_TAIL_BYTES 512

#define DEFAULT_TIMEOUT 60.0

struct _ShoalCommandProvider
{
  GObject parent_instance;

  /* Set by configure(), read-only afterwards. */
  char *pool_name;
  char *cwd;
  GStrv setup;
  GStrv health_check;
  GStrv teardown;
  double timeout;
};

static void provider_iface_init (ShoalResourceProviderInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalCommandProvider, shoal_command_provider, G_TYPE_OBJECT, G_TYPE_FLAG_FINAL, G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_RESOURCE_PROVIDER, provider_iface_init))

/* The instance's index in its pool, +1 so that 0 means unset. */
static GQuark
index_quark (void)
{
  return g_quark_from_static_string ("shoal-command-provider-index");
}

static gboolean
get_command (ShoalSettings *settings,
             const char *key,
             GStrv *out_command,
             GError **error)
{
  if (!shoal_settings_get_strv (settings, key, out_command, error))
    return FALSE;
  if (*out_command != NULL && (*out_command)[0] == NULL)
    {
      shoal_settings_set_error (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                "the command is empty: give the program and its arguments");
      g_clear_pointer (out_command, g_strfreev);
      return FALSE;
    }
  return TRUE;
}

static gboolean
shoal_command_provider_configure (ShoalResourceProvider *provider,
                                  const char *pool_name,
                                  ShoalSettings *settings,
                                  GError **error)
{
  ShoalCommandProvider *self = SHOAL_COMMAND_PROVIDER (provider);
  g_auto (GStrv) setup = NULL;
  g_auto (GStrv) health_check = NULL;
  g_auto (GStrv) teardown = NULL;
  double timeout;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "pool '%s': the command provider needs its commands (setup, health_check, "
                   "teardown) in the pool's mapping",
                   pool_name);
      return FALSE;
    }

  if (!get_command (settings, "setup", &setup, error) ||
      !get_command (settings, "health_check", &health_check, error) ||
      !get_command (settings, "teardown", &teardown, error) ||
      !shoal_settings_get_double (settings, "timeout", DEFAULT_TIMEOUT, 0, G_MAXINT, &timeout,
                                  error) ||
      !shoal_settings_check_keys (settings, NULL, error))
    return FALSE;

  if (setup == NULL && health_check == NULL && teardown == NULL)
    {
      shoal_settings_set_error (settings, "provider", error, SHOAL_CONFIG_ERROR_MISSING,
                                "the command provider needs at least one of setup, health_check "
                                "and teardown");
      return FALSE;
    }

  g_free (self->pool_name);
  self->pool_name = g_strdup (pool_name);
  g_free (self->cwd);
  self->cwd = g_strdup (shoal_settings_get_base_dir (settings));
  g_strfreev (self->setup);
  self->setup = g_steal_pointer (&setup);
  g_strfreev (self->health_check);
  self->health_check = g_steal_pointer (&health_check);
  g_strfreev (self->teardown);
  self->teardown = g_steal_pointer (&teardown);
  self->timeout = timeout;
  return TRUE;
}

/* The last lines of @text, for a message. */
static char *
tail_of (const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  const char *start = stripped + strlen (stripped);
  guint lines = 0;

  while (start > stripped && lines < STDERR_TAIL_LINES)
    {
      start--;
      if (*start == '\n')
        lines++;
    }
  if (*start == '\n')
    start++;
  if (strlen (start) > STDERR_TAIL_BYTES)
    {
      start += strlen (start) - STDERR_TAIL_BYTES;
      /* Start on a whole UTF-8 character. */
      while ((*start & 0xc0) == 0x80)
        start++;
    }
  return g_strdup (start);
}

static char *
describe_failure (int wait_status,
                  const char *err)
{
  g_autofree char *tail = tail_of (err != NULL ? err : "");
  g_autofree char *how = NULL;

  if (WIFEXITED (wait_status))
    how = g_strdup_printf ("exited with status %d", WEXITSTATUS (wait_status));
  else if (WIFSIGNALED (wait_status))
    how = g_strdup_printf ("was killed by signal %d (%s)", WTERMSIG (wait_status),
                           g_strsignal (WTERMSIG (wait_status)));
  else
    how = g_strdup_printf ("ended with wait status %d", wait_status);

  if (tail[0] == '\0')
    return g_steal_pointer (&how);
  return g_strdup_printf ("%s: %s", how, tail);
}

/* Runs @argv; TRUE if it exited with 0. Otherwise FALSE with @error saying
 * `COMMAND` and how it ended, and the tail of its standard error. */
static gboolean
run_command (ShoalCommandProvider *self,
             const char *const *argv,
             const char *const *environment,
             char **out_stdout,
             GCancellable *cancellable,
             GError **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv);
  g_autofree char *failure = NULL;
  int wait_status = 0;

  if (!shoal_spawn_capture (argv, self->cwd, environment, self->timeout, &out, &err, &wait_status,
                            cancellable, error))
    return FALSE;
  if (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
    {
      if (out_stdout != NULL)
        *out_stdout = g_steal_pointer (&out);
      return TRUE;
    }
  failure = describe_failure (wait_status, err);
  g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER, "`%s` %s", command, failure);
  return FALSE;
}

static gboolean
valid_name (const char *name,
            gsize length)
{
  if (length == 0 || !(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;
  for (gsize i = 1; i < length; i++)
    if (!(g_ascii_isalnum (name[i]) || name[i] == '_'))
      return FALSE;
  return TRUE;
}

static char **
command_environment (ShoalCommandProvider *self,
                     guint index,
                     ShoalResourceInstance *instance)
{
  char **environment = NULL;
  g_autofree char *index_text = g_strdup_printf ("%u", index);

  if (instance != NULL)
    {
      environment = g_strdupv ((char **) shoal_resource_instance_get_environment (instance));
      environment =
          g_environ_setenv (environment, "SHOAL_RESOURCE_ID", shoal_resource_instance_get_id (instance), TRUE);
    }
  else
    environment = g_new0 (char *, 1);
  environment = g_environ_setenv (environment, "SHOAL_RESOURCE_POOL", self->pool_name, TRUE);
  environment = g_environ_setenv (environment, "SHOAL_RESOURCE_INDEX", index_text, TRUE);
  return environment;
}

static ShoalResourceInstance *
shoal_command_provider_create_instance (ShoalResourceProvider *provider,
                                        guint index,
                                        GCancellable *cancellable,
                                        GError **error)
{
  ShoalCommandProvider *self = SHOAL_COMMAND_PROVIDER (provider);
  g_autoptr (GPtrArray) exported = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *id = g_strdup_printf ("%u", index);
  g_autofree char *out = NULL;
  g_auto (GStrv) environment = NULL;
  ShoalResourceInstance *instance;

  if (self->pool_name == NULL)
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                   "instance %u: the command provider was not configured", index);
      return NULL;
    }

  if (self->setup != NULL)
    {
      environment = command_environment (self, index, NULL);
      if (!run_command (self, (const char *const *) self->setup, (const char *const *) environment,
                        &out, cancellable, &local_error))
        {
          g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                       "pool '%s', instance %u: setup %s", self->pool_name, index,
                       local_error->message);
          return NULL;
        }

      /* NAME=VALUE lines; the rest is the command's own chatter. */
      for (char *line = out, *next; line != NULL && *line != '\0'; line = next)
        {
          char *eq;

          next = strchr (line, '\n');
          if (next != NULL)
            *next++ = '\0';
          if (*line != '\0' && line[strlen (line) - 1] == '\r')
            line[strlen (line) - 1] = '\0';
          eq = strchr (line, '=');
          if (eq == NULL || !valid_name (line, eq - line))
            continue;
          *eq = '\0';
          if (g_str_equal (line, "SHOAL_RESOURCE_ID"))
            {
              if (eq[1] == '\0' || strpbrk (eq + 1, ", \t") != NULL)
                {
                  g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER,
                               "pool '%s', instance %u: setup `%s` printed an invalid "
                               "SHOAL_RESOURCE_ID '%s' (it must be non-empty, without commas "
                               "or blanks)",
                               self->pool_name, index, self->setup[0], eq + 1);
                  return NULL;
                }
              g_free (id);
              id = g_strdup (eq + 1);
            }
          else
            {
              g_ptr_array_add (exported, g_strdup (line));
              g_ptr_array_add (exported, g_strdup (eq + 1));
            }
        }
    }

  instance = shoal_resource_instance_new (self->pool_name, id);
  for (guint i = 0; i + 1 < exported->len; i += 2)
    shoal_resource_instance_setenv (instance, g_ptr_array_index (exported, i),
                                    g_ptr_array_index (exported, i + 1));
  g_object_set_qdata (G_OBJECT (instance), index_quark (), GUINT_TO_POINTER (index + 1));
  return instance;
}

static guint
instance_index (ShoalResourceInstance *instance)
{
  guint stored = GPOINTER_TO_UINT (g_object_get_qdata (G_OBJECT (instance), index_quark ()));

  return stored > 0 ? stored - 1 : 0;
}

static gboolean
shoal_command_provider_check_instance (ShoalResourceProvider *provider,
                                       ShoalResourceInstance *instance,
                                       GCancellable *cancellable,
                                       GError **error)
{
  ShoalCommandProvider *self = SHOAL_COMMAND_PROVIDER (provider);
  g_auto (GStrv) environment = NULL;
  g_autoptr (GError) local_error = NULL;

  if (self->health_check == NULL)
    return TRUE;
  environment = command_environment (self, instance_index (instance), instance);
  if (!run_command (self, (const char *const *) self->health_check,
                    (const char *const *) environment, NULL, cancellable, &local_error))
    {
      g_set_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER, "health check %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static void
shoal_command_provider_destroy_instance (ShoalResourceProvider *provider,
                                         ShoalResourceInstance *instance)
{
  ShoalCommandProvider *self = SHOAL_COMMAND_PROVIDER (provider);
  g_auto (GStrv) environment = NULL;
  g_autoptr (GError) error = NULL;

  if (self->teardown == NULL)
    return;
  environment = command_environment (self, instance_index (instance), instance);
  if (!run_command (self, (const char *const *) self->teardown, (const char *const *) environment,
                    NULL, NULL, &error))
    g_warning ("pool '%s', instance '%s': teardown %s", self->pool_name,
               shoal_resource_instance_get_id (instance), error->message);
}

static void
provider_iface_init (ShoalResourceProviderInterface *iface)
{
  iface->configure = shoal_command_provider_configure;
  iface->create_instance = shoal_command_provider_create_instance;
  iface->check_instance = shoal_command_provider_check_instance;
  iface->destroy_instance = shoal_command_provider_destroy_instance;
}

static void
shoal_command_provider_finalize (GObject *object)
{
  ShoalCommandProvider *self = SHOAL_COMMAND_PROVIDER (object);

  g_free (self->pool_name);
  g_free (self->cwd);
  g_strfreev (self->setup);
  g_strfreev (self->health_check);
  g_strfreev (self->teardown);

  G_OBJECT_CLASS (shoal_command_provider_parent_class)->finalize (object);
}

static void
shoal_command_provider_class_init (ShoalCommandProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_command_provider_finalize;
}

static void
shoal_command_provider_class_finalize (ShoalCommandProviderClass *klass)
{
}

static void
shoal_command_provider_init (ShoalCommandProvider *self)
{
  self->timeout = DEFAULT_TIMEOUT;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module,
                                            ShoalPluginRegistry *registry);

G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module,
                       ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_command_provider_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_PROVIDER, "command",
                                            SHOAL_TYPE_COMMAND_PROVIDER, &error))
    g_warning ("%s", error->message);
}
