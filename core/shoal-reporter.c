/* shoal-reporter.c: the interface of a report writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-reporter.h"

/**
 * ShoalReporter:
 *
 * A reporter turns the event stream into a report: live console output,
 * JSON, JUnit XML and more. It sees nothing but the events, in order, so a
 * report is a pure function of the stream and `shoal report` can rebuild it
 * from a saved `events.ndjson`.
 */

G_DEFINE_INTERFACE (ShoalReporter, shoal_reporter, G_TYPE_OBJECT)

static gboolean
shoal_reporter_real_open (ShoalReporter *self,
                          const char *destination,
                          GError **error)
{
  return TRUE;
}

static gboolean
shoal_reporter_real_close (ShoalReporter *self,
                           GError **error)
{
  return TRUE;
}

static void
shoal_reporter_default_init (ShoalReporterInterface *iface)
{
  iface->open = shoal_reporter_real_open;
  iface->close = shoal_reporter_real_close;
}

/**
 * shoal_reporter_open:
 * @self: a reporter
 * @destination: (nullable): the report's file, or %NULL for standard output
 * @error: return location for a #GError
 *
 * Starts a report.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_reporter_open (ShoalReporter *self,
                     const char *destination,
                     GError **error)
{
  g_return_val_if_fail (SHOAL_IS_REPORTER (self), FALSE);
  return SHOAL_REPORTER_GET_IFACE (self)->open (self, destination, error);
}

/**
 * shoal_reporter_handle_event:
 * @self: a reporter
 * @event: the next event of the stream
 *
 * Consumes one event.
 */
void
shoal_reporter_handle_event (ShoalReporter *self,
                             ShoalEvent *event)
{
  g_return_if_fail (SHOAL_IS_REPORTER (self));
  g_return_if_fail (SHOAL_IS_EVENT (event));
  g_return_if_fail (SHOAL_REPORTER_GET_IFACE (self)->handle_event != NULL);

  SHOAL_REPORTER_GET_IFACE (self)->handle_event (self, event);
}

/**
 * shoal_reporter_close:
 * @self: a reporter
 * @error: return location for a #GError
 *
 * Finishes the report.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_reporter_close (ShoalReporter *self,
                      GError **error)
{
  g_return_val_if_fail (SHOAL_IS_REPORTER (self), FALSE);
  return SHOAL_REPORTER_GET_IFACE (self)->close (self, error);
}

/**
 * shoal_reporter_check_destination:
 * @path: (type filename): where a report will be written
 * @what: what the report is, for the message ("the JSON report")
 * @error: return location for a #GError
 *
 * For reporters that write their file at the end: checks in
 * [vfunc@Shoal.Reporter.open] that @path can be written, so a long run does
 * not end in "cannot write the report". Creating and removing a file beside
 * it proves it without relying on permission bits (which say nothing when
 * running as root). Missing parent directories are created.
 *
 * Returns: %TRUE if @path can be written
 */
gboolean
shoal_reporter_check_destination (const char *path,
                                  const char *what,
                                  GError **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *probe = NULL;
  int saved_errno;
  int fd;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (what != NULL, FALSE);

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   "cannot write %s to %s: it is a directory", what, path);
      return FALSE;
    }
  dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  if (g_mkdir_with_parents (dir, 0777) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot write %s to %s: cannot create %s: %s", what, path, dir,
                   g_strerror (saved_errno));
      return FALSE;
    }
  probe = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp (probe);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "cannot write %s to %s: %s", what, path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);
  g_unlink (probe);
  return TRUE;
}

/**
 * shoal_reporter_read_output_tail:
 * @path: (type filename): a captured output file
 * @max_bytes: how much of its end to read at most
 * @out_truncated: (out) (optional): set when the beginning was left out
 * @error: return location for a #GError
 *
 * Reads the end of a test's captured output without reading the whole
 * file: its last @max_bytes bytes, starting on a whole line when the file
 * is longer. The bytes are returned as they are (not necessarily UTF-8).
 *
 * Returns: (transfer full): the tail, or %NULL with @error set
 */
char *
shoal_reporter_read_output_tail (const char *path,
                                 gsize max_bytes,
                                 gboolean *out_truncated,
                                 GError **error)
{
  g_autofree char *buffer = NULL;
  gboolean truncated = FALSE;
  struct stat st;
  gsize n_read = 0;
  gsize wanted;
  char *start;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        g_close (fd, NULL);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), "%s: %s", path,
                   g_strerror (saved_errno));
      return NULL;
    }
  wanted = MIN ((gsize) st.st_size, max_bytes);
  if ((gsize) st.st_size > wanted)
    {
      truncated = TRUE;
      lseek (fd, st.st_size - wanted, SEEK_SET);
    }
  buffer = g_malloc (wanted + 1);
  while (n_read < wanted)
    {
      gssize n = read (fd, buffer + n_read, wanted - n_read);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      n_read += (gsize) n;
    }
  g_close (fd, NULL);
  buffer[n_read] = '\0';

  start = buffer;
  if (truncated)
    {
      /* A cut in the middle of the file starts in the middle of a line. */
      char *newline = memchr (buffer, '\n', n_read);

      if (newline != NULL)
        start = newline + 1;
    }
  if (out_truncated != NULL)
    *out_truncated = truncated;
  if (start != buffer)
    memmove (buffer, start, buffer + n_read - start + 1);
  return g_steal_pointer (&buffer);
}
