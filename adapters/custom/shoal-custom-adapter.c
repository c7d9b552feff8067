/* shoal-custom-adapter.c: a test framework described in shoal.yaml
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For a framework Shoal has no adapter for: one command lists the test
 * ids, another runs one of them, and the results come from its exit
 * status, the TAP it prints or a JUnit XML file it writes.
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: lua
 *     adapter: custom
 *     discover: [./run-tests.lua, --list]      # one test id a line
 *     run: [./run-tests.lua, --only={id}, --junit={tmpdir}/out.xml]
 *     results: junit                           # exit (default), tap or junit
 *     junit_file: "{tmpdir}/out.xml"           # results: junit only
 *     cwd: tests                               # both commands run here
 *     env: {LUA_PATH: "./?.lua"}
 *     timeout: 30
 * ]|
 *
 * `discover` prints one id a line; blank lines and lines starting with `#`
 * are ignored, surrounding spaces dropped, an id seen twice taken once.
 * A discovery command that fails, or lists nothing, is an error naming
 * the suite, with how it ended and the tail of its standard error.
 *
 * `run` is an argv, never a shell line: `{id}` is replaced by the test id
 * (the local one, as `discover` printed it) inside the element that holds
 * it, so an id with spaces or quotes stays one argument. `{tmpdir}` is a
 * directory made for each run and removed after it. Both programs are
 * found at discovery: a `/` in their name is relative to `cwd` (the
 * directory of shoal.yaml by default), a bare name is looked up in `PATH`.
 *
 * `results`:
 * - `exit`: 0 passed, 77 skipped, any other status failed, a signal
 *   crashed (Automake's convention, the exec adapter's).
 * - `tap`: what the command prints is TAP. One test point is the test's
 *   own result; several are one result each, `<id>/<description>`, as the
 *   tap adapter gives them, plus the test's own when the command ended
 *   badly or its plan does not add up.
 * - `junit`: the command writes a JUnit XML file at `junit_file` (a path
 *   template with `{id}` and `{tmpdir}`, relative to `cwd`). One
 *   `<testcase>` is the test's own result; several are one result each,
 *   `<id>/<testcase name>`. `<failure>` and `<error>` fail, `<skipped>`
 *   skips, and a missing, stale (older than the run) or unreadable file is
 *   the test's own result saying so.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "../tap/shoal-tap-parser.h"
#include "../tap/shoal-tap-results.h"

/* How long the discovery command may take: it lists, it runs nothing, but
 * it may have to build or import a whole suite to do so. */
#define DISCOVER_TIMEOUT 120.0

#define TMPDIR_KEY "shoal-custom-tmpdir"
#define JUNIT_PATH_KEY "shoal-custom-junit-path"

#define SHOAL_TYPE_CUSTOM_ADAPTER (shoal_custom_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalCustomAdapter, shoal_custom_adapter, SHOAL, CUSTOM_ADAPTER, GObject)

typedef enum
{
  RESULTS_EXIT,
  RESULTS_TAP,
  RESULTS_JUNIT,
} ResultsMode;

static const char *const results_names[] = { "exit", "tap", "junit", NULL };

struct _ShoalCustomAdapter
{
  GObject parent_instance;

  char *suite;
  char *cwd;
  char *cwd_location;
  char **discover_argv;
  char *discover_location;
  char **run_argv;
  char *run_location;
  ResultsMode results;
  char *junit_file;
  char **environment;
  double timeout;
};

static void shoal_custom_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalCustomAdapter,
                                shoal_custom_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_custom_adapter_iface_init))

static void
shoal_custom_adapter_clear (ShoalCustomAdapter *self)
{
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->discover_argv, g_strfreev);
  g_clear_pointer (&self->discover_location, g_free);
  g_clear_pointer (&self->run_argv, g_strfreev);
  g_clear_pointer (&self->run_location, g_free);
  g_clear_pointer (&self->junit_file, g_free);
  g_clear_pointer (&self->environment, g_strfreev);
}

static void
shoal_custom_adapter_finalize (GObject *object)
{
  shoal_custom_adapter_clear (SHOAL_CUSTOM_ADAPTER (object));

  G_OBJECT_CLASS (shoal_custom_adapter_parent_class)->finalize (object);
}

static void
shoal_custom_adapter_class_init (ShoalCustomAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_custom_adapter_finalize;
}

static void
shoal_custom_adapter_class_finalize (ShoalCustomAdapterClass *klass)
{
}

static void
shoal_custom_adapter_init (ShoalCustomAdapter *self)
{
}

/* Configuration */

/* Optimal string alignment distance, for "did you mean". */
static gsize
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree gsize *d = g_new (gsize, (la + 1) * (lb + 1));

#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        gsize best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);

        best = MIN (best, D (i - 1, j - 1) + (a[i - 1] == b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  return D (la, lb);
#undef D
}

static gboolean
read_results (ShoalSettings *settings, ResultsMode *out_mode, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *value = shoal_settings_get_string (settings, "results", "exit", &local_error);
  g_autofree char *lower = NULL;
  const char *best = NULL;
  gsize best_distance = G_MAXSIZE;

  if (value == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  for (guint i = 0; results_names[i] != NULL; i++)
    if (g_str_equal (value, results_names[i]))
      {
        *out_mode = (ResultsMode) i;
        return TRUE;
      }

  lower = g_ascii_strdown (value, -1);
  for (guint i = 0; results_names[i] != NULL; i++)
    {
      gsize distance = edit_distance (lower, results_names[i]);

      if (distance <= MAX (2, strlen (value) / 3) && distance < best_distance)
        {
          best = results_names[i];
          best_distance = distance;
        }
    }
  if (best != NULL)
    shoal_settings_set_error (settings, "results", error, SHOAL_CONFIG_ERROR_INVALID,
                              "unknown results '%s'; did you mean '%s'? (exit, tap or junit)",
                              value, best);
  else
    shoal_settings_set_error (settings, "results", error, SHOAL_CONFIG_ERROR_INVALID,
                              "unknown results '%s' (expected exit, tap or junit)", value);
  return FALSE;
}

static gboolean
read_command (ShoalSettings *settings, const char *key, char ***out_argv, GError **error)
{
  g_auto (GStrv) argv = NULL;

  if (!shoal_settings_get_strv (settings, key, &argv, error))
    return FALSE;
  if (argv == NULL)
    {
      shoal_settings_set_error (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                "missing required key '%s'", key);
      return FALSE;
    }
  if (argv[0] == NULL || argv[0][0] == '\0')
    {
      shoal_settings_set_error_literal (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must start with a program");
      return FALSE;
    }
  *out_argv = g_steal_pointer (&argv);
  return TRUE;
}

static gboolean
strv_mentions (const char *const *strv, const char *text)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (strstr (strv[i], text) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
shoal_custom_adapter_configure (ShoalAdapter *adapter,
                                const char *suite_name,
                                ShoalSettings *settings,
                                GError **error)
{
  static const char *const known_keys[] = { "discover", "run", "results", "junit_file",
                                            "cwd", "env", "timeout", NULL };
  ShoalCustomAdapter *self = SHOAL_CUSTOM_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) discover_argv = NULL;
  g_auto (GStrv) run_argv = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *junit_file = NULL;
  g_autofree char *cwd = NULL;
  ResultsMode results = RESULTS_EXIT;
  double timeout = 0;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the custom adapter needs 'discover' and 'run'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error) ||
      !read_command (settings, "discover", &discover_argv, error) ||
      !read_command (settings, "run", &run_argv, error) ||
      !read_results (settings, &results, error) ||
      !shoal_settings_get_environ (settings, "env", &environment, error) ||
      !shoal_command_read_cwd (settings, shoal_settings_get_base_dir (settings), &cwd, error) ||
      !shoal_command_read_timeout (settings, &timeout, error))
    return FALSE;

  /* Without {id} every test would run the same command. */
  if (!strv_mentions ((const char *const *) run_argv, "{id}"))
    {
      shoal_settings_set_error_literal (settings, "run", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "no argument holds {id}, the test to run");
      return FALSE;
    }

  junit_file = shoal_settings_get_string (settings, "junit_file", NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (results == RESULTS_JUNIT && (junit_file == NULL || junit_file[0] == '\0'))
    {
      if (junit_file == NULL)
        shoal_settings_set_error_literal (settings, "results", error, SHOAL_CONFIG_ERROR_MISSING,
                                          "'results: junit' needs 'junit_file', the report the "
                                          "command writes");
      else
        shoal_settings_set_error_literal (settings, "junit_file", error,
                                          SHOAL_CONFIG_ERROR_INVALID, "must not be empty");
      return FALSE;
    }
  if (results != RESULTS_JUNIT && junit_file != NULL)
    {
      shoal_settings_set_error_literal (settings, "junit_file", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "only read with 'results: junit'");
      return FALSE;
    }

  shoal_custom_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->discover_argv = g_steal_pointer (&discover_argv);
  self->discover_location = shoal_command_location (settings, "discover");
  self->run_argv = g_steal_pointer (&run_argv);
  self->run_location = shoal_command_location (settings, "run");
  self->results = results;
  self->junit_file = g_steal_pointer (&junit_file);
  self->environment = g_steal_pointer (&environment);
  self->timeout = timeout;
  return TRUE;
}

/* Templates */

/* @template with `{id}` and `{tmpdir}` replaced (a field given no value
 * stays as written); other braces are the user's. */
static char *
expand (const char *template, const char *id, const char *tmpdir)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (const char *p = template; *p != '\0';)
    {
      if (id != NULL && g_str_has_prefix (p, "{id}"))
        {
          g_string_append (text, id);
          p += strlen ("{id}");
        }
      else if (tmpdir != NULL && g_str_has_prefix (p, "{tmpdir}"))
        {
          g_string_append (text, tmpdir);
          p += strlen ("{tmpdir}");
        }
      else
        g_string_append_c (text, *p++);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GStrv
expand_argv (const char *const *template, const char *id, const char *tmpdir)
{
  GStrv argv = g_new0 (char *, g_strv_length ((char **) template) + 1);

  for (guint i = 0; template[i] != NULL; i++)
    argv[i] = expand (template[i], id, tmpdir);
  return argv;
}

/* Discovery */

static GList *
shoal_custom_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalCustomAdapter *self = SHOAL_CUSTOM_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) discover_argv = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *run_program = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *shown = NULL;
  int wait_status = 0;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the custom adapter was not configured");
      return NULL;
    }

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error))
    return NULL;

  discover_argv = g_strdupv (self->discover_argv);
  g_free (discover_argv[0]);
  discover_argv[0] = shoal_command_resolve_program (
      self->discover_argv[0], self->cwd, (const char *const *) self->environment,
      self->discover_location, error);
  if (discover_argv[0] == NULL)
    return NULL;
  run_program = shoal_command_resolve_program (self->run_argv[0], self->cwd,
                                               (const char *const *) self->environment,
                                               self->run_location, error);
  if (run_program == NULL)
    return NULL;

  shown = g_strjoinv (" ", self->discover_argv);
  if (!shoal_spawn_capture ((const char *const *) discover_argv, self->cwd,
                            (const char *const *) self->environment,
                            DISCOVER_TIMEOUT, &out, &err,
                            &wait_status, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "suite %s: the discovery command (%s) failed: %s", self->suite, shown,
                     local_error->message);
      return NULL;
    }
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_autofree char *how = shoal_describe_wait_status (wait_status);
      g_autofree char *tail = shoal_text_tail (err, 5);

      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: the discovery command (%s) %s%s%s", self->suite, shown, how,
                   tail[0] != '\0' ? ": " : "", tail);
      return NULL;
    }

  lines = g_strsplit (out != NULL ? out : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *id = g_strstrip (lines[i]);
      g_autoptr (ShoalTestCase) test = NULL;
      g_auto (GStrv) argv = NULL;

      if (id[0] == '\0' || id[0] == '#')
        continue;
      if (!g_utf8_validate (id, -1, NULL) || strstr (id, "::") != NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                       "suite %s: the discovery command (%s) printed '%s' (line %u), which "
                       "cannot be a test id: %s",
                       self->suite, shown, g_utf8_validate (id, -1, NULL) ? id : "?", i + 1,
                       g_utf8_validate (id, -1, NULL) ? "ids may not contain '::'"
                                                      : "it is not UTF-8");
          return NULL;
        }
      if (!g_hash_table_add (seen, g_strdup (id)))
        continue;

      argv = expand_argv ((const char *const *) self->run_argv, id, NULL);
      g_free (argv[0]);
      argv[0] = g_strdup (run_program);
      test = shoal_test_case_new (self->suite, id);
      shoal_test_case_set_adapter (test, "custom");
      shoal_test_case_set_argv (test, (const char *const *) argv);
      shoal_test_case_set_cwd (test, self->cwd);
      shoal_test_case_set_environment (test, (const char *const *) self->environment);
      shoal_test_case_set_timeout (test, self->timeout);
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: the discovery command (%s) printed no test ids", self->suite,
                   shown);
      return NULL;
    }
  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

/* Removes @path and, if it is a directory, what is in it; never follows a
 * symbolic link out. */
static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
      return;
    }
  g_unlink (path);
}

static void
remove_tmpdir (gpointer data)
{
  remove_tree (data);
  g_free (data);
}

static ShoalRunCommand *
shoal_custom_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalCustomAdapter *self = SHOAL_CUSTOM_ADAPTER (adapter);
  ShoalTestCase *test = g_ptr_array_index (tests, 0);
  const char *const *test_argv = shoal_test_case_get_argv (test);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *tmpdir = NULL;
  g_auto (GStrv) argv = NULL;
  gboolean uses_tmpdir;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "the custom adapter runs one test per command, got %u", tests->len);
      return NULL;
    }
  if (test_argv == NULL || test_argv[0] == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "test %s has no command", shoal_test_case_get_id (test));
      return NULL;
    }

  /* Discovery put the id in; the directory is the run's own. */
  uses_tmpdir = strv_mentions (test_argv, "{tmpdir}") ||
                (self->junit_file != NULL && strstr (self->junit_file, "{tmpdir}") != NULL);
  if (uses_tmpdir)
    {
      tmpdir = g_dir_make_tmp ("shoal-custom-XXXXXX", &local_error);
      if (tmpdir == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot make {tmpdir} for %s: %s", shoal_test_case_get_id (test),
                       local_error->message);
          return NULL;
        }
    }
  argv = expand_argv (test_argv, NULL, tmpdir);

  command = shoal_run_command_new ((const char *const *) argv);
  shoal_run_command_set_cwd (command, shoal_test_case_get_cwd (test));
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (test));
  shoal_run_command_add_test (command, test);

  if (self->results == RESULTS_JUNIT)
    {
      g_autofree char *path =
          expand (self->junit_file, shoal_test_case_get_local_id (test), tmpdir);
      const char *cwd = shoal_test_case_get_cwd (test);

      g_object_set_data_full (G_OBJECT (command), JUNIT_PATH_KEY,
                              g_canonicalize_filename (path, cwd != NULL ? cwd : self->cwd),
                              g_free);
    }
  /* Removed with the command, after interpret has read what is in it. */
  if (tmpdir != NULL)
    g_object_set_data_full (G_OBJECT (command), TMPDIR_KEY, g_steal_pointer (&tmpdir),
                            remove_tmpdir);
  return g_steal_pointer (&command);
}

/* Interpretation: JUnit XML */

typedef struct
{
  char *name;
  ShoalOutcome outcome;
  char *message;
  double duration; /* < 0 when not given */
} JunitCase;

static void
junit_case_free (gpointer data)
{
  JunitCase *jcase = data;

  g_free (jcase->name);
  g_free (jcase->message);
  g_free (jcase);
}

typedef struct
{
  GPtrArray *cases;  /* (element-type JunitCase) */
  JunitCase *open;   /* the <testcase> being read */
  GString *text;     /* of the <failure>/<error>/<skipped> being read */
  gboolean in_issue; /* inside one of them */
} JunitReader;

static const char *
attribute (const char **names, const char **values, const char *wanted)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], wanted))
      return values[i];
  return NULL;
}

static void
junit_start (GMarkupParseContext *context,
             const char *element,
             const char **names,
             const char **values,
             gpointer user_data,
             GError **error)
{
  JunitReader *reader = user_data;

  if (g_str_equal (element, "testcase"))
    {
      const char *name = attribute (names, values, "name");
      const char *time = attribute (names, values, "time");
      JunitCase *jcase = g_new0 (JunitCase, 1);

      jcase->name = g_strdup (name != NULL && name[0] != '\0' ? name : "(unnamed)");
      jcase->outcome = SHOAL_OUTCOME_PASSED;
      jcase->duration = time != NULL ? g_ascii_strtod (time, NULL) : -1;
      g_ptr_array_add (reader->cases, jcase);
      reader->open = jcase;
      return;
    }
  if (reader->open == NULL)
    return;
  if (g_str_equal (element, "failure") || g_str_equal (element, "error") ||
      g_str_equal (element, "skipped"))
    {
      const char *message = attribute (names, values, "message");
      JunitCase *jcase = reader->open;
      ShoalOutcome outcome = g_str_equal (element, "skipped") ? SHOAL_OUTCOME_SKIPPED
                                                              : SHOAL_OUTCOME_FAILED;

      /* A failure outweighs a skip in the same case. */
      if (jcase->outcome != SHOAL_OUTCOME_FAILED)
        jcase->outcome = outcome;
      g_string_truncate (reader->text, 0);
      if (g_str_equal (element, "error"))
        g_string_append (reader->text, "error: ");
      if (message != NULL && message[0] != '\0')
        g_string_append (reader->text, message);
      reader->in_issue = TRUE;
    }
}

static void
junit_text (GMarkupParseContext *context,
            const char *text,
            gsize length,
            gpointer user_data,
            GError **error)
{
  JunitReader *reader = user_data;
  g_autofree char *stripped = NULL;

  if (!reader->in_issue)
    return;
  stripped = g_strstrip (g_strndup (text, length));
  if (stripped[0] == '\0')
    return;
  if (reader->text->len > 0 && !g_str_has_suffix (reader->text->str, "error: "))
    g_string_append_c (reader->text, '\n');
  g_string_append (reader->text, stripped);
}

static void
junit_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  JunitReader *reader = user_data;

  if (g_str_equal (element, "testcase"))
    {
      reader->open = NULL;
      return;
    }
  if (reader->in_issue && (g_str_equal (element, "failure") || g_str_equal (element, "error") ||
                           g_str_equal (element, "skipped")))
    {
      JunitCase *jcase = reader->open;

      if (reader->text->len > 0)
        {
          g_autofree char *joined = NULL;

          joined = jcase->message != NULL
                       ? g_strconcat (jcase->message, "\n", reader->text->str, NULL)
                       : g_strdup (reader->text->str);
          g_free (jcase->message);
          jcase->message = g_steal_pointer (&joined);
        }
      reader->in_issue = FALSE;
    }
}

/* The cases of a JUnit XML file; %NULL with @out_problem set when there is
 * no usable file. */
static GPtrArray *
read_junit (const char *path, gint64 started, char **out_problem)
{
  static const GMarkupParser parser = { junit_start, junit_end, junit_text, NULL, NULL };
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (junit_case_free);
  g_autoptr (GMarkupParseContext) context = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  JunitReader reader = { cases, NULL, text, FALSE };

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_TIME_MODIFIED "," G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC,
                            G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        *out_problem = g_strdup_printf ("wrote no JUnit report (no file %s)", path);
      else
        *out_problem = g_strdup_printf ("cannot read the JUnit report: %s", error->message);
      return NULL;
    }
  /* A report from an earlier run is not this run's. File times come from a
   * coarse clock: a second of slack. */
  if (started > 0)
    {
      gint64 modified =
          (gint64) g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED) *
              G_USEC_PER_SEC +
          g_file_info_get_attribute_uint32 (info, G_FILE_ATTRIBUTE_TIME_MODIFIED_USEC);

      if (modified < started - G_USEC_PER_SEC)
        {
          *out_problem = g_strdup_printf ("wrote no JUnit report (%s is older than the run)",
                                          path);
          return NULL;
        }
    }

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      *out_problem = g_strdup_printf ("cannot read the JUnit report: %s", error->message);
      return NULL;
    }
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION | G_MARKUP_TREAT_CDATA_AS_TEXT, &reader, NULL);
  if (!g_markup_parse_context_parse (context, contents, length, &error) ||
      !g_markup_parse_context_end_parse (context, &error))
    {
      *out_problem = g_strdup_printf ("cannot parse the JUnit report %s: %s", path,
                                      error->message);
      return NULL;
    }
  if (cases->len == 0)
    {
      *out_problem = g_strdup_printf ("the JUnit report %s has no <testcase>", path);
      return NULL;
    }
  return g_steal_pointer (&cases);
}

static GPtrArray *
interpret_junit (ShoalRunCommand *command, ShoalTestCase *test, ShoalExecution *execution)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) cases = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *path = g_object_get_data (G_OBJECT (command), JUNIT_PATH_KEY);
  g_autofree char *problem = NULL;
  g_autofree char *described = shoal_execution_describe (execution);
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  gboolean ended_badly = exec_outcome == SHOAL_OUTCOME_TIMEOUT ||
                         exec_outcome == SHOAL_OUTCOME_CRASHED ||
                         exec_outcome == SHOAL_OUTCOME_ERROR;
  gboolean any_failed = FALSE;

  if (path == NULL)
    problem = g_strdup ("has no JUnit report (the command was not prepared by this adapter)");
  else
    cases = read_junit (path, shoal_execution_get_start_time (execution), &problem);

  if (cases == NULL)
    {
      ShoalOutcome outcome = exec_outcome;
      g_autofree char *message = NULL;

      if (outcome == SHOAL_OUTCOME_PASSED || outcome == SHOAL_OUTCOME_SKIPPED)
        {
          outcome = SHOAL_OUTCOME_ERROR;
          message = g_strdup_printf ("%s: %s", described, problem);
        }
      else
        message = g_strdup_printf ("%s; %s", described, problem);
      g_ptr_array_add (results, shoal_adapter_result_for_execution (test, execution, outcome,
                                                                    message));
      return g_steal_pointer (&results);
    }

  for (guint i = 0; i < cases->len; i++)
    any_failed |= ((JunitCase *) g_ptr_array_index (cases, i))->outcome == SHOAL_OUTCOME_FAILED;

  if (cases->len == 1)
    {
      JunitCase *jcase = g_ptr_array_index (cases, 0);
      ShoalTestResult *result;
      ShoalOutcome outcome = jcase->outcome;
      g_autofree char *message = g_strdup (jcase->message);

      if (ended_badly)
        {
          g_free (message);
          message = g_strdup_printf ("%s after the report was written%s%s", described,
                                     jcase->message != NULL ? "\n" : "",
                                     jcase->message != NULL ? jcase->message : "");
          outcome = exec_outcome;
        }
      else if (exec_outcome == SHOAL_OUTCOME_FAILED && outcome != SHOAL_OUTCOME_FAILED)
        {
          g_free (message);
          message = g_strdup_printf ("%s though the report says %s", described,
                                     shoal_outcome_to_string (outcome));
          outcome = SHOAL_OUTCOME_FAILED;
        }
      result = shoal_adapter_result_for_execution (test, execution, outcome, message);
      if (jcase->duration >= 0)
        shoal_test_result_set_duration (result, jcase->duration);
      g_ptr_array_add (results, result);
      return g_steal_pointer (&results);
    }

  for (guint i = 0; i < cases->len; i++)
    {
      JunitCase *jcase = g_ptr_array_index (cases, i);
      g_autofree char *local_id =
          g_strconcat (shoal_test_case_get_local_id (test), "/", jcase->name, NULL);
      g_autoptr (ShoalTestCase) case_test = NULL;
      ShoalTestResult *result;

      for (guint extra = 2; g_hash_table_contains (seen, local_id); extra++)
        {
          g_free (local_id);
          local_id = g_strdup_printf ("%s/%s #%u", shoal_test_case_get_local_id (test),
                                      jcase->name, extra);
        }
      g_hash_table_add (seen, g_strdup (local_id));

      case_test = shoal_test_case_new (shoal_test_case_get_suite (test), local_id);
      shoal_test_case_set_name (case_test, jcase->name);
      result = shoal_adapter_result_for_execution (case_test, execution, jcase->outcome,
                                                   jcase->message);
      if (jcase->duration >= 0)
        shoal_test_result_set_duration (result, jcase->duration);
      g_ptr_array_add (results, result);
    }

  /* The command's own result, when how it ended says more than its
   * cases. */
  if (ended_badly || (exec_outcome == SHOAL_OUTCOME_FAILED && !any_failed))
    {
      g_autofree char *message =
          g_strdup_printf ("%s after its report %s", described,
                           any_failed ? "was written" : "had no failure");

      g_ptr_array_add (results,
                       shoal_adapter_result_for_execution (
                           test, execution, ended_badly ? exec_outcome : SHOAL_OUTCOME_FAILED,
                           message));
    }
  return g_steal_pointer (&results);
}

/* Interpretation: TAP and exit status */

static GPtrArray *
interpret_tap (ShoalTestCase *test, ShoalExecution *execution, const char *output)
{
  g_autoptr (ShoalTapDocument) doc = shoal_tap_document_parse (output, -1);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *verdict_message = NULL;
  g_autofree char *message = NULL;
  ShoalOutcome verdict;
  ShoalOutcome outcome;

  /* One point is the test's own result, unless the command's end needs
   * saying too. */
  if (doc->points->len == 1 &&
      !shoal_tap_command_verdict (doc, execution, SHOAL_TAP_STYLE_PLAIN, &verdict,
                                  &verdict_message))
    {
      outcome = shoal_tap_point_outcome (doc, 0, SHOAL_TAP_STYLE_PLAIN, &message);
      g_ptr_array_add (results,
                       shoal_adapter_result_for_execution (test, execution, outcome, message));
      return g_steal_pointer (&results);
    }
  return shoal_tap_interpret_points (test, execution, doc, SHOAL_TAP_STYLE_PLAIN);
}

static GList *
shoal_custom_adapter_interpret (ShoalAdapter *adapter,
                                ShoalRunCommand *command,
                                ShoalExecution *execution,
                                GError **error)
{
  ShoalCustomAdapter *self = SHOAL_CUSTOM_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  ShoalTestCase *test;
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *output = NULL;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the custom adapter runs one test per command, got %u", tests->len);
      return NULL;
    }
  test = g_ptr_array_index (tests, 0);

  switch (self->results)
    {
    case RESULTS_TAP:
      output = shoal_execution_read_output (execution, 0, &local_error);
      if (output == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                       "cannot read the output of %s: %s", shoal_test_case_get_id (test),
                       local_error->message);
          return NULL;
        }
      results = interpret_tap (test, execution, output);
      break;

    case RESULTS_JUNIT:
      results = interpret_junit (command, test, execution);
      break;

    case RESULTS_EXIT:
    default:
      {
        ShoalOutcome outcome = shoal_execution_get_default_outcome (execution);
        g_autofree char *message = NULL;

        if (outcome != SHOAL_OUTCOME_PASSED)
          message = shoal_execution_describe (execution);
        results = g_ptr_array_new_with_free_func (g_object_unref);
        g_ptr_array_add (results,
                         shoal_adapter_result_for_execution (test, execution, outcome, message));
      }
      break;
    }
  return shoal_object_list_from_array (g_steal_pointer (&results));
}

static gboolean
shoal_custom_adapter_can_batch (ShoalAdapter *adapter)
{
  return FALSE;
}

static void
shoal_custom_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_custom_adapter_configure;
  iface->discover = shoal_custom_adapter_discover;
  iface->prepare = shoal_custom_adapter_prepare;
  iface->interpret = shoal_custom_adapter_interpret;
  iface->can_batch = shoal_custom_adapter_can_batch;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the custom adapter's type on @module and names it `custom`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_custom_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "custom",
                                            SHOAL_TYPE_CUSTOM_ADAPTER, &error))
    g_warning ("Could not register the custom adapter: %s", error->message);
}
