/* shoal-process-reaper.c: finding and killing every process a test started
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shoal-process-reaper-private.h"

/* A process group is not enough to find everything a test started: a test
 * can setsid() or double-fork out of it. So:
 *
 * - every process the core spawns runs in its own process group (set in the
 *   child before exec), and carries an environment cookie naming the run,
 *   the test and the attempt (the way Jenkins' ProcessTreeKiller uses
 *   BUILD_ID); children inherit it;
 * - the runner is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
 *   descendant whose parent died is reparented to the runner rather than to
 *   init, and shows up among the runner's own children;
 * - after a test's main process ends, the core kills what is left of its
 *   group, then looks at its own children: any that GLib did not spawn
 *   (not tracked here) and that carry the test's cookie is killed and
 *   reaped. Killing one reparents its children to the runner in turn, so
 *   the sweep repeats until a round finds nothing.
 *
 * Reaping without stealing: GLib reaps its own children by pid. We only
 * ever waitpid() pids that are not tracked as GLib's, never waitpid(-1). */

static GMutex tracked_lock;
static GHashTable *tracked; /* pid -> pid, children GLib will reap */
static gboolean is_subreaper;
static gboolean have_children_file;

void
_shoal_process_reaper_init (void)
{
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/children", (int) getpid ());

      is_subreaper = prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
      have_children_file = g_file_test (path, G_FILE_TEST_EXISTS);
      tracked = g_hash_table_new (g_direct_hash, g_direct_equal);
      g_once_init_leave (&initialized, 1);
    }
}

gboolean
_shoal_process_reaper_is_subreaper (void)
{
  _shoal_process_reaper_init ();
  return is_subreaper;
}

void
_shoal_process_reaper_track (pid_t pid)
{
  _shoal_process_reaper_init ();
  g_mutex_lock (&tracked_lock);
  g_hash_table_add (tracked, GINT_TO_POINTER (pid));
  g_mutex_unlock (&tracked_lock);
}

void
_shoal_process_reaper_untrack (pid_t pid)
{
  _shoal_process_reaper_init ();
  g_mutex_lock (&tracked_lock);
  g_hash_table_remove (tracked, GINT_TO_POINTER (pid));
  g_mutex_unlock (&tracked_lock);
}

static gboolean
is_tracked (pid_t pid)
{
  gboolean result;

  g_mutex_lock (&tracked_lock);
  result = g_hash_table_contains (tracked, GINT_TO_POINTER (pid));
  g_mutex_unlock (&tracked_lock);
  return result;
}

/* Sends @signum to process group @pgid; returns 1 if the group had members. */
guint
_shoal_process_reaper_kill_group (pid_t pgid,
                                  int signum)
{
  if (pgid <= 1)
    return 0;
  return kill (-pgid, signum) == 0 ? 1 : 0;
}

/* Async-signal-safe: runs in the child between fork and exec. */
void
_shoal_process_child_setup (gpointer user_data)
{
  sigset_t empty;

  setpgid (0, 0);
  /* If the runner dies without cleaning up, the test dies with it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* Tests get default dispositions and an empty mask, whatever the runner
   * had: exec keeps ignored signals ignored and the mask as is. */
  signal (SIGPIPE, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  sigemptyset (&empty);
  sigprocmask (SIG_SETMASK, &empty, NULL);
}

char *
_shoal_process_reaper_new_cookie (const char *scope)
{
  static gint counter;

  return g_strdup_printf ("%d:%s:%d", (int) getpid (), scope, g_atomic_int_add (&counter, 1));
}

static void
add_children_from_file (GArray *children,
                        const char *path)
{
  g_autofree char *contents = NULL;
  char *p;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  p = contents;
  while (*p != '\0')
    {
      char *end;
      gint64 pid = g_ascii_strtoll (p, &end, 10);

      if (end == p)
        break;
      if (pid > 1)
        {
          pid_t value = (pid_t) pid;
          g_array_append_val (children, value);
        }
      p = end;
      while (*p == ' ' || *p == '\n')
        p++;
    }
}

/* Our direct children that matter here: orphans adopted as subreaper.
 * The kernel gives an orphan to the subreaper's first live thread, the main
 * one, so its children file is enough (the one read per test). Without
 * that file, every process's parent is looked at. */
static GArray *
list_children (void)
{
  GArray *children = g_array_new (FALSE, FALSE, sizeof (pid_t));
  pid_t self = getpid ();
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (have_children_file)
    {
      static gsize path;

      if (g_once_init_enter (&path))
        g_once_init_leave (&path, (gsize) g_strdup_printf ("/proc/%d/task/%d/children",
                                                           (int) self, (int) self));
      add_children_from_file (children, (const char *) path);
      return children;
    }

  dir = g_dir_open ("/proc", 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *close_paren;
      int ppid = 0;
      char state;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      close_paren = strrchr (stat, ')');
      if (close_paren == NULL || sscanf (close_paren + 1, " %c %d", &state, &ppid) != 2)
        continue;
      if (ppid == self)
        {
          pid_t pid = (pid_t) atoi (name);
          g_array_append_val (children, pid);
        }
    }
  return children;
}

static gboolean read_stat (pid_t pid,
                           char *out_state,
                           pid_t *out_pgrp);

typedef enum
{
  COOKIE_ABSENT,
  COOKIE_PRESENT,
  COOKIE_UNREADABLE, /* exiting, or in the middle of exec */
} CookieState;

static CookieState
read_cookie (pid_t pid,
             const char *cookie,
             gboolean prefix)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/environ", (int) pid);
  g_autofree char *contents = NULL;
  gsize length = 0;
  gsize var_length = strlen (SHOAL_PROCESS_COOKIE_VAR);
  gsize cookie_length = strlen (cookie);

  /* A process replacing its image (exec) or dying has no environment to
   * read for a moment. */
  if (!g_file_get_contents (path, &contents, &length, NULL) || length == 0)
    return COOKIE_UNREADABLE;
  for (gsize offset = 0; offset < length;)
    {
      const char *entry = contents + offset;
      gsize entry_length = strnlen (entry, length - offset);

      if (entry_length > var_length && strncmp (entry, SHOAL_PROCESS_COOKIE_VAR, var_length) == 0 &&
          entry[var_length] == '=')
        {
          const char *value = entry + var_length + 1;

          if (prefix ? strncmp (value, cookie, cookie_length) == 0 : strcmp (value, cookie) == 0)
            return COOKIE_PRESENT;
        }
      offset += entry_length + 1;
    }
  return COOKIE_ABSENT;
}

/* Whether @pid carries the cookie, waiting out (up to 100 ms) the moments
 * when its environment cannot be read: an escaped process caught in the
 * middle of exec must not slip through. */
static gboolean
has_cookie (pid_t pid,
            const char *cookie,
            gboolean prefix)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      char state = '?';
      pid_t pgrp = 0;

      switch (read_cookie (pid, cookie, prefix))
        {
        case COOKIE_PRESENT:
          return TRUE;
        case COOKIE_ABSENT:
          return FALSE;
        case COOKIE_UNREADABLE:
        default:
          if (!read_stat (pid, &state, &pgrp) || state == 'Z' || state == 'X')
            return FALSE;
          g_usleep (1000);
        }
    }
  return FALSE;
}

/* Reads a process's state and process group from /proc/PID/stat. */
static gboolean
read_stat (pid_t pid,
           char *out_state,
           pid_t *out_pgrp)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *close_paren;
  int ppid = 0;
  int pgrp = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  /* The command name may hold spaces and parentheses: skip to its end. */
  close_paren = strrchr (stat, ')');
  if (close_paren == NULL || sscanf (close_paren + 1, " %c %d %d", out_state, &ppid, &pgrp) != 3)
    return FALSE;
  *out_pgrp = (pid_t) pgrp;
  return TRUE;
}

/* Kills (SIGKILL) and reaps every child of ours that GLib does not own and
 * that carries @cookie (or a cookie starting with it, if @prefix), over as
 * many rounds as it takes for their own descendants to be reparented to
 * us.
 *
 * A process that is already dying has no environment left to read, so
 * membership is also decided by process group: members of @group (the
 * test's own group, already killed by the caller) and of every group led by
 * a process killed here are ours too, and are waited for. Zombies among our
 * untracked children are orphans we adopted as subreaper: they are reaped.
 * Returns how many processes carrying the cookie were killed. */
guint
_shoal_process_reaper_kill_cookie (const char *cookie,
                                   gboolean prefix,
                                   pid_t group)
{
  g_autoptr (GArray) groups = g_array_new (FALSE, FALSE, sizeof (pid_t));
  guint killed = 0;

  g_return_val_if_fail (cookie != NULL, 0);

  _shoal_process_reaper_init ();
  if (group > 1)
    g_array_append_val (groups, group);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr (GArray) children = list_children ();
      guint found = 0;

      for (guint i = 0; i < children->len; i++)
        {
          pid_t pid = g_array_index (children, pid_t, i);
          gboolean in_group = FALSE;
          pid_t pgrp = 0;
          char state = '?';

          if (is_tracked (pid) || !read_stat (pid, &state, &pgrp))
            continue;
          if (state == 'Z')
            {
              waitpid (pid, NULL, WNOHANG);
              continue;
            }
          for (guint g = 0; g < groups->len; g++)
            in_group = in_group || g_array_index (groups, pid_t, g) == pgrp;
          if (has_cookie (pid, cookie, prefix))
            {
              /* Its own group too, in case it leads one (setsid). */
              kill (-pid, SIGKILL);
              kill (pid, SIGKILL);
              if (pgrp > 1 && !in_group)
                g_array_append_val (groups, pgrp);
              if (pgrp != pid)
                g_array_append_val (groups, pid);
              killed++;
            }
          else if (!in_group)
            continue;
          /* Dead or dying now: once it is reaped, its children have been
           * reparented to us, for the next round. */
          waitpid (pid, NULL, 0);
          found++;
        }
      if (found == 0)
        break;
    }
  return killed;
}
