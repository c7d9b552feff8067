/* shoal-spawn.c: run a helper command synchronously, the core's way
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-process-reaper-private.h"
#include "shoal-spawn.h"

typedef struct
{
  GBytes *stdout_bytes;
  GBytes *stderr_bytes;
  GError *error;
  gboolean done;
} CaptureState;

static void
communicate_done (GObject *object,
                  GAsyncResult *result,
                  gpointer user_data)
{
  CaptureState *state = user_data;

  g_subprocess_communicate_finish (G_SUBPROCESS (object), result, &state->stdout_bytes,
                                   &state->stderr_bytes, &state->error);
  state->done = TRUE;
}

static gboolean
timeout_reached (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data;

  if (bytes == NULL)
    return g_strdup ("");
  data = g_bytes_get_data (bytes, &size);
  return g_strndup (data != NULL ? data : "", size);
}

/**
 * shoal_spawn_capture:
 * @argv: (array zero-terminated=1): the program and its arguments
 * @cwd: (nullable) (type filename): the working directory
 * @environment: (array zero-terminated=1) (nullable): `NAME=VALUE` entries
 *   added to the inherited environment
 * @timeout: seconds before the process group is killed, or 0 for none
 * @out_stdout: (out) (optional): its standard output
 * @out_stderr: (out) (optional): its standard error
 * @out_wait_status: (out) (optional): the raw wait status
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs a helper command (an adapter's discovery, a provider's setup) to
 * completion the way the core runs tests: from an argument vector, in its
 * own process group, marked with a cookie so that whatever it leaves behind
 * is killed, and killed whole when it runs past @timeout. It iterates a
 * private main context, so it can be called from any thread.
 *
 * A command that exits with a non-zero status is not an error: look at
 * @out_wait_status.
 *
 * Returns: %TRUE if the command ran to its end; %FALSE with @error set if it
 *   could not start, timed out (%SHOAL_SCHEDULER_ERROR_TIMEOUT) or was
 *   cancelled
 */
gboolean
shoal_spawn_capture (const char *const *argv,
                     const char *cwd,
                     const char *const *environment,
                     double timeout,
                     char **out_stdout,
                     char **out_stderr,
                     int *out_wait_status,
                     GCancellable *cancellable,
                     GError **error)
{
  g_autoptr (GMainContext) context = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GSource) timeout_source = NULL;
  g_autofree char *cookie = NULL;
  g_autofree char *command = NULL;
  CaptureState state = { 0 };
  GError *timeout_error = NULL;
  const char *identifier;
  gboolean timed_out = FALSE;
  pid_t pid;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);

  _shoal_process_reaper_init ();

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      const char *eq = strchr (environment[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL || eq == environment[i])
        continue;
      name = g_strndup (environment[i], eq - environment[i]);
      g_subprocess_launcher_setenv (launcher, name, eq + 1, TRUE);
    }
  cookie = _shoal_process_reaper_new_cookie ("spawn");
  g_subprocess_launcher_setenv (launcher, SHOAL_PROCESS_COOKIE_VAR, cookie, TRUE);
  if (cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_set_child_setup (launcher, _shoal_process_child_setup, NULL, NULL);

  context = g_main_context_new ();
  g_main_context_push_thread_default (context);

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    {
      g_main_context_pop_thread_default (context);
      g_prefix_error (error, "cannot run %s: ", argv[0]);
      return FALSE;
    }
  /* GLib reaps its children in its worker thread and forgets the pid then:
   * a helper that already exited has no identifier. Its group may still
   * hold processes; those carry the cookie and are killed by it below. */
  identifier = g_subprocess_get_identifier (process);
  pid = identifier != NULL ? (pid_t) atoi (identifier) : 0;
  if (pid > 0)
    _shoal_process_reaper_track (pid);

  g_subprocess_communicate_async (process, NULL, cancellable, communicate_done, &state);
  if (timeout > 0)
    {
      timeout_source = g_timeout_source_new ((guint) MIN (timeout * 1000, G_MAXUINT));
      g_source_set_callback (timeout_source, timeout_reached, &timed_out, NULL);
      g_source_attach (timeout_source, context);
    }

  while (!state.done)
    {
      if (timed_out)
        {
          /* Killing the group closes the pipes of everything in it.
           * Once its leader is dead, the descendants that escaped the group
           * (and may hold the pipes too) have been reparented to us and
           * are killed by cookie. */
          _shoal_process_reaper_kill_group (pid, SIGKILL);
          g_subprocess_wait (process, NULL, NULL);
          _shoal_process_reaper_kill_cookie (cookie, FALSE, pid);
          timed_out = FALSE;
          g_source_destroy (timeout_source);
          g_clear_pointer (&timeout_source, g_source_unref);
          command = g_strjoinv (" ", (char **) argv);
          g_set_error (&timeout_error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_TIMEOUT,
                       "`%s` timed out after %g s and was killed", command, timeout);
        }
      g_main_context_iteration (context, TRUE);
    }

  if (timeout_source != NULL)
    g_source_destroy (timeout_source);

  /* communicate() is done when the pipes close (or was cancelled); the
   * process may still be running. */
  if (state.error != NULL)
    _shoal_process_reaper_kill_group (pid, SIGKILL);
  g_subprocess_wait (process, NULL, NULL);
  if (pid > 0)
    _shoal_process_reaper_untrack (pid);
  _shoal_process_reaper_kill_group (pid, SIGKILL);
  _shoal_process_reaper_kill_cookie (cookie, FALSE, pid);

  /* Let what communicate() left on the private context (a cancelled
   * operation's sources) run and free itself before the context goes. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);

  if (timeout_error != NULL)
    {
      g_clear_error (&state.error);
      state.error = timeout_error;
    }
  if (state.error != NULL)
    {
      g_clear_pointer (&state.stdout_bytes, g_bytes_unref);
      g_clear_pointer (&state.stderr_bytes, g_bytes_unref);
      g_propagate_error (error, state.error);
      return FALSE;
    }

  if (out_stdout != NULL)
    *out_stdout = bytes_to_string (state.stdout_bytes);
  if (out_stderr != NULL)
    *out_stderr = bytes_to_string (state.stderr_bytes);
  if (out_wait_status != NULL)
    *out_wait_status = g_subprocess_get_status (process);
  g_clear_pointer (&state.stdout_bytes, g_bytes_unref);
  g_clear_pointer (&state.stderr_bytes, g_bytes_unref);
  return TRUE;
}

/**
 * shoal_describe_wait_status:
 * @wait_status: a status from waitpid(), as [func@Shoal.spawn_capture] gives
 *
 * How a helper process ended, for messages: `exited with status 3` or
 * `killed by signal 11 (Segmentation fault)`.
 *
 * Returns: (transfer full): the description
 */
char *
shoal_describe_wait_status (int wait_status)
{
  if (WIFSIGNALED (wait_status))
    return g_strdup_printf (_ ("killed by signal %d (%s)"), WTERMSIG (wait_status),
                            g_strsignal (WTERMSIG (wait_status)));
  return g_strdup_printf (_ ("exited with status %d"), WEXITSTATUS (wait_status));
}

/**
 * shoal_text_tail:
 * @text: (nullable): a helper's output
 * @max_lines: how many lines to keep, at least 1
 *
 * The last @max_lines lines of @text, without surrounding blank space: what
 * an error message quotes of a helper's standard error.
 *
 * Returns: (transfer full): the tail (empty for %NULL)
 */
char *
shoal_text_tail (const char *text,
                 guint max_lines)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  const char *start = stripped + strlen (stripped);
  guint lines = 0;

  while (start > stripped)
    {
      if (start[-1] == '\n' && ++lines == max_lines)
        break;
      start--;
    }
  return g_strdup (start);
}
