/* shoal-behave-adapter.c: behave, Gherkin feature files with Python steps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: features
 *     adapter: behave
 *     paths: [features]         # feature files or directories (the default)
 *     python: /usr/bin/python3  # an interpreter with behave (the default)
 *     args: [-D, stage=ci]      # added to every behave command
 *     scheme: scenario          # or feature: one test per feature file
 *     cwd: .                    # where behave runs (shoal.yaml's directory)
 * ]|
 *
 * Every scenario is a test, and every row of a Scenario Outline's
 * Examples is one: the id is `<suite>::<file>:<line>`, the file relative
 * to shoal.yaml's directory and the line the scenario's (or the row's),
 * e.g. `features::features/login.feature:12`. That is behave's own
 * location of the scenario, so `python3 -m behave features/login.feature:12`
 * (from shoal.yaml's directory) runs the same test alone. With `scheme:
 * feature` each feature file is one test (`features::features/login.feature`)
 * and still gives one result per scenario, with the ids above.
 *
 * Discovery is behave itself: `behave --dry-run --format=json` over
 * `paths:`, with `args:`, so what is listed is what behave parses (Scenario
 * Outlines expanded, `--include`/`--exclude`, `--lang`, `--stage` applied)
 * and a feature file behave cannot parse is an error of the suite naming
 * the file and line, while the other suites still run. behave runs from
 * `cwd:` as a person would run it, so `environment.py` and the steps
 * directory work unchanged.
 *
 * Tags (the feature's, then the scenario's, without `@`) become Shoal
 * tags, and some also say what the scenario needs:
 *
 * - `@resource.NAME` needs the resource or pool NAME of `resources:` or
 *   `resource_pools:`; `@resource.NAME.N` (N a positive number) needs N
 *   instances of the pool NAME. A NAME declared in neither stops the run
 *   with an error naming the scenario, as for any test.
 * - `@exclusive.NAME` holds the named lock NAME while it runs; a name that
 *   is not declared is an exclusive lock of its own.
 * - `@serial` or a bare `@exclusive` runs the scenario alone.
 *
 * A feature test needs what any of its scenarios needs (the largest count
 * of a pool, as its scenarios run one after the other).
 *
 * Results come from behave's JSON formatter, written to a file of the
 * adapter's private temporary directory, while the `plain` formatter writes
 * the output people read. A scenario passes, fails or is skipped as behave
 * says; its duration is the sum of its steps'. Exactly as in behave's exit
 * status, an undefined step and an exception raised by a step fail the
 * scenario (the message is the step, `Given a step nobody wrote: undefined
 * step`, or the step and behave's error message or traceback), and so does
 * a failing `before_scenario` hook. A skipped scenario's message is the
 * reason it gave `scenario.skip()`, when behave logged one. A scenario
 * behave did not run (a `before_feature` or `before_all` hook failed) is an
 * error with the hook's message.
 *
 * behave writes its JSON one feature at a time, when the feature ends. If
 * behave dies (a crash, a timeout), the scenario it was running, known from
 * the `plain` formatter's headers (the output is unbuffered), is `crashed`
 * or `timeout`; the other scenarios of that feature have no result and are
 * errors saying so. Several scenarios (of any feature files) can run in one
 * behave command: the adapter batches.
 *
 * Checked against behave 1.2.6 (Debian 12): the JSON formatter's fields
 * (`elements` of `type` `scenario` or `background`, `location`, `status`,
 * `tags`, `steps[].result.{status,duration,error_message}`, the last one a
 * string or a list of lines); behave runs `file:line` locations of one
 * file together only when they are consecutive on its command line; with
 * locations it reports the scenarios it did not select as `skipped`; with
 * `--no-skipped` they leave the JSON, so the adapter adds `--show-skipped`
 * after `args:`.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"

/* How long `behave --dry-run` may take: it imports the steps and parses the
 * features, and runs no step and no hook. */
#define DISCOVERY_TIMEOUT 120.0

#define DEFAULT_PYTHON "/usr/bin/python3"

#define SHOAL_TYPE_BEHAVE_ADAPTER (shoal_behave_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalBehaveAdapter, shoal_behave_adapter, SHOAL, BEHAVE_ADAPTER, GObject)

typedef enum
{
  BEHAVE_SCHEME_SCENARIO,
  BEHAVE_SCHEME_FEATURE,
} BehaveScheme;

static const char *const scheme_names[] = { "scenario", "feature", NULL };

typedef struct _BehaveFeature BehaveFeature;

/* One scenario, or one row of a Scenario Outline, as the dry run listed it. */
typedef struct
{
  BehaveFeature *feature; /* its feature, which owns it */
  guint index;            /* in the feature, in file order */
  char *location;         /* as behave prints it (relative to cwd): `file:line` */
  char *local_id;         /* `file:line`, the file relative to the base directory */
  char *name;             /* as behave names it (an outline row: `name -- @1.2 `) */
  char *header;           /* the line the `plain` formatter starts it with */
  char **tags;            /* the feature's, then its own */
} BehaveScenario;

struct _BehaveFeature
{
  guint index;    /* in discovery order */
  char *file;     /* as behave prints it (relative to cwd) */
  char *local_id; /* relative to the base directory */
  char *name;
  char **tags;
  GPtrArray *scenarios; /* (element-type BehaveScenario) */
};

/* What a test of this adapter runs: a scenario, or a whole feature. */
typedef struct
{
  BehaveFeature *feature;
  BehaveScenario *scenario; /* NULL for a feature test */
} BehaveCase;

struct _ShoalBehaveAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *cwd;
  char *cwd_location;
  char **paths;
  char *paths_location;
  char *python;         /* as written */
  char *python_program; /* as run: made absolute when written with a `/` */
  char *python_location;
  gboolean python_is_default;
  char **args;
  char **environment;
  BehaveScheme scheme;

  GPtrArray *features; /* (element-type BehaveFeature) */
  GHashTable *cases;   /* test id -> BehaveCase */

  /* Where behave writes its JSON reports; made on first use. */
  char *report_dir;
  int report_counter; /* (atomic) */
};

static void shoal_behave_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalBehaveAdapter,
                                shoal_behave_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_behave_adapter_iface_init))

static void
behave_scenario_free (gpointer data)
{
  BehaveScenario *scenario = data;

  g_free (scenario->location);
  g_free (scenario->local_id);
  g_free (scenario->name);
  g_free (scenario->header);
  g_strfreev (scenario->tags);
  g_free (scenario);
}

static void
behave_feature_free (gpointer data)
{
  BehaveFeature *feature = data;

  g_free (feature->file);
  g_free (feature->local_id);
  g_free (feature->name);
  g_strfreev (feature->tags);
  g_ptr_array_unref (feature->scenarios);
  g_free (feature);
}

static void
shoal_behave_adapter_clear_discovery (ShoalBehaveAdapter *self)
{
  g_hash_table_remove_all (self->cases);
  g_ptr_array_set_size (self->features, 0);
}

static void
shoal_behave_adapter_clear (ShoalBehaveAdapter *self)
{
  shoal_behave_adapter_clear_discovery (self);
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->paths, g_strfreev);
  g_clear_pointer (&self->paths_location, g_free);
  g_clear_pointer (&self->python, g_free);
  g_clear_pointer (&self->python_program, g_free);
  g_clear_pointer (&self->python_location, g_free);
  g_clear_pointer (&self->args, g_strfreev);
  g_clear_pointer (&self->environment, g_strfreev);
}

/* The report directory holds only files this adapter named; those of runs
 * that never came back to interpret go with it. */
static void
remove_report_dir (ShoalBehaveAdapter *self)
{
  g_autoptr (GDir) dir = NULL;
  const char *entry;

  if (self->report_dir == NULL)
    return;
  dir = g_dir_open (self->report_dir, 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->report_dir, entry, NULL);

      g_unlink (path);
    }
  g_rmdir (self->report_dir);
  g_clear_pointer (&self->report_dir, g_free);
}

static void
shoal_behave_adapter_finalize (GObject *object)
{
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (object);

  shoal_behave_adapter_clear (self);
  remove_report_dir (self);
  g_clear_pointer (&self->cases, g_hash_table_unref);
  g_clear_pointer (&self->features, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_behave_adapter_parent_class)->finalize (object);
}

static void
shoal_behave_adapter_class_init (ShoalBehaveAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_behave_adapter_finalize;
}

static void
shoal_behave_adapter_class_finalize (ShoalBehaveAdapterClass *klass)
{
}

static void
shoal_behave_adapter_init (ShoalBehaveAdapter *self)
{
  self->features = g_ptr_array_new_with_free_func (behave_feature_free);
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Configuration */

static gboolean
read_nonempty_strv (ShoalSettings *settings, const char *key, char ***out_value, GError **error)
{
  g_auto (GStrv) value = NULL;

  if (!shoal_settings_get_strv (settings, key, &value, error))
    return FALSE;
  if (value != NULL && value[0] == NULL)
    {
      shoal_settings_set_error_literal (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }
  for (guint i = 0; value != NULL && value[i] != NULL; i++)
    if (value[i][0] == '\0')
      {
        shoal_settings_set_error_literal (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                          "an entry is empty");
        return FALSE;
      }
  *out_value = g_steal_pointer (&value);
  return TRUE;
}

static gboolean
shoal_behave_adapter_configure (ShoalAdapter *adapter,
                                const char *suite_name,
                                ShoalSettings *settings,
                                GError **error)
{
  static const char *const known_keys[] = { "paths", "python", "args", "scheme",
                                            "cwd", "env", NULL };
  static const char *const default_paths[] = { "features", NULL };
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) paths = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *python = NULL;
  g_autofree char *cwd = NULL;
  guint behave_scheme;

  if (settings == NULL)
    {
      /* Every key has a default; without settings there is no base
       * directory to resolve `features` against. */
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the behave adapter needs its suite's settings", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error) ||
      !read_nonempty_strv (settings, "paths", &paths, error) ||
      !shoal_settings_get_strv (settings, "args", &args, error) ||
      !shoal_settings_get_environ (settings, "env", &environment, error) ||
      !shoal_command_read_cwd (settings, shoal_settings_get_base_dir (settings), &cwd, error))
    return FALSE;

  python = shoal_settings_get_string (settings, "python", DEFAULT_PYTHON, &local_error);
  if (python == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (python[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, "python", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }

  if (!shoal_settings_get_choice (settings, "scheme", scheme_names, BEHAVE_SCHEME_SCENARIO,
                                  &behave_scheme, error))
    return FALSE;

  shoal_behave_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_strdup (shoal_settings_get_base_dir (settings));
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->paths = paths != NULL ? g_steal_pointer (&paths) : g_strdupv ((char **) default_paths);
  self->paths_location = shoal_command_location (settings, "paths");
  self->python = g_steal_pointer (&python);
  self->python_location = shoal_command_location (settings, "python");
  self->python_is_default = !shoal_settings_has_key (settings, "python");
  self->args = g_steal_pointer (&args);
  self->environment = g_steal_pointer (&environment);
  self->scheme = behave_scheme;
  return TRUE;
}

/* Files */

static gboolean
ensure_report_dir (ShoalBehaveAdapter *self, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (self->report_dir != NULL)
    return TRUE;
  self->report_dir = g_dir_make_tmp ("shoal-behave-XXXXXX", &local_error);
  if (self->report_dir == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "cannot make a directory for behave's reports: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* A report file name no other command of this adapter uses. */
static char *
new_report_path (ShoalBehaveAdapter *self, const char *kind, GError **error)
{
  g_autofree char *name = NULL;

  if (!ensure_report_dir (self, error))
    return NULL;
  name = g_strdup_printf ("%s-%d.json", kind, g_atomic_int_add (&self->report_counter, 1));
  return g_build_filename (self->report_dir, name, NULL);
}

/* What behave is told for a path: relative to its working directory when
 * it is below it, as a person would type it. */
static char *
path_for_behave (ShoalBehaveAdapter *self, const char *absolute)
{
  return shoal_command_relative_path (self->cwd, absolute);
}

/* The local id's file part for a file behave printed (relative to cwd, or
 * absolute): relative to the base directory. */
static char *
local_path_for (ShoalBehaveAdapter *self, const char *behave_file)
{
  g_autofree char *absolute = g_canonicalize_filename (behave_file, self->cwd);

  return shoal_command_relative_path (self->base_dir, absolute);
}

/* behave's output */

static gboolean
is_diagnostic_line (const char *line)
{
  static const char *const prefixes[] = { "ParserError",
                                          "ConfigError",
                                          "CONFIG-ERROR",
                                          "FileNotFoundError",
                                          "InvalidFileLocationError",
                                          "InvalidFilenameError",
                                          "Exception ",
                                          "HOOK-ERROR",
                                          "ABORTED",
                                          "Parser failure",
                                          NULL };

  for (guint i = 0; prefixes[i] != NULL; i++)
    if (g_str_has_prefix (line, prefixes[i]))
      return TRUE;
  /* argparse's complaint about an option of `args:`. */
  return strstr (line, "No module named") != NULL || strstr (line, ": error: ") != NULL;
}

/* What behave said went wrong: its error lines, else the last lines of
 * @output; NULL for no output at all. */
static char *
diagnose_output (const char *output, gboolean hooks_only)
{
  g_auto (GStrv) lines = g_strsplit (output != NULL ? output : "", "\n", -1);
  g_autoptr (GString) found = g_string_new (NULL);
  g_autoptr (GPtrArray) tail = g_ptr_array_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strchomp (lines[i]);
      gboolean wanted = hooks_only ? g_str_has_prefix (line, "HOOK-ERROR")
                                   : is_diagnostic_line (line);

      if (line[0] != '\0')
        g_ptr_array_add (tail, (gpointer) line);
      if (!wanted)
        continue;
      if (found->len > 0)
        g_string_append_c (found, '\n');
      g_string_append (found, line);
    }

  if (found->len > 0)
    return g_string_free (g_steal_pointer (&found), FALSE);
  if (hooks_only || tail->len == 0)
    return NULL;
  for (guint i = tail->len > 5 ? tail->len - 5 : 0; i < tail->len; i++)
    {
      if (found->len > 0)
        g_string_append_c (found, '\n');
      g_string_append (found, g_ptr_array_index (tail, i));
    }
  return g_string_free (g_steal_pointer (&found), FALSE);
}

/* `ParserError: Failed to parse "FILE": \nParser failure in state S, at
 * line N: "TEXT"` as `FILE:N: MESSAGE`, FILE relative to the base
 * directory; NULL when @output has no such error. */
static char *
describe_parser_error (ShoalBehaveAdapter *self, const char *output)
{
  static const char marker[] = "ParserError: Failed to parse \"";
  const char *start = strstr (output, marker);
  const char *file_end;
  const char *message;
  const char *message_end;
  const char *at_line;
  g_autofree char *file = NULL;
  g_autofree char *local_file = NULL;
  g_autofree char *text = NULL;
  guint64 line = 0;

  if (start == NULL)
    return NULL;
  start += strlen (marker);
  file_end = strstr (start, "\":");
  if (file_end == NULL)
    return NULL;
  file = g_strndup (start, file_end - start);
  local_file = local_path_for (self, file);

  /* The reason is on the rest of the line, or on the next one. */
  message = file_end + 2;
  while (*message == ' ' || *message == '\n' || *message == '\r')
    message++;
  message_end = strchr (message, '\n');
  text = message_end != NULL ? g_strndup (message, message_end - message) : g_strdup (message);
  g_strchomp (text);

  at_line = strstr (text, "at line ");
  if (at_line != NULL)
    line = g_ascii_strtoull (at_line + strlen ("at line "), NULL, 10);
  if (line > 0)
    return g_strdup_printf ("%s:%" G_GUINT64_FORMAT ": behave cannot parse this feature file: %s",
                            local_file, line, text);
  return g_strdup_printf ("%s: behave cannot parse this feature file: %s", local_file, text);
}

/* Why behave wrote no report: a message naming the interpreter, the file
 * it cannot parse, or what behave printed. */
static char *
describe_no_report (ShoalBehaveAdapter *self, const char *what, const char *output, const char *how)
{
  g_autofree char *parser_error = describe_parser_error (self, output);
  g_autofree char *diagnostic = NULL;

  if (parser_error != NULL)
    return g_steal_pointer (&parser_error);

  if (strstr (output, "No module named behave") != NULL)
    {
      g_autofree char *interpreter =
          self->python_is_default
              ? g_strdup_printf ("%s (the default python)", self->python)
              : g_strdup_printf ("%s: %s", self->python_location, self->python);

      return g_strdup_printf ("%s has no behave module: install behave for it (Debian: "
                              "python3-behave), or set python: to an interpreter that has it",
                              interpreter);
    }

  diagnostic = diagnose_output (output, FALSE);
  if (diagnostic == NULL)
    return g_strdup_printf ("%s %s without a report and printed nothing", what, how);
  return g_strdup_printf ("%s %s without a report: %s", what, how, diagnostic);
}

/* behave's JSON */

/* The features of a report. behave writes the array's opening bracket,
 * then each feature when it ends, and the closing bracket last: a behave
 * that died leaves the features it finished, which are read too. NULL
 * when there is nothing to read. */
static JsonNode *
parse_report (const char *contents)
{
  g_autofree char *trimmed = NULL;
  char *separator;

  if (contents == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (contents));
  if (trimmed[0] != '[')
    return NULL;

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autofree char *text = NULL;
      JsonNode *root;

      switch (attempt)
        {
        case 0: /* whole */
          text = g_strdup (trimmed);
          break;
        case 1: /* cut after a feature, or after the separator before the next */
          if (g_str_has_suffix (trimmed, ","))
            trimmed[strlen (trimmed) - 1] = '\0';
          text = g_strconcat (trimmed, "\n]", NULL);
          break;
        default: /* cut while writing a feature: the features before it */
          separator = g_strrstr (trimmed, "},\n\n{");
          if (separator == NULL)
            return NULL;
          separator[1] = '\0';
          text = g_strconcat (trimmed, "\n]", NULL);
          break;
        }
      if (!json_parser_load_from_data (parser, text, -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
        return json_node_copy (root);
    }
  return NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
member_object (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
array_object (JsonArray *array, guint index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The string elements of @name, or NULL. */
static GStrv
member_strv (JsonObject *object, const char *name)
{
  JsonArray *array = member_array (object, name);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

/* `file:line` into its parts; FALSE when it is not a location. */
static gboolean
split_location (const char *location, char **out_file, guint *out_line)
{
  const char *colon = location != NULL ? strrchr (location, ':') : NULL;
  guint64 line = 0;
  char *end = NULL;

  if (colon == NULL || colon == location || !g_ascii_isdigit (colon[1]))
    return FALSE;
  line = g_ascii_strtoull (colon + 1, &end, 10);
  if (*end != '\0' || line == 0 || line > G_MAXUINT)
    return FALSE;
  if (out_file != NULL)
    *out_file = g_strndup (location, colon - location);
  if (out_line != NULL)
    *out_line = (guint) line;
  return TRUE;
}

static GStrv
merge_tags (const char *const *first, const char *const *second)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; first != NULL && first[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) first[i]))
      g_strv_builder_add (builder, first[i]);
  for (guint i = 0; second != NULL && second[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) second[i]))
      g_strv_builder_add (builder, second[i]);
  return g_strv_builder_end (builder);
}

/* Tags */

/* What the tags of a test ask for. `resources` maps a resource name to its
 * largest count. */
typedef struct
{
  GPtrArray *tags;       /* (element-type utf8) */
  GHashTable *seen_tags; /* tag -> itself, borrowed from tags */
  GPtrArray *resources;  /* resource names, in order */
  GHashTable *counts;    /* name -> GUINT count */
  GPtrArray *locks;
  gboolean exclusive;
  GString *notes;
} TagPlan;

static void
tag_plan_init (TagPlan *plan)
{
  plan->tags = g_ptr_array_new_with_free_func (g_free);
  plan->seen_tags = g_hash_table_new (g_str_hash, g_str_equal);
  plan->resources = g_ptr_array_new_with_free_func (g_free);
  plan->counts = g_hash_table_new (g_str_hash, g_str_equal);
  plan->locks = g_ptr_array_new_with_free_func (g_free);
  plan->exclusive = FALSE;
  plan->notes = g_string_new (NULL);
}

static void
tag_plan_clear (TagPlan *plan)
{
  g_hash_table_unref (plan->seen_tags);
  g_ptr_array_unref (plan->tags);
  g_hash_table_unref (plan->counts);
  g_ptr_array_unref (plan->resources);
  g_ptr_array_unref (plan->locks);
  g_string_free (plan->notes, TRUE);
}

static gboolean
is_positive_number (const char *text)
{
  if (*text == '\0' || strlen (text) > 9)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return g_ascii_strtoull (text, NULL, 10) > 0;
}

static void
tag_plan_add_resource (TagPlan *plan, const char *tag, const char *spec)
{
  g_autofree char *name = g_strdup (spec);
  g_autofree char *request = NULL;
  char *dot = strrchr (name, '.');
  gpointer key;
  gpointer known;
  guint count = 1;

  /* `NAME.N`: N instances of a pool. */
  if (dot != NULL && dot != name && is_positive_number (dot + 1))
    {
      count = (guint) g_ascii_strtoull (dot + 1, NULL, 10);
      *dot = '\0';
    }
  request = count > 1 ? g_strdup_printf ("%s:%u", name, count) : g_strdup (name);
  if (strchr (name, ':') != NULL || !shoal_parse_resource_request (request, NULL, NULL, NULL))
    {
      if (plan->notes->len > 0)
        g_string_append (plan->notes, "; ");
      g_string_append_printf (plan->notes,
                              "the tag @%s asks for no resource: '%s' is not a resource name",
                              tag, name);
      return;
    }

  /* Asked for twice (a feature test): the largest count. */
  if (g_hash_table_lookup_extended (plan->counts, name, &key, &known))
    {
      if (count > GPOINTER_TO_UINT (known))
        g_hash_table_insert (plan->counts, key, GUINT_TO_POINTER (count));
      return;
    }
  g_ptr_array_add (plan->resources, g_steal_pointer (&name));
  g_hash_table_insert (plan->counts, g_ptr_array_index (plan->resources, plan->resources->len - 1),
                       GUINT_TO_POINTER (count));
}

static void
tag_plan_add (TagPlan *plan, const char *const *tags)
{
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      const char *tag = tags[i];

      if (g_hash_table_contains (plan->seen_tags, tag))
        continue;
      g_ptr_array_add (plan->tags, g_strdup (tag));
      g_hash_table_add (plan->seen_tags, g_ptr_array_index (plan->tags, plan->tags->len - 1));

      if (g_str_has_prefix (tag, "resource.") && tag[strlen ("resource.")] != '\0')
        tag_plan_add_resource (plan, tag, tag + strlen ("resource."));
      else if (g_str_has_prefix (tag, "exclusive.") && tag[strlen ("exclusive.")] != '\0')
        g_ptr_array_add (plan->locks, g_strdup (tag + strlen ("exclusive.")));
      else if (g_str_equal (tag, "serial") || g_str_equal (tag, "exclusive"))
        plan->exclusive = TRUE;
    }
}

static void
tag_plan_apply (TagPlan *plan, ShoalTestCase *test)
{
  g_autoptr (GStrvBuilder) resources = g_strv_builder_new ();
  g_auto (GStrv) tags = NULL;
  g_auto (GStrv) requests = NULL;
  g_auto (GStrv) locks = NULL;

  for (guint i = 0; i < plan->resources->len; i++)
    {
      const char *name = g_ptr_array_index (plan->resources, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (plan->counts, name));

      g_autofree char *request =
          count > 1 ? g_strdup_printf ("%s:%u", name, count) : g_strdup (name);

      g_strv_builder_add (resources, request);
    }
  requests = g_strv_builder_end (resources);

  g_ptr_array_add (plan->tags, NULL);
  tags = g_strdupv ((char **) plan->tags->pdata);
  g_ptr_array_remove_index (plan->tags, plan->tags->len - 1);
  g_ptr_array_add (plan->locks, NULL);
  locks = g_strdupv ((char **) plan->locks->pdata);
  g_ptr_array_remove_index (plan->locks, plan->locks->len - 1);

  shoal_test_case_set_tags (test, (const char *const *) tags);
  if (requests[0] != NULL)
    shoal_test_case_set_required_resources (test, (const char *const *) requests);
  if (locks[0] != NULL)
    shoal_test_case_set_locks (test, (const char *const *) locks);
  shoal_test_case_set_exclusive (test, plan->exclusive);
  if (plan->notes->len > 0)
    shoal_test_case_set_note (test, plan->notes->str);
}

/* Discovery */

static GStrv
single_test_argv (ShoalBehaveAdapter *self, const char *location)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, self->python_program, "-m", "behave", NULL);
  if (self->args != NULL)
    g_strv_builder_addv (builder, (const char **) self->args);
  g_strv_builder_add (builder, location);
  return g_strv_builder_end (builder);
}

static ShoalTestCase *
new_test (ShoalBehaveAdapter *self, const char *local_id, const char *name, const char *location)
{
  ShoalTestCase *test = shoal_test_case_new (self->suite, local_id);
  g_auto (GStrv) argv = single_test_argv (self, location);
  g_autofree char *stripped = g_strstrip (g_strdup (name != NULL ? name : ""));

  shoal_test_case_set_name (test, stripped[0] != '\0' ? stripped : local_id);
  shoal_test_case_set_adapter (test, "behave");
  shoal_test_case_set_argv (test, (const char *const *) argv);
  shoal_test_case_set_cwd (test, self->cwd);
  shoal_test_case_set_environment (test, (const char *const *) self->environment);
  return test;
}

/* Reads one feature of the dry run's report; FALSE (with @error) for a
 * report that is not behave's. */
static gboolean
read_feature (ShoalBehaveAdapter *self,
              JsonObject *object,
              BehaveFeature **out_feature,
              GError **error)
{
  const char *location = member_string (object, "location");
  JsonArray *elements = member_array (object, "elements");
  g_autofree char *file = NULL;
  BehaveFeature *feature;

  if (location == NULL || !split_location (location, &file, NULL))
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "behave's JSON report has a feature without a location ('%s')",
                   location != NULL ? location : "none");
      return FALSE;
    }

  feature = g_new0 (BehaveFeature, 1);
  feature->file = g_steal_pointer (&file);
  feature->local_id = local_path_for (self, feature->file);
  feature->name = g_strdup (member_string (object, "name"));
  feature->tags = member_strv (object, "tags");
  feature->scenarios = g_ptr_array_new_with_free_func (behave_scenario_free);

  for (guint i = 0; elements != NULL && i < json_array_get_length (elements); i++)
    {
      JsonObject *element = array_object (elements, i);
      const char *type = element != NULL ? member_string (element, "type") : NULL;
      const char *element_location = element != NULL ? member_string (element, "location") : NULL;
      g_auto (GStrv) own_tags = NULL;
      BehaveScenario *scenario;
      guint line = 0;

      /* A Background's steps run in each scenario; it is no test. */
      if (g_strcmp0 (type, "scenario") != 0)
        continue;
      if (element_location == NULL || !split_location (element_location, NULL, &line))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                       "behave's JSON report has a scenario of %s without a location",
                       feature->local_id);
          behave_feature_free (feature);
          return FALSE;
        }
      own_tags = member_strv (element, "tags");

      scenario = g_new0 (BehaveScenario, 1);
      scenario->feature = feature;
      scenario->index = feature->scenarios->len;
      scenario->location = g_strdup (element_location);
      scenario->local_id = g_strdup_printf ("%s:%u", feature->local_id, line);
      scenario->name = g_strdup (member_string (element, "name"));
      scenario->header = g_strdup_printf ("  %s: %s", member_string (element, "keyword"),
                                          scenario->name != NULL ? scenario->name : "");
      scenario->tags = merge_tags ((const char *const *) feature->tags,
                                   (const char *const *) own_tags);
      g_ptr_array_add (feature->scenarios, scenario);
    }

  *out_feature = feature;
  return TRUE;
}

static void
add_tests (ShoalBehaveAdapter *self, BehaveFeature *feature, GPtrArray *tests)
{
  if (feature->scenarios->len == 0)
    return;

  if (self->scheme == BEHAVE_SCHEME_FEATURE)
    {
      g_autoptr (ShoalTestCase) test =
          new_test (self, feature->local_id, feature->name, feature->file);
      BehaveCase *bcase = g_new0 (BehaveCase, 1);
      TagPlan plan;

      tag_plan_init (&plan);
      tag_plan_add (&plan, (const char *const *) feature->tags);
      for (guint i = 0; i < feature->scenarios->len; i++)
        tag_plan_add (&plan, (const char *const *) ((BehaveScenario *) g_ptr_array_index (
                                                        feature->scenarios, i))
                                 ->tags);
      tag_plan_apply (&plan, test);
      tag_plan_clear (&plan);

      bcase->feature = feature;
      g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), bcase);
      g_ptr_array_add (tests, g_steal_pointer (&test));
      return;
    }

  for (guint i = 0; i < feature->scenarios->len; i++)
    {
      BehaveScenario *scenario = g_ptr_array_index (feature->scenarios, i);
      g_autoptr (ShoalTestCase) test =
          new_test (self, scenario->local_id, scenario->name, scenario->location);
      BehaveCase *bcase = g_new0 (BehaveCase, 1);
      TagPlan plan;

      tag_plan_init (&plan);
      tag_plan_add (&plan, (const char *const *) scenario->tags);
      tag_plan_apply (&plan, test);
      tag_plan_clear (&plan);

      bcase->feature = feature;
      bcase->scenario = scenario;
      g_hash_table_replace (self->cases, g_strdup (shoal_test_case_get_id (test)), bcase);
      g_ptr_array_add (tests, g_steal_pointer (&test));
    }
}

/* The paths as behave is given them; an error naming `paths:` for one that
 * does not exist. */
static GStrv
check_paths (ShoalBehaveAdapter *self, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; self->paths[i] != NULL; i++)
    {
      /* `@FILE` is a file listing features, as behave reads it. */
      const char *path = self->paths[i][0] == '@' ? self->paths[i] + 1 : self->paths[i];
      g_autofree char *absolute = g_canonicalize_filename (path, self->base_dir);
      g_autofree char *relative = NULL;

      if (!g_file_test (absolute, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                       "%s: '%s' not found (no file or directory %s)", self->paths_location,
                       self->paths[i], absolute);
          return NULL;
        }
      relative = path_for_behave (self, absolute);
      if (self->paths[i][0] == '@')
        {
          g_autofree char *listed = g_strconcat ("@", relative, NULL);

          g_strv_builder_add (builder, listed);
        }
      else
        g_strv_builder_add (builder, relative);
    }
  return g_strv_builder_end (builder);
}

static char *
read_and_remove (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    contents = NULL;
  g_unlink (path);
  return contents;
}

static GList *
shoal_behave_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) paths = NULL;
  g_auto (GStrv) argv = NULL;
  g_autofree char *report = NULL;
  g_autofree char *report_arg = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  JsonArray *features;
  int wait_status = 0;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the behave adapter was not configured");
      return NULL;
    }

  shoal_behave_adapter_clear_discovery (self);

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error))
    return NULL;

  g_clear_pointer (&self->python_program, g_free);
  self->python_program = shoal_command_resolve_program (self->python, self->cwd,
                                                        (const char *const *) self->environment,
                                                        self->python_location, &local_error);
  if (self->python_program == NULL)
    {
      if (self->python_is_default)
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s (the default python): install python3-behave, or set python: to an "
                     "interpreter that has behave",
                     local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  paths = check_paths (self, error);
  if (paths == NULL)
    return NULL;

  report = new_report_path (self, "discovery", error);
  if (report == NULL)
    return NULL;
  report_arg = g_strconcat ("--outfile=", report, NULL);

  /* Our formatter first, so that formatters in `args:` keep their own
   * outfiles. */
  g_strv_builder_add_many (builder, self->python_program, "-m", "behave", "--dry-run",
                           "--no-summary", "--no-snippets", "--format=json", report_arg, NULL);
  if (self->args != NULL)
    g_strv_builder_addv (builder, (const char **) self->args);
  g_strv_builder_add (builder, "--show-skipped");
  g_strv_builder_addv (builder, (const char **) paths);
  argv = g_strv_builder_end (builder);

  if (!shoal_spawn_capture ((const char *const *) argv, self->cwd,
                            (const char *const *) self->environment, DISCOVERY_TIMEOUT, &out, &err,
                            &wait_status, cancellable, &local_error))
    {
      g_unlink (report);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else if (g_error_matches (local_error, SHOAL_SCHEDULER_ERROR, SHOAL_SCHEDULER_ERROR_TIMEOUT))
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "`%s -m behave --dry-run` did not finish in %.0f s", self->python,
                     DISCOVERY_TIMEOUT);
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "cannot run `%s -m behave --dry-run`: %s", self->python, local_error->message);
      return NULL;
    }

  contents = read_and_remove (report);
  root = parse_report (contents);
  if (root == NULL)
    {
      g_autofree char *output = g_strconcat (out != NULL ? out : "", err != NULL ? err : "", NULL);
      g_autofree char *what = g_strdup_printf ("`%s -m behave --dry-run`", self->python);
      g_autofree char *how = WIFSIGNALED (wait_status)
                                 ? g_strdup_printf ("was killed by signal %d (%s)",
                                                    WTERMSIG (wait_status),
                                                    g_strsignal (WTERMSIG (wait_status)))
                                 : g_strdup_printf ("exited with status %d",
                                                    WEXITSTATUS (wait_status));
      g_autofree char *message = describe_no_report (self, what, output, how);

      g_set_error_literal (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY, message);
      return NULL;
    }

  /* The dry run exits with 1 when a step is undefined: the report, not the
   * exit status, says whether it listed the features. */
  features = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *object = array_object (features, i);
      BehaveFeature *feature = NULL;

      if (object == NULL)
        continue;
      if (!read_feature (self, object, &feature, error))
        {
          shoal_behave_adapter_clear_discovery (self);
          return NULL;
        }
      /* A file reached through two paths runs once. */
      if (!g_hash_table_add (seen, feature->local_id))
        {
          behave_feature_free (feature);
          continue;
        }
      feature->index = self->features->len;
      g_ptr_array_add (self->features, feature);
      add_tests (self, feature, tests);
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

static int
compare_cases (gconstpointer a, gconstpointer b)
{
  const BehaveCase *ca = *(BehaveCase *const *) a;
  const BehaveCase *cb = *(BehaveCase *const *) b;
  guint fa = ca->feature->index;
  guint fb = cb->feature->index;
  guint ia = ca->scenario != NULL ? ca->scenario->index : 0;
  guint ib = cb->scenario != NULL ? cb->scenario->index : 0;

  if (fa != fb)
    return (fa > fb) - (fa < fb);
  return (ia > ib) - (ia < ib);
}

static const char *
report_path_of (ShoalRunCommand *command)
{
  const char *const *argv = shoal_run_command_get_argv (command);

  for (guint i = 0; argv[i] != NULL && argv[i + 1] != NULL; i++)
    if (g_str_equal (argv[i], "--format=json") && g_str_has_prefix (argv[i + 1], "--outfile="))
      return argv[i + 1] + strlen ("--outfile=");
  return NULL;
}

static ShoalRunCommand *
shoal_behave_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (adapter);
  ShoalTestCase *first = g_ptr_array_index (tests, 0);
  g_autoptr (GPtrArray) cases = g_ptr_array_new ();
  g_autoptr (GHashTable) test_of = g_hash_table_new (NULL, NULL);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (ShoalRunCommand) command = NULL;
  g_auto (GStrv) argv = NULL;
  g_autofree char *report = NULL;
  g_autofree char *report_arg = NULL;

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      BehaveCase *bcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

      if (bcase == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot run %s: this behave adapter did not discover it",
                       shoal_test_case_get_id (test));
          return NULL;
        }
      if (!g_hash_table_insert (test_of, bcase, test))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s is twice in the batch", shoal_test_case_get_id (test));
          return NULL;
        }
      g_ptr_array_add (cases, bcase);
    }
  /* behave runs the locations of one file together only when they follow
   * each other, and a feature's scenarios in file order: the command names
   * them, and lists its tests, in the order of discovery, which is the
   * order behave runs them in; interpret relies on it. */
  g_ptr_array_sort (cases, compare_cases);

  report = new_report_path (self, "run", error);
  if (report == NULL)
    return NULL;
  report_arg = g_strconcat ("--outfile=", report, NULL);

  g_strv_builder_add_many (builder, self->python_program, "-m", "behave", "--format=plain",
                           "--outfile=-", "--format=json", report_arg, NULL);
  if (self->args != NULL)
    g_strv_builder_addv (builder, (const char **) self->args);
  g_strv_builder_add (builder, "--show-skipped");
  for (guint i = 0; i < cases->len; i++)
    {
      BehaveCase *bcase = g_ptr_array_index (cases, i);

      g_strv_builder_add (builder, bcase->scenario != NULL ? bcase->scenario->location
                                                           : bcase->feature->file);
    }
  argv = g_strv_builder_end (builder);

  command = shoal_run_command_new ((const char *const *) argv);
  shoal_run_command_set_cwd (command, self->cwd);
  shoal_run_command_set_environment (command, shoal_test_case_get_environment (first));
  /* So that the output holds every scenario header up to a crash. */
  shoal_run_command_setenv (command, "PYTHONUNBUFFERED", "1");
  for (guint i = 0; i < cases->len; i++)
    shoal_run_command_add_test (command, g_hash_table_lookup (test_of, cases->pdata[i]));
  return g_steal_pointer (&command);
}

/* Interpretation */

/* One result to give: a scenario of the command, with what behave reported
 * for it (NULL when it reported nothing). */
typedef struct
{
  ShoalTestCase *test;      /* (owned) */
  BehaveScenario *scenario; /* NULL for a scenario discovery did not see */
  JsonObject *element;      /* (nullable) borrowed from the report */
  gboolean started;         /* its header is in the output */
  gboolean is_test;         /* a scheduled test itself, not a scenario of one */
} Unit;

static void
unit_free (gpointer data)
{
  Unit *unit = data;

  g_object_unref (unit->test);
  g_free (unit);
}

static char *
join_error_message (JsonObject *result)
{
  JsonNode *node = json_object_get_member (result, "error_message");
  g_auto (GStrv) lines = NULL;

  if (node == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  lines = member_strv (result, "error_message");
  return g_strjoinv ("\n", lines);
}

/* The reason behave logged for skipping @name: `SKIP Scenario NAME: REASON`
 * (or `SKIP FEATURE NAME: REASON` for its feature). */
static char *
find_skip_reason (const char *output, const char *kind, const char *name)
{
  g_autofree char *marker = NULL;
  const char *found;
  const char *end;

  if (output == NULL || name == NULL)
    return NULL;
  marker = g_strdup_printf ("SKIP %s %s: ", kind, name);
  found = strstr (output, marker);
  if (found == NULL)
    return NULL;
  found += strlen (marker);
  end = strchr (found, '\n');
  return end != NULL ? g_strndup (found, end - found) : g_strdup (found);
}

/* The outcome behave gave @element, the message of its failing step, and
 * the time its steps took. */
static ShoalOutcome
element_outcome (JsonObject *element,
                 const char *feature_name,
                 const char *output,
                 gboolean alone,
                 char **out_message,
                 double *out_duration)
{
  const char *status = member_string (element, "status");
  JsonArray *steps = member_array (element, "steps");
  g_autofree char *message = NULL;
  double duration = 0;

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = array_object (steps, i);
      JsonObject *result = step != NULL ? member_object (step, "result") : NULL;
      const char *step_status = result != NULL ? member_string (result, "status") : NULL;
      JsonNode *seconds = result != NULL ? json_object_get_member (result, "duration") : NULL;

      if (seconds != NULL && JSON_NODE_HOLDS_VALUE (seconds))
        duration += json_node_get_double (seconds);
      if (message != NULL || step_status == NULL)
        continue;
      if (g_str_equal (step_status, "failed"))
        {
          g_autofree char *error_message = join_error_message (result);

          if (error_message == NULL || error_message[0] == '\0')
            message = g_strdup_printf ("%s %s: failed", member_string (step, "keyword"),
                                       member_string (step, "name"));
          else
            message = g_strdup_printf ("%s %s:%s%s", member_string (step, "keyword"),
                                       member_string (step, "name"),
                                       strchr (error_message, '\n') != NULL ? "\n" : " ",
                                       error_message);
        }
      else if (g_str_equal (step_status, "undefined"))
        message = g_strdup_printf ("%s %s: undefined step (no step definition matches it)",
                                   member_string (step, "keyword"), member_string (step, "name"));
    }
  *out_duration = duration;

  if (g_strcmp0 (status, "passed") == 0)
    {
      *out_message = NULL;
      return SHOAL_OUTCOME_PASSED;
    }
  if (g_strcmp0 (status, "skipped") == 0)
    {
      *out_message = find_skip_reason (output, "Scenario", member_string (element, "name"));
      if (*out_message == NULL)
        *out_message = find_skip_reason (output, "FEATURE", feature_name);
      return SHOAL_OUTCOME_SKIPPED;
    }
  if (g_strcmp0 (status, "failed") == 0 || g_strcmp0 (status, "undefined") == 0)
    {
      if (message == NULL)
        {
          /* No step failed: a scenario hook did (before_scenario stops the
           * steps), or a cleanup. Its message is in the output, which only
           * says whose it is when the command ran one scenario. */
          g_autofree char *hooks = alone ? diagnose_output (output, TRUE) : NULL;

          message = hooks != NULL
                        ? g_strdup_printf ("failed outside its steps: %s", hooks)
                        : g_strdup ("failed outside its steps (a hook or a cleanup failed; see "
                                    "the output)");
        }
      *out_message = g_steal_pointer (&message);
      return SHOAL_OUTCOME_FAILED;
    }

  /* `untested`: behave stopped before it (a failed before_all or
   * before_feature hook, an interruption). */
  {
    g_autofree char *diagnostic = diagnose_output (output, TRUE);

    if (g_strcmp0 (status, "untested") == 0)
      *out_message = diagnostic != NULL
                         ? g_strdup_printf ("not run: %s", diagnostic)
                         : g_strdup ("not run: behave stopped before this scenario");
    else
      *out_message = g_strdup_printf ("behave reported the status '%s'",
                                      status != NULL ? status : "none");
  }
  return SHOAL_OUTCOME_ERROR;
}

/* Marks the units whose scenario header the `plain` formatter printed. It
 * prints one for every scenario of the command's features, in order
 * (`--show-skipped`), so each line is looked for from the last one found. */
static void
mark_started (GPtrArray *features, GPtrArray *units, const char *output)
{
  g_autoptr (GPtrArray) expected = g_ptr_array_new ();
  g_autoptr (GHashTable) started = g_hash_table_new (NULL, NULL);
  g_auto (GStrv) lines = g_strsplit (output != NULL ? output : "", "\n", -1);
  guint next = 0;

  for (guint f = 0; f < features->len; f++)
    {
      BehaveFeature *feature = g_ptr_array_index (features, f);

      g_ptr_array_extend (expected, feature->scenarios, NULL, NULL);
    }

  for (guint i = 0; lines[i] != NULL && next < expected->len; i++)
    for (guint k = next; k < expected->len; k++)
      if (g_str_equal (lines[i], ((BehaveScenario *) g_ptr_array_index (expected, k))->header))
        {
          g_hash_table_add (started, g_ptr_array_index (expected, k));
          next = k + 1;
          break;
        }

  for (guint i = 0; i < units->len; i++)
    {
      Unit *unit = g_ptr_array_index (units, i);

      unit->started = unit->scenario != NULL && g_hash_table_contains (started, unit->scenario);
    }
}

static ShoalTestCase *
new_point_case (ShoalTestCase *test, const char *local_id, const char *name)
{
  ShoalTestCase *point = shoal_test_case_new (shoal_test_case_get_suite (test), local_id);
  g_autofree char *stripped = g_strstrip (g_strdup (name != NULL ? name : ""));

  shoal_test_case_set_name (point, stripped[0] != '\0' ? stripped : local_id);
  shoal_test_case_set_adapter (point, "behave");
  shoal_test_case_set_note (point, shoal_test_case_get_note (test));
  return point;
}

static BehaveScenario *
find_scenario (BehaveFeature *feature, const char *location)
{
  for (guint i = 0; i < feature->scenarios->len; i++)
    {
      BehaveScenario *scenario = g_ptr_array_index (feature->scenarios, i);

      if (g_str_equal (scenario->location, location))
        return scenario;
    }
  return NULL;
}

/* The units of a feature test: the scenarios behave reported for it, else
 * (it reported nothing) those discovery listed. */
static void
add_feature_units (ShoalTestCase *test,
                   BehaveFeature *feature,
                   JsonObject *reported,
                   GHashTable *elements,
                   GPtrArray *units)
{
  JsonArray *reported_elements = reported != NULL ? member_array (reported, "elements") : NULL;

  if (reported_elements != NULL)
    {
      for (guint i = 0; i < json_array_get_length (reported_elements); i++)
        {
          JsonObject *element = array_object (reported_elements, i);
          const char *location = element != NULL ? member_string (element, "location") : NULL;
          g_autofree char *local_id = NULL;
          Unit *unit;
          guint line = 0;

          if (g_strcmp0 (member_string (element, "type"), "scenario") != 0 ||
              !split_location (location, NULL, &line))
            continue;
          local_id = g_strdup_printf ("%s:%u", feature->local_id, line);
          unit = g_new0 (Unit, 1);
          unit->test = new_point_case (test, local_id, member_string (element, "name"));
          unit->scenario = find_scenario (feature, location);
          unit->element = element;
          g_ptr_array_add (units, unit);
        }
      return;
    }

  for (guint i = 0; i < feature->scenarios->len; i++)
    {
      BehaveScenario *scenario = g_ptr_array_index (feature->scenarios, i);
      Unit *unit = g_new0 (Unit, 1);

      unit->test = new_point_case (test, scenario->local_id, scenario->name);
      unit->scenario = scenario;
      unit->element = g_hash_table_lookup (elements, scenario->location);
      g_ptr_array_add (units, unit);
    }
}

static ShoalTestResult *
unit_result (Unit *unit,
             ShoalExecution *execution,
             ShoalOutcome outcome,
             const char *message,
             double duration)
{
  ShoalTestResult *result = shoal_adapter_result_for_execution (unit->test, execution, outcome,
                                                                message);

  shoal_test_result_set_duration (result, duration);
  return result;
}

static GList *
shoal_behave_adapter_interpret (ShoalAdapter *adapter,
                                ShoalRunCommand *command,
                                ShoalExecution *execution,
                                GError **error)
{
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  const char *report = report_path_of (command);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) units = g_ptr_array_new_with_free_func (unit_free);
  g_autoptr (GPtrArray) features = g_ptr_array_new ();
  g_autoptr (GHashTable) reported_features =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) elements = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *output = NULL;
  g_autofree char *described = shoal_execution_describe (execution);
  g_autofree char *no_report = NULL;
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  gboolean died = !shoal_execution_get_exited (execution) ||
                  shoal_execution_get_timed_out (execution) ||
                  shoal_execution_get_interrupted (execution);
  BehaveScenario *dying = NULL;
  double known_duration = 0;
  gboolean any_failed = FALSE;

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command runs no test");
      return NULL;
    }
  if (report == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command of %s writes no behave report",
                   shoal_test_case_get_id (g_ptr_array_index (tests, 0)));
      return NULL;
    }

  output = shoal_execution_read_output (execution, 0, &local_error);
  if (output == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "cannot read the output of %s: %s",
                   shoal_test_case_get_id (g_ptr_array_index (tests, 0)), local_error->message);
      return NULL;
    }
  contents = read_and_remove (report);
  root = parse_report (contents);

  /* What behave reported, by location. */
  for (guint i = 0; root != NULL && i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonObject *feature = array_object (json_node_get_array (root), i);
      JsonArray *feature_elements = feature != NULL ? member_array (feature, "elements") : NULL;
      g_autofree char *file = NULL;

      if (feature == NULL || !split_location (member_string (feature, "location"), &file, NULL))
        continue;
      g_hash_table_insert (reported_features, g_steal_pointer (&file), feature);
      for (guint e = 0;
           feature_elements != NULL && e < json_array_get_length (feature_elements); e++)
        {
          JsonObject *element = array_object (feature_elements, e);
          const char *location = element != NULL ? member_string (element, "location") : NULL;

          if (location != NULL && g_strcmp0 (member_string (element, "type"), "scenario") == 0)
            g_hash_table_insert (elements, (gpointer) location, element);
        }
    }

  /* The scenarios to give a result for, in the order behave ran them. */
  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      BehaveCase *bcase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

      if (bcase == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                       "cannot read the result of %s: this behave adapter did not discover it",
                       shoal_test_case_get_id (test));
          return NULL;
        }
      if (!g_ptr_array_find (features, bcase->feature, NULL))
        g_ptr_array_add (features, bcase->feature);

      if (bcase->scenario != NULL)
        {
          Unit *unit = g_new0 (Unit, 1);

          unit->test = g_object_ref (test);
          unit->is_test = TRUE;
          unit->scenario = bcase->scenario;
          unit->element = g_hash_table_lookup (elements, bcase->scenario->location);
          g_ptr_array_add (units, unit);
        }
      else
        {
          guint before = units->len;

          add_feature_units (test, bcase->feature,
                             g_hash_table_lookup (reported_features, bcase->feature->file),
                             elements, units);
          /* A feature behave reported without scenarios (a failed
           * before_feature hook) still gets a result. */
          if (units->len == before)
            {
              Unit *unit = g_new0 (Unit, 1);

              unit->test = g_object_ref (test);
              g_ptr_array_add (units, unit);
            }
        }
    }

  mark_started (features, units, output);

  /* The scenario behave was running when it died: the last one it started
   * that has no result; else, the first without a result. */
  if (died)
    {
      for (guint i = 0; i < units->len; i++)
        {
          Unit *unit = g_ptr_array_index (units, i);

          if (unit->element == NULL && unit->started)
            dying = unit->scenario;
        }
      for (guint i = 0; dying == NULL && i < units->len; i++)
        {
          Unit *unit = g_ptr_array_index (units, i);

          if (unit->element == NULL && unit->scenario != NULL)
            dying = unit->scenario;
        }
    }
  else if (root == NULL)
    no_report = describe_no_report (self, "behave", output, described);

  for (guint i = 0; i < units->len; i++)
    {
      Unit *unit = g_ptr_array_index (units, i);
      ShoalOutcome outcome;
      g_autofree char *message = NULL;
      double duration = 0;

      if (unit->element != NULL)
        {
          const char *feature_name = unit->scenario != NULL ? unit->scenario->feature->name : NULL;

          outcome = element_outcome (unit->element, feature_name, output, units->len == 1,
                                     &message, &duration);
          known_duration += duration;
        }
      else if (died && unit->scenario != NULL && unit->scenario == dying)
        {
          outcome = exec_outcome == SHOAL_OUTCOME_PASSED || exec_outcome == SHOAL_OUTCOME_SKIPPED
                        ? SHOAL_OUTCOME_FAILED
                        : exec_outcome;
          message = g_strdup_printf ("%s while running %s", described, unit->scenario->location);
        }
      else if (died && dying != NULL && unit->is_test)
        {
          /* A scenario test that did not run, or whose result behave died
           * before writing: no result, and the core runs it again. */
          g_ptr_array_add (results, NULL);
          continue;
        }
      else if (died && dying != NULL)
        {
          /* A scenario of a feature test (scheme: feature). */
          outcome = SHOAL_OUTCOME_ERROR;
          if (unit->started)
            message = g_strdup_printf ("no result: %s while running %s, before behave "
                                       "reported this scenario's feature",
                                       described, dying->location);
          else
            message = g_strdup_printf ("did not run: %s while running %s", described,
                                       dying->location);
        }
      else if (died)
        {
          /* Died before any scenario of the command (a hook of the
           * feature, say). */
          outcome = exec_outcome == SHOAL_OUTCOME_PASSED || exec_outcome == SHOAL_OUTCOME_SKIPPED
                        ? SHOAL_OUTCOME_FAILED
                        : exec_outcome;
          message = g_strdup_printf ("%s before behave ran this scenario", described);
        }
      else if (no_report != NULL)
        {
          outcome = SHOAL_OUTCOME_ERROR;
          message = g_strdup (no_report);
        }
      else
        {
          /* Reported, but not this scenario: behave did not run it. */
          g_autofree char *diagnostic = diagnose_output (output, TRUE);

          outcome = SHOAL_OUTCOME_ERROR;
          if (diagnostic != NULL)
            message = g_strdup_printf ("not run: %s", diagnostic);
          else if (unit->scenario != NULL)
            message = g_strdup_printf ("behave did not run %s (did `--stop` end the run "
                                       "early? is the scenario still in the feature file?)",
                                       unit->scenario->location);
          else
            message = g_strdup ("behave reported no scenario of this feature");
        }

      any_failed |= outcome != SHOAL_OUTCOME_PASSED && outcome != SHOAL_OUTCOME_SKIPPED;
      g_ptr_array_add (results, unit_result (unit, execution, outcome, message, duration));
    }

  /* The dying scenario ran for whatever time the others did not take. */
  if (dying != NULL)
    for (guint i = 0; i < units->len; i++)
      if (((Unit *) g_ptr_array_index (units, i))->scenario == dying &&
          ((Unit *) g_ptr_array_index (units, i))->element == NULL &&
          g_ptr_array_index (results, i) != NULL)
        shoal_test_result_set_duration (
            g_ptr_array_index (results, i),
            MAX (0.0, shoal_execution_get_duration (execution) - known_duration));

  /* Every scenario reported and none failed, yet behave ended badly (a
   * failed after_all hook, a crash at exit): that is on the scenarios
   * that passed. */
  if (!any_failed && exec_outcome != SHOAL_OUTCOME_PASSED)
    {
      g_autofree char *hooks = diagnose_output (output, TRUE);

      for (guint i = 0; i < results->len; i++)
        {
          ShoalTestResult *result = g_ptr_array_index (results, i);
          g_autofree char *message = NULL;

          if (result == NULL || shoal_test_result_get_outcome (result) != SHOAL_OUTCOME_PASSED)
            continue;
          message = hooks != NULL
                        ? g_strdup_printf ("%s after the scenario passed: %s", described, hooks)
                        : g_strdup_printf ("%s after the scenario passed", described);
          shoal_test_result_set_outcome (result, exec_outcome == SHOAL_OUTCOME_SKIPPED
                                                     ? SHOAL_OUTCOME_FAILED
                                                     : exec_outcome);
          shoal_test_result_set_message (result, message);
        }
    }

  for (guint i = results->len; i > 0; i--)
    if (results->pdata[i - 1] == NULL)
      g_ptr_array_steal_index (results, i - 1);
  return shoal_object_list_from_array (g_steal_pointer (&results));
}

static gboolean
shoal_behave_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

/* Any scenarios (or features) of the suite may share a process: behave
 * itself runs all of a suite's features in one process, and prepare puts
 * them in one `python -m behave ARGS... LOCATION...` command of the
 * suite's interpreter and arguments, from the suite's `cwd:`. A test this
 * adapter did not discover runs alone (prepare refuses it). */
static char *
shoal_behave_adapter_get_batch_key (ShoalAdapter *adapter, ShoalTestCase *test)
{
  ShoalBehaveAdapter *self = SHOAL_BEHAVE_ADAPTER (adapter);
  g_autofree char *args = NULL;

  if (!g_hash_table_contains (self->cases, shoal_test_case_get_id (test)))
    return NULL;
  if (self->args != NULL)
    args = g_strjoinv ("\n", self->args);
  return g_strconcat (self->python_program, "\n-m\nbehave\n", args, NULL);
}

static void
shoal_behave_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_behave_adapter_configure;
  iface->discover = shoal_behave_adapter_discover;
  iface->prepare = shoal_behave_adapter_prepare;
  iface->interpret = shoal_behave_adapter_interpret;
  iface->can_batch = shoal_behave_adapter_can_batch;
  iface->get_batch_key = shoal_behave_adapter_get_batch_key;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the behave adapter's type on @module and names it `behave`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_behave_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "behave",
                                            SHOAL_TYPE_BEHAVE_ADAPTER, &error))
    g_warning ("Could not register the behave adapter: %s", error->message);
}
