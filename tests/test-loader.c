/* test-loader.c: the plugin registry and its module loader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every case runs in a subprocess: a loaded module cannot be unloaded and a
 * dynamic type registers once per process, so each case starts from a
 * process that has loaded nothing. The modules are built by
 * tests/fixtures/loader/, one folder per case with its .plugin file beside
 * the shared object; a case puts only its own folder on the search path.
 */

#include <dlfcn.h>
#include <string.h>

#include <gmodule.h>
#include <shoal.h>

#define assert_contains(haystack, needle)                                                        \
  G_STMT_START                                                                                   \
  {                                                                                              \
    const char *h__ = (haystack);                                                                \
    const char *n__ = (needle);                                                                  \
    if (h__ == NULL || strstr (h__, n__) == NULL)                                                \
      g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,                   \
                                  #haystack " contains " #needle, h__, "does not contain", n__); \
  }                                                                                              \
  G_STMT_END

/* A folder of tests/fixtures/loader/ in the build tree (modules) or in the
 * source tree (metadata only). */
static char *
built_case_dir (const char *name)
{
  return g_test_build_filename (G_TEST_BUILT, "fixtures", "loader", name, NULL);
}

static char *
dist_case_dir (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "loader", name, NULL);
}

static char *
module_path (const char *dir, const char *module)
{
  g_autofree char *file = g_strconcat (module, "." G_MODULE_SUFFIX, NULL);

  return g_build_filename (dir, file, NULL);
}

static ShoalPluginRegistry *
registry_for (const char *dir)
{
  ShoalPluginRegistry *registry = shoal_plugin_registry_new ();

  shoal_plugin_registry_add_search_path (registry, dir);
  return registry;
}

/* Whether the dynamic linker has @path mapped in this process, without
 * loading it. */
static gboolean
module_is_mapped (const char *path)
{
  void *handle = dlopen (path, RTLD_LAZY | RTLD_NOLOAD);

  if (handle == NULL)
    return FALSE;
  dlclose (handle);
  return TRUE;
}

static void
assert_not_mapped (const char *path)
{
  if (module_is_mapped (path))
    g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, "module is not loaded",
                                path, "is loaded", "");
}

/* Loads the reporter @name from the fixture folder @case_name of the build
 * tree and expects @code; returns the message. */
static char *
expect_load_error (const char *case_name, const char *name, int code)
{
  g_autofree char *dir = built_case_dir (case_name);
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalReporter) reporter = NULL;
  ShoalPluginInfo *info;

  info = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, name);
  g_assert_nonnull (info);
  g_assert_false (shoal_plugin_info_get_loaded (info));

  reporter = shoal_plugin_registry_create_reporter (registry, name, &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, code);
  g_assert_null (reporter);
  g_test_message ("%s: %s", case_name, error->message);
  g_assert_cmpint (
      shoal_plugin_registry_load_type (registry, SHOAL_PLUGIN_KIND_REPORTER, name, NULL), ==,
      G_TYPE_INVALID);
  return g_strdup (error->message);
}

/* (a) */
static void
test_missing_module (void)
{
  g_autofree char *dir = dist_case_dir ("missing-module");
  g_autofree char *expected_module = module_path (dir, "loader-missing-module");
  g_autofree char *plugin = g_build_filename (dir, "loader-missing.plugin", NULL);
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalReporter) reporter = NULL;
  ShoalPluginInfo *info;

  info = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-missing");
  g_assert_nonnull (info);
  g_assert_cmpstr (shoal_plugin_info_get_module_path (info), ==, expected_module);

  reporter = shoal_plugin_registry_create_reporter (registry, "loader-missing", &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND);
  g_assert_null (reporter);
  assert_contains (error->message, expected_module);
  assert_contains (error->message, plugin);
  g_assert_false (shoal_plugin_info_get_loaded (info));
}

/* (b) The module of loader-abi-metadata aborts the process if it is ever
 * loaded: the ABI of the metadata is checked before any code is. */
static void
test_abi_metadata (void)
{
  g_autofree char *dir = built_case_dir ("abi-metadata");
  g_autofree char *trap = module_path (dir, "loader-trap");
  g_autofree char *message = NULL;
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  ShoalPluginInfo *info;

  g_assert_true (g_file_test (trap, G_FILE_TEST_EXISTS));
  info = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-abi-metadata");
  g_assert_nonnull (info);
  g_assert_cmpint (shoal_plugin_info_get_abi (info), ==, 99);

  message = expect_load_error ("abi-metadata", "loader-abi-metadata", SHOAL_MODULE_ERROR_ABI);
  assert_contains (message, "loader-abi-metadata");
  assert_contains (message, "ABI 99");
  assert_not_mapped (trap);
}

/* (c) */
static void
test_abi_symbol (void)
{
  g_autofree char *dir = built_case_dir ("abi-symbol");
  g_autofree char *path = module_path (dir, "loader-abi99");
  g_autofree char *message =
      expect_load_error ("abi-symbol", "loader-abi99", SHOAL_MODULE_ERROR_ABI);

  assert_contains (message, path);
  assert_contains (message, "ABI 99");
  /* A refused module does not stay in the process. */
  assert_not_mapped (path);
}

static void
test_abi_symbol_missing (void)
{
  g_autofree char *dir = built_case_dir ("no-abi");
  g_autofree char *path = module_path (dir, "loader-no-abi");
  g_autofree char *message = expect_load_error ("no-abi", "loader-no-abi", SHOAL_MODULE_ERROR_ABI);

  assert_contains (message, path);
  assert_contains (message, SHOAL_PLUGIN_ABI_SYMBOL);
  assert_not_mapped (path);
}

/* (d) */
static void
test_no_entry_point (void)
{
  g_autofree char *dir = built_case_dir ("no-entry");
  g_autofree char *path = module_path (dir, "loader-no-entry");
  g_autofree char *message =
      expect_load_error ("no-entry", "loader-no-entry", SHOAL_MODULE_ERROR_ENTRY_POINT);

  assert_contains (message, path);
  assert_contains (message, SHOAL_PLUGIN_ENTRY_POINT);
  assert_not_mapped (path);
}

/* (e) */
static void
test_not_a_shared_object (void)
{
  g_autofree char *dir = built_case_dir ("not-a-module");
  g_autofree char *path = module_path (dir, "loader-not-a-module");
  g_autofree char *message = NULL;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  message = expect_load_error ("not-a-module", "loader-not-a-module", SHOAL_MODULE_ERROR_LOAD);
  assert_contains (message, path);
}

/* (f) */
static void
test_registers_nothing (void)
{
  g_autofree char *dir = built_case_dir ("registers-nothing");
  g_autofree char *path = module_path (dir, "loader-empty");
  g_autofree char *message =
      expect_load_error ("registers-nothing", "loader-empty", SHOAL_MODULE_ERROR_REGISTRATION);

  assert_contains (message, path);
  assert_contains (message, "registered no reporter named 'loader-empty'");
}

/* (g) */
static gboolean
warnings_have (GPtrArray *warnings, const char *file, const char *reason)
{
  for (guint i = 0; i < warnings->len; i++)
    {
      const char *warning = g_ptr_array_index (warnings, i);

      if (strstr (warning, file) != NULL && strstr (warning, reason) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_malformed_metadata (void)
{
  static const struct
  {
    const char *file;
    const char *reason;
  } expected[] = {
    { "abi-not-number.plugin", "X-Shoal-Abi=one is not a number" },
    { "bad-kind.plugin", "X-Shoal-Kind=formatter is not one of" },
    { "module-path.plugin", "must be a file name beside the .plugin file" },
    { "no-name.plugin", "missing key Name" },
    { "not-a-keyfile.plugin", "not-a-keyfile.plugin: " },
  };
  g_autofree char *dir = dist_case_dir ("malformed");
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  GPtrArray *warnings;
  ShoalPluginInfo *fine;

  g_assert_true (shoal_plugin_registry_scan (registry, &error));
  g_assert_no_error (error);

  warnings = shoal_plugin_registry_get_warnings (registry);
  for (guint i = 0; i < warnings->len; i++)
    g_test_message ("warning: %s", (const char *) g_ptr_array_index (warnings, i));
  g_assert_cmpuint (warnings->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_build_filename (dir, expected[i].file, NULL);

      if (!warnings_have (warnings, path, expected[i].reason))
        g_assertion_message_cmpstr (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,
                                    "a warning names the file and the reason", path, "with",
                                    expected[i].reason);
    }

  /* The scan went on past the bad files: the good one among them is known,
   * and it is the only one. */
  fine = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_STRATEGY, "loader-fine");
  g_assert_nonnull (fine);
  g_assert_cmpstr (shoal_plugin_info_get_description (fine), ==,
                   "Well-formed, beside malformed ones: the scan must reach it");
  list = shoal_plugin_registry_list (registry);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_null (
      shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-bad-kind"));

  /* A second scan replaces the warnings rather than adding to them. */
  g_assert_true (shoal_plugin_registry_scan (registry, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_plugin_registry_get_warnings (registry)->len, ==,
                    G_N_ELEMENTS (expected));
}

/* (h) */
static void
test_unknown_name (void)
{
  g_autofree char *dir = built_case_dir ("good");
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  g_autoptr (GError) error = NULL;
  GObject *object;

  object =
      shoal_plugin_registry_create (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-goood", &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND);
  g_assert_null (object);
  assert_contains (error->message, "'loader-goood'");
  assert_contains (error->message, "did you mean 'loader-good'?");
  g_clear_error (&error);

  object = shoal_plugin_registry_create (registry, SHOAL_PLUGIN_KIND_REPORTER, "xml", &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND);
  g_assert_null (object);
  assert_contains (error->message, "no reporter plugin named 'xml'");
  assert_contains (error->message, "(available: loader-good)");
  g_assert_null (strstr (error->message, "did you mean"));
  g_clear_error (&error);

  /* Only plugins of the kind asked for are offered. */
  object =
      shoal_plugin_registry_create (registry, SHOAL_PLUGIN_KIND_STRATEGY, "loader-good", &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND);
  g_assert_null (object);
  assert_contains (error->message, "no strategy plugin named 'loader-good'");
  assert_contains (error->message, "(available: none)");
  g_clear_error (&error);

  /* Suggestions come from the metadata: nothing was loaded. */
  g_assert_false (shoal_plugin_info_get_loaded (
      shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-good")));
}

/* (i) */
static int
good_entry_calls (const char *path)
{
  void *handle = dlopen (path, RTLD_LAZY | RTLD_NOLOAD);
  int *calls;
  int value;

  g_assert_nonnull (handle);
  calls = dlsym (handle, "loader_good_entry_calls");
  g_assert_nonnull (calls);
  value = *calls;
  dlclose (handle);
  return value;
}

static void
test_good_module (void)
{
  g_autofree char *dir = built_case_dir ("good");
  g_autofree char *path = module_path (dir, "loader-good");
  g_autofree char *plugin = g_build_filename (dir, "loader-good.plugin", NULL);
  g_autoptr (ShoalPluginRegistry) first = registry_for (dir);
  g_autoptr (ShoalPluginRegistry) second = NULL;
  g_autoptr (ShoalReporter) reporter = NULL;
  g_autoptr (ShoalReporter) other = NULL;
  g_autoptr (ShoalEvent) event = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  ShoalPluginInfo *info;
  GTypePlugin *plugin_of_type;
  GType type;

  /* Metadata, without code. */
  g_assert_true (shoal_plugin_registry_scan (first, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (shoal_plugin_registry_get_warnings (first)->len, ==, 0);
  list = shoal_plugin_registry_list (first);
  g_assert_cmpuint (list->len, ==, 1);
  info = g_ptr_array_index (list, 0);
  g_assert_true (info ==
                 shoal_plugin_registry_lookup (first, SHOAL_PLUGIN_KIND_REPORTER, "loader-good"));
  g_assert_cmpstr (shoal_plugin_info_get_name (info), ==, "loader-good");
  g_assert_cmpint (shoal_plugin_info_get_kind (info), ==, SHOAL_PLUGIN_KIND_REPORTER);
  g_assert_cmpstr (shoal_plugin_info_get_description (info), ==, "A reporter that counts events");
  g_assert_cmpint (shoal_plugin_info_get_abi (info), ==, SHOAL_PLUGIN_ABI_VERSION);
  g_assert_cmpstr (shoal_plugin_info_get_module_path (info), ==, path);
  g_assert_cmpstr (shoal_plugin_info_get_info_path (info), ==, plugin);
  g_assert_false (shoal_plugin_info_get_builtin (info));
  g_assert_false (shoal_plugin_info_get_loaded (info));
  g_assert_cmpint (g_type_from_name ("LoaderGoodReporter"), ==, G_TYPE_INVALID);
  assert_not_mapped (path);

  /* Creating it loads the code, once. */
  reporter = shoal_plugin_registry_create_reporter (first, "loader-good", &error);
  g_assert_no_error (error);
  g_assert_true (SHOAL_IS_REPORTER (reporter));
  g_assert_true (shoal_plugin_info_get_loaded (info));
  g_assert_true (module_is_mapped (path));
  g_assert_cmpint (good_entry_calls (path), ==, 1);
  type = G_OBJECT_TYPE (reporter);
  g_assert_cmpstr (g_type_name (type), ==, "LoaderGoodReporter");
  g_assert_cmpint (
      shoal_plugin_registry_load_type (first, SHOAL_PLUGIN_KIND_REPORTER, "loader-good", &error),
      ==, type);
  g_assert_no_error (error);

  /* Its type is a dynamic type of a module named by its path. */
  plugin_of_type = g_type_get_plugin (type);
  g_assert_true (G_IS_TYPE_MODULE (plugin_of_type));
  g_assert_cmpstr (G_TYPE_MODULE (plugin_of_type)->name, ==, path);

  event = shoal_event_new (SHOAL_EVENT_LOG_MESSAGE, 1, g_get_real_time (), NULL);
  shoal_reporter_handle_event (reporter, event);
  g_assert_true (shoal_reporter_close (reporter, &error));
  g_assert_no_error (error);

  /* A second registry gets the same type replayed, without running the
   * entry point again (the type could not register twice). */
  second = registry_for (dir);
  info = shoal_plugin_registry_lookup (second, SHOAL_PLUGIN_KIND_REPORTER, "loader-good");
  g_assert_nonnull (info);
  g_assert_false (shoal_plugin_info_get_loaded (info));
  g_assert_cmpint (
      shoal_plugin_registry_load_type (second, SHOAL_PLUGIN_KIND_REPORTER, "loader-good", &error),
      ==, type);
  g_assert_no_error (error);
  g_assert_true (shoal_plugin_info_get_loaded (info));
  other = shoal_plugin_registry_create_reporter (second, "loader-good", &error);
  g_assert_no_error (error);
  g_assert_cmpint (G_OBJECT_TYPE (other), ==, type);
  g_assert_cmpint (good_entry_calls (path), ==, 1);
}

/* (j) */
#define TEST_TYPE_INPROC_REPORTER (test_inproc_reporter_get_type ())
G_DECLARE_FINAL_TYPE (TestInprocReporter, test_inproc_reporter, TEST, INPROC_REPORTER, GObject)

struct _TestInprocReporter
{
  GObject parent_instance;

  guint n_events;
};

static void test_inproc_reporter_iface_init (ShoalReporterInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestInprocReporter,
                               test_inproc_reporter,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_REPORTER,
                                                      test_inproc_reporter_iface_init))

static void
test_inproc_reporter_handle_event (ShoalReporter *reporter, ShoalEvent *event)
{
  TEST_INPROC_REPORTER (reporter)->n_events++;
}

static void
test_inproc_reporter_iface_init (ShoalReporterInterface *iface)
{
  iface->handle_event = test_inproc_reporter_handle_event;
}

static void
test_inproc_reporter_class_init (TestInprocReporterClass *klass)
{
}

static void
test_inproc_reporter_init (TestInprocReporter *self)
{
}

/* A GObject that implements no plugin interface. */
#define TEST_TYPE_PLAIN (test_plain_get_type ())
G_DECLARE_FINAL_TYPE (TestPlain, test_plain, TEST, PLAIN, GObject)

struct _TestPlain
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestPlain, test_plain, G_TYPE_OBJECT)

static void
test_plain_class_init (TestPlainClass *klass)
{
}

static void
test_plain_init (TestPlain *self)
{
}

static void
test_in_process (void)
{
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (ShoalReporter) reporter = NULL;
  g_autoptr (ShoalEvent) event = NULL;
  g_autoptr (GError) error = NULL;
  ShoalPluginInfo *info;
  GObject *object;

  g_assert_true (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER,
                                                      "inproc", TEST_TYPE_INPROC_REPORTER, &error));
  g_assert_no_error (error);

  info = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "inproc");
  g_assert_nonnull (info);
  g_assert_cmpstr (shoal_plugin_info_get_name (info), ==, "inproc");
  g_assert_cmpint (shoal_plugin_info_get_kind (info), ==, SHOAL_PLUGIN_KIND_REPORTER);
  g_assert_true (shoal_plugin_info_get_builtin (info));
  g_assert_true (shoal_plugin_info_get_loaded (info));
  g_assert_null (shoal_plugin_info_get_info_path (info));
  g_assert_null (shoal_plugin_info_get_module_path (info));
  assert_contains (shoal_plugin_info_get_description (info), "TestInprocReporter");

  reporter = shoal_plugin_registry_create_reporter (registry, "inproc", &error);
  g_assert_no_error (error);
  g_assert_true (TEST_IS_INPROC_REPORTER (reporter));
  event = shoal_event_new (SHOAL_EVENT_LOG_MESSAGE, 1, g_get_real_time (), NULL);
  shoal_reporter_handle_event (reporter, event);
  g_assert_cmpuint (TEST_INPROC_REPORTER (reporter)->n_events, ==, 1);

  /* The same type under the same name again is harmless. */
  g_assert_true (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER,
                                                      "inproc", TEST_TYPE_INPROC_REPORTER, &error));
  g_assert_no_error (error);

  /* A type without the interface is refused, and says why. */
  g_assert_false (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER,
                                                       "plain", TEST_TYPE_PLAIN, &error));
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION);
  g_assert_cmpstr (error->message, ==,
                   "cannot register reporter 'plain': TestPlain is not an instantiable GObject "
                   "type implementing ShoalReporter");
  g_clear_error (&error);
  g_assert_null (shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "plain"));
  object = shoal_plugin_registry_create (registry, SHOAL_PLUGIN_KIND_REPORTER, "plain", &error);
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_NOT_FOUND);
  g_assert_null (object);
  g_clear_error (&error);

  /* So is a reporter offered as another kind, and an interface type. */
  g_assert_false (shoal_plugin_registry_register_type (
      registry, SHOAL_PLUGIN_KIND_ADAPTER, "inproc", TEST_TYPE_INPROC_REPORTER, &error));
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION);
  assert_contains (
      error->message,
      "TestInprocReporter is not an instantiable GObject type implementing ShoalAdapter");
  g_clear_error (&error);
  g_assert_false (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER,
                                                       "iface", SHOAL_TYPE_REPORTER, &error));
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION);
  g_clear_error (&error);
}

static void
test_in_process_taken_name (void)
{
  g_autofree char *dir = built_case_dir ("good");
  g_autoptr (ShoalPluginRegistry) registry = registry_for (dir);
  g_autoptr (ShoalReporter) reporter = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GError) error = NULL;
  GType good;

  g_assert_true (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "mine",
                                                      TEST_TYPE_INPROC_REPORTER, &error));
  g_assert_no_error (error);

  /* In-process plugins and modules from the search path live side by side. */
  good =
      shoal_plugin_registry_load_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-good", &error);
  g_assert_no_error (error);
  g_assert_cmpint (good, !=, G_TYPE_INVALID);
  reporter = shoal_plugin_registry_create_reporter (registry, "mine", &error);
  g_assert_no_error (error);
  g_assert_true (TEST_IS_INPROC_REPORTER (reporter));
  list = shoal_plugin_registry_list (registry);
  g_assert_cmpuint (list->len, ==, 2);

  /* Another type under a taken name is refused, either way round. */
  g_assert_false (shoal_plugin_registry_register_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "mine",
                                                       good, &error));
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION);
  g_assert_cmpstr (error->message, ==,
                   "cannot register reporter 'mine' as LoaderGoodReporter: it is already "
                   "registered as TestInprocReporter");
  g_clear_error (&error);
  g_assert_false (shoal_plugin_registry_register_type (
      registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-good", TEST_TYPE_INPROC_REPORTER, &error));
  g_assert_error (error, SHOAL_MODULE_ERROR, SHOAL_MODULE_ERROR_REGISTRATION);
  assert_contains (error->message, "it is already registered as LoaderGoodReporter");
  g_clear_error (&error);
  g_assert_cmpint (
      shoal_plugin_registry_load_type (registry, SHOAL_PLUGIN_KIND_REPORTER, "mine", &error), ==,
      TEST_TYPE_INPROC_REPORTER);
  g_assert_no_error (error);
}

/* (k) */
static void
test_shadowed (void)
{
  g_autofree char *first = dist_case_dir ("shadow/first");
  g_autofree char *second = dist_case_dir ("shadow/second");
  g_autofree char *first_plugin = g_build_filename (first, "dup.plugin", NULL);
  g_autofree char *second_plugin = g_build_filename (second, "dup.plugin", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (ShoalPluginRegistry) registry = shoal_plugin_registry_new ();
  g_autoptr (GError) error = NULL;
  ShoalPluginInfo *info;
  GPtrArray *warnings;

  shoal_plugin_registry_add_search_path (registry, first);
  shoal_plugin_registry_add_search_path (registry, second);
  /* Adding a directory twice does not make it shadow itself. */
  shoal_plugin_registry_add_search_path (registry, first);
  g_assert_true (shoal_plugin_registry_scan (registry, &error));
  g_assert_no_error (error);

  info = shoal_plugin_registry_lookup (registry, SHOAL_PLUGIN_KIND_REPORTER, "loader-dup");
  g_assert_nonnull (info);
  g_assert_cmpstr (shoal_plugin_info_get_info_path (info), ==, first_plugin);
  g_assert_cmpstr (shoal_plugin_info_get_description (info), ==,
                   "The first of two plugins with one name");

  warnings = shoal_plugin_registry_get_warnings (registry);
  g_assert_cmpuint (warnings->len, ==, 1);
  expected = g_strdup_printf ("%s: reporter plugin 'loader-dup' is shadowed by %s", second_plugin,
                              first_plugin);
  g_assert_cmpstr (g_ptr_array_index (warnings, 0), ==, expected);
}

typedef struct
{
  const char *path;
  void (*func) (void);
} LoaderCase;

static const LoaderCase cases[] = {
  { "/shoal/loader/missing-module", test_missing_module },
  { "/shoal/loader/abi-metadata", test_abi_metadata },
  { "/shoal/loader/abi-symbol", test_abi_symbol },
  { "/shoal/loader/abi-symbol-missing", test_abi_symbol_missing },
  { "/shoal/loader/no-entry-point", test_no_entry_point },
  { "/shoal/loader/not-a-shared-object", test_not_a_shared_object },
  { "/shoal/loader/registers-nothing", test_registers_nothing },
  { "/shoal/loader/malformed-metadata", test_malformed_metadata },
  { "/shoal/loader/unknown-name", test_unknown_name },
  { "/shoal/loader/good-module", test_good_module },
  { "/shoal/loader/in-process", test_in_process },
  { "/shoal/loader/in-process-taken-name", test_in_process_taken_name },
  { "/shoal/loader/shadowed", test_shadowed },
};

/* The case runs in a fresh child process; this process only checks that it
 * passed. */
static void
run_in_subprocess (gconstpointer data)
{
  const LoaderCase *loader_case = data;

  if (g_test_subprocess ())
    {
      loader_case->func ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: the loader reads no user directory, and
   * GLib 2.74 leaks the strings of g_set_user_dirs() once per test path,
   * which a plain valgrind run (without tests/valgrind.supp) reports. */
  g_test_init (&argc, &argv, NULL);
  g_test_summary ("The plugin loader: metadata read without code, every way a module can be "
                  "refused, suggestions for unknown names, shadowing, the sharing of loaded "
                  "modules between registries, and in-process registration.");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_test_add_data_func (cases[i].path, &cases[i], run_in_subprocess);

  return g_test_run ();
}
