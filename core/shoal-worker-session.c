/* shoal-worker-session.c: a persistent worker process of an adapter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "shoal-error.h"
#include "shoal-launcher-private.h"
#include "shoal-process-reaper-private.h"
#include "shoal-worker-session.h"

/**
 * ShoalWorkerSession:
 *
 * A long-lived worker process an adapter asks for
 * ([vfunc@Shoal.Adapter.prepare_session]) so that tests do not pay for
 * the framework's start-up each time, and keep what the framework shares
 * between tests (pytest's module and session fixtures) alive. The core
 * keeps one per worker slot and adapter, and starts a new one when one
 * dies.
 *
 * The protocol is line-delimited JSON over pipes. The core writes one line
 * per request on the worker's standard input:
 * `{"output": LOG, "env": {...}, "cwd": DIR, "request": REQUEST}`, where
 * REQUEST is the value the adapter's command gave
 * ([method@Shoal.RunCommand.set_session_request]), LOG the file the
 * request's output goes to, and `env` the environment the tests would have
 * had as processes of their own. The worker answers each request with a
 * line `{"event": "done"}` on its standard output when it is finished.
 * A worker that takes time to start (pytest collects the suite) says
 * `{"event": "ready"}` first: the callback of the request in flight then
 * gets the wait status -1, and the core starts the request's time-out
 * clock again, so that start-up is not charged to the first test. Results travel
 * the way the adapter's interpret reads them (a file the request names):
 * the session only says when a request is over, or that the worker died
 * (then the wait status tells how). The worker's standard error goes to
 * the session's log file. Closing its standard input asks it to end.
 *
 * The worker runs in its own process group, so that the core kills it
 * (and whatever it started) with the group on a time out; it carries the
 * process cookie its environment gives it, for the reaper.
 */

struct _ShoalWorkerSession
{
  GObject parent_instance;

  GStrv argv;
  GStrv environment;
  char *cwd;
  char *log_path;
  char *cookie;

  GMainContext *context;
  GSource *child_watch;
  GSource *stdout_watch;
  GString *buffer;
  pid_t pid;
  int stdin_fd;
  int stdout_fd;
  guint requests;
  gboolean alive;
  gboolean ready;

  ShoalWorkerSessionDone done;
  gpointer done_data;
};

G_DEFINE_FINAL_TYPE (ShoalWorkerSession, shoal_worker_session, G_TYPE_OBJECT)

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
drop_sources (ShoalWorkerSession *self)
{
  if (self->child_watch != NULL)
    g_source_destroy (self->child_watch);
  g_clear_pointer (&self->child_watch, g_source_unref);
  if (self->stdout_watch != NULL)
    g_source_destroy (self->stdout_watch);
  g_clear_pointer (&self->stdout_watch, g_source_unref);
}

/* The worker is gone (or going): its group and anything carrying its
 * cookie die with it. */
static void
kill_remains (ShoalWorkerSession *self)
{
  if (self->pid > 0)
    _shoal_process_reaper_kill_group (self->pid, SIGKILL);
  if (self->cookie != NULL)
    _shoal_process_reaper_kill_cookie (self->cookie, FALSE, self->pid);
}

static void
shoal_worker_session_finalize (GObject *object)
{
  ShoalWorkerSession *self = SHOAL_WORKER_SESSION (object);

  if (self->alive)
    shoal_worker_session_close (self, 0);
  drop_sources (self);
  close_fd (&self->stdin_fd);
  close_fd (&self->stdout_fd);
  g_strfreev (self->argv);
  g_strfreev (self->environment);
  g_free (self->cwd);
  g_free (self->log_path);
  g_free (self->cookie);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_string_free (self->buffer, TRUE);

  G_OBJECT_CLASS (shoal_worker_session_parent_class)->finalize (object);
}

static void
shoal_worker_session_class_init (ShoalWorkerSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_worker_session_finalize;
}

static void
shoal_worker_session_init (ShoalWorkerSession *self)
{
  self->stdin_fd = -1;
  self->stdout_fd = -1;
  self->buffer = g_string_new (NULL);
}

/**
 * shoal_worker_session_new:
 * @command: the worker's command (argv, cwd; its environment is added to
 *   @environment)
 * @environment: (array zero-terminated=1): the worker's environment
 * @log_path: (type filename): where the worker's standard error goes
 *
 * Returns: (transfer full): a session, not started yet
 */
ShoalWorkerSession *
shoal_worker_session_new (ShoalRunCommand *command,
                          const char *const *environment,
                          const char *log_path)
{
  ShoalWorkerSession *self;
  const char *const *extra;

  g_return_val_if_fail (SHOAL_IS_RUN_COMMAND (command), NULL);
  g_return_val_if_fail (log_path != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_WORKER_SESSION, NULL);
  self->argv = g_strdupv ((char **) shoal_run_command_get_argv (command));
  self->environment = g_strdupv ((char **) environment);
  extra = shoal_run_command_get_environment (command);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    {
      const char *eq = strchr (extra[i], '=');
      g_autofree char *name = eq != NULL ? g_strndup (extra[i], eq - extra[i]) : NULL;

      if (name != NULL && name[0] != '\0')
        self->environment = g_environ_setenv (self->environment, name, eq + 1, TRUE);
    }
  self->cookie = g_strdup (g_environ_getenv (self->environment, SHOAL_PROCESS_COOKIE_VAR));
  self->cwd = g_strdup (shoal_run_command_get_cwd (command));
  self->log_path = g_strdup (log_path);
  return self;
}

static void
finish_request (ShoalWorkerSession *self,
                int wait_status)
{
  ShoalWorkerSessionDone done = self->done;
  gpointer data = self->done_data;

  self->done = NULL;
  self->done_data = NULL;
  if (done != NULL)
    done (self, wait_status, data);
}

static void
on_child_exited (GPid pid,
                 int wait_status,
                 gpointer user_data)
{
  g_autoptr (ShoalWorkerSession) self = g_object_ref (user_data);

  g_clear_pointer (&self->child_watch, g_source_unref);
  _shoal_process_reaper_untrack (self->pid);
  self->alive = FALSE;
  kill_remains (self);
  drop_sources (self);
  close_fd (&self->stdin_fd);
  close_fd (&self->stdout_fd);
  /* Died with a request in flight: a death that looks like a clean exit
   * is still no answer. */
  if (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0)
    wait_status = 1 << 8;
  finish_request (self, wait_status);
}

static gboolean
on_stdout (int fd,
           GIOCondition condition,
           gpointer user_data)
{
  /* The request's end may end the run, and the session with it. */
  g_autoptr (ShoalWorkerSession) self = g_object_ref (user_data);
  char chunk[4096];
  ssize_t n;
  char *newline;

  do
    n = read (fd, chunk, sizeof chunk);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* End of file: the child watch tells the rest. */
      g_clear_pointer (&self->stdout_watch, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  g_string_append_len (self->buffer, chunk, n);
  while ((newline = memchr (self->buffer->str, '\n', self->buffer->len)) != NULL)
    {
      gsize length = newline - self->buffer->str;
      g_autofree char *line = g_strndup (self->buffer->str, length);

      g_string_erase (self->buffer, 0, length + 1);
      if (!self->ready && (strstr (line, "\"event\": \"ready\"") != NULL ||
                           strstr (line, "\"event\":\"ready\"") != NULL))
        {
          self->ready = TRUE;
          if (self->done != NULL)
            self->done (self, -1, self->done_data);
        }
      else if (strstr (line, "\"event\": \"done\"") != NULL || strstr (line, "\"event\":\"done\"") != NULL)
        {
          finish_request (self, 0);
          if (self->stdout_fd < 0)
            return G_SOURCE_REMOVE; /* closed meanwhile */
        }
    }
  return G_SOURCE_CONTINUE;
}

/**
 * shoal_worker_session_start:
 * @self: a session
 * @context: (nullable): where its sources go (the thread-default one if %NULL)
 * @error: return location for a #GError
 *
 * Starts the worker process, in its own process group.
 *
 * Returns: whether it started
 */
gboolean
shoal_worker_session_start (ShoalWorkerSession *self,
                            GMainContext *context,
                            GError **error)
{
  g_autofree char *program = NULL;
  g_autoptr (GError) local_error = NULL;
  GPid pid = 0;
  int log_fd;
  int stdin_fd = -1;
  int stdout_fd = -1;
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), FALSE);
  g_return_val_if_fail (!self->alive, FALSE);

  if (self->argv == NULL || self->argv[0] == NULL)
    {
      g_set_error_literal (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                           "the worker session has no command");
      return FALSE;
    }
  program = _shoal_launcher_find_program (self->argv[0], (const char *const *) self->environment);
  if (program == NULL)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                   "cannot start a worker session: %s is not on PATH", self->argv[0]);
      return FALSE;
    }
  log_fd = open (self->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot write %s: %s", self->log_path, g_strerror (saved_errno));
      return FALSE;
    }

  {
    g_autofree char *saved = self->argv[0];

    self->argv[0] = g_strdup (program);
    ok = g_spawn_async_with_pipes_and_fds (self->cwd, (const char *const *) self->argv,
                                           (const char *const *) self->environment,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
                                           _shoal_process_child_setup, NULL, -1, -1, log_fd, NULL,
                                           NULL, 0, &pid, &stdin_fd, &stdout_fd, NULL,
                                           &local_error);
    g_free (self->argv[0]);
    self->argv[0] = g_steal_pointer (&saved);
  }
  close (log_fd);
  if (!ok)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                   "cannot start a worker session (%s): %s", program, local_error->message);
      return FALSE;
    }

  self->pid = pid;
  self->stdin_fd = stdin_fd;
  self->stdout_fd = stdout_fd;
  self->alive = TRUE;
  g_unix_set_fd_nonblocking (stdout_fd, TRUE, NULL);
  _shoal_process_reaper_track (pid);

  if (context != NULL)
    self->context = g_main_context_ref (context);
  else
    self->context = g_main_context_ref_thread_default ();
  self->child_watch = g_child_watch_source_new (pid);
  g_source_set_callback (self->child_watch, (GSourceFunc) (void (*) (void)) on_child_exited, self,
                         NULL);
  g_source_attach (self->child_watch, self->context);
  self->stdout_watch = g_unix_fd_source_new (stdout_fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (self->stdout_watch, (GSourceFunc) (void (*) (void)) on_stdout, self, NULL);
  g_source_attach (self->stdout_watch, self->context);
  return TRUE;
}

/**
 * shoal_worker_session_send:
 * @self: a session that is alive and idle
 * @line: one line of JSON, without its newline
 * @done: (scope async): called when the worker answered or died
 * @user_data: for @done
 * @error: return location for a #GError
 *
 * Returns: whether the request was written; when it was, @done is called
 *   exactly once
 */
gboolean
shoal_worker_session_send (ShoalWorkerSession *self,
                           const char *line,
                           ShoalWorkerSessionDone done,
                           gpointer user_data,
                           GError **error)
{
  g_autofree char *text = NULL;
  gsize length;
  gsize written = 0;

  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), FALSE);
  g_return_val_if_fail (line != NULL && strchr (line, '\n') == NULL, FALSE);
  g_return_val_if_fail (self->done == NULL, FALSE);

  if (!self->alive || self->stdin_fd < 0)
    {
      g_set_error_literal (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                           "the worker session is not running");
      return FALSE;
    }
  text = g_strconcat (line, "\n", NULL);
  length = strlen (text);
  /* The worker reads between requests; a request is small next to a
   * pipe's buffer, but a long one is written whole all the same. */
  while (written < length)
    {
      ssize_t n = write (self->stdin_fd, text + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                       "cannot write to the worker session: %s", g_strerror (saved_errno));
          return FALSE;
        }
      written += n;
    }
  self->done = done;
  self->done_data = user_data;
  self->requests++;
  return TRUE;
}

/**
 * shoal_worker_session_is_alive:
 * @self: a session
 *
 * Returns: whether its process runs
 */
gboolean
shoal_worker_session_is_alive (ShoalWorkerSession *self)
{
  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), FALSE);
  return self->alive;
}

/**
 * shoal_worker_session_is_busy:
 * @self: a session
 *
 * Returns: whether a request is in flight
 */
gboolean
shoal_worker_session_is_busy (ShoalWorkerSession *self)
{
  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), FALSE);
  return self->done != NULL;
}

/**
 * shoal_worker_session_is_ready:
 * @self: a session
 *
 * Returns: whether the worker said it finished starting up (a line
 *   `{"event": "ready"}`)
 */
gboolean
shoal_worker_session_is_ready (ShoalWorkerSession *self)
{
  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), FALSE);
  return self->ready;
}

/**
 * shoal_worker_session_get_pid:
 * @self: a session
 *
 * Returns: the worker's process id (also its process group's), or 0
 */
int
shoal_worker_session_get_pid (ShoalWorkerSession *self)
{
  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), 0);
  return self->pid;
}

/**
 * shoal_worker_session_get_requests:
 * @self: a session
 *
 * Returns: how many requests it was sent
 */
guint
shoal_worker_session_get_requests (ShoalWorkerSession *self)
{
  g_return_val_if_fail (SHOAL_IS_WORKER_SESSION (self), 0);
  return self->requests;
}

/**
 * shoal_worker_session_ask_to_end:
 * @self: a session
 *
 * Closes the worker's standard input, its cue to tear down and exit, and
 * returns at once; [method@Shoal.WorkerSession.close] then waits for it.
 * Ending several sessions this way first lets their tear-downs run at
 * the same time. A request in flight gets no answer.
 */
void
shoal_worker_session_ask_to_end (ShoalWorkerSession *self)
{
  g_return_if_fail (SHOAL_IS_WORKER_SESSION (self));

  self->done = NULL;
  self->done_data = NULL;
  drop_sources (self);
  close_fd (&self->stdin_fd);
  close_fd (&self->stdout_fd);
}

/**
 * shoal_worker_session_close:
 * @self: a session
 * @grace: seconds the worker has to end by itself
 *
 * Closes the worker's standard input (its cue to tear down and exit),
 * unless [method@Shoal.WorkerSession.ask_to_end] did, waits up to @grace
 * seconds for it, then kills its process group, and reaps it. Blocks; a
 * request in flight gets no answer.
 */
void
shoal_worker_session_close (ShoalWorkerSession *self,
                            double grace)
{
  gint64 deadline;
  int wait_status = 0;
  pid_t reaped = 0;

  g_return_if_fail (SHOAL_IS_WORKER_SESSION (self));

  shoal_worker_session_ask_to_end (self);
  if (!self->alive)
    return;

  deadline = g_get_monotonic_time () + (gint64) (MAX (grace, 0) * G_USEC_PER_SEC);
  for (;;)
    {
      reaped = waitpid (self->pid, &wait_status, WNOHANG);
      if (reaped != 0 || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (10000);
    }
  if (reaped == 0)
    {
      _shoal_process_reaper_kill_group (self->pid, SIGKILL);
      while (waitpid (self->pid, &wait_status, 0) < 0 && errno == EINTR)
        ;
    }
  _shoal_process_reaper_untrack (self->pid);
  kill_remains (self);
  self->alive = FALSE;
}
