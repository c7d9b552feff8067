/* shoal-environment-manager.c: isolated directories and environments for
 * workers and tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "shoal-environment-manager.h"

/* ShoalTestEnvironment and ShoalEnvironmentManager live in one file pair on
 * purpose: a test environment is only ever made, tracked and removed by its
 * manager, and they share the private constructor and the identity of the
 * directory (device and inode) the manager uses to keep preserved
 * directories. Splitting them would need a private header for that alone. */

/* clang-format off */
G_DEFINE_QUARK (shoal-environment-error-quark, shoal_environment_error)
/* clang-format on */

#define DEFAULT_CLEANUP_TIMEOUT 60.0
/* Long enough to read, short enough that XDG_RUNTIME_DIR stays well below
 * the 108 bytes a socket path may have. */
#define MAX_COMPONENT_LENGTH 48
#define MAX_UNIQUE_ATTEMPTS 10000

typedef struct
{
  guint64 dev;
  guint64 ino;
} FileId;

static guint
file_id_hash (gconstpointer data)
{
  const FileId *id = data;

  return (guint) (id->ino ^ (id->ino >> 32) ^ (id->dev * 2654435761u));
}

static gboolean
file_id_equal (gconstpointer a,
               gconstpointer b)
{
  const FileId *x = a;
  const FileId *y = b;

  return x->dev == y->dev && x->ino == y->ino;
}

static GHashTable *
file_id_set_new (void)
{
  return g_hash_table_new_full (file_id_hash, file_id_equal, g_free, NULL);
}

static void
file_id_set_add (GHashTable *set,
                 const FileId *id)
{
  g_hash_table_add (set, g_memdup2 (id, sizeof *id));
}

static GHashTable *
file_id_set_copy (GHashTable *set)
{
  GHashTable *copy = file_id_set_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    file_id_set_add (copy, key);
  return copy;
}

static gboolean
file_id_set_contains_stat (GHashTable *set,
                           const struct stat *st)
{
  FileId id = { st->st_dev, st->st_ino };

  return set != NULL && g_hash_table_contains (set, &id);
}

static gboolean
set_io_error (GError **error,
              int saved_errno,
              const char *format,
              ...) G_GNUC_PRINTF (3, 4);

/* Sets an IO error "<what>: <strerror>" and returns FALSE. */
static gboolean
set_io_error (GError **error,
              int saved_errno,
              const char *format,
              ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_IO, "%s: %s", what,
               g_strerror (saved_errno));
  return FALSE;
}

/* An id as one readable path component: letters, digits, `-`, `_` and
 * (not first) `.`; anything else becomes `_`, so `suite::/a/b` is
 * `suite___a_b`. Uniqueness comes from the caller, not from here. */
static char *
sanitize_component (const char *id,
                    const char *fallback)
{
  GString *name = g_string_new (NULL);

  for (const char *p = id; *p != '\0' && name->len < MAX_COMPONENT_LENGTH; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || (*p == '.' && name->len > 0))
        g_string_append_c (name, *p);
      else
        g_string_append_c (name, '_');
    }
  if (name->len == 0)
    g_string_append (name, fallback);
  return g_string_free (name, FALSE);
}

/* mkdir() obeys the umask, which may take bits the owner needs; the mode is
 * set again so that every directory made here is exactly 0700. */
static gboolean
make_private_dir (const char *path,
                  GError **error)
{
  if (g_mkdir (path, 0700) != 0)
    return FALSE;
  if (g_chmod (path, 0700) != 0)
    return set_io_error (error, errno, _ ("cannot set the mode of %s"), path);
  return TRUE;
}

/* Makes @path (mode 0700) inside a directory made here; @exist_ok for a
 * directory several threads may make. */
static gboolean
make_dir (const char *path,
          gboolean exist_ok,
          GError **error)
{
  GError *local_error = NULL;

  if (make_private_dir (path, &local_error))
    return TRUE;
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else if (errno == EEXIST && exist_ok)
    return TRUE;
  else
    set_io_error (error, errno, _ ("cannot make the directory %s"), path);
  return FALSE;
}

static gboolean
make_subdir (const char *path,
             GError **error)
{
  return make_dir (path, FALSE, error);
}

/* Makes <parent>/<name>, or <parent>/<name>-2, -3, ... when taken (a
 * retried test, two ids that sanitize alike). */
static char *
make_unique_private_dir (const char *parent,
                         const char *name,
                         GError **error)
{
  for (guint i = 1; i <= MAX_UNIQUE_ATTEMPTS; i++)
    {
      g_autofree char *leaf = i == 1 ? g_strdup (name) : g_strdup_printf ("%s-%u", name, i);
      g_autofree char *path = g_build_filename (parent, leaf, NULL);
      GError *local_error = NULL;

      if (make_private_dir (path, &local_error))
        return g_steal_pointer (&path);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return NULL;
        }
      if (errno != EEXIST)
        {
          set_io_error (error, errno, _ ("cannot make the directory %s"), path);
          return NULL;
        }
    }

  g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_IO,
               _ ("cannot make a directory for %s in %s: every name is taken"), name, parent);
  return NULL;
}

static gboolean
variable_is_valid (const char *assignment)
{
  const char *equals = strchr (assignment, '=');

  return equals != NULL && equals != assignment;
}

static gboolean
variables_are_valid (const char *const *variables)
{
  for (guint i = 0; variables != NULL && variables[i] != NULL; i++)
    if (!variable_is_valid (variables[i]))
      return FALSE;
  return TRUE;
}

static char **
environ_set_assignments (char **envp,
                         const char *const *assignments)
{
  for (guint i = 0; assignments != NULL && assignments[i] != NULL; i++)
    {
      const char *equals = strchr (assignments[i], '=');
      g_autofree char *name = NULL;

      if (equals == NULL || equals == assignments[i])
        continue;
      name = g_strndup (assignments[i], equals - assignments[i]);
      envp = g_environ_setenv (envp, name, equals + 1, TRUE);
    }
  return envp;
}

static gint64
deadline_after (double seconds)
{
  double usec = seconds * G_USEC_PER_SEC;

  if (usec >= (double) (G_MAXINT64 / 4))
    return G_MAXINT64;
  return g_get_monotonic_time () + (gint64) usec;
}

/* Removal ------------------------------------------------------------------
 *
 * A test may leave anything behind: a symlink to `/`, directories without
 * permissions, trees deeper than the number of file descriptors, a mount.
 * The walk below never follows a symlink (every step is relative to an open
 * directory, with O_NOFOLLOW and AT_SYMLINK_NOFOLLOW), gives each directory
 * u+rwx before emptying it (as root the permission checks do not apply, so
 * nothing may rely on them failing), refuses to descend into another file
 * system, and holds one directory open at a time: it climbs back with `..`
 * and checks it arrived where it came from (device and inode). It is
 * iterative, so depth costs heap, not stack. It checks a deadline before
 * each entry, so a huge tree ends with a timeout error, not a hang.
 */

typedef struct
{
  char *name; /* in the parent directory; NULL for the top frame */
  FileId id;
  GPtrArray *pending; /* subdirectories not empty at the first try */
  guint next;
  gboolean kept; /* something inside was kept on purpose */
} RemoveFrame;

typedef struct
{
  GHashTable *keep; /* FileId set of directories to leave, nullable */
  gint64 deadline;
  double timeout;
  guint removed;
  /* of the current root */
  const char *root;
  char *top_path;
  guint64 root_dev;
  GPtrArray *frames;
} Remover;

static void
remove_frame_free (gpointer data)
{
  RemoveFrame *frame = data;

  g_free (frame->name);
  g_ptr_array_unref (frame->pending);
  g_free (frame);
}

static RemoveFrame *
remove_frame_new (const char *name,
                  const struct stat *st)
{
  RemoveFrame *frame = g_new0 (RemoveFrame, 1);

  frame->name = g_strdup (name);
  frame->id.dev = st->st_dev;
  frame->id.ino = st->st_ino;
  frame->pending = g_ptr_array_new_with_free_func (g_free);
  return frame;
}

static void
remover_init (Remover *remover,
              GHashTable *keep,
              double timeout)
{
  memset (remover, 0, sizeof *remover);
  remover->keep = keep;
  remover->timeout = timeout;
  remover->deadline = deadline_after (timeout);
}

/* The path of @name inside the current directory, for messages. */
static char *
remover_path (Remover *remover,
              const char *name)
{
  GString *path = g_string_new (remover->top_path);

  for (guint i = 1; i < remover->frames->len; i++)
    {
      RemoveFrame *frame = remover->frames->pdata[i];

      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, frame->name);
    }
  if (name != NULL)
    {
      g_string_append_c (path, G_DIR_SEPARATOR);
      g_string_append (path, name);
    }
  return g_string_free (path, FALSE);
}

static gboolean
remover_set_errno (Remover *remover,
                   const char *name,
                   int saved_errno,
                   GError **error)
{
  g_autofree char *path = remover_path (remover, name);

  return set_io_error (error, saved_errno, _ ("cannot remove %s"), path);
}

static gboolean
remover_in_time (Remover *remover,
                 GError **error)
{
  if (remover->deadline == G_MAXINT64 || g_get_monotonic_time () < remover->deadline)
    return TRUE;

  g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_TIMEOUT,
               _ ("removing %s did not finish within the cleanup timeout (%g s): "
                  "%u entries removed, the rest was left in place"),
               remover->root, remover->timeout, remover->removed);
  return FALSE;
}

static gboolean
remove_entry (Remover *remover,
              int dir_fd,
              const char *name,
              int flags,
              GError **error)
{
  if (unlinkat (dir_fd, name, flags) == 0)
    {
      remover->removed++;
      return TRUE;
    }
  if (errno == ENOENT)
    return TRUE;
  return remover_set_errno (remover, name, errno, error);
}

/* Opens the directory @name in @dir_fd without following a symlink, giving
 * it u+rwx first if it has no permission for us. Returns -1 with errno set
 * otherwise (ENOTDIR or ELOOP: it is not a directory, or no longer). */
static int
open_directory_at (int dir_fd,
                   const char *name)
{
  int fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0 && errno == EACCES)
    {
      /* chmod through an O_PATH descriptor of the directory itself: never
       * through a symlink that may have replaced it. */
      int path_fd = openat (dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      struct stat st;

      if (path_fd < 0)
        return -1;
      if (fstat (path_fd, &st) == 0)
        {
          g_autofree char *proc_path = g_strdup_printf ("/proc/self/fd/%d", path_fd);

          (void) chmod (proc_path, (st.st_mode | S_IRWXU) & 07777);
        }
      close (path_fd);
      fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
  return fd;
}

/* Removes everything in the directory @fd that can go at once; queues the
 * subdirectories that are not empty in @frame->pending. */
static gboolean
remover_scan (Remover *remover,
              int fd,
              RemoveFrame *frame,
              GError **error)
{
  struct stat st;
  struct dirent *entry;
  DIR *dir;
  int dup_fd;
  gboolean ok = FALSE;

  /* Entries can only be removed from a writable directory. */
  if (fstat (fd, &st) == 0 && (st.st_mode & S_IRWXU) != S_IRWXU)
    (void) fchmod (fd, (st.st_mode | S_IRWXU) & 07777);

  dup_fd = fcntl (fd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0 || (dir = fdopendir (dup_fd)) == NULL)
    {
      int saved_errno = errno;

      if (dup_fd >= 0)
        close (dup_fd);
      return remover_set_errno (remover, NULL, saved_errno, error);
    }

  for (;;)
    {
      const char *name;

      errno = 0;
      entry = readdir (dir);
      if (entry == NULL)
        {
          if (errno != 0)
            {
              remover_set_errno (remover, NULL, errno, error);
              goto out;
            }
          break;
        }
      name = entry->d_name;
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;
      if (!remover_in_time (remover, error))
        goto out;

      if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
        {
          if (!remove_entry (remover, fd, name, 0, error))
            goto out;
          continue;
        }

      if (fstatat (fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          if (errno == ENOENT)
            continue;
          remover_set_errno (remover, name, errno, error);
          goto out;
        }
      if (!S_ISDIR (st.st_mode))
        {
          if (!remove_entry (remover, fd, name, 0, error))
            goto out;
        }
      else if (file_id_set_contains_stat (remover->keep, &st))
        frame->kept = TRUE;
      else if (unlinkat (fd, name, AT_REMOVEDIR) == 0)
        remover->removed++;
      else if (errno == ENOTEMPTY || errno == EEXIST)
        g_ptr_array_add (frame->pending, g_strdup (name));
      else if (errno != ENOENT)
        {
          remover_set_errno (remover, name, errno, error);
          goto out;
        }
    }

  ok = TRUE;

out:
  closedir (dir);
  return ok;
}

/* Removes @path and everything below it, except directories in
 * @remover->keep (and so their ancestors, which @out_kept reports). A
 * missing @path is not an error. */
static gboolean
remover_run (Remover *remover,
             const char *path,
             gboolean *out_kept,
             GError **error)
{
  g_autofree char *top_path = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GPtrArray) frames = g_ptr_array_new_with_free_func (remove_frame_free);
  RemoveFrame *top;
  struct stat st;
  gboolean ok = FALSE;
  int fd;

  if (out_kept != NULL)
    *out_kept = FALSE;

  fd = open (top_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return set_io_error (error, errno, _ ("cannot remove %s"), path);
    }
  if (fstat (fd, &st) != 0)
    {
      set_io_error (error, errno, _ ("cannot remove %s"), path);
      close (fd);
      return FALSE;
    }

  remover->root = path;
  remover->top_path = top_path;
  remover->frames = frames;

  /* The top frame is the parent of @path, whose only pending entry is
   * @path: the same steps then remove @path as any subdirectory. */
  top = remove_frame_new (NULL, &st);
  g_ptr_array_add (top->pending, g_strdup (base));
  g_ptr_array_add (frames, top);

  for (;;)
    {
      top = frames->pdata[frames->len - 1];

      if (top->next < top->pending->len)
        {
          const char *name = top->pending->pdata[top->next++];
          int child;

          if (!remover_in_time (remover, error))
            goto out;

          child = open_directory_at (fd, name);
          if (child < 0)
            {
              if (errno == ENOENT)
                continue;
              if (errno == ENOTDIR || errno == ELOOP)
                {
                  /* Replaced by a file or a symlink: remove just that. */
                  if (!remove_entry (remover, fd, name, 0, error))
                    goto out;
                  continue;
                }
              remover_set_errno (remover, name, errno, error);
              goto out;
            }
          if (fstat (child, &st) != 0)
            {
              remover_set_errno (remover, name, errno, error);
              close (child);
              goto out;
            }

          /* Every directory removed here was made by the manager inside one
           * of its own: one on another device is a mount (a bind mount of
           * `/`, say), never to be emptied. */
          if (frames->len == 1)
            remover->root_dev = top->id.dev;
          if (st.st_dev != remover->root_dev)
            {
              g_autofree char *child_path = remover_path (remover, name);

              g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_UNSAFE,
                           _ ("refusing to remove %s: it is on another file system "
                              "(a mount point); it was left in place"),
                           child_path);
              close (child);
              goto out;
            }
          if (frames->len > 1 && file_id_set_contains_stat (remover->keep, &st))
            {
              top->kept = TRUE;
              close (child);
              continue;
            }

          g_ptr_array_add (frames, remove_frame_new (name, &st));
          close (fd);
          fd = child;
          if (!remover_scan (remover, fd, frames->pdata[frames->len - 1], error))
            goto out;
        }
      else if (frames->len == 1)
        {
          break;
        }
      else
        {
          RemoveFrame *parent_frame = frames->pdata[frames->len - 2];
          RemoveFrame *done;
          int parent = openat (fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

          if (parent < 0 || fstat (parent, &st) != 0)
            {
              int saved_errno = errno;

              if (parent >= 0)
                close (parent);
              remover_set_errno (remover, NULL, saved_errno, error);
              goto out;
            }
          if (st.st_dev != parent_frame->id.dev || st.st_ino != parent_frame->id.ino)
            {
              g_autofree char *moved = remover_path (remover, NULL);

              g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_UNSAFE,
                           _ ("stopped removing %s: it was moved while being removed"),
                           moved);
              close (parent);
              goto out;
            }
          close (fd);
          fd = parent;
          done = g_ptr_array_steal_index (frames, frames->len - 1);

          if (done->kept)
            parent_frame->kept = TRUE;
          else if (unlinkat (fd, done->name, AT_REMOVEDIR) == 0)
            remover->removed++;
          else if (errno == ENOTEMPTY || errno == EEXIST)
            /* Something was written into it meanwhile: empty it again
             * (the deadline bounds this). */
            g_ptr_array_add (parent_frame->pending, g_strdup (done->name));
          else if (errno != ENOENT)
            {
              remover_set_errno (remover, done->name, errno, error);
              remove_frame_free (done);
              goto out;
            }
          remove_frame_free (done);
        }
    }

  if (out_kept != NULL)
    *out_kept = top->kept;
  ok = TRUE;

out:
  close (fd);
  remover->root = NULL;
  remover->top_path = NULL;
  remover->frames = NULL;
  return ok;
}

/* Copy ---------------------------------------------------------------------*/

typedef struct
{
  GPatternSpec *spec;
  gboolean by_path;  /* matched against the relative path, not the name */
  gboolean dir_only; /* written with a trailing `/` */
} ExcludePattern;

typedef struct
{
  GArray *excludes;
  FileId skip; /* the run directory, skipped if it lies inside the source */
  const char *source;
  guint entries;
  gboolean try_copy_file_range;
} Copier;

static void
exclude_pattern_clear (gpointer data)
{
  ExcludePattern *pattern = data;

  g_pattern_spec_free (pattern->spec);
}

/* Patterns as in .gitignore, simplified: one without `/` matches a name at
 * any depth (`build*`, `.git`); one with `/` matches the path from the
 * source (`data/cache`, `/out`); a trailing `/` matches directories only. */
static GArray *
compile_excludes (const char *const *exclude)
{
  GArray *excludes = g_array_new (FALSE, TRUE, sizeof (ExcludePattern));

  g_array_set_clear_func (excludes, exclude_pattern_clear);
  for (guint i = 0; exclude != NULL && exclude[i] != NULL; i++)
    {
      g_autofree char *text = g_strdup (exclude[i]);
      char *start = text;
      gsize len;
      ExcludePattern pattern = { NULL, FALSE, FALSE };

      while (g_str_has_prefix (start, "./"))
        start += 2;
      if (*start == '/')
        {
          pattern.by_path = TRUE;
          while (*start == '/')
            start++;
        }
      len = strlen (start);
      while (len > 0 && start[len - 1] == '/')
        {
          pattern.dir_only = TRUE;
          start[--len] = '\0';
        }
      if (len == 0)
        continue;
      if (strchr (start, '/') != NULL)
        pattern.by_path = TRUE;
      pattern.spec = g_pattern_spec_new (start);
      g_array_append_val (excludes, pattern);
    }
  return excludes;
}

static gboolean
copier_excludes (Copier *copier,
                 const char *relative,
                 const char *name,
                 gboolean is_dir)
{
  for (guint i = 0; i < copier->excludes->len; i++)
    {
      ExcludePattern *pattern = &g_array_index (copier->excludes, ExcludePattern, i);

      if (pattern->dir_only && !is_dir)
        continue;
      if (g_pattern_spec_match_string (pattern->spec, pattern->by_path ? relative : name))
        return TRUE;
    }
  return FALSE;
}

/* copy_file_range() lets the kernel copy (or share extents, on file systems
 * with reflinks) without the data passing through user space; where it is
 * refused (across file systems on some kernels, special files) a plain
 * read/write loop goes on from the current offsets. */
static gboolean
copy_file_data (Copier *copier,
                int in_fd,
                int out_fd,
                goffset size)
{
  goffset copied = 0;
  char buffer[64 * 1024];

  while (copier->try_copy_file_range)
    {
      ssize_t n = copy_file_range (in_fd, NULL, out_fd, NULL, 1 << 30, 0);

      if (n > 0)
        {
          copied += n;
          continue;
        }
      if (n == 0 && copied >= size)
        return TRUE;
      if (n == 0)
        break; /* a file system that reports nothing to copy: read it */
      if (errno == EINTR)
        continue;
      if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
          errno == EPERM || errno == EBADF)
        {
          /* Refused for this pair of file systems: for the rest too. */
          copier->try_copy_file_range = FALSE;
          break;
        }
      return FALSE;
    }

  for (;;)
    {
      ssize_t n = read (in_fd, buffer, sizeof buffer);
      char *p = buffer;

      if (n == 0)
        return TRUE;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return FALSE;
        }
      while (n > 0)
        {
          ssize_t written = write (out_fd, p, n);

          if (written < 0)
            {
              if (errno == EINTR)
                continue;
              return FALSE;
            }
          p += written;
          n -= written;
        }
    }
}

static gboolean
copy_regular_file (Copier *copier,
                   int src_dir,
                   int dst_dir,
                   const char *name,
                   const char *relative,
                   const struct stat *st,
                   GError **error)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  int in_fd = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  int out_fd = -1;
  gboolean ok = FALSE;

  if (in_fd < 0)
    return set_io_error (error, errno, _ ("cannot copy %s from %s"), relative, copier->source);
  out_fd = openat (dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                   0600);
  if (out_fd < 0 || !copy_file_data (copier, in_fd, out_fd, st->st_size) ||
      fchmod (out_fd, st->st_mode & 07777) != 0 || futimens (out_fd, times) != 0)
    set_io_error (error, errno, _ ("cannot copy %s from %s"), relative, copier->source);
  else
    ok = TRUE;

  close (in_fd);
  if (out_fd >= 0)
    close (out_fd);
  return ok;
}

static gboolean
copy_symlink (Copier *copier,
              int src_dir,
              int dst_dir,
              const char *name,
              const char *relative,
              const struct stat *st,
              GError **error)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  gsize size = st->st_size > 0 ? (gsize) st->st_size + 1 : 256;

  for (;;)
    {
      g_autofree char *target = g_malloc (size);
      ssize_t n = readlinkat (src_dir, name, target, size);

      if (n < 0)
        return set_io_error (error, errno, _ ("cannot copy %s from %s"), relative,
                             copier->source);
      if ((gsize) n >= size)
        {
          size *= 2;
          continue;
        }
      target[n] = '\0';
      if (symlinkat (target, dst_dir, name) != 0)
        return set_io_error (error, errno, _ ("cannot copy %s from %s"), relative,
                             copier->source);
      /* Not every file system lets a link's times be set: not worth
       * failing a copy for. */
      (void) utimensat (dst_dir, name, times, AT_SYMLINK_NOFOLLOW);
      return TRUE;
    }
}

static gboolean copy_directory_contents (Copier *copier,
                                         int src_dir,
                                         int dst_dir,
                                         const char *relative,
                                         GError **error);

static gboolean
copy_directory (Copier *copier,
                int src_dir,
                int dst_dir,
                const char *name,
                const char *relative,
                const struct stat *st,
                GError **error)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  int src_child = -1;
  int dst_child = -1;
  gboolean ok = FALSE;

  if (mkdirat (dst_dir, name, 0700) != 0 ||
      (src_child = openat (src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
      (dst_child = openat (dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    {
      set_io_error (error, errno, _ ("cannot copy %s from %s"), relative, copier->source);
      goto out;
    }
  if (!copy_directory_contents (copier, src_child, dst_child, relative, error))
    goto out;
  /* The mode last, so that a read-only directory could be filled; the
   * times after the contents, which change them. */
  if (fchmod (dst_child, st->st_mode & 07777) != 0 || futimens (dst_child, times) != 0)
    {
      set_io_error (error, errno, _ ("cannot copy %s from %s"), relative, copier->source);
      goto out;
    }
  ok = TRUE;

out:
  if (src_child >= 0)
    close (src_child);
  if (dst_child >= 0)
    close (dst_child);
  return ok;
}

static gboolean
copy_directory_contents (Copier *copier,
                         int src_dir,
                         int dst_dir,
                         const char *relative,
                         GError **error)
{
  struct dirent *entry;
  gboolean ok = FALSE;
  DIR *dir;
  int dup_fd = fcntl (src_dir, F_DUPFD_CLOEXEC, 0);

  if (dup_fd < 0 || (dir = fdopendir (dup_fd)) == NULL)
    {
      int saved_errno = errno;

      if (dup_fd >= 0)
        close (dup_fd);
      return set_io_error (error, saved_errno, _ ("cannot read %s in %s"),
                           relative != NULL ? relative : ".", copier->source);
    }

  for (;;)
    {
      g_autofree char *child_relative = NULL;
      const char *name;
      struct stat st;

      errno = 0;
      entry = readdir (dir);
      if (entry == NULL)
        {
          if (errno != 0)
            {
              set_io_error (error, errno, _ ("cannot read %s in %s"),
                            relative != NULL ? relative : ".", copier->source);
              goto out;
            }
          break;
        }
      name = entry->d_name;
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        continue;

      child_relative = relative != NULL ? g_build_filename (relative, name, NULL) : g_strdup (name);
      if (fstatat (src_dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          if (errno == ENOENT)
            continue;
          set_io_error (error, errno, _ ("cannot copy %s from %s"), child_relative,
                        copier->source);
          goto out;
        }
      if (copier_excludes (copier, child_relative, name, S_ISDIR (st.st_mode)))
        continue;

      if (S_ISDIR (st.st_mode))
        {
          if (st.st_dev == copier->skip.dev && st.st_ino == copier->skip.ino)
            continue;
          if (!copy_directory (copier, src_dir, dst_dir, name, child_relative, &st, error))
            goto out;
        }
      else if (S_ISREG (st.st_mode))
        {
          if (!copy_regular_file (copier, src_dir, dst_dir, name, child_relative, &st, error))
            goto out;
        }
      else if (S_ISLNK (st.st_mode))
        {
          if (!copy_symlink (copier, src_dir, dst_dir, name, child_relative, &st, error))
            goto out;
        }
      else if (S_ISFIFO (st.st_mode))
        {
          if (mkfifoat (dst_dir, name, 0600) != 0 ||
              fchmodat (dst_dir, name, st.st_mode & 07777, 0) != 0)
            {
              set_io_error (error, errno, _ ("cannot copy %s from %s"), child_relative,
                            copier->source);
              goto out;
            }
        }
      else
        continue; /* sockets and devices belong to whoever made them */

      copier->entries++;
    }
  ok = TRUE;

out:
  closedir (dir);
  return ok;
}

/* Copies the contents of @source into the existing directory @destination,
 * then gives @destination the mode and times of @source. @skip, which holds
 * @destination, is not copied should it lie inside @source. */
static gboolean
copy_tree (const char *source,
           const char *destination,
           const char *skip,
           const char *const *exclude,
           GError **error)
{
  Copier copier = { 0 };
  struct stat src_st;
  struct stat skip_st;
  int src_fd = -1;
  int dst_fd = -1;
  gboolean ok = FALSE;

  copier.source = source;
  copier.excludes = compile_excludes (exclude);
  copier.try_copy_file_range = TRUE;

  src_fd = open (source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src_fd < 0 || fstat (src_fd, &src_st) != 0)
    {
      set_io_error (error, errno, _ ("cannot read %s"), source);
      goto out;
    }
  dst_fd = open (destination, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst_fd < 0 || stat (skip, &skip_st) != 0)
    {
      set_io_error (error, errno, _ ("cannot write %s"), destination);
      goto out;
    }
  copier.skip.dev = skip_st.st_dev;
  copier.skip.ino = skip_st.st_ino;

  if (!copy_directory_contents (&copier, src_fd, dst_fd, NULL, error))
    goto out;

  {
    struct timespec times[2] = { src_st.st_atim, src_st.st_mtim };

    if (fchmod (dst_fd, src_st.st_mode & 07777) != 0 || futimens (dst_fd, times) != 0)
      {
        set_io_error (error, errno, _ ("cannot write %s"), destination);
        goto out;
      }
  }

  g_debug ("copied %u entries from %s to %s", copier.entries, source, destination);
  ok = TRUE;

out:
  if (src_fd >= 0)
    close (src_fd);
  if (dst_fd >= 0)
    close (dst_fd);
  g_array_unref (copier.excludes);
  return ok;
}

/* ShoalTestEnvironment ------------------------------------------------------*/

/**
 * ShoalTestEnvironment:
 *
 * The isolated environment of one test on one worker, made by
 * [method@Shoal.EnvironmentManager.create_test_environment]: a private
 * directory (mode 0700) with a `tmp/` inside that `TMPDIR` points to, a
 * home of its own when the manager isolates homes, and the environment
 * variables the test runs with.
 *
 * It is immutable, so it can be handed between threads. The manager
 * removes or keeps its directory in
 * [method@Shoal.EnvironmentManager.finish_test_environment].
 */
struct _ShoalTestEnvironment
{
  GObject parent_instance;

  char *worker_id;
  char *test_id;
  char *directory;
  char *tmp_dir;
  char *home_dir;
  GStrv environment;
  FileId id;
};

G_DEFINE_FINAL_TYPE (ShoalTestEnvironment, shoal_test_environment, G_TYPE_OBJECT)

enum
{
  ENV_PROP_0,
  ENV_PROP_WORKER_ID,
  ENV_PROP_TEST_ID,
  ENV_PROP_DIRECTORY,
  ENV_N_PROPS,
};

static GParamSpec *env_properties[ENV_N_PROPS];

static void
shoal_test_environment_finalize (GObject *object)
{
  ShoalTestEnvironment *self = SHOAL_TEST_ENVIRONMENT (object);

  g_free (self->worker_id);
  g_free (self->test_id);
  g_free (self->directory);
  g_free (self->tmp_dir);
  g_free (self->home_dir);
  g_strfreev (self->environment);

  G_OBJECT_CLASS (shoal_test_environment_parent_class)->finalize (object);
}

static void
shoal_test_environment_get_property (GObject *object,
                                     guint prop_id,
                                     GValue *value,
                                     GParamSpec *pspec)
{
  ShoalTestEnvironment *self = SHOAL_TEST_ENVIRONMENT (object);

  switch (prop_id)
    {
    case ENV_PROP_WORKER_ID:
      g_value_set_string (value, self->worker_id);
      break;
    case ENV_PROP_TEST_ID:
      g_value_set_string (value, self->test_id);
      break;
    case ENV_PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_test_environment_class_init (ShoalTestEnvironmentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_test_environment_finalize;
  object_class->get_property = shoal_test_environment_get_property;

  /**
   * ShoalTestEnvironment:worker-id:
   *
   * The worker the test runs on.
   */
  env_properties[ENV_PROP_WORKER_ID] =
      g_param_spec_string ("worker-id", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalTestEnvironment:test-id:
   *
   * The test the environment is for.
   */
  env_properties[ENV_PROP_TEST_ID] =
      g_param_spec_string ("test-id", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalTestEnvironment:directory:
   *
   * The test's private directory.
   */
  env_properties[ENV_PROP_DIRECTORY] =
      g_param_spec_string ("directory", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, ENV_N_PROPS, env_properties);
}

static void
shoal_test_environment_init (ShoalTestEnvironment *self)
{
}

/**
 * shoal_test_environment_get_worker_id:
 * @self: a test environment
 *
 * Returns: (transfer none): the worker the test runs on
 */
const char *
shoal_test_environment_get_worker_id (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return self->worker_id;
}

/**
 * shoal_test_environment_get_test_id:
 * @self: a test environment
 *
 * Returns: (transfer none): the test the environment is for
 */
const char *
shoal_test_environment_get_test_id (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return self->test_id;
}

/**
 * shoal_test_environment_get_directory:
 * @self: a test environment
 *
 * Gets the test's private directory (mode 0700), also in `SHOAL_TEST_DIR`.
 *
 * Returns: (transfer none) (type filename): an absolute path
 */
const char *
shoal_test_environment_get_directory (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return self->directory;
}

/**
 * shoal_test_environment_get_tmp_dir:
 * @self: a test environment
 *
 * Gets the test's temporary directory, `tmp/` in its directory, which
 * `TMPDIR` names.
 *
 * Returns: (transfer none) (type filename): an absolute path
 */
const char *
shoal_test_environment_get_tmp_dir (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return self->tmp_dir;
}

/**
 * shoal_test_environment_get_home_dir:
 * @self: a test environment
 *
 * Gets the test's own `HOME`, `home/` in its directory, when the manager
 * isolates homes.
 *
 * Returns: (transfer none) (type filename) (nullable): an absolute path, or
 *   %NULL when the test keeps the runner's home
 */
const char *
shoal_test_environment_get_home_dir (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return self->home_dir;
}

/**
 * shoal_test_environment_get_environment:
 * @self: a test environment
 *
 * Gets the variables the test runs with, as `NAME=VALUE`, each name once:
 * the manager's [property@Shoal.EnvironmentManager:environment-variables],
 * then the worker's own (which win over the manager's), then those the
 * manager sets and that nothing overrides: `TMPDIR`; with an isolated home
 * `HOME`, `XDG_CONFIG_HOME`, `XDG_DATA_HOME`, `XDG_CACHE_HOME`,
 * `XDG_STATE_HOME` and `XDG_RUNTIME_DIR`; `SHOAL_WORKER_ID`,
 * `TEST_WORKER_ID`, `SHOAL_TEST_ID` and `SHOAL_TEST_DIR`.
 *
 * Returns: (transfer none) (array zero-terminated=1): the variables
 */
const char *const *
shoal_test_environment_get_environment (ShoalTestEnvironment *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  return (const char *const *) self->environment;
}

/**
 * shoal_test_environment_apply:
 * @self: a test environment
 * @envp: (nullable) (array zero-terminated=1): an environment, as from
 *   g_get_environ(), or %NULL for an empty one
 *
 * Sets the test's variables in a copy of @envp, replacing those of the same
 * names.
 *
 * Returns: (transfer full) (array zero-terminated=1): the environment to
 *   run the test with
 */
char **
shoal_test_environment_apply (ShoalTestEnvironment *self,
                              const char *const *envp)
{
  char **result;

  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (self), NULL);

  result = envp != NULL ? g_strdupv ((char **) envp) : g_new0 (char *, 1);
  return environ_set_assignments (result, (const char *const *) self->environment);
}

/* ShoalEnvironmentManager ---------------------------------------------------*/

/**
 * ShoalEnvironmentManager:
 *
 * Makes and removes the isolated environments workers and tests run in.
 *
 * Everything lives in a run directory the manager makes (mode 0700, with an
 * unguessable name) in [property@Shoal.EnvironmentManager:base-temp-dir]:
 *
 * ```
 * <base-temp-dir>/shoal-<run id>-XXXXXX/
 *   <worker>/                  create_worker_environment()
 *     tests/<test>/            create_test_environment(): SHOAL_TEST_DIR
 *       tmp/                   TMPDIR
 *       home/                  HOME and the XDG directories (isolate-home)
 *       runtime/               XDG_RUNTIME_DIR (isolate-home)
 *     workspace/<source>/      prepare_workspace()
 * ```
 *
 * Every directory is made with mode 0700. A test's directory is removed
 * when it finishes, unless the test failed and
 * [property@Shoal.EnvironmentManager:preserve-on-failure] is set: then it is
 * kept, and its path is given back to be named in the test's result.
 * Removal never follows a symlink, copes with directories without
 * permissions, does not descend into another file system, and stops at
 * [property@Shoal.EnvironmentManager:cleanup-timeout] with an error instead
 * of running on.
 *
 * The manager is thread-safe. Its lock is held while directories are made,
 * never while trees are removed or copied.
 */
typedef struct
{
  char *path;
  gboolean ready; /* FALSE while a thread makes the copy */
} Workspace;

typedef struct
{
  char *id;
  char *directory;
  char *tests_dir;
  GStrv variables;        /* NAME=VALUE from the worker's configuration */
  int isolate_home;       /* -1: as the manager says */
  GHashTable *workspaces; /* canonical source → Workspace; under the lock */
} Worker;

struct _ShoalEnvironmentManager
{
  GObject parent_instance;

  GMutex mutex;
  GCond workspace_cond;

  char *base_temp_dir;
  char *run_id;
  gboolean cleanup_on_exit;
  gboolean preserve_on_failure;
  gboolean isolate_home;
  double cleanup_timeout;
  GStrv environment_variables;

  GHashTable *run_dirs;      /* base dir → the run directory made in it */
  GHashTable *workers;       /* worker id → Worker (a reference) */
  GHashTable *active_tests;  /* ShoalTestEnvironment set (references) */
  GPtrArray *preserved;      /* paths kept on purpose */
  GHashTable *preserved_ids; /* FileId set of the same */
  GPtrArray *leftovers;      /* paths whose removal failed: retried */

  /* Removals of finished tests' directories, with remove-in-background. */
  gboolean remove_in_background;
  GThreadPool *removals; /* (nullable): made on first use */
  guint n_removals;      /* queued or running */
  GCond removals_cond;   /* signalled when n_removals drops to 0 */
};

G_DEFINE_FINAL_TYPE (ShoalEnvironmentManager, shoal_environment_manager, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_TEMP_DIR,
  PROP_RUN_ID,
  PROP_CLEANUP_ON_EXIT,
  PROP_PRESERVE_ON_FAILURE,
  PROP_ISOLATE_HOME,
  PROP_CLEANUP_TIMEOUT,
  PROP_ENVIRONMENT_VARIABLES,
  PROP_REMOVE_IN_BACKGROUND,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];
static const char *const empty_strv[] = { NULL };

static void
workspace_free (gpointer data)
{
  Workspace *workspace = data;

  g_free (workspace->path);
  g_free (workspace);
}

static void
worker_clear (gpointer data)
{
  Worker *worker = data;

  g_free (worker->id);
  g_free (worker->directory);
  g_free (worker->tests_dir);
  g_strfreev (worker->variables);
  g_hash_table_unref (worker->workspaces);
}

static Worker *
worker_ref (Worker *worker)
{
  return g_atomic_rc_box_acquire (worker);
}

static void
worker_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, worker_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Worker, worker_unref)

/* Called with the lock held. */
static const char *
ensure_run_dir_locked (ShoalEnvironmentManager *self,
                       const char *base,
                       GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *template = NULL;
  const char *run_dir = g_hash_table_lookup (self->run_dirs, base);

  if (run_dir != NULL && g_file_test (run_dir, G_FILE_TEST_IS_DIR))
    return run_dir;

  if (g_mkdir_with_parents (base, 0700) != 0)
    {
      set_io_error (error, errno, _ ("cannot make the directory %s"), base);
      return NULL;
    }
  if (!g_file_test (base, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_IO,
                   _ ("%s is not a directory"), base);
      return NULL;
    }

  /* A fresh, unguessable name in a directory others may write to (the
   * system's temporary directory): nobody else can have made it first. */
  name = sanitize_component (self->run_id != NULL ? self->run_id : "env", "env");
  template = g_strdup_printf ("%s%cshoal-%s-XXXXXX", base, G_DIR_SEPARATOR, name);
  if (g_mkdtemp_full (template, 0700) == NULL || g_chmod (template, 0700) != 0)
    {
      set_io_error (error, errno, _ ("cannot make a directory in %s"), base);
      return NULL;
    }

  g_hash_table_replace (self->run_dirs, g_strdup (base), g_strdup (template));
  return g_hash_table_lookup (self->run_dirs, base);
}

/* Called with the lock held; @worker_id is not in the table yet. */
static Worker *
worker_new_locked (ShoalEnvironmentManager *self,
                   const char *worker_id,
                   const char *base_path,
                   char **variables,
                   int isolate_home,
                   GError **error)
{
  g_autoptr (Worker) worker = NULL;
  g_autofree char *name = NULL;
  const char *run_dir;

  run_dir = ensure_run_dir_locked (self, base_path != NULL ? base_path : self->base_temp_dir,
                                   error);
  if (run_dir == NULL)
    return NULL;

  worker = g_atomic_rc_box_new0 (Worker);
  worker->id = g_strdup (worker_id);
  worker->variables = variables != NULL ? g_strdupv (variables) : NULL;
  worker->isolate_home = isolate_home;
  worker->workspaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, workspace_free);

  name = sanitize_component (worker_id, "worker");
  worker->directory = make_unique_private_dir (run_dir, name, error);
  if (worker->directory == NULL)
    return NULL;
  worker->tests_dir = g_build_filename (worker->directory, "tests", NULL);
  if (!make_subdir (worker->tests_dir, error))
    {
      (void) g_rmdir (worker->directory);
      return NULL;
    }

  g_hash_table_insert (self->workers, g_strdup (worker_id), worker_ref (worker));
  return g_steal_pointer (&worker);
}

static gboolean
check_worker_id (const char *worker_id,
                 GError **error)
{
  if (worker_id[0] == '\0')
    {
      g_set_error_literal (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_INVALID,
                           _ ("a worker id cannot be empty"));
      return FALSE;
    }
  return TRUE;
}

/* Reads the worker configuration of create_worker_environment(). */
static gboolean
parse_worker_config (const char *worker_id,
                     GVariant *config,
                     char **out_base_path,
                     char ***out_variables,
                     int *out_isolate_home,
                     GError **error)
{
  g_autofree char *base_path = NULL;
  g_autoptr (GStrvBuilder) variables = g_strv_builder_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;
  int isolate_home = -1;

  if (config == NULL)
    {
      *out_base_path = NULL;
      *out_variables = NULL;
      *out_isolate_home = -1;
      return TRUE;
    }

  if (!g_variant_is_of_type (config, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_INVALID,
                   _ ("the environment configuration of worker %s must be of type a{sv}, "
                      "not %s"),
                   worker_id, g_variant_get_type_string (config));
      return FALSE;
    }

  g_variant_iter_init (&iter, config);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const char *expected = NULL;

      if (g_str_equal (key, "base_path"))
        {
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
              g_variant_get_string (value, NULL)[0] != '\0')
            {
              g_free (base_path);
              base_path = g_canonicalize_filename (g_variant_get_string (value, NULL), NULL);
            }
          else
            expected = "a non-empty string (s)";
        }
      else if (g_str_equal (key, "environment_variables"))
        {
          if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{ss}")))
            {
              GVariantIter pairs;
              const char *name;
              const char *text;

              g_variant_iter_init (&pairs, value);
              while (g_variant_iter_next (&pairs, "{&s&s}", &name, &text))
                {
                  if (name[0] == '\0' || strchr (name, '=') != NULL)
                    {
                      g_set_error (error, SHOAL_ENVIRONMENT_ERROR,
                                   SHOAL_ENVIRONMENT_ERROR_INVALID,
                                   _ ("the environment configuration of worker %s: "
                                      "'%s' is not a variable name"),
                                   worker_id, name);
                      g_variant_unref (value);
                      return FALSE;
                    }
                  g_autofree char *assignment = g_strconcat (name, "=", text, NULL);

                  g_strv_builder_add (variables, assignment);
                }
            }
          else
            expected = "a string-to-string dictionary (a{ss})";
        }
      else if (g_str_equal (key, "isolate_home"))
        {
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
            isolate_home = g_variant_get_boolean (value);
          else
            expected = "a boolean (b)";
        }
      else
        {
          g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_INVALID,
                       _ ("the environment configuration of worker %s has an unknown key '%s' "
                          "(known: base_path, environment_variables, isolate_home)"),
                       worker_id, key);
          g_variant_unref (value);
          return FALSE;
        }

      if (expected != NULL)
        {
          g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_INVALID,
                       _ ("the environment configuration of worker %s: %s must be %s, not %s"),
                       worker_id, key, expected, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }
    }

  *out_base_path = g_steal_pointer (&base_path);
  *out_variables = g_strv_builder_end (variables);
  *out_isolate_home = isolate_home;
  return TRUE;
}

static void
shoal_environment_manager_finalize (GObject *object)
{
  ShoalEnvironmentManager *self = SHOAL_ENVIRONMENT_MANAGER (object);

  if (self->cleanup_on_exit)
    {
      g_autoptr (GError) error = NULL;

      if (!shoal_environment_manager_cleanup_all (self, &error))
        g_warning ("%s", error->message);
    }
  /* Waits for the removals still queued (cleanup_all has, unless unset). */
  if (self->removals != NULL)
    g_thread_pool_free (self->removals, FALSE, TRUE);
  g_cond_clear (&self->removals_cond);

  g_free (self->base_temp_dir);
  g_free (self->run_id);
  g_strfreev (self->environment_variables);
  g_hash_table_unref (self->run_dirs);
  g_hash_table_unref (self->workers);
  g_hash_table_unref (self->active_tests);
  g_ptr_array_unref (self->preserved);
  g_hash_table_unref (self->preserved_ids);
  g_ptr_array_unref (self->leftovers);
  g_cond_clear (&self->workspace_cond);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (shoal_environment_manager_parent_class)->finalize (object);
}

static void
shoal_environment_manager_constructed (GObject *object)
{
  ShoalEnvironmentManager *self = SHOAL_ENVIRONMENT_MANAGER (object);

  G_OBJECT_CLASS (shoal_environment_manager_parent_class)->constructed (object);

  if (self->base_temp_dir == NULL)
    self->base_temp_dir = g_strdup (g_get_tmp_dir ());
}

static void
shoal_environment_manager_get_property (GObject *object,
                                        guint prop_id,
                                        GValue *value,
                                        GParamSpec *pspec)
{
  ShoalEnvironmentManager *self = SHOAL_ENVIRONMENT_MANAGER (object);

  switch (prop_id)
    {
    case PROP_BASE_TEMP_DIR:
      g_value_set_string (value, self->base_temp_dir);
      break;
    case PROP_RUN_ID:
      g_value_set_string (value, self->run_id);
      break;
    case PROP_CLEANUP_ON_EXIT:
      g_value_set_boolean (value, shoal_environment_manager_get_cleanup_on_exit (self));
      break;
    case PROP_PRESERVE_ON_FAILURE:
      g_value_set_boolean (value, shoal_environment_manager_get_preserve_on_failure (self));
      break;
    case PROP_ISOLATE_HOME:
      g_value_set_boolean (value, shoal_environment_manager_get_isolate_home (self));
      break;
    case PROP_CLEANUP_TIMEOUT:
      g_value_set_double (value, shoal_environment_manager_get_cleanup_timeout (self));
      break;
    case PROP_ENVIRONMENT_VARIABLES:
      g_value_take_boxed (value, shoal_environment_manager_dup_environment_variables (self));
      break;
    case PROP_REMOVE_IN_BACKGROUND:
      g_value_set_boolean (value, shoal_environment_manager_get_remove_in_background (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_environment_manager_set_property (GObject *object,
                                        guint prop_id,
                                        const GValue *value,
                                        GParamSpec *pspec)
{
  ShoalEnvironmentManager *self = SHOAL_ENVIRONMENT_MANAGER (object);

  switch (prop_id)
    {
    case PROP_BASE_TEMP_DIR:
      {
        const char *dir = g_value_get_string (value);

        self->base_temp_dir = dir != NULL && dir[0] != '\0' ? g_canonicalize_filename (dir, NULL)
                                                            : NULL;
      }
      break;
    case PROP_RUN_ID:
      self->run_id = g_value_dup_string (value);
      break;
    case PROP_CLEANUP_ON_EXIT:
      shoal_environment_manager_set_cleanup_on_exit (self, g_value_get_boolean (value));
      break;
    case PROP_PRESERVE_ON_FAILURE:
      shoal_environment_manager_set_preserve_on_failure (self, g_value_get_boolean (value));
      break;
    case PROP_ISOLATE_HOME:
      shoal_environment_manager_set_isolate_home (self, g_value_get_boolean (value));
      break;
    case PROP_CLEANUP_TIMEOUT:
      shoal_environment_manager_set_cleanup_timeout (self, g_value_get_double (value));
      break;
    case PROP_ENVIRONMENT_VARIABLES:
      shoal_environment_manager_set_environment_variables (self, g_value_get_boxed (value));
      break;
    case PROP_REMOVE_IN_BACKGROUND:
      shoal_environment_manager_set_remove_in_background (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_environment_manager_class_init (ShoalEnvironmentManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_environment_manager_finalize;
  object_class->constructed = shoal_environment_manager_constructed;
  object_class->get_property = shoal_environment_manager_get_property;
  object_class->set_property = shoal_environment_manager_set_property;

  /**
   * ShoalEnvironmentManager:base-temp-dir:
   *
   * The directory the run directory is made in (made itself if missing);
   * by default the system's temporary directory, as for `base_temp_dir` in
   * `shoal.yaml`.
   */
  properties[PROP_BASE_TEMP_DIR] =
      g_param_spec_string ("base-temp-dir", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:run-id:
   *
   * The run the environments belong to, part of the run directory's name
   * (`shoal-<run id>-XXXXXX`); `env` when unset.
   */
  properties[PROP_RUN_ID] =
      g_param_spec_string ("run-id", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:cleanup-on-exit:
   *
   * Whether directories are removed: a test's when it finishes (see
   * [property@Shoal.EnvironmentManager:preserve-on-failure]), a worker's
   * when it is destroyed, all when the manager is cleaned up or finalized.
   * When unset nothing is ever removed.
   */
  properties[PROP_CLEANUP_ON_EXIT] =
      g_param_spec_boolean ("cleanup-on-exit", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                                G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:preserve-on-failure:
   *
   * Whether the directory of a test that did not pass is kept for
   * inspection.
   */
  properties[PROP_PRESERVE_ON_FAILURE] =
      g_param_spec_boolean ("preserve-on-failure", NULL, NULL, TRUE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                                G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:isolate-home:
   *
   * Whether each test gets its own `HOME` and XDG directories. A worker's
   * configuration can say otherwise (`isolate_home`).
   */
  properties[PROP_ISOLATE_HOME] =
      g_param_spec_boolean ("isolate-home", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                                G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:cleanup-timeout:
   *
   * The seconds one removal may take: finishing a test, destroying a
   * worker, or the whole of cleaning up. What is not removed by then is
   * left in place, named in a %SHOAL_ENVIRONMENT_ERROR_TIMEOUT error, and
   * tried again by [method@Shoal.EnvironmentManager.cleanup_all]. With 0
   * nothing is removed.
   */
  properties[PROP_CLEANUP_TIMEOUT] =
      g_param_spec_double ("cleanup-timeout", NULL, NULL, 0, G_MAXDOUBLE, DEFAULT_CLEANUP_TIMEOUT,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                               G_PARAM_STATIC_STRINGS);
  /**
   * ShoalEnvironmentManager:environment-variables:
   *
   * Variables, as `NAME=VALUE`, that every test environment gets.
   */
  properties[PROP_ENVIRONMENT_VARIABLES] =
      g_param_spec_boxed ("environment-variables", NULL, NULL, G_TYPE_STRV,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * ShoalEnvironmentManager:remove-in-background:
   *
   * Whether the directory of a finished test is removed by a thread of
   * the manager's rather than before
   * [method@Shoal.EnvironmentManager.finish_test_environment] returns, so
   * that a slow file system does not hold up the caller (the scheduler's
   * main loop, which would otherwise start the next test late). A removal
   * that fails is left for [method@Shoal.EnvironmentManager.cleanup_all]
   * to retry and report; it, destroying a worker and finalizing the
   * manager wait for the queued removals first.
   */
  properties[PROP_REMOVE_IN_BACKGROUND] =
      g_param_spec_boolean ("remove-in-background", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_environment_manager_init (ShoalEnvironmentManager *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->workspace_cond);
  g_cond_init (&self->removals_cond);
  self->cleanup_on_exit = TRUE;
  self->preserve_on_failure = TRUE;
  self->cleanup_timeout = DEFAULT_CLEANUP_TIMEOUT;
  self->run_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->workers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, worker_unref);
  self->active_tests = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->preserved = g_ptr_array_new_with_free_func (g_free);
  self->preserved_ids = file_id_set_new ();
  self->leftovers = g_ptr_array_new_with_free_func (g_free);
}

/**
 * shoal_environment_manager_new:
 * @base_temp_dir: (nullable) (type filename): where to make the run
 *   directory, or %NULL for the system's temporary directory
 *
 * Makes a manager. Nothing is written until the first environment is made.
 *
 * Returns: (transfer full): a new manager
 */
ShoalEnvironmentManager *
shoal_environment_manager_new (const char *base_temp_dir)
{
  return g_object_new (SHOAL_TYPE_ENVIRONMENT_MANAGER, "base-temp-dir", base_temp_dir, NULL);
}

/**
 * shoal_environment_manager_new_from_config:
 * @config: a configuration
 * @run_id: (nullable): the run's id, part of the run directory's name
 *
 * Makes a manager with the `environment` settings of @config: the base
 * directory, cleanup, preservation, home isolation, the variables and the
 * cleanup timeout.
 *
 * Returns: (transfer full): a new manager
 */
ShoalEnvironmentManager *
shoal_environment_manager_new_from_config (ShoalConfig *config,
                                           const char *run_id)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (config), NULL);

  return g_object_new (SHOAL_TYPE_ENVIRONMENT_MANAGER,
                       "base-temp-dir", shoal_config_get_base_temp_dir (config),
                       "run-id", run_id,
                       "cleanup-on-exit", shoal_config_get_cleanup_on_exit (config),
                       "preserve-on-failure", shoal_config_get_preserve_on_failure (config),
                       "isolate-home", shoal_config_get_isolate_home (config),
                       "cleanup-timeout", shoal_config_get_cleanup_timeout (config),
                       "environment-variables", shoal_config_get_environment_variables (config),
                       NULL);
}

/**
 * shoal_environment_manager_get_base_temp_dir:
 * @self: a manager
 *
 * Returns: (transfer none) (type filename): where the run directory is made
 */
const char *
shoal_environment_manager_get_base_temp_dir (ShoalEnvironmentManager *self)
{
  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);

  return self->base_temp_dir;
}

/**
 * shoal_environment_manager_get_run_id:
 * @self: a manager
 *
 * Returns: (transfer none) (nullable): the run's id, if one was given
 */
const char *
shoal_environment_manager_get_run_id (ShoalEnvironmentManager *self)
{
  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);

  return self->run_id;
}

/* The setters below share this shape: change under the lock, notify after. */
#define SET_FIELD_AND_NOTIFY(self, field, value, prop)    \
  G_STMT_START                                            \
  {                                                       \
    gboolean changed;                                     \
                                                          \
    g_mutex_lock (&(self)->mutex);                        \
    changed = (self)->field != (value);                   \
    (self)->field = (value);                              \
    g_mutex_unlock (&(self)->mutex);                      \
    if (changed)                                          \
      g_object_notify_by_pspec (G_OBJECT (self), (prop)); \
  }                                                       \
  G_STMT_END

/**
 * shoal_environment_manager_get_cleanup_on_exit:
 * @self: a manager
 *
 * Returns: whether directories are removed
 */
gboolean
shoal_environment_manager_get_cleanup_on_exit (ShoalEnvironmentManager *self)
{
  gboolean value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), TRUE);

  g_mutex_lock (&self->mutex);
  value = self->cleanup_on_exit;
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_cleanup_on_exit:
 * @self: a manager
 * @cleanup_on_exit: whether directories are removed
 *
 * Sets [property@Shoal.EnvironmentManager:cleanup-on-exit].
 */
void
shoal_environment_manager_set_cleanup_on_exit (ShoalEnvironmentManager *self,
                                               gboolean cleanup_on_exit)
{
  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));

  SET_FIELD_AND_NOTIFY (self, cleanup_on_exit, !!cleanup_on_exit,
                        properties[PROP_CLEANUP_ON_EXIT]);
}

/**
 * shoal_environment_manager_get_preserve_on_failure:
 * @self: a manager
 *
 * Returns: whether the directories of tests that did not pass are kept
 */
gboolean
shoal_environment_manager_get_preserve_on_failure (ShoalEnvironmentManager *self)
{
  gboolean value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), TRUE);

  g_mutex_lock (&self->mutex);
  value = self->preserve_on_failure;
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_preserve_on_failure:
 * @self: a manager
 * @preserve_on_failure: whether to keep the directories of tests that did
 *   not pass
 *
 * Sets [property@Shoal.EnvironmentManager:preserve-on-failure].
 */
void
shoal_environment_manager_set_preserve_on_failure (ShoalEnvironmentManager *self,
                                                   gboolean preserve_on_failure)
{
  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));

  SET_FIELD_AND_NOTIFY (self, preserve_on_failure, !!preserve_on_failure,
                        properties[PROP_PRESERVE_ON_FAILURE]);
}

/**
 * shoal_environment_manager_get_isolate_home:
 * @self: a manager
 *
 * Returns: whether tests get their own `HOME` and XDG directories
 */
gboolean
shoal_environment_manager_get_isolate_home (ShoalEnvironmentManager *self)
{
  gboolean value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);

  g_mutex_lock (&self->mutex);
  value = self->isolate_home;
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_isolate_home:
 * @self: a manager
 * @isolate_home: whether tests get their own `HOME` and XDG directories
 *
 * Sets [property@Shoal.EnvironmentManager:isolate-home], for the test
 * environments made from now on.
 */
void
shoal_environment_manager_set_isolate_home (ShoalEnvironmentManager *self,
                                            gboolean isolate_home)
{
  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));

  SET_FIELD_AND_NOTIFY (self, isolate_home, !!isolate_home, properties[PROP_ISOLATE_HOME]);
}

/**
 * shoal_environment_manager_get_cleanup_timeout:
 * @self: a manager
 *
 * Returns: the seconds one removal may take
 */
double
shoal_environment_manager_get_cleanup_timeout (ShoalEnvironmentManager *self)
{
  double value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), DEFAULT_CLEANUP_TIMEOUT);

  g_mutex_lock (&self->mutex);
  value = self->cleanup_timeout;
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_cleanup_timeout:
 * @self: a manager
 * @seconds: the seconds one removal may take, at least 0
 *
 * Sets [property@Shoal.EnvironmentManager:cleanup-timeout].
 */
void
shoal_environment_manager_set_cleanup_timeout (ShoalEnvironmentManager *self,
                                               double seconds)
{
  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));
  g_return_if_fail (seconds >= 0);

  SET_FIELD_AND_NOTIFY (self, cleanup_timeout, seconds, properties[PROP_CLEANUP_TIMEOUT]);
}

/**
 * shoal_environment_manager_get_remove_in_background:
 * @self: a manager
 *
 * Returns: whether finished tests' directories are removed by a thread of
 *   the manager's
 */
gboolean
shoal_environment_manager_get_remove_in_background (ShoalEnvironmentManager *self)
{
  gboolean value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);

  g_mutex_lock (&self->mutex);
  value = self->remove_in_background;
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_remove_in_background:
 * @self: a manager
 * @remove_in_background: whether to remove finished tests' directories in
 *   the background
 *
 * Sets [property@Shoal.EnvironmentManager:remove-in-background].
 */
void
shoal_environment_manager_set_remove_in_background (ShoalEnvironmentManager *self,
                                                    gboolean remove_in_background)
{
  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));

  SET_FIELD_AND_NOTIFY (self, remove_in_background, !!remove_in_background,
                        properties[PROP_REMOVE_IN_BACKGROUND]);
}

/**
 * shoal_environment_manager_dup_environment_variables:
 * @self: a manager
 *
 * Gets a copy of [property@Shoal.EnvironmentManager:environment-variables]
 * (a copy, as another thread may change them).
 *
 * Returns: (transfer full) (array zero-terminated=1): the variables every
 *   test gets, as `NAME=VALUE`
 */
char **
shoal_environment_manager_dup_environment_variables (ShoalEnvironmentManager *self)
{
  char **value;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);

  g_mutex_lock (&self->mutex);
  value = self->environment_variables != NULL ? g_strdupv (self->environment_variables)
                                              : g_new0 (char *, 1);
  g_mutex_unlock (&self->mutex);
  return value;
}

/**
 * shoal_environment_manager_set_environment_variables:
 * @self: a manager
 * @variables: (nullable) (array zero-terminated=1): variables as
 *   `NAME=VALUE`, or %NULL for none
 *
 * Sets the variables every test environment made from now on gets.
 */
void
shoal_environment_manager_set_environment_variables (ShoalEnvironmentManager *self,
                                                     const char *const *variables)
{
  g_auto (GStrv) old = NULL;
  gboolean changed;

  g_return_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self));
  g_return_if_fail (variables_are_valid (variables));

  g_mutex_lock (&self->mutex);
  old = self->environment_variables;
  self->environment_variables =
      variables != NULL && variables[0] != NULL ? g_strdupv ((char **) variables) : NULL;
  changed = !g_strv_equal (old != NULL ? (const char *const *) old : empty_strv,
                           variables != NULL ? variables : empty_strv);
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENVIRONMENT_VARIABLES]);
}

/**
 * shoal_environment_manager_create_worker_environment:
 * @self: a manager
 * @worker_id: the worker's id
 * @config: (nullable): the worker's settings as an `a{sv}` dictionary, or
 *   %NULL; consumed if floating
 * @error: return location for a #GError
 *
 * Makes the environment of a worker: its directory (mode 0700) in the run
 * directory. @config may hold:
 *
 * - `base_path` (`s`): make the worker's run directory there instead of in
 *   [property@Shoal.EnvironmentManager:base-temp-dir]
 * - `environment_variables` (`a{ss}`): variables the worker's tests get, on
 *   top of (and winning over) the manager's
 * - `isolate_home` (`b`): whether the worker's tests get their own home,
 *   whatever [property@Shoal.EnvironmentManager:isolate-home] says
 *
 * Any other key is an error.
 *
 * Returns: (transfer full): the environment's id, which is the worker's
 *   directory, or %NULL with @error set (%SHOAL_ENVIRONMENT_ERROR_EXISTS if
 *   the worker has one already)
 */
char *
shoal_environment_manager_create_worker_environment (ShoalEnvironmentManager *self,
                                                     const char *worker_id,
                                                     GVariant *config,
                                                     GError **error)
{
  g_autoptr (GVariant) owned_config = NULL;
  g_autofree char *base_path = NULL;
  g_auto (GStrv) variables = NULL;
  Worker *worker;
  char *id = NULL;
  int isolate_home;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);
  g_return_val_if_fail (worker_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (config != NULL)
    owned_config = g_variant_ref_sink (config);

  if (!check_worker_id (worker_id, error) ||
      !parse_worker_config (worker_id, config, &base_path, &variables, &isolate_home, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  if (g_hash_table_contains (self->workers, worker_id))
    g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_EXISTS,
                 _ ("worker %s already has an environment"), worker_id);
  else if ((worker = worker_new_locked (self, worker_id, base_path, variables, isolate_home,
                                        error)) != NULL)
    {
      id = g_strdup (worker->directory);
      worker_unref (worker);
    }
  g_mutex_unlock (&self->mutex);

  return id;
}

/* Called with the lock held. Returns a new reference. */
static Worker *
lookup_or_create_worker_locked (ShoalEnvironmentManager *self,
                                const char *worker_id,
                                GError **error)
{
  Worker *worker = g_hash_table_lookup (self->workers, worker_id);

  if (worker != NULL)
    return worker_ref (worker);
  return worker_new_locked (self, worker_id, NULL, NULL, -1, error);
}

/**
 * shoal_environment_manager_create_test_environment:
 * @self: a manager
 * @worker_id: the worker the test runs on
 * @test_id: the test's id
 * @error: return location for a #GError
 *
 * Makes the environment of one test: a directory of its own (mode 0700) in
 * the worker's, named after the test (`-2`, `-3`... when the test runs
 * again), with `tmp/` for `TMPDIR` and, when homes are isolated, `home/`
 * (with `.config`, `.local/share`, `.cache` and `.local/state` for the XDG
 * variables) and `runtime/` for `XDG_RUNTIME_DIR`. A worker without an
 * environment gets one, as with a %NULL configuration.
 *
 * Hand the environment back to
 * [method@Shoal.EnvironmentManager.finish_test_environment] when the test
 * is over.
 *
 * Returns: (transfer full): the test's environment, or %NULL with @error
 *   set
 */
ShoalTestEnvironment *
shoal_environment_manager_create_test_environment (ShoalEnvironmentManager *self,
                                                   const char *worker_id,
                                                   const char *test_id,
                                                   GError **error)
{
  g_autoptr (ShoalTestEnvironment) environment = NULL;
  g_autoptr (Worker) worker = NULL;
  g_auto (GStrv) manager_variables = NULL;
  g_autofree char *name = NULL;
  char **envp;
  gboolean isolate_home = FALSE;
  gboolean still_there;
  struct stat st;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);
  g_return_val_if_fail (worker_id != NULL, NULL);
  g_return_val_if_fail (test_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_worker_id (worker_id, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  worker = lookup_or_create_worker_locked (self, worker_id, error);
  if (worker != NULL)
    {
      isolate_home = worker->isolate_home >= 0 ? worker->isolate_home : self->isolate_home;
      manager_variables = g_strdupv (self->environment_variables);
    }
  g_mutex_unlock (&self->mutex);
  if (worker == NULL)
    return NULL;

  environment = g_object_new (SHOAL_TYPE_TEST_ENVIRONMENT, NULL);
  environment->worker_id = g_strdup (worker_id);
  environment->test_id = g_strdup (test_id);

  name = sanitize_component (test_id, "test");
  environment->directory = make_unique_private_dir (worker->tests_dir, name, error);
  if (environment->directory == NULL)
    return NULL;
  if (stat (environment->directory, &st) != 0)
    {
      set_io_error (error, errno, _ ("cannot make the directory %s"), environment->directory);
      goto fail;
    }
  environment->id.dev = st.st_dev;
  environment->id.ino = st.st_ino;

  environment->tmp_dir = g_build_filename (environment->directory, "tmp", NULL);
  if (!make_subdir (environment->tmp_dir, error))
    goto fail;

  envp = g_new0 (char *, 1);
  envp = environ_set_assignments (envp, (const char *const *) manager_variables);
  envp = environ_set_assignments (envp, (const char *const *) worker->variables);
  envp = g_environ_setenv (envp, "TMPDIR", environment->tmp_dir, TRUE);
  environment->environment = envp;

  if (isolate_home)
    {
      const char *xdg[][2] = {
        { "XDG_CONFIG_HOME", ".config" },
        { "XDG_DATA_HOME", ".local/share" },
        { "XDG_CACHE_HOME", ".cache" },
        { "XDG_STATE_HOME", ".local/state" },
      };
      g_autofree char *local = NULL;
      g_autofree char *runtime = NULL;

      environment->home_dir = g_build_filename (environment->directory, "home", NULL);
      local = g_build_filename (environment->home_dir, ".local", NULL);
      runtime = g_build_filename (environment->directory, "runtime", NULL);
      if (!make_subdir (environment->home_dir, error) || !make_subdir (local, error) ||
          !make_subdir (runtime, error))
        goto fail;
      environment->environment =
          g_environ_setenv (environment->environment, "HOME", environment->home_dir, TRUE);
      for (guint i = 0; i < G_N_ELEMENTS (xdg); i++)
        {
          g_autofree char *path = g_build_filename (environment->home_dir, xdg[i][1], NULL);

          if (!make_subdir (path, error))
            goto fail;
          environment->environment =
              g_environ_setenv (environment->environment, xdg[i][0], path, TRUE);
        }
      environment->environment =
          g_environ_setenv (environment->environment, "XDG_RUNTIME_DIR", runtime, TRUE);
    }

  envp = environment->environment;
  envp = g_environ_setenv (envp, "SHOAL_WORKER_ID", worker_id, TRUE);
  envp = g_environ_setenv (envp, "TEST_WORKER_ID", worker_id, TRUE);
  envp = g_environ_setenv (envp, "SHOAL_TEST_ID", test_id, TRUE);
  envp = g_environ_setenv (envp, "SHOAL_TEST_DIR", environment->directory, TRUE);
  environment->environment = envp;

  g_mutex_lock (&self->mutex);
  /* The worker may have been destroyed meanwhile. */
  still_there = g_hash_table_lookup (self->workers, worker_id) == worker;
  if (still_there)
    g_hash_table_add (self->active_tests, g_object_ref (environment));
  g_mutex_unlock (&self->mutex);

  if (still_there)
    return g_steal_pointer (&environment);

  g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND,
               _ ("the environment of worker %s was destroyed while a test environment "
                  "was made in it"),
               worker_id);

fail:
  {
    Remover remover;

    remover_init (&remover, NULL, DEFAULT_CLEANUP_TIMEOUT);
    (void) remover_run (&remover, environment->directory, NULL, NULL);
  }
  return NULL;
}

/* Called with the lock held. */
static void
preserve_locked (ShoalEnvironmentManager *self,
                 const char *path,
                 const FileId *id)
{
  if (!g_hash_table_contains (self->preserved_ids, id))
    {
      file_id_set_add (self->preserved_ids, id);
      g_ptr_array_add (self->preserved, g_strdup (path));
    }
}

/* A finished test's directory, for the removal thread. */
typedef struct
{
  char *path;
  double timeout;
} Removal;

static void
remove_in_thread (gpointer data,
                  gpointer user_data)
{
  Removal *removal = data;
  ShoalEnvironmentManager *self = user_data;
  g_autoptr (GError) error = NULL;
  Remover remover;
  gboolean removed;

  remover_init (&remover, NULL, removal->timeout);
  removed = remover_run (&remover, removal->path, NULL, &error);
  g_mutex_lock (&self->mutex);
  if (!removed)
    g_ptr_array_add (self->leftovers, g_steal_pointer (&removal->path));
  if (--self->n_removals == 0)
    g_cond_broadcast (&self->removals_cond);
  g_mutex_unlock (&self->mutex);
  g_free (removal->path);
  g_free (removal);
}

/* Hands @path to the removal thread. */
static void
queue_removal (ShoalEnvironmentManager *self,
               const char *path,
               double timeout)
{
  Removal *removal = g_new0 (Removal, 1);

  removal->path = g_strdup (path);
  removal->timeout = timeout;
  g_mutex_lock (&self->mutex);
  /* One thread: removals contend for the same directories' locks, so
   * more would not go faster. */
  if (self->removals == NULL)
    self->removals = g_thread_pool_new (remove_in_thread, self, 1, FALSE, NULL);
  self->n_removals++;
  g_mutex_unlock (&self->mutex);
  g_thread_pool_push (self->removals, removal, NULL);
}

/* Waits until the queued removals are done, so that nothing removes a
 * tree another removal is walking. */
static void
wait_for_removals (ShoalEnvironmentManager *self)
{
  g_mutex_lock (&self->mutex);
  while (self->n_removals > 0)
    g_cond_wait (&self->removals_cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
}

/**
 * shoal_environment_manager_finish_test_environment:
 * @self: a manager
 * @environment: a test environment @self made
 * @passed: whether the test passed
 * @out_preserved_path: (out) (optional) (nullable) (transfer full) (type filename):
 *   the directory, when it is kept
 * @error: return location for a #GError
 *
 * Ends a test environment. Its directory is removed, within
 * [property@Shoal.EnvironmentManager:cleanup-timeout], unless the test did
 * not pass and [property@Shoal.EnvironmentManager:preserve-on-failure] is
 * set, or [property@Shoal.EnvironmentManager:cleanup-on-exit] is unset:
 * then it is kept, listed in the status as preserved, and its path is
 * returned in @out_preserved_path (to be named in the test's result).
 *
 * Whatever happens, the environment is no longer active. When removal
 * fails or times out, what is left is tried again by
 * [method@Shoal.EnvironmentManager.cleanup_all]. With
 * [property@Shoal.EnvironmentManager:remove-in-background] the directory
 * is only queued for removal here, and its failure is reported by
 * [method@Shoal.EnvironmentManager.cleanup_all].
 *
 * Returns: %TRUE if the directory was removed or kept as asked, %FALSE with
 *   @error set (%SHOAL_ENVIRONMENT_ERROR_NOT_FOUND if @environment is not
 *   active, %SHOAL_ENVIRONMENT_ERROR_TIMEOUT, %SHOAL_ENVIRONMENT_ERROR_IO,
 *   %SHOAL_ENVIRONMENT_ERROR_UNSAFE)
 */
gboolean
shoal_environment_manager_finish_test_environment (ShoalEnvironmentManager *self,
                                                   ShoalTestEnvironment *environment,
                                                   gboolean passed,
                                                   char **out_preserved_path,
                                                   GError **error)
{
  gboolean active;
  gboolean keep;
  gboolean in_background;
  double timeout = 0;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_TEST_ENVIRONMENT (environment), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_preserved_path != NULL)
    *out_preserved_path = NULL;

  g_mutex_lock (&self->mutex);
  active = g_hash_table_steal (self->active_tests, environment);
  keep = !self->cleanup_on_exit || (self->preserve_on_failure && !passed);
  if (active && keep)
    preserve_locked (self, environment->directory, &environment->id);
  timeout = self->cleanup_timeout;
  in_background = self->remove_in_background;
  g_mutex_unlock (&self->mutex);

  if (!active)
    {
      g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND,
                   _ ("the environment of test %s on worker %s is not active"),
                   environment->test_id, environment->worker_id);
      return FALSE;
    }

  /* The table's reference, now ours. */
  {
    g_autoptr (ShoalTestEnvironment) owned = environment;
    Remover remover;

    if (keep)
      {
        if (out_preserved_path != NULL)
          *out_preserved_path = g_strdup (environment->directory);
        return TRUE;
      }

    if (in_background)
      {
        queue_removal (self, environment->directory, timeout);
        return TRUE;
      }
    remover_init (&remover, NULL, timeout);
    if (remover_run (&remover, environment->directory, NULL, error))
      return TRUE;

    g_mutex_lock (&self->mutex);
    g_ptr_array_add (self->leftovers, g_strdup (environment->directory));
    g_mutex_unlock (&self->mutex);
    return FALSE;
  }
}

/* Removes each of @paths with @remover; those that fail are added back to
 * the leftovers. Returns the first error. */
static gboolean
remove_paths (ShoalEnvironmentManager *self,
              Remover *remover,
              GPtrArray *paths,
              GError **error)
{
  GError *first_error = NULL;

  for (guint i = 0; i < paths->len; i++)
    {
      GError *local_error = NULL;

      if (remover_run (remover, paths->pdata[i], NULL, &local_error))
        continue;

      g_mutex_lock (&self->mutex);
      g_ptr_array_add (self->leftovers, g_strdup (paths->pdata[i]));
      g_mutex_unlock (&self->mutex);
      if (first_error == NULL)
        first_error = local_error;
      else
        g_error_free (local_error);
    }

  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  return TRUE;
}

/* Called with the lock held: forgets the active test environments of
 * @worker_id (all of them when NULL). */
static void
drop_active_tests_locked (ShoalEnvironmentManager *self,
                          const char *worker_id)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->active_tests);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      ShoalTestEnvironment *environment = key;

      if (worker_id == NULL || g_str_equal (environment->worker_id, worker_id))
        g_hash_table_iter_remove (&iter);
    }
}

/**
 * shoal_environment_manager_destroy_worker_environment:
 * @self: a manager
 * @worker_id: the worker's id
 * @error: return location for a #GError
 *
 * Ends a worker's environment: its directory, its workspace copies and the
 * directories of its tests still active are removed (unless
 * [property@Shoal.EnvironmentManager:cleanup-on-exit] is unset), except
 * the preserved ones. A test environment of the worker still active is
 * active no longer.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 *   (%SHOAL_ENVIRONMENT_ERROR_NOT_FOUND for a worker without an environment)
 */
gboolean
shoal_environment_manager_destroy_worker_environment (ShoalEnvironmentManager *self,
                                                      const char *worker_id,
                                                      GError **error)
{
  g_autoptr (GHashTable) keep = NULL;
  g_autoptr (GPtrArray) paths = NULL;
  g_autoptr (Worker) worker = NULL;
  gpointer stolen_key = NULL;
  gpointer stolen = NULL;
  gboolean cleanup;
  double timeout;
  Remover remover;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);
  g_return_val_if_fail (worker_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  wait_for_removals (self);
  g_mutex_lock (&self->mutex);
  if (g_hash_table_steal_extended (self->workers, worker_id, &stolen_key, &stolen))
    {
      g_free (stolen_key);
      worker = stolen;
      drop_active_tests_locked (self, worker_id);
    }
  keep = file_id_set_copy (self->preserved_ids);
  cleanup = self->cleanup_on_exit;
  timeout = self->cleanup_timeout;
  /* A thread waiting for a workspace of this worker must look again. */
  g_cond_broadcast (&self->workspace_cond);
  g_mutex_unlock (&self->mutex);

  if (worker == NULL)
    {
      g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND,
                   _ ("worker %s has no environment"), worker_id);
      return FALSE;
    }
  if (!cleanup)
    return TRUE;

  paths = g_ptr_array_new ();
  g_ptr_array_add (paths, worker->directory);
  remover_init (&remover, keep, timeout);
  return remove_paths (self, &remover, paths, error);
}

/**
 * shoal_environment_manager_cleanup_all:
 * @self: a manager
 * @error: return location for a #GError
 *
 * Ends every worker's environment and removes every directory left, unless
 * [property@Shoal.EnvironmentManager:cleanup-on-exit] is unset: the
 * workers', the tests' still active, what earlier removals left behind,
 * and the run directory, except the preserved directories (and the
 * directories that hold them). All of it within one
 * [property@Shoal.EnvironmentManager:cleanup-timeout]. The manager does
 * this when finalized, too.
 *
 * Returns: %TRUE if everything that should go is gone, %FALSE with @error
 *   set to the first failure (the rest is still tried)
 */
gboolean
shoal_environment_manager_cleanup_all (ShoalEnvironmentManager *self,
                                       GError **error)
{
  g_autoptr (GHashTable) keep = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) run_dirs = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer value;
  gboolean cleanup;
  gboolean ok;
  Remover remover;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  wait_for_removals (self);
  g_mutex_lock (&self->mutex);
  cleanup = self->cleanup_on_exit;
  g_hash_table_iter_init (&iter, self->workers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (paths, g_strdup (((Worker *) value)->directory));
  g_hash_table_remove_all (self->workers);
  drop_active_tests_locked (self, NULL);
  for (guint i = 0; i < self->leftovers->len; i++)
    g_ptr_array_add (paths, g_strdup (self->leftovers->pdata[i]));
  g_ptr_array_set_size (self->leftovers, 0);
  g_hash_table_iter_init (&iter, self->run_dirs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (run_dirs, g_strdup (value));
  keep = file_id_set_copy (self->preserved_ids);
  remover_init (&remover, keep, self->cleanup_timeout);
  g_cond_broadcast (&self->workspace_cond);
  g_mutex_unlock (&self->mutex);

  if (!cleanup)
    return TRUE;

  ok = remove_paths (self, &remover, paths, error);

  /* A run directory goes once empty; one holding preserved directories
   * stays, and so stays in use. */
  for (guint i = 0; i < run_dirs->len; i++)
    {
      const char *run_dir = run_dirs->pdata[i];

      if (g_rmdir (run_dir) == 0 || errno == ENOENT)
        {
          g_mutex_lock (&self->mutex);
          g_hash_table_iter_init (&iter, self->run_dirs);
          while (g_hash_table_iter_next (&iter, NULL, &value))
            if (g_str_equal (value, run_dir))
              g_hash_table_iter_remove (&iter);
          g_mutex_unlock (&self->mutex);
        }
    }

  return ok;
}

/**
 * shoal_environment_manager_prepare_workspace:
 * @self: a manager
 * @worker_id: the worker's id
 * @source_dir: (type filename): the tree to copy
 * @exclude: (nullable) (array zero-terminated=1): paths not to copy, as
 *   glob patterns: one without `/` matches a name at any depth (`.git`,
 *   `build*`), one with `/` the path from @source_dir (`data/cache`), and
 *   one ending in `/` directories only
 * @out_copy_path: (out) (optional) (transfer full) (type filename): the
 *   worker's copy of @source_dir
 * @error: return location for a #GError
 *
 * Gives the worker its own copy of @source_dir, for suites whose tests
 * write into their own tree (`workspace: copy`), made once per worker and
 * source: asking again gives the same copy (the first call's @exclude
 * counts). The copy keeps modes and times; symlinks are copied as symlinks,
 * never followed; sockets and device nodes are left out. It lives in the
 * worker's directory and goes with it.
 *
 * Returns: %TRUE with the copy in @out_copy_path, %FALSE with @error set
 */
gboolean
shoal_environment_manager_prepare_workspace (ShoalEnvironmentManager *self,
                                             const char *worker_id,
                                             const char *source_dir,
                                             const char *const *exclude,
                                             char **out_copy_path,
                                             GError **error)
{
  g_autofree char *source = NULL;
  g_autofree char *workspaces_dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *run_dir = NULL;
  g_autoptr (Worker) worker = NULL;
  Workspace *workspace = NULL;
  GError *local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), FALSE);
  g_return_val_if_fail (worker_id != NULL, FALSE);
  g_return_val_if_fail (source_dir != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_copy_path != NULL)
    *out_copy_path = NULL;
  if (!check_worker_id (worker_id, error))
    return FALSE;

  source = g_canonicalize_filename (source_dir, NULL);
  if (!g_file_test (source, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, SHOAL_ENVIRONMENT_ERROR, SHOAL_ENVIRONMENT_ERROR_NOT_FOUND,
                   _ ("the workspace source %s is not a directory"), source);
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      g_clear_pointer (&worker, worker_unref);
      worker = lookup_or_create_worker_locked (self, worker_id, error);
      if (worker == NULL)
        {
          g_mutex_unlock (&self->mutex);
          return FALSE;
        }
      workspace = g_hash_table_lookup (worker->workspaces, source);
      if (workspace == NULL)
        break;
      if (workspace->ready)
        {
          if (out_copy_path != NULL)
            *out_copy_path = g_strdup (workspace->path);
          g_mutex_unlock (&self->mutex);
          return TRUE;
        }
      /* Another thread is copying it for this worker. */
      g_cond_wait (&self->workspace_cond, &self->mutex);
    }
  workspace = g_new0 (Workspace, 1);
  g_hash_table_insert (worker->workspaces, g_strdup (source), workspace);
  g_mutex_unlock (&self->mutex);

  /* The copy is made without the lock: it may take a while. */
  workspaces_dir = g_build_filename (worker->directory, "workspace", NULL);
  run_dir = g_path_get_dirname (worker->directory);
  name = sanitize_component (strrchr (source, G_DIR_SEPARATOR) + 1, "source");
  ok = make_dir (workspaces_dir, TRUE, &local_error) &&
       (copy = make_unique_private_dir (workspaces_dir, name, &local_error)) != NULL &&
       copy_tree (source, copy, run_dir, exclude, &local_error);

  if (!ok && copy != NULL)
    {
      Remover remover;

      remover_init (&remover, NULL, shoal_environment_manager_get_cleanup_timeout (self));
      (void) remover_run (&remover, copy, NULL, NULL);
    }

  g_mutex_lock (&self->mutex);
  if (ok)
    {
      workspace->path = g_strdup (copy);
      workspace->ready = TRUE;
    }
  else
    g_hash_table_remove (worker->workspaces, source);
  g_cond_broadcast (&self->workspace_cond);
  g_mutex_unlock (&self->mutex);

  if (!ok)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (out_copy_path != NULL)
    *out_copy_path = g_steal_pointer (&copy);
  return TRUE;
}

/**
 * shoal_environment_manager_get_active_environments:
 * @self: a manager
 *
 * Gets the number of worker environments, as the seed's
 * `status_report['environment_manager']['active_environments']`.
 *
 * Returns: the number of workers with an environment
 */
guint
shoal_environment_manager_get_active_environments (ShoalEnvironmentManager *self)
{
  guint count;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), 0);

  g_mutex_lock (&self->mutex);
  count = g_hash_table_size (self->workers);
  g_mutex_unlock (&self->mutex);
  return count;
}

/**
 * shoal_environment_manager_get_status:
 * @self: a manager
 *
 * Gets the manager's state, as the seed's
 * `status_report['environment_manager']`, an `a{sv}` dictionary with
 *
 * - `active_environments` (`u`): workers with an environment
 * - `active_test_environments` (`u`): tests whose environment is not
 *   finished
 * - `workspaces` (`u`): workspace copies
 * - `preserved` (`as`): directories kept for inspection
 * - `leftover` (`as`): directories whose removal failed or timed out
 * - `base_dir` (`s`): [property@Shoal.EnvironmentManager:base-temp-dir]
 *
 * Returns: (transfer full): the status
 */
GVariant *
shoal_environment_manager_get_status (ShoalEnvironmentManager *self)
{
  GVariantBuilder builder;
  GVariantBuilder strings;
  GHashTableIter iter;
  gpointer value;
  guint workspaces = 0;

  g_return_val_if_fail (SHOAL_IS_ENVIRONMENT_MANAGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

  g_mutex_lock (&self->mutex);
  g_variant_builder_add (&builder, "{sv}", "active_environments",
                         g_variant_new_uint32 (g_hash_table_size (self->workers)));
  g_variant_builder_add (&builder, "{sv}", "active_test_environments",
                         g_variant_new_uint32 (g_hash_table_size (self->active_tests)));
  g_hash_table_iter_init (&iter, self->workers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    workspaces += g_hash_table_size (((Worker *) value)->workspaces);
  g_variant_builder_add (&builder, "{sv}", "workspaces", g_variant_new_uint32 (workspaces));

  g_variant_builder_init (&strings, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < self->preserved->len; i++)
    g_variant_builder_add (&strings, "s", (const char *) self->preserved->pdata[i]);
  g_variant_builder_add (&builder, "{sv}", "preserved", g_variant_builder_end (&strings));

  g_variant_builder_init (&strings, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < self->leftovers->len; i++)
    g_variant_builder_add (&strings, "s", (const char *) self->leftovers->pdata[i]);
  g_variant_builder_add (&builder, "{sv}", "leftover", g_variant_builder_end (&strings));

  g_variant_builder_add (&builder, "{sv}", "base_dir",
                         g_variant_new_string (self->base_temp_dir));
  g_mutex_unlock (&self->mutex);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
