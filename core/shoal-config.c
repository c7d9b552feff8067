/* shoal-config.c: the typed contents of shoal.yaml
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-config.h"

/**
 * ShoalConfig:
 *
 * The run-wide settings of `shoal.yaml`, read and checked once, with their
 * defaults applied. Every error names the file, line, column and key.
 *
 * Only what the core itself uses is typed here. What belongs to a plugin
 * (a suite's adapter keys, a pool's provider keys) stays in the
 * [class@Shoal.Settings] of that suite or pool, for the plugin to read and
 * check; plugin names are checked by the plugin registry.
 *
 * A config is immutable once built, apart from the two overrides the command
 * line applies before the run starts ([method@Shoal.Config.set_max_workers],
 * [method@Shoal.Config.set_timeout]); it can then be read from any thread.
 */

/**
 * ShoalSuiteConfig:
 *
 * One entry of `suites`: a named set of tests that one adapter discovers
 * and runs. Keys other than `name`, `adapter`, `timeout`, `tags` and `env`
 * belong to the adapter, which reads them from
 * [method@Shoal.SuiteConfig.get_settings].
 */

/**
 * ShoalPoolConfig:
 *
 * One entry of `resource_pools`: a pool of instances of a resource that a
 * provider makes, `drivers: 4` or `drivers: {size: 4, provider: command, ...}`.
 */

/**
 * ShoalReportConfig:
 *
 * One entry of `reports`: a reporter and the file it writes.
 */

#define MAX_WORKERS_LIMIT 1024

struct _ShoalConfig
{
  GObject parent_instance;

  ShoalSettings *settings; /* (nullable) */
  char *filename;          /* (nullable) */
  char *base_dir;

  guint max_workers; /* 0: auto */
  guint min_workers;
  gboolean has_min_workers;
  double timeout;
  double kill_grace;
  char *distribution_strategy;
  gboolean retry_failed;
  guint retries;
  double retry_delay;
  gboolean retry_backoff;
  gboolean retry_on_other_worker;
  gboolean flaky_fails;
  guint quarantine_threshold;
  char *quarantine_config;
  double health_check_interval;
  double cleanup_timeout;
  char *temp_dir;
  gboolean debug_mode;
  gboolean batching;
  char *log_level;

  char *base_temp_dir;
  gboolean cleanup_on_exit;
  gboolean preserve_on_failure;
  gboolean isolate_home;
  char **environment_variables;

  GPtrArray *suites;
  GPtrArray *resource_pools;
  GPtrArray *reports;
  GPtrArray *resources;
  GPtrArray *test_rules;
  GPtrArray *fixtures;
  double resource_timeout;
};

struct _ShoalSuiteConfig
{
  GObject parent_instance;

  char *name;
  char *adapter;
  double timeout;
  char **tags;
  char **environment;
  ShoalSettings *settings;
  ShoalTestRule *rule;
  gboolean workspace_copy;
  char **workspace_exclude;
};

/**
 * ShoalResourceConfig:
 *
 * One entry of `resources:`: a resource tests can lock, exclusive (one
 * holder at a time) or shared (any number of holders, never together with
 * an exclusive one).
 *
 * |[
 * resources:
 *   user_db: {type: database, exclusive: true}
 *   test_data: {type: files, exclusive: false}
 * ]|
 */
struct _ShoalResourceConfig
{
  GObject parent_instance;

  char *name;
  char *type;
  gboolean exclusive;
};

G_DEFINE_FINAL_TYPE (ShoalResourceConfig, shoal_resource_config, G_TYPE_OBJECT)

/**
 * ShoalFixtureConfig:
 *
 * One entry of `fixtures:`: setup and teardown commands that run once per
 * run, before the first test that needs the fixture and after the last.
 * Tests ask for fixtures with `fixtures: [name]` (in a suite or a `tests:`
 * rule); they are skipped when the setup fails, and the teardown always
 * runs once the setup ran, also after an interruption.
 *
 * |[
 * fixtures:
 *   database:
 *     setup: [./scripts/start-db, --port, "5433"]
 *     teardown: [./scripts/stop-db]
 *     timeout: 60
 * ]|
 */
struct _ShoalFixtureConfig
{
  GObject parent_instance;

  char *name;
  GStrv setup;
  GStrv teardown;
  GStrv environment;
  double timeout;
};

G_DEFINE_FINAL_TYPE (ShoalFixtureConfig, shoal_fixture_config, G_TYPE_OBJECT)

static void
shoal_fixture_config_finalize (GObject *object)
{
  ShoalFixtureConfig *self = SHOAL_FIXTURE_CONFIG (object);

  g_free (self->name);
  g_strfreev (self->setup);
  g_strfreev (self->teardown);
  g_strfreev (self->environment);
  G_OBJECT_CLASS (shoal_fixture_config_parent_class)->finalize (object);
}

static void
shoal_fixture_config_class_init (ShoalFixtureConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_fixture_config_finalize;
}

static void
shoal_fixture_config_init (ShoalFixtureConfig *self)
{
}

static void
shoal_resource_config_finalize (GObject *object)
{
  ShoalResourceConfig *self = SHOAL_RESOURCE_CONFIG (object);

  g_free (self->name);
  g_free (self->type);
  G_OBJECT_CLASS (shoal_resource_config_parent_class)->finalize (object);
}

static void
shoal_resource_config_class_init (ShoalResourceConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_resource_config_finalize;
}

static void
shoal_resource_config_init (ShoalResourceConfig *self)
{
}

/**
 * shoal_resource_config_get_name:
 * @self: a resource's configuration
 *
 * Returns: (transfer none): the resource's name, as tests ask for it
 */
const char *
shoal_resource_config_get_name (ShoalResourceConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_CONFIG (self), NULL);
  return self->name;
}

/**
 * shoal_resource_config_get_resource_type:
 * @self: a resource's configuration
 *
 * Returns: (transfer none): its `type:`, free text for people ("database")
 */
const char *
shoal_resource_config_get_resource_type (ShoalResourceConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_CONFIG (self), NULL);
  return self->type;
}

/**
 * shoal_resource_config_get_exclusive:
 * @self: a resource's configuration
 *
 * Returns: whether it has at most one holder at a time
 */
gboolean
shoal_resource_config_get_exclusive (ShoalResourceConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_RESOURCE_CONFIG (self), TRUE);
  return self->exclusive;
}

struct _ShoalPoolConfig
{
  GObject parent_instance;

  char *name;
  guint size;
  guint min_size;
  guint max_size;
  char *provider;
  ShoalSettings *settings; /* (nullable) */
};

struct _ShoalReportConfig
{
  GObject parent_instance;

  char *format;
  char *path;
};

G_DEFINE_FINAL_TYPE (ShoalConfig, shoal_config, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (ShoalSuiteConfig, shoal_suite_config, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (ShoalPoolConfig, shoal_pool_config, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (ShoalReportConfig, shoal_report_config, G_TYPE_OBJECT)

/* Every top-level key, so that a typo gets its suggestion. `resources` and
 * `tests` are reserved: accepted and kept in the settings, not read yet. */
static const char *const top_level_keys[] = {
  "max_workers",
  "min_workers",
  "timeout",
  "kill_grace",
  "distribution_strategy",
  "retry_failed",
  "retries",
  "retry_delay",
  "retry_backoff",
  "retry_on_other_worker",
  "flaky_result",
  "quarantine_threshold",
  "quarantine_config",
  "health_check_interval",
  "cleanup_timeout",
  "temp_dir",
  "debug_mode",
  "batching",
  "log_level",
  "environment",
  "resource_pools",
  "suites",
  "reports",
  "resources",
  "resource_timeout",
  "fixtures",
  "tests",
  NULL,
};

static const char *const environment_keys[] = {
  "base_temp_dir",
  "cleanup_on_exit",
  "preserve_on_failure",
  "isolate_home",
  "environment_variables",
  NULL,
};

static const char *const log_levels[] = { "DEBUG", "INFO", "WARNING", "ERROR", NULL };

/* ShoalSuiteConfig */

static void
shoal_suite_config_finalize (GObject *object)
{
  ShoalSuiteConfig *self = SHOAL_SUITE_CONFIG (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->adapter, g_free);
  g_clear_pointer (&self->tags, g_strfreev);
  g_clear_pointer (&self->environment, g_strfreev);
  g_clear_object (&self->settings);
  g_clear_object (&self->rule);
  g_clear_pointer (&self->workspace_exclude, g_strfreev);

  G_OBJECT_CLASS (shoal_suite_config_parent_class)->finalize (object);
}

static void
shoal_suite_config_class_init (ShoalSuiteConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_suite_config_finalize;
}

static void
shoal_suite_config_init (ShoalSuiteConfig *self)
{
}

/**
 * shoal_suite_config_get_name:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none): the suite's name, unique in the config
 */
const char *
shoal_suite_config_get_name (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);

  return self->name;
}

/**
 * shoal_suite_config_get_adapter:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none): the name of the adapter that runs the suite
 */
const char *
shoal_suite_config_get_adapter (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);

  return self->adapter;
}

/**
 * shoal_suite_config_get_timeout:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: the per-test timeout of the suite in seconds, or 0 when the
 *   suite does not set one (the config's timeout then applies)
 */
double
shoal_suite_config_get_timeout (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), 0);

  return self->timeout;
}

/**
 * shoal_suite_config_get_tags:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none) (array zero-terminated=1): the tags every test of
 *   the suite gets, possibly none
 */
const char *const *
shoal_suite_config_get_tags (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);

  return (const char *const *) self->tags;
}

/**
 * shoal_suite_config_get_environment:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none) (array zero-terminated=1): the suite's
 *   environment variables as `NAME=VALUE`, in the order of the file,
 *   possibly none
 */
const char *const *
shoal_suite_config_get_environment (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);

  return (const char *const *) self->environment;
}

/**
 * shoal_suite_config_get_settings:
 * @self: a #ShoalSuiteConfig
 *
 * Gets the suite's mapping, for its adapter to read its own keys. The keys
 * Shoal reads are marked consumed, so the adapter's
 * [method@Shoal.Settings.check_keys] need only list its own.
 *
 * Returns: (transfer none): the suite's settings
 */
ShoalSettings *
shoal_suite_config_get_settings (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);

  return self->settings;
}

/* ShoalPoolConfig */

static void
shoal_pool_config_finalize (GObject *object)
{
  ShoalPoolConfig *self = SHOAL_POOL_CONFIG (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->provider, g_free);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (shoal_pool_config_parent_class)->finalize (object);
}

static void
shoal_pool_config_class_init (ShoalPoolConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_pool_config_finalize;
}

static void
shoal_pool_config_init (ShoalPoolConfig *self)
{
}

/**
 * shoal_pool_config_get_name:
 * @self: a #ShoalPoolConfig
 *
 * Returns: (transfer none): the pool's name, as tests name it in their
 *   required resources
 */
const char *
shoal_pool_config_get_name (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), NULL);

  return self->name;
}

/**
 * shoal_pool_config_get_size:
 * @self: a #ShoalPoolConfig
 *
 * Returns: the number of instances the pool starts with, at least 1
 */
guint
shoal_pool_config_get_size (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), 0);

  return self->size;
}

/**
 * shoal_pool_config_get_min_size:
 * @self: a #ShoalPoolConfig
 *
 * Returns: the size the pool may shrink to, between 1 and the size
 */
guint
shoal_pool_config_get_min_size (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), 0);

  return self->min_size;
}

/**
 * shoal_pool_config_get_max_size:
 * @self: a #ShoalPoolConfig
 *
 * Returns: the size the pool may grow to, at least the size
 */
guint
shoal_pool_config_get_max_size (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), 0);

  return self->max_size;
}

/**
 * shoal_pool_config_get_provider:
 * @self: a #ShoalPoolConfig
 *
 * Returns: (transfer none): the name of the resource provider that makes
 *   the pool's instances (`slots` by default)
 */
const char *
shoal_pool_config_get_provider (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), NULL);

  return self->provider;
}

/**
 * shoal_pool_config_get_settings:
 * @self: a #ShoalPoolConfig
 *
 * Gets the pool's mapping, for its provider to read its own keys (`size`,
 * `min`, `max` and `provider` are marked consumed).
 *
 * Returns: (transfer none) (nullable): the pool's settings, or %NULL when
 *   the pool is written as a bare size (`drivers: 4`)
 */
ShoalSettings *
shoal_pool_config_get_settings (ShoalPoolConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_POOL_CONFIG (self), NULL);

  return self->settings;
}

/* ShoalReportConfig */

static void
shoal_report_config_finalize (GObject *object)
{
  ShoalReportConfig *self = SHOAL_REPORT_CONFIG (object);

  g_clear_pointer (&self->format, g_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (shoal_report_config_parent_class)->finalize (object);
}

static void
shoal_report_config_class_init (ShoalReportConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_report_config_finalize;
}

static void
shoal_report_config_init (ShoalReportConfig *self)
{
}

/**
 * shoal_report_config_new:
 * @format: the reporter's name (`json`, `junit`, ...)
 * @path: (type filename): the file the reporter writes, kept as given
 *
 * Makes a report request that is not in a config file (`--report
 * junit=out.xml` on the command line, say).
 *
 * Returns: (transfer full): a new #ShoalReportConfig
 */
ShoalReportConfig *
shoal_report_config_new (const char *format, const char *path)
{
  ShoalReportConfig *self;

  g_return_val_if_fail (format != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_REPORT_CONFIG, NULL);
  self->format = g_strdup (format);
  self->path = g_strdup (path);
  return self;
}

/**
 * shoal_report_config_get_format:
 * @self: a #ShoalReportConfig
 *
 * Returns: (transfer none): the name of the reporter
 */
const char *
shoal_report_config_get_format (ShoalReportConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT_CONFIG (self), NULL);

  return self->format;
}

/**
 * shoal_report_config_get_path:
 * @self: a #ShoalReportConfig
 *
 * Returns: (transfer none) (type filename): the file the reporter writes;
 *   from a config file, an absolute path (relative paths are relative to the
 *   file's directory)
 */
const char *
shoal_report_config_get_path (ShoalReportConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_REPORT_CONFIG (self), NULL);

  return self->path;
}

/* ShoalConfig */

static void
shoal_config_finalize (GObject *object)
{
  ShoalConfig *self = SHOAL_CONFIG (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->filename, g_free);
  g_clear_pointer (&self->base_dir, g_free);
  g_clear_pointer (&self->distribution_strategy, g_free);
  g_clear_pointer (&self->quarantine_config, g_free);
  g_clear_pointer (&self->temp_dir, g_free);
  g_clear_pointer (&self->log_level, g_free);
  g_clear_pointer (&self->base_temp_dir, g_free);
  g_clear_pointer (&self->environment_variables, g_strfreev);
  g_clear_pointer (&self->suites, g_ptr_array_unref);
  g_clear_pointer (&self->resource_pools, g_ptr_array_unref);
  g_clear_pointer (&self->resources, g_ptr_array_unref);
  g_clear_pointer (&self->test_rules, g_ptr_array_unref);
  g_clear_pointer (&self->fixtures, g_ptr_array_unref);
  g_clear_pointer (&self->reports, g_ptr_array_unref);

  G_OBJECT_CLASS (shoal_config_parent_class)->finalize (object);
}

static void
shoal_config_class_init (ShoalConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_config_finalize;
}

/* The defaults, so that shoal_config_new() and an empty file agree. */
static void
shoal_config_init (ShoalConfig *self)
{
  self->base_dir = g_get_current_dir ();
  self->max_workers = 0;
  self->min_workers = 1;
  self->timeout = 300;
  self->kill_grace = 5;
  self->distribution_strategy = g_strdup ("load_balanced");
  self->retry_failed = FALSE;
  self->retries = 0;
  self->quarantine_threshold = 3;
  self->health_check_interval = 30;
  self->cleanup_timeout = 60;
  self->debug_mode = FALSE;
  self->batching = TRUE;
  self->log_level = g_strdup ("INFO");
  self->cleanup_on_exit = TRUE;
  self->preserve_on_failure = TRUE;
  self->isolate_home = FALSE;
  self->environment_variables = g_new0 (char *, 1);
  self->suites = g_ptr_array_new_with_free_func (g_object_unref);
  self->resource_pools = g_ptr_array_new_with_free_func (g_object_unref);
  self->resources = g_ptr_array_new_with_free_func (g_object_unref);
  self->test_rules = g_ptr_array_new_with_free_func (g_object_unref);
  self->fixtures = g_ptr_array_new_with_free_func (g_object_unref);
  self->resource_timeout = 300;
  self->reports = g_ptr_array_new_with_free_func (g_object_unref);
}

/* Names that become plugin names, file names and command-line words. */
static gboolean
is_plugin_name (const char *name)
{
  if (!g_ascii_islower (name[0]))
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_'))
      return FALSE;
  return TRUE;
}

/* ^[A-Za-z][A-Za-z0-9_.-]*$, or with a leading digit allowed. */
static gboolean
is_identifier (const char *name, gboolean digit_first)
{
  if (!(g_ascii_isalpha (name[0]) || (digit_first && g_ascii_isdigit (name[0]))))
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == '.' || *p == '-'))
      return FALSE;
  return TRUE;
}

/* [method@Shoal.Settings.set_error] points at a key's value; an error about
 * the key itself (a pool or report name) points at the key. */
static void set_key_error (ShoalSettings *settings,
                           const char *key,
                           GError **error,
                           ShoalConfigError code,
                           const char *format,
                           ...) G_GNUC_PRINTF (5, 6);

static void
set_key_error (ShoalSettings *settings,
               const char *key,
               GError **error,
               ShoalConfigError code,
               const char *format,
               ...)
{
  g_autofree char *location = NULL;
  g_autofree char *message = NULL;
  const char *parent = shoal_settings_get_key_path (settings);
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  location = shoal_settings_get_location (settings, key);
  if (parent[0] != '\0')
    g_set_error (error, SHOAL_CONFIG_ERROR, code, "%s: %s.%s: %s", location, parent, key, message);
  else
    g_set_error (error, SHOAL_CONFIG_ERROR, code, "%s: %s: %s", location, key, message);
}

/* "LINE:COLUMN" of @key, for "(first at ...)": the file is the same. */
static char *
get_line_column (ShoalSettings *settings, const char *key)
{
  g_autofree char *location = shoal_settings_get_location (settings, key);
  const char *filename = shoal_settings_get_filename (settings);

  if (g_str_has_prefix (location, filename) && location[strlen (filename)] == ':')
    return g_strdup (location + strlen (filename) + 1);
  return g_steal_pointer (&location);
}

/* Timeouts and intervals: 0 would mean "never" to some readers and
 * "immediately" to others, so it is refused rather than guessed. */
static gboolean
get_positive_double (ShoalSettings *settings,
                     const char *key,
                     double default_value,
                     double *out_value,
                     GError **error)
{
  double value;

  if (!shoal_settings_get_double (settings, key, default_value, -G_MAXDOUBLE, G_MAXDOUBLE, &value,
                                  error))
    return FALSE;

  if (!(value > 0))
    {
      g_autofree char *text = shoal_settings_get_string (settings, key, NULL, NULL);

      shoal_settings_set_error (settings, key, error, SHOAL_CONFIG_ERROR_RANGE,
                                _ ("must be greater than 0, got %s"), text);
      return FALSE;
    }

  *out_value = value;
  return TRUE;
}

/* A path in the file is relative to the file, not to wherever shoal runs. */
static gboolean
get_path (ShoalSettings *settings, const char *key, char **out_path, GError **error)
{
  g_autofree char *path = NULL;
  gboolean absent = shoal_settings_get_kind (settings, key) == SHOAL_SETTINGS_KIND_NONE;

  *out_path = NULL;
  path = shoal_settings_get_string (settings, key, NULL, error);
  if (path == NULL)
    return absent;
  if (path[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, key, error, SHOAL_CONFIG_ERROR_INVALID,
                                        _ ("must not be an empty path"));
      return FALSE;
    }

  *out_path = g_canonicalize_filename (path, shoal_settings_get_base_dir (settings));
  return TRUE;
}

static gboolean
load_max_workers (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *text = NULL;
  gint64 value;
  double number;

  switch (shoal_settings_get_kind (settings, "max_workers"))
    {
    case SHOAL_SETTINGS_KIND_NONE:
      /* Read anyway, so that the key counts as consumed. */
      text = shoal_settings_get_string (settings, "max_workers", NULL, NULL);
      self->max_workers = 0;
      return TRUE;

    case SHOAL_SETTINGS_KIND_SCALAR:
      text = shoal_settings_get_string (settings, "max_workers", NULL, NULL);
      if (g_str_equal (text, "auto"))
        {
          self->max_workers = 0;
          return TRUE;
        }
      if (shoal_settings_get_int (settings, "max_workers", 0, 1, MAX_WORKERS_LIMIT, &value,
                                  &local_error))
        {
          self->max_workers = value;
          return TRUE;
        }
      if (!g_error_matches (local_error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Say that "auto" is the other choice. A plain number (2.5) is shown
       * as written, anything else (quoted "4" included) as a string. */
      if (shoal_settings_get_double (settings, "max_workers", 0, -G_MAXDOUBLE, G_MAXDOUBLE, &number,
                                     NULL))
        shoal_settings_set_error (settings, "max_workers", error, SHOAL_CONFIG_ERROR_TYPE,
                                  _ ("expected an integer or 'auto', got %s"), text);
      else
        shoal_settings_set_error (settings, "max_workers", error, SHOAL_CONFIG_ERROR_TYPE,
                                  _ ("expected an integer or 'auto', got the string '%s'"), text);
      return FALSE;

    case SHOAL_SETTINGS_KIND_SEQUENCE:
    case SHOAL_SETTINGS_KIND_MAPPING:
    default:
      shoal_settings_set_error (settings, "max_workers", error, SHOAL_CONFIG_ERROR_TYPE,
                                _ ("expected an integer or 'auto', got %s"),
                                shoal_settings_get_kind (settings, "max_workers") ==
                                        SHOAL_SETTINGS_KIND_SEQUENCE
                                    ? _ ("a list")
                                    : _ ("a mapping"));
      return FALSE;
    }
}

static gboolean
load_environment (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  g_autoptr (ShoalSettings) environment = NULL;
  g_auto (GStrv) variables = NULL;

  if (!shoal_settings_get_settings (settings, "environment", &environment, error))
    return FALSE;
  if (environment == NULL)
    return TRUE;

  if (!shoal_settings_check_keys (environment, environment_keys, error) ||
      !get_path (environment, "base_temp_dir", &self->base_temp_dir, error) ||
      !shoal_settings_get_boolean (environment, "cleanup_on_exit", TRUE, &self->cleanup_on_exit,
                                   error) ||
      !shoal_settings_get_boolean (environment, "preserve_on_failure", TRUE,
                                   &self->preserve_on_failure, error) ||
      !shoal_settings_get_boolean (environment, "isolate_home", FALSE, &self->isolate_home,
                                   error) ||
      !shoal_settings_get_environ (environment, "environment_variables", &variables, error))
    return FALSE;

  if (variables != NULL)
    {
      g_strfreev (self->environment_variables);
      self->environment_variables = g_steal_pointer (&variables);
    }
  return TRUE;
}

static gboolean
get_pool_size (ShoalSettings *settings, const char *key, gint64 *out_size, GError **error)
{
  gint64 size;

  if (!shoal_settings_get_int (settings, key, 0, G_MININT64, G_MAXINT64, &size, error))
    return FALSE;
  if (size < 1)
    {
      shoal_settings_set_error (settings, key, error, SHOAL_CONFIG_ERROR_RANGE,
                                _ ("pool size must be at least 1, got %" G_GINT64_FORMAT), size);
      return FALSE;
    }
  if (size > G_MAXINT)
    {
      shoal_settings_set_error (settings, key, error, SHOAL_CONFIG_ERROR_RANGE,
                                _ ("pool size must be at most %d, got %" G_GINT64_FORMAT), G_MAXINT,
                                size);
      return FALSE;
    }
  *out_size = size;
  return TRUE;
}

static ShoalPoolConfig *
load_pool (ShoalSettings *pools, const char *name, GError **error)
{
  g_autoptr (ShoalPoolConfig) pool = g_object_new (SHOAL_TYPE_POOL_CONFIG, NULL);
  g_autoptr (ShoalSettings) settings = NULL;
  gint64 size, min_size, max_size;

  if (!is_identifier (name, FALSE))
    {
      set_key_error (pools, name, error, SHOAL_CONFIG_ERROR_INVALID,
                     _ ("invalid pool name '%s' (names are letters, digits, '_', '.' and '-', "
                        "starting with a letter)"),
                     name);
      return NULL;
    }
  pool->name = g_strdup (name);

  switch (shoal_settings_get_kind (pools, name))
    {
    case SHOAL_SETTINGS_KIND_SCALAR:
      if (!get_pool_size (pools, name, &size, error))
        return NULL;
      pool->size = pool->min_size = pool->max_size = size;
      pool->provider = g_strdup ("slots");
      return g_steal_pointer (&pool);

    case SHOAL_SETTINGS_KIND_MAPPING:
      break;

    case SHOAL_SETTINGS_KIND_NONE:
    case SHOAL_SETTINGS_KIND_SEQUENCE:
    default:
      shoal_settings_set_error (pools, name, error, SHOAL_CONFIG_ERROR_TYPE,
                                _ ("expected a pool size or a mapping, got %s"),
                                shoal_settings_get_kind (pools, name) == SHOAL_SETTINGS_KIND_NONE
                                    ? "null"
                                    : _ ("a list"));
      return NULL;
    }

  if (!shoal_settings_get_settings (pools, name, &settings, error))
    return NULL;

  if (shoal_settings_get_kind (settings, "size") == SHOAL_SETTINGS_KIND_NONE)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        _ ("missing required key 'size'"));
      return NULL;
    }
  if (!get_pool_size (settings, "size", &size, error))
    return NULL;

  if (!shoal_settings_get_int (settings, "min", size, G_MININT64, G_MAXINT64, &min_size, error))
    return NULL;
  if (min_size < 1 || min_size > size)
    {
      shoal_settings_set_error (
          settings, "min", error, SHOAL_CONFIG_ERROR_RANGE,
          _ ("must be between 1 and the pool size %" G_GINT64_FORMAT ", got %" G_GINT64_FORMAT),
          size, min_size);
      return NULL;
    }

  if (!shoal_settings_get_int (settings, "max", size, G_MININT64, G_MAXINT64, &max_size, error))
    return NULL;
  if (max_size < size || max_size > G_MAXINT)
    {
      shoal_settings_set_error (
          settings, "max", error, SHOAL_CONFIG_ERROR_RANGE,
          _ ("must be between the pool size %" G_GINT64_FORMAT " and %d, got %" G_GINT64_FORMAT),
          size, G_MAXINT, max_size);
      return NULL;
    }

  pool->provider = shoal_settings_get_string (settings, "provider", "slots", error);
  if (pool->provider == NULL)
    return NULL;
  if (pool->provider[0] == '\0')
    {
      shoal_settings_set_error_literal (settings, "provider", error, SHOAL_CONFIG_ERROR_INVALID,
                                        _ ("must not be empty"));
      return NULL;
    }

  pool->size = size;
  pool->min_size = min_size;
  pool->max_size = max_size;
  pool->settings = g_steal_pointer (&settings);
  return g_steal_pointer (&pool);
}

static gboolean
load_resource_pools (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  g_autoptr (ShoalSettings) pools = NULL;
  g_auto (GStrv) names = NULL;

  if (!shoal_settings_get_settings (settings, "resource_pools", &pools, error))
    return FALSE;
  if (pools == NULL)
    return TRUE;

  names = shoal_settings_list_keys (pools);
  for (gsize i = 0; names[i] != NULL; i++)
    {
      ShoalPoolConfig *pool = load_pool (pools, names[i], error);

      if (pool == NULL)
        return FALSE;
      g_ptr_array_add (self->resource_pools, pool);
    }
  return TRUE;
}

static ShoalSuiteConfig *
load_suite (ShoalSettings *settings, GHashTable *names, GError **error)
{
  g_autoptr (ShoalSuiteConfig) suite = g_object_new (SHOAL_TYPE_SUITE_CONFIG, NULL);
  const char *first;

  if (shoal_settings_get_kind (settings, "name") == SHOAL_SETTINGS_KIND_NONE)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        _ ("missing required key 'name'"));
      return NULL;
    }
  suite->name = shoal_settings_get_string (settings, "name", NULL, error);
  if (suite->name == NULL)
    return NULL;
  if (!is_identifier (suite->name, TRUE))
    {
      shoal_settings_set_error (settings, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                _ ("invalid suite name '%s' (names are letters, digits, '_', '.' "
                                   "and '-', starting with a letter or digit)"),
                                suite->name);
      return NULL;
    }
  first = g_hash_table_lookup (names, suite->name);
  if (first != NULL)
    {
      shoal_settings_set_error (settings, "name", error, SHOAL_CONFIG_ERROR_INVALID,
                                _ ("duplicate suite name '%s' (first at %s)"), suite->name, first);
      return NULL;
    }
  g_hash_table_insert (names, g_strdup (suite->name), get_line_column (settings, "name"));

  if (shoal_settings_get_kind (settings, "adapter") == SHOAL_SETTINGS_KIND_NONE)
    {
      shoal_settings_set_error_literal (settings, NULL, error, SHOAL_CONFIG_ERROR_MISSING,
                                        _ ("missing required key 'adapter'"));
      return NULL;
    }
  suite->adapter = shoal_settings_get_string (settings, "adapter", NULL, error);
  if (suite->adapter == NULL)
    return NULL;

  if (shoal_settings_get_kind (settings, "timeout") != SHOAL_SETTINGS_KIND_NONE)
    {
      if (!get_positive_double (settings, "timeout", 0, &suite->timeout, error))
        return NULL;
    }
  else
    {
      /* Consumed even as null, so the adapter need not know the key. */
      if (!shoal_settings_get_double (settings, "timeout", 0, 0, G_MAXDOUBLE, &suite->timeout,
                                      error))
        return NULL;
    }

  if (!shoal_settings_get_strv (settings, "tags", &suite->tags, error) ||
      !shoal_settings_get_environ (settings, "env", &suite->environment, error))
    return NULL;
  if (suite->tags == NULL)
    suite->tags = g_new0 (char *, 1);
  if (suite->environment == NULL)
    suite->environment = g_new0 (char *, 1);

  suite->rule = shoal_test_rule_new_from_settings (settings, FALSE, error);
  if (suite->rule == NULL)
    return NULL;

  /* `workspace: copy`: each worker runs the suite's tests in its own copy
   * of the suite's tree (the directory of shoal.yaml). */
  {
    g_autofree char *workspace = shoal_settings_get_string (settings, "workspace", "shared", error);

    if (workspace == NULL)
      return NULL;
    if (!g_str_equal (workspace, "shared") && !g_str_equal (workspace, "copy"))
      {
        shoal_settings_set_error (settings, "workspace", error, SHOAL_CONFIG_ERROR_INVALID,
                                  _ ("must be 'shared' or 'copy', got '%s'"), workspace);
        return NULL;
      }
    suite->workspace_copy = g_str_equal (workspace, "copy");
    if (!shoal_settings_get_strv (settings, "workspace_exclude", &suite->workspace_exclude, error))
      return NULL;
  }

  suite->settings = g_object_ref (settings);
  return g_steal_pointer (&suite);
}

static gboolean
load_suites (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!shoal_settings_get_settings_list (settings, "suites", &list, error))
    return FALSE;
  if (list == NULL)
    return TRUE;

  for (guint i = 0; i < list->len; i++)
    {
      ShoalSuiteConfig *suite = load_suite (list->pdata[i], names, error);

      if (suite == NULL)
        return FALSE;
      g_ptr_array_add (self->suites, suite);
    }
  return TRUE;
}

static gboolean
load_reports (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  g_autoptr (ShoalSettings) reports = NULL;
  g_auto (GStrv) formats = NULL;

  if (!shoal_settings_get_settings (settings, "reports", &reports, error))
    return FALSE;
  if (reports == NULL)
    return TRUE;

  formats = shoal_settings_list_keys (reports);
  for (gsize i = 0; formats[i] != NULL; i++)
    {
      g_autofree char *path = NULL;

      if (!is_plugin_name (formats[i]))
        {
          set_key_error (reports, formats[i], error, SHOAL_CONFIG_ERROR_INVALID,
                         _ ("invalid report format '%s' (formats are lower-case letters, digits "
                            "and '_', starting with a letter)"),
                         formats[i]);
          return FALSE;
        }
      if (shoal_settings_get_kind (reports, formats[i]) == SHOAL_SETTINGS_KIND_NONE)
        {
          set_key_error (reports, formats[i], error, SHOAL_CONFIG_ERROR_MISSING,
                         _ ("missing the path of the report"));
          return FALSE;
        }
      if (!get_path (reports, formats[i], &path, error))
        return FALSE;

      g_ptr_array_add (self->reports, shoal_report_config_new (formats[i], path));
    }
  return TRUE;
}

static gboolean
load_fixtures (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  static const char *const fixture_keys[] = { "setup", "teardown", "timeout", "env", NULL };
  g_autoptr (ShoalSettings) fixtures = NULL;
  g_auto (GStrv) names = NULL;

  if (!shoal_settings_get_settings (settings, "fixtures", &fixtures, error))
    return FALSE;
  if (fixtures == NULL)
    return TRUE;
  names = shoal_settings_list_keys (fixtures);
  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_autoptr (ShoalFixtureConfig) fixture = g_object_new (SHOAL_TYPE_FIXTURE_CONFIG, NULL);
      g_autoptr (ShoalSettings) entry = NULL;

      if (!is_identifier (names[i], FALSE))
        {
          shoal_settings_set_error (fixtures, names[i], error, SHOAL_CONFIG_ERROR_INVALID,
                                    _ ("invalid fixture name '%s' (names are letters, digits, "
                                       "'_', '.' and '-', starting with a letter)"),
                                    names[i]);
          return FALSE;
        }
      if (!shoal_settings_get_settings (fixtures, names[i], &entry, error))
        return FALSE;
      if (entry == NULL)
        {
          shoal_settings_set_error_literal (fixtures, names[i], error, SHOAL_CONFIG_ERROR_MISSING,
                                            _ ("a fixture needs a setup or a teardown command"));
          return FALSE;
        }
      fixture->name = g_strdup (names[i]);
      if (!shoal_settings_get_strv (entry, "setup", &fixture->setup, error) ||
          !shoal_settings_get_strv (entry, "teardown", &fixture->teardown, error) ||
          !shoal_settings_get_environ (entry, "env", &fixture->environment, error) ||
          !shoal_settings_get_double (entry, "timeout", 0, 0, G_MAXDOUBLE, &fixture->timeout,
                                      error) ||
          !shoal_settings_check_keys (entry, fixture_keys, error))
        return FALSE;
      if ((fixture->setup == NULL || fixture->setup[0] == NULL) &&
          (fixture->teardown == NULL || fixture->teardown[0] == NULL))
        {
          shoal_settings_set_error_literal (fixtures, names[i], error, SHOAL_CONFIG_ERROR_MISSING,
                                            _ ("a fixture needs a setup or a teardown command"));
          return FALSE;
        }
      g_ptr_array_add (self->fixtures, g_steal_pointer (&fixture));
    }
  return TRUE;
}

/* `resources:` (what tests can lock) and `tests:` (rules by id pattern). */
static gboolean
load_resources_and_rules (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  static const char *const resource_keys[] = { "type", "exclusive", NULL };
  g_autoptr (ShoalSettings) resources = NULL;
  g_autoptr (GPtrArray) rules = NULL;

  if (!shoal_settings_get_settings (settings, "resources", &resources, error))
    return FALSE;
  if (resources != NULL)
    {
      g_auto (GStrv) names = shoal_settings_list_keys (resources);

      for (gsize i = 0; names[i] != NULL; i++)
        {
          g_autoptr (ShoalResourceConfig) resource = g_object_new (SHOAL_TYPE_RESOURCE_CONFIG, NULL);
          g_autoptr (ShoalSettings) entry = NULL;

          if (!is_identifier (names[i], FALSE))
            {
              shoal_settings_set_error (resources, names[i], error, SHOAL_CONFIG_ERROR_INVALID,
                                        _ ("invalid resource name '%s' (names are letters, digits, "
                                           "'_', '.' and '-', starting with a letter)"),
                                        names[i]);
              return FALSE;
            }
          resource->name = g_strdup (names[i]);
          /* `db: {type: database, exclusive: true}`, or just `db: {}` */
          if (shoal_settings_get_kind (resources, names[i]) == SHOAL_SETTINGS_KIND_NONE)
            {
              resource->type = g_strdup ("resource");
              resource->exclusive = TRUE;
            }
          else
            {
              if (!shoal_settings_get_settings (resources, names[i], &entry, error))
                return FALSE;
              resource->type = shoal_settings_get_string (entry, "type", "resource", error);
              if (resource->type == NULL ||
                  !shoal_settings_get_boolean (entry, "exclusive", TRUE, &resource->exclusive,
                                               error) ||
                  !shoal_settings_check_keys (entry, resource_keys, error))
                return FALSE;
            }
          for (guint p = 0; p < self->resource_pools->len; p++)
            if (g_str_equal (shoal_pool_config_get_name (self->resource_pools->pdata[p]),
                             names[i]))
              {
                shoal_settings_set_error (resources, names[i], error, SHOAL_CONFIG_ERROR_INVALID,
                                          _ ("'%s' is both a resource and a pool in "
                                             "resource_pools; give them different names"),
                                          names[i]);
                return FALSE;
              }
          g_ptr_array_add (self->resources, g_steal_pointer (&resource));
        }
    }

  if (!shoal_settings_get_settings_list (settings, "tests", &rules, error))
    return FALSE;
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      static const char *const rule_keys[] = {
        "match", "timeout", "tags", "resources", "depends", "requires", "skip_if_failed",
        "priority", "slots", "exclusive", "retries", "fixtures", NULL
      };
      ShoalTestRule *rule = shoal_test_rule_new_from_settings (rules->pdata[i], TRUE, error);

      if (rule == NULL)
        return FALSE;
      g_ptr_array_add (self->test_rules, rule);
      if (!shoal_settings_check_keys (rules->pdata[i], rule_keys, error))
        return FALSE;
    }

  if (!load_fixtures (self, settings, error))
    return FALSE;
  return get_positive_double (settings, "resource_timeout", 300, &self->resource_timeout, error);
}

static gboolean
load_settings (ShoalConfig *self, ShoalSettings *settings, GError **error)
{
  gint64 min_workers, retries, quarantine_threshold;
  g_autofree char *log_level = NULL;

  self->settings = g_object_ref (settings);
  g_free (self->base_dir);
  self->base_dir = g_strdup (shoal_settings_get_base_dir (settings));

  /* Unknown keys first: `timout: 10` is better reported as a typo than by
   * what the run would do without it. */
  if (!shoal_settings_check_keys (settings, top_level_keys, error))
    return FALSE;

  if (!load_max_workers (self, settings, error))
    return FALSE;

  if (!shoal_settings_get_int (settings, "min_workers", 1, 1, MAX_WORKERS_LIMIT, &min_workers,
                               error))
    return FALSE;
  if (self->max_workers != 0 && min_workers > self->max_workers)
    {
      shoal_settings_set_error (settings, "min_workers", error, SHOAL_CONFIG_ERROR_RANGE,
                                _ ("must be at most max_workers (%u), got %" G_GINT64_FORMAT),
                                self->max_workers, min_workers);
      return FALSE;
    }
  self->min_workers = min_workers;
  self->has_min_workers = shoal_settings_get_kind (settings, "min_workers") != SHOAL_SETTINGS_KIND_NONE;

  if (!get_positive_double (settings, "timeout", 300, &self->timeout, error) ||
      !shoal_settings_get_double (settings, "kill_grace", 5, 0, G_MAXDOUBLE, &self->kill_grace,
                                  error))
    return FALSE;

  g_free (self->distribution_strategy);
  self->distribution_strategy =
      shoal_settings_get_string (settings, "distribution_strategy", "load_balanced", error);
  if (self->distribution_strategy == NULL)
    return FALSE;
  if (!is_plugin_name (self->distribution_strategy))
    {
      shoal_settings_set_error (settings, "distribution_strategy", error,
                                SHOAL_CONFIG_ERROR_INVALID,
                                _ ("invalid strategy name '%s' (names are lower-case letters, "
                                   "digits and '_', starting with a letter)"),
                                self->distribution_strategy);
      return FALSE;
    }

  if (!shoal_settings_get_boolean (settings, "retry_failed", FALSE, &self->retry_failed, error) ||
      !shoal_settings_get_int (settings, "retries", self->retry_failed ? 1 : 0, 0, 100, &retries,
                               error) ||
      !shoal_settings_get_int (settings, "quarantine_threshold", 3, 1, 1000, &quarantine_threshold,
                               error))
    return FALSE;
  self->retries = retries;
  self->quarantine_threshold = quarantine_threshold;

  if (!shoal_settings_get_double (settings, "retry_delay", 0, 0, 3600, &self->retry_delay, error) ||
      !shoal_settings_get_boolean (settings, "retry_backoff", FALSE, &self->retry_backoff, error) ||
      !shoal_settings_get_boolean (settings, "retry_on_other_worker", FALSE,
                                   &self->retry_on_other_worker, error))
    return FALSE;
  {
    g_autofree char *flaky_result = shoal_settings_get_string (settings, "flaky_result", "pass", error);

    if (flaky_result == NULL)
      return FALSE;
    if (!g_str_equal (flaky_result, "pass") && !g_str_equal (flaky_result, "fail"))
      {
        shoal_settings_set_error (settings, "flaky_result", error, SHOAL_CONFIG_ERROR_INVALID,
                                  _ ("must be 'pass' or 'fail', got '%s'"), flaky_result);
        return FALSE;
      }
    self->flaky_fails = g_str_equal (flaky_result, "fail");
  }

  if (!get_path (settings, "quarantine_config", &self->quarantine_config, error) ||
      !get_positive_double (settings, "health_check_interval", 30, &self->health_check_interval,
                            error) ||
      !get_positive_double (settings, "cleanup_timeout", 60, &self->cleanup_timeout, error) ||
      !get_path (settings, "temp_dir", &self->temp_dir, error) ||
      !shoal_settings_get_boolean (settings, "debug_mode", FALSE, &self->debug_mode, error) ||
      !shoal_settings_get_boolean (settings, "batching", TRUE, &self->batching, error))
    return FALSE;

  log_level = shoal_settings_get_string (settings, "log_level", "INFO", error);
  if (log_level == NULL)
    return FALSE;
  g_free (self->log_level);
  self->log_level = g_ascii_strup (log_level, -1);
  if (!g_strv_contains (log_levels, self->log_level))
    {
      shoal_settings_set_error (settings, "log_level", error, SHOAL_CONFIG_ERROR_INVALID,
                                _ ("must be one of DEBUG, INFO, WARNING or ERROR, got '%s'"),
                                log_level);
      return FALSE;
    }

  return load_environment (self, settings, error) && load_resource_pools (self, settings, error) &&
         load_suites (self, settings, error) && load_reports (self, settings, error) &&
         load_resources_and_rules (self, settings, error);
}

/**
 * shoal_config_new:
 *
 * Makes a config with every default, as for a project without `shoal.yaml`:
 * relative paths and the state dir are relative to the current directory.
 *
 * Returns: (transfer full): a new #ShoalConfig
 */
ShoalConfig *
shoal_config_new (void)
{
  return g_object_new (SHOAL_TYPE_CONFIG, NULL);
}

static ShoalConfig *
config_new_from_settings (ShoalSettings *settings, const char *filename, GError **error)
{
  g_autoptr (ShoalConfig) self = g_object_new (SHOAL_TYPE_CONFIG, NULL);

  self->filename = g_strdup (filename);
  if (!load_settings (self, settings, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * shoal_config_new_from_file:
 * @path: (type filename): the configuration file
 * @error: return location for a #GError
 *
 * Reads and checks a `shoal.yaml`.
 *
 * Returns: (transfer full): a new #ShoalConfig, or %NULL with @error set
 *   (in the %SHOAL_CONFIG_ERROR domain, its message starting with
 *   `FILE:LINE:COLUMN:` for an error in the file)
 */
ShoalConfig *
shoal_config_new_from_file (const char *path, GError **error)
{
  g_autoptr (ShoalSettings) settings = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  settings = shoal_settings_new_from_file (path, error);
  if (settings == NULL)
    return NULL;
  return config_new_from_settings (settings, path, error);
}

/**
 * shoal_config_new_from_data:
 * @data: the YAML text of a `shoal.yaml`
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @filename: (type filename) (nullable): the name to show in messages, and
 *   whose directory relative paths are relative to; %NULL for `<string>` and
 *   the current directory
 * @error: return location for a #GError
 *
 * Reads and checks the text of a `shoal.yaml`.
 *
 * Returns: (transfer full): a new #ShoalConfig, or %NULL with @error set
 */
ShoalConfig *
shoal_config_new_from_data (const char *data, gssize length, const char *filename, GError **error)
{
  g_autoptr (ShoalSettings) settings = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  settings = shoal_settings_new_from_data (data, length, filename, error);
  if (settings == NULL)
    return NULL;
  return config_new_from_settings (settings, filename, error);
}

/**
 * shoal_config_find_file:
 * @start_dir: (type filename) (nullable): where to start, or %NULL for the
 *   current directory
 * @error: return location for a #GError
 *
 * Looks for `shoal.yaml`, then `shoal.yml`, in @start_dir and each of its
 * parents up to the root, the way git finds its repository, so that shoal
 * works from any subdirectory of a project.
 *
 * Returns: (transfer full) (type filename): the absolute path of the file,
 *   or %NULL with %SHOAL_CONFIG_ERROR_NOT_FOUND
 */
char *
shoal_config_find_file (const char *start_dir, GError **error)
{
  static const char *const names[] = { "shoal.yaml", "shoal.yml" };
  g_autofree char *start = NULL;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  start = g_canonicalize_filename (start_dir != NULL ? start_dir : ".", NULL);
  dir = g_strdup (start);

  for (;;)
    {
      g_autofree char *parent = NULL;

      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *candidate = g_build_filename (dir, names[i], NULL);

          if (g_file_test (candidate, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer (&candidate);
        }

      parent = g_path_get_dirname (dir);
      if (g_str_equal (parent, dir))
        break;
      g_free (dir);
      dir = g_steal_pointer (&parent);
    }

  g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_NOT_FOUND,
               _ ("no shoal.yaml in %s or any parent directory"), start);
  return NULL;
}

/**
 * shoal_config_get_filename:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (type filename) (nullable): the configuration
 *   file as it was named, or %NULL for a config made by
 *   [ctor@Shoal.Config.new] (or from a string without a name)
 */
const char *
shoal_config_get_filename (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->filename;
}

/**
 * shoal_config_get_base_dir:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (type filename): the absolute directory of the
 *   configuration file (the current directory without one), which relative
 *   paths are relative to
 */
const char *
shoal_config_get_base_dir (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->base_dir;
}

/**
 * shoal_config_get_state_dir:
 * @self: a #ShoalConfig
 *
 * Gets the directory of run history and run logs, `.shoal/` beside the
 * configuration file. It may not exist yet.
 *
 * Returns: (transfer full) (type filename): the state directory
 */
char *
shoal_config_get_state_dir (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return g_build_filename (self->base_dir, ".shoal", NULL);
}

/**
 * shoal_config_get_settings:
 * @self: a #ShoalConfig
 *
 * Gets the top-level mapping of the file, for the keys the config does not
 * type (`resources`, `tests`).
 *
 * Returns: (transfer none) (nullable): the top-level settings, or %NULL for
 *   a config made by [ctor@Shoal.Config.new]
 */
ShoalSettings *
shoal_config_get_settings (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->settings;
}

/**
 * shoal_config_get_max_workers:
 * @self: a #ShoalConfig
 *
 * Returns: the number of tests run at once (`max_workers`, the number of
 *   processors when it is `auto`)
 */
guint
shoal_config_get_max_workers (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 1);

  if (self->max_workers == 0)
    return CLAMP (g_get_num_processors (), 1, MAX_WORKERS_LIMIT);
  return self->max_workers;
}

/**
 * shoal_config_set_max_workers:
 * @self: a #ShoalConfig
 * @max_workers: the number of workers, or 0 for `auto`
 *
 * Overrides `max_workers` (the command line's `-j`). Call it before the
 * config is shared with other threads.
 */
void
shoal_config_set_max_workers (ShoalConfig *self, guint max_workers)
{
  g_return_if_fail (SHOAL_IS_CONFIG (self));
  g_return_if_fail (max_workers <= MAX_WORKERS_LIMIT);

  self->max_workers = max_workers;
}

/**
 * shoal_config_get_max_workers_auto:
 * @self: a #ShoalConfig
 *
 * Returns: %TRUE if the number of workers follows the number of processors
 */
gboolean
shoal_config_get_max_workers_auto (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), TRUE);

  return self->max_workers == 0;
}

/**
 * shoal_config_get_dynamic_workers:
 * @self: a #ShoalConfig
 *
 * Returns: whether the number of active workers follows the load, between
 *   [method@Shoal.Config.get_min_workers] and
 *   [method@Shoal.Config.get_max_workers]: with `max_workers: auto` (the
 *   default) or with `min_workers` given
 */
gboolean
shoal_config_get_dynamic_workers (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);

  return self->max_workers == 0 || self->has_min_workers;
}

/**
 * shoal_config_get_min_workers:
 * @self: a #ShoalConfig
 *
 * Returns: the number of workers kept even when few tests are ready; never
 *   more than [method@Shoal.Config.get_max_workers], even after
 *   [method@Shoal.Config.set_max_workers]
 */
guint
shoal_config_get_min_workers (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 1);

  return MIN (self->min_workers, shoal_config_get_max_workers (self));
}

/**
 * shoal_config_get_timeout:
 * @self: a #ShoalConfig
 *
 * Returns: the default per-test timeout in seconds (300 by default)
 */
double
shoal_config_get_timeout (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 300);

  return self->timeout;
}

/**
 * shoal_config_set_timeout:
 * @self: a #ShoalConfig
 * @timeout: the timeout in seconds, greater than 0
 *
 * Overrides `timeout` (the command line's `--timeout`). Call it before the
 * config is shared with other threads.
 */
void
shoal_config_set_timeout (ShoalConfig *self, double timeout)
{
  g_return_if_fail (SHOAL_IS_CONFIG (self));
  g_return_if_fail (timeout > 0 && timeout <= G_MAXDOUBLE);

  self->timeout = timeout;
}

/**
 * shoal_config_get_kill_grace:
 * @self: a #ShoalConfig
 *
 * Returns: the seconds between SIGTERM and SIGKILL for a test that timed
 *   out (5 by default)
 */
double
shoal_config_get_kill_grace (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 5);

  return self->kill_grace;
}

/**
 * shoal_config_get_distribution_strategy:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none): the name of the strategy plugin (`fifo` by
 *   default)
 */
const char *
shoal_config_get_distribution_strategy (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->distribution_strategy;
}

/**
 * shoal_config_get_retry_failed:
 * @self: a #ShoalConfig
 *
 * Returns: whether failed tests are retried; it only sets the default of
 *   [method@Shoal.Config.get_retries]
 */
gboolean
shoal_config_get_retry_failed (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);

  return self->retry_failed;
}

/**
 * shoal_config_get_retries:
 * @self: a #ShoalConfig
 *
 * Returns: how many more times a failed test runs (1 by default when
 *   `retry_failed` is set, else 0)
 */
guint
shoal_config_get_retries (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 0);

  return self->retries;
}

/**
 * shoal_config_get_retry_delay:
 * @self: a #ShoalConfig
 *
 * Returns: seconds to wait before a retry (`retry_delay:`, 0 by default);
 *   doubled for each further retry with [method@Shoal.Config.get_retry_backoff]
 */
double
shoal_config_get_retry_delay (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 0);
  return self->retry_delay;
}

/**
 * shoal_config_get_retry_backoff:
 * @self: a #ShoalConfig
 *
 * Returns: whether the retry delay doubles with each retry (`retry_backoff:`)
 */
gboolean
shoal_config_get_retry_backoff (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);
  return self->retry_backoff;
}

/**
 * shoal_config_get_retry_on_other_worker:
 * @self: a #ShoalConfig
 *
 * Returns: whether a retry avoids the worker of the failed attempt
 *   (`retry_on_other_worker:`)
 */
gboolean
shoal_config_get_retry_on_other_worker (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);
  return self->retry_on_other_worker;
}

/**
 * shoal_config_get_flaky_fails:
 * @self: a #ShoalConfig
 *
 * Returns: whether a flaky test (failed, then passed on a retry) fails the
 *   run (`flaky_result: fail`); by default it does not
 */
gboolean
shoal_config_get_flaky_fails (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);
  return self->flaky_fails;
}

/**
 * shoal_config_get_quarantine_threshold:
 * @self: a #ShoalConfig
 *
 * Returns: the number of flaky results after which a test is quarantined
 *   (3 by default)
 */
guint
shoal_config_get_quarantine_threshold (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 3);

  return self->quarantine_threshold;
}

/**
 * shoal_config_get_quarantine_config:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (type filename) (nullable): the absolute path of
 *   a `quarantine_settings.json` to import, or %NULL
 */
const char *
shoal_config_get_quarantine_config (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->quarantine_config;
}

/**
 * shoal_config_get_health_check_interval:
 * @self: a #ShoalConfig
 *
 * Returns: the seconds between health checks of resource instances (30 by
 *   default)
 */
double
shoal_config_get_health_check_interval (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 30);

  return self->health_check_interval;
}

/**
 * shoal_config_get_cleanup_timeout:
 * @self: a #ShoalConfig
 *
 * Returns: the seconds a resource's cleanup may take (60 by default)
 */
double
shoal_config_get_cleanup_timeout (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 60);

  return self->cleanup_timeout;
}

/**
 * shoal_config_get_temp_dir:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (type filename) (nullable): the absolute
 *   `temp_dir`, or %NULL when it is not set
 */
const char *
shoal_config_get_temp_dir (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->temp_dir;
}

/**
 * shoal_config_get_batching:
 * @self: a #ShoalConfig
 *
 * Returns: whether very short tests of adapters that can batch share a
 *   process (`batching:`, on by default)
 */
gboolean
shoal_config_get_batching (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), TRUE);

  return self->batching;
}

/**
 * shoal_config_get_debug_mode:
 * @self: a #ShoalConfig
 *
 * Returns: whether debug mode (detailed logs and execution trace) is on
 */
gboolean
shoal_config_get_debug_mode (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);

  return self->debug_mode;
}

/**
 * shoal_config_get_log_level:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none): `DEBUG`, `INFO` (the default), `WARNING` or
 *   `ERROR`
 */
const char *
shoal_config_get_log_level (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->log_level;
}

/**
 * shoal_config_get_base_temp_dir:
 * @self: a #ShoalConfig
 *
 * Gets where the tests' isolated environments are made:
 * `environment.base_temp_dir`, else `temp_dir`, else the system's temporary
 * directory.
 *
 * Returns: (transfer none) (type filename): an absolute directory
 */
const char *
shoal_config_get_base_temp_dir (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  if (self->base_temp_dir != NULL)
    return self->base_temp_dir;
  if (self->temp_dir != NULL)
    return self->temp_dir;
  return g_get_tmp_dir ();
}

/**
 * shoal_config_get_cleanup_on_exit:
 * @self: a #ShoalConfig
 *
 * Returns: whether isolated environments are removed at the end (the
 *   default)
 */
gboolean
shoal_config_get_cleanup_on_exit (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), TRUE);

  return self->cleanup_on_exit;
}

/**
 * shoal_config_get_preserve_on_failure:
 * @self: a #ShoalConfig
 *
 * Returns: whether the environment of a failed test is kept for inspection
 *   (the default)
 */
gboolean
shoal_config_get_preserve_on_failure (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), TRUE);

  return self->preserve_on_failure;
}

/**
 * shoal_config_get_isolate_home:
 * @self: a #ShoalConfig
 *
 * Returns: whether each test gets its own `HOME` (off by default)
 */
gboolean
shoal_config_get_isolate_home (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), FALSE);

  return self->isolate_home;
}

/**
 * shoal_config_get_environment_variables:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (array zero-terminated=1): the variables every
 *   test gets, as `NAME=VALUE` in the order of the file, possibly none
 */
const char *const *
shoal_config_get_environment_variables (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return (const char *const *) self->environment_variables;
}

/**
 * shoal_config_get_suites:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.SuiteConfig): the suites, in
 *   the order of the file, possibly none
 */
GPtrArray *
shoal_config_get_suites (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->suites;
}

/**
 * shoal_config_get_resource_pools:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.PoolConfig): the resource
 *   pools, in the order of the file, possibly none
 */
GPtrArray *
shoal_config_get_resource_pools (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->resource_pools;
}

/**
 * shoal_config_get_reports:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.ReportConfig): the reports
 *   to write, in the order of the file, possibly none
 */
GPtrArray *
shoal_config_get_reports (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);

  return self->reports;
}

/**
 * shoal_suite_config_get_rule:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none): what the suite's mapping says about all its
 *   tests (`resources`, `depends`, `requires`, `skip_if_failed`, `priority`,
 *   `slots`)
 */
ShoalTestRule *
shoal_suite_config_get_rule (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);
  return self->rule;
}

/**
 * shoal_config_get_resources:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.ResourceConfig): the entries
 *   of `resources:`
 */
GPtrArray *
shoal_config_get_resources (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);
  return self->resources;
}

/**
 * shoal_config_get_test_rules:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.TestRule): the entries of
 *   `tests:`, in order
 */
GPtrArray *
shoal_config_get_test_rules (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);
  return self->test_rules;
}

/**
 * shoal_config_get_resource_timeout:
 * @self: a #ShoalConfig
 *
 * Returns: how long a ready test may wait for its resources before it ends
 *   as `error`, in seconds (`resource_timeout`, 300 by default)
 */
double
shoal_config_get_resource_timeout (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), 300);
  return self->resource_timeout;
}

/**
 * shoal_suite_config_get_workspace_copy:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: whether each worker runs the suite in its own copy of its tree
 *   (`workspace: copy`)
 */
gboolean
shoal_suite_config_get_workspace_copy (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), FALSE);
  return self->workspace_copy;
}

/**
 * shoal_suite_config_get_workspace_exclude:
 * @self: a #ShoalSuiteConfig
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): paths left
 *   out of the copies (`workspace_exclude:`)
 */
const char *const *
shoal_suite_config_get_workspace_exclude (ShoalSuiteConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_SUITE_CONFIG (self), NULL);
  return (const char *const *) self->workspace_exclude;
}

/**
 * shoal_config_get_fixtures:
 * @self: a #ShoalConfig
 *
 * Returns: (transfer none) (element-type Shoal.FixtureConfig): the entries
 *   of `fixtures:`
 */
GPtrArray *
shoal_config_get_fixtures (ShoalConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_CONFIG (self), NULL);
  return self->fixtures;
}

/**
 * shoal_fixture_config_get_name:
 * @self: a fixture's configuration
 *
 * Returns: (transfer none): its name
 */
const char *
shoal_fixture_config_get_name (ShoalFixtureConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_FIXTURE_CONFIG (self), NULL);
  return self->name;
}

/**
 * shoal_fixture_config_get_setup:
 * @self: a fixture's configuration
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the setup
 *   command
 */
const char *const *
shoal_fixture_config_get_setup (ShoalFixtureConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_FIXTURE_CONFIG (self), NULL);
  return (const char *const *) self->setup;
}

/**
 * shoal_fixture_config_get_teardown:
 * @self: a fixture's configuration
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   teardown command
 */
const char *const *
shoal_fixture_config_get_teardown (ShoalFixtureConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_FIXTURE_CONFIG (self), NULL);
  return (const char *const *) self->teardown;
}

/**
 * shoal_fixture_config_get_timeout:
 * @self: a fixture's configuration
 *
 * Returns: the timeout of each command, or 0 for the run's
 */
double
shoal_fixture_config_get_timeout (ShoalFixtureConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_FIXTURE_CONFIG (self), 0);
  return self->timeout;
}

/**
 * shoal_fixture_config_get_environment:
 * @self: a fixture's configuration
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): `NAME=VALUE`
 *   entries for its commands
 */
const char *const *
shoal_fixture_config_get_environment (ShoalFixtureConfig *self)
{
  g_return_val_if_fail (SHOAL_IS_FIXTURE_CONFIG (self), NULL);
  return (const char *const *) self->environment;
}
