/* test-spawn.c: helper commands run the core's way
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <shoal.h>

static gboolean
pid_is_gone (int pid)
{
  /* Gone, or a zombie nobody here will wait for (its parent is init). */
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;

  if (kill (pid, 0) != 0 && errno == ESRCH)
    return TRUE;
  return g_file_get_contents (path, &stat, NULL, NULL) && strstr (stat, ") Z ") != NULL;
}

static void
test_capture (void)
{
  const char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; echo $SHOAL_SPAWN_TEST; pwd; exit 3", NULL };
  const char *env[] = { "SHOAL_SPAWN_TEST=hello", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (shoal_spawn_capture (argv, "/", env, 10, &out, &err, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "out\nhello\n/\n");
  g_assert_cmpstr (err, ==, "err\n");
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 3);
}

static void
test_missing_program (void)
{
  const char *argv[] = { "/nonexistent/program", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_false (shoal_spawn_capture (argv, NULL, NULL, 10, NULL, NULL, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "cannot run /nonexistent/program: "));
}

static void
test_timeout_kills_the_group (void)
{
  g_autofree char *dir = g_dir_make_tmp ("shoal-spawn-XXXXXX", NULL);
  g_autofree char *pidfile = g_build_filename (dir, "pids", NULL);
  g_autofree char *script = g_strdup_printf (
      "trap '' TERM; sleep 60 & echo $! > %s; setsid sleep 60 & echo $! >> %s; wait", pidfile,
      pidfile);
  const char *argv[] = { "/bin/sh", "-c", script, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *pids = NULL;
  g_auto (GStrv) lines = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (shoal_spawn_capture (argv, NULL, NULL, 0.5, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_TIMEOUT);
  g_assert_true (g_str_has_prefix (error->message, "`/bin/sh -c trap"));
  g_assert_true (g_str_has_suffix (error->message, "` timed out after 0.5 s and was killed"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  /* The grandchild in the group and the one that left it with setsid. */
  g_assert_true (g_file_get_contents (pidfile, &pids, NULL, NULL));
  lines = g_strsplit (g_strstrip (pids), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  for (guint i = 0; lines[i] != NULL; i++)
    g_assert_true (pid_is_gone (atoi (lines[i])));

  g_unlink (pidfile);
  g_rmdir (dir);
}

static void
test_cancel (void)
{
  const char *argv[] = { "/bin/sleep", "60", NULL };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_cancellable_cancel (cancellable);
  g_assert_false (shoal_spawn_capture (argv, NULL, NULL, 0, NULL, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("shoal_spawn_capture(): output, status, timeouts that kill everything");

  g_test_add_func ("/shoal/spawn/capture", test_capture);
  g_test_add_func ("/shoal/spawn/missing-program", test_missing_program);
  g_test_add_func ("/shoal/spawn/timeout-kills-the-group", test_timeout_kills_the_group);
  g_test_add_func ("/shoal/spawn/cancel", test_cancel);
  return g_test_run ();
}
