/* test-config.c: shoal.yaml parsing, validation and error messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "shoal-config.h"
#include "shoal-settings.h"
#include "shoal-test-case.h"
#include "shoal-test-rule.h"

/* Every bad input with the exact message a user sees: the messages are the
 * interface of this code, so they are compared whole, position included. */
typedef struct
{
  const char *name;
  const char *yaml;
  ShoalConfigError code;
  const char *message;
} BadInput;

static const BadInput bad_inputs[] = {
  { "yaml-syntax", "max_workers: [1, 2\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence)" },
  { "yaml-bad-indent", "timeout: 1\n  max_workers: 2\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:2:14: mapping values are not allowed in this context" },
  { "yaml-invalid-utf8", "timeout: 1\nlog_level: \"x\xff\"\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:2:14: invalid leading UTF-8 octet" },
  { "yaml-tab-indent", "timeout: 1\n\ttimeout: 2\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:2:1: found a tab character that violates indentation (while scanning a plain "
    "scalar)" },
  { "undefined-alias", "timeout: *nope\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:1:10: found undefined alias" },
  { "two-documents", "timeout: 1\n---\ntimeout: 2\n", SHOAL_CONFIG_ERROR_PARSE,
    "shoal.yaml:2:1: a configuration file must hold a single YAML document" },
  { "root-list", "- a\n- b\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:1: the top level must be a mapping of settings, got a list" },
  { "root-scalar", "hello\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:1: the top level must be a mapping of settings, got the string 'hello'" },
  { "non-scalar-key", "? [a]\n: 1\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:3: keys must be strings, got a list" },
  { "duplicate-key", "timeout: 10\nmax_workers: 2\ntimeout: 20\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:3:1: timeout: duplicate key 'timeout' (first at 1:1)" },
  { "duplicate-nested-key", "suites:\n  - name: a\n    adapter: exec\n    name: b\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:4:5: suites[0].name: duplicate key 'name' (first at 2:5)" },
  { "recursive-alias", "resources: &a\n  self: *a\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:2:3: resources.self: an alias refers to a node that contains it" },
  { "unknown-key-suggestion", "max_workers: 2\ntimout: 10\n", SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:2:1: timout: unknown key 'timout'; did you mean 'timeout'?" },
  { "unknown-key-transposition", "distribution_stratgey: fifo\n", SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:1:1: distribution_stratgey: unknown key 'distribution_stratgey'; did you mean "
    "'distribution_strategy'?" },
  { "unknown-key-listing", "zzz: 1\n", SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:1:1: zzz: unknown key 'zzz' (known keys: batching, cleanup_timeout, debug_mode, "
    "distribution_strategy, environment, fixtures, flaky_result, health_check_interval, "
    "kill_grace, log_level, max_workers, min_workers, quarantine_config, quarantine_threshold, "
    "reports, resource_pools, resource_timeout, resources, retries, retry_backoff, retry_delay, "
    "retry_failed, retry_on_other_worker, suites, temp_dir, tests, timeout)" },
  { "unknown-environment-key", "environment:\n  cleanup_on_exti: true\n",
    SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:2:3: environment.cleanup_on_exti: unknown key 'cleanup_on_exti'; did you mean "
    "'cleanup_on_exit'?" },
  { "max-workers-zero", "max_workers: 0\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:14: max_workers: must be between 1 and 1024, got 0" },
  { "max-workers-too-many", "max_workers: 5000\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:14: max_workers: must be between 1 and 1024, got 5000" },
  { "max-workers-word", "max_workers: lots\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:14: max_workers: expected an integer or 'auto', got the string 'lots'" },
  { "max-workers-fraction", "max_workers: 2.5\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:14: max_workers: expected an integer or 'auto', got 2.5" },
  { "max-workers-quoted", "max_workers: \"4\"\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:14: max_workers: expected an integer or 'auto', got the string '4'" },
  { "max-workers-list", "max_workers: [4]\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:14: max_workers: expected an integer or 'auto', got a list" },
  { "min-workers-above-max", "max_workers: 2\nmin_workers: 4\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:2:14: min_workers: must be at most max_workers (2), got 4" },
  { "timeout-negative", "timeout: -1\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:10: timeout: must be greater than 0, got -1" },
  { "timeout-zero", "timeout: 0\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:10: timeout: must be greater than 0, got 0" },
  { "timeout-word", "timeout: abc\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:10: timeout: expected a number, got the string 'abc'" },
  { "kill-grace-negative", "kill_grace: -1\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:13: kill_grace: must be at least 0, got -1" },
  { "retries-too-many", "retries: 101\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:10: retries: must be between 0 and 100, got 101" },
  { "retry-failed-maybe", "retry_failed: maybe\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:15: retry_failed: expected a boolean (true or false), got 'maybe'" },
  { "debug-mode-quoted", "debug_mode: \"true\"\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:13: debug_mode: expected a boolean (true or false), got the string 'true'" },
  { "log-level-verbose", "log_level: VERBOSE\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:1:12: log_level: must be one of DEBUG, INFO, WARNING or ERROR, got 'VERBOSE'" },
  { "strategy-bad-characters", "distribution_strategy: Load-Balanced\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:1:24: distribution_strategy: invalid strategy name 'Load-Balanced' (names are "
    "lower-case letters, digits and '_', starting with a letter)" },
  { "pool-size-zero", "resource_pools:\n  drivers: 0\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:2:12: resource_pools.drivers: pool size must be at least 1, got 0" },
  { "pool-size-negative", "resource_pools:\n  drivers: {size: -2}\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:2:19: resource_pools.drivers.size: pool size must be at least 1, got -2" },
  { "pool-without-size", "resource_pools:\n  drivers:\n    provider: command\n",
    SHOAL_CONFIG_ERROR_MISSING,
    "shoal.yaml:3:5: resource_pools.drivers: missing required key 'size'" },
  { "pool-min-above-size", "resource_pools:\n  db: {size: 2, min: 3}\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:2:22: resource_pools.db.min: must be between 1 and the pool size 2, got 3" },
  { "pool-max-below-size", "resource_pools:\n  db: {size: 2, max: 1}\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:2:22: resource_pools.db.max: must be between the pool size 2 and 2147483647, "
    "got 1" },
  { "pool-bad-name", "resource_pools:\n  1st: 2\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:2:3: resource_pools.1st: invalid pool name '1st' (names are letters, digits, "
    "'_', '.' and '-', starting with a letter)" },
  { "pool-list", "resource_pools:\n  drivers: [1]\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:2:12: resource_pools.drivers: expected a pool size or a mapping, got a list" },
  { "suites-not-a-list", "suites:\n  name: unit\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:2:3: suites: expected a list, got a mapping" },
  { "suite-not-a-mapping", "suites:\n  - unit\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:2:5: suites[0]: expected a mapping, got the string 'unit'" },
  { "suite-without-name",
    "suites:\n  - {name: a, adapter: exec}\n  - {name: b, adapter: exec}\n  - adapter: exec\n",
    SHOAL_CONFIG_ERROR_MISSING, "shoal.yaml:4:5: suites[2]: missing required key 'name'" },
  { "suite-without-adapter", "suites:\n  - name: unit\n", SHOAL_CONFIG_ERROR_MISSING,
    "shoal.yaml:2:5: suites[0]: missing required key 'adapter'" },
  { "suite-duplicate-name",
    "suites:\n  - {name: unit, adapter: exec}\n  - {name: unit, adapter: tap}\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:3:12: suites[1].name: duplicate suite name 'unit' (first at 2:6)" },
  { "suite-bad-name", "suites:\n  - {name: 'my suite', adapter: exec}\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:2:12: suites[0].name: invalid suite name 'my suite' (names are letters, digits, "
    "'_', '.' and '-', starting with a letter or digit)" },
  { "suite-tags-not-a-list", "suites:\n  - name: unit\n    adapter: exec\n    tags: slow\n",
    SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:4:11: suites[0].tags: expected a list of strings, got the string 'slow'" },
  { "suite-tag-not-a-string", "suites:\n  - {name: unit, adapter: exec, tags: [a, [b]]}\n",
    SHOAL_CONFIG_ERROR_TYPE, "shoal.yaml:2:43: suites[0].tags[1]: expected a string, got a list" },
  { "suite-timeout-zero", "suites:\n  - {name: unit, adapter: exec, timeout: 0}\n",
    SHOAL_CONFIG_ERROR_RANGE, "shoal.yaml:2:42: suites[0].timeout: must be greater than 0, got 0" },
  { "suite-env-value-list", "suites:\n  - {name: unit, adapter: exec, env: {X: [1]}}\n",
    SHOAL_CONFIG_ERROR_TYPE, "shoal.yaml:2:42: suites[0].env.X: expected a string, got a list" },
  { "environment-variable-bad-name",
    "environment:\n  environment_variables:\n    OK_NAME: 1\n    BAD-NAME: 2\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:4:5: environment.environment_variables.BAD-NAME: invalid environment variable "
    "name 'BAD-NAME' (names are letters, digits and '_', not starting with a digit)" },
  { "environment-not-a-mapping", "environment: [a]\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:14: environment: expected a mapping, got a list" },
  { "report-path-not-a-string", "reports:\n  json: [a, b]\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:2:9: reports.json: expected a string, got a list" },
  { "report-without-path", "reports:\n  json:\n", SHOAL_CONFIG_ERROR_MISSING,
    "shoal.yaml:2:3: reports.json: missing the path of the report" },
  { "report-bad-format", "reports:\n  JSON: out.json\n", SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:2:3: reports.JSON: invalid report format 'JSON' (formats are lower-case letters, "
    "digits and '_', starting with a letter)" },
  { "resources-not-a-mapping", "resources: [a]\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:12: resources: expected a mapping, got a list" },
  { "tests-not-a-list", "tests: {a: 1}\n", SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:1:8: tests: expected a list, got a mapping" },
  { "resource-negative-count", "suites:\n  - name: s\n    adapter: exec\n    resources: [drivers:-1]\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:4:16: suites[0].resources: malformed resource request 'drivers:-1': the count must "
    "be a positive integer" },
  { "resource-without-name", "suites:\n  - name: s\n    adapter: exec\n    resources: [':2']\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:4:16: suites[0].resources: malformed resource request ':2': the resource has no "
    "name" },
  { "test-rule-without-match", "tests:\n  - resources: [db]\n", SHOAL_CONFIG_ERROR_MISSING,
    "shoal.yaml:2:5: tests[0]: missing required key 'match' (a test id or a pattern such as "
    "\"suite::*\")" },
  { "test-rule-unknown-key", "tests:\n  - match: s::a\n    resorces: [db]\n",
    SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:3:5: tests[0].resorces: unknown key 'resorces'; did you mean 'resources'?" },
  { "resource-and-pool", "resource_pools: {db: 2}\nresources:\n  db: {exclusive: true}\n",
    SHOAL_CONFIG_ERROR_INVALID,
    "shoal.yaml:3:7: resources.db: 'db' is both a resource and a pool in resource_pools; give "
    "them different names" },
  { "resource-exclusive-not-boolean", "resources:\n  db: {exclusive: maybe}\n",
    SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:2:19: resources.db.exclusive: expected a boolean (true or false), got 'maybe'" },
  { "resource-unknown-key", "resources:\n  db: {type: database, shared: true}\n",
    SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
    "shoal.yaml:2:24: resources.db.shared: unknown key 'shared' (known keys: exclusive, type)" },
  { "slots-zero", "tests:\n  - match: s::a\n    slots: 0\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:3:12: tests[0].slots: must be between 1 and 1024, got 0" },
  { "priority-not-integer", "suites:\n  - name: s\n    adapter: exec\n    priority: high\n",
    SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:4:15: suites[0].priority: expected an integer, got the string 'high'" },
  { "skip-if-failed-not-a-list", "tests:\n  - match: s::a\n    skip_if_failed: s::b\n",
    SHOAL_CONFIG_ERROR_TYPE,
    "shoal.yaml:3:21: tests[0].skip_if_failed: expected a list of strings, got the string "
    "'s::b'" },
  { "resource-timeout-zero", "resource_timeout: 0\n", SHOAL_CONFIG_ERROR_RANGE,
    "shoal.yaml:1:19: resource_timeout: must be greater than 0, got 0" },
};

static void
test_bad_input (gconstpointer data)
{
  const BadInput *input = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;

  g_test_summary ("A bad shoal.yaml is refused with the exact message and code a user sees, "
                  "positioned at FILE:LINE:COLUMN and key.");

  config = shoal_config_new_from_data (input->yaml, -1, "shoal.yaml", &error);
  g_assert_null (config);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, input->message);
  g_assert_error (error, SHOAL_CONFIG_ERROR, (int) input->code);
}

static void
assert_defaults (ShoalConfig *config)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *state_dir = shoal_config_get_state_dir (config);
  g_autofree char *expected_state_dir = g_build_filename (cwd, ".shoal", NULL);

  g_assert_cmpstr (shoal_config_get_base_dir (config), ==, cwd);
  g_assert_cmpstr (state_dir, ==, expected_state_dir);
  g_assert_true (shoal_config_get_max_workers_auto (config));
  g_assert_cmpuint (shoal_config_get_max_workers (config), ==,
                    CLAMP (g_get_num_processors (), 1, 1024));
  g_assert_cmpuint (shoal_config_get_min_workers (config), ==, 1);
  g_assert_cmpfloat (shoal_config_get_timeout (config), ==, 300);
  g_assert_cmpfloat (shoal_config_get_kill_grace (config), ==, 5);
  g_assert_cmpstr (shoal_config_get_distribution_strategy (config), ==, "load_balanced");
  g_assert_false (shoal_config_get_retry_failed (config));
  g_assert_cmpuint (shoal_config_get_retries (config), ==, 0);
  g_assert_cmpuint (shoal_config_get_quarantine_threshold (config), ==, 3);
  g_assert_null (shoal_config_get_quarantine_config (config));
  g_assert_cmpfloat (shoal_config_get_health_check_interval (config), ==, 30);
  g_assert_cmpfloat (shoal_config_get_cleanup_timeout (config), ==, 60);
  g_assert_null (shoal_config_get_temp_dir (config));
  g_assert_false (shoal_config_get_debug_mode (config));
  g_assert_cmpstr (shoal_config_get_log_level (config), ==, "INFO");
  g_assert_cmpstr (shoal_config_get_base_temp_dir (config), ==, g_get_tmp_dir ());
  g_assert_true (shoal_config_get_cleanup_on_exit (config));
  g_assert_true (shoal_config_get_preserve_on_failure (config));
  g_assert_false (shoal_config_get_isolate_home (config));
  g_assert_nonnull (shoal_config_get_environment_variables (config));
  g_assert_null (shoal_config_get_environment_variables (config)[0]);
  g_assert_cmpuint (shoal_config_get_suites (config)->len, ==, 0);
  g_assert_cmpuint (shoal_config_get_resource_pools (config)->len, ==, 0);
  g_assert_cmpuint (shoal_config_get_reports (config)->len, ==, 0);
}

static void
test_defaults (void)
{
  static const char *const empty_files[] = {
    "",
    "\n",
    "# nothing configured yet\n",
    "---\n",
  };
  g_autoptr (ShoalConfig) config = shoal_config_new ();

  g_test_summary ("No file, an empty file, a comment-only file and a bare document marker all give "
                  "every default.");

  assert_defaults (config);
  g_assert_null (shoal_config_get_settings (config));
  g_assert_null (shoal_config_get_filename (config));

  for (gsize i = 0; i < G_N_ELEMENTS (empty_files); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ShoalConfig) from_data = NULL;
      g_auto (GStrv) keys = NULL;

      from_data = shoal_config_new_from_data (empty_files[i], -1, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (from_data);
      assert_defaults (from_data);
      g_assert_nonnull (shoal_config_get_settings (from_data));
      keys = shoal_settings_list_keys (shoal_config_get_settings (from_data));
      g_assert_cmpstrv (keys, ((const char *const[]){ NULL }));
    }
}

static const char full_file[] = "# every key, with a value other than its default\n"
                                "max_workers: 6\n"
                                "min_workers: 2\n"
                                "timeout: 120.5\n"
                                "kill_grace: 0\n"
                                "distribution_strategy: time_based\n"
                                "retry_failed: yes\n"
                                "retries: 2\n"
                                "quarantine_threshold: 5\n"
                                "quarantine_config: quarantine_settings.json\n"
                                "health_check_interval: 10\n"
                                "cleanup_timeout: 1e2\n"
                                "temp_dir: /var/tmp/shoal\n"
                                "debug_mode: True\n"
                                "log_level: debug\n"
                                "environment:\n"
                                "  base_temp_dir: envs\n"
                                "  cleanup_on_exit: off\n"
                                "  preserve_on_failure: false\n"
                                "  isolate_home: on\n"
                                "  environment_variables:\n"
                                "    TEST_PARALLEL_MODE: 'true'\n"
                                "    LOG_LEVEL: DEBUG\n"
                                "    EMPTY:\n"
                                "resource_pools:\n"
                                "  selenium_drivers: 16\n"
                                "  test.data:\n"
                                "    size: 4\n"
                                "    min: 2\n"
                                "    max: 8\n"
                                "    provider: command\n"
                                "    setup: [start-db, --port, '5432']\n"
                                "suites:\n"
                                "  - name: unit\n"
                                "    adapter: glib\n"
                                "    timeout: 30\n"
                                "    tags: [fast, core]\n"
                                "    env: {G_DEBUG: fatal-warnings, COUNT: 3}\n"
                                "    paths: [tests/unit]\n"
                                "    command: ./run-unit\n"
                                "  - name: 2e2e\n"
                                "    adapter: pytest\n"
                                "reports:\n"
                                "  json: out/report.json\n"
                                "  junit: /abs/junit.xml\n"
                                "resources:\n"
                                "  payment_gateway: {type: external_service, exclusive: true}\n"
                                "tests:\n"
                                "  - match: unit::login\n"
                                "    timeout: 5\n";

static void
test_full_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalSettings) resources = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *extra = NULL;
  g_auto (GStrv) setup = NULL;
  ShoalSuiteConfig *suite;
  ShoalPoolConfig *pool;
  ShoalReportConfig *report;
  GPtrArray *array;
  gboolean exclusive = FALSE;

  g_test_summary ("Every key of shoal.yaml, set to a non-default value, reads back typed, with "
                  "paths resolved against the file.");

  config = shoal_config_new_from_data (full_file, -1, "/project/shoal.yaml", &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);

  g_assert_cmpstr (shoal_config_get_filename (config), ==, "/project/shoal.yaml");
  g_assert_cmpstr (shoal_config_get_base_dir (config), ==, "/project");
  state_dir = shoal_config_get_state_dir (config);
  g_assert_cmpstr (state_dir, ==, "/project/.shoal");

  g_assert_false (shoal_config_get_max_workers_auto (config));
  g_assert_cmpuint (shoal_config_get_max_workers (config), ==, 6);
  g_assert_cmpuint (shoal_config_get_min_workers (config), ==, 2);
  g_assert_cmpfloat (shoal_config_get_timeout (config), ==, 120.5);
  g_assert_cmpfloat (shoal_config_get_kill_grace (config), ==, 0);
  g_assert_cmpstr (shoal_config_get_distribution_strategy (config), ==, "time_based");
  g_assert_true (shoal_config_get_retry_failed (config));
  g_assert_cmpuint (shoal_config_get_retries (config), ==, 2);
  g_assert_cmpuint (shoal_config_get_quarantine_threshold (config), ==, 5);
  g_assert_cmpstr (shoal_config_get_quarantine_config (config), ==,
                   "/project/quarantine_settings.json");
  g_assert_cmpfloat (shoal_config_get_health_check_interval (config), ==, 10);
  g_assert_cmpfloat (shoal_config_get_cleanup_timeout (config), ==, 100);
  g_assert_cmpstr (shoal_config_get_temp_dir (config), ==, "/var/tmp/shoal");
  g_assert_true (shoal_config_get_debug_mode (config));
  g_assert_cmpstr (shoal_config_get_log_level (config), ==, "DEBUG");

  g_assert_cmpstr (shoal_config_get_base_temp_dir (config), ==, "/project/envs");
  g_assert_false (shoal_config_get_cleanup_on_exit (config));
  g_assert_false (shoal_config_get_preserve_on_failure (config));
  g_assert_true (shoal_config_get_isolate_home (config));
  g_assert_cmpstrv (
      shoal_config_get_environment_variables (config),
      ((const char *const[]){ "TEST_PARALLEL_MODE=true", "LOG_LEVEL=DEBUG", "EMPTY=", NULL }));

  array = shoal_config_get_resource_pools (config);
  g_assert_cmpuint (array->len, ==, 2);
  pool = array->pdata[0];
  g_assert_cmpstr (shoal_pool_config_get_name (pool), ==, "selenium_drivers");
  g_assert_cmpuint (shoal_pool_config_get_size (pool), ==, 16);
  g_assert_cmpuint (shoal_pool_config_get_min_size (pool), ==, 16);
  g_assert_cmpuint (shoal_pool_config_get_max_size (pool), ==, 16);
  g_assert_cmpstr (shoal_pool_config_get_provider (pool), ==, "slots");
  g_assert_null (shoal_pool_config_get_settings (pool));
  pool = array->pdata[1];
  g_assert_cmpstr (shoal_pool_config_get_name (pool), ==, "test.data");
  g_assert_cmpuint (shoal_pool_config_get_size (pool), ==, 4);
  g_assert_cmpuint (shoal_pool_config_get_min_size (pool), ==, 2);
  g_assert_cmpuint (shoal_pool_config_get_max_size (pool), ==, 8);
  g_assert_cmpstr (shoal_pool_config_get_provider (pool), ==, "command");
  /* The provider's own keys stay for the provider; the core's are consumed. */
  g_assert_true (
      shoal_settings_get_strv (shoal_pool_config_get_settings (pool), "setup", &setup, &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (setup, ((const char *const[]){ "start-db", "--port", "5432", NULL }));
  g_assert_true (shoal_settings_check_keys (shoal_pool_config_get_settings (pool), NULL, &error));
  g_assert_no_error (error);

  array = shoal_config_get_suites (config);
  g_assert_cmpuint (array->len, ==, 2);
  suite = array->pdata[0];
  g_assert_cmpstr (shoal_suite_config_get_name (suite), ==, "unit");
  g_assert_cmpstr (shoal_suite_config_get_adapter (suite), ==, "glib");
  g_assert_cmpfloat (shoal_suite_config_get_timeout (suite), ==, 30);
  g_assert_cmpstrv (shoal_suite_config_get_tags (suite),
                    ((const char *const[]){ "fast", "core", NULL }));
  g_assert_cmpstrv (shoal_suite_config_get_environment (suite),
                    ((const char *const[]){ "G_DEBUG=fatal-warnings", "COUNT=3", NULL }));
  g_assert_cmpstr (shoal_settings_get_key_path (shoal_suite_config_get_settings (suite)), ==,
                   "suites[0]");
  extra =
      shoal_settings_get_string (shoal_suite_config_get_settings (suite), "command", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (extra, ==, "./run-unit");
  suite = array->pdata[1];
  g_assert_cmpstr (shoal_suite_config_get_name (suite), ==, "2e2e");
  g_assert_cmpstr (shoal_suite_config_get_adapter (suite), ==, "pytest");
  g_assert_cmpfloat (shoal_suite_config_get_timeout (suite), ==, 0);
  g_assert_cmpstrv (shoal_suite_config_get_tags (suite), ((const char *const[]){ NULL }));
  g_assert_cmpstrv (shoal_suite_config_get_environment (suite), ((const char *const[]){ NULL }));

  array = shoal_config_get_reports (config);
  g_assert_cmpuint (array->len, ==, 2);
  report = array->pdata[0];
  g_assert_cmpstr (shoal_report_config_get_format (report), ==, "json");
  g_assert_cmpstr (shoal_report_config_get_path (report), ==, "/project/out/report.json");
  report = array->pdata[1];
  g_assert_cmpstr (shoal_report_config_get_format (report), ==, "junit");
  g_assert_cmpstr (shoal_report_config_get_path (report), ==, "/abs/junit.xml");

  /* Reserved keys are kept, unread, for the features that will read them. */
  g_assert_cmpint (shoal_settings_get_kind (shoal_config_get_settings (config), "tests"), ==,
                   SHOAL_SETTINGS_KIND_SEQUENCE);
  g_assert_true (shoal_settings_get_settings (shoal_config_get_settings (config), "resources",
                                              &resources, &error));
  g_assert_no_error (error);
  g_assert_nonnull (resources);
  g_assert_cmpint (shoal_settings_get_kind (resources, "payment_gateway"), ==,
                   SHOAL_SETTINGS_KIND_MAPPING);
  {
    g_autoptr (ShoalSettings) gateway = NULL;

    g_assert_true (shoal_settings_get_settings (resources, "payment_gateway", &gateway, &error));
    g_assert_no_error (error);
    g_assert_true (shoal_settings_get_boolean (gateway, "exclusive", FALSE, &exclusive, &error));
    g_assert_no_error (error);
    g_assert_true (exclusive);
    g_assert_cmpstr (shoal_settings_get_key_path (gateway), ==, "resources.payment_gateway");
  }
}

static void
test_overrides (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;

  g_test_summary (
      "The command-line overrides of max_workers and timeout, and the defaults that follow them.");

  config = shoal_config_new_from_data ("max_workers: auto\nmin_workers: 3\nretry_failed: true\n",
                                       -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_config_get_max_workers_auto (config));
  /* retry_failed alone means one retry. */
  g_assert_cmpuint (shoal_config_get_retries (config), ==, 1);

  shoal_config_set_max_workers (config, 2);
  g_assert_false (shoal_config_get_max_workers_auto (config));
  g_assert_cmpuint (shoal_config_get_max_workers (config), ==, 2);
  /* min_workers follows a lower -j rather than contradicting it. */
  g_assert_cmpuint (shoal_config_get_min_workers (config), ==, 2);
  shoal_config_set_max_workers (config, 0);
  g_assert_true (shoal_config_get_max_workers_auto (config));

  shoal_config_set_timeout (config, 12.5);
  g_assert_cmpfloat (shoal_config_get_timeout (config), ==, 12.5);
}

static void
test_anchors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  GPtrArray *suites;

  g_test_summary ("Anchors and aliases share values between suites.");

  config = shoal_config_new_from_data ("suites:\n"
                                       "  - {name: a, adapter: exec, env: &env {LANG: C.UTF-8, TZ: "
                                       "UTC}, timeout: &slow 600}\n"
                                       "  - {name: b, adapter: exec, env: *env}\n"
                                       "  - {name: c, adapter: exec, timeout: *slow}\n",
                                       -1, "shoal.yaml", &error);
  g_assert_no_error (error);
  suites = shoal_config_get_suites (config);
  g_assert_cmpuint (suites->len, ==, 3);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstrv (shoal_suite_config_get_environment (suites->pdata[i]),
                      ((const char *const[]){ "LANG=C.UTF-8", "TZ=UTC", NULL }));
  g_assert_cmpfloat (shoal_suite_config_get_timeout (suites->pdata[0]), ==, 600);
  g_assert_cmpfloat (shoal_suite_config_get_timeout (suites->pdata[1]), ==, 0);
  g_assert_cmpfloat (shoal_suite_config_get_timeout (suites->pdata[2]), ==, 600);
}

static void
test_scalars (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings = NULL;
  g_autofree char *text = NULL;
  gboolean boolean = FALSE;
  gint64 integer = 0;
  double number = 0;

  g_test_summary (
      "Quoted scalars are strings, plain ones are typed; null in all spellings means unset.");

  settings = shoal_settings_new_from_data ("plain_int: 3\n"
                                           "quoted_int: '3'\n"
                                           "double_quoted_int: \"3\"\n"
                                           "hex: 0x1F\n"
                                           "negative: -12\n"
                                           "huge: 99999999999999999999\n"
                                           "exponent: 1e3\n"
                                           "fraction: .5\n"
                                           "infinite: .inf\n"
                                           "yes_word: Yes\n"
                                           "upper_true: TRUE\n"
                                           "off_word: off\n"
                                           "quoted_yes: 'yes'\n"
                                           "tilde: ~\n"
                                           "null_word: null\n"
                                           "empty:\n"
                                           "quoted_empty: ''\n"
                                           "block: |\n"
                                           "  two\n"
                                           "  lines\n"
                                           "list: [a]\n"
                                           "map: {a: 1}\n",
                                           -1, "s.yaml", &error);
  g_assert_no_error (error);

  g_assert_true (
      shoal_settings_get_int (settings, "plain_int", 0, G_MININT64, G_MAXINT64, &integer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (integer, ==, 3);
  g_assert_true (
      shoal_settings_get_int (settings, "hex", 0, G_MININT64, G_MAXINT64, &integer, &error));
  g_assert_cmpint (integer, ==, 31);
  g_assert_true (
      shoal_settings_get_int (settings, "negative", 0, G_MININT64, G_MAXINT64, &integer, &error));
  g_assert_cmpint (integer, ==, -12);

  /* A quoted number is a string; either quote style. */
  g_assert_false (shoal_settings_get_int (settings, "quoted_int", 0, 0, 10, &integer, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (error->message, ==,
                   "s.yaml:2:13: quoted_int: expected an integer, got the string '3'");
  g_clear_error (&error);
  g_assert_false (
      shoal_settings_get_double (settings, "double_quoted_int", 0, 0, 10, &number, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE);
  g_clear_error (&error);
  /* ...but strings are lenient: any scalar reads as its text. */
  text = shoal_settings_get_string (settings, "plain_int", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "3");
  g_clear_pointer (&text, g_free);
  text = shoal_settings_get_string (settings, "yes_word", NULL, &error);
  g_assert_cmpstr (text, ==, "Yes");
  g_clear_pointer (&text, g_free);
  text = shoal_settings_get_string (settings, "block", NULL, &error);
  g_assert_cmpstr (text, ==, "two\nlines\n");
  g_clear_pointer (&text, g_free);
  text = shoal_settings_get_string (settings, "quoted_empty", "default", &error);
  g_assert_cmpstr (text, ==, "");
  g_clear_pointer (&text, g_free);

  /* Beyond 64 bits is out of any range, not a type error. */
  g_assert_false (shoal_settings_get_int (settings, "huge", 0, 0, 100, &integer, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (error->message, ==,
                   "s.yaml:6:7: huge: must be between 0 and 100, got 99999999999999999999");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_int (settings, "fraction", 0, 0, 1, &integer, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (error->message, ==, "s.yaml:8:11: fraction: expected an integer, got .5");
  g_clear_error (&error);
  g_assert_false (
      shoal_settings_get_int (settings, "plain_int", 0, 5, G_MAXINT64, &integer, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:1:12: plain_int: must be at least 5, got 3");
  g_clear_error (&error);
  g_assert_false (
      shoal_settings_get_int (settings, "plain_int", 0, G_MININT64, 2, &integer, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:1:12: plain_int: must be at most 2, got 3");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_int (settings, "list", 0, 0, 1, &integer, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:21:7: list: expected an integer, got a list");
  g_clear_error (&error);

  g_assert_true (
      shoal_settings_get_double (settings, "exponent", 0, 0, G_MAXDOUBLE, &number, &error));
  g_assert_cmpfloat (number, ==, 1000);
  g_assert_true (
      shoal_settings_get_double (settings, "fraction", 0, 0, G_MAXDOUBLE, &number, &error));
  g_assert_cmpfloat (number, ==, 0.5);
  g_assert_true (
      shoal_settings_get_double (settings, "plain_int", 0, 0, G_MAXDOUBLE, &number, &error));
  g_assert_cmpfloat (number, ==, 3);
  g_assert_false (shoal_settings_get_double (settings, "fraction", 0, 1, 2, &number, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:8:11: fraction: must be between 1 and 2, got .5");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_double (settings, "infinite", 0, -G_MAXDOUBLE, G_MAXDOUBLE,
                                             &number, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_RANGE);
  g_assert_cmpstr (error->message, ==, "s.yaml:9:11: infinite: must be a finite number, got .inf");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_double (settings, "map", 0, 0, 1, &number, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:22:6: map: expected a number, got a mapping");
  g_clear_error (&error);

  g_assert_true (shoal_settings_get_boolean (settings, "yes_word", FALSE, &boolean, &error));
  g_assert_true (boolean);
  g_assert_true (shoal_settings_get_boolean (settings, "upper_true", FALSE, &boolean, &error));
  g_assert_true (boolean);
  g_assert_true (shoal_settings_get_boolean (settings, "off_word", TRUE, &boolean, &error));
  g_assert_false (boolean);
  g_assert_no_error (error);
  g_assert_false (shoal_settings_get_boolean (settings, "quoted_yes", FALSE, &boolean, &error));
  g_assert_cmpstr (error->message, ==,
                   "s.yaml:13:13: quoted_yes: expected a boolean (true or false), got the string "
                   "'yes'");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_boolean (settings, "plain_int", FALSE, &boolean, &error));
  g_assert_cmpstr (error->message, ==,
                   "s.yaml:1:12: plain_int: expected a boolean (true or false), got '3'");
  g_clear_error (&error);

  /* null in all its spellings is "not set": the default applies. */
  g_assert_cmpint (shoal_settings_get_kind (settings, "tilde"), ==, SHOAL_SETTINGS_KIND_NONE);
  g_assert_cmpint (shoal_settings_get_kind (settings, "null_word"), ==, SHOAL_SETTINGS_KIND_NONE);
  g_assert_cmpint (shoal_settings_get_kind (settings, "empty"), ==, SHOAL_SETTINGS_KIND_NONE);
  g_assert_cmpint (shoal_settings_get_kind (settings, "absent"), ==, SHOAL_SETTINGS_KIND_NONE);
  g_assert_cmpint (shoal_settings_get_kind (settings, "quoted_empty"), ==,
                   SHOAL_SETTINGS_KIND_SCALAR);
  g_assert_cmpint (shoal_settings_get_kind (settings, "list"), ==, SHOAL_SETTINGS_KIND_SEQUENCE);
  g_assert_cmpint (shoal_settings_get_kind (settings, "map"), ==, SHOAL_SETTINGS_KIND_MAPPING);
  g_assert_true (shoal_settings_has_key (settings, "tilde"));
  g_assert_false (shoal_settings_has_key (settings, "absent"));
  g_assert_true (shoal_settings_get_int (settings, "tilde", 42, 0, 1, &integer, &error));
  g_assert_cmpint (integer, ==, 42);
  text = shoal_settings_get_string (settings, "null_word", "fallback", &error);
  g_assert_cmpstr (text, ==, "fallback");
  g_clear_pointer (&text, g_free);
  text = shoal_settings_get_string (settings, "absent", NULL, &error);
  g_assert_null (text);
  g_assert_no_error (error);
  text = shoal_settings_get_string (settings, "map", NULL, &error);
  g_assert_null (text);
  g_assert_cmpstr (error->message, ==, "s.yaml:22:6: map: expected a string, got a mapping");
  g_clear_error (&error);
}

/* A word from a fixed list comes back as its index; anything else is an
 * error at the key naming every choice. */
static void
test_settings_choice (void)
{
  static const char *const colours[] = { "red", "green", "blue", NULL };
  static const char *const formats[] = { "json", "xml", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings = NULL;
  guint index = 99;

  g_test_summary ("get_choice gives the index of a listed word, the default when absent, "
                  "and an error naming the choices otherwise");

  settings = shoal_settings_new_from_data ("colour: blue\n"
                                           "other: purple\n"
                                           "format: yaml\n"
                                           "number: [1]\n",
                                           -1, "s.yaml", &error);
  g_assert_no_error (error);

  g_assert_true (shoal_settings_get_choice (settings, "colour", colours, 0, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (index, ==, 2);
  g_assert_true (shoal_settings_get_choice (settings, "absent", colours, 1, &index, &error));
  g_assert_cmpuint (index, ==, 1);

  g_assert_false (shoal_settings_get_choice (settings, "other", colours, 0, &index, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "s.yaml:2:8: other: expected one of 'red', 'green' or 'blue', got 'purple'");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_choice (settings, "format", formats, 0, &index, &error));
  g_assert_cmpstr (error->message, ==, "s.yaml:3:9: format: expected 'json' or 'xml', got 'yaml'");
  g_clear_error (&error);
  g_assert_false (shoal_settings_get_choice (settings, "number", formats, 0, &index, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE);
  g_assert_cmpuint (index, ==, 1);
}

static void
test_settings_api (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings = NULL;
  g_autoptr (ShoalSettings) nested = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_auto (GStrv) keys = NULL;
  g_auto (GStrv) strv = NULL;
  g_auto (GStrv) env = NULL;
  g_autofree char *location = NULL;
  g_autofree char *cwd = g_get_current_dir ();

  g_test_summary ("The generic ShoalSettings getters, locations and positioned errors.");

  settings = shoal_settings_new_from_data ("zeta: 1\n"
                                           "alpha:\n"
                                           "  inner: x\n"
                                           "items:\n"
                                           "  - {a: 1}\n"
                                           "  - {b: 2}\n"
                                           "vars: {B: 2, A: 1}\n"
                                           "nothing:\n",
                                           -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_settings_get_filename (settings), ==, "<string>");
  g_assert_cmpstr (shoal_settings_get_base_dir (settings), ==, cwd);
  g_assert_cmpstr (shoal_settings_get_key_path (settings), ==, "");

  keys = shoal_settings_list_keys (settings);
  g_assert_cmpstrv (keys,
                    ((const char *const[]){ "zeta", "alpha", "items", "vars", "nothing", NULL }));

  location = shoal_settings_get_location (settings, "items");
  g_assert_cmpstr (location, ==, "<string>:4:1");
  g_clear_pointer (&location, g_free);
  location = shoal_settings_get_location (settings, NULL);
  g_assert_cmpstr (location, ==, "<string>:1:1");
  g_clear_pointer (&location, g_free);

  g_assert_true (shoal_settings_get_settings (settings, "alpha", &nested, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_settings_get_key_path (nested), ==, "alpha");
  location = shoal_settings_get_location (nested, NULL);
  g_assert_cmpstr (location, ==, "<string>:3:3");
  g_clear_pointer (&location, g_free);
  g_clear_object (&nested);
  g_assert_true (shoal_settings_get_settings (settings, "absent", &nested, &error));
  g_assert_null (nested);
  g_assert_false (shoal_settings_get_settings (settings, "zeta", &nested, &error));
  g_assert_null (nested);
  g_assert_cmpstr (error->message, ==, "<string>:1:7: zeta: expected a mapping, got 1");
  g_clear_error (&error);

  g_assert_true (shoal_settings_get_settings_list (settings, "items", &list, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (shoal_settings_get_key_path (list->pdata[1]), ==, "items[1]");
  g_clear_pointer (&list, g_ptr_array_unref);
  g_assert_true (shoal_settings_get_settings_list (settings, "nothing", &list, &error));
  g_assert_null (list);

  g_assert_true (shoal_settings_get_environ (settings, "vars", &env, &error));
  g_assert_cmpstrv (env, ((const char *const[]){ "B=2", "A=1", NULL }));
  g_assert_true (shoal_settings_get_strv (settings, "absent", &strv, &error));
  g_assert_null (strv);
  g_assert_false (shoal_settings_get_strv (settings, "zeta", &strv, &error));
  g_assert_null (strv);
  g_assert_cmpstr (error->message, ==, "<string>:1:7: zeta: expected a list of strings, got 1");
  g_clear_error (&error);

  /* set_error points at the value, else the key, else the mapping. */
  shoal_settings_set_error (settings, "vars", &error, SHOAL_CONFIG_ERROR_INVALID, "bad %s", "vars");
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "<string>:7:7: vars: bad vars");
  g_clear_error (&error);
  shoal_settings_set_error_literal (settings, "nothing", &error, SHOAL_CONFIG_ERROR_MISSING,
                                    "needs a value");
  g_assert_cmpstr (error->message, ==, "<string>:8:1: nothing: needs a value");
  g_clear_error (&error);
  shoal_settings_set_error_literal (settings, "absent", &error, SHOAL_CONFIG_ERROR_MISSING,
                                    "is required");
  g_assert_cmpstr (error->message, ==, "<string>:1:1: absent: is required");
  g_clear_error (&error);
  shoal_settings_set_error_literal (settings, NULL, &error, SHOAL_CONFIG_ERROR_INVALID,
                                    "top-level problem");
  g_assert_cmpstr (error->message, ==, "<string>:1:1: top-level problem");
  g_clear_error (&error);
  shoal_settings_set_error (settings, NULL, NULL, SHOAL_CONFIG_ERROR_INVALID, "ignored %d", 1);
}

static void
test_check_keys (void)
{
  static const char *const known[] = { "beta", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings = NULL;
  gint64 value;

  g_test_summary ("check_keys accepts consumed keys, lists known keys, suggests the closest one.");

  settings = shoal_settings_new_from_data ("alpha: 1\nbeta: 2\nzzzz: 3\nalpah: 4\n", -1,
                                           "check.yaml", &error);
  g_assert_no_error (error);

  g_assert_true (shoal_settings_get_int (settings, "alpha", 0, 0, 10, &value, &error));
  g_assert_false (shoal_settings_check_keys (settings, known, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_UNKNOWN_KEY);
  g_assert_cmpstr (error->message, ==,
                   "check.yaml:3:1: zzzz: unknown key 'zzzz' (known keys: "
                   "alpha, beta)");
  g_clear_error (&error);

  /* Once read, a key is known; the next unknown one gets a suggestion
   * among the consumed keys too. */
  g_assert_true (shoal_settings_get_int (settings, "zzzz", 0, 0, 10, &value, &error));
  g_assert_false (shoal_settings_check_keys (settings, known, &error));
  g_assert_cmpstr (error->message, ==,
                   "check.yaml:4:1: alpah: unknown key 'alpah'; did you mean 'alpha'?");
  g_clear_error (&error);

  g_assert_true (shoal_settings_get_int (settings, "alpah", 0, 0, 10, &value, &error));
  g_assert_true (shoal_settings_check_keys (settings, known, &error));
  g_assert_no_error (error);
}

static void
test_rule_dependencies (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autoptr (ShoalTestCase) test = shoal_test_case_new ("db", "query");
  const char *declared[] = { "db::schema", NULL };
  ShoalSuiteConfig *suite;
  ShoalTestRule *rule;

  g_test_summary ("depends, requires and skip_if_failed are read from a suite and from a "
                  "tests: rule, and added to a test's own, ids without '::' in its suite.");

  config = shoal_config_new_from_data ("suites:\n"
                                       "  - name: db\n"
                                       "    adapter: exec\n"
                                       "    skip_if_failed: [seed]\n"
                                       "tests:\n"
                                       "  - match: db::query\n"
                                       "    depends: [other::setup]\n"
                                       "    requires: [login]\n"
                                       "    skip_if_failed: [migrate, other::server, seed]\n",
                                       -1, "shoal.yaml", &error);
  g_assert_no_error (error);
  suite = g_ptr_array_index (shoal_config_get_suites (config), 0);
  g_assert_true (shoal_settings_check_keys (shoal_suite_config_get_settings (suite), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstrv (shoal_test_rule_get_skip_if_failed (shoal_suite_config_get_rule (suite)),
                    ((const char *const[]){ "seed", NULL }));
  rule = g_ptr_array_index (shoal_config_get_test_rules (config), 0);
  g_assert_cmpstrv (shoal_test_rule_get_skip_if_failed (rule),
                    ((const char *const[]){ "migrate", "other::server", "seed", NULL }));

  shoal_test_case_set_skip_if_failed (test, declared);
  shoal_test_rule_apply (shoal_suite_config_get_rule (suite), test);
  shoal_test_rule_apply (rule, test);
  g_assert_cmpstrv (shoal_test_case_get_skip_if_failed (test),
                    ((const char *const[]){ "db::schema", "db::seed", "db::migrate",
                                            "other::server", NULL }));
  g_assert_cmpstrv (shoal_test_case_get_requirements (test),
                    ((const char *const[]){ "db::login", NULL }));
  g_assert_cmpstrv (shoal_test_case_get_dependencies (test),
                    ((const char *const[]){ "other::setup", NULL }));
}

static void
test_suite_adapter_keys (void)
{
  static const char *const exec_keys[] = { "command", "paths", "jobs", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_auto (GStrv) paths = NULL;
  ShoalSettings *settings;
  gint64 jobs = 0;

  g_test_summary (
      "A suite keeps its adapter keys for the adapter, whose own checks report like the core.");

  config = shoal_config_new_from_data ("suites:\n"
                                       "  - name: unit\n"
                                       "    adapter: exec\n"
                                       "    tags: [a]\n"
                                       "    paths: [tests/a, tests/b]\n"
                                       "    comand: ./run\n"
                                       "    jobs: 0\n",
                                       -1, "shoal.yaml", &error);
  g_assert_no_error (error);
  settings =
      shoal_suite_config_get_settings (g_ptr_array_index (shoal_config_get_suites (config), 0));

  g_assert_true (shoal_settings_get_strv (settings, "paths", &paths, &error));
  g_assert_cmpstrv (paths, ((const char *const[]){ "tests/a", "tests/b", NULL }));

  /* The core's keys (name, adapter, tags) are consumed: the adapter lists
   * only its own, and its typo is still caught. */
  g_assert_false (shoal_settings_check_keys (settings, exec_keys, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_UNKNOWN_KEY);
  g_assert_cmpstr (error->message, ==,
                   "shoal.yaml:6:5: suites[0].comand: unknown key 'comand'; did you mean "
                   "'command'?");
  g_clear_error (&error);

  /* An adapter's own validation reads like the core's. */
  g_assert_true (
      shoal_settings_get_int (settings, "jobs", 1, G_MININT64, G_MAXINT64, &jobs, &error));
  shoal_settings_set_error (settings, "jobs", &error, SHOAL_CONFIG_ERROR_RANGE,
                            "must be positive, got %" G_GINT64_FORMAT, jobs);
  g_assert_cmpstr (error->message, ==, "shoal.yaml:7:11: suites[0].jobs: must be positive, got 0");
}

static void
test_report_config_new (void)
{
  g_autoptr (ShoalReportConfig) report = shoal_report_config_new ("junit", "out/junit.xml");

  g_test_summary ("A report made outside a file keeps its path as given.");

  g_assert_cmpstr (shoal_report_config_get_format (report), ==, "junit");
  g_assert_cmpstr (shoal_report_config_get_path (report), ==, "out/junit.xml");
}

/* A fresh directory under the temporary directory, removed by
 * remove_test_dir(). Not G_TEST_OPTION_ISOLATE_DIRS: these tests touch no
 * XDG directory, and on GLib 2.74 each isolated test leaks the previous
 * g_get_user_*() strings (deliberately, see glib.supp), which would hide
 * real leaks from the valgrind run. */
static char *
make_test_dir (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-config-XXXXXX", &error);
  g_autofree char *project = NULL;

  g_assert_no_error (error);
  project = g_build_filename (dir, "project", NULL);
  g_assert_cmpint (g_mkdir (project, 0700), ==, 0);
  return g_canonicalize_filename (project, NULL);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (path, 0, &error);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_assert_cmpint (g_remove (path), ==, 0);
}

static void
remove_test_dir (const char *project)
{
  g_autofree char *dir = g_path_get_dirname (project);

  remove_tree (dir);
}

static void
test_from_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalConfig) config = NULL;
  g_autofree char *dir = make_test_dir ();
  g_autofree char *path = g_build_filename (dir, "shoal.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *state_dir = NULL;

  g_test_summary ("Reading from a file: messages name the file, relative paths and the state dir "
                  "follow it, IO errors.");

  g_assert_true (
      g_file_set_contents (path, "reports:\n  json: report.json\ntimeout: x\n", -1, &error));
  g_assert_no_error (error);

  config = shoal_config_new_from_file (path, &error);
  g_assert_null (config);
  expected = g_strdup_printf ("%s:3:10: timeout: expected a number, got the string 'x'", path);
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_TYPE);
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);
  g_clear_pointer (&expected, g_free);

  g_assert_true (g_file_set_contents (path, "reports:\n  json: report.json\n", -1, &error));
  config = shoal_config_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_config_get_filename (config), ==, path);
  g_assert_cmpstr (shoal_config_get_base_dir (config), ==, dir);
  state_dir = shoal_config_get_state_dir (config);
  expected = g_build_filename (dir, ".shoal", NULL);
  g_assert_cmpstr (state_dir, ==, expected);
  g_clear_pointer (&expected, g_free);
  expected = g_build_filename (dir, "report.json", NULL);
  g_assert_cmpstr (
      shoal_report_config_get_path (g_ptr_array_index (shoal_config_get_reports (config), 0)), ==,
      expected);
  g_clear_pointer (&expected, g_free);
  g_clear_object (&config);

  config = shoal_config_new_from_file (missing, &error);
  g_assert_null (config);
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_IO);
  expected = g_strdup_printf ("cannot read %s: No such file or directory", missing);
  g_assert_cmpstr (error->message, ==, expected);

  remove_test_dir (dir);
}

static void
test_find_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = make_test_dir ();
  g_autofree char *deep = g_build_filename (root, "a", "b", "c", NULL);
  g_autofree char *middle = g_build_filename (root, "a", NULL);
  g_autofree char *yaml = g_build_filename (root, "shoal.yaml", NULL);
  g_autofree char *yml = g_build_filename (middle, "shoal.yml", NULL);
  g_autofree char *found = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  gboolean ancestor_has_config = FALSE;

  g_test_summary ("find_file walks up from a directory to the nearest shoal.yaml or shoal.yml.");

  g_assert_cmpint (g_mkdir_with_parents (deep, 0700), ==, 0);

  /* Nothing found: only meaningful if no directory above the test's has a
   * shoal.yaml of its own. */
  for (char *dir = g_strdup (deep); dir != NULL;)
    {
      g_autofree char *a = g_build_filename (dir, "shoal.yaml", NULL);
      g_autofree char *b = g_build_filename (dir, "shoal.yml", NULL);
      g_autofree char *parent = g_path_get_dirname (dir);

      ancestor_has_config |=
          g_file_test (a, G_FILE_TEST_EXISTS) || g_file_test (b, G_FILE_TEST_EXISTS);
      if (g_str_equal (parent, dir))
        g_clear_pointer (&dir, g_free);
      else
        {
          g_free (dir);
          dir = g_steal_pointer (&parent);
        }
    }
  if (!ancestor_has_config)
    {
      found = shoal_config_find_file (deep, &error);
      g_assert_null (found);
      g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_NOT_FOUND);
      expected = g_strdup_printf ("no shoal.yaml in %s or any parent directory", deep);
      g_assert_cmpstr (error->message, ==, expected);
      g_clear_error (&error);
      g_clear_pointer (&expected, g_free);
    }

  /* Walks up to the nearest one... */
  g_assert_true (g_file_set_contents (yaml, "", -1, &error));
  found = shoal_config_find_file (deep, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, yaml);
  g_clear_pointer (&found, g_free);

  /* ...which may be a shoal.yml nearer than a shoal.yaml. */
  g_assert_true (g_file_set_contents (yml, "", -1, &error));
  found = shoal_config_find_file (deep, &error);
  g_assert_cmpstr (found, ==, yml);
  g_clear_pointer (&found, g_free);

  /* A relative start (here NULL, the current directory) gives an absolute
   * path. */
  g_assert_cmpint (g_chdir (deep), ==, 0);
  found = shoal_config_find_file (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, yml);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  remove_test_dir (root);
}

/* A key a plugin asked for counts as known even when the file lacks it, so
 * the misspelling next to it gets a suggestion. */
static void
test_check_keys_suggests_keys_read_but_absent (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ShoalSettings) settings =
      shoal_settings_new_from_data ("progam: build/test\n", -1, "s.yaml", &error);
  g_autofree char *program = NULL;

  g_assert_no_error (error);
  program = shoal_settings_get_string (settings, "program", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (program);
  g_assert_false (shoal_settings_check_keys (settings, NULL, &error));
  g_assert_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_UNKNOWN_KEY);
  g_assert_cmpstr (error->message, ==, "s.yaml:1:1: progam: unknown key 'progam'; did you mean 'program'?");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      g_autofree char *path = g_strdup_printf ("/shoal/config/bad/%s", bad_inputs[i].name);

      g_test_add_data_func (path, &bad_inputs[i], test_bad_input);
    }
  g_test_add_func ("/shoal/config/defaults", test_defaults);
  g_test_add_func ("/shoal/config/full-file", test_full_file);
  g_test_add_func ("/shoal/config/overrides", test_overrides);
  g_test_add_func ("/shoal/config/anchors", test_anchors);
  g_test_add_func ("/shoal/config/scalars", test_scalars);
  g_test_add_func ("/shoal/config/settings-api", test_settings_api);
  g_test_add_func ("/shoal/config/settings-choice", test_settings_choice);
  g_test_add_func ("/shoal/config/check-keys", test_check_keys);
  g_test_add_func ("/shoal/config/check-keys-read-but-absent",
                   test_check_keys_suggests_keys_read_but_absent);
  g_test_add_func ("/shoal/config/suite-adapter-keys", test_suite_adapter_keys);
  g_test_add_func ("/shoal/config/rule-dependencies", test_rule_dependencies);
  g_test_add_func ("/shoal/config/report-config-new", test_report_config_new);
  g_test_add_func ("/shoal/config/from-file", test_from_file);
  g_test_add_func ("/shoal/config/find-file", test_find_file);

  return g_test_run ();
}
