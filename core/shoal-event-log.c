/* shoal-event-log.c: the event stream on disk, written as it happens
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
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

/* A copy of @object whose `worker_id` (and its result's) is prefixed with
 * @prefix, so the workers of several runs stay apart. */
static JsonObject *
copy_with_worker_prefix (JsonObject *object,
                         const char *prefix)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (g_str_equal (name, "worker_id") && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *prefixed = g_strconcat (prefix, json_node_get_string (node), NULL);

          json_object_set_string_member (copy, name, prefixed);
        }
      else if (g_str_equal (name, "result") && JSON_NODE_HOLDS_OBJECT (node))
        json_object_set_object_member (copy, name,
                                       copy_with_worker_prefix (json_node_get_object (node), prefix));
      else
        json_object_set_member (copy, name, json_node_copy (node));
    }
  return copy;
}

typedef struct
{
  ShoalEvent *event;
  guint stream;
  guint index;
} MergeEntry;

static int
compare_merge_entries (gconstpointer a,
                       gconstpointer b)
{
  const MergeEntry *x = a, *y = b;
  gint64 tx = shoal_event_get_timestamp (x->event), ty = shoal_event_get_timestamp (y->event);

  if (tx != ty)
    return tx < ty ? -1 : 1;
  if (x->stream != y->stream)
    return x->stream < y->stream ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/**
 * shoal_event_log_merge:
 * @paths: (array zero-terminated=1) (element-type filename): the streams of
 *   several runs, such as the shards of one CI job (`shoal run --shard K/N`)
 * @out_n_skipped: (out) (optional): how many lines were skipped, in all
 * @error: return location for a #GError
 *
 * Merges the event streams of several runs into the stream of one run, as
 * `shoal report --merge` does, so that any reporter can describe them as a
 * whole:
 *
 * - one `run-started`, whose `run_id` joins the runs' ids with `+`, with
 *   their ids in `runs`, and the sums of their `workers` and `tests`;
 * - every other event, in time order, with each worker id prefixed with the
 *   number of its stream (`2/w1`), as workers of different runs are
 *   different workers;
 * - one `run-finished` with the sums of the counts, the elapsed time from
 *   the first start to the last end, `interrupted` if any run was, and the
 *   highest exit status. When a stream has no `run-finished` (its runner
 *   was killed), neither has the merged one.
 *
 * Returns: (transfer container) (element-type ShoalEvent): the merged
 *   events, or %NULL with @error set (naming the stream at fault)
 */
GPtrArray *
shoal_event_log_merge (const char *const *paths,
                       guint *out_n_skipped,
                       GError **error)
{
  g_autoptr (GPtrArray) streams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr (GArray) entries = g_array_new (FALSE, FALSE, sizeof (MergeEntry));
  g_autoptr (GPtrArray) merged = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (JsonObject) started = json_object_new ();
  g_autoptr (JsonObject) finished = json_object_new ();
  g_autoptr (JsonArray) run_ids = json_array_new ();
  g_autoptr (GString) joined_ids = g_string_new (NULL);
  gint64 first_start = G_MAXINT64, last_end = G_MININT64;
  gint64 workers = 0, tests = 0, exit_status = 0;
  gboolean all_finished = TRUE, interrupted = FALSE;
  guint64 sequence = 0;
  guint skipped = 0;

  g_return_val_if_fail (paths != NULL, NULL);

  if (paths[0] == NULL)
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO,
                           _ ("no event stream to merge"));
      return NULL;
    }
  for (guint s = 0; paths[s] != NULL; s++)
    {
      guint stream_skipped = 0;
      GPtrArray *events = shoal_event_log_read (paths[s], &stream_skipped, error);
      gboolean has_start = FALSE, has_finish = FALSE;

      if (events == NULL)
        return NULL;
      g_ptr_array_add (streams, events);
      skipped += stream_skipped;
      for (guint i = 0; i < events->len; i++)
        {
          ShoalEvent *event = events->pdata[i];
          ShoalEventKind kind = shoal_event_get_kind (event);

          if (kind == SHOAL_EVENT_RUN_STARTED)
            {
              const char *run_id = shoal_event_get_string (event, "run_id");

              has_start = TRUE;
              first_start = MIN (first_start, shoal_event_get_timestamp (event));
              workers += shoal_event_get_int (event, "workers", 0);
              tests += shoal_event_get_int (event, "tests", 0);
              json_array_add_string_element (run_ids, run_id != NULL ? run_id : "");
              g_string_append_printf (joined_ids, "%s%s", joined_ids->len > 0 ? "+" : "",
                                      run_id != NULL ? run_id : "");
              if (s == 0)
                for (const char *const *member = (const char *const[]){ "shoal_version", "host", "run_dir", NULL };
                     *member != NULL; member++)
                  if (shoal_event_get_string (event, *member) != NULL)
                    json_object_set_string_member (started, *member,
                                                   shoal_event_get_string (event, *member));
            }
          else if (kind == SHOAL_EVENT_RUN_FINISHED)
            {
              JsonObjectIter iter;
              const char *name;
              JsonNode *node;

              has_finish = TRUE;
              last_end = MAX (last_end, shoal_event_get_timestamp (event));
              interrupted |= json_object_get_boolean_member_with_default (
                  shoal_event_get_payload (event), "interrupted", FALSE);
              exit_status = MAX (exit_status, shoal_event_get_int (event, "exit_status", 0));
              /* The counts add up. */
              json_object_iter_init (&iter, shoal_event_get_payload (event));
              while (json_object_iter_next (&iter, &name, &node))
                if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
                    !g_str_equal (name, "exit_status"))
                  json_object_set_int_member (
                      finished, name,
                      json_object_get_int_member_with_default (finished, name, 0) +
                          json_node_get_int (node));
            }
          else
            {
              MergeEntry entry = { event, s, i };

              g_array_append_val (entries, entry);
            }
        }
      if (!has_start)
        {
          g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_IO,
                       _ ("%s: no run-started event: not the stream of a run"), paths[s]);
          return NULL;
        }
      all_finished &= has_finish;
    }

  json_object_set_string_member (started, "run_id", joined_ids->str);
  json_object_set_array_member (started, "runs", json_array_ref (run_ids));
  json_object_set_int_member (started, "workers", workers);
  json_object_set_int_member (started, "tests", tests);
  g_ptr_array_add (merged, shoal_event_new (SHOAL_EVENT_RUN_STARTED, ++sequence, first_start, started));

  g_array_sort (entries, compare_merge_entries);
  for (guint i = 0; i < entries->len; i++)
    {
      MergeEntry *entry = &g_array_index (entries, MergeEntry, i);
      g_autofree char *prefix = g_strdup_printf ("%u/", entry->stream + 1);
      g_autoptr (JsonObject) payload =
          streams->len > 1 ? copy_with_worker_prefix (shoal_event_get_payload (entry->event), prefix)
                           : json_object_ref (shoal_event_get_payload (entry->event));

      g_ptr_array_add (merged, shoal_event_new (shoal_event_get_kind (entry->event), ++sequence,
                                                shoal_event_get_timestamp (entry->event), payload));
    }

  if (all_finished)
    {
      json_object_set_string_member (finished, "run_id", joined_ids->str);
      json_object_set_double_member (finished, "execution_time",
                                     (last_end - first_start) / (double) G_USEC_PER_SEC);
      json_object_set_boolean_member (finished, "interrupted", interrupted);
      json_object_set_int_member (finished, "exit_status", exit_status);
      g_ptr_array_add (merged, shoal_event_new (SHOAL_EVENT_RUN_FINISHED, ++sequence, last_end, finished));
    }

  if (out_n_skipped != NULL)
    *out_n_skipped = skipped;
  return g_steal_pointer (&merged);
}
