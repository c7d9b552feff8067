/* shoal-pytest-adapter.c: pytest test suites
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * |[<!-- language="YAML" -->
 * suites:
 *   - name: py
 *     adapter: pytest
 *     paths: [tests]           # files or directories, relative to shoal.yaml
 *     python: /usr/bin/python3 # the default: Debian's, with python3-pytest
 *     args: [-x, --tb=short]   # added to every pytest invocation
 *     cwd: .                   # where pytest runs (and its rootdir); default: shoal.yaml's directory
 *     env: {LANG: C}
 *     timeout: 60
 *     collection: listing.jsonl # optional: what `pytest -p shoal` collected
 * ]|
 *
 * Discovery runs `python -m pytest --collect-only` (unless `collection:`
 * names a listing in the same format, which the `-p shoal` plugin writes
 * from the session that already collected) with the plugin shipped
 * beside this module (`shoal_pytest_plugin.py`, put on PYTHONPATH, loaded
 * with `-p shoal_pytest_plugin`), which writes each collected item as a
 * JSON line. Every item is a test, `<suite>::<node id>`; its markers are
 * its tags; `@pytest.mark.shoal_resource("gpu", count=2)` asks for
 * resources (`gpu:2`), `@pytest.mark.shoal_exclusive("user_db")` takes the
 * lock `user_db`, `@pytest.mark.shoal_exclusive()` runs alone.
 * `@pytest.mark.xdist_group("name")` becomes the lock `xdist_group:name`:
 * the tests of a group never run at the same time, which is what a group
 * is for; unlike xdist they may run on different workers, one after the
 * other (an approximation: a group that needs one process's state across
 * its tests should use a module or session fixture, which each worker
 * keeps). pytest's rootdir is `cwd:` (`--rootdir`), so node ids are
 * relative to it and can be handed back to pytest as they are.
 *
 * Running: the adapter batches. A batch is one `python -m pytest -p
 * shoal_pytest_plugin --shoal-results=FILE NODEID...`; the plugin writes a
 * "started" line before each test and its result after it. A test whose
 * process dies (a crash, a time out) is the one started without a result:
 * it is crashed or timed out, and the tests after it get no result, so the
 * core runs them again. With the core's worker sessions, the same requests
 * go to a long-lived `pytest --shoal-worker` per worker slot instead (see
 * the session functions below), so module and session fixtures live
 * between tests, as with pytest-xdist. Each request runs in the
 * environment the core made for it (TMPDIR, HOME when isolated, the
 * variables; `tempfile` is made to look again) and its cwd, restored
 * afterwards; the tests of one batch share one such environment, as they
 * share one process.
 *
 * Outcomes, as pytest's own summary counts them: passed, failed, skipped;
 * an error in a fixture's set-up or tear-down is `error`; xfail is
 * `skipped` with the message `xfail: <reason>` (Shoal has no xfail
 * outcome, and a test expected to fail that fails is no failure); an
 * unexpected pass is `passed` with an `xpass: <reason>` message, unless
 * the mark is strict, which pytest makes a failure. The failure's
 * longrepr, then the captured output, is the message.
 *
 * The seed's CI form, `python3 -m pytest -p shoal --parallel-workers=8
 * --parallel-timeout=300`, is the pytest plugin `shoal.py` installed
 * beside this module (put its directory on PYTHONPATH): pytest collects as
 * usual, then the plugin writes a shoal.yaml with one pytest suite limited
 * to exactly the collected node ids, runs the `shoal` command ($SHOAL or
 * PATH) with `-j N --timeout S -r json=parallel_execution_report.json`
 * (`--parallel-report` to change it), and reports each result back into
 * pytest, whose summary and exit status then count them.
 */

#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gmodule.h>
#include <json-glib/json-glib.h>
#include <shoal.h>

#include "../exec/shoal-command-spec.h"

#define DEFAULT_PYTHON "/usr/bin/python3"
#define PLUGIN_MODULE "shoal_pytest_plugin"
#define PLUGIN_FILE PLUGIN_MODULE ".py"
#define COLLECT_TIMEOUT 300.0

/* Where prepare keeps the directory of a command's result file. */
#define OUTPUT_DIR_KEY "shoal-pytest-output-dir"
#define RESULTS_NAME "results.jsonl"

#define SHOAL_TYPE_PYTEST_ADAPTER (shoal_pytest_adapter_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPytestAdapter, shoal_pytest_adapter, SHOAL, PYTEST_ADAPTER, GObject)

struct _ShoalPytestAdapter
{
  GObject parent_instance;

  char *suite;
  char *base_dir;
  char *python;
  char *python_location;
  char *cwd;
  char *cwd_location;
  char **paths; /* absolute */
  char *paths_location;
  char **args;
  char **environment; /* env: plus PYTHONPATH for the plugin */
  char *collection;   /* (nullable): a listing to read instead of collecting */
  char *collection_location;
  double timeout;
  gboolean persistent;

  GHashTable *nodeids; /* test id -> node id */
};

static void shoal_pytest_adapter_iface_init (ShoalAdapterInterface *iface);

G_DEFINE_DYNAMIC_TYPE_EXTENDED (ShoalPytestAdapter,
                                shoal_pytest_adapter,
                                G_TYPE_OBJECT,
                                G_TYPE_FLAG_FINAL,
                                G_IMPLEMENT_INTERFACE_DYNAMIC (SHOAL_TYPE_ADAPTER,
                                                               shoal_pytest_adapter_iface_init))

static void
shoal_pytest_adapter_clear (ShoalPytestAdapter *self)
{
  g_hash_table_remove_all (self->nodeids);
  g_clear_pointer (&self->suite, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->python, g_free);
  g_clear_pointer (&self->python_location, g_free);
  g_clear_pointer (&self->cwd, g_free);
  g_clear_pointer (&self->cwd_location, g_free);
  g_clear_pointer (&self->collection, g_free);
  g_clear_pointer (&self->collection_location, g_free);
  g_clear_pointer (&self->paths, g_strfreev);
  g_clear_pointer (&self->paths_location, g_free);
  g_clear_pointer (&self->args, g_strfreev);
  g_clear_pointer (&self->environment, g_strfreev);
}

static void
shoal_pytest_adapter_finalize (GObject *object)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (object);

  shoal_pytest_adapter_clear (self);
  g_clear_pointer (&self->nodeids, g_hash_table_unref);

  G_OBJECT_CLASS (shoal_pytest_adapter_parent_class)->finalize (object);
}

static void
shoal_pytest_adapter_class_init (ShoalPytestAdapterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_pytest_adapter_finalize;
}

static void
shoal_pytest_adapter_class_finalize (ShoalPytestAdapterClass *klass)
{
}

static void
shoal_pytest_adapter_init (ShoalPytestAdapter *self)
{
  self->nodeids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* The directory of this module, where its plugin file is installed (and
 * copied, in the build tree). SHOAL_PYTEST_PLUGIN_DIR overrides it. */
static char *
find_plugin_dir (GError **error)
{
  const char *override = g_getenv ("SHOAL_PYTEST_PLUGIN_DIR");
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  Dl_info info = { 0 };

  if (override != NULL && override[0] != '\0')
    dir = g_strdup (override);
  else if (dladdr ((void *) find_plugin_dir, &info) != 0 && info.dli_fname != NULL)
    {
      g_autofree char *path = g_canonicalize_filename (info.dli_fname, NULL);

      dir = g_path_get_dirname (path);
    }
  if (dir == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "cannot tell where the pytest adapter module is, to find %s", PLUGIN_FILE);
      return NULL;
    }
  file = g_build_filename (dir, PLUGIN_FILE, NULL);
  if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "the pytest adapter's plugin %s is missing (is Shoal installed completely?)",
                   file);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

/* Configuration */

static gboolean
shoal_pytest_adapter_configure (ShoalAdapter *adapter,
                                const char *suite_name,
                                ShoalSettings *settings,
                                GError **error)
{
  static const char *const known_keys[] = { "paths", "python", "args", "env", "cwd",
                                            "timeout", "persistent", "collection", NULL };
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) paths = NULL;
  g_auto (GStrv) args = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *python = NULL;
  g_autofree char *cwd = NULL;
  g_autofree char *collection = NULL;
  g_autofree char *plugin_dir = NULL;
  g_autofree char *pythonpath = NULL;
  const char *base_dir;
  const char *old_pythonpath;
  gboolean persistent = TRUE;
  double timeout = 0;

  if (settings == NULL)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_MISSING,
                   "suite %s: the pytest adapter needs 'paths'", suite_name);
      return FALSE;
    }
  base_dir = shoal_settings_get_base_dir (settings);

  if (!shoal_settings_check_keys (settings, known_keys, error))
    return FALSE;
  python = shoal_settings_get_string (settings, "python", DEFAULT_PYTHON, &local_error);
  if (local_error == NULL)
    collection = shoal_settings_get_string (settings, "collection", NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!shoal_settings_get_strv (settings, "paths", &paths, error) ||
      !shoal_settings_get_strv (settings, "args", &args, error) ||
      !shoal_settings_get_environ (settings, "env", &environment, error) ||
      !shoal_settings_get_boolean (settings, "persistent", TRUE, &persistent, error) ||
      !shoal_command_read_cwd (settings, base_dir, &cwd, error) ||
      !shoal_command_read_timeout (settings, &timeout, error))
    return FALSE;
  if (python[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, "python", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }
  if (paths == NULL)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        "missing required key 'paths'");
      return FALSE;
    }
  if (paths[0] == NULL)
    {
      shoal_settings_set_error_literal (settings, "paths", error, SHOAL_CONFIG_ERROR_INVALID,
                                        "must not be empty");
      return FALSE;
    }
  plugin_dir = find_plugin_dir (error);
  if (plugin_dir == NULL)
    return FALSE;

  shoal_pytest_adapter_clear (self);
  self->suite = g_strdup (suite_name);
  self->base_dir = g_strdup (base_dir);
  self->python = g_steal_pointer (&python);
  if (shoal_settings_has_key (settings, "python"))
    self->python_location = shoal_command_location (settings, "python");
  self->cwd = g_steal_pointer (&cwd);
  if (shoal_settings_has_key (settings, "cwd"))
    self->cwd_location = shoal_command_location (settings, "cwd");
  self->paths_location = shoal_command_location (settings, "paths");
  self->paths = g_new0 (char *, g_strv_length (paths) + 1);
  for (guint i = 0; paths[i] != NULL; i++)
    self->paths[i] = g_canonicalize_filename (paths[i], base_dir);
  self->args = g_steal_pointer (&args);
  if (collection != NULL)
    {
      self->collection = g_canonicalize_filename (collection, base_dir);
      self->collection_location = shoal_command_location (settings, "collection");
    }
  self->timeout = timeout;
  self->persistent = persistent;

  /* The plugin's directory first on PYTHONPATH, the user's after it. */
  old_pythonpath = g_environ_getenv (environment, "PYTHONPATH");
  if (old_pythonpath == NULL)
    old_pythonpath = g_getenv ("PYTHONPATH");
  pythonpath = old_pythonpath != NULL && old_pythonpath[0] != '\0'
                   ? g_strconcat (plugin_dir, ":", old_pythonpath, NULL)
                   : g_strdup (plugin_dir);
  environment = g_environ_setenv (environment, "PYTHONPATH", pythonpath, TRUE);
  /* Bytecode caches in the user's tree from parallel processes: pytest
   * copes, and they speed the next run up; but no color codes in
   * messages. */
  environment = g_environ_setenv (environment, "PY_COLORS", "0", TRUE);
  self->environment = g_steal_pointer (&environment);
  return TRUE;
}

/* Commands */

/* PYTHON -m pytest -p shoal_pytest_plugin -p no:cacheprovider
 * --rootdir=CWD ARGS... : what every invocation starts with. The cache
 * plugin is off: parallel processes would write its files at once, and
 * `--lf` has no meaning for a subset. */
static GPtrArray *
base_argv (ShoalPytestAdapter *self)
{
  GPtrArray *argv = g_ptr_array_new_null_terminated (16, g_free, TRUE);

  g_ptr_array_add (argv, g_strdup (self->python));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("pytest"));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup (PLUGIN_MODULE));
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup ("no:cacheprovider"));
  g_ptr_array_add (argv, g_strconcat ("--rootdir=", self->cwd, NULL));
  for (guint i = 0; self->args != NULL && self->args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->args[i]));
  return argv;
}

/* Discovery */

static const char *
get_string (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static GStrv
get_strv (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);
  g_autoptr (GPtrArray) out = g_ptr_array_new_null_terminated (4, g_free, TRUE);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (json_node_get_value_type (element) == G_TYPE_STRING)
            g_ptr_array_add (out, g_strdup (json_node_get_string (element)));
        }
    }
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static ShoalTestCase *
new_test (ShoalPytestAdapter *self, JsonObject *item, const char *nodeid)
{
  ShoalTestCase *test = shoal_test_case_new (self->suite, nodeid);
  g_auto (GStrv) tags = get_strv (item, "markers");
  g_auto (GStrv) resources = get_strv (item, "resources");
  g_auto (GStrv) locks = get_strv (item, "locks");
  const char *group = get_string (item, "xdist_group");
  g_autoptr (GPtrArray) all_locks = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  g_autoptr (GPtrArray) argv = base_argv (self);

  for (guint i = 0; locks[i] != NULL; i++)
    g_ptr_array_add (all_locks, g_strdup (locks[i]));
  if (group != NULL)
    g_ptr_array_add (all_locks, g_strconcat ("xdist_group:", group, NULL));

  g_ptr_array_add (argv, g_strdup (nodeid));
  shoal_test_case_set_name (test, nodeid);
  shoal_test_case_set_adapter (test, "pytest");
  shoal_test_case_set_argv (test, (const char *const *) argv->pdata);
  shoal_test_case_set_cwd (test, self->cwd);
  shoal_test_case_set_environment (test, (const char *const *) self->environment);
  shoal_test_case_set_timeout (test, self->timeout);
  if (tags[0] != NULL)
    shoal_test_case_set_tags (test, (const char *const *) tags);
  if (resources[0] != NULL)
    shoal_test_case_set_required_resources (test, (const char *const *) resources);
  if (all_locks->len > 0)
    shoal_test_case_set_locks (test, (const char *const *) all_locks->pdata);
  if (json_object_get_boolean_member_with_default (item, "exclusive", FALSE))
    shoal_test_case_set_exclusive (test, TRUE);
  return test;
}

/* Runs `pytest --collect-only` with the plugin, which writes the listing
 * that discover() reads; also gives pytest's output and exit status. */
static gboolean
run_collection (ShoalPytestAdapter *self,
                GCancellable *cancellable,
                char **out_listing,
                char **out_stdout,
                char **out_stderr,
                int *out_wait_status,
                GError **error)
{
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *listing_path = NULL;

  dir = g_dir_make_tmp ("shoal-pytest-XXXXXX", &local_error);
  if (dir == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: cannot make a temporary directory: %s", self->suite,
                   local_error->message);
      return FALSE;
    }
  listing_path = g_build_filename (dir, "collect.jsonl", NULL);

  argv = base_argv (self);
  g_ptr_array_add (argv, g_strdup ("--collect-only"));
  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strconcat ("--shoal-collect=", listing_path, NULL));
  for (guint i = 0; self->paths[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->paths[i]));

  if (!shoal_spawn_capture ((const char *const *) argv->pdata, self->cwd,
                            (const char *const *) self->environment, COLLECT_TIMEOUT, out_stdout, out_stderr,
                            out_wait_status, cancellable, &local_error))
    {
      g_unlink (listing_path);
      g_rmdir (dir);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "%s%ssuite %s: cannot run %s: %s",
                   self->python_location != NULL ? self->python_location : "",
                   self->python_location != NULL ? ": " : "", self->suite, self->python,
                   local_error->message);
      return FALSE;
    }
  g_file_get_contents (listing_path, out_listing, NULL, NULL);
  g_unlink (listing_path);
  g_rmdir (dir);

  if (*out_stderr != NULL && strstr (*out_stderr, "No module named pytest") != NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                   "%s%ssuite %s: %s has no pytest module (on Debian: apt install python3-pytest)",
                   self->python_location != NULL ? self->python_location : "",
                   self->python_location != NULL ? ": " : "", self->suite, self->python);
      return FALSE;
    }

  return TRUE;
}

static GList *
shoal_pytest_adapter_discover (ShoalAdapter *adapter, GCancellable *cancellable, GError **error)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  g_autoptr (GPtrArray) tests = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GString) collect_errors = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  int wait_status = 0;

  if (self->suite == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "the pytest adapter was not configured");
      return NULL;
    }
  g_hash_table_remove_all (self->nodeids);

  if (!shoal_command_check_directory (self->cwd, self->cwd_location, error))
    return NULL;
  for (guint i = 0; self->paths[i] != NULL; i++)
    if (!g_file_test (self->paths[i], G_FILE_TEST_EXISTS))
      {
        g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_NOT_FOUND,
                     "%s: suite %s: the path %s does not exist", self->paths_location, self->suite,
                     self->paths[i]);
        return NULL;
      }

  if (self->collection != NULL)
    {
      /* The `-p shoal` plugin's session collected already: its listing
       * stands for pytest --collect-only. */
      if (!g_file_get_contents (self->collection, &listing, NULL, &local_error))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                       "%s: cannot read the collection: %s", self->collection_location,
                       local_error->message);
          return NULL;
        }
    }
  else if (!run_collection (self, cancellable, &listing, &out, &err, &wait_status, error))
    return NULL;

  lines = g_strsplit (listing != NULL ? listing : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonObject *item;
      const char *event;
      const char *nodeid;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      item = json_node_get_object (root);
      event = get_string (item, "event");
      nodeid = get_string (item, "nodeid");
      if (g_strcmp0 (event, "collect_error") == 0)
        {
          const char *message = get_string (item, "message");

          g_string_append_printf (collect_errors, "%s%s: %s", collect_errors->len > 0 ? "; " : "",
                                  nodeid != NULL && nodeid[0] != '\0' ? nodeid : "(collection)",
                                  message != NULL ? message : "error");
          continue;
        }
      if (g_strcmp0 (event, "item") != 0 || nodeid == NULL)
        continue;
      {
        g_autoptr (ShoalTestCase) test = new_test (self, item, nodeid);

        g_hash_table_replace (self->nodeids, g_strdup (shoal_test_case_get_id (test)),
                              g_strdup (nodeid));
        g_ptr_array_add (tests, g_steal_pointer (&test));
      }
    }

  if (collect_errors->len > 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: pytest cannot collect the tests (in %s): %s", self->suite,
                   self->cwd, collect_errors->str);
      g_hash_table_remove_all (self->nodeids);
      return NULL;
    }
  /* 0: collected; 5: no tests collected (an empty suite is no error). */
  if (!WIFEXITED (wait_status) ||
      (WEXITSTATUS (wait_status) != 0 && WEXITSTATUS (wait_status) != 5))
    {
      g_autofree char *how = shoal_describe_wait_status (wait_status);
      g_autofree char *tail = shoal_text_tail (err != NULL && err[0] != '\0' ? err : out, 5);

      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_DISCOVERY,
                   "suite %s: %s -m pytest --collect-only %s%s%s", self->suite, self->python, how,
                   tail[0] != '\0' ? ": " : "", tail);
      g_hash_table_remove_all (self->nodeids);
      return NULL;
    }

  return shoal_object_list_from_array (g_steal_pointer (&tests));
}

/* Running */

static void
remove_output_dir (gpointer data)
{
  char *dir = data;
  g_autofree char *results = g_build_filename (dir, RESULTS_NAME, NULL);

  g_unlink (results);
  g_rmdir (dir);
  g_free (dir);
}

static ShoalRunCommand *
shoal_pytest_adapter_prepare (ShoalAdapter *adapter, GPtrArray *tests, GError **error)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  g_autoptr (ShoalRunCommand) command = NULL;
  g_autoptr (GPtrArray) argv = base_argv (self);
  g_autoptr (GPtrArray) nodeids = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *results = NULL;

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      const char *nodeid = g_hash_table_lookup (self->nodeids, shoal_test_case_get_id (test));

      if (nodeid == NULL)
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "cannot run %s: this adapter did not discover it",
                       shoal_test_case_get_id (test));
          return NULL;
        }
      if (!g_hash_table_add (seen, (gpointer) nodeid))
        {
          g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                       "test %s is twice in the batch", shoal_test_case_get_id (test));
          return NULL;
        }
      g_ptr_array_add (nodeids, (gpointer) nodeid);
    }

  dir = g_dir_make_tmp ("shoal-pytest-XXXXXX", &local_error);
  if (dir == NULL)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_PREPARE,
                   "cannot make a directory for pytest's results: %s", local_error->message);
      return NULL;
    }
  results = g_build_filename (dir, RESULTS_NAME, NULL);

  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strconcat ("--shoal-results=", results, NULL));
  for (guint i = 0; i < nodeids->len; i++)
    g_ptr_array_add (argv, g_strdup (nodeids->pdata[i]));

  command = shoal_run_command_new ((const char *const *) argv->pdata);
  if (self->persistent)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *request = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "results");
      json_builder_add_string_value (builder, results);
      json_builder_set_member_name (builder, "nodeids");
      json_builder_begin_array (builder);
      for (guint i = 0; i < nodeids->len; i++)
        json_builder_add_string_value (builder, nodeids->pdata[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      request = json_to_string (root, FALSE);
      shoal_run_command_set_session_request (command, request);
    }
  shoal_run_command_set_cwd (command, self->cwd);
  shoal_run_command_set_environment (command, (const char *const *) self->environment);
  for (guint i = 0; i < tests->len; i++)
    shoal_run_command_add_test (command, g_ptr_array_index (tests, i));
  g_object_set_data_full (G_OBJECT (command), OUTPUT_DIR_KEY, g_steal_pointer (&dir),
                          remove_output_dir);
  return g_steal_pointer (&command);
}

typedef struct
{
  ShoalOutcome outcome;
  char *message;
  double duration;
} PytestVerdict;

static void
pytest_verdict_free (gpointer data)
{
  PytestVerdict *verdict = data;

  g_free (verdict->message);
  g_free (verdict);
}

static ShoalOutcome
parse_outcome (const char *text)
{
  ShoalOutcome outcome = SHOAL_OUTCOME_ERROR;

  if (text == NULL || !shoal_outcome_from_string (text, &outcome))
    return SHOAL_OUTCOME_ERROR;
  return outcome;
}

/* The message of a result line: pytest's longrepr (or the xpass note),
 * then the test's captured output when it did not pass. */
static char *
verdict_message (JsonObject *object, ShoalOutcome outcome)
{
  g_autoptr (GString) message = g_string_new (NULL);
  const char *text = get_string (object, "message");
  const char *note = get_string (object, "note");

  if (text != NULL)
    g_string_append (message, text);
  else if (note != NULL)
    g_string_append (message, note);
  if (outcome == SHOAL_OUTCOME_FAILED || outcome == SHOAL_OUTCOME_ERROR)
    {
      const char *out = get_string (object, "stdout");
      const char *err = get_string (object, "stderr");

      if (out != NULL && out[0] != '\0')
        g_string_append_printf (message, "\n--- captured stdout ---\n%s", out);
      if (err != NULL && err[0] != '\0')
        g_string_append_printf (message, "\n--- captured stderr ---\n%s", err);
    }
  if (message->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&message), FALSE);
}

/* Reads the plugin's result lines: node id -> PytestVerdict, and the node
 * id of the test that started last without a result, if any. */
static GHashTable *
read_results (const char *path, char **out_running)
{
  GHashTable *verdicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                pytest_verdict_free);
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;

  *out_running = NULL;
  if (path == NULL || !g_file_get_contents (path, &contents, NULL, NULL))
    return verdicts;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonNode *root;
      JsonObject *object;
      const char *event;
      const char *nodeid;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      object = json_node_get_object (root);
      event = get_string (object, "event");
      nodeid = get_string (object, "nodeid");
      if (nodeid == NULL)
        continue;
      if (g_strcmp0 (event, "started") == 0)
        {
          g_free (*out_running);
          *out_running = g_strdup (nodeid);
        }
      else if (g_strcmp0 (event, "result") == 0)
        {
          PytestVerdict *verdict = g_new0 (PytestVerdict, 1);

          verdict->outcome = parse_outcome (get_string (object, "outcome"));
          verdict->message = verdict_message (object, verdict->outcome);
          verdict->duration = json_object_get_double_member_with_default (object, "duration", -1);
          g_hash_table_replace (verdicts, g_strdup (nodeid), verdict);
          if (g_strcmp0 (*out_running, nodeid) == 0)
            g_clear_pointer (out_running, g_free);
        }
    }
  return verdicts;
}

static GList *
shoal_pytest_adapter_interpret (ShoalAdapter *adapter,
                                ShoalRunCommand *command,
                                ShoalExecution *execution,
                                GError **error)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  GPtrArray *tests = shoal_run_command_get_tests (command);
  const char *dir = g_object_get_data (G_OBJECT (command), OUTPUT_DIR_KEY);
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) verdicts = NULL;
  g_autofree char *results_path = NULL;
  g_autofree char *running = NULL;
  g_autofree char *described = shoal_execution_describe (execution);
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  double known = 0;
  int dying_index = -1;

  if (tests->len == 0)
    {
      g_set_error (error, SHOAL_ADAPTER_ERROR, SHOAL_ADAPTER_ERROR_INTERPRET,
                   "the command runs no test");
      return NULL;
    }

  if (dir != NULL)
    {
      results_path = g_build_filename (dir, RESULTS_NAME, NULL);
      verdicts = read_results (results_path, &running);
      /* Read once: a retry gets a new command and a new directory. */
      g_unlink (results_path);
    }
  else
    verdicts = read_results (NULL, &running);

  for (guint i = 0; i < tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (tests, i);
      const char *nodeid = g_hash_table_lookup (self->nodeids, shoal_test_case_get_id (test));
      PytestVerdict *verdict = nodeid != NULL ? g_hash_table_lookup (verdicts, nodeid) : NULL;
      g_autofree char *message = NULL;
      ShoalTestResult *result;
      ShoalOutcome outcome;

      if (nodeid == NULL)
        nodeid = shoal_test_case_get_name (test);

      if (verdict != NULL)
        {
          result = shoal_adapter_result_for_execution (test, execution, verdict->outcome,
                                                       verdict->message);
          if (verdict->duration >= 0)
            {
              shoal_test_result_set_duration (result, verdict->duration);
              known += verdict->duration;
            }
          g_ptr_array_add (results, result);
          continue;
        }
      if (running != NULL && g_str_equal (nodeid, running))
        {
          outcome = exec_outcome;
          if (outcome == SHOAL_OUTCOME_PASSED || outcome == SHOAL_OUTCOME_SKIPPED)
            outcome = SHOAL_OUTCOME_FAILED;
          message = g_strdup_printf ("%s while running %s", described, nodeid);
          dying_index = (int) results->len;
        }
      else if (running != NULL || ((exec_outcome == SHOAL_OUTCOME_TIMEOUT ||
                                    exec_outcome == SHOAL_OUTCOME_CRASHED) &&
                                   g_hash_table_size (verdicts) > 0))
        {
          /* It did not run: no result, and the core runs it again. */
          continue;
        }
      else
        {
          g_autoptr (GError) read_error = NULL;
          g_autofree char *text = shoal_execution_read_output (execution, 64 * 1024, &read_error);
          g_autofree char *tail = shoal_text_tail (text, 5);

          outcome = exec_outcome == SHOAL_OUTCOME_PASSED || exec_outcome == SHOAL_OUTCOME_SKIPPED
                        ? SHOAL_OUTCOME_ERROR
                        : exec_outcome;
          message = g_strdup_printf ("pytest reported no result for %s (%s)%s%s", nodeid,
                                     described, tail[0] != '\0' ? ": " : "", tail);
        }
      g_ptr_array_add (results,
                       shoal_adapter_result_for_execution (test, execution, outcome, message));
    }

  /* The test that died had what is left of the command's time. */
  if (dying_index >= 0)
    shoal_test_result_set_duration (results->pdata[dying_index],
                                    MAX (shoal_execution_get_duration (execution) - known, 0));

  return shoal_object_list_from_array (g_steal_pointer (&results));
}

/* A persistent worker: `pytest --shoal-worker PATHS...` collects the
 * suite once and then runs the node ids of each request sent to it (see
 * shoal_pytest_plugin.py), module and session fixtures alive between
 * requests. */
static ShoalRunCommand *
shoal_pytest_adapter_prepare_session (ShoalAdapter *adapter, GError **error)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  g_autoptr (GPtrArray) argv = NULL;
  ShoalRunCommand *command;

  if (!self->persistent || self->suite == NULL)
    return NULL;
  argv = base_argv (self);
  g_ptr_array_add (argv, g_strdup ("-q"));
  g_ptr_array_add (argv, g_strdup ("--shoal-worker"));
  for (guint i = 0; self->paths[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (self->paths[i]));
  command = shoal_run_command_new ((const char *const *) argv->pdata);
  shoal_run_command_set_cwd (command, self->cwd);
  shoal_run_command_set_environment (command, (const char *const *) self->environment);
  shoal_run_command_setenv (command, "SHOAL_PYTEST_WORKER", "1");
  return command;
}

static gboolean
shoal_pytest_adapter_can_batch (ShoalAdapter *adapter)
{
  return TRUE;
}

/* Any tests of the suite may share a process, as they do under pytest
 * itself: prepare runs them as node ids of one command that starts as
 * base_argv() does (the suite's interpreter, rootdir and `args:`). A test
 * this adapter did not discover runs alone (prepare refuses it). */
static char *
shoal_pytest_adapter_get_batch_key (ShoalAdapter *adapter, ShoalTestCase *test)
{
  ShoalPytestAdapter *self = SHOAL_PYTEST_ADAPTER (adapter);
  g_autoptr (GPtrArray) argv = NULL;

  if (!g_hash_table_contains (self->nodeids, shoal_test_case_get_id (test)))
    return NULL;
  argv = base_argv (self);
  return g_strjoinv ("\n", (char **) argv->pdata);
}

static void
shoal_pytest_adapter_iface_init (ShoalAdapterInterface *iface)
{
  iface->configure = shoal_pytest_adapter_configure;
  iface->discover = shoal_pytest_adapter_discover;
  iface->prepare = shoal_pytest_adapter_prepare;
  iface->interpret = shoal_pytest_adapter_interpret;
  iface->can_batch = shoal_pytest_adapter_can_batch;
  iface->get_batch_key = shoal_pytest_adapter_get_batch_key;
  iface->prepare_session = shoal_pytest_adapter_prepare_session;
}

G_MODULE_EXPORT const int shoal_plugin_abi_version = SHOAL_PLUGIN_ABI_VERSION;

G_MODULE_EXPORT void shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry);

/**
 * shoal_plugin_register:
 * @module: the module being loaded
 * @registry: the registry loading it
 *
 * Registers the pytest adapter's type on @module and names it `pytest`.
 */
G_MODULE_EXPORT void
shoal_plugin_register (GTypeModule *module, ShoalPluginRegistry *registry)
{
  g_autoptr (GError) error = NULL;

  shoal_pytest_adapter_register_type (module);
  if (!shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_ADAPTER, "pytest",
                                            SHOAL_TYPE_PYTEST_ADAPTER, &error))
    g_warning ("Could not register the pytest adapter: %s", error->message);
}
