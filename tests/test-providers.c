/* test-providers.c: the slots, command, port and tempdir resource-provider modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each provider is loaded through the plugin registry, as `shoal run` does
 * (SHOAL_PLUGIN_PATH points at the build tree), configured from a
 * `resource_pools:` entry of a shoal.yaml text, and driven through a
 * ShoalResourcePoolManager. The command provider runs the shell scripts of
 * tests/fixtures/providers/, from that directory.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <shoal.h>

#define PATIENCE_USEC (20 * G_USEC_PER_SEC)

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

static char *
fixture_dir (void)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "providers", NULL);
}

static ShoalPluginRegistry *
create_registry (void)
{
  ShoalPluginRegistry *registry = shoal_plugin_registry_new ();

  shoal_plugin_registry_add_default_search_paths (registry);
  return registry;
}

/* Loads @yaml as if it were tests/fixtures/providers/shoal.yaml, so relative
 * paths in it are relative to the fixtures. @STATE@ becomes @state_dir. */
static ShoalConfig *
load_config (const char *yaml,
             const char *state_dir,
             GError **error)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *filename = g_build_filename (dir, "shoal.yaml", NULL);
  g_autoptr (GString) text = g_string_new (yaml);

  if (state_dir != NULL)
    g_string_replace (text, "@STATE@", state_dir, 0);
  return shoal_config_new_from_data (text->str, text->len, filename, error);
}

static ShoalPoolConfig *
only_pool (ShoalConfig *config)
{
  GPtrArray *pools = shoal_config_get_resource_pools (config);

  g_assert_cmpuint (pools->len, ==, 1);
  return g_ptr_array_index (pools, 0);
}

/* Makes and configures the provider of @config's only pool. */
static ShoalResourceProvider *
create_provider (ShoalPluginRegistry *registry,
                 ShoalConfig *config,
                 GError **error)
{
  ShoalPoolConfig *pool = only_pool (config);
  g_autoptr (ShoalResourceProvider) provider = NULL;

  provider = shoal_plugin_registry_create_provider (registry, shoal_pool_config_get_provider (pool),
                                                    error);
  if (provider == NULL)
    return NULL;
  if (!shoal_resource_provider_configure (provider, shoal_pool_config_get_name (pool),
                                          shoal_pool_config_get_settings (pool), error))
    return NULL;
  return g_steal_pointer (&provider);
}

static ShoalResourcePoolManager *
manager_for (ShoalConfig *config,
             ShoalResourceProvider *provider)
{
  ShoalPoolConfig *pool = only_pool (config);
  ShoalResourcePoolManager *manager = shoal_resource_pool_manager_new ();
  g_autoptr (GError) error = NULL;

  shoal_resource_pool_manager_add_pool_full (manager, shoal_pool_config_get_name (pool),
                                             shoal_pool_config_get_size (pool),
                                             shoal_pool_config_get_min_size (pool),
                                             shoal_pool_config_get_max_size (pool), provider,
                                             &error);
  g_assert_no_error (error);
  return manager;
}

static GPtrArray *
take (ShoalResourcePoolManager *manager,
      const char *request,
      const char *holder)
{
  const char *requests[] = { request, NULL };
  GPtrArray *instances = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (shoal_resource_pool_manager_try_acquire (manager, requests, holder, 0, &instances,
                                                          &error));
  g_assert_no_error (error);
  return instances;
}

static const char *
instance_env (ShoalResourceInstance *instance,
              const char *name)
{
  return g_environ_getenv ((char **) shoal_resource_instance_get_environment (instance), name);
}

static char *
make_state_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("shoal-providers-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_state_dir (const char *dir)
{
  g_autoptr (GDir) entries = g_dir_open (dir, 0, NULL);
  const char *name;

  while (entries != NULL && (name = g_dir_read_name (entries)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
count_alert (ShoalResourcePoolManager *manager,
             const char *kind,
             const char *pool,
             const char *message,
             gpointer user_data)
{
  g_atomic_int_inc ((int *) user_data);
}

/* ---- slots ---- */

static void
test_slots (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourceInstance) direct = NULL;
  g_autoptr (GPtrArray) instances = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) environment = NULL;

  g_test_summary ("The slots provider gives instances 0 to n-1, always healthy");

  config = load_config ("resource_pools:\n"
                        "  lanes: {size: 3, provider: slots}\n",
                        NULL, &error);
  g_assert_no_error (error);
  shoal_resource_pool_manager_add_pool_from_config (manager, only_pool (config), registry, &error);
  g_assert_no_error (error);

  instances = take (manager, "lanes:3", "t1");
  for (guint i = 0; i < instances->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("%u", i);

      g_assert_cmpstr (shoal_resource_instance_get_id (g_ptr_array_index (instances, i)), ==,
                       expected);
      g_assert_cmpstr (shoal_resource_instance_get_pool (g_ptr_array_index (instances, i)), ==,
                       "lanes");
    }
  environment = shoal_resource_pool_manager_environment_for (manager, instances);
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_LANES"), ==, "0,1,2");
  g_assert_cmpuint (g_strv_length (environment), ==, 1);

  provider = shoal_plugin_registry_create_provider (registry, "slots", &error);
  g_assert_no_error (error);
  shoal_resource_provider_configure (provider, "lanes", NULL, &error);
  g_assert_no_error (error);
  direct = shoal_resource_provider_create_instance (provider, 7, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_resource_instance_get_id (direct), ==, "7");
  g_assert_true (shoal_resource_provider_check_instance (provider, direct, NULL, &error));
  g_assert_no_error (error);
  shoal_resource_provider_destroy_instance (provider, direct);

  /* It takes no settings of its own. */
  g_clear_object (&config);
  config = load_config ("resource_pools:\n"
                        "  lanes: {size: 3, provider: slots, colour: red}\n",
                        NULL, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_resource_pool_manager_add_pool_from_config (manager, only_pool (config),
                                                                    registry, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_UNKNOWN_KEY);
  assert_contains (error->message, "shoal.yaml:2:");
}

/* ---- command ---- */

static const char command_yaml[] = "resource_pools:\n"
                                   "  drivers:\n"
                                   "    size: 2\n"
                                   "    provider: command\n"
                                   "    setup: [/bin/sh, setup.sh, '@STATE@']\n"
                                   "    health_check: [/bin/sh, health.sh, '@STATE@']\n"
                                   "    teardown: [/bin/sh, teardown.sh, '@STATE@']\n"
                                   "    timeout: 20\n";

static void
test_command_environment (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autofree char *state = make_state_dir ();
  g_autofree char *fixtures = fixture_dir ();
  g_autofree char *marker = g_build_filename (state, "up-driver-0", NULL);
  g_autofree char *log_path = g_build_filename (state, "teardown.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *cwd = NULL;
  g_autofree char *fixtures_real = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = NULL;
  g_autoptr (GPtrArray) instances = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) environment = NULL;
  ShoalResourceInstance *first;

  g_test_summary ("The command provider's setup names the instance and exports NAME=VALUE lines "
                  "to its holders; the health check is its exit status; teardown runs at the end");

  config = load_config (command_yaml, state, &error);
  g_assert_no_error (error);
  provider = create_provider (registry, config, &error);
  g_assert_no_error (error);
  manager = manager_for (config, provider);

  instances = take (manager, "drivers:2", "t1");
  first = g_ptr_array_index (instances, 0);
  g_assert_cmpstr (shoal_resource_instance_get_id (first), ==, "driver-0");
  g_assert_cmpstr (shoal_resource_instance_get_id (g_ptr_array_index (instances, 1)), ==, "driver-1");
  g_assert_cmpstr (instance_env (first, "DRIVER_URL"), ==, "http://127.0.0.1:4400");
  g_assert_null (instance_env (first, "SHOAL_RESOURCE_ID"));
  g_assert_null (instance_env (first, "not an assignment: x"));
  /* Commands run from the configuration file's directory. */
  fixtures_real = realpath (fixtures, NULL);
  cwd = g_strdup (instance_env (first, "DRIVER_CWD"));
  g_assert_nonnull (fixtures_real);
  g_assert_cmpstr (cwd, ==, fixtures_real);
  g_assert_cmpuint (g_strv_length ((char **) shoal_resource_instance_get_environment (first)), ==, 2);

  environment = shoal_resource_pool_manager_environment_for (manager, instances);
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_DRIVERS"), ==, "driver-0,driver-1");
  g_assert_cmpstr (g_environ_getenv (environment, "DRIVER_URL"), ==, "http://127.0.0.1:4400");

  /* Healthy while its marker is there. */
  g_assert_true (shoal_resource_provider_check_instance (provider, first, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (marker), ==, 0);
  g_assert_false (shoal_resource_provider_check_instance (provider, first, NULL, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER);
  {
    g_autofree char *expected = g_strdup_printf (
        "health check `/bin/sh health.sh %s` exited with status 1: driver driver-0 is down "
        "(http://127.0.0.1:4400)",
        state);

    g_assert_cmpstr (error->message, ==, expected);
  }
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (marker, "", 0, NULL));

  g_clear_pointer (&instances, g_ptr_array_unref);
  g_clear_object (&manager);
  /* Disposing the manager tore both down, with their environment. */
  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (log, ==,
                   "drivers 0 driver-0 http://127.0.0.1:4400\n"
                   "drivers 1 driver-1 http://127.0.0.1:4401\n");
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  remove_state_dir (state);
}

static void
test_command_replaces_unhealthy (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autofree char *state = make_state_dir ();
  g_autofree char *marker = g_build_filename (state, "up-driver-1", NULL);
  g_autofree char *log_path = g_build_filename (state, "teardown.log", NULL);
  g_autofree char *log = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (GPtrArray) held = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline;
  int unhealthy = 0;

  g_test_summary ("An instance whose health-check command fails is torn down and set up again");

  config = load_config (command_yaml, state, &error);
  g_assert_no_error (error);
  provider = create_provider (registry, config, &error);
  g_assert_no_error (error);
  g_signal_connect (manager, "alert::unhealthy-instance", G_CALLBACK (count_alert), &unhealthy);
  shoal_resource_pool_manager_set_health_check_interval (manager, 0.1);
  shoal_resource_pool_manager_add_pool_full (manager, "drivers", 2, 0, 0, provider, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_unlink (marker), ==, 0);
  deadline = g_get_monotonic_time () + PATIENCE_USEC;
  while ((g_atomic_int_get (&unhealthy) == 0 || !g_file_test (marker, G_FILE_TEST_EXISTS)) &&
         g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&unhealthy), >=, 1);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* Holding both instances with checks off means no command is running,
   * so disposing cancels none: the teardowns below are all there is. */
  shoal_resource_pool_manager_set_health_check_interval (manager, 0);
  shoal_resource_pool_manager_acquire_resource_full (manager, "drivers", 2, "t1", 0, 20, NULL, &held,
                                                     &error);
  g_assert_no_error (error);
  g_clear_object (&manager);
  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);
  /* Torn down once when found unhealthy, once more at the end. */
  assert_contains (log, "drivers 1 driver-1 http://127.0.0.1:4401\ndrivers");
  remove_state_dir (state);
}

static void
test_command_setup_failure (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();
  g_autoptr (GError) error = NULL;

  g_test_summary ("A failing setup command is an error naming the pool, the instance, the command "
                  "and the end of its standard error");

  config = load_config ("resource_pools:\n"
                        "  drivers:\n"
                        "    size: 2\n"
                        "    provider: command\n"
                        "    setup: [/bin/sh, setup-fail.sh]\n",
                        NULL, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_resource_pool_manager_add_pool_from_config (manager, only_pool (config),
                                                                    registry, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER);
  g_assert_cmpstr (error->message, ==,
                   "pool 'drivers', instance 0: setup `/bin/sh setup-fail.sh` exited with status 3: "
                   "noise line 7\nnoise line 8\nnoise line 9\nnoise line 10\n"
                   "cannot start driver 0: no browser found");
  g_assert_false (shoal_resource_pool_manager_has_pool (manager, "drivers"));
}

static void
test_command_settings (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  struct
  {
    const char *yaml;
    ShoalConfigError code;
    const char *message;
  } cases[] = {
    { "resource_pools:\n"
      "  drivers:\n"
      "    size: 1\n"
      "    provider: command\n"
      "    setup: /bin/true\n",
      SHOAL_CONFIG_ERROR_TYPE, "shoal.yaml:5:12: resource_pools.drivers.setup:" },
    { "resource_pools:\n"
      "  drivers:\n"
      "    size: 1\n"
      "    provider: command\n"
      "    setup: []\n",
      SHOAL_CONFIG_ERROR_INVALID, "shoal.yaml:5:12: resource_pools.drivers.setup: the command is empty" },
    { "resource_pools:\n"
      "  drivers:\n"
      "    size: 1\n"
      "    provider: command\n"
      "    setpu: [/bin/true]\n",
      SHOAL_CONFIG_ERROR_UNKNOWN_KEY, "shoal.yaml:5:5: resource_pools.drivers.setpu:" },
    { "resource_pools:\n"
      "  drivers:\n"
      "    size: 1\n"
      "    provider: command\n"
      "    timeout: -1\n"
      "    setup: [/bin/true]\n",
      SHOAL_CONFIG_ERROR_RANGE, "shoal.yaml:5:14: resource_pools.drivers.timeout:" },
    { "resource_pools:\n"
      "  drivers:\n"
      "    size: 1\n"
      "    provider: command\n",
      SHOAL_CONFIG_ERROR_MISSING,
      "shoal.yaml:4:15: resource_pools.drivers.provider: the command provider needs at least one "
      "of setup, health_check and teardown" },
  };

  g_test_summary ("The command provider's settings are checked, with errors at their file:line:col");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ShoalConfig) config = NULL;
      g_autoptr (ShoalResourceProvider) provider = NULL;
      g_autoptr (GError) error = NULL;

      config = load_config (cases[i].yaml, NULL, &error);
      g_assert_no_error (error);
      provider = create_provider (registry, config, &error);
      g_assert_null (provider);
      g_assert_error (error, SHOAL_CONFIG_ERROR, (int) cases[i].code);
      assert_contains (error->message, cases[i].message);
    }
}

/* ---- port ---- */

static GSocket *
listen_on (guint16 port,
           GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL || !g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static void
test_port (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = NULL;
  g_autoptr (GPtrArray) instances = NULL;
  g_autoptr (GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) environment = NULL;
  g_autofree char *expected = NULL;

  g_test_summary ("The port provider gives distinct free loopback ports that the tests can bind");

  config = load_config ("resource_pools:\n"
                        "  web: {size: 3, provider: port}\n",
                        NULL, &error);
  g_assert_no_error (error);
  provider = create_provider (registry, config, &error);
  g_assert_no_error (error);
  manager = manager_for (config, provider);

  instances = take (manager, "web:3", "t1");
  for (guint i = 0; i < instances->len; i++)
    {
      ShoalResourceInstance *instance = g_ptr_array_index (instances, i);
      const char *id = shoal_resource_instance_get_id (instance);
      guint64 port = 0;
      GSocket *socket;

      g_assert_true (g_ascii_string_to_unsigned (id, 10, 1024, G_MAXUINT16, &port, NULL));
      g_assert_true (g_hash_table_add (seen, (gpointer) id));
      g_assert_cmpstr (instance_env (instance, "SHOAL_PORT"), ==, id);
      /* Idle, it is healthy. */
      g_assert_true (shoal_resource_provider_check_instance (provider, instance, NULL, &error));
      g_assert_no_error (error);
      socket = listen_on ((guint16) port, &error);
      g_assert_no_error (error);
      g_ptr_array_add (sockets, socket);
    }

  environment = shoal_resource_pool_manager_environment_for (manager, instances);
  expected = g_strdup_printf ("%s,%s,%s", shoal_resource_instance_get_id (g_ptr_array_index (instances, 0)),
                              shoal_resource_instance_get_id (g_ptr_array_index (instances, 1)),
                              shoal_resource_instance_get_id (g_ptr_array_index (instances, 2)));
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_RESOURCE_WEB"), ==, expected);
  g_assert_cmpstr (g_environ_getenv (environment, "SHOAL_PORT"), ==,
                   shoal_resource_instance_get_id (g_ptr_array_index (instances, 0)));

  /* Something listening on it makes it unhealthy. */
  g_assert_false (shoal_resource_provider_check_instance (provider, g_ptr_array_index (instances, 0),
                                                          NULL, &error));
  g_assert_error (error, SHOAL_POOL_ERROR, SHOAL_POOL_ERROR_PROVIDER);
  assert_contains (error->message, "is no longer free");
  g_clear_error (&error);
  g_ptr_array_set_size (sockets, 0);
  g_assert_true (shoal_resource_provider_check_instance (provider, g_ptr_array_index (instances, 0),
                                                         NULL, &error));
  g_assert_no_error (error);
}

/* ---- tempdir ---- */

static void
test_tempdir (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autofree char *base = make_state_dir ();
  g_autofree char *outside = g_build_filename (base, "outside.txt", NULL);
  g_autofree char *yaml = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourcePoolManager) manager = NULL;
  g_autoptr (GPtrArray) instances = NULL;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  g_test_summary ("The tempdir provider makes a 0700 directory per instance and removes it, "
                  "contents and all, on teardown");

  yaml = g_strdup_printf ("resource_pools:\n"
                          "  scratch: {size: 2, provider: tempdir, base: '%s/pools'}\n",
                          base);
  config = load_config (yaml, NULL, &error);
  g_assert_no_error (error);
  provider = create_provider (registry, config, &error);
  g_assert_no_error (error);
  manager = manager_for (config, provider);
  g_assert_true (g_file_set_contents (outside, "keep me", -1, NULL));

  instances = take (manager, "scratch:2", "t1");
  for (guint i = 0; i < instances->len; i++)
    {
      ShoalResourceInstance *instance = g_ptr_array_index (instances, i);
      const char *path = instance_env (instance, "SHOAL_TEMPDIR");
      g_autofree char *prefix = g_strdup_printf ("scratch-%u-", i);
      g_autofree char *expected_dir = g_build_filename (base, "pools", NULL);
      g_autofree char *dirname = NULL;
      g_autofree char *sub = NULL;
      g_autofree char *file = NULL;
      g_autofree char *link = NULL;
      GStatBuf st;

      g_assert_nonnull (path);
      dirname = g_path_get_dirname (path);
      g_assert_cmpstr (dirname, ==, expected_dir);
      g_assert_true (g_str_has_prefix (shoal_resource_instance_get_id (instance), prefix));
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_true (S_ISDIR (st.st_mode));
      g_assert_cmpint (st.st_mode & 0777, ==, 0700);
      g_assert_true (shoal_resource_provider_check_instance (provider, instance, NULL, &error));
      g_assert_no_error (error);

      /* What a test leaves behind: files, a read-only directory, a link out. */
      sub = g_build_filename (path, "sub", NULL);
      file = g_build_filename (sub, "data.txt", NULL);
      link = g_build_filename (path, "link", NULL);
      g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
      g_assert_true (g_file_set_contents (file, "x", -1, NULL));
      g_assert_cmpint (g_chmod (sub, 0500), ==, 0);
      g_assert_cmpint (symlink (outside, link), ==, 0);
      g_ptr_array_add (paths, g_strdup (path));
    }
  g_assert_cmpstr (g_ptr_array_index (paths, 0), !=, g_ptr_array_index (paths, 1));

  g_clear_pointer (&instances, g_ptr_array_unref);
  g_clear_object (&manager);
  for (guint i = 0; i < paths->len; i++)
    g_assert_false (g_file_test (g_ptr_array_index (paths, i), G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_REGULAR));

  /* A directory that disappears is unhealthy. */
  {
    g_autoptr (ShoalResourceInstance) instance =
        shoal_resource_provider_create_instance (provider, 5, NULL, &error);
    const char *path;
    g_autofree char *expected = NULL;

    g_assert_no_error (error);
    path = instance_env (instance, "SHOAL_TEMPDIR");
    g_assert_cmpint (g_rmdir (path), ==, 0);
    g_assert_false (shoal_resource_provider_check_instance (provider, instance, NULL, &error));
    expected = g_strdup_printf ("directory %s is gone", path);
    g_assert_cmpstr (error->message, ==, expected);
    g_clear_error (&error);
    shoal_resource_provider_destroy_instance (provider, instance);
  }

  {
    g_autofree char *pools = g_build_filename (base, "pools", NULL);

    g_assert_cmpint (g_rmdir (pools), ==, 0);
  }
  g_assert_cmpint (g_unlink (outside), ==, 0);
  g_assert_cmpint (g_rmdir (base), ==, 0);
}

static void
test_tempdir_default_base (void)
{
  g_autoptr (ShoalPluginRegistry) registry = create_registry ();
  g_autoptr (ShoalResourceProvider) provider = NULL;
  g_autoptr (ShoalResourceInstance) instance = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *base = g_build_filename (g_get_tmp_dir (), "shoal-pools", NULL);
  g_autofree char *dirname = NULL;
  const char *path;

  g_test_summary ("Without a base, tempdir instances live under $TMPDIR/shoal-pools");

  provider = shoal_plugin_registry_create_provider (registry, "tempdir", &error);
  g_assert_no_error (error);
  shoal_resource_provider_configure (provider, "scratch", NULL, &error);
  g_assert_no_error (error);
  instance = shoal_resource_provider_create_instance (provider, 0, NULL, &error);
  g_assert_no_error (error);
  path = instance_env (instance, "SHOAL_TEMPDIR");
  dirname = g_path_get_dirname (path);
  g_assert_cmpstr (dirname, ==, base);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  shoal_resource_provider_destroy_instance (provider, instance);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* Shared with other users of the default: removed only if empty. */
  g_rmdir (base);
}

int
main (int argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/shoal/providers/slots", test_slots);
  g_test_add_func ("/shoal/providers/command/environment", test_command_environment);
  g_test_add_func ("/shoal/providers/command/replaces-unhealthy", test_command_replaces_unhealthy);
  g_test_add_func ("/shoal/providers/command/setup-failure", test_command_setup_failure);
  g_test_add_func ("/shoal/providers/command/settings", test_command_settings);
  g_test_add_func ("/shoal/providers/port", test_port);
  g_test_add_func ("/shoal/providers/tempdir", test_tempdir);
  g_test_add_func ("/shoal/providers/tempdir/default-base", test_tempdir_default_base);

  return g_test_run ();
}
