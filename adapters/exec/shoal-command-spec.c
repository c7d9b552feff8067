/* shoal-command-spec.c: tests written as commands in shoal.yaml
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glob.h>
#include <string.h>

#include "shoal-command-spec.h"

/**
 * shoal_command_spec_free:
 * @spec: (nullable): a spec
 *
 * Frees @spec.
 */
void
shoal_command_spec_free (ShoalCommandSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_strfreev (spec->argv);
  g_free (spec->cwd);
  g_strfreev (spec->environment);
  g_strfreev (spec->tags);
  g_clear_object (&spec->rule);
  g_free (spec->command_location);
  g_free (spec->cwd_location);
  g_free (spec);
}

/**
 * shoal_command_location:
 * @settings: a mapping
 * @key: a key of it
 *
 * Where @key is written, the way configuration errors start, for errors
 * found later than configuration (a program missing at discovery).
 *
 * Returns: (transfer full): `FILE:LINE:COLUMN: KEY-PATH`
 */
char *
shoal_command_location (ShoalSettings *settings, const char *key)
{
  g_autofree char *location = shoal_settings_get_location (settings, key);
  const char *parent = shoal_settings_get_key_path (settings);

  if (parent == NULL || parent[0] == '\0')
    return g_strdup_printf ("%s: %s", location, key);
  return g_strdup_printf ("%s: %s.%s", location, parent, key);
}

/**
 * shoal_command_read_cwd:
 * @settings: a mapping
 * @default_cwd: the directory when it has no `cwd`
 * @out_cwd: (out) (transfer full): the absolute directory
 * @error: return location for a #GError
 *
 * Reads `cwd`, relative to the configuration file's directory.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_command_read_cwd (ShoalSettings *settings,
                        const char *default_cwd,
                        char **out_cwd,
                        GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *cwd = shoal_settings_get_string (settings, "cwd", NULL, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (cwd == NULL)
    {
      *out_cwd = g_strdup (default_cwd);
      return TRUE;
    }
  if (cwd[0] == '\0')
    {
      shoal_settings_set_error (settings, "cwd", error, SHOAL_CONFIG_ERROR_INVALID,
                                "must not be empty");
      return FALSE;
    }
  *out_cwd = g_canonicalize_filename (cwd, shoal_settings_get_base_dir (settings));
  return TRUE;
}

/**
 * shoal_command_read_timeout:
 * @settings: a mapping
 * @out_timeout: (out): seconds, 0 when absent
 * @error: return location for a #GError
 *
 * Reads `timeout`, a number of seconds greater than 0.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_command_read_timeout (ShoalSettings *settings, double *out_timeout, GError **error)
{
  if (!shoal_settings_get_double (settings, "timeout", 0, -G_MAXDOUBLE, G_MAXDOUBLE, out_timeout,
                                  error))
    return FALSE;
  /* Absent reads as 0; present must be a real duration, 0 would mean
   * "no timeout of its own" and is surely not what was meant. */
  if (shoal_settings_get_kind (settings, "timeout") != SHOAL_SETTINGS_KIND_NONE &&
      !(*out_timeout > 0))
    {
      char text[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (text, sizeof text, "%g", *out_timeout);
      shoal_settings_set_error (settings, "timeout", error, SHOAL_CONFIG_ERROR_RANGE,
                                "must be greater than 0, got %s", text);
      return FALSE;
    }
  return TRUE;
}

static ShoalCommandSpec *
read_spec (ShoalSettings *entry, const char *default_cwd, GError **error)
{
  static const char *const known_keys[] = {
    "name", "command", "timeout", "env", "cwd", "tags", "resources", "depends", "requires",
    "skip_if_failed", "priority", "slots", "fixtures", NULL
  };
  g_autoptr (ShoalCommandSpec) spec = g_new0 (ShoalCommandSpec, 1);
  g_autoptr (GError) local_error = NULL;

  /* Unknown keys first: a misspelt `comand` is better reported as a typo
   * than as a missing `command`. */
  if (!shoal_settings_check_keys (entry, known_keys, error))
    return NULL;

  spec->name = shoal_settings_get_string (entry, "name", NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (spec->name == NULL)
    {
      shoal_settings_set_error_literal (entry, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "missing required key 'name'");
      return NULL;
    }
  if (spec->name[0] == '\0')
    {
      shoal_settings_set_error_literal (entry, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return NULL;
    }
  /* Test ids are `<suite>::<name>`; a second `::` would make them
   * ambiguous. */
  if (strstr (spec->name, "::") != NULL)
    {
      shoal_settings_set_error_literal (entry, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not contain '::'");
      return NULL;
    }

  if (!shoal_settings_get_strv (entry, "command", &spec->argv, error))
    return NULL;
  if (spec->argv == NULL)
    {
      shoal_settings_set_error_literal (entry, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "missing required key 'command'");
      return NULL;
    }
  if (spec->argv[0] == NULL || spec->argv[0][0] == '\0')
    {
      shoal_settings_set_error_literal (entry, "command", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must start with a program");
      return NULL;
    }

  if (!shoal_command_read_timeout (entry, &spec->timeout, error) ||
      !shoal_settings_get_environ (entry, "env", &spec->environment, error) ||
      !shoal_command_read_cwd (entry, default_cwd, &spec->cwd, error) ||
      !shoal_settings_get_strv (entry, "tags", &spec->tags, error))
    return NULL;
  /* What a test needs, as a suite or a `tests:` rule would say it. */
  spec->rule = shoal_test_rule_new_from_settings (entry, FALSE, error);
  if (spec->rule == NULL)
    return NULL;

  spec->command_location = shoal_command_location (entry, "command");
  if (shoal_settings_has_key (entry, "cwd"))
    spec->cwd_location = shoal_command_location (entry, "cwd");
  return g_steal_pointer (&spec);
}

/**
 * shoal_command_specs_read:
 * @settings: a suite's mapping
 * @key: the key of the list (`tests`)
 * @default_cwd: the directory of tests without a `cwd`
 * @out_specs: (out) (transfer full) (element-type ShoalCommandSpec): the
 *   entries, in the order of the file (empty when @key is absent)
 * @error: return location for a #GError
 *
 * Reads a list of `{name, command, timeout, env, cwd, tags}` mappings.
 * Names are required and unique.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_command_specs_read (ShoalSettings *settings,
                          const char *key,
                          const char *default_cwd,
                          GPtrArray **out_specs,
                          GError **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) specs =
      g_ptr_array_new_with_free_func ((GDestroyNotify) shoal_command_spec_free);
  g_autoptr (GHashTable) first_entry = g_hash_table_new (g_str_hash, g_str_equal);

  if (!shoal_settings_get_settings_list (settings, key, &entries, error))
    return FALSE;

  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      ShoalSettings *entry = g_ptr_array_index (entries, i);
      ShoalCommandSpec *spec = read_spec (entry, default_cwd, error);
      ShoalSettings *first;

      if (spec == NULL)
        return FALSE;
      g_ptr_array_add (specs, spec);

      first = g_hash_table_lookup (first_entry, spec->name);
      if (first != NULL)
        {
          g_autofree char *first_at = shoal_settings_get_location (first, "name");

          shoal_settings_set_error (entry, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                    "duplicate test name '%s' (first at %s)", spec->name, first_at);
          return FALSE;
        }
      g_hash_table_insert (first_entry, spec->name, entry);
    }

  *out_specs = g_steal_pointer (&specs);
  return TRUE;
}

/**
 * shoal_command_check_directory:
 * @directory: an absolute directory
 * @location: (nullable): where it was written, for the message
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @directory is one, else %FALSE with a
 *   %SHOAL_ADAPTER_ERROR_NOT_FOUND error naming it
 */
gboolean
shoal_command_check_directory (const char *directory, const char *location, GError **error)
{
  if (g_file_test (directory, G_FILE_TEST_IS_DIR))
    return TRUE;
  g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
               "%s%sdirectory %s not found", location != NULL ? location : "",
               location != NULL ? ": " : "", directory);
  return FALSE;
}

static gboolean
is_executable_file (const char *path)
{
  return g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
         g_file_test (path, G_FILE_TEST_IS_EXECUTABLE);
}

/**
 * shoal_command_resolve_program:
 * @program: a command's first word
 * @cwd: the directory the command runs in
 * @environment: (nullable): the command's own variables (its `PATH`
 *   counts when it sets one)
 * @location: where the command was written, for the message
 * @error: return location for a #GError
 *
 * Checks that @program can run before anything is scheduled, so that a
 * typo is one clear error rather than a failed test per attempt. A
 * program written with a `/` is made absolute against @cwd, as the
 * process would find it; a bare name is looked up in `PATH` and kept as
 * written.
 *
 * Returns: (transfer full): the program to run, or %NULL with a
 *   %SHOAL_ADAPTER_ERROR_NOT_FOUND error
 */
char *
shoal_command_resolve_program (const char *program,
                               const char *cwd,
                               const char *const *environment,
                               const char *location,
                               GError **error)
{
  g_auto (GStrv) dirs = NULL;
  const char *path = NULL;

  if (strchr (program, '/') != NULL)
    {
      g_autofree char *absolute = g_canonicalize_filename (program, cwd);

      if (is_executable_file (absolute))
        return g_steal_pointer (&absolute);
      if (!g_file_test (absolute, G_FILE_TEST_EXISTS))
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s: program '%s' not found (no file %s)", location, program, absolute);
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s: program '%s' is not an executable file (%s)", location, program,
                     absolute);
      return NULL;
    }

  if (environment != NULL)
    path = g_environ_getenv ((char **) environment, "PATH");
  if (path == NULL)
    path = g_getenv ("PATH");
  if (path == NULL)
    path = "/usr/local/bin:/usr/bin:/bin";

  dirs = g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      /* POSIX: an empty PATH entry is the current directory. */
      g_autofree char *dir = g_canonicalize_filename (dirs[i][0] != '\0' ? dirs[i] : ".", cwd);
      g_autofree char *candidate = g_build_filename (dir, program, NULL);

      if (is_executable_file (candidate))
        return g_strdup (program);
    }

  g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
               "%s: program '%s' not found in PATH", location, program);
  return NULL;
}

/**
 * shoal_command_relative_path:
 * @base_dir: an absolute directory
 * @path: an absolute path
 *
 * Returns: (transfer full): @path relative to @base_dir when it is below
 *   it, else @path itself
 */
char *
shoal_command_relative_path (const char *base_dir, const char *path)
{
  gsize n = strlen (base_dir);

  while (n > 1 && base_dir[n - 1] == '/')
    n--;
  if (strncmp (path, base_dir, n) == 0 && path[n] == '/' && path[n + 1] != '\0')
    return g_strdup (path + n + 1);
  return g_strdup (path);
}

/* The base directory goes into a glob(3) pattern and may hold characters
 * glob would read as wildcards. */
static char *
escape_for_glob (const char *text)
{
  g_autoptr (GString) escaped = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (strchr ("*?[]{}\\", *p) != NULL)
        g_string_append_c (escaped, '\\');
      g_string_append_c (escaped, *p);
    }
  return g_string_free (g_steal_pointer (&escaped), FALSE);
}

static gboolean
is_pattern (const char *text)
{
  return strpbrk (text, "*?[{") != NULL;
}

static int
compare_relative (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const char *base_dir = user_data;
  g_autofree char *ra = shoal_command_relative_path (base_dir, *(const char *const *) a);
  g_autofree char *rb = shoal_command_relative_path (base_dir, *(const char *const *) b);

  return strcmp (ra, rb);
}

/**
 * shoal_command_expand_programs:
 * @base_dir: the configuration file's directory
 * @patterns: paths or glob(3) patterns (with `{a,b}`), relative to
 *   @base_dir
 * @location: where @patterns were written, for messages
 * @out_paths: (out) (transfer full) (element-type filename): the absolute
 *   paths of the regular executable files they name, each once, sorted by
 *   their path relative to @base_dir
 * @out_unmatched: (out) (transfer full) (nullable): the patterns that
 *   matched nothing, quoted and joined, or %NULL; whether that is an error
 *   depends on whether the suite has tests at all, which only the caller
 *   knows
 * @error: return location for a #GError
 *
 * A plain path (no wildcard) must name an executable file: it is an
 * error, naming the path, when it does not.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_command_expand_programs (const char *base_dir,
                               const char *const *patterns,
                               const char *location,
                               GPtrArray **out_paths,
                               char **out_unmatched,
                               GError **error)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) unmatched = g_string_new (NULL);
  g_autofree char *escaped_base = escape_for_glob (base_dir);

  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      const char *pattern = patterns[i];
      guint found = 0;

      if (!is_pattern (pattern))
        {
          g_autofree char *absolute = g_canonicalize_filename (pattern, base_dir);

          if (!g_file_test (absolute, G_FILE_TEST_EXISTS))
            {
              g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                           "%s: program '%s' not found (no file %s)", location, pattern, absolute);
              return FALSE;
            }
          if (!is_executable_file (absolute))
            {
              g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                           "%s: program '%s' is not an executable file (%s)", location, pattern,
                           absolute);
              return FALSE;
            }
          if (g_hash_table_add (seen, absolute))
            g_ptr_array_add (paths, g_steal_pointer (&absolute));
          continue;
        }
      else
        {
          g_autofree char *full = g_path_is_absolute (pattern)
                                      ? g_strdup (pattern)
                                      : g_strconcat (escaped_base, "/", pattern, NULL);
          glob_t matches = { 0 };
          int status = glob (full, GLOB_BRACE | GLOB_NOSORT, NULL, &matches);

          if (status == GLOB_NOSPACE)
            {
              globfree (&matches);
              g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                           "%s: out of memory expanding '%s'", location, pattern);
              return FALSE;
            }
          for (gsize j = 0; status == 0 && j < matches.gl_pathc; j++)
            {
              g_autofree char *absolute = g_canonicalize_filename (matches.gl_pathv[j], NULL);

              /* A glob of a directory also finds data files, build
               * leftovers, subdirectories: only programs are tests. */
              if (!is_executable_file (absolute))
                continue;
              found++;
              if (g_hash_table_add (seen, absolute))
                g_ptr_array_add (paths, g_steal_pointer (&absolute));
            }
          globfree (&matches);
        }

      if (found == 0)
        g_string_append_printf (unmatched, "%s'%s'", unmatched->len > 0 ? ", " : "", pattern);
    }

  g_ptr_array_sort_with_data (paths, compare_relative, (gpointer) base_dir);
  *out_paths = g_steal_pointer (&paths);
  *out_unmatched = unmatched->len > 0 ? g_strdup (unmatched->str) : NULL;
  return TRUE;
}
