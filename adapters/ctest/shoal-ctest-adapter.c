/* shoal-ctest-adapter.c: the tests of a CMake build tree (CTest)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: cmake
 *     adapter: ctest
 *     build_dir: _build             # required; relative to shoal.yaml
 *     args: [-L, unit]              # added to `ctest --show-only=json-v1`
 *     ctest: /opt/cmake/bin/ctest   # default: ctest from PATH
 *     resource_spec_file: res.json  # default: CTEST_RESOURCE_SPEC_FILE of the build
 * ]|
 *
 * Discovery runs `ctest --show-only=json-v1 ARGS...` in `build_dir` (so
 * `-R`, `-E`, `-L`, `-C` select as they do for ctest, fixtures included)
 * and reads the JSON object model of ctest(1) ("Show as JSON Object
 * Model"). Each ctest test is a Shoal test `<suite>::<ctest name>`, run by
 * executing its `command` directly (an argument vector, never a shell) in
 * its `WORKING_DIRECTORY` with its `ENVIRONMENT`. Its properties map to
 * Shoal's model:
 *
 * - `DEPENDS`: order only, as in ctest (a failed dependency does not stop
 *   the dependent); names not in the listing are ignored, as ctest does.
 * - `FIXTURES_SETUP`/`FIXTURES_REQUIRED`/`FIXTURES_CLEANUP`: a test that
 *   requires a fixture runs after its setup tests and is skipped if one of
 *   them failed (Shoal `skip_if_failed`), as ctest does ("Fixture
 *   dependency failed"): a setup that timed out, crashed or could not run
 *   counts as failed, and so does one skipped because a fixture it
 *   requires failed, while a setup that passed or was skipped
 *   (SKIP_RETURN_CODE, SKIP_REGULAR_EXPRESSION) lets the test run. A
 *   cleanup test runs after the setups and the tests that require the
 *   fixture (order only, so it runs even after a failure) and is marked
 *   as a cleanup that still runs when the run is interrupted. Selecting a
 *   subset in Shoal (`shoal run PATTERN`) does not add the fixtures'
 *   setup and cleanup tests; `args: [-R, REGEX]` does, as in ctest.
 * - `RESOURCE_LOCK`: named locks; `RUN_SERIAL`: the test runs alone.
 * - `PROCESSORS`: worker slots, at most the machine's CPU count (ctest
 *   clamps it to its `-j` level the same way). Shoal refuses a run whose
 *   `max_workers` is below a test's slots; a `tests:` rule with `slots:`
 *   overrides them.
 * - `TIMEOUT`: the test's timeout; an explicit 0 means none, as in ctest
 *   (10^7 s, ctest's own "none").
 * - `LABELS`: tags.
 * - `DISABLED`: reported skipped ("Disabled"), never run; it holds no
 *   lock, pool or slot, and takes no part in fixtures (a disabled setup
 *   counts as passed, as in ctest).
 * - `WILL_FAIL`, `SKIP_RETURN_CODE`, `PASS_REGULAR_EXPRESSION`,
 *   `FAIL_REGULAR_EXPRESSION`, `SKIP_REGULAR_EXPRESSION`: the outcome is
 *   decided as cmCTestRunTest::EndTest decides it: on the output (standard
 *   output and error together), a pass expression makes the exit status
 *   irrelevant, a fail expression fails, a skip expression or the skip
 *   return code skips, and WILL_FAIL inverts pass and fail of a test that
 *   exited (a crash or a time out stays one). Any other exit status than
 *   0 fails: 77 is not a skip here. The expressions are compiled with
 *   GRegex (PCRE) the way CMake's own engine matches: `^` and `$` at the
 *   ends of the whole output only, `.` matching newlines, bytes rather
 *   than UTF-8; CMake's syntax is a subset of PCRE's.
 * - `ENVIRONMENT_MODIFICATION`: applied when the test starts, with ctest's
 *   rules for every operation (`set`, `unset`, `reset`, `string_append`,
 *   `path_list_prepend`, ...), by shoal-ctest-exec (see its header).
 * - `REQUIRED_FILES`: checked when the test is about to start (relative to
 *   its working directory); a missing one makes it an error, as ctest does
 *   not run it.
 * - `RESOURCE_GROUPS`, with a resource specification file (the
 *   `resource_spec_file:` setting, else `CTEST_RESOURCE_SPEC_FILE` of the
 *   build, read from its top-level CTestTestfile.cmake; without one ctest
 *   ignores the groups and so does Shoal): every resource type of the file
 *   is a resource pool of that name with as many instances as the type
 *   has slots over all its ids (a `resource_pools:` entry of the same name
 *   takes precedence). A test asks for `TYPE:N`, N the slots its groups
 *   need of the type, and shoal-ctest-exec turns the instances it is given
 *   into ctest's `CTEST_RESOURCE_GROUP_*` variables when it starts. A
 *   group's requirement gets slots of one id whenever the instances held
 *   allow it; when the slots free at start are spread over ids so that
 *   they do not, it shares an id beyond its slots (a note on standard
 *   error says so) where ctest would have waited. A test whose groups
 *   cannot fit the specification at all is an error, as ctest reports
 *   "Insufficient resources".
 *
 * A test whose command ctest does not list (its executable is not built)
 * is an error when it is due to run, as ctest does not run it. Other
 * properties (COST, ATTACHED_FILES, MEASUREMENT, TIMEOUT_AFTER_MATCH, ...)
 * are not used.
 *
 * A build directory that does not exist, a ctest that cannot be found or
 * fails, and a build directory without tests are discovery errors naming
 * the setting (file, line and column); the other suites still run.
 */

#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/wait.h>

#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"
#include "shoal-ctest-resources.h"

/* `ctest --show-only` reads the CTestTestfile.cmake files, nothing more. */
#define DISCOVERY_TIMEOUT 120.0
/* What ctest computes for a test without a timeout. */
#define NO_TIMEOUT 1e7
#define HELPER_NAME "shoal-ctest-exec"

#define SHOAL_TYPE_CTEST_ADAPTER (shoal_ctest_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalCtestAdapter, shoal_ctest_adapter, SHOAL, CTEST_ADAPTER, GObject)

typedef struct
{
  GRegex *regex;
  char *pattern;
} CtestRegex;

/* One resource type of the specification file. */
typedef struct
{
  char *type;
  GPtrArray *ids; /* (element-type utf8) */
  GArray *slots;  /* guint per id */
  guint total;
} SpecType;

/* What running and judging one test needs beyond its ShoalTestCase. */
typedef struct
{
  char **command;  /* NULL when ctest lists none */
  char **env_mods; /* ENVIRONMENT_MODIFICATION, or NULL */
  char **groups;   /* `TYPE:SLOTS,...` per group, or NULL */
  char **required_files;
  GPtrArray *pass_regex; /* (element-type CtestRegex) */
  GPtrArray *fail_regex;
  GPtrArray *skip_regex;
  char *not_run; /* why it cannot run, or NULL */
  gboolean disabled;
  gboolean will_fail;
  gboolean has_skip_code;
  gint64 skip_code;
} CtestCase;

/* A test as read from the listing, before the fixtures link it. */
typedef struct
{
  ShoalTestCase *test;
  CtestCase *ccase;
  char **depends;
  char **fixtures_setup;
  char **fixtures_cleanup;
  char **fixtures_required;
} Listed;

struct _ShoalCtestAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *build_dir;
  char *build_dir_location;
  char *ctest;
  char *ctest_location;
  gboolean ctest_configured;
  char **args;
  char *spec_file; /* resource_spec_file:, or NULL */
  char *spec_location;

  char *helper;         /* found at discovery when a test needs it */
  GPtrArray *spec;      /* (element-type SpecType) of the file in use, or NULL */
  gboolean uses_groups; /* some test asks for the spec's pools */
  GHashTable *cases;    /* test id -> CtestCase */
};

static void shoal_ctest_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalCtestAdapter,
                                shoal_ctest_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_ctest_adapter_iface_init))

static void
ctest_regex_free (gpointer data)
{
  CtestRegex *regex = data;

  g_clear_pointer (&regex->regex, g_regex_unref);
  g_free (regex->pattern);
  g_free (regex);
}

static void
spec_type_free (gpointer data)
{
  SpecType *type = data;

  g_free (type->type);
  g_ptr_array_unref (type->ids);
  g_array_unref (type->slots);
  g_free (type);
}

static void
ctest_case_free (gpointer data)
{
  CtestCase *ccase = data;

  g_strfreev (ccase->command);
  g_strfreev (ccase->env_mods);
  g_strfreev (ccase->groups);
  g_strfreev (ccase->required_files);
  g_clear_pointer (&ccase->pass_regex, g_ptr_array_unref);
  g_clear_pointer (&ccase->fail_regex, g_ptr_array_unref);
  g_clear_pointer (&ccase->skip_regex, g_ptr_array_unref);
  g_free (ccase->not_run);
  g_free (ccase);
}

static void
listed_free (gpointer data)
{
  Listed *listed = data;

  g_clear_object (&listed->test);
  if (listed->ccase != NULL)
    ctest_case_free (listed->ccase);
  g_strfreev (listed->depends);
  g_strfreev (listed->fixtures_setup);
  g_strfreev (listed->fixtures_cleanup);
  g_strfreev (listed->fixtures_required);
  g_free (listed);
}

static void
shoal_ctest_adapter_clear_discovery (ShoalCtestAdapter *self)
{
  g_hash_table_remove_all (self->cases);
  g_clear_pointer (&self->spec, g_ptr_array_unref);
  g_clear_pointer (&self->helper, g_free);
  self->uses_groups = FALSE;
}

static void
shoal_ctest_adapter_clear (ShoalCtestAdapter *self)
{
  shoal_ctest_adapter_clear_discovery (self);
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->build_dir, g_free);
  g_clear_pointer (&self->build_dir_location, g_free);
  g_clear_pointer (&self->ctest, g_free);
  g_clear_pointer (&self->ctest_location, g_free);
  g_clear_pointer (&self->args, g_strfreev);
  g_clear_pointer (&self->spec_file, g_free);
  g_clear_pointer (&self->spec_location, g_free);
}

static void
shoal_ctest_adapter_finalize (GObject *object)
{
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (object);

  shoal_ctest_adapter_clear (self);
  g_clear_pointer (&self->cases, g_hash_table_unref);

  G_OBJECT_CLASS (shoal_ctest_adapter_parent_class)->finalize (object);
}

static void
shoal_ctest_adapter_class_init (ShoalCtestAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_ctest_adapter_finalize;
}

static void
shoal_ctest_adapter_class_finalize (ShoalCtestAdapterClass *klass)
{
}

static void
shoal_ctest_adapter_init (ShoalCtestAdapter *self)
{
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, ctest_case_free);
}

/* Configuration */

static gboolean
read_path (ShoalSettings *settings, const char *key, char **out_path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *value = shoal_settings_get_string (settings, key, NULL, &local_error);

  *out_path = NULL;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (value != NULL && value[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }
  if (value != NULL)
    *out_path = g_canonicalize_filename (value, shoal_settings_get_base_dir (settings));
  return TRUE;
}

static gboolean
shoal_ctest_adapter_configure (ShoalAdapter *adapter,
                               const char *suite_name,
                               ShoalSettings *settings,
                               GError **error)
{
  static const char *const known_keys[] = { "build_dir", "args", "ctest", "resource_spec_file",
                                            NULL };
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *build_dir = NULL;
  g_autofree char *spec_file = NULL;
  g_autofree char *ctest = NULL;
  g_auto (GStrv) args = NULL;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the ctest adapter needs 'build_dir'", suite_name);
      return FALSE;
    }

  if (!shoal_settings_check_keys (settings, known_keys, error) ||
      !read_path (settings, "build_dir", &build_dir, error) ||
      !read_path (settings, "resource_spec_file", &spec_file, error) ||
      !shoal_settings_get_strv (settings, "args", &args, error))
    return FALSE;
  if (build_dir == NULL)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "missing required key 'build_dir' (the CMake build "
                                        "directory whose tests ctest lists)");
      return FALSE;
    }
  ctest = shoal_settings_get_string (settings, "ctest", "ctest", &local_error);
  if (ctest == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (ctest[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, "ctest", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }

  shoal_ctest_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_strdup (shoal_settings_get_base_dir (settings));
  self->build_dir = g_steal_pointer (&build_dir);
  self->build_dir_location = shoal_command_location (settings, "build_dir");
  self->ctest = g_steal_pointer (&ctest);
  self->ctest_configured = shoal_settings_has_key (settings, "ctest");
  if (self->ctest_configured)
    self->ctest_location = shoal_command_location (settings, "ctest");
  else
    {
      g_autofree char *at = shoal_settings_get_location (settings, NULL);

      self->ctest_location = g_strdup_printf ("%s: suite %s", at, suite_name);
    }
  self->args = g_steal_pointer (&args);
  self->spec_file = g_steal_pointer (&spec_file);
  if (self->spec_file != NULL)
    self->spec_location = shoal_command_location (settings, "resource_spec_file");
  return TRUE;
}

/* The helper program */

/* Next to the module in the build tree; installed in libexec. */
static char *
find_helper (void)
{
  Dl_info info;

  if (dladdr ((void *) find_helper, &info) != 0 && info.dli_fname != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (info.dli_fname);
      g_autofree char *candidate = g_build_filename (dir, HELPER_NAME, NULL);

      if (g_file_test (candidate, G_FILE_TEST_IS_EXECUTABLE) &&
          !g_file_test (candidate, G_FILE_TEST_IS_DIR))
        return g_steal_pointer (&candidate);
    }
  if (g_file_test (SHOAL_CTEST_EXEC_PATH, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (SHOAL_CTEST_EXEC_PATH);
  return NULL;
}

/* JSON values, as loosely as ctest writes them across versions */

static char **
node_to_strv (JsonNode *node)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strv_builder_end (builder);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      /* A CMake list in one string. */
      g_auto (GStrv) parts = g_strsplit (json_node_get_string (node), ";", -1);

      for (guint i = 0; parts[i] != NULL; i++)
        if (parts[i][0] != '\0')
          g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
node_to_boolean (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node) != 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      /* CMake's true constants. */
      static const char *const truths[] = { "1", "ON", "YES", "TRUE", "Y", NULL };
      g_autofree char *upper = g_ascii_strup (json_node_get_string (node), -1);

      return g_strv_contains (truths, upper) ||
             (g_ascii_isdigit (upper[0]) && g_ascii_strtod (upper, NULL) != 0);
    }
  return FALSE;
}

static gboolean
node_to_double (JsonNode *node, double *out_value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      *out_value = (double) json_node_get_int (node);
      return TRUE;
    case G_TYPE_DOUBLE:
      *out_value = json_node_get_double (node);
      return TRUE;
    case G_TYPE_STRING:
      {
        const char *text = json_node_get_string (node);
        char *end = NULL;

        *out_value = g_ascii_strtod (text, &end);
        return end != text;
      }
    default:
      return FALSE;
    }
}

/* The resource specification file */

/* `set(CTEST_RESOURCE_SPEC_FILE "...")`, which CMake writes into the
 * top-level CTestTestfile.cmake of a build whose project sets it. */
static char *
spec_file_of_build (const char *build_dir)
{
  g_autofree char *testfile = g_build_filename (build_dir, "CTestTestfile.cmake", NULL);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  static const char prefix[] = "set(CTEST_RESOURCE_SPEC_FILE \"";

  if (!g_file_get_contents (testfile, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autoptr (GString) value = NULL;

      while (g_ascii_isspace (*line))
        line++;
      if (!g_str_has_prefix (line, prefix))
        continue;
      value = g_string_new (NULL);
      /* CMake escapes `\`, `"` and `$` in the quoted argument. */
      for (const char *p = line + strlen (prefix); *p != '\0' && *p != '"'; p++)
        {
          if (*p == '\\' && p[1] != '\0')
            p++;
          g_string_append_c (value, *p);
        }
      if (value->len == 0)
        return NULL;
      return g_canonicalize_filename (value->str, build_dir);
    }
  return NULL;
}

static gboolean
spec_error (GError **error, const char *location, const char *path, const char *format, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
spec_error (GError **error, const char *location, const char *path, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
               "%s: resource specification %s: %s", location, path, message);
  return FALSE;
}

/* Reads it as ctest(1) defines it ("Resource Specification File"). */
static GPtrArray *
load_spec (const char *path, const char *location, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GPtrArray) types = g_ptr_array_new_with_free_func (spec_type_free);
  g_autoptr (GError) local_error = NULL;
  JsonObject *root;
  JsonObject *version;
  JsonArray *local;
  JsonObject *set;
  g_autoptr (GList) members = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "%s: resource specification file %s not found", location, path);
      return NULL;
    }
  if (!json_parser_load_from_mapped_file (parser, path, &local_error))
    {
      spec_error (error, location, path, "%s", local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      spec_error (error, location, path, "not a JSON object");
      return NULL;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  version = json_object_get_member (root, "version") != NULL &&
                    JSON_NODE_HOLDS_OBJECT (json_object_get_member (root, "version"))
                ? json_object_get_object_member (root, "version")
                : NULL;
  if (version == NULL || json_object_get_int_member_with_default (version, "major", -1) != 1 ||
      json_object_get_int_member_with_default (version, "minor", -1) != 0)
    {
      spec_error (error, location, path, "\"version\" must be {\"major\": 1, \"minor\": 0}");
      return NULL;
    }
  local = json_object_get_member (root, "local") != NULL &&
                  JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, "local"))
              ? json_object_get_array_member (root, "local")
              : NULL;
  if (local == NULL || json_array_get_length (local) != 1 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (local, 0)))
    {
      spec_error (error, location, path, "\"local\" must be an array of one object");
      return NULL;
    }
  set = json_array_get_object_element (local, 0);
  members = json_object_get_members (set);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (set, name);
      g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      SpecType *type;
      JsonArray *resources;

      if (!shoal_ctest_is_type_name (name))
        {
          spec_error (error, location, path,
                      "'%s' is not a resource type name (lowercase letters, digits and '_', "
                      "not starting with a digit)",
                      name);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          spec_error (error, location, path, "\"%s\" must be an array of resources", name);
          return NULL;
        }
      type = g_new0 (SpecType, 1);
      type->type = g_strdup (name);
      type->ids = g_ptr_array_new_with_free_func (g_free);
      type->slots = g_array_new (FALSE, FALSE, sizeof (guint));
      g_ptr_array_add (types, type);

      resources = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (resources); i++)
        {
          JsonNode *element = json_array_get_element (resources, i);
          JsonObject *resource;
          const char *id;
          gint64 slots;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              spec_error (error, location, path, "\"%s\"[%u] must be an object", name, i);
              return NULL;
            }
          resource = json_node_get_object (element);
          id = json_object_get_string_member_with_default (resource, "id", NULL);
          if (!shoal_ctest_is_id (id))
            {
              spec_error (error, location, path,
                          "\"%s\"[%u] needs an \"id\" of lowercase letters, digits and '_'", name,
                          i);
              return NULL;
            }
          if (!g_hash_table_add (seen, (gpointer) id))
            {
              spec_error (error, location, path, "two \"%s\" resources have the id '%s'", name, id);
              return NULL;
            }
          slots = json_object_get_int_member_with_default (resource, "slots", 1);
          if (slots < 0 || slots > G_MAXUINT32 - type->total)
            {
              spec_error (error, location, path, "\"%s\" '%s' has an invalid \"slots\"", name, id);
              return NULL;
            }
          g_ptr_array_add (type->ids, g_strdup (id));
          g_array_append_vals (type->slots, &(guint){ (guint) slots }, 1);
          type->total += (guint) slots;
        }
    }
  return g_steal_pointer (&types);
}

static SpecType *
find_spec_type (GPtrArray *spec, const char *name)
{
  for (guint i = 0; spec != NULL && i < spec->len; i++)
    if (g_str_equal (((SpecType *) spec->pdata[i])->type, name))
      return spec->pdata[i];
  return NULL;
}

/* Discovery */

static char *
first_lines (const char *text, guint n)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  g_autoptr (GString) kept = g_string_new (NULL);
  guint taken = 0;

  for (guint i = 0; lines[i] != NULL && taken < n; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (line[0] == '\0')
        continue;
      if (kept->len > 0)
        g_string_append (kept, " / ");
      g_string_append (kept, line);
      taken++;
    }
  return g_string_free (g_steal_pointer (&kept), FALSE);
}

/* Runs `ctest --show-only=json-v1` and parses what it prints. */
static JsonParser *
list_tests (ShoalCtestAdapter *self,
            const char *ctest,
            GCancellable *cancellable,
            char **out_command_line,
            GError **error)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (8, g_free, TRUE);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command_line = NULL;
  int wait_status = 0;

  g_ptr_array_add (argv, g_strdup (ctest));
  g_ptr_array_add (argv, g_strdup ("--show-only=json-v1"));
  for (guint i = 0; self->args != NULL && self->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
  command_line = g_strjoinv (" ", (char **) argv->pdata);

  if (!shoal_spawn_capture ((const char *const *) argv->pdata, self->build_dir, NULL,
                            DISCOVERY_TIMEOUT, &out, &err, &wait_status, cancellable,
                            &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "%s: `%s` in %s: %s", self->build_dir_location, command_line,
                     self->build_dir, local_error->message);
      return NULL;
    }
  if (!WIFEXITED (wait_status) || WEXITSTATUS (wait_status) != 0)
    {
      g_autofree char *said = first_lines (err != NULL && err[0] != '\0' ? err : out, 3);

      if (WIFEXITED (wait_status))
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "%s: `%s` in %s exited with status %d%s%s", self->build_dir_location,
                     command_line, self->build_dir, WEXITSTATUS (wait_status),
                     said[0] != '\0' ? ": " : "", said);
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                     "%s: `%s` in %s was killed by signal %d (%s)", self->build_dir_location,
                     command_line, self->build_dir, WTERMSIG (wait_status),
                     g_strsignal (WTERMSIG (wait_status)));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, out != NULL ? out : "", -1, &local_error))
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "%s: `%s` in %s did not print JSON (%s); is it ctest 3.14 or newer?",
                   self->build_dir_location, command_line, self->build_dir, local_error->message);
      return NULL;
    }
  *out_command_line = g_steal_pointer (&command_line);
  return g_steal_pointer (&parser);
}

/* `FILE:LINE` of the test's add_test(), from the backtrace graph. */
static char *
definition_of (JsonObject *test, JsonObject *graph)
{
  JsonArray *nodes;
  JsonArray *files;
  JsonObject *node;
  gint64 index;
  gint64 file;

  if (graph == NULL || !json_object_has_member (test, "backtrace"))
    return NULL;
  index = json_object_get_int_member_with_default (test, "backtrace", -1);
  nodes = json_object_has_member (graph, "nodes") ? json_object_get_array_member (graph, "nodes")
                                                  : NULL;
  files = json_object_has_member (graph, "files") ? json_object_get_array_member (graph, "files")
                                                  : NULL;
  if (nodes == NULL || files == NULL || index < 0 || index >= json_array_get_length (nodes) ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (nodes, index)))
    return NULL;
  node = json_array_get_object_element (nodes, index);
  file = json_object_get_int_member_with_default (node, "file", -1);
  if (file < 0 || file >= json_array_get_length (files))
    return NULL;
  if (json_object_has_member (node, "line"))
    return g_strdup_printf ("%s:%" G_GINT64_FORMAT, json_array_get_string_element (files, file),
                            json_object_get_int_member_with_default (node, "line", 0));
  return g_strdup (json_array_get_string_element (files, file));
}

static GPtrArray *
compile_regexes (JsonNode *value, const char *property, const char *test_name, char **not_run)
{
  g_auto (GStrv) patterns = node_to_strv (value);
  GPtrArray *regexes = g_ptr_array_new_with_free_func (ctest_regex_free);

  for (guint i = 0; patterns[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      /* CMake's engine: `^`/`$` at the ends of the output, `.` any byte.
       * Not G_REGEX_OPTIMIZE: PCRE's JIT saves nothing on a test's output
       * and reads past the subject's end under valgrind. */
      GRegex *regex = g_regex_new (patterns[i], G_REGEX_RAW | G_REGEX_DOTALL | G_REGEX_DOLLAR_ENDONLY,
                                   0, &local_error);
      CtestRegex *entry;

      if (regex == NULL)
        {
          if (*not_run == NULL)
            *not_run = g_strdup_printf ("its %s '%s' is not a regular expression: %s", property,
                                        patterns[i], local_error->message);
          continue;
        }
      entry = g_new0 (CtestRegex, 1);
      entry->regex = regex;
      entry->pattern = g_strdup (patterns[i]);
      g_ptr_array_add (regexes, entry);
    }
  return regexes;
}

/* RESOURCE_GROUPS as json-v1 expands them: one object per group, with its
 * `requirements` ({".type", "slots"}). */
static void
read_groups (ShoalCtestAdapter *self, JsonNode *value, CtestCase *ccase, ShoalTestCase *test)
{
  g_autoptr (GStrvBuilder) groups = g_strv_builder_new ();
  g_autoptr (GPtrArray) type_order = g_ptr_array_new ();
  g_autoptr (GHashTable) requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_array_unref);
  g_autoptr (GStrvBuilder) resources = g_strv_builder_new ();
  g_auto (GStrv) resource_strv = NULL;
  JsonArray *array;

  if (value == NULL || !JSON_NODE_HOLDS_ARRAY (value))
    return;
  array = json_node_get_array (value);
  for (guint g = 0; g < json_array_get_length (array); g++)
    {
      JsonNode *group_node = json_array_get_element (array, g);
      JsonNode *requirements_node;
      JsonArray *requirements;
      g_autoptr (GString) group = g_string_new (NULL);

      if (!JSON_NODE_HOLDS_OBJECT (group_node))
        continue;
      requirements_node = json_object_get_member (json_node_get_object (group_node), "requirements");
      if (requirements_node == NULL || !JSON_NODE_HOLDS_ARRAY (requirements_node))
        continue;
      requirements = json_node_get_array (requirements_node);
      for (guint r = 0; r < json_array_get_length (requirements); r++)
        {
          JsonNode *requirement_node = json_array_get_element (requirements, r);
          JsonObject *requirement;
          const char *type;
          gint64 slots;
          GArray *sizes;
          guint size;

          if (!JSON_NODE_HOLDS_OBJECT (requirement_node))
            continue;
          requirement = json_node_get_object (requirement_node);
          type = json_object_get_string_member_with_default (requirement, ".type", NULL);
          slots = json_object_get_int_member_with_default (requirement, "slots", 1);
          if (type == NULL || slots <= 0 || slots > G_MAXINT32)
            continue;
          size = (guint) slots;
          if (group->len > 0)
            g_string_append_c (group, ',');
          g_string_append_printf (group, "%s:%u", type, size);

          sizes = g_hash_table_lookup (requests, type);
          if (sizes == NULL)
            {
              sizes = g_array_new (FALSE, FALSE, sizeof (guint));
              g_hash_table_insert (requests, g_strdup (type), sizes);
              /* The JSON (which owns @type) outlives this function. */
              g_ptr_array_add (type_order, (gpointer) type);
            }
          g_array_append_val (sizes, size);
        }
      if (group->len > 0)
        g_strv_builder_add (groups, group->str);
    }

  ccase->groups = g_strv_builder_end (groups);
  if (ccase->groups[0] == NULL)
    {
      g_clear_pointer (&ccase->groups, g_strfreev);
      return;
    }

  /* Every request must fit the specification, each whole on one id, or
   * ctest does not run the test ("Insufficient resources"). */
  for (guint t = 0; t < type_order->len; t++)
    {
      const char *type = type_order->pdata[t];
      GArray *sizes = g_hash_table_lookup (requests, type);
      SpecType *spec_type = find_spec_type (self->spec, type);
      g_autofree guint *capacities = NULL;
      g_autofree guint *bins = NULL;
      guint total = 0;

      for (guint i = 0; i < sizes->len; i++)
        total += g_array_index (sizes, guint, i);
      if (spec_type == NULL)
        {
          if (ccase->not_run == NULL)
            ccase->not_run = g_strdup_printf ("insufficient resources: its RESOURCE_GROUPS need "
                                              "'%s', which the resource specification does not "
                                              "have",
                                              type);
          continue;
        }
      capacities = g_new (guint, MAX (spec_type->slots->len, 1));
      for (guint i = 0; i < spec_type->slots->len; i++)
        capacities[i] = g_array_index (spec_type->slots, guint, i);
      bins = g_new0 (guint, sizes->len);
      if (!shoal_ctest_pack ((const guint *) (gpointer) sizes->data, sizes->len, capacities,
                             spec_type->slots->len, bins))
        {
          if (ccase->not_run == NULL)
            ccase->not_run = g_strdup_printf ("insufficient resources: its RESOURCE_GROUPS need "
                                              "%u slots of '%s' that the resource specification "
                                              "cannot give (%u slots over %u ids)",
                                              total, type, spec_type->total,
                                              spec_type->ids->len);
          continue;
        }
      {
        g_autofree char *request = g_strdup_printf ("%s:%u", type, total);

        g_strv_builder_add (resources, request);
      }
    }

  if (ccase->not_run != NULL)
    return;
  resource_strv = g_strv_builder_end (resources);
  shoal_test_case_set_required_resources (test, (const char *const *) resource_strv);
  self->uses_groups = TRUE;
}

/* One entry of `tests`; %NULL for an entry without a name. */
static Listed *
read_test (ShoalCtestAdapter *self, JsonObject *object, JsonObject *graph)
{
  const char *name = json_object_get_string_member_with_default (object, "name", NULL);
  JsonNode *command_node = json_object_get_member (object, "command");
  JsonNode *properties_node = json_object_get_member (object, "properties");
  g_autofree char *defined_at = NULL;
  g_autofree char *cwd = NULL;
  Listed *listed;
  CtestCase *ccase;
  ShoalTestCase *test;
  JsonNode *groups = NULL;
  guint n_cpus = MAX (g_get_num_processors (), 1);

  if (name == NULL || name[0] == '\0')
    return NULL;

  listed = g_new0 (Listed, 1);
  listed->ccase = ccase = g_new0 (CtestCase, 1);
  listed->test = test = shoal_test_case_new (self->suite, name);
  shoal_test_case_set_name (test, name);
  shoal_test_case_set_adapter (test, "ctest");
  defined_at = definition_of (object, graph);

  if (command_node != NULL && JSON_NODE_HOLDS_ARRAY (command_node))
    {
      ccase->command = node_to_strv (command_node);
      if (ccase->command[0] == NULL || ccase->command[0][0] == '\0')
        g_clear_pointer (&ccase->command, g_strfreev);
    }
  if (ccase->command != NULL)
    shoal_test_case_set_argv (test, (const char *const *) ccase->command);
  else
    ccase->not_run = g_strdup ("ctest lists no command for it (is its executable built?)");

  for (guint i = 0; properties_node != NULL && JSON_NODE_HOLDS_ARRAY (properties_node) &&
                    i < json_array_get_length (json_node_get_array (properties_node));
       i++)
    {
      JsonNode *property_node = json_array_get_element (json_node_get_array (properties_node), i);
      JsonObject *property;
      const char *property_name;
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (property_node))
        continue;
      property = json_node_get_object (property_node);
      property_name = json_object_get_string_member_with_default (property, "name", "");
      value = json_object_get_member (property, "value");

      if (g_str_equal (property_name, "WORKING_DIRECTORY"))
        {
          g_auto (GStrv) dirs = node_to_strv (value);

          if (dirs[0] != NULL)
            {
              g_free (cwd);
              cwd = g_canonicalize_filename (dirs[0], self->build_dir);
            }
        }
      else if (g_str_equal (property_name, "ENVIRONMENT"))
        {
          g_auto (GStrv) environment = node_to_strv (value);

          shoal_test_case_set_environment (test, (const char *const *) environment);
        }
      else if (g_str_equal (property_name, "ENVIRONMENT_MODIFICATION"))
        {
          g_strfreev (ccase->env_mods);
          ccase->env_mods = node_to_strv (value);
          if (ccase->env_mods[0] == NULL)
            g_clear_pointer (&ccase->env_mods, g_strfreev);
        }
      else if (g_str_equal (property_name, "LABELS"))
        {
          g_auto (GStrv) labels = node_to_strv (value);

          shoal_test_case_set_tags (test, (const char *const *) labels);
        }
      else if (g_str_equal (property_name, "DEPENDS"))
        {
          g_strfreev (listed->depends);
          listed->depends = node_to_strv (value);
        }
      else if (g_str_equal (property_name, "FIXTURES_SETUP"))
        {
          g_strfreev (listed->fixtures_setup);
          listed->fixtures_setup = node_to_strv (value);
        }
      else if (g_str_equal (property_name, "FIXTURES_CLEANUP"))
        {
          g_strfreev (listed->fixtures_cleanup);
          listed->fixtures_cleanup = node_to_strv (value);
        }
      else if (g_str_equal (property_name, "FIXTURES_REQUIRED"))
        {
          g_strfreev (listed->fixtures_required);
          listed->fixtures_required = node_to_strv (value);
        }
      else if (g_str_equal (property_name, "RESOURCE_LOCK"))
        {
          g_auto (GStrv) locks = node_to_strv (value);

          shoal_test_case_set_locks (test, (const char *const *) locks);
        }
      else if (g_str_equal (property_name, "RUN_SERIAL"))
        shoal_test_case_set_exclusive (test, node_to_boolean (value));
      else if (g_str_equal (property_name, "PROCESSORS"))
        {
          double processors = 1;

          if (node_to_double (value, &processors) && processors > 1)
            shoal_test_case_set_slots (test, (guint) MIN (processors, (double) n_cpus));
        }
      else if (g_str_equal (property_name, "TIMEOUT"))
        {
          double timeout = 0;

          if (node_to_double (value, &timeout))
            shoal_test_case_set_timeout (test, timeout > 0 ? timeout : NO_TIMEOUT);
        }
      else if (g_str_equal (property_name, "DISABLED"))
        ccase->disabled = node_to_boolean (value);
      else if (g_str_equal (property_name, "WILL_FAIL"))
        ccase->will_fail = node_to_boolean (value);
      else if (g_str_equal (property_name, "SKIP_RETURN_CODE"))
        {
          double code = -1;

          /* ctest ignores codes outside 0..255. */
          if (node_to_double (value, &code) && code >= 0 && code <= 255)
            {
              ccase->has_skip_code = TRUE;
              ccase->skip_code = (gint64) code;
            }
        }
      else if (g_str_equal (property_name, "PASS_REGULAR_EXPRESSION"))
        {
          g_clear_pointer (&ccase->pass_regex, g_ptr_array_unref);
          ccase->pass_regex = compile_regexes (value, property_name, name, &ccase->not_run);
        }
      else if (g_str_equal (property_name, "FAIL_REGULAR_EXPRESSION"))
        {
          g_clear_pointer (&ccase->fail_regex, g_ptr_array_unref);
          ccase->fail_regex = compile_regexes (value, property_name, name, &ccase->not_run);
        }
      else if (g_str_equal (property_name, "SKIP_REGULAR_EXPRESSION"))
        {
          g_clear_pointer (&ccase->skip_regex, g_ptr_array_unref);
          ccase->skip_regex = compile_regexes (value, property_name, name, &ccase->not_run);
        }
      else if (g_str_equal (property_name, "REQUIRED_FILES"))
        {
          g_strfreev (ccase->required_files);
          ccase->required_files = node_to_strv (value);
        }
      else if (g_str_equal (property_name, "RESOURCE_GROUPS"))
        groups = value;
    }

  shoal_test_case_set_cwd (test, cwd != NULL ? cwd : self->build_dir);
  /* Without a resource specification ctest ignores the groups. */
  if (groups != NULL && self->spec != NULL && !ccase->disabled)
    read_groups (self, groups, ccase, test);

  if (ccase->disabled)
    {
      /* It never runs: it holds nothing, and waits for nothing. */
      shoal_test_case_set_locks (test, NULL);
      shoal_test_case_set_exclusive (test, FALSE);
      shoal_test_case_set_slots (test, 1);
      g_clear_pointer (&listed->depends, g_strfreev);
      /* Nor does it take part in fixtures: a disabled setup counts as
       * passed, its requirers still run (ctest's DISABLED). */
      g_clear_pointer (&listed->fixtures_setup, g_strfreev);
      g_clear_pointer (&listed->fixtures_required, g_strfreev);
      g_clear_pointer (&listed->fixtures_cleanup, g_strfreev);
    }

  if (ccase->not_run != NULL && defined_at != NULL)
    {
      char *located = g_strdup_printf ("%s (add_test at %s)", ccase->not_run, defined_at);

      g_free (ccase->not_run);
      ccase->not_run = located;
    }
  return listed;
}

static void
add_unique (GPtrArray *ids, GHashTable *seen, const char *id)
{
  if (g_hash_table_add (seen, (gpointer) id))
    g_ptr_array_add (ids, (gpointer) id);
}

/* name -> GPtrArray of Listed, for one of the FIXTURES_* properties. */
static GHashTable *
index_fixtures (GPtrArray *listing, gsize offset)
{
  GHashTable *index = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < listing->len; i++)
    {
      Listed *listed = g_ptr_array_index (listing, i);
      char **fixtures = G_STRUCT_MEMBER (char **, listed, offset);

      for (guint f = 0; fixtures != NULL && fixtures[f] != NULL; f++)
        {
          GPtrArray *members = g_hash_table_lookup (index, fixtures[f]);

          if (members == NULL)
            {
              members = g_ptr_array_new ();
              g_hash_table_insert (index, fixtures[f], members);
            }
          if (!g_ptr_array_find (members, listed, NULL))
            g_ptr_array_add (members, listed);
        }
    }
  return index;
}

/* DEPENDS and the fixtures, once every test is known. */
static void
link_tests (ShoalCtestAdapter *self, GPtrArray *listing)
{
  g_autoptr (GHashTable) setups = index_fixtures (listing, G_STRUCT_OFFSET (Listed, fixtures_setup));
  g_autoptr (GHashTable) requirers = index_fixtures (listing,
                                                     G_STRUCT_OFFSET (Listed, fixtures_required));
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < listing->len; i++)
    {
      Listed *listed = g_ptr_array_index (listing, i);

      g_hash_table_insert (names, (gpointer) shoal_test_case_get_local_id (listed->test), listed);
    }

  for (guint i = 0; i < listing->len; i++)
    {
      Listed *listed = g_ptr_array_index (listing, i);
      g_autoptr (GPtrArray) dependencies = g_ptr_array_new_null_terminated (4, g_free, TRUE);
      g_autoptr (GPtrArray) setup_ids = g_ptr_array_new_null_terminated (4, g_free, TRUE);
      g_autoptr (GHashTable) seen_dependencies = g_hash_table_new (NULL, NULL);
      g_autoptr (GHashTable) seen_setups = g_hash_table_new (NULL, NULL);
      g_autoptr (GPtrArray) dependency_tests = g_ptr_array_new ();
      g_autoptr (GPtrArray) setup_tests = g_ptr_array_new ();

      /* DEPENDS: order only; ctest ignores names it does not list. */
      for (guint d = 0; listed->depends != NULL && listed->depends[d] != NULL; d++)
        {
          Listed *other = g_hash_table_lookup (names, listed->depends[d]);

          if (other != NULL && other != listed)
            add_unique (dependency_tests, seen_dependencies, (gpointer) other);
        }
      /* A test requiring a fixture needs its setups not to fail. */
      for (guint f = 0; listed->fixtures_required != NULL && listed->fixtures_required[f] != NULL;
           f++)
        {
          GPtrArray *members = g_hash_table_lookup (setups, listed->fixtures_required[f]);

          for (guint m = 0; members != NULL && m < members->len; m++)
            if (members->pdata[m] != listed)
              add_unique (setup_tests, seen_setups, members->pdata[m]);
        }
      /* A cleanup runs after the setups and every test requiring it,
       * whatever became of them. */
      for (guint f = 0; listed->fixtures_cleanup != NULL && listed->fixtures_cleanup[f] != NULL;
           f++)
        {
          GPtrArray *before[] = { g_hash_table_lookup (setups, listed->fixtures_cleanup[f]),
                                  g_hash_table_lookup (requirers, listed->fixtures_cleanup[f]) };

          for (guint k = 0; k < G_N_ELEMENTS (before); k++)
            for (guint m = 0; before[k] != NULL && m < before[k]->len; m++)
              if (before[k]->pdata[m] != listed)
                add_unique (dependency_tests, seen_dependencies, before[k]->pdata[m]);
          shoal_test_case_set_runs_finally (listed->test, TRUE);
        }

      for (guint d = 0; d < dependency_tests->len; d++)
        {
          Listed *other = dependency_tests->pdata[d];

          g_ptr_array_add (dependencies, g_strdup (shoal_test_case_get_id (other->test)));
        }
      for (guint r = 0; r < setup_tests->len; r++)
        {
          Listed *other = setup_tests->pdata[r];

          g_ptr_array_add (setup_ids, g_strdup (shoal_test_case_get_id (other->test)));
        }
      shoal_test_case_set_dependencies (listed->test, (const char *const *) dependencies->pdata);
      shoal_test_case_set_skip_if_failed (listed->test, (const char *const *) setup_ids->pdata);
    }
}

static gboolean
resolve_spec (ShoalCtestAdapter *self, JsonArray *tests, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *location = NULL;
  gboolean any_groups = FALSE;

  if (self->spec_file != NULL)
    {
      path = g_strdup (self->spec_file);
      location = g_strdup (self->spec_location);
    }
  else
    {
      /* The build's own file only matters to tests with groups. */
      for (guint i = 0; i < json_array_get_length (tests) && !any_groups; i++)
        {
          JsonNode *node = json_array_get_element (tests, i);
          JsonNode *properties;

          if (!JSON_NODE_HOLDS_OBJECT (node))
            continue;
          properties = json_object_get_member (json_node_get_object (node), "properties");
          for (guint p = 0; properties != NULL && JSON_NODE_HOLDS_ARRAY (properties) &&
                            p < json_array_get_length (json_node_get_array (properties));
               p++)
            {
              JsonNode *property = json_array_get_element (json_node_get_array (properties), p);

              if (JSON_NODE_HOLDS_OBJECT (property) &&
                  g_strcmp0 (json_object_get_string_member_with_default (
                                 json_node_get_object (property), "name", NULL),
                             "RESOURCE_GROUPS") == 0)
                any_groups = TRUE;
            }
        }
      if (!any_groups)
        return TRUE;
      path = spec_file_of_build (self->build_dir);
      if (path == NULL)
        return TRUE;
      location = g_strdup_printf ("%s/CTestTestfile.cmake: CTEST_RESOURCE_SPEC_FILE",
                                  self->build_dir);
    }

  self->spec = load_spec (path, location, error);
  return self->spec != NULL;
}

static GList *
shoal_ctest_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (adapter);
  g_autoptr (GPtrArray) listing = g_ptr_array_new_with_free_func (listed_free);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *ctest = NULL;
  g_autofree char *command_line = NULL;
  JsonNode *root;
  JsonObject *object;
  JsonObject *graph = NULL;
  JsonObject *version = NULL;
  JsonArray *array = NULL;
  gboolean needs_helper = FALSE;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the ctest adapter was not configured");
      return NULL;
    }
  shoal_ctest_adapter_clear_discovery (self);

  if (!shoal_command_check_directory (self->build_dir, self->build_dir_location, error))
    return NULL;
  ctest = shoal_command_resolve_program (self->ctest, self->base_dir, NULL, self->ctest_location,
                                         &local_error);
  if (ctest == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND, "%s%s",
                   local_error->message,
                   self->ctest_configured ? ""
                                          : " (is CMake installed? 'ctest:' names the program)");
      return NULL;
    }

  parser = list_tests (self, ctest, cancellable, &command_line, error);
  if (parser == NULL)
    return NULL;

  root = json_parser_get_root (parser);
  object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (object != NULL && json_object_has_member (object, "version") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "version")))
    version = json_object_get_object_member (object, "version");
  if (object == NULL ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "kind", NULL), "ctestInfo") !=
          0 ||
      version == NULL || json_object_get_int_member_with_default (version, "major", 0) != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "%s: `%s` in %s did not print a ctestInfo object of version 1",
                   self->build_dir_location, command_line, self->build_dir);
      return NULL;
    }
  if (json_object_has_member (object, "backtraceGraph") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "backtraceGraph")))
    graph = json_object_get_object_member (object, "backtraceGraph");
  if (json_object_has_member (object, "tests") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "tests")))
    array = json_object_get_array_member (object, "tests");

  if (array == NULL || json_array_get_length (array) == 0)
    {
      g_autofree char *testfile = g_build_filename (self->build_dir, "CTestTestfile.cmake", NULL);

      if (!g_file_test (testfile, G_FILE_TEST_EXISTS))
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s: %s has no tests: it has no CTestTestfile.cmake (is it a configured "
                     "CMake build directory of a project that calls enable_testing()?)",
                     self->build_dir_location, self->build_dir);
      else
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s: `%s` lists no tests in %s (does the project call add_test()%s?)",
                     self->build_dir_location, command_line, self->build_dir,
                     self->args != NULL && self->args[0] != NULL ? ", or do 'args' select none"
                                                                 : "");
      return NULL;
    }

  if (!resolve_spec (self, array, error))
    return NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      Listed *listed;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      listed = read_test (self, json_node_get_object (node), graph);
      if (listed != NULL)
        g_ptr_array_add (listing, listed);
    }
  link_tests (self, listing);

  for (guint i = 0; i < listing->len; i++)
    {
      Listed *listed = g_ptr_array_index (listing, i);
      const char *id = shoal_test_case_get_id (listed->test);

      needs_helper |= listed->ccase->disabled || listed->ccase->env_mods != NULL ||
                      listed->ccase->groups != NULL;
      /* A name twice (ctest allows it across directories): the project
       * warns and runs the first; so does this table. */
      if (!g_hash_table_contains (self->cases, id))
        g_hash_table_insert (self->cases, g_strdup (id), g_steal_pointer (&listed->ccase));
      g_ptr_array_add (tests, g_steal_pointer (&listed->test));
    }

  if (needs_helper)
    {
      self->helper = find_helper ();
      if (self->helper == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                       "%s: cannot find %s (next to the ctest adapter's module, or %s), which "
                       "runs tests with DISABLED, ENVIRONMENT_MODIFICATION or RESOURCE_GROUPS",
                       self->build_dir_location, HELPER_NAME, SHOAL_CTEST_EXEC_PATH);
          shoal_ctest_adapter_clear_discovery (self);
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
  shoal_run_command_add_test (command, test);
  return command;
}

static gboolean
check_required_files (CtestCase *ccase, ShoalTestCase *test, GError **error)
{
  for (guint i = 0; ccase->required_files != NULL && ccase->required_files[i] != NULL; i++)
    {
      g_autofree char *path = g_canonicalize_filename (ccase->required_files[i],
                                                       shoal_test_case_get_cwd (test));

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "required file missing: %s (REQUIRED_FILES)", path);
          return FALSE;
        }
    }
  return TRUE;
}

/* The helper's argument vector around the test's command. */
static GStrv
wrapped_command (ShoalCtestAdapter *self, CtestCase *ccase)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  g_autoptr (GHashTable) types = g_hash_table_new (g_str_hash, g_str_equal);

  g_ptr_array_add (argv, g_strdup (self->helper));
  for (guint i = 0; ccase->env_mods != NULL && ccase->env_mods[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--env-mod"));
      g_ptr_array_add (argv, g_strdup (ccase->env_mods[i]));
    }
  for (guint g = 0; ccase->groups != NULL && ccase->groups[g] != NULL; g++)
    {
      g_auto (GStrv) requirements = g_strsplit (ccase->groups[g], ",", -1);

      for (guint r = 0; requirements[r] != NULL; r++)
        {
          char *colon = strrchr (requirements[r], ':');

          if (colon != NULL)
            *colon = '\0';
          if (!g_hash_table_contains (types, requirements[r]))
            {
              SpecType *type = find_spec_type (self->spec, requirements[r]);
              g_autoptr (GString) spec = g_string_new (NULL);

              /* read_groups() checked every type against the spec. */
              if (type == NULL)
                continue;
              g_hash_table_add (types, type->type);
              g_string_append_printf (spec, "%s=", type->type);
              for (guint i = 0; i < type->ids->len; i++)
                g_string_append_printf (spec, "%s%s:%u", i > 0 ? "," : "",
                                        (char *) type->ids->pdata[i],
                                        g_array_index (type->slots, guint, i));
              g_ptr_array_add (argv, g_strdup ("--spec"));
              g_ptr_array_add (argv, g_string_free (g_steal_pointer (&spec), FALSE));
            }
        }
    }
  for (guint g = 0; ccase->groups != NULL && ccase->groups[g] != NULL; g++)
    {
      g_ptr_array_add (argv, g_strdup ("--group"));
      g_ptr_array_add (argv, g_strdup (ccase->groups[g]));
    }
  g_ptr_array_add (argv, g_strdup ("--"));
  for (guint i = 0; ccase->command[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (ccase->command[i]));
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

static ShoalRunCommand *
shoal_ctest_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (adapter);
  ShoalTestCase *test;
  CtestCase *ccase;
  g_auto (GStrv) argv = NULL;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "the ctest adapter runs one test per command, not %u", tests->len);
      return NULL;
    }
  test = g_ptr_array_index (tests, 0);
  ccase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));

  /* A test this adapter did not discover runs as it is described. */
  if (ccase == NULL)
    {
      const char *const *own = shoal_test_case_get_argv (test);

      if (own == NULL || own[0] == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s has no command", shoal_test_case_get_id (test));
          return NULL;
        }
      return command_for (test, own);
    }

  if (ccase->disabled)
    {
      const char *const not_run[] = { self->helper, "--not-run", NULL };

      return command_for (test, not_run);
    }
  if (ccase->not_run != NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE, "%s", ccase->not_run);
      return NULL;
    }
  if (!check_required_files (ccase, test, error))
    return NULL;
  if (ccase->env_mods == NULL && ccase->groups == NULL)
    return command_for (test, (const char *const *) ccase->command);
  argv = wrapped_command (self, ccase);
  return command_for (test, (const char *const *) argv);
}

/* Interpretation */

static const CtestRegex *
find_match (GPtrArray *regexes, const char *output, gsize length)
{
  for (guint i = 0; regexes != NULL && i < regexes->len; i++)
    {
      const CtestRegex *regex = g_ptr_array_index (regexes, i);

      if (g_regex_match_full (regex->regex, output, length, 0, 0, NULL, NULL))
        return regex;
    }
  return NULL;
}

static char *
join_patterns (GPtrArray *regexes)
{
  g_autoptr (GString) joined = g_string_new (NULL);

  for (guint i = 0; i < regexes->len; i++)
    {
      if (i > 0)
        g_string_append (joined, ", ");
      g_string_append (joined, ((CtestRegex *) regexes->pdata[i])->pattern);
    }
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

/* The line shoal-ctest-exec printed when it could not start the test. */
static char *
helper_failure (const char *output)
{
  g_auto (GStrv) lines = g_strsplit (output != NULL ? output : "", "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], HELPER_NAME ": ") &&
        !g_str_has_prefix (lines[i], HELPER_NAME ": note: "))
      return g_strdup (lines[i]);
  return NULL;
}

/* cmCTestRunTest::EndTest's verdict on a test that exited. */
static ShoalOutcome
judge_exit (CtestCase *ccase, int status, const char *output, gsize length, char **out_message)
{
  const CtestRegex *match = NULL;
  g_autofree char *reason = NULL;
  gboolean force_fail = FALSE;
  gboolean force_skip = FALSE;
  gboolean has_pass_regex = ccase->pass_regex != NULL && ccase->pass_regex->len > 0;
  gboolean success;

  if (has_pass_regex && find_match (ccase->pass_regex, output, length) == NULL)
    {
      g_autofree char *patterns = join_patterns (ccase->pass_regex);

      reason = g_strdup_printf ("Required regular expression not found. Regex=[%s]", patterns);
      force_fail = TRUE;
    }
  else if (has_pass_regex)
    reason = g_strdup_printf ("Required regular expression found. Regex=[%s]",
                              find_match (ccase->pass_regex, output, length)->pattern);
  if ((match = find_match (ccase->fail_regex, output, length)) != NULL)
    {
      g_free (reason);
      reason = g_strdup_printf ("Error regular expression found in output. Regex=[%s]",
                                match->pattern);
      force_fail = TRUE;
    }
  if ((match = find_match (ccase->skip_regex, output, length)) != NULL)
    {
      g_free (reason);
      reason = g_strdup_printf ("Skip regular expression found in output. Regex=[%s]",
                                match->pattern);
      force_skip = TRUE;
    }

  success = !force_fail && (status == 0 || has_pass_regex);
  if (force_skip)
    {
      *out_message = g_steal_pointer (&reason);
      return SHOAL_OUTCOME_SKIPPED;
    }
  if (ccase->has_skip_code && ccase->skip_code == status)
    {
      *out_message = g_strdup_printf ("SKIP_RETURN_CODE=%d", status);
      return SHOAL_OUTCOME_SKIPPED;
    }
  if (success != ccase->will_fail)
    {
      *out_message = ccase->will_fail ? g_strdup_printf ("failed as expected (WILL_FAIL): "
                                                         "exited with status %d",
                                                         status)
                                      : NULL;
      return SHOAL_OUTCOME_PASSED;
    }
  if (ccase->will_fail)
    *out_message = g_strdup_printf ("exited with status %d%s%s, but the test has WILL_FAIL",
                                    status, reason != NULL ? ": " : "",
                                    reason != NULL ? reason : "");
  else if (reason != NULL && force_fail)
    *out_message = g_strdup_printf ("%s (exited with status %d)", reason, status);
  else
    *out_message = g_strdup_printf ("exited with status %d", status);
  return SHOAL_OUTCOME_FAILED;
}

static GList *
shoal_ctest_adapter_interpret (ShoalAdapter *adapter,
                               ShoalRunCommand *command,
                               ShoalExecution *execution,
                               GError **error)
{
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *output = NULL;
  ShoalTestCase *test;
  CtestCase *ccase;
  ShoalOutcome outcome;
  gboolean wrapped;

  if (tests->len != 1)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the ctest adapter runs one test per command, not %u", tests->len);
      return NULL;
    }
  test = g_ptr_array_index (tests, 0);
  ccase = g_hash_table_lookup (self->cases, shoal_test_case_get_id (test));
  outcome = shoal_execution_get_default_outcome (execution);

  if (ccase != NULL && ccase->disabled)
    {
      outcome = SHOAL_OUTCOME_SKIPPED;
      message = g_strdup ("Disabled");
    }
  else if (ccase == NULL || outcome == SHOAL_OUTCOME_ERROR || outcome == SHOAL_OUTCOME_TIMEOUT ||
           outcome == SHOAL_OUTCOME_CRASHED)
    {
      /* An interruption, a time out or a signal: WILL_FAIL and the
       * expressions do not apply, as in ctest. */
      if (outcome != SHOAL_OUTCOME_PASSED)
        message = shoal_execution_describe (execution);
    }
  else
    {
      int status = shoal_execution_get_exit_status (execution);

      wrapped = ccase->env_mods != NULL || ccase->groups != NULL;
      if ((ccase->pass_regex != NULL && ccase->pass_regex->len > 0) ||
          (ccase->fail_regex != NULL && ccase->fail_regex->len > 0) ||
          (ccase->skip_regex != NULL && ccase->skip_regex->len > 0) ||
          (wrapped && status != 0))
        {
          output = shoal_execution_read_output (execution, 0, &local_error);
          if (output == NULL)
            {
              g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                           "cannot read the output of %s: %s", shoal_test_case_get_id (test),
                           local_error->message);
              return NULL;
            }
        }
      if (wrapped && status != 0 && (message = helper_failure (output)) != NULL)
        outcome = SHOAL_OUTCOME_ERROR;
      else
        outcome = judge_exit (ccase, status, output != NULL ? output : "",
                              output != NULL ? strlen (output) : 0, &message);
    }

  g_ptr_array_add (results, shoal_adapter_result_for_execution (test, execution, outcome, message));
  return shoal_object_list_from_array (g_steal_pointer (&results));
}

static gboolean
shoal_ctest_adapter_can_batch (ShoalAdapter *adapter)
{
  return FALSE;
}

static GVariant *
shoal_ctest_adapter_get_resource_pools (ShoalAdapter *adapter)
{
  ShoalCtestAdapter *self = SHOAL_CTEST_ADAPTER (adapter);
  GVariantBuilder builder;

  if (self->spec == NULL || !self->uses_groups)
    return NULL;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{su}"));
  for (guint i = 0; i < self->spec->len; i++)
    {
      SpecType *type = g_ptr_array_index (self->spec, i);

      if (type->total > 0)
        g_variant_builder_add (&builder, "{su}", type->type, type->total);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
shoal_ctest_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_ctest_adapter_configure;
  iface->discover = shoal_ctest_adapter_discover;
  iface->prepare = shoal_ctest_adapter_prepare;
  iface->interpret = shoal_ctest_adapter_interpret;
  iface->can_batch = shoal_ctest_adapter_can_batch;
  iface->get_resource_pools = shoal_ctest_adapter_get_resource_pools;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the ctest adapter's type on @module and names it `ctest`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_ctest_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "ctest",
                                            SHOAL_TYPE_CTEST_ADAPTER, &error))
    g_warning ("Could not register the ctest adapter: %s", error->message);
}
