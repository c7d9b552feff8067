/* shoal-run-command.c: how an adapter asks the core to run tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-run-command.h"

/**
 * ShoalRunCommand:
 *
 * A command an adapter wants run for one test or a batch: its argument
 * vector (never a shell string), extra environment, working directory, and
 * the tests it covers. The core adds the run's environment, spawns it in its
 * own process group, captures its output and enforces the timeout.
 */
struct _ShoalRunCommand
{
  GObject parent_instance;

  GPtrArray *argv;
  GStrv environment;
  char *cwd;
  GPtrArray *tests;
  char *session_request;
};

G_DEFINE_FINAL_TYPE (ShoalRunCommand, shoal_run_command, G_TYPE_OBJECT)

static void
shoal_run_command_finalize (GObject *object)
{
  ShoalRunCommand *self = SHOAL_RUN_COMMAND (object);

  g_ptr_array_unref (self->argv);
  g_strfreev (self->environment);
  g_free (self->cwd);
  g_ptr_array_unref (self->tests);
  g_free (self->session_request);

  G_OBJECT_CLASS (shoal_run_command_parent_class)->finalize (object);
}

static void
shoal_run_command_class_init (ShoalRunCommandClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_run_command_finalize;
}

static void
shoal_run_command_init (ShoalRunCommand *self)
{
  self->argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  self->environment = g_new0 (char *, 1);
  self->tests = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * shoal_run_command_new:
 * @argv: (array zero-terminated=1): the program and its arguments
 *
 * Returns: (transfer full): a new command
 */
ShoalRunCommand *
shoal_run_command_new (const char *const *argv)
{
  ShoalRunCommand *self = g_object_new (SHOAL_TYPE_RUN_COMMAND, NULL);

  for (guint i = 0; argv != NULL && argv[i] != NULL; i++)
    g_ptr_array_add (self->argv, g_strdup (argv[i]));
  return self;
}

/**
 * shoal_run_command_get_argv:
 * @self: a command
 *
 * Returns: (transfer none) (array zero-terminated=1): the argument vector
 */
const char *const *
shoal_run_command_get_argv (ShoalRunCommand *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (self), NULL);
  return (const char *const *) self->argv->pdata;
}

/**
 * shoal_run_command_append_arg:
 * @self: a command
 * @arg: one argument, passed as is
 *
 * Appends an argument.
 */
void
shoal_run_command_append_arg (ShoalRunCommand *self,
                              const char *arg)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));
  g_return_if_fail (arg != NULL);
  g_ptr_array_add (self->argv, g_strdup (arg));
}

/**
 * shoal_run_command_get_cwd:
 * @self: a command
 *
 * Returns: (transfer none) (nullable): the working directory
 */
const char *
shoal_run_command_get_cwd (ShoalRunCommand *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (self), NULL);
  return self->cwd;
}

/**
 * shoal_run_command_set_cwd:
 * @self: a command
 * @cwd: (nullable): a directory
 *
 * Sets the working directory.
 */
void
shoal_run_command_set_cwd (ShoalRunCommand *self,
                           const char *cwd)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));
  g_free (self->cwd);
  self->cwd = g_strdup (cwd);
}

/**
 * shoal_run_command_get_environment:
 * @self: a command
 *
 * Returns: (transfer none) (array zero-terminated=1): `NAME=VALUE` entries
 *   added to the environment the core gives the process
 */
const char *const *
shoal_run_command_get_environment (ShoalRunCommand *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (self), NULL);
  return (const char *const *) self->environment;
}

/**
 * shoal_run_command_setenv:
 * @self: a command
 * @name: a variable name
 * @value: its value
 *
 * Sets a variable in the command's environment.
 */
void
shoal_run_command_setenv (ShoalRunCommand *self,
                          const char *name,
                          const char *value)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));
  g_return_if_fail (name != NULL && value != NULL);
  self->environment = g_environ_setenv (self->environment, name, value, TRUE);
}

/**
 * shoal_run_command_set_environment:
 * @self: a command
 * @environment: (array zero-terminated=1) (nullable): `NAME=VALUE` entries
 *
 * Sets (adds to, or replaces in) the command's environment every entry of
 * @environment; entries without `=` are ignored.
 */
void
shoal_run_command_set_environment (ShoalRunCommand *self,
                                   const char *const *environment)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));

  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      const char *eq = strchr (environment[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL || eq == environment[i])
        continue;
      name = g_strndup (environment[i], eq - environment[i]);
      self->environment = g_environ_setenv (self->environment, name, eq + 1, TRUE);
    }
}

/**
 * shoal_run_command_get_tests:
 * @self: a command
 *
 * Returns: (transfer none) (element-type ShoalTestCase): the tests it runs
 */
GPtrArray *
shoal_run_command_get_tests (ShoalRunCommand *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (self), NULL);
  return self->tests;
}

/**
 * shoal_run_command_add_test:
 * @self: a command
 * @test: a test the command runs
 *
 * Records that the command runs @test.
 */
void
shoal_run_command_add_test (ShoalRunCommand *self,
                            ShoalTestCase *test)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));
  g_return_if_fail (SHOAL_IS_TEST_CASE (test));
  g_ptr_array_add (self->tests, g_object_ref (test));
}

/**
 * shoal_run_command_get_session_request:
 * @self: a run command
 *
 * Returns: (nullable): the request for a worker session, see
 *   [method@Shoal.RunCommand.set_session_request]
 */
const char *
shoal_run_command_get_session_request (ShoalRunCommand *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (self), NULL);
  return self->session_request;
}

/**
 * shoal_run_command_set_session_request:
 * @self: a run command
 * @request: (nullable): a JSON value, as text
 *
 * Asks the core to run the tests through a persistent worker process of
 * the adapter (see [vfunc@Shoal.Adapter.prepare_session]) rather than by
 * spawning the command's argv: the core sends @request to the worker
 * session of the slot the tests run on (see [class@Shoal.WorkerSession]
 * for the protocol). The argv stays the way to run them when the adapter
 * opens no session.
 */
void
shoal_run_command_set_session_request (ShoalRunCommand *self,
                                       const char *request)
{
  g_return_if_fail (SHOAL_IS_RUN_COMMAND (self));
  g_free (self->session_request);
  self->session_request = g_strdup (request);
}
