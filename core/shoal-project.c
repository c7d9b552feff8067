/* shoal-project.c: a shoal.yaml with its plugins and discovered tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-command-adapter.h"
#include "shoal-project.h"

/**
 * ShoalProject:
 *
 * A project is a `shoal.yaml` brought to life: its suites' adapters created
 * from the [class@Shoal.PluginRegistry] and configured, their tests
 * discovered, and a [class@Shoal.Scheduler] set up with the configured
 * strategy, timeouts, environment and reports. The `shoal` command is a
 * thin client of it, as any Python or JavaScript program can be.
 *
 * A suite whose discovery fails does not stop the others: the failure
 * becomes an `error` result of the suite (`<suite>::<discovery>`) in the
 * run, so it is reported and fails the run.
 */
struct _ShoalProject
{
  GObject parent_instance;

  ShoalConfig *config;
  ShoalPluginRegistry *registry;
  GPtrArray *tests;                       /* ShoalTestCase* */
  GHashTable *adapters;                   /* test id -> ShoalAdapter* (ref) */
  GPtrArray *discovery_errors;            /* ShoalTestResult* */
  GPtrArray *warnings;                    /* char* */
  GVariantDict *adapter_pools;            /* pool name -> size, from the adapters */
  ShoalLockManager *lock_manager;         /* (nullable) */
  ShoalResourcePoolManager *pool_manager; /* (nullable) */
  ShoalHistory *history;                  /* (nullable) */
  gboolean history_opened;
  gboolean discovered;
};

G_DEFINE_FINAL_TYPE (ShoalProject, shoal_project, G_TYPE_OBJECT)

static void
shoal_project_finalize (GObject *object)
{
  ShoalProject *self = SHOAL_PROJECT (object);

  g_clear_object (&self->config);
  g_clear_object (&self->registry);
  g_ptr_array_unref (self->tests);
  g_hash_table_unref (self->adapters);
  g_ptr_array_unref (self->discovery_errors);
  g_ptr_array_unref (self->warnings);
  g_variant_dict_unref (self->adapter_pools);
  g_clear_object (&self->lock_manager);
  g_clear_object (&self->pool_manager);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (shoal_project_parent_class)->finalize (object);
}

static void
shoal_project_class_init (ShoalProjectClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_project_finalize;
}

static void
shoal_project_init (ShoalProject *self)
{
  self->tests = g_ptr_array_new_with_free_func (g_object_unref);
  self->adapters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->discovery_errors = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->adapter_pools = g_variant_dict_new (NULL);
}

/**
 * shoal_project_new:
 * @config: the configuration
 * @registry: (nullable): the plugin registry, or %NULL for the default one
 *
 * Returns: (transfer full): a new project
 */
ShoalProject *
shoal_project_new (ShoalConfig *config,
                   ShoalPluginRegistry *registry)
{
  ShoalProject *self;

  g_return_val_if_fail (SHOAL_IS_CONFIG (config), NULL);
  g_return_val_if_fail (registry == NULL || SHOAL_IS_PLUGIN_REGISTRY (registry), NULL);

  self = g_object_new (SHOAL_TYPE_PROJECT, NULL);
  self->config = g_object_ref (config);
  self->registry = g_object_ref (registry != NULL ? registry : shoal_plugin_registry_get_default ());
  return self;
}

/**
 * shoal_project_new_from_file:
 * @path: (nullable) (type filename): a `shoal.yaml`, or %NULL to look for one
 *   from the current directory upwards
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new project, or %NULL with @error set
 */
ShoalProject *
shoal_project_new_from_file (const char *path,
                             GError **error)
{
  g_autofree char *found = NULL;
  g_autoptr (ShoalConfig) config = NULL;

  if (path == NULL)
    {
      found = shoal_config_find_file (NULL, error);
      if (found == NULL)
        return NULL;
      path = found;
    }
  config = shoal_config_new_from_file (path, error);
  if (config == NULL)
    return NULL;
  return shoal_project_new (config, NULL);
}

/**
 * shoal_project_get_config:
 * @self: a project
 *
 * Returns: (transfer none): the configuration
 */
ShoalConfig *
shoal_project_get_config (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->config;
}

/**
 * shoal_project_get_registry:
 * @self: a project
 *
 * Returns: (transfer none): the plugin registry
 */
ShoalPluginRegistry *
shoal_project_get_registry (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->registry;
}

static void
apply_suite_settings (ShoalConfig *config,
                      ShoalSuiteConfig *suite,
                      ShoalTestCase *test,
                      const char *adapter_name)
{
  GPtrArray *rules = shoal_config_get_test_rules (config);

  const char *const *suite_tags = shoal_suite_config_get_tags (suite);
  const char *const *suite_env = shoal_suite_config_get_environment (suite);

  if (shoal_test_case_get_adapter (test) == NULL)
    shoal_test_case_set_adapter (test, adapter_name);
  if (shoal_test_case_get_timeout (test) <= 0 && shoal_suite_config_get_timeout (suite) > 0)
    shoal_test_case_set_timeout (test, shoal_suite_config_get_timeout (suite));

  if (suite_tags != NULL && suite_tags[0] != NULL)
    {
      g_autoptr (GStrvBuilder) tags = g_strv_builder_new ();
      g_auto (GStrv) merged = NULL;

      g_strv_builder_addv (tags, (const char **) shoal_test_case_get_tags (test));
      for (guint i = 0; suite_tags[i] != NULL; i++)
        if (!shoal_test_case_has_tag (test, suite_tags[i]))
          g_strv_builder_add (tags, suite_tags[i]);
      merged = g_strv_builder_end (tags);
      shoal_test_case_set_tags (test, (const char *const *) merged);
    }

  if (suite_env != NULL && suite_env[0] != NULL)
    {
      /* The test's own variables win over the suite's. */
      g_auto (GStrv) merged = g_strdupv ((char **) suite_env);
      const char *const *own = shoal_test_case_get_environment (test);

      for (guint i = 0; own[i] != NULL; i++)
        {
          const char *eq = strchr (own[i], '=');
          g_autofree char *name = eq != NULL ? g_strndup (own[i], eq - own[i]) : NULL;

          if (name != NULL)
            merged = g_environ_setenv (merged, name, eq + 1, TRUE);
        }
      shoal_test_case_set_environment (test, (const char *const *) merged);
    }

  if (shoal_suite_config_get_workspace_copy (suite))
    {
      static const char *const always_excluded[] = { ".shoal", ".git", NULL };
      const char *const *excluded = shoal_suite_config_get_workspace_exclude (suite);
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      g_auto (GStrv) exclude = NULL;

      g_strv_builder_addv (builder, (const char **) always_excluded);
      if (excluded != NULL)
        g_strv_builder_addv (builder, (const char **) excluded);
      exclude = g_strv_builder_end (builder);
      shoal_test_case_set_workspace (test, shoal_config_get_base_dir (config),
                                     (const char *const *) exclude);
    }

  /* The suite's own resources and dependencies, then the `tests:` rules
   * that match, in the order they are written. */
  shoal_test_rule_apply (shoal_suite_config_get_rule (suite), test);
  for (guint i = 0; i < rules->len; i++)
    if (shoal_test_rule_matches (rules->pdata[i], shoal_test_case_get_id (test)))
      shoal_test_rule_apply (rules->pdata[i], test);
}

static void
add_discovery_error (ShoalProject *self,
                     const char *suite_name,
                     const char *message)
{
  g_autofree char *id = g_strconcat (suite_name, "::<discovery>", NULL);
  ShoalTestResult *result = shoal_test_result_new (id, SHOAL_OUTCOME_ERROR);
  gint64 now = g_get_real_time ();

  shoal_test_result_set_name (result, "<discovery>");
  shoal_test_result_set_suite (result, suite_name);
  shoal_test_result_set_times (result, now, now);
  shoal_test_result_set_message (result, message);
  g_ptr_array_add (self->discovery_errors, result);
  g_ptr_array_add (self->warnings, g_strdup_printf (_ ("suite %s: %s"), suite_name, message));
}

/* One suite's discovery, possibly on a thread of its own. */
typedef struct
{
  ShoalSuiteConfig *suite; /* not owned */
  ShoalAdapter *adapter;
  GCancellable *cancellable; /* not owned */
  GPtrArray *tests;          /* ShoalTestCase* */
  GError *error;
  GThread *thread; /* (nullable): when it runs on one */
} Discovery;

static void
discovery_free (gpointer data)
{
  Discovery *discovery = data;

  g_assert (discovery->thread == NULL);
  g_clear_object (&discovery->adapter);
  g_clear_pointer (&discovery->tests, g_ptr_array_unref);
  g_clear_error (&discovery->error);
  g_free (discovery);
}

static gpointer
run_discovery (gpointer data)
{
  Discovery *discovery = data;

  discovery->tests = shoal_object_array_from_list (
      shoal_adapter_discover (discovery->adapter, discovery->cancellable, &discovery->error));
  if (discovery->error != NULL)
    g_clear_pointer (&discovery->tests, g_ptr_array_unref);
  return NULL;
}

/* Whether @adapter's discovery may run on another thread: adapters from
 * modules are C and spawn through shoal_spawn_capture(), which may be
 * called from any thread; one registered in-process may be written in
 * JavaScript, whose engine lives on the thread that made it. */
static gboolean
discovers_on_any_thread (ShoalAdapter *adapter)
{
  return g_type_get_plugin (G_OBJECT_TYPE (adapter)) != NULL;
}

/* Adds what @discovery found, or its error, to @self. */
static void
add_discovered (ShoalProject *self,
                Discovery *discovery)
{
  const char *suite_name = shoal_suite_config_get_name (discovery->suite);
  const char *adapter_name = shoal_suite_config_get_adapter (discovery->suite);
  g_autoptr (GVariant) pools = NULL;
  GVariantIter iter;
  const char *pool_name;
  guint32 size;

  if (discovery->error != NULL || discovery->tests == NULL)
    {
      add_discovery_error (self, suite_name,
                           discovery->error != NULL ? discovery->error->message
                                                    : _ ("discovery failed"));
      return;
    }
  pools = shoal_adapter_get_resource_pools (discovery->adapter);
  if (pools != NULL)
    {
      g_variant_iter_init (&iter, pools);
      while (g_variant_iter_next (&iter, "{&su}", &pool_name, &size))
        {
          guint32 known = 0;

          if (!g_variant_dict_lookup (self->adapter_pools, pool_name, "u", &known) ||
              size > known)
            g_variant_dict_insert (self->adapter_pools, pool_name, "u", size);
        }
    }
  for (guint i = 0; i < discovery->tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (discovery->tests, i);
      const char *id = shoal_test_case_get_id (test);

      if (g_hash_table_contains (self->adapters, id))
        {
          g_ptr_array_add (self->warnings,
                           g_strdup_printf (_ ("suite %s: test '%s' was found twice; it runs once"),
                                            suite_name, id));
          continue;
        }
      apply_suite_settings (self->config, discovery->suite, test, adapter_name);
      g_hash_table_insert (self->adapters, g_strdup (id), g_object_ref (discovery->adapter));
      g_ptr_array_add (self->tests, g_object_ref (test));
    }
}

/**
 * shoal_project_discover:
 * @self: a project
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates and configures each suite's adapter and discovers its tests. A
 * configuration mistake (an unknown adapter, a bad setting) is an error; a
 * suite whose discovery fails is recorded (see the class description) and
 * the other suites go on. The suites' discoveries run at the same time
 * (each framework's listing is a process of its own, pytest's or ctest's
 * taking a good part of a second); their tests are added in the order of
 * the suites.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_project_discover (ShoalProject *self,
                        GCancellable *cancellable,
                        GError **error)
{
  g_autoptr (GPtrArray) discoveries = g_ptr_array_new_with_free_func (discovery_free);
  GPtrArray *suites;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), FALSE);

  if (self->discovered)
    return TRUE;

  /* Every suite is configured before any is discovered, so that a
   * configuration error comes before any time is spent. */
  suites = shoal_config_get_suites (self->config);
  for (guint s = 0; s < suites->len; s++)
    {
      ShoalSuiteConfig *suite = g_ptr_array_index (suites, s);
      const char *suite_name = shoal_suite_config_get_name (suite);
      const char *adapter_name = shoal_suite_config_get_adapter (suite);
      ShoalSettings *settings = shoal_suite_config_get_settings (suite);
      g_autoptr (GError) local_error = NULL;
      Discovery *discovery;

      if (g_str_equal (suite_name, "fixture"))
        {
          shoal_settings_set_error_literal (settings, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                            _ ("the suite name 'fixture' is reserved for the "
                                               "run's fixtures"));
          return FALSE;
        }
      discovery = g_new0 (Discovery, 1);
      discovery->suite = suite;
      discovery->cancellable = cancellable;
      g_ptr_array_add (discoveries, discovery);
      discovery->adapter =
          shoal_plugin_registry_create_adapter (self->registry, adapter_name, &local_error);
      if (discovery->adapter == NULL)
        {
          if (settings != NULL)
            shoal_settings_set_error_literal (settings, "adapter", error,
                                              SHOAL_CONFIG_ERROR_INVALID, local_error->message);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!shoal_adapter_configure (discovery->adapter, suite_name, settings, error))
        return FALSE;
    }

  for (guint i = 0; discoveries->len > 1 && i < discoveries->len; i++)
    {
      Discovery *discovery = g_ptr_array_index (discoveries, i);

      if (discovers_on_any_thread (discovery->adapter))
        discovery->thread = g_thread_new ("shoal-discover", run_discovery, discovery);
    }
  for (guint i = 0; i < discoveries->len; i++)
    {
      Discovery *discovery = g_ptr_array_index (discoveries, i);

      if (discovery->thread == NULL)
        run_discovery (discovery);
    }
  for (guint i = 0; i < discoveries->len; i++)
    {
      Discovery *discovery = g_ptr_array_index (discoveries, i);

      if (discovery->thread != NULL)
        g_thread_join (g_steal_pointer (&discovery->thread));
      add_discovered (self, discovery);
    }

  self->discovered = TRUE;
  return TRUE;
}

/**
 * shoal_project_get_tests:
 * @self: a project
 *
 * Returns: (transfer none) (element-type ShoalTestCase): every discovered
 *   test, suite by suite in discovery order
 */
GPtrArray *
shoal_project_get_tests (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->tests;
}

/**
 * shoal_project_get_warnings:
 * @self: a project
 *
 * Returns: (transfer none) (element-type utf8): problems that did not stop
 *   discovery
 */
GPtrArray *
shoal_project_get_warnings (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->warnings;
}

/**
 * shoal_project_select_tests:
 * @self: a project
 * @patterns: (array zero-terminated=1) (nullable): id patterns; a pattern
 *   with `*` or `?` is a glob over the whole id, a plain one selects the ids
 *   it starts (`examples::` selects a suite)
 *
 * Returns: (transfer container) (element-type ShoalTestCase): the tests
 *   that match any pattern (all of them for no pattern)
 */
GPtrArray *
shoal_project_select_tests (ShoalProject *self,
                            const char *const *patterns)
{
  GPtrArray *selected;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  selected = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->tests->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (self->tests, i);
      gboolean keep = patterns == NULL || patterns[0] == NULL;

      for (guint p = 0; !keep && patterns[p] != NULL; p++)
        keep = shoal_test_id_matches (shoal_test_case_get_id (test), patterns[p]);
      if (keep)
        g_ptr_array_add (selected, g_object_ref (test));
    }
  return selected;
}

/* The run's fixtures the selected tests need: a setup each test requires
 * (`fixture::NAME/setup`, a requirement the rules added) and a teardown
 * that runs after all of them, also after an interruption. */
static gboolean
add_fixtures (ShoalProject *self,
              ShoalScheduler *scheduler,
              GPtrArray *selected,
              GError **error)
{
  GPtrArray *fixtures = shoal_config_get_fixtures (self->config);
  g_autoptr (ShoalAdapter) adapter = shoal_command_adapter_new ();

  /* Every fixture a test names must exist. */
  for (guint t = 0; t < selected->len; t++)
    {
      const char *const *requirements = shoal_test_case_get_requirements (selected->pdata[t]);

      for (guint r = 0; requirements[r] != NULL; r++)
        {
          gboolean known = FALSE;

          if (!g_str_has_prefix (requirements[r], "fixture::"))
            continue;
          for (guint f = 0; f < fixtures->len && !known; f++)
            {
              g_autofree char *setup = g_strconcat (
                  "fixture::", shoal_fixture_config_get_name (fixtures->pdata[f]), "/setup", NULL);

              known = g_str_equal (setup, requirements[r]);
            }
          if (!known)
            {
              g_autofree char *name = g_strndup (requirements[r] + strlen ("fixture::"),
                                                 strlen (requirements[r]) - strlen ("fixture::") -
                                                     strlen ("/setup"));

              g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
                           _ ("test '%s' needs the fixture '%s', which is not in fixtures:"),
                           shoal_test_case_get_id (selected->pdata[t]), name);
              return FALSE;
            }
        }
    }

  for (guint f = 0; f < fixtures->len; f++)
    {
      ShoalFixtureConfig *fixture = fixtures->pdata[f];
      const char *name = shoal_fixture_config_get_name (fixture);
      const char *const *setup_argv = shoal_fixture_config_get_setup (fixture);
      const char *const *teardown_argv = shoal_fixture_config_get_teardown (fixture);
      g_autofree char *setup_local = g_strconcat (name, "/setup", NULL);
      g_autofree char *teardown_local = g_strconcat (name, "/teardown", NULL);
      g_autofree char *setup_id = g_strconcat ("fixture::", setup_local, NULL);
      g_autoptr (GStrvBuilder) users = g_strv_builder_new ();
      g_auto (GStrv) after = NULL;
      gboolean used = FALSE;

      for (guint t = 0; t < selected->len; t++)
        if (g_strv_contains (shoal_test_case_get_requirements (selected->pdata[t]), setup_id))
          {
            g_strv_builder_add (users, shoal_test_case_get_id (selected->pdata[t]));
            used = TRUE;
          }
      if (!used)
        continue;

      if (setup_argv != NULL && setup_argv[0] != NULL)
        {
          g_autoptr (ShoalTestCase) setup = shoal_test_case_new ("fixture", setup_local);

          shoal_test_case_set_adapter (setup, "fixture");
          shoal_test_case_set_argv (setup, setup_argv);
          shoal_test_case_set_environment (setup, shoal_fixture_config_get_environment (fixture));
          shoal_test_case_set_cwd (setup, shoal_config_get_base_dir (self->config));
          shoal_test_case_set_timeout (setup, shoal_fixture_config_get_timeout (fixture));
          /* Before everything else, so the tests waiting for it start soon. */
          shoal_test_case_set_priority (setup, 1000);
          if (!shoal_scheduler_add_test (scheduler, setup, adapter, error))
            return FALSE;
          g_strv_builder_add (users, setup_id);
        }
      if (teardown_argv != NULL && teardown_argv[0] != NULL)
        {
          g_autoptr (ShoalTestCase) teardown = shoal_test_case_new ("fixture", teardown_local);

          after = g_strv_builder_end (users);
          shoal_test_case_set_adapter (teardown, "fixture");
          shoal_test_case_set_argv (teardown, teardown_argv);
          shoal_test_case_set_environment (teardown,
                                           shoal_fixture_config_get_environment (fixture));
          shoal_test_case_set_cwd (teardown, shoal_config_get_base_dir (self->config));
          shoal_test_case_set_timeout (teardown, shoal_fixture_config_get_timeout (fixture));
          shoal_test_case_set_dependencies (teardown, (const char *const *) after);
          shoal_test_case_set_runs_finally (teardown, TRUE);
          if (!shoal_scheduler_add_test (scheduler, teardown, adapter, error))
            return FALSE;
        }
    }
  return TRUE;
}

/* The lock manager of `resources:` and the pool manager of
 * `resource_pools:`, made once per project (pools start their instances
 * through their providers here). */
static gboolean
ensure_managers (ShoalProject *self,
                 GError **error)
{
  GPtrArray *resources = shoal_config_get_resources (self->config);
  GPtrArray *pools = shoal_config_get_resource_pools (self->config);

  if (self->lock_manager == NULL)
    {
      g_autoptr (ShoalLockManager) locks = shoal_lock_manager_new ();

      for (guint i = 0; i < resources->len; i++)
        if (!shoal_lock_manager_register_resource (
                locks, shoal_resource_config_get_name (resources->pdata[i]),
                shoal_resource_config_get_resource_type (resources->pdata[i]),
                shoal_resource_config_get_exclusive (resources->pdata[i]), error))
          return FALSE;
      self->lock_manager = g_steal_pointer (&locks);
    }
  if (self->pool_manager == NULL)
    {
      g_autoptr (ShoalResourcePoolManager) manager = shoal_resource_pool_manager_new ();

      shoal_resource_pool_manager_set_health_check_interval (
          manager, shoal_config_get_health_check_interval (self->config));
      for (guint i = 0; i < pools->len; i++)
        if (!shoal_resource_pool_manager_add_pool_from_config (manager, pools->pdata[i],
                                                               self->registry, error))
          return FALSE;

      /* Pools the suites' frameworks define, unless resource_pools: has
       * one of that name. */
      {
        g_autoptr (GVariant) adapter_pools = g_variant_ref_sink (g_variant_dict_end (self->adapter_pools));
        GVariantIter iter;
        const char *pool_name;
        GVariant *value;

        g_variant_iter_init (&iter, adapter_pools);
        while (g_variant_iter_loop (&iter, "{&sv}", &pool_name, &value))
          {
            guint32 size = g_variant_get_uint32 (value);

            if (!shoal_resource_pool_manager_has_pool (manager, pool_name) && size > 0 &&
                !shoal_resource_pool_manager_add_pool (manager, pool_name, size, error))
              {
                g_variant_unref (value);
                return FALSE;
              }
          }
      }
      self->pool_manager = g_steal_pointer (&manager);
    }
  return TRUE;
}

/**
 * shoal_project_get_history:
 * @self: a project
 * @error: return location for a #GError
 *
 * Opens (once) the project's history, `.shoal/history.db`.
 *
 * Returns: (transfer none) (nullable): the history, or %NULL with @error
 *   set (a corrupt database says how to rebuild it)
 */
ShoalHistory *
shoal_project_get_history (ShoalProject *self,
                           GError **error)
{
  g_autofree char *state_dir = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  if (self->history != NULL)
    return self->history;
  state_dir = shoal_config_get_state_dir (self->config);
  path = g_build_filename (state_dir, "history.db", NULL);
  self->history = shoal_history_open (path, error);
  return self->history;
}

/**
 * shoal_project_get_lock_manager:
 * @self: a project
 *
 * Returns: (transfer none) (nullable): the locks of `resources:`, once a
 *   scheduler was created
 */
ShoalLockManager *
shoal_project_get_lock_manager (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->lock_manager;
}

/**
 * shoal_project_get_pool_manager:
 * @self: a project
 *
 * Returns: (transfer none) (nullable): the pools of `resource_pools:`, once
 *   a scheduler was created
 */
ShoalResourcePoolManager *
shoal_project_get_pool_manager (ShoalProject *self)
{
  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  return self->pool_manager;
}

/**
 * shoal_project_create_scheduler:
 * @self: a discovered project
 * @patterns: (array zero-terminated=1) (nullable): id patterns, as for
 *   [method@Shoal.Project.select_tests]
 * @error: return location for a #GError
 *
 * A scheduler for the selected tests with the configured workers,
 * strategy, timeouts and environment, writing to
 * `.shoal/runs/<run-id>/`. Reporters are not added; see
 * [method@Shoal.Project.create_reporter].
 *
 * Returns: (transfer full): the scheduler, or %NULL with @error set
 */
ShoalScheduler *
shoal_project_create_scheduler (ShoalProject *self,
                                const char *const *patterns,
                                GError **error)
{
  g_autoptr (GPtrArray) selected = NULL;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  if (!shoal_project_discover (self, NULL, error))
    return NULL;
  selected = shoal_project_select_tests (self, patterns);
  return shoal_project_create_scheduler_for_tests (self, selected, patterns, error);
}

static int
compare_for_shards (gconstpointer a,
                    gconstpointer b,
                    gpointer user_data)
{
  ShoalTestCase *ta = *(ShoalTestCase **) a;
  ShoalTestCase *tb = *(ShoalTestCase **) b;
  double ea = shoal_dispatch_context_estimate (user_data, ta);
  double eb = shoal_dispatch_context_estimate (user_data, tb);

  if (ea != eb)
    return ea > eb ? -1 : 1;
  return strcmp (shoal_test_case_get_id (ta), shoal_test_case_get_id (tb));
}

/**
 * shoal_project_select_shard:
 * @self: a discovered project
 * @tests: (element-type ShoalTestCase): the selected tests
 * @shard: which shard, from 1
 * @n_shards: how many shards
 *
 * For CI matrices (`shoal run --shard K/N`): splits @tests into @n_shards
 * by estimated time, longest first onto the lightest shard, ties broken by
 * id, so that the same tests and estimates always give the same shards and
 * every test is in exactly one. A dependency in another shard is not
 * waited for.
 *
 * Returns: (transfer container) (element-type ShoalTestCase): the tests of
 *   shard @shard, in their original order
 */
GPtrArray *
shoal_project_select_shard (ShoalProject *self,
                            GPtrArray *tests,
                            guint shard,
                            guint n_shards)
{
  g_autoptr (ShoalDispatchContext) context = NULL;
  g_autoptr (GPtrArray) sorted = NULL;
  g_autofree double *load = NULL;
  g_autoptr (GHashTable) chosen = g_hash_table_new (NULL, NULL);
  GPtrArray *result;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  g_return_val_if_fail (tests != NULL, NULL);
  g_return_val_if_fail (n_shards >= 1 && shard >= 1 && shard <= n_shards, NULL);

  context = shoal_dispatch_context_new (n_shards, 1.0);
  /* A view: no references of its own (a copy would share the free func). */
  sorted = g_ptr_array_sized_new (tests->len);
  for (guint i = 0; i < tests->len; i++)
    g_ptr_array_add (sorted, tests->pdata[i]);
  g_ptr_array_sort_with_data (sorted, compare_for_shards, context);
  load = g_new0 (double, n_shards);
  for (guint i = 0; i < sorted->len; i++)
    {
      guint lightest = 0;

      for (guint k = 1; k < n_shards; k++)
        if (load[k] < load[lightest])
          lightest = k;
      load[lightest] += shoal_dispatch_context_estimate (context, sorted->pdata[i]);
      if (lightest == shard - 1)
        g_hash_table_add (chosen, sorted->pdata[i]);
    }

  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tests->len; i++)
    if (g_hash_table_contains (chosen, tests->pdata[i]))
      g_ptr_array_add (result, g_object_ref (tests->pdata[i]));
  return result;
}

/**
 * shoal_project_create_scheduler_for_tests:
 * @self: a discovered project
 * @tests: (element-type ShoalTestCase): tests of the project to run
 * @patterns: (array zero-terminated=1) (nullable): the patterns they were
 *   selected with, to select discovery failures the same way
 * @error: return location for a #GError
 *
 * As [method@Shoal.Project.create_scheduler], for a set of tests chosen by
 * the caller (a shard, say).
 *
 * Returns: (transfer full): the scheduler, or %NULL with @error set
 */
ShoalScheduler *
shoal_project_create_scheduler_for_tests (ShoalProject *self,
                                          GPtrArray *tests,
                                          const char *const *patterns,
                                          GError **error)
{
  GPtrArray *selected = tests;
  g_autoptr (ShoalScheduler) scheduler = NULL;
  g_autoptr (ShoalStrategy) strategy = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *run_dir = NULL;
  const char *strategy_name;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  if (!shoal_project_discover (self, NULL, error))
    return NULL;

  strategy_name = shoal_config_get_distribution_strategy (self->config);
  strategy = shoal_plugin_registry_create_strategy (self->registry, strategy_name, &local_error);
  if (strategy == NULL)
    {
      ShoalSettings *settings = shoal_config_get_settings (self->config);

      if (settings != NULL)
        shoal_settings_set_error_literal (settings, "distribution_strategy", error,
                                          SHOAL_CONFIG_ERROR_INVALID, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!ensure_managers (self, error))
    return NULL;

  scheduler = shoal_scheduler_new (shoal_config_get_max_workers (self->config));
  shoal_scheduler_set_lock_manager (scheduler, self->lock_manager);
  shoal_scheduler_set_pool_manager (scheduler, self->pool_manager);
  shoal_scheduler_set_resource_timeout (scheduler, shoal_config_get_resource_timeout (self->config));
  shoal_scheduler_set_batching (scheduler, shoal_config_get_batching (self->config));
  shoal_scheduler_set_retries (scheduler, shoal_config_get_retries (self->config),
                               shoal_config_get_retry_delay (self->config),
                               shoal_config_get_retry_backoff (self->config),
                               shoal_config_get_retry_on_other_worker (self->config),
                               shoal_config_get_flaky_fails (self->config));
  if (shoal_config_get_dynamic_workers (self->config))
    shoal_scheduler_set_min_workers (scheduler, shoal_config_get_min_workers (self->config));
  {
    g_autoptr (GError) history_error = NULL;
    ShoalHistory *history = self->history_opened ? self->history
                                                 : shoal_project_get_history (self, &history_error);

    /* An unreadable history costs the estimates, never the run. */
    self->history_opened = TRUE;
    if (history != NULL)
      {
        g_autoptr (ShoalQuarantineManager) quarantine = shoal_quarantine_manager_new (history);
        const char *settings = shoal_config_get_quarantine_config (self->config);

        shoal_scheduler_set_history (scheduler, history);
        /* quarantine_config: the seed's quarantine_settings.json, merged
         * into the history's quarantine when it exists; a bad one costs a
         * warning, never the run. */
        if (settings != NULL && g_file_test (settings, G_FILE_TEST_EXISTS))
          {
            g_autoptr (GError) import_error = NULL;

            if (!shoal_quarantine_manager_import_settings (quarantine, settings, &import_error))
              g_ptr_array_add (self->warnings, g_strdup (import_error->message));
          }
        shoal_quarantine_manager_set_threshold (quarantine,
                                                shoal_config_get_quarantine_threshold (self->config));
        shoal_scheduler_set_quarantine_manager (scheduler, quarantine);
      }
    else if (history_error != NULL)
      g_ptr_array_add (self->warnings, g_strdup (history_error->message));
  }
  {
    g_autoptr (ShoalEnvironmentManager) environments =
        shoal_environment_manager_new_from_config (self->config,
                                                   shoal_scheduler_get_run_id (scheduler));

    /* The scheduler already gives every test the configured variables,
     * under the suite's and the test's own: the manager adds only the
     * directories. */
    shoal_environment_manager_set_environment_variables (environments, NULL);
    /* Removing a directory can take milliseconds on a busy file system:
     * not on the main loop, where it would delay the next test. */
    shoal_environment_manager_set_remove_in_background (environments, TRUE);
    shoal_scheduler_set_environment_manager (scheduler, environments);
  }
  shoal_scheduler_set_strategy (scheduler, strategy);
  shoal_scheduler_set_default_timeout (scheduler, shoal_config_get_timeout (self->config));
  shoal_scheduler_set_kill_grace (scheduler, shoal_config_get_kill_grace (self->config));
  shoal_scheduler_set_environment (scheduler,
                                   shoal_config_get_environment_variables (self->config));

  state_dir = shoal_config_get_state_dir (self->config);
  run_dir = g_build_filename (state_dir, "runs", shoal_scheduler_get_run_id (scheduler), NULL);
  shoal_scheduler_set_run_dir (scheduler, run_dir);

  for (guint i = 0; i < selected->len; i++)
    {
      ShoalTestCase *test = g_ptr_array_index (selected, i);
      ShoalAdapter *adapter = g_hash_table_lookup (self->adapters, shoal_test_case_get_id (test));

      if (!shoal_scheduler_add_test (scheduler, test, adapter, error))
        return NULL;
    }
  if (!add_fixtures (self, scheduler, selected, error))
    return NULL;
  for (guint i = 0; i < self->discovery_errors->len; i++)
    {
      ShoalTestResult *result = g_ptr_array_index (self->discovery_errors, i);
      gboolean keep = patterns == NULL || patterns[0] == NULL;

      for (guint p = 0; !keep && patterns[p] != NULL; p++)
        keep = shoal_test_id_matches (shoal_test_result_get_test_id (result), patterns[p]);
      if (keep)
        shoal_scheduler_add_result (scheduler, result);
    }

  /* .shoal/runs/latest names the newest run, for people and `shoal report`. */
  {
    g_autofree char *latest = g_build_filename (state_dir, "runs", "latest", NULL);

    if (g_mkdir_with_parents (run_dir, 0755) == 0)
      {
        g_unlink (latest);
        if (symlink (shoal_scheduler_get_run_id (scheduler), latest) != 0)
          g_ptr_array_add (self->warnings, g_strdup_printf (_ ("cannot update %s: %s"), latest,
                                                            g_strerror (errno)));
      }
  }

  return g_steal_pointer (&scheduler);
}

/**
 * shoal_project_create_reporter:
 * @self: a project
 * @format: a reporter's name (`console`, `json`, `junit`, ...)
 * @destination: (nullable): the report's file, relative to the current
 *   directory, or %NULL for standard output
 * @error: return location for a #GError
 *
 * Creates a reporter from the registry and opens it.
 *
 * Returns: (transfer full): the opened reporter, or %NULL with @error set
 */
ShoalReporter *
shoal_project_create_reporter (ShoalProject *self,
                               const char *format,
                               const char *destination,
                               GError **error)
{
  g_autoptr (ShoalReporter) reporter = NULL;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);
  g_return_val_if_fail (format != NULL, NULL);

  reporter = shoal_plugin_registry_create_reporter (self->registry, format, error);
  if (reporter == NULL)
    return NULL;
  if (!shoal_reporter_open (reporter, destination, error))
    return NULL;
  return g_steal_pointer (&reporter);
}

/**
 * shoal_project_get_status_report:
 * @self: a project
 *
 * The seed's `get_status_report()`: an `a{sv}` dictionary with
 * `quarantine_manager` (see [method@Shoal.QuarantineManager.get_status],
 * with `quarantined_tests`), `resource_pool_manager` (`pools`, as
 * [method@Shoal.ResourcePoolManager.get_pool_status]) and `tests` (the
 * number discovered). A part whose manager is not available (no history)
 * is left out.
 *
 * Returns: (transfer full): the status
 */
GVariant *
shoal_project_get_status_report (ShoalProject *self)
{
  g_auto (GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr (GError) error = NULL;
  ShoalHistory *history;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  history = shoal_project_get_history (self, &error);
  if (history != NULL)
    {
      g_autoptr (ShoalQuarantineManager) quarantine = shoal_quarantine_manager_new (history);
      g_autoptr (GVariant) status = shoal_quarantine_manager_get_status (quarantine);

      g_variant_dict_insert_value (&dict, "quarantine_manager", status);
    }
  if (self->pool_manager != NULL)
    {
      g_auto (GVariantDict) pools = G_VARIANT_DICT_INIT (NULL);
      g_autoptr (GVariant) status = shoal_resource_pool_manager_get_pool_status (self->pool_manager);

      g_variant_dict_insert_value (&pools, "pools", status);
      g_variant_dict_insert_value (&dict, "resource_pool_manager", g_variant_dict_end (&pools));
    }
  g_variant_dict_insert (&dict, "tests", "u", self->tests->len);
  return g_variant_dict_end (&dict);
}

/**
 * shoal_project_run:
 * @self: a project
 * @patterns: (array zero-terminated=1) (nullable): id patterns
 * @cancellable: (nullable): cancelling interrupts the run
 * @error: return location for a #GError
 *
 * Discovers, then runs the selected tests with the reports configured in
 * `reports:`, iterating a private main context until the run is over.
 *
 * Returns: (transfer full): the run's summary, or %NULL with @error set
 */
ShoalRunSummary *
shoal_project_run (ShoalProject *self,
                   const char *const *patterns,
                   GCancellable *cancellable,
                   GError **error)
{
  g_autoptr (ShoalScheduler) scheduler = NULL;
  GPtrArray *reports;

  g_return_val_if_fail (SHOAL_IS_PROJECT (self), NULL);

  scheduler = shoal_project_create_scheduler (self, patterns, error);
  if (scheduler == NULL)
    return NULL;

  reports = shoal_config_get_reports (self->config);
  for (guint i = 0; i < reports->len; i++)
    {
      ShoalReportConfig *report = g_ptr_array_index (reports, i);
      g_autoptr (ShoalReporter) reporter = NULL;

      reporter = shoal_project_create_reporter (self, shoal_report_config_get_format (report),
                                                shoal_report_config_get_path (report), error);
      if (reporter == NULL)
        return NULL;
      shoal_scheduler_add_reporter (scheduler, reporter);
    }
  return shoal_scheduler_run (scheduler, cancellable, error);
}
