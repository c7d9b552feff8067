/* shoal-launcher.c: starting a test's process, fast
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "shoal-error.h"
#include "shoal-launcher-private.h"

/* Every test is one spawn, so spawning is the hot path of a run. fork()
 * copies the runner's page tables and then makes the runner pay a page
 * fault for each page it writes while the child execs; GLib 2.74 only
 * avoids fork (with posix_spawn) when no child setup is asked for, and the
 * core needs one (its own process group, death with the runner). So the
 * core spawns with vfork: the child borrows the runner's memory until it
 * execs, and does nothing but system calls in between.
 *
 * The rules of that window: every signal is blocked in the runner around
 * vfork (a handler must never run in the child on borrowed memory); the
 * child resets every handled signal to its default before unblocking; the
 * program is found on PATH before vfork, not in the child; the only
 * memory the child writes is `child_errno`, in the runner's frame, to say
 * why exec failed. */

/* Finds @program on the PATH of @envp (or the runner's, if @envp has
 * none), as execvp would. A program with a slash is taken as is. */
char *
_shoal_launcher_find_program (const char *program,
                              const char *const *envp)
{
  const char *path = NULL;
  g_auto (GStrv) dirs = NULL;

  g_return_val_if_fail (program != NULL, NULL);

  if (strchr (program, '/') != NULL)
    return g_strdup (program);

  for (guint i = 0; envp != NULL && envp[i] != NULL; i++)
    if (g_str_has_prefix (envp[i], "PATH="))
      path = envp[i] + 5;
  if (path == NULL)
    path = g_getenv ("PATH");
  if (path == NULL)
    path = "/usr/local/bin:/usr/bin:/bin";

  dirs = g_strsplit (path, ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (*dirs[i] != '\0' ? dirs[i] : ".", program,
                                                     NULL);

      if (access (candidate, X_OK) == 0 && !g_file_test (candidate, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}

static int
devnull_fd (void)
{
  static gsize fd_plus_one;

  /* Kept open for the life of the process: one open less per test. */
  if (g_once_init_enter (&fd_plus_one))
    g_once_init_leave (&fd_plus_one, (gsize) open ("/dev/null", O_RDONLY | O_CLOEXEC) + 1);
  return (int) fd_plus_one - 1;
}

typedef struct
{
  pid_t pid;
  int failed_step;
  int child_errno;
} Outcome;

/* What the child reports through the error pipe when it cannot exec. */
typedef struct
{
  int step;
  int error;
} ChildFailure;

/* The vfork itself, apart, so that nothing the child could clobber lives
 * in the caller's frame. */
static void G_GNUC_NO_INLINE
launch (const char *program,
        const char *const *argv,
        const char *const *envp,
        const char *cwd,
        int null_fd,
        int output_fd,
        int report_fd,
        volatile Outcome *outcome)
{
  sigset_t all, saved;
  pid_t pid;

  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  pid = vfork ();
  if (pid == 0)
    {
      struct sigaction dfl = { 0 };
      sigset_t empty;

      dfl.sa_handler = SIG_DFL;
      if (setpgid (0, 0) != 0)
        {
          outcome->failed_step = 1;
          goto child_failed;
        }
      prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      /* Default dispositions for everything, ignored signals included: a
       * test starts as it would from a shell, whatever the runner set. */
      for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
          sigaction (sig, &dfl, NULL);
      if (cwd != NULL && chdir (cwd) != 0)
        {
          outcome->failed_step = 2;
          goto child_failed;
        }
      if (dup2 (null_fd, 0) < 0 || dup2 (output_fd, 1) < 0 || dup2 (output_fd, 2) < 0)
        {
          outcome->failed_step = 3;
          goto child_failed;
        }
      /* Everything else closes; the report pipe closes at exec. */
      if (report_fd > 3)
        syscall (SYS_close_range, 3U, (unsigned) report_fd - 1, 0U);
      syscall (SYS_close_range, (unsigned) report_fd + 1, ~0U, 0U);
      sigemptyset (&empty);
      sigprocmask (SIG_SETMASK, &empty, NULL);
      execve (program, (char *const *) argv, (char *const *) envp);
      outcome->failed_step = 4;
    child_failed:
      {
        /* Shared memory tells under a real vfork; the pipe tells when
         * vfork is a fork (under valgrind, for one). */
        ChildFailure failure = { outcome->failed_step, errno };

        outcome->child_errno = errno;
        (void) !write (report_fd, &failure, sizeof failure);
        _exit (127);
      }
    }
  outcome->child_errno = pid < 0 ? errno : outcome->child_errno;
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  outcome->pid = pid;
}

/* Starts @argv with the environment @envp in @cwd, standard input from
 * /dev/null and standard output and error to @output_fd, in a process group
 * of its own, killed if the runner dies. The caller reaps it. */
gboolean
_shoal_launcher_spawn (const char *const *argv,
                       const char *const *envp,
                       const char *cwd,
                       int output_fd,
                       pid_t *out_pid,
                       GError **error)
{
  static const char *const steps[] = { NULL, "cannot make its process group",
                                       "cannot enter its working directory",
                                       "cannot redirect its output", "cannot execute it" };
  g_autofree char *program = NULL;
  volatile Outcome outcome = { 0 };

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (out_pid != NULL, FALSE);

  program = _shoal_launcher_find_program (argv[0], envp);
  if (program == NULL)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                   _ ("cannot start %s: no such program on the PATH"), argv[0]);
      return FALSE;
    }

  {
    int report[2];
    ChildFailure failure = { 0, 0 };
    gssize n;

    if (pipe2 (report, O_CLOEXEC) != 0)
      {
        int saved_errno = errno;

        g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                     _ ("cannot start %s: %s"), argv[0], g_strerror (saved_errno));
        return FALSE;
      }
    launch (program, argv, envp, cwd, devnull_fd (), output_fd, report[1], &outcome);
    close (report[1]);
    /* End of file: the child exec'd (the pipe closed with exec). */
    do
      n = read (report[0], &failure, sizeof failure);
    while (n < 0 && errno == EINTR);
    close (report[0]);
    if (n == sizeof failure && failure.step != 0)
      {
        outcome.failed_step = failure.step;
        outcome.child_errno = failure.error;
      }
  }

  if (outcome.pid < 0)
    {
      g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                   _ ("cannot start %s: %s"), argv[0], g_strerror (outcome.child_errno));
      return FALSE;
    }
  if (outcome.failed_step != 0)
    {
      /* The child has already exited: reap it here, it never was a test. */
      waitpid (outcome.pid, NULL, 0);
      if (outcome.failed_step == 2)
        g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                     _ ("cannot start %s: %s %s: %s"), argv[0], steps[outcome.failed_step], cwd,
                     g_strerror (outcome.child_errno));
      else
        g_set_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_SPAWN,
                     _ ("cannot start %s: %s: %s"), argv[0], steps[outcome.failed_step],
                     g_strerror (outcome.child_errno));
      return FALSE;
    }

  *out_pid = outcome.pid;
  return TRUE;
}
