/* shoal-execution.c: what happened when the core ran a command
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "shoal-error.h"
#include "shoal-execution.h"

/**
 * ShoalExecution:
 *
 * What happened to one command the core ran for an adapter: how the process
 * ended (exit status, signal, timeout, interruption), when, on which worker,
 * and where its output (standard output and error, interleaved) was captured.
 * Adapters read it in [vfunc@Shoal.Adapter.interpret]. Immutable but for its
 * note.
 */
struct _ShoalExecution
{
  GObject parent_instance;

  char *worker_id;
  char *output_path;
  char *note;
  gint64 start_time;
  gint64 end_time;
  double duration;
  double timeout;
  gint64 peak_rss;
  int wait_status;
  guint attempt;
  gboolean timed_out;
  gboolean interrupted;
};

G_DEFINE_FINAL_TYPE (ShoalExecution, shoal_execution, G_TYPE_OBJECT)

static void
shoal_execution_finalize (GObject *object)
{
  ShoalExecution *self = SHOAL_EXECUTION (object);

  g_free (self->worker_id);
  g_free (self->output_path);
  g_free (self->note);

  G_OBJECT_CLASS (shoal_execution_parent_class)->finalize (object);
}

static void
shoal_execution_class_init (ShoalExecutionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_execution_finalize;
}

static void
shoal_execution_init (ShoalExecution *self)
{
  self->peak_rss = -1;
}

/**
 * shoal_execution_new:
 * @wait_status: the raw status from waitpid()
 * @timed_out: whether the core killed it for running past its timeout
 * @interrupted: whether the core killed it because the run was interrupted
 * @start_time: wall-clock start, microseconds since the Unix epoch
 * @end_time: wall-clock end, microseconds since the Unix epoch
 * @duration: seconds, measured on the monotonic clock
 * @worker_id: (nullable): the worker it ran on
 * @attempt: the attempt number, from 1
 * @output_path: (nullable): the file holding its output
 *
 * Returns: (transfer full): a new execution record
 */
ShoalExecution *
shoal_execution_new (int wait_status,
                     gboolean timed_out,
                     gboolean interrupted,
                     gint64 start_time,
                     gint64 end_time,
                     double duration,
                     const char *worker_id,
                     guint attempt,
                     const char *output_path)
{
  ShoalExecution *self = g_object_new (SHOAL_TYPE_EXECUTION, NULL);

  self->wait_status = wait_status;
  self->timed_out = timed_out;
  self->interrupted = interrupted;
  self->start_time = start_time;
  self->end_time = end_time;
  self->duration = duration;
  self->worker_id = g_strdup (worker_id);
  self->attempt = MAX (attempt, 1);
  self->output_path = g_strdup (output_path);
  return self;
}

/**
 * shoal_execution_get_peak_rss:
 * @self: an execution
 *
 * Returns: the peak resident memory of the process and the descendants it
 *   waited for, in bytes, or -1 if unknown
 */
gint64
shoal_execution_get_peak_rss (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), -1);
  return self->peak_rss;
}

/**
 * shoal_execution_set_peak_rss:
 * @self: an execution
 * @bytes: the peak resident memory in bytes, or -1 if unknown
 *
 * Records the peak resident memory of the process.
 */
void
shoal_execution_set_peak_rss (ShoalExecution *self,
                              gint64 bytes)
{
  g_return_if_fail (SHOAL_IS_EXECUTION (self));
  self->peak_rss = bytes >= 0 ? bytes : -1;
}

/**
 * shoal_execution_get_exited:
 * @self: an execution
 *
 * Returns: %TRUE if the process exited normally (not by a signal)
 */
gboolean
shoal_execution_get_exited (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), FALSE);
  return WIFEXITED (self->wait_status);
}

/**
 * shoal_execution_get_exit_status:
 * @self: an execution
 *
 * Returns: the exit status, or -1 if the process was killed by a signal
 */
int
shoal_execution_get_exit_status (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), -1);
  return WIFEXITED (self->wait_status) ? WEXITSTATUS (self->wait_status) : -1;
}

/**
 * shoal_execution_get_term_signal:
 * @self: an execution
 *
 * Returns: the signal that killed the process, or 0
 */
int
shoal_execution_get_term_signal (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 0);
  return WIFSIGNALED (self->wait_status) ? WTERMSIG (self->wait_status) : 0;
}

/**
 * shoal_execution_get_timed_out:
 * @self: an execution
 *
 * Returns: %TRUE if the core killed the process for running past its timeout
 */
gboolean
shoal_execution_get_timed_out (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), FALSE);
  return self->timed_out;
}

/**
 * shoal_execution_get_interrupted:
 * @self: an execution
 *
 * Returns: %TRUE if the core killed the process because the run was interrupted
 */
gboolean
shoal_execution_get_interrupted (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), FALSE);
  return self->interrupted;
}

/**
 * shoal_execution_get_start_time:
 * @self: an execution
 *
 * Returns: the wall-clock start, in microseconds since the Unix epoch
 */
gint64
shoal_execution_get_start_time (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 0);
  return self->start_time;
}

/**
 * shoal_execution_get_end_time:
 * @self: an execution
 *
 * Returns: the wall-clock end, in microseconds since the Unix epoch
 */
gint64
shoal_execution_get_end_time (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 0);
  return self->end_time;
}

/**
 * shoal_execution_get_duration:
 * @self: an execution
 *
 * Returns: the duration in seconds (monotonic clock); for a killed process,
 *   its real time until death
 */
double
shoal_execution_get_duration (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 0);
  return self->duration;
}

/**
 * shoal_execution_get_worker_id:
 * @self: an execution
 *
 * Returns: (transfer none) (nullable): the worker it ran on
 */
const char *
shoal_execution_get_worker_id (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), NULL);
  return self->worker_id;
}

/**
 * shoal_execution_get_attempt:
 * @self: an execution
 *
 * Returns: the attempt number, from 1
 */
guint
shoal_execution_get_attempt (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 1);
  return self->attempt;
}

/**
 * shoal_execution_get_output_path:
 * @self: an execution
 *
 * Returns: (transfer none) (nullable): the file holding the output
 */
const char *
shoal_execution_get_output_path (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), NULL);
  return self->output_path;
}

/**
 * shoal_execution_get_note:
 * @self: an execution
 *
 * Returns: (transfer none) (nullable): a remark of the core's (processes left
 *   behind and killed, for instance)
 */
const char *
shoal_execution_get_note (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), NULL);
  return self->note;
}

/**
 * shoal_execution_set_note:
 * @self: an execution
 * @note: (nullable): a remark
 *
 * Sets a remark of the core's about the execution.
 */
void
shoal_execution_set_note (ShoalExecution *self,
                          const char *note)
{
  g_return_if_fail (SHOAL_IS_EXECUTION (self));
  g_free (self->note);
  self->note = g_strdup (note);
}

/**
 * shoal_execution_get_timeout:
 * @self: an execution
 *
 * Returns: the timeout the command ran under, in seconds, or 0 for none
 */
double
shoal_execution_get_timeout (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), 0);
  return self->timeout;
}

/**
 * shoal_execution_set_timeout:
 * @self: an execution
 * @seconds: the timeout the command ran under, or 0 for none
 *
 * Records the timeout, for messages.
 */
void
shoal_execution_set_timeout (ShoalExecution *self,
                             double seconds)
{
  g_return_if_fail (SHOAL_IS_EXECUTION (self));
  self->timeout = MAX (seconds, 0);
}

/**
 * shoal_execution_get_default_outcome:
 * @self: an execution
 *
 * The outcome by the usual convention: interrupted is `error`, timed out is
 * `timeout`, killed by a signal is `crashed`, exit status 0 is `passed`, 77
 * is `skipped`, anything else `failed`.
 *
 * Returns: the outcome
 */
ShoalOutcome
shoal_execution_get_default_outcome (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), SHOAL_OUTCOME_ERROR);

  if (self->interrupted)
    return SHOAL_OUTCOME_ERROR;
  if (self->timed_out)
    return SHOAL_OUTCOME_TIMEOUT;
  if (WIFSIGNALED (self->wait_status))
    return SHOAL_OUTCOME_CRASHED;
  switch (WEXITSTATUS (self->wait_status))
    {
    case 0:
      return SHOAL_OUTCOME_PASSED;
    case 77:
      return SHOAL_OUTCOME_SKIPPED;
    default:
      return SHOAL_OUTCOME_FAILED;
    }
}

/**
 * shoal_execution_describe:
 * @self: an execution
 *
 * A message for people on how the process ended: "exited with status 1",
 * "killed by signal 11 (Segmentation fault)", "timed out after 2 s (killed after
 * 2.0 s)".
 *
 * Returns: (transfer full): the description
 */
char *
shoal_execution_describe (ShoalExecution *self)
{
  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), NULL);

  if (self->interrupted)
    return g_strdup_printf ("interrupted after %.1f s", self->duration);
  if (self->timed_out && self->timeout > 0)
    return g_strdup_printf ("timed out after %g s (killed after %.1f s)", self->timeout,
                            self->duration);
  if (self->timed_out)
    return g_strdup_printf ("timed out after %.1f s", self->duration);
  if (WIFSIGNALED (self->wait_status))
    return g_strdup_printf ("killed by signal %d (%s)", WTERMSIG (self->wait_status),
                            g_strsignal (WTERMSIG (self->wait_status)));
  return g_strdup_printf ("exited with status %d", WEXITSTATUS (self->wait_status));
}

/**
 * shoal_execution_read_output:
 * @self: an execution
 * @max_bytes: read at most this much (the end of the output is kept when it
 *   is longer), or 0 for all of it
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the captured output, or %NULL with @error set
 */
char *
shoal_execution_read_output (ShoalExecution *self,
                             gsize max_bytes,
                             GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (SHOAL_IS_EXECUTION (self), NULL);

  if (self->output_path == NULL)
    return g_strdup ("");
  if (!g_file_get_contents (self->output_path, &contents, &length, error))
    return NULL;
  if (max_bytes > 0 && length > max_bytes)
    return g_strdup (contents + length - max_bytes);
  return g_steal_pointer (&contents);
}
