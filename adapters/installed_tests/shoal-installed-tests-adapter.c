/* shoal-installed-tests-adapter.c: GNOME installed-tests (`.test` files)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: desktop
 *     adapter: installed_tests
 *     dirs: [/usr/share/installed-tests]  # default: each $XDG_DATA_DIRS
 *                                         # entry + /installed-tests
 *     prefixes: [glib/, json-glib-1.0/]   # only tests whose name starts so
 *     expand_glib: true                   # GLib test programs case by case
 * ]|
 *
 * Reads the `.test` key files that gnome-desktop-testing-runner (also
 * known as ginsttest-runner) reads, the way it reads them (checked against
 * its 2021.1 release, Debian 12's, and its source):
 *
 * - Every regular file named `*.test` below a directory, in
 *   subdirectories too, is a test named by its path relative to that
 *   directory, `.test` included (`glib/markup.test`), as the runner names
 *   and lists them; `prefixes:` select by the start of that name, as the
 *   runner's PREFIX arguments do. A name found in two directories is the
 *   first directory's.
 * - The group `[Test]` needs `Exec` (split with shell quoting rules,
 *   g_shell_parse_argv(): `env VAR=val prog 'two words'` is what `env`
 *   makes of it) and `Type` (`session`, or `session-exclusive`: the test
 *   runs alone, with nothing else running). `TestEnvironment` is a
 *   `;`-separated list of `VAR=VALUE`. `Output=TAP` (of the installed-tests
 *   specification; the runner itself ignores it) means the test prints
 *   TAP, and each point is a result of its own; without it the exit status
 *   decides: 0 passes, 77 skips, a signal crashed, anything else failed.
 * - The test runs in an empty temporary directory holding only a
 *   `.testtmp` file (tests look for it before they write anything), made
 *   in the test's own `TMPDIR`, so that it goes when the test's private
 *   directory goes; with `GIO_USE_VFS=local` set, as the runner sets it.
 *   A constant `/bin/sh` script makes the directory and `exec`s the test
 *   (the test's words are its positional parameters, never part of the
 *   script), so the test's exit status or signal is its own.
 * - A file that cannot be read as a test (a key file error, no `Exec` or
 *   `Type`, an `Exec` that does not parse or names no program) is a test
 *   that errors, its message naming the file and the line; the runner
 *   stops the whole run instead, here the other tests still run.
 *
 * Two differences from the runner, on purpose: `TestEnvironment` is added
 * to the environment every test gets instead of replacing it, since that
 * environment carries what Shoal needs to find and kill the test's
 * processes (and its `TMPDIR`); and a test's timeout is Shoal's (the
 * suite's `timeout:`, else the run's), the runner's being 300 s.
 *
 * When the program of `Exec` (after `env` and its assignments) is a GLib
 * test program (an ELF file that calls g_test_init()) and `expand_glib` is
 * on, its GTest paths (from `PROGRAM -l`) are tests of their own,
 * `<name><gtest path>` (`glib/markup.test/markup/parse`), each run alone
 * (or with other cases of its `.test` file, when the core batches short
 * tests: their batch key is the file's name, as every command starts with
 * the same `/bin/sh`; cases of different files never share a process) the
 * way the glib adapter runs them (shoal-gtest-program.c, shared with it). A program that cannot list its cases, or whose `Exec` already
 * selects some (`-p`, `-s`, `-x`, `-l`), runs as a whole, with a note
 * saying why. Scripts and other programs are never run at discovery.
 *
 * Tags: the test's `Type`, `tap` for `Output=TAP`, `glib` for a GLib test
 * program; results are read from them.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "../glib/shoal-gtest-program.h"
#include "../tap/shoal-tap-parser.h"
#include "../tap/shoal-tap-results.h"

/* How long `PROGRAM -l` may take at discovery: listing runs no test. */
#define LIST_TIMEOUT 10.0

#define TEST_GROUP "Test"

/* Makes the runner's temporary directory, `test-tmp-<name>-XXXXXX` with
 * `.testtmp` in it, enters it and becomes the test. $1 is the test's name
 * with `/` as `_`; the test's words follow. */
static const char wrapper_script[] =
    "tmp=$(mktemp -d \"${TMPDIR:-/tmp}/test-tmp-$1-XXXXXX\") &&"
    " : >\"$tmp/.testtmp\" && cd \"$tmp\" || exit 1\n"
    "shift\n"
    "exec \"$@\"\n";

#define SHOAL_TYPE_INSTALLED_TESTS_ADAPTER (shoal_installed_tests_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalInstalledTestsAdapter,
                      shoal_installed_tests_adapter,
                      SHOAL,
                      INSTALLED_TESTS_ADAPTER,
                      GObject)

/* One `.test` file, as read. */
typedef struct
{
  char *name;          /* relative to its directory, `.test` included */
  char *path;          /* absolute */
  char *squashed_name; /* with `/` as `_`, for its temporary directory */
  char *error;         /* why it cannot run, or NULL */
  char **exec;
  char **environment; /* GIO_USE_VFS, then TestEnvironment */
  char **tags;
  gboolean exclusive;
  ShoalGTestProgram *gtest; /* when its program is a GLib test program */
} InstalledTest;

struct _ShoalInstalledTestsAdapter
{
  GObject parent_instance;

  char *suite;
  char **dirs;         /* absolute, or NULL for $XDG_DATA_DIRS */
  char *dirs_location; /* where `dirs:` is written */
  char **prefixes;
  gboolean expand_glib;

  GPtrArray *tests;  /* (element-type InstalledTest) */
  GHashTable *cases; /* test id -> ShoalGTestCase, for the expanded cases */
  GHashTable *owner; /* ShoalGTestProgram -> InstalledTest */
};

static void shoal_installed_tests_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalInstalledTestsAdapter,
                                shoal_installed_tests_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (
                                    SHOAL_TYPE_ADAPTER,
                                    shoal_installed_tests_adapter_iface_init))

static void
installed_test_free (gpointer data)
{
  InstalledTest *test = data;

  if (test == NULL)
    return;
  g_free (test->name);
  g_free (test->path);
  g_free (test->squashed_name);
  g_free (test->error);
  g_strfreev (test->exec);
  g_strfreev (test->environment);
  g_strfreev (test->tags);
  shoal_gtest_program_free (test->gtest);
  g_free (test);
}

static void
shoal_installed_tests_adapter_clear_discovery (ShoalInstalledTestsAdapter *self)
{
  g_hash_table_remove_all (self->cases);
  g_hash_table_remove_all (self->owner);
  g_ptr_array_set_size (self->tests, 0);
}

static void
shoal_installed_tests_adapter_finalize (GObject *object)
{
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (object);

  shoal_installed_tests_adapter_clear_discovery (self);
  g_clear_pointer (&self->cases, g_hash_table_unref);
  g_clear_pointer (&self->owner, g_hash_table_unref);
  g_clear_pointer (&self->tests, g_ptr_array_unref);
  g_free (self->suite);
  g_strfreev (self->dirs);
  g_free (self->dirs_location);
  g_strfreev (self->prefixes);

  G_OBJECT_CLASS (shoal_installed_tests_adapter_parent_class)->finalize (object);
}

static void
shoal_installed_tests_adapter_class_init (ShoalInstalledTestsAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_installed_tests_adapter_finalize;
}

static void
shoal_installed_tests_adapter_class_finalize (ShoalInstalledTestsAdapterClass *klass)
{
}

static void
shoal_installed_tests_adapter_init (ShoalInstalledTestsAdapter *self)
{
  self->tests = g_ptr_array_new_with_free_func (installed_test_free);
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) shoal_gtest_case_free);
  self->owner = g_hash_table_new (NULL, NULL);
  self->expand_glib = TRUE;
}

/* Configuration */

static gboolean
shoal_installed_tests_adapter_configure (ShoalAdapter *adapter,
                                         const char *suite_name,
                                         ShoalSettings *settings,
                                         GError **error)
{
  static const char *const known_keys[] = { "dirs", "prefixes", "expand_glib", NULL };
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (adapter);
  g_auto (GStrv) dirs = NULL;
  g_auto (GStrv) prefixes = NULL;
  g_autofree char *dirs_location = NULL;
  gboolean expand_glib = TRUE;

  if (settings != NULL)
    {
      if (!shoal_settings_check_keys (settings, known_keys, error) ||
          !shoal_settings_get_strv (settings, "dirs", &dirs, error) ||
          !shoal_settings_get_strv (settings, "prefixes", &prefixes, error) ||
          !shoal_settings_get_boolean (settings, "expand_glib", TRUE, &expand_glib, error))
        return FALSE;

      if (dirs != NULL && dirs[0] == NULL)
        {
          shoal_settings_set_error_literal (settings, "dirs", error, SHOAL_CONFIG_ERROR_INVALID,
                                            "must not be empty (leave it out for the "
                                            "installed-tests of $XDG_DATA_DIRS)");
          return FALSE;
        }
      for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
        {
          char *absolute;

          if (dirs[i][0] == '\0')
            {
              shoal_settings_set_error_literal (settings, "dirs", error,
                                                SHOAL_CONFIG_ERROR_INVALID,
                                                "a directory must not be empty");
              return FALSE;
            }
          absolute = g_canonicalize_filename (dirs[i], shoal_settings_get_base_dir (settings));
          g_free (dirs[i]);
          dirs[i] = absolute;
        }
      if (dirs != NULL)
        dirs_location = shoal_command_location (settings, "dirs");
    }

  shoal_installed_tests_adapter_clear_discovery (self);
  g_free (self->suite);
  self->suite = g_strdup (suite_name);
  g_strfreev (self->dirs);
  self->dirs = g_steal_pointer (&dirs);
  g_free (self->dirs_location);
  self->dirs_location = g_steal_pointer (&dirs_location);
  g_strfreev (self->prefixes);
  self->prefixes = g_steal_pointer (&prefixes);
  self->expand_glib = expand_glib;
  return TRUE;
}

/* Finding `.test` files */

/* Where the runner looks by default: g_get_system_data_dirs(), read anew
 * each time (GLib caches it for the life of the process). */
static GStrv
default_dirs (void)
{
  const char *data_dirs = g_getenv ("XDG_DATA_DIRS");
  g_auto (GStrv) entries = NULL;
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_null_terminated (4, g_free, TRUE);

  if (data_dirs == NULL || data_dirs[0] == '\0')
    data_dirs = "/usr/local/share/:/usr/share/";
  entries = g_strsplit (data_dirs, G_SEARCHPATH_SEPARATOR_S, -1);
  for (guint i = 0; entries[i] != NULL; i++)
    if (entries[i][0] != '\0')
      g_ptr_array_add (dirs, g_build_filename (entries[i], "installed-tests", NULL));
  return (GStrv) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
}

typedef struct
{
  GHashTable *visited; /* "dev:ino" of directories entered */
  GPtrArray *found;    /* (element-type InstalledTest), name and path only */
  GHashTable *names;   /* names found so far, in any directory */
} Walk;

/* Like the runner, follows symbolic links; unlike it, enters a directory
 * once, so a link loop ends. */
static gboolean
walk_directory (Walk *walk, const char *dir, const char *relative, GError **error)
{
  g_autoptr (GDir) handle = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *key = NULL;
  struct stat st;
  const char *entry;

  if (stat (dir, &st) != 0)
    return TRUE;
  key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st.st_dev,
                         (guint64) st.st_ino);
  if (!g_hash_table_add (walk->visited, g_steal_pointer (&key)))
    return TRUE;

  handle = g_dir_open (dir, 0, &local_error);
  if (handle == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "cannot read directory %s: %s", dir, local_error->message);
      return FALSE;
    }

  while ((entry = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *name =
          relative != NULL ? g_strconcat (relative, "/", entry, NULL) : g_strdup (entry);

      if (stat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          if (!walk_directory (walk, path, name, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode) && g_str_has_suffix (entry, ".test"))
        {
          InstalledTest *test;

          if (g_hash_table_contains (walk->names, name))
            continue;
          test = g_new0 (InstalledTest, 1);
          test->name = g_steal_pointer (&name);
          test->path = g_steal_pointer (&path);
          g_hash_table_add (walk->names, test->name);
          g_ptr_array_add (walk->found, test);
        }
    }
  return TRUE;
}

static gboolean
name_is_selected (ShoalInstalledTestsAdapter *self, const char *name)
{
  if (self->prefixes == NULL)
    return TRUE;
  for (guint i = 0; self->prefixes[i] != NULL; i++)
    if (g_str_has_prefix (name, self->prefixes[i]))
      return TRUE;
  return FALSE;
}

static int
compare_tests_by_name (gconstpointer a, gconstpointer b)
{
  const InstalledTest *ta = *(InstalledTest *const *) a;
  const InstalledTest *tb = *(InstalledTest *const *) b;

  return strcmp (ta->name, tb->name);
}

/* Reading a `.test` file */

/* The line of @key in group @group, as GKeyFile would take it (the last
 * one), or 0. */
static guint
find_key_line (char **lines, const char *group, const char *key)
{
  gboolean in_group = FALSE;
  gsize key_len = strlen (key);
  guint found = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      while (g_ascii_isspace (*line))
        line++;
      if (*line == '[')
        {
          const char *end = strchr (line, ']');

          in_group = end != NULL && (gsize) (end - line - 1) == strlen (group) &&
                     strncmp (line + 1, group, end - line - 1) == 0;
          continue;
        }
      if (in_group && strncmp (line, key, key_len) == 0)
        {
          const char *rest = line + key_len;

          while (*rest == ' ' || *rest == '\t')
            rest++;
          if (*rest == '=')
            found = i + 1;
        }
    }
  return found;
}

/* The first line GKeyFile refuses (not blank, a comment, a group or a
 * `key=value`, or a `key=value` before any group), or 0. */
static guint
find_bad_line (char **lines)
{
  gboolean seen_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *equals;

      while (g_ascii_isspace (*line))
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '[')
        {
          if (strchr (line, ']') == NULL)
            return i + 1;
          seen_group = TRUE;
          continue;
        }
      equals = strchr (line, '=');
      if (equals == NULL || equals == line || !seen_group || !g_utf8_validate (line, -1, NULL))
        return i + 1;
    }
  return 0;
}

static void
fail_test (InstalledTest *test, guint line, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Marks @test as unable to run; the message starts with `FILE:LINE: `. */
static void
fail_test (InstalledTest *test, guint line, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_free (test->error);
  if (line > 0)
    test->error = g_strdup_printf ("%s:%u: %s", test->path, line, message);
  else
    test->error = g_strdup_printf ("%s: %s", test->path, message);
}

/* Why the string value of @key cannot be had, for a message. */
static void
fail_missing_key (InstalledTest *test, char **lines, const char *key, GError *error)
{
  if (g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
    fail_test (test, 0, "no [%s] group", TEST_GROUP);
  else if (g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    fail_test (test, 0, "no %s key in [%s]", key, TEST_GROUP);
  else
    fail_test (test, find_key_line (lines, TEST_GROUP, key), "%s: %s", key, error->message);
}

/* `env [-i] [-u NAME] [NAME=VALUE]... PROGRAM ARGS`: the index of PROGRAM
 * in @exec, or -1 when `env` is given options it is not worth reading
 * (the program then runs as a whole). */
static int
find_program_index (char **exec)
{
  g_autofree char *base = g_path_get_basename (exec[0]);
  guint i = 1;

  if (!g_str_equal (base, "env"))
    return 0;
  while (exec[i] != NULL)
    {
      const char *word = exec[i];

      if (g_str_equal (word, "-i") || g_str_equal (word, "-") ||
          g_str_equal (word, "--ignore-environment"))
        i++;
      else if (g_str_equal (word, "-u") || g_str_equal (word, "--unset"))
        i += exec[i + 1] != NULL ? 2 : 1;
      else if (g_str_has_prefix (word, "--unset=") || (g_str_has_prefix (word, "-u") && word[2]))
        i++;
      else if (g_str_equal (word, "--"))
        {
          i++;
          break;
        }
      else if (word[0] == '-')
        return -1;
      else if (strchr (word, '=') != NULL)
        i++;
      else
        break;
    }
  return exec[i] != NULL ? (int) i : -1;
}

/* An ELF file that calls g_test_init() (its name is in the dynamic symbol
 * table, or anywhere in a static one): read, never run. */
static gboolean
is_gtest_program (const char *path)
{
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, NULL);
  const char *data;
  gsize length;

  if (file == NULL)
    return FALSE;
  data = g_mapped_file_get_contents (file);
  length = g_mapped_file_get_length (file);
  if (data == NULL || length < 4 || memcmp (data, "\177ELF", 4) != 0)
    return FALSE;
  return memmem (data, length, "g_test_init", strlen ("g_test_init")) != NULL;
}

/* The GTest option among @args that selects cases (`-p PATH`, `-p=PATH`,
 * and so on), to which no other selection can be added, or NULL. */
static const char *
find_selection (char **args)
{
  static const char *const selecting[] = { "-p", "-s", "-x", "-l", NULL };

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    for (guint j = 0; selecting[j] != NULL; j++)
      if (g_str_has_prefix (args[i], selecting[j]) &&
          (args[i][2] == '\0' || args[i][2] == '='))
        return selecting[j];
  return NULL;
}

static void
read_test (InstalledTest *test)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *type = NULL;
  g_autofree char *output = NULL;
  g_autofree char *resolved = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) test_environment = NULL;
  g_autoptr (GStrvBuilder) tags = g_strv_builder_new ();
  gsize length = 0;
  int program_index;

  test->squashed_name = g_strdelimit (g_strdup (test->name), "/", '_');

  if (!g_file_get_contents (test->path, &contents, &length, &error))
    {
      fail_test (test, 0, "%s", error->message);
      return;
    }
  lines = g_strsplit (contents, "\n", -1);
  if (!g_key_file_load_from_data (keyfile, contents, length, G_KEY_FILE_NONE, &error))
    {
      fail_test (test, find_bad_line (lines), "not a key file: %s", error->message);
      return;
    }

  exec = g_key_file_get_string (keyfile, TEST_GROUP, "Exec", &error);
  if (exec == NULL)
    {
      fail_missing_key (test, lines, "Exec", error);
      return;
    }
  if (!g_shell_parse_argv (exec, NULL, &test->exec, &error))
    {
      fail_test (test, find_key_line (lines, TEST_GROUP, "Exec"), "Exec: cannot split '%s': %s",
                 exec, error->message);
      return;
    }

  type = g_key_file_get_string (keyfile, TEST_GROUP, "Type", &error);
  if (type == NULL)
    {
      fail_missing_key (test, lines, "Type", error);
      return;
    }
  if (g_str_equal (type, "session-exclusive"))
    test->exclusive = TRUE;
  else if (!g_str_equal (type, "session"))
    {
      fail_test (test, find_key_line (lines, TEST_GROUP, "Type"),
                 "unknown Type '%s' (expected session or session-exclusive)", type);
      return;
    }
  g_strv_builder_add (tags, type);

  test_environment =
      g_key_file_get_string_list (keyfile, TEST_GROUP, "TestEnvironment", NULL, &error);
  if (test_environment == NULL &&
      !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      fail_test (test, find_key_line (lines, TEST_GROUP, "TestEnvironment"), "TestEnvironment: %s",
                 error->message);
      return;
    }
  g_clear_error (&error);
  test->environment = g_environ_setenv (NULL, "GIO_USE_VFS", "local", TRUE);
  for (guint i = 0; test_environment != NULL && test_environment[i] != NULL; i++)
    {
      const char *entry = test_environment[i];
      const char *equals = strchr (entry, '=');
      g_autofree char *name = NULL;

      if (equals == NULL || equals == entry)
        {
          fail_test (test, find_key_line (lines, TEST_GROUP, "TestEnvironment"),
                     "TestEnvironment: '%s' is not VAR=VALUE", entry);
          return;
        }
      name = g_strndup (entry, equals - entry);
      test->environment = g_environ_setenv (test->environment, name, equals + 1, TRUE);
    }

  output = g_key_file_get_string (keyfile, TEST_GROUP, "Output", NULL);
  if (output != NULL)
    {
      if (g_ascii_strcasecmp (output, "TAP") != 0)
        {
          fail_test (test, find_key_line (lines, TEST_GROUP, "Output"),
                     "unknown Output '%s' (the one there is: TAP)", output);
          return;
        }
      g_strv_builder_add (tags, "tap");
    }

  /* The runner cannot start a program it does not find, and stops; here
   * that is this test's error, said before anything runs. */
  if (test->exec[0][0] != '/' && strchr (test->exec[0], '/') != NULL)
    {
      fail_test (test, find_key_line (lines, TEST_GROUP, "Exec"),
                 "Exec: program '%s' is relative to the empty directory the test runs in",
                 test->exec[0]);
      return;
    }
  resolved = shoal_command_resolve_program (test->exec[0], "/", NULL, "Exec", &error);
  if (resolved == NULL)
    {
      fail_test (test, find_key_line (lines, TEST_GROUP, "Exec"), "%s", error->message);
      return;
    }

  program_index = find_program_index (test->exec);
  if (program_index >= 0)
    {
      const char *program = test->exec[program_index];
      g_autofree char *path =
          program[0] == '/' ? g_strdup (program) : g_find_program_in_path (program);

      if (path != NULL && is_gtest_program (path))
        {
          g_autofree char **command = g_new0 (char *, program_index + 2);

          for (int i = 0; i <= program_index; i++)
            command[i] = test->exec[i];
          test->gtest = shoal_gtest_program_new (
              path, (const char *const *) command,
              (const char *const *) test->exec + program_index + 1);
          g_strv_builder_add (tags, "glib");
        }
    }
  test->tags = g_strv_builder_end (tags);
}

/* Discovery */

static GStrv
wrap_argv (InstalledTest *test, char **argv)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, "/bin/sh", "-c", wrapper_script, "installed-test",
                           test->squashed_name, NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  return g_strv_builder_end (builder);
}

static ShoalTestCase *
new_test (ShoalInstalledTestsAdapter *self, InstalledTest *itest, const char *local_id)
{
  ShoalTestCase *test = shoal_test_case_new (self->suite, local_id);

  shoal_test_case_set_adapter (test, "installed_tests");
  shoal_test_case_set_tags (test, (const char *const *) itest->tags);
  shoal_test_case_set_environment (test, (const char *const *) itest->environment);
  shoal_test_case_set_exclusive (test, itest->exclusive);
  return test;
}

static void
add_whole_test (ShoalInstalledTestsAdapter *self,
                InstalledTest *itest,
                const char *note,
                GPtrArray *tests)
{
  g_autoptr (ShoalTestCase) test = new_test (self, itest, itest->name);

  if (itest->error != NULL)
    {
      shoal_test_case_set_note (test, itest->error);
    }
  else
    {
      g_auto (GStrv) argv = wrap_argv (itest, itest->exec);

      shoal_test_case_set_argv (test, (const char *const *) argv);
      shoal_test_case_set_note (test, note);
    }
  g_ptr_array_add (tests, g_steal_pointer (&test));
}

static void
add_case_tests (ShoalInstalledTestsAdapter *self, InstalledTest *itest, GPtrArray *tests)
{
  GPtrArray *listing = itest->gtest->listing;

  for (guint i = 0; i < listing->len; i++)
    {
      const char *gtest_path = g_ptr_array_index (listing, i);
      g_autofree char *local_id = g_strconcat (itest->name, gtest_path, NULL);
      g_autoptr (GPtrArray) single = g_ptr_array_new ();
      g_autoptr (ShoalTestCase) test = new_test (self, itest, local_id);
      ShoalGTestCase *gcase = shoal_gtest_case_new (itest->gtest, gtest_path, i, FALSE);
      g_auto (GStrv) argv = NULL;
      g_auto (GStrv) wrapped = NULL;

      g_ptr_array_add (single, gcase);
      argv = shoal_gtest_build_cases_argv (single, NULL);
      wrapped = wrap_argv (itest, argv);
      shoal_test_case_set_name (test, gtest_path);
      shoal_test_case_set_argv (test, (const char *const *) wrapped);
      g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), gcase);
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }
}

static gboolean
add_tests (ShoalInstalledTestsAdapter *self,
           InstalledTest *itest,
           GCancellable *cancellable,
           GPtrArray *tests,
           GError **error)
{
  g_autofree char *note = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *selection;

  if (itest->error != NULL || itest->gtest == NULL || !self->expand_glib)
    {
      add_whole_test (self, itest, NULL, tests);
      return TRUE;
    }

  selection = find_selection (itest->gtest->args);
  if (selection != NULL)
    {
      note = g_strdup_printf ("ran as a whole: its Exec selects GTest paths (%s)", selection);
      add_whole_test (self, itest, note, tests);
      return TRUE;
    }

  if (!shoal_gtest_program_list (itest->gtest, NULL, (const char *const *) itest->environment,
                                 LIST_TIMEOUT, cancellable, &note, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* It could not even start: running it would not either. */
      fail_test (itest, 0, "%s", local_error->message);
      add_whole_test (self, itest, NULL, tests);
      return TRUE;
    }

  g_hash_table_insert (self->owner, itest->gtest, itest);
  if (itest->gtest->listing == NULL)
    add_whole_test (self, itest, note, tests);
  else
    add_case_tests (self, itest, tests);
  return TRUE;
}

static GList *
shoal_installed_tests_adapter_discover (ShoalAdapter *adapter,
                                        GCancellable *cancellable,
                                        GError **error)
{
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) defaults = NULL;
  char **dirs = self->dirs;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the installed_tests adapter was not configured");
      return NULL;
    }

  shoal_installed_tests_adapter_clear_discovery (self);

  if (dirs == NULL)
    dirs = defaults = default_dirs ();
  for (guint d = 0; dirs[d] != NULL; d++)
    {
      g_autoptr (GPtrArray) found = g_ptr_array_new ();
      Walk walk = { visited, found, names };

      if (!g_file_test (dirs[d], G_FILE_TEST_IS_DIR))
        {
          /* The runner skips data directories without installed-tests;
           * a directory asked for by name must be there. */
          if (defaults != NULL)
            continue;
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                       "%s: directory %s not found", self->dirs_location, dirs[d]);
          shoal_installed_tests_adapter_clear_discovery (self);
          return NULL;
        }
      g_ptr_array_set_free_func (found, installed_test_free);
      if (!walk_directory (&walk, dirs[d], NULL, error))
        {
          shoal_installed_tests_adapter_clear_discovery (self);
          return NULL;
        }
      g_ptr_array_sort (found, compare_tests_by_name);
      for (guint i = 0; i < found->len; i++)
        {
          InstalledTest *itest = g_ptr_array_index (found, i);

          if (!name_is_selected (self, itest->name))
            {
              g_hash_table_remove (names, itest->name);
              continue;
            }
          g_ptr_array_add (self->tests, g_steal_pointer (&found->pdata[i]));
        }
    }

  for (guint i = 0; i < self->tests->len; i++)
    {
      InstalledTest *itest = g_ptr_array_index (self->tests, i);

      read_test (itest);
      if (!add_tests (self, itest, cancellable, tests, error))
        {
          shoal_installed_tests_adapter_clear_discovery (self);
          return NULL;
        }
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

static ShoalRunCommand *
command_for (ShoalTestCase *test, const char *const *argv)
{
  ShoalRunCommand *command = shoal_run_command_new (argv);

  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (test));
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (test));
  return command;
}

static ShoalRunCommand *
shoal_installed_tests_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (adapter);
  ShoalTestCase *first = g_ptr_array_index (tests, 0);
  g_autoptr (GPtrArray) cases = g_ptr_array_new ();
  g_autoptr (GHashTable) test_of = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) order = NULL;
  g_autoptr (ShoalRunCommand) command = NULL;
  g_auto (GStrv) argv = NULL;
  g_auto (GStrv) wrapped = NULL;
  ShoalGTestProgram *program = NULL;
  InstalledTest *itest;

  /* One test runs as discovery described it; a file that could not be
   * read has no command, and says why. */
  if (tests->len == 1)
    {
      const char *const *test_argv = shoal_test_case_get_argv (first);

      if (test_argv == NULL || test_argv[0] == NULL)
        {
          const char *note = shoal_test_case_get_note (first);

          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE, "%s",
                       note != NULL ? note : "the test has no command");
          return NULL;
        }
      command = command_for (first, test_argv);
      shoal_run_command_add_test (command, first);
      return g_steal_pointer (&command);
    }

  /* A batch: cases of one GLib test program. */
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      ShoalGTestCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

      if (gcase == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot batch %s: it is not a case of a GLib test program this adapter "
                       "discovered",
                       shoal_test_case_get_id (test));
          return NULL;
        }
      if (program != NULL && gcase->program != program)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot batch %s with %s: a batch runs one program",
                       shoal_test_case_get_id (test), shoal_test_case_get_id (first));
          return NULL;
        }
      program = gcase->program;
      if (!g_hash_table_insert (test_of, gcase, test))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s is twice in the batch", shoal_test_case_get_id (test));
          return NULL;
        }
      g_ptr_array_add (cases, gcase);
    }

  itest = g_hash_table_lookup (self->owner, program);
  argv = shoal_gtest_build_cases_argv (cases, &order);
  wrapped = wrap_argv (itest, argv);
  command = command_for (first, (const char *const *) wrapped);
  /* In the order GLib runs them, which interpret relies on to tell which
   * case was running when the program died. */
  for (guint i = 0; i < order->len; i++)
    shoal_run_command_add_test (command, g_hash_table_lookup (test_of, order->pdata[i]));
  return g_steal_pointer (&command);
}

/* Interpretation */

static GPtrArray *
interpret_exit_status (GPtrArray *tests, ShoalExecution *execution)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  ShoalOutcome outcome = shoal_execution_get_default_outcome (execution);
  g_autofree char *message = NULL;

  if (outcome != SHOAL_OUTCOME_PASSED)
    message = shoal_execution_describe (execution);
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (results, shoal_adapter_result_for_execution (g_ptr_array_index (tests, i),
                                                                  execution, outcome, message));
  return g_steal_pointer (&results);
}

static GList *
shoal_installed_tests_adapter_interpret (ShoalAdapter *adapter,
                                         ShoalRunCommand *command,
                                         ShoalExecution *execution,
                                         GError **error)
{
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  ShoalTestCase *first;
  g_autoptr (ShoalTapDocument) doc = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *output = NULL;
  gboolean is_case;

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command runs no test");
      return NULL;
    }
  first = g_ptr_array_index (tests, 0);

  /* A GTest case is named by its path; a whole test by its file's name,
   * which never starts with '/'. */
  is_case = g_str_has_prefix (shoal_test_case_get_name (first), "/");
  if (!is_case && !shoal_test_case_has_tag (first, "tap"))
    return shoal_object_list_from_array (interpret_exit_status (tests, execution));

  output = shoal_execution_read_output (execution, 0, &local_error);
  if (output == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "cannot read the output of %s: %s", shoal_test_case_get_id (first),
                   local_error->message);
      return NULL;
    }
  doc = shoal_tap_document_parse (output, -1);

  if (is_case)
    {
      ShoalGTestCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (first));

      return shoal_object_list_from_array (shoal_gtest_interpret_cases (
          tests, execution, doc, gcase != NULL ? gcase->program->path : NULL));
    }
  return shoal_object_list_from_array (shoal_tap_interpret_points (
      first, execution, doc,
      shoal_test_case_has_tag (first, "glib") ? SHOAL_TAP_STYLE_GLIB : SHOAL_TAP_STYLE_PLAIN));
}

static gboolean
shoal_installed_tests_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

/* The GTest cases of one `.test` file may share a process: prepare runs
 * them as one command of its program, wrapped like each alone. Every
 * command starts with `/bin/sh`, so the program is no key; the file is,
 * since it also gives the environment and the `Exec` words around the
 * program. A whole test runs alone (prepare refuses it in a batch). */
static char *
shoal_installed_tests_adapter_get_batch_key (ShoalAdapter *adapter, ShoalTestCase *test)
{
  ShoalInstalledTestsAdapter *self = SHOAL_INSTALLED_TESTS_ADAPTER (adapter);
  ShoalGTestCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));
  InstalledTest *itest;

  if (gcase == NULL)
    return NULL;
  itest = g_hash_table_lookup (self->owner, gcase->program);
  return itest != NULL ? g_strdup (itest->name) : NULL;
}

static void
shoal_installed_tests_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_installed_tests_adapter_configure;
  iface->discover = shoal_installed_tests_adapter_discover;
  iface->prepare = shoal_installed_tests_adapter_prepare;
  iface->interpret = shoal_installed_tests_adapter_interpret;
  iface->can_batch = shoal_installed_tests_adapter_can_batch;
  iface->get_batch_key = shoal_installed_tests_adapter_get_batch_key;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the installed_tests adapter's type on @module and names it
 * `installed_tests`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_installed_tests_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER,
                                            "installed_tests",
                                            SHOAL_TYPE_INSTALLED_TESTS_ADAPTER, &error))
    g_warning ("Could not register the installed_tests adapter: %s", error->message);
}
