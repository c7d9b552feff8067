/* shoal-event-log.c: the event stream on disk, written as it happens
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-event-log.h"

/**
 * ShoalEventLog:
 *
 * Writes a run's events to `events.ndjson`, one JSON object per line, each
 * with one write(2) as it happens. There is no fsync: a killed runner loses
 * nothing the kernel already has, and every line that made it is whole, so
 * [func@Shoal.EventLog.read] can rebuild the reports of everything that
 * finished.
 */
struct _ShoalEventLog
{
  GObject parent_instance;

  char *path;
  int fd;
};

G_DEFINE_FINAL_TYPE (ShoalEventLog, shoal_event_log, G_TYPE_OBJECT)

static void
shoal_event_log_finalize (GObject *object)
{
  ShoalEventLog *self = SHOAL_EVENT_LOG (object);

  if (self->fd >= 0)
    close (self->fd);
  g_free (self->path);

  G_OBJECT_CLASS (shoal_event_log_parent_class)->finalize (object);
}

static void
shoal_event_log_class_init (ShoalEventLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_event_log_finalize;
}

static void
shoal_event_log_init (ShoalEventLog *self)
{
  self->fd = -1;
}

/**
 * shoal_event_log_new:
 * @path: (type filename): the file to write; its directory is created
 * @error: return location for a #GError
 *
 * Opens @path for appending events (created if missing, truncated if not).
 *
 * Returns: (transfer full): the log, or %NULL with @error set
 */
ShoalEventLog *
shoal_event_log_new (const char *path,
                     GError **error)
{
  g_autoptr (ShoalEventLog) self = NULL;
  g_autofree char *dir = NULL;
  int saved_errno;

  g_return_val_if_fail (path != NULL, NULL);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      saved_errno = errno;
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "cannot create %s: %s", dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (SHOAL_TYPE_EVENT_LOG, NULL);
  self->path = g_strdup (path);
  self->fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (self->fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "cannot write %s: %s", path,
                   g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * shoal_event_log_get_path:
 * @self: a log
 *
 * Returns: (transfer none) (type filename): the file
 */
const char *
shoal_event_log_get_path (ShoalEventLog *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT_LOG (self), NULL);
  return self->path;
}

/**
 * shoal_event_log_append:
 * @self: a log
 * @event: the next event
 * @error: return location for a #GError
 *
 * Writes @event as one line, with a single write(2).
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_event_log_append (ShoalEventLog *self,
                        ShoalEvent *event,
                        GError **error)
{
  g_autofree char *line = NULL;
  gsize length;
  gsize written = 0;

  g_return_val_if_fail (SHOAL_IS_EVENT_LOG (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_EVENT (event), FALSE);

  if (self->fd < 0)
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "%s is closed", self->path);
      return FALSE;
    }

  line = shoal_event_to_line (event);
  length = strlen (line);
  line = g_realloc (line, length + 2);
  line[length++] = '\n';
  line[length] = '\0';

  while (written < length)
    {
      ssize_t n = write (self->fd, line + written, length - written);

      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            continue;
          g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "cannot write %s: %s",
                       self->path, g_strerror (saved_errno));
          return FALSE;
        }
      written += (gsize) n;
    }
  return TRUE;
}

/**
 * shoal_event_log_close:
 * @self: a log
 * @error: return location for a #GError
 *
 * Closes the file; later appends fail.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_event_log_close (ShoalEventLog *self,
                       GError **error)
{
  int fd;

  g_return_val_if_fail (SHOAL_IS_EVENT_LOG (self), FALSE);

  fd = self->fd;
  self->fd = -1;
  if (fd >= 0 && close (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "cannot close %s: %s",
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * shoal_event_log_read:
 * @path: (type filename): an `events.ndjson` file
 * @out_n_skipped: (out) (optional): how many lines were skipped
 * @error: return location for a #GError
 *
 * Reads a stream back. A last line without its newline (the writer was
 * killed mid-write) and events of unknown kinds are skipped and counted; a
 * malformed line elsewhere, or a stream of a newer version, is an error
 * naming the line.
 *
 * Returns: (transfer container) (element-type ShoalEvent): the events in
 *   order, or %NULL with @error set
 */
GPtrArray *
shoal_event_log_read (const char *path,
                      guint *out_n_skipped,
                      GError **error)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  gsize length = 0;
  guint skipped = 0;
  guint line_number = 0;
  char *line;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO, "%s", local_error->message);
      return NULL;
    }

  line = contents;
  while (line < contents + length)
    {
      char *newline = memchr (line, '\n', contents + length - line);
      ShoalEvent *event;

      line_number++;
      if (newline == NULL)
        {
          /* The writer died in the middle of this line. */
          skipped++;
          break;
        }
      *newline = '\0';
      if (*line != '\0')
        {
          event = shoal_event_new_from_line (line, newline - line, &local_error);
          if (event == NULL)
            {
              g_set_error (error, SHOAL_EVENT_ERROR, local_error->code, "%s:%u: %s", path,
                           line_number, local_error->message);
              return NULL;
            }
          if (shoal_event_get_kind (event) == SHOAL_EVENT_UNKNOWN)
            {
              skipped++;
              g_object_unref (event);
            }
          else
            g_ptr_array_add (events, event);
        }
      line = newline + 1;
    }

  if (out_n_skipped != NULL)
    *out_n_skipped = skipped;
  return g_steal_pointer (&events);
}
