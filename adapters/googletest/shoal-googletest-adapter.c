/* shoal-googletest-adapter.c: C++ GoogleTest programs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: cpp
 *     adapter: googletest
 *     program: build/unit_tests  # or programs: [build/unit_tests, build/io_tests]
 *     args: [--gtest_break_on_failure]  # added to every invocation
 *     env: {LANG: C}
 *     cwd: build
 *     timeout: 60
 *     output: json  # or xml: GoogleTest before 1.8.1 writes no JSON
 * ]|
 *
 * Every case a program lists with `--gtest_list_tests` is a test of its
 * own, named as GoogleTest names it (`Suite.Case`,
 * `Instance/Suite.Case/0` for parameterised cases, `Suite/0.Case` for
 * typed ones). With `program:` the test ids are `<suite>::Suite.Case`;
 * with `programs:` (paths or globs, relative to shoal.yaml, like the glib
 * adapter's) several programs may hold the same name, so the ids are
 * `<suite>::<program>/Suite.Case`.
 *
 * A case is run with `--gtest_filter=` naming it exactly; several cases of
 * one program run as one batch, `--gtest_filter=A.x:B.y`. Results come
 * from GoogleTest's report, `--gtest_output=json:` (`output: json`, the
 * default) or `--gtest_output=xml:` (`output: xml`, for GoogleTest older
 * than 1.8.1, which has no JSON), written into a directory the adapter
 * makes for each command: per-case outcome, failure messages, durations.
 * Both formats give the same results: one reader per format, one mapping
 * to outcomes. A report that is there but cannot be read (cut short,
 * not UTF-8) counts as no report: the cases standard output settles keep
 * what it says, the others are errors naming the file and the line and
 * column where the parser stopped (crashed or timed out, with the passed
 * ones, when the program was killed).
 *
 * When the program dies before writing its report (a crash, a time out,
 * an exit() in a case), its standard output tells what happened, the
 * same for both formats: the cases it finished (`[       OK ]`,
 * `[  FAILED  ]`, `[  SKIPPED ]`) keep their results, the case it was
 * running (`[ RUN      ]` with no end) gets the blame, crashed or timed
 * out, and the cases it never reached get no result: they did not run,
 * and the core runs them again (alone).
 *
 * Cases whose suite or own name starts with `DISABLED_` (GoogleTest's
 * rule: `DISABLED_*:*\/DISABLED_*`) are listed, scheduled and reported as
 * skipped with the reason; GoogleTest does not run them unless `args:`
 * holds `--gtest_also_run_disabled_tests`, and then they are ordinary
 * cases. `GTEST_SKIP()` gives skipped with its message.
 *
 * Checked against GoogleTest 1.12 (Debian 12), the fixture program in
 * tests/fixtures/adapters/googletest/:
 *
 * - `--gtest_list_tests` prints `Suite.` lines and indented case lines;
 *   typed suites and parameterised cases carry a `  # TypeParam = int` or
 *   `  # GetParam() = 1` comment; gtest_main prints `Running main() from
 *   ...` first.
 * - The JSON lists only the cases the filter selected; a disabled one has
 *   `"status": "NOTRUN"`, a skipped one `"result": "SKIPPED"` (its message
 *   is only on standard output), a failed one a `failures` array whose
 *   `failure` strings hold the location line and the whole message;
 *   `"time": "0.012s"`.
 * - The XML has the same cases, attributes named as the JSON's members,
 *   values in lower case: `<testsuites><testsuite name="Numbers/Parity">
 *   <testcase name="Odd/1" value_param="2" status="run|notrun"
 *   result="completed|skipped|suppressed" time="0.012"
 *   classname="Numbers/Parity">` (typed cases carry `type_param="int"`;
 *   the time has no unit). A failure is `<failure message="SUMMARY"
 *   type="">` holding the JSON's `failure` text as CDATA, a `]]>` in it
 *   written as `]]>]]&gt;<![CDATA[`. A skip also has `<skipped
 *   message="FILE:LINE&#x0A;REASON">`, but the adapter takes the reason
 *   from standard output as for JSON, so both read the same.
 * - Neither file is written when the program dies first.
 * - Cases run in listing order, whatever the order of the filter.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"

/* How long `--gtest_list_tests` may take: it runs no test. */
#define LIST_TIMEOUT 30.0

/* Where prepare keeps a command's GtestReportFile. */
#define REPORT_KEY "shoal-googletest-report"

#define ALSO_RUN_DISABLED "--gtest_also_run_disabled_tests"
#define DISABLED_REASON \
  "disabled (DISABLED_ prefix): GoogleTest runs it only with " ALSO_RUN_DISABLED

#define SHOAL_TYPE_GOOGLETEST_ADAPTER (shoal_googletest_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalGoogletestAdapter,
                      shoal_googletest_adapter,
                      SHOAL,
                      GOOGLETEST_ADAPTER,
                      GObject)

/* `output:`, the format of GoogleTest's report; the names are the
 * setting's values, `--gtest_output=`'s prefixes and the files' suffixes. */
typedef enum
{
  GTEST_FORMAT_JSON,
  GTEST_FORMAT_XML,
} GtestFormat;

static const char *const format_names[] = { "json", "xml", NULL };

typedef struct
{
  char *path;   /* absolute */
  char *prefix; /* of its local ids: "" or `<relative path>/` */
} GtestProgram;

typedef struct
{
  GtestProgram *program; /* owned by the adapter's programs array */
  char *name;            /* Suite.Case */
  guint position;        /* in the program's listing, which is its run order */
} GtestCase;

struct _ShoalGoogletestAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *cwd;
  char *cwd_location;
  char **patterns;
  char *programs_key; /* "program" or "programs" */
  char *programs_location;
  char **args;
  char **environment;
  double timeout;
  gboolean run_disabled;
  GtestFormat format;

  GPtrArray *programs; /* (element-type GtestProgram) */
  GHashTable *cases;   /* test id -> GtestCase */
};

static void shoal_googletest_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalGoogletestAdapter,
                                shoal_googletest_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_googletest_adapter_iface_init))

static void
gtest_program_free (gpointer data)
{
  GtestProgram *program = data;

  g_free (program->path);
  g_free (program->prefix);
  g_free (program);
}

static void
gtest_case_free (gpointer data)
{
  GtestCase *gcase = data;

  g_free (gcase->name);
  g_free (gcase);
}

static void
shoal_googletest_adapter_clear_discovery (ShoalGoogletestAdapter *self)
{
  g_hash_table_remove_all (self->cases);
  g_ptr_array_set_size (self->programs, 0);
}

static void
shoal_googletest_adapter_clear (ShoalGoogletestAdapter *self)
{
  shoal_googletest_adapter_clear_discovery (self);
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->patterns, g_strfreev);
  g_clear_pointer (&self->programs_key, g_free);
  g_clear_pointer (&self->programs_location, g_free);
  g_clear_pointer (&self->args, g_strfreev);
  g_clear_pointer (&self->environment, g_strfreev);
  self->run_disabled = FALSE;
  self->format = GTEST_FORMAT_JSON;
}

static void
shoal_googletest_adapter_finalize (GObject *object)
{
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (object);

  shoal_googletest_adapter_clear (self);
  g_clear_pointer (&self->cases, g_hash_table_unref);
  g_clear_pointer (&self->programs, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_googletest_adapter_parent_class)->finalize (object);
}

static void
shoal_googletest_adapter_class_init (ShoalGoogletestAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_googletest_adapter_finalize;
}

static void
shoal_googletest_adapter_class_finalize (ShoalGoogletestAdapterClass *klass)
{
}

static void
shoal_googletest_adapter_init (ShoalGoogletestAdapter *self)
{
  self->programs = g_ptr_array_new_with_free_func (gtest_program_free);
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, gtest_case_free);
}

/* Configuration */

static gboolean
shoal_googletest_adapter_configure (ShoalAdapter *adapter,
                                    const char *suite_name,
                                    ShoalSettings *settings,
                                    GError **error)
{
  static const char *const known_keys[] = { "program", "programs", "args", "env",
                                            "cwd", "timeout", "output", NULL };
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) patterns = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *program = NULL;
  g_autofree char *cwd = NULL;
  const char *key;
  double timeout = 0;
  guint format;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the googletest adapter needs 'program' or 'programs'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error))
    return FALSE;

  if (shoal_settings_has_key (settings, "program") && shoal_settings_has_key (settings, "programs"))
    {
      shoal_settings_set_error_literal (settings, "programs", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "give either 'program' or 'programs', not both");
      return FALSE;
    }

  program = shoal_settings_get_string (settings, "program", NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!shoal_settings_get_strv (settings, "programs", &patterns, error) ||
      !shoal_settings_get_strv (settings, "args", &args, error) ||
      !shoal_settings_get_environ (settings, "env", &environment, error) ||
      !shoal_command_read_cwd (settings, shoal_settings_get_base_dir (settings), &cwd, error) ||
      !shoal_command_read_timeout (settings, &timeout, error))
    return FALSE;

  if (!shoal_settings_get_choice (settings, "output", format_names, GTEST_FORMAT_JSON, &format,
                                  error))
    return FALSE;

  if (program != NULL)
    {
      if (program[0] == '\0')
        {
          shoal_settings_set_error_literal (settings, "program", error,
                                            SHOAL_CONFIG_ERROR_INVALID, "must not be empty");
          return FALSE;
        }
      key = "program";
      patterns = g_new0 (char *, 2);
      patterns[0] = g_steal_pointer (&program);
    }
  else if (patterns == NULL)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "missing required key 'program' (or 'programs')");
      return FALSE;
    }
  else if (patterns[0] == NULL)
    {
      shoal_settings_set_error_literal (settings, "programs", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }
  else
    key = "programs";

  shoal_googletest_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_strdup (shoal_settings_get_base_dir (settings));
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->patterns = g_steal_pointer (&patterns);
  self->programs_key = g_strdup (key);
  self->programs_location = shoal_command_location (settings, key);
  self->args = g_steal_pointer (&args);
  self->environment = g_steal_pointer (&environment);
  self->timeout = timeout;
  self->format = format;
  self->run_disabled =
      self->args != NULL && g_strv_contains ((const char *const *) self->args, ALSO_RUN_DISABLED);
  return TRUE;
}

/* Names */

/* GoogleTest's kDisableTestFilter, `DISABLED_*:*\/DISABLED_*`, applied to
 * the suite's name and to the case's. */
static gboolean
part_is_disabled (const char *part, gsize length)
{
  g_autofree char *text = g_strndup (part, length);

  return g_str_has_prefix (text, "DISABLED_") || strstr (text, "/DISABLED_") != NULL;
}

static gboolean
name_is_disabled (const char *name)
{
  const char *dot = strchr (name, '.');

  if (dot == NULL)
    return part_is_disabled (name, strlen (name));
  return part_is_disabled (name, dot - name) || part_is_disabled (dot + 1, strlen (dot + 1));
}

/* Discovery */

static void
append_args (ShoalGoogletestAdapter *self, GPtrArray *argv)
{
  for (guint i = 0; self->args != NULL && self->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
}

/* Cuts a listing line's `  # GetParam() = ...` comment off. */
static char *
strip_comment (const char *line)
{
  const char *hash = strstr (line, "  #");
  g_autofree char *text = hash != NULL ? g_strndup (line, hash - line) : g_strdup (line);

  return g_strdup (g_strchomp (text));
}

/* Runs `PROGRAM --gtest_list_tests` and returns the program's case names
 * in its order. */
static GPtrArray *
list_program (ShoalGoogletestAdapter *self,
              GtestProgram *program,
              GCancellable *cancellable,
              GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *suite_name = NULL;
  g_auto (GStrv) lines = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, g_strdup (program->path));
  append_args (self, argv);
  g_ptr_array_add (argv, g_strdup ("--gtest_list_tests"));

  if (!shoal_spawn_capture ((const char *const *) argv->pdata, self->cwd,
                            (const char *const *) self->environment, LIST_TIMEOUT, &out, &err,
                            &wait_status, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: cannot list the tests of %s: %s", self->suite, program->path,
                   local_error->message);
      return NULL;
    }

  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_autofree char *how = shoal_describe_wait_status (wait_status);
      g_autofree char *tail = shoal_text_tail (err, 5);

      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: %s --gtest_list_tests %s%s%s", self->suite, program->path, how,
                   tail[0] != '\0' ? ": " : "", tail);
      return NULL;
    }

  /* `Suite.` at the start of a line, then its cases indented by two
   * spaces; anything else (gtest_main's `Running main() from`, a program's
   * own chatter) is no part of the listing. */
  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *text = NULL;

      if (!g_utf8_validate (lines[i], -1, NULL))
        continue;
      if (g_str_has_prefix (lines[i], "  ") && lines[i][2] != ' ')
        {
          g_autofree char *name = NULL;

          text = strip_comment (lines[i] + 2);
          if (suite_name == NULL || text[0] == '\0' || strchr (text, ' ') != NULL)
            continue;
          name = g_strconcat (suite_name, text, NULL);
          if (g_hash_table_contains (seen, name))
            continue;
          g_hash_table_add (seen, name);
          g_ptr_array_add (names, g_steal_pointer (&name));
          continue;
        }

      text = strip_comment (lines[i]);
      g_clear_pointer (&suite_name, g_free);
      if (text[0] != '\0' && text[0] != ' ' && strchr (text, ' ') == NULL &&
          g_str_has_suffix (text, ".") && strlen (text) > 1)
        suite_name = g_steal_pointer (&text);
    }

  if (names->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: %s --gtest_list_tests listed no tests (is it a GoogleTest "
                   "program?)",
                   self->suite, program->path);
      return NULL;
    }
  return g_steal_pointer (&names);
}

/* The command of @names (cases of @program), without its report flag:
 * PROGRAM ARGS... --gtest_filter=A:B --gtest_color=no. The user's own
 * arguments come first, so that the filter is the one that holds. */
static GStrv
build_argv (ShoalGoogletestAdapter *self, GtestProgram *program, GPtrArray *names)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  g_autoptr (GString) filter = g_string_new ("--gtest_filter=");

  for (guint i = 0; i < names->len; i++)
    {
      if (i > 0)
        g_string_append_c (filter, ':');
      g_string_append (filter, g_ptr_array_index (names, i));
    }
  g_ptr_array_add (argv, g_strdup (program->path));
  append_args (self, argv);
  g_ptr_array_add (argv, g_string_free (g_steal_pointer (&filter), FALSE));
  g_ptr_array_add (argv, g_strdup ("--gtest_color=no"));
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

static ShoalTestCase *
new_test (ShoalGoogletestAdapter *self, GtestProgram *program, const char *name)
{
  g_autofree char *local_id = g_strconcat (program->prefix, name, NULL);
  g_autoptr (GPtrArray) single = g_ptr_array_new ();
  g_auto (GStrv) argv = NULL;
  ShoalTestCase *test = shoal_test_case_new (self->suite, local_id);

  g_ptr_array_add (single, (gpointer) name);
  argv = build_argv (self, program, single);
  shoal_test_case_set_name (test, name);
  shoal_test_case_set_adapter (test, "googletest");
  shoal_test_case_set_argv (test, (const char *const *) argv);
  shoal_test_case_set_cwd (test, self->cwd);
  shoal_test_case_set_environment (test, (const char *const *) self->environment);
  shoal_test_case_set_timeout (test, self->timeout);
  if (!self->run_disabled && name_is_disabled (name))
    {
      const char *tags[] = { "disabled", NULL };

      shoal_test_case_set_tags (test, tags);
    }
  return test;
}

static GList *
shoal_googletest_adapter_discover (ShoalAdapter *adapter,
                                   GCancellable *cancellable,
                                   GError **error)
{
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) paths = NULL;
  g_autofree char *unmatched = NULL;
  gboolean prefixed;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the googletest adapter was not configured");
      return NULL;
    }

  shoal_googletest_adapter_clear_discovery (self);

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error) ||
      !shoal_command_expand_programs (self->base_dir, (const char *const *) self->patterns,
                                      self->programs_location, &paths, &unmatched, error))
    return NULL;

  if (paths->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "%s: no executable file matches %s (in %s)", self->programs_location,
                   unmatched != NULL ? unmatched : "the patterns", self->base_dir);
      return NULL;
    }

  /* `program:` names one program: its cases' ids are theirs alone. */
  prefixed = g_str_equal (self->programs_key, "programs");
  for (guint i = 0; i < paths->len; i++)
    {
      GtestProgram *program = g_new0 (GtestProgram, 1);
      g_autoptr (GPtrArray) names = NULL;

      program->path = g_strdup (g_ptr_array_index (paths, i));
      if (prefixed)
        {
          g_autofree char *relative = shoal_command_relative_path (self->base_dir, program->path);

          program->prefix = g_strconcat (relative, "/", NULL);
        }
      else
        program->prefix = g_strdup ("");
      g_ptr_array_add (self->programs, program);

      names = list_program (self, program, cancellable, error);
      if (names == NULL)
        {
          shoal_googletest_adapter_clear_discovery (self);
          return NULL;
        }

      for (guint j = 0; j < names->len; j++)
        {
          const char *name = g_ptr_array_index (names, j);
          g_autoptr (ShoalTestCase) test = new_test (self, program, name);
          GtestCase *gcase = g_new0 (GtestCase, 1);

          gcase->program = program;
          gcase->name = g_strdup (name);
          gcase->position = j;
          g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), gcase);
          g_ptr_array_add (tests, g_steal_pointer (&test));
        }
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

/* A command's report: the format it was asked for and where it goes. The
 * format travels with the command, so interpret reads what prepare asked
 * for. */
typedef struct
{
  GtestFormat format;
  char *dir;
  char *path; /* dir/report.json or dir/report.xml */
} GtestReportFile;

static void
gtest_report_file_free (gpointer data)
{
  GtestReportFile *file = data;

  g_unlink (file->path);
  g_rmdir (file->dir);
  g_free (file->path);
  g_free (file->dir);
  g_free (file);
}

/* Gives @command its own directory for GoogleTest's report, removed with
 * the command: tests of one program run side by side, and a fixed name
 * in the test's working directory would be shared. */
static gboolean
add_report_flag (ShoalRunCommand *command, GtestFormat format, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-googletest-XXXXXX", &local_error);
  g_autofree char *name = NULL;
  g_autofree char *flag = NULL;
  GtestReportFile *file;

  if (dir == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "cannot make a directory for GoogleTest's report: %s", local_error->message);
      return FALSE;
    }
  file = g_new0 (GtestReportFile, 1);
  file->format = format;
  name = g_strconcat ("report.", format_names[format], NULL);
  file->path = g_build_filename (dir, name, NULL);
  file->dir = g_steal_pointer (&dir);
  flag = g_strconcat ("--gtest_output=", format_names[format], ":", file->path, NULL);
  shoal_run_command_append_arg (command, flag);
  g_object_set_data_full (G_OBJECT (command), REPORT_KEY, file, gtest_report_file_free);
  return TRUE;
}

static int
compare_positions (gconstpointer a, gconstpointer b)
{
  const GtestCase *ca = *(GtestCase *const *) a;
  const GtestCase *cb = *(GtestCase *const *) b;

  return (ca->position > cb->position) - (ca->position < cb->position);
}

static ShoalRunCommand *
shoal_googletest_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (adapter);
  ShoalTestCase *first = g_ptr_array_index (tests, 0);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GHashTable) test_of = NULL;
  g_auto (GStrv) argv = NULL;
  GtestProgram *program = NULL;

  /* One test runs as discovery described it, even on an adapter that did
   * not discover it itself. */
  if (tests->len == 1)
    {
      const char *const *test_argv = shoal_test_case_get_argv (first);

      if (test_argv == NULL || test_argv[0] == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s has no command", shoal_test_case_get_id (first));
          return NULL;
        }
      command = shoal_run_command_new (test_argv);
      shoal_run_command_add_test (command, first);
    }
  else
    {
      cases = g_ptr_array_new ();
      names = g_ptr_array_new ();
      test_of = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < tests->len; i++)
        {
          ShoalTestCase *test = g_ptr_array_index (tests, i);
          GtestCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

          if (gcase == NULL)
            {
              g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                           "cannot batch %s: this adapter did not discover it",
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

      /* In the order GoogleTest runs them, its listing's. */
      g_ptr_array_sort (cases, compare_positions);
      for (guint i = 0; i < cases->len; i++)
        g_ptr_array_add (names, ((GtestCase *) g_ptr_array_index (cases, i))->name);
      argv = build_argv (self, program, names);
      command = shoal_run_command_new ((const char *const *) argv);
      for (guint i = 0; i < cases->len; i++)
        shoal_run_command_add_test (command, g_hash_table_lookup (test_of, cases->pdata[i]));
    }

  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (first));
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (first));
  if (!add_report_flag (command, self->format, error))
    return NULL;
  return g_steal_pointer (&command);
}

/* Interpretation */

/* What GoogleTest said of one case, from its report or its output. */
typedef struct
{
  ShoalOutcome outcome;
  char *message;
  double duration; /* seconds, < 0 when unknown */
} GtestVerdict;

static void
gtest_verdict_free (gpointer data)
{
  GtestVerdict *verdict = data;

  g_free (verdict->message);
  g_free (verdict);
}

static GtestVerdict *
gtest_verdict_new (ShoalOutcome outcome, char *message, double duration)
{
  GtestVerdict *verdict = g_new0 (GtestVerdict, 1);

  verdict->outcome = outcome;
  verdict->message = message;
  verdict->duration = duration;
  return verdict;
}

/* What the program printed while it ran each case. */
typedef struct
{
  GHashTable *sections; /* name -> GString: the lines between RUN and its end */
  GHashTable *ended;    /* name -> GtestVerdict */
  char *running;        /* the case RUN and not ended when the output stops */
} GtestOutput;

static void
gtest_output_clear (GtestOutput *output)
{
  g_clear_pointer (&output->sections, g_hash_table_unref);
  g_clear_pointer (&output->ended, g_hash_table_unref);
  g_clear_pointer (&output->running, g_free);
}

static void
free_gstring (gpointer data)
{
  g_string_free (data, TRUE);
}

/* `[ RUN      ] Name`, `[  FAILED  ] Name, where GetParam() = 2 (3 ms)`:
 * the tag between the brackets and the name; %NULL for other lines. */
static char *
parse_status_line (const char *line, char **out_tag, double *out_ms)
{
  const char *close;
  const char *name;
  const char *end;
  const char *paren;

  *out_ms = -1;
  if (line[0] != '[')
    return NULL;
  close = strchr (line, ']');
  if (close == NULL || close[1] != ' ')
    return NULL;
  name = close + 2;
  end = name + strcspn (name, " ,");
  if (end == name)
    return NULL;
  paren = strrchr (end, '(');
  if (paren != NULL && g_str_has_suffix (paren, " ms)"))
    *out_ms = g_ascii_strtod (paren + 1, NULL);
  *out_tag = g_strstrip (g_strndup (line + 1, close - line - 1));
  return g_strndup (name, end - name);
}

/* A skip's reason without GoogleTest's `file.cc:8: Skipped` line. */
static char *
skip_reason (const char *section)
{
  g_auto (GStrv) lines = g_strsplit (section != NULL ? section : "", "\n", -1);
  g_autoptr (GString) reason = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_suffix (lines[i], ": Skipped") || lines[i][0] == '\0')
        continue;
      if (reason->len > 0)
        g_string_append_c (reason, '\n');
      g_string_append (reason, lines[i]);
    }
  if (reason->len == 0)
    return g_strdup ("skipped (GTEST_SKIP)");
  return g_string_free (g_steal_pointer (&reason), FALSE);
}

static char *
section_text (GtestOutput *output, const char *name)
{
  GString *section = g_hash_table_lookup (output->sections, name);
  g_autofree char *text = NULL;

  if (section == NULL)
    return NULL;
  text = g_strstrip (g_strdup (section->str));
  if (text[0] == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

static void
gtest_output_parse (GtestOutput *output, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  output->sections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_gstring);
  output->ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, gtest_verdict_free);
  output->running = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *tag = NULL;
      g_autofree char *name = NULL;
      double ms = -1;
      ShoalOutcome outcome;

      name = parse_status_line (lines[i], &tag, &ms);
      if (name != NULL && g_str_equal (tag, "RUN"))
        {
          g_free (output->running);
          output->running = g_strdup (name);
          g_hash_table_replace (output->sections, g_strdup (name), g_string_new (NULL));
          continue;
        }
      /* The summary repeats `[  FAILED  ] Name` after the run: only the
       * end of the case that is running counts. */
      if (name != NULL && output->running != NULL && g_str_equal (name, output->running) &&
          (g_str_equal (tag, "OK") || g_str_equal (tag, "FAILED") || g_str_equal (tag, "SKIPPED")))
        {
          g_autofree char *section = section_text (output, name);
          char *message = NULL;

          if (g_str_equal (tag, "OK"))
            outcome = SHOAL_OUTCOME_PASSED;
          else if (g_str_equal (tag, "FAILED"))
            {
              outcome = SHOAL_OUTCOME_FAILED;
              message = g_steal_pointer (&section);
            }
          else
            {
              outcome = SHOAL_OUTCOME_SKIPPED;
              message = skip_reason (section);
            }
          g_hash_table_replace (output->ended, g_strdup (name),
                                gtest_verdict_new (outcome, message, ms >= 0 ? ms / 1000 : -1));
          g_clear_pointer (&output->running, g_free);
          continue;
        }
      if (output->running != NULL)
        {
          GString *section = g_hash_table_lookup (output->sections, output->running);

          g_string_append (section, lines[i]);
          g_string_append_c (section, '\n');
        }
    }
}

static const char *
get_member_string (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* GoogleTest's `"time": "0.012s"`. */
static double
parse_seconds (const char *text)
{
  if (text == NULL)
    return -1;
  return g_ascii_strtod (text, NULL);
}

/* Each failure's text, one after the other; "failed" when none says
 * anything. */
static char *
join_failures (GPtrArray *failures)
{
  g_autoptr (GString) message = g_string_new (NULL);

  for (guint i = 0; i < failures->len; i++)
    {
      const char *text = g_ptr_array_index (failures, i);

      if (text == NULL || text[0] == '\0')
        continue;
      if (message->len > 0)
        g_string_append_c (message, '\n');
      g_string_append (message, text);
    }
  if (message->len == 0)
    return g_strdup ("failed");
  return g_string_free (g_steal_pointer (&message), FALSE);
}

/* One case of GoogleTest's report, whichever its format, into @verdicts:
 * @status and @result as the report spells them (`NOTRUN` in JSON,
 * `notrun` in XML), @failures the text of each failure (%NULL or empty:
 * none), @time its seconds (`0.012s` in JSON, `0.012` in XML). */
static void
record_case (GHashTable *verdicts,
             GtestOutput *output,
             const char *suite_name,
             const char *case_name,
             const char *status,
             const char *result,
             GPtrArray *failures,
             const char *time)
{
  char *name = g_strconcat (suite_name, ".", case_name, NULL);
  ShoalOutcome outcome;
  char *message = NULL;

  if (status != NULL && g_ascii_strcasecmp (status, "NOTRUN") == 0)
    {
      outcome = SHOAL_OUTCOME_SKIPPED;
      message = g_strdup (DISABLED_REASON);
    }
  else if (failures != NULL && failures->len > 0)
    {
      outcome = SHOAL_OUTCOME_FAILED;
      message = join_failures (failures);
    }
  else if (result != NULL && g_ascii_strcasecmp (result, "SKIPPED") == 0)
    {
      /* Only the XML has the reason too; standard output has it for both. */
      g_autofree char *section = section_text (output, name);

      outcome = SHOAL_OUTCOME_SKIPPED;
      message = skip_reason (section);
    }
  else
    outcome = SHOAL_OUTCOME_PASSED;

  g_hash_table_replace (verdicts, name, gtest_verdict_new (outcome, message, parse_seconds (time)));
}

/* Reads GoogleTest's JSON report into @verdicts; %FALSE with @out_problem
 * set when it cannot. */
static gboolean
read_json_report (const char *path, GHashTable *verdicts, GtestOutput *output, char **out_problem)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonNode *suites_node;
  JsonArray *suites;

  /* json-glib's messages start with the file's name, line and column. */
  if (!json_parser_load_from_file (parser, path, &error))
    {
      *out_problem = g_strdup_printf ("cannot read GoogleTest's report: %s", error->message);
      return FALSE;
    }
  root = json_parser_get_root (parser);
  suites_node = root != NULL && JSON_NODE_HOLDS_OBJECT (root)
                    ? json_object_get_member (json_node_get_object (root), "testsuites")
                    : NULL;
  if (suites_node == NULL || !JSON_NODE_HOLDS_ARRAY (suites_node))
    {
      *out_problem = g_strdup_printf ("GoogleTest's report %s has no 'testsuites'", path);
      return FALSE;
    }

  suites = json_node_get_array (suites_node);
  for (guint i = 0; i < json_array_get_length (suites); i++)
    {
      JsonNode *suite_node = json_array_get_element (suites, i);
      JsonObject *suite;
      JsonNode *cases_node;
      JsonArray *cases;
      const char *suite_name;

      if (!JSON_NODE_HOLDS_OBJECT (suite_node))
        continue;
      suite = json_node_get_object (suite_node);
      suite_name = get_member_string (suite, "name");
      cases_node = json_object_get_member (suite, "testsuite");
      if (suite_name == NULL || cases_node == NULL || !JSON_NODE_HOLDS_ARRAY (cases_node))
        continue;
      cases = json_node_get_array (cases_node);
      for (guint j = 0; j < json_array_get_length (cases); j++)
        {
          JsonNode *case_node = json_array_get_element (cases, j);
          g_autoptr (GPtrArray) failures = g_ptr_array_new ();
          JsonObject *object;
          JsonNode *failures_node;
          const char *case_name;

          if (!JSON_NODE_HOLDS_OBJECT (case_node))
            continue;
          object = json_node_get_object (case_node);
          case_name = get_member_string (object, "name");
          if (case_name == NULL)
            continue;
          failures_node = json_object_get_member (object, "failures");
          if (failures_node != NULL && JSON_NODE_HOLDS_ARRAY (failures_node))
            {
              JsonArray *array = json_node_get_array (failures_node);

              /* Every element is a failure, even one without a text. */
              for (guint k = 0; k < json_array_get_length (array); k++)
                {
                  JsonNode *node = json_array_get_element (array, k);

                  g_ptr_array_add (failures,
                                   JSON_NODE_HOLDS_OBJECT (node)
                                       ? (gpointer) get_member_string (json_node_get_object (node),
                                                                       "failure")
                                       : NULL);
                }
            }
          record_case (verdicts, output, suite_name, case_name,
                       get_member_string (object, "status"), get_member_string (object, "result"),
                       failures, get_member_string (object, "time"));
        }
    }
  return TRUE;
}

/* Where the GMarkup reader of an XML report is. */
typedef struct
{
  GHashTable *verdicts;
  GtestOutput *output;
  gboolean has_root;
  char *suite_name; /* of the <testsuite> being read */
  char *case_name;  /* of the <testcase> being read; %NULL outside one */
  char *status;
  char *result;
  char *time;
  GPtrArray *failures;   /* (element-type utf8) texts of the <testcase>'s <failure>s */
  GString *failure;      /* text of the <failure> being read; %NULL outside one */
  char *failure_summary; /* its message="" */
} GtestXmlReader;

static void
gtest_xml_reader_end_case (GtestXmlReader *reader)
{
  g_clear_pointer (&reader->case_name, g_free);
  g_clear_pointer (&reader->status, g_free);
  g_clear_pointer (&reader->result, g_free);
  g_clear_pointer (&reader->time, g_free);
  g_ptr_array_set_size (reader->failures, 0);
  if (reader->failure != NULL)
    g_string_free (g_steal_pointer (&reader->failure), TRUE);
  g_clear_pointer (&reader->failure_summary, g_free);
}

static const char *
xml_attribute (const char **names, const char **values, const char *wanted)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], wanted))
      return values[i];
  return NULL;
}

/* Whether the element being opened or closed sits right inside @parent
 * (%NULL: it is the root). */
static gboolean
xml_parent_is (GMarkupParseContext *context, const char *parent)
{
  const GSList *stack = g_markup_parse_context_get_element_stack (context);

  if (stack == NULL || stack->next == NULL)
    return parent == NULL;
  return parent != NULL && g_str_equal (stack->next->data, parent);
}

static void
xml_start (GMarkupParseContext *context,
           const char *element,
           const char **names,
           const char **values,
           gpointer user_data,
           GError **error)
{
  GtestXmlReader *reader = user_data;

  if (g_str_equal (element, "testsuites") && xml_parent_is (context, NULL))
    reader->has_root = TRUE;
  else if (g_str_equal (element, "testsuite") && xml_parent_is (context, "testsuites"))
    {
      g_free (reader->suite_name);
      reader->suite_name = g_strdup (xml_attribute (names, values, "name"));
    }
  else if (g_str_equal (element, "testcase") && xml_parent_is (context, "testsuite"))
    {
      gtest_xml_reader_end_case (reader);
      if (reader->suite_name == NULL)
        return;
      reader->case_name = g_strdup (xml_attribute (names, values, "name"));
      reader->status = g_strdup (xml_attribute (names, values, "status"));
      reader->result = g_strdup (xml_attribute (names, values, "result"));
      reader->time = g_strdup (xml_attribute (names, values, "time"));
    }
  else if (g_str_equal (element, "failure") && reader->case_name != NULL &&
           xml_parent_is (context, "testcase"))
    {
      reader->failure = g_string_new (NULL);
      g_free (reader->failure_summary);
      reader->failure_summary = g_strdup (xml_attribute (names, values, "message"));
    }
}

static void
xml_text (GMarkupParseContext *context,
          const char *text,
          gsize length,
          gpointer user_data,
          GError **error)
{
  GtestXmlReader *reader = user_data;

  /* As written: GoogleTest splits a `]]>` in a message over two CDATA
   * sections and an escaped `>`, which arrive one after the other. */
  if (reader->failure != NULL)
    g_string_append_len (reader->failure, text, length);
}

static void
xml_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  GtestXmlReader *reader = user_data;

  if (g_str_equal (element, "failure") && reader->failure != NULL)
    {
      g_autoptr (GString) text = g_steal_pointer (&reader->failure);

      /* The text is the whole message, as in the JSON; message="" only
       * its summary. */
      if (text->len > 0)
        g_ptr_array_add (reader->failures, g_strdup (text->str));
      else
        g_ptr_array_add (reader->failures, g_steal_pointer (&reader->failure_summary));
      g_clear_pointer (&reader->failure_summary, g_free);
    }
  else if (g_str_equal (element, "testcase") && reader->case_name != NULL)
    {
      record_case (reader->verdicts, reader->output, reader->suite_name, reader->case_name,
                   reader->status, reader->result, reader->failures, reader->time);
      gtest_xml_reader_end_case (reader);
    }
  else if (g_str_equal (element, "testsuite"))
    g_clear_pointer (&reader->suite_name, g_free);
}

/* Reads GoogleTest's XML report into @verdicts; %FALSE with @out_problem
 * set when it cannot. */
static gboolean
read_xml_report (const char *path, GHashTable *verdicts, GtestOutput *output, char **out_problem)
{
  static const GMarkupParser parser = { xml_start, xml_end, xml_text, NULL, NULL };
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  GtestXmlReader reader = { verdicts, output, FALSE, NULL, NULL, NULL, NULL, NULL, failures,
                            NULL, NULL };
  gboolean parsed;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      *out_problem = g_strdup_printf ("cannot read GoogleTest's report: %s", error->message);
      return FALSE;
    }
  context = g_markup_parse_context_new (&parser, G_MARKUP_TREAT_CDATA_AS_TEXT, &reader, NULL);
  parsed = g_markup_parse_context_parse (context, contents, length, &error) &&
           g_markup_parse_context_end_parse (context, &error);
  gtest_xml_reader_end_case (&reader);
  g_clear_pointer (&reader.suite_name, g_free);
  /* GMarkup's messages say where: "Error on line 3 char 7: ...". */
  if (!parsed)
    {
      *out_problem = g_strdup_printf ("cannot read GoogleTest's report: %s: %s", path,
                                      error->message);
      return FALSE;
    }
  if (!reader.has_root)
    {
      *out_problem = g_strdup_printf ("GoogleTest's report %s has no <testsuites>", path);
      return FALSE;
    }
  return TRUE;
}

/* Reads the report GoogleTest wrote to @file into name -> GtestVerdict.
 * %NULL when there is none or it cannot be read (the program died first);
 * then @out_problem says why, unless the file is simply absent. */
static GHashTable *
read_report (GtestReportFile *file, GtestOutput *output, char **out_problem)
{
  g_autoptr (GHashTable) verdicts =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, gtest_verdict_free);
  gboolean read;

  *out_problem = NULL;
  if (!g_file_test (file->path, G_FILE_TEST_EXISTS))
    return NULL;
  if (file->format == GTEST_FORMAT_XML)
    read = read_xml_report (file->path, verdicts, output, out_problem);
  else
    read = read_json_report (file->path, verdicts, output, out_problem);
  return read ? g_steal_pointer (&verdicts) : NULL;
}

static char *
join_message (const char *first, const char *second)
{
  if (first == NULL || first[0] == '\0')
    return g_strdup (second);
  if (second == NULL || second[0] == '\0')
    return g_strdup (first);
  return g_strconcat (first, "\n", second, NULL);
}

static GList *
shoal_googletest_adapter_interpret (ShoalAdapter *adapter,
                                    ShoalRunCommand *command,
                                    ShoalExecution *execution,
                                    GError **error)
{
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  GtestReportFile *file = g_object_get_data (G_OBJECT (command), REPORT_KEY);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) report = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *text = NULL;
  g_autofree char *described = shoal_execution_describe (execution);
  g_autofree double *durations = NULL;
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  gboolean ended_badly = exec_outcome == SHOAL_OUTCOME_CRASHED ||
                         exec_outcome == SHOAL_OUTCOME_TIMEOUT ||
                         exec_outcome == SHOAL_OUTCOME_ERROR;
  GtestOutput output = { 0 };
  const char *dying = NULL;
  gboolean any_failed = FALSE;
  double known = 0;
  int dying_index = -1;

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command runs no test");
      return NULL;
    }

  text = shoal_execution_read_output (execution, 0, &local_error);
  if (text == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "cannot read the output of %s: %s",
                   shoal_test_case_get_id (g_ptr_array_index (tests, 0)), local_error->message);
      return NULL;
    }
  gtest_output_parse (&output, text);

  if (file != NULL)
    {
      report = read_report (file, &output, &problem);
      /* Read once: a retry gets a new command and a new directory. */
      g_unlink (file->path);
    }
  /* Without a report, the case the output stops in is the one that took
   * the program down. */
  if (report == NULL && output.running != NULL)
    dying = output.running;

  durations = g_new0 (double, tests->len);
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      const char *name = shoal_test_case_get_name (test);
      GtestVerdict *verdict = NULL;
      g_autofree char *message = NULL;
      ShoalOutcome outcome;

      if (report != NULL)
        verdict = g_hash_table_lookup (report, name);
      if (verdict == NULL)
        verdict = g_hash_table_lookup (output.ended, name);

      durations[i] = -1;
      if (verdict != NULL)
        {
          outcome = verdict->outcome;
          message = g_strdup (verdict->message);
          durations[i] = verdict->duration;
        }
      else if (dying != NULL && g_str_equal (name, dying))
        {
          g_autofree char *section = section_text (&output, name);
          g_autofree char *summary = g_strdup_printf ("%s while running %s", described, name);

          outcome = exec_outcome;
          if (outcome == SHOAL_OUTCOME_PASSED || outcome == SHOAL_OUTCOME_SKIPPED)
            outcome = SHOAL_OUTCOME_FAILED;
          message = join_message (summary, section);
          dying_index = (int) i;
        }
      else if (dying != NULL)
        {
          /* It did not run: no result, and the core runs it again. */
          g_ptr_array_add (results, NULL);
          continue;
        }
      else if (report == NULL && problem == NULL && exec_outcome != SHOAL_OUTCOME_PASSED)
        {
          /* Dead before any case started (a global set-up, a bad
           * argument): the same for all. */
          outcome = exec_outcome == SHOAL_OUTCOME_SKIPPED ? SHOAL_OUTCOME_FAILED : exec_outcome;
          message = g_strdup_printf ("%s before %s started", described, name);
        }
      else if (report == NULL && !self->run_disabled && name_is_disabled (name))
        {
          /* Without a report nothing says so; GoogleTest did not run it. */
          outcome = SHOAL_OUTCOME_SKIPPED;
          message = g_strdup (DISABLED_REASON);
          durations[i] = 0;
        }
      else if (problem != NULL)
        {
          /* GoogleTest got as far as writing its report, so the case ran,
           * but neither the report nor the output says how it went. */
          outcome = ended_badly ? exec_outcome : SHOAL_OUTCOME_ERROR;
          message = g_strdup_printf ("%s%sno result for %s: %s", ended_badly ? described : "",
                                     ended_badly ? "; " : "", name, problem);
          durations[i] = 0;
        }
      else
        {
          outcome = SHOAL_OUTCOME_ERROR;
          message = g_strdup_printf ("GoogleTest reported no result for %s (is it still in "
                                     "the program?)",
                                     name);
          durations[i] = 0;
        }

      any_failed |= outcome == SHOAL_OUTCOME_FAILED;
      if (durations[i] > 0)
        known += durations[i];
      g_ptr_array_add (results,
                       shoal_adapter_result_for_execution (test, execution, outcome, message));
    }

  /* Every case reported, yet the program ended badly (a crash in a static
   * destructor, a time out while tearing down, or while writing the report
   * it left unreadable): that is on the cases that passed. */
  if (dying == NULL && (report != NULL || problem != NULL) && ended_badly && !any_failed)
    for (guint i = 0; i < results->len; i++)
      {
        ShoalTestResult *result = g_ptr_array_index (results, i);
        g_autofree char *message = NULL;

        if (shoal_test_result_get_outcome (result) != SHOAL_OUTCOME_PASSED)
          continue;
        message = g_strdup_printf ("%s after the test passed", described);
        shoal_test_result_set_outcome (result, exec_outcome);
        shoal_test_result_set_message (result, message);
      }

  /* Each case's own time where GoogleTest gave it; the case that died had
   * what is left of the command's. */
  for (guint i = 0; i < results->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (results, i);
      double duration = durations[i];

      if (result == NULL)
        continue;
      if ((int) i == dying_index)
        duration = MAX (shoal_execution_get_duration (execution) - known, 0);
      if (duration >= 0)
        shoal_test_result_set_duration (result, duration);
    }

  for (guint i = results->len; i > 0; i--)
    if (results->pdata[i - 1] == NULL)
      g_ptr_array_steal_index (results, i - 1);
  gtest_output_clear (&output);
  return shoal_object_list_from_array (g_steal_pointer (&results));
}

static gboolean
shoal_googletest_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

/* Cases of one program may share a process: prepare runs them as one
 * command of that program, `--gtest_filter=A.x:B.y`. A test this adapter
 * did not discover runs alone (prepare refuses it in a batch). */
static char *
shoal_googletest_adapter_get_batch_key (ShoalAdapter *adapter, ShoalTestCase *test)
{
  ShoalGoogletestAdapter *self = SHOAL_GOOGLETEST_ADAPTER (adapter);
  GtestCase *gcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

  return gcase != NULL ? g_strdup (gcase->program->path) : NULL;
}

static void
shoal_googletest_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_googletest_adapter_configure;
  iface->discover = shoal_googletest_adapter_discover;
  iface->prepare = shoal_googletest_adapter_prepare;
  iface->interpret = shoal_googletest_adapter_interpret;
  iface->can_batch = shoal_googletest_adapter_can_batch;
  iface->get_batch_key = shoal_googletest_adapter_get_batch_key;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the googletest adapter's type on @module and names it
 * `googletest`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_googletest_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "googletest",
                                            SHOAL_TYPE_GOOGLETEST_ADAPTER, &error))
    g_warning ("Could not register the googletest adapter: %s", error->message);
}
