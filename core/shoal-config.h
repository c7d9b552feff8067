/* shoal-config.h: the typed contents of shoal.yaml
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-settings.h"
#include "shoal-test-rule.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_CONFIG (shoal_config_get_type ())
#define SHOAL_TYPE_SUITE_CONFIG (shoal_suite_config_get_type ())
#define SHOAL_TYPE_POOL_CONFIG (shoal_pool_config_get_type ())
#define SHOAL_TYPE_REPORT_CONFIG (shoal_report_config_get_type ())
#define SHOAL_TYPE_RESOURCE_CONFIG (shoal_resource_config_get_type ())
#define SHOAL_TYPE_FIXTURE_CONFIG (shoal_fixture_config_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalConfig, shoal_config, SHOAL, CONFIG, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalSuiteConfig, shoal_suite_config, SHOAL, SUITE_CONFIG, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalPoolConfig, shoal_pool_config, SHOAL, POOL_CONFIG, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalReportConfig, shoal_report_config, SHOAL, REPORT_CONFIG, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalResourceConfig, shoal_resource_config, SHOAL, RESOURCE_CONFIG, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalFixtureConfig, shoal_fixture_config, SHOAL, FIXTURE_CONFIG, GObject)

/* ShoalConfig */
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalConfig *
    shoal_config_new (void);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalConfig *
    shoal_config_new_from_file (const char *path,
                                GError **error);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalConfig *
    shoal_config_new_from_data (const char *data,
                                gssize length,
                                const char *filename,
                                GError **error);
SHOAL_AVAILABLE_IN_1_0
char *shoal_config_find_file (const char *start_dir,
                              GError **error);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_filename (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_base_dir (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
char *shoal_config_get_state_dir (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
ShoalSettings *shoal_config_get_settings (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_config_get_max_workers (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_config_set_max_workers (ShoalConfig *self,
                                   guint max_workers);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_max_workers_auto (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_config_get_min_workers (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_dynamic_workers (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_timeout (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_config_set_timeout (ShoalConfig *self,
                               double timeout);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_kill_grace (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_distribution_strategy (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_retry_failed (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_config_get_retries (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_config_get_quarantine_threshold (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_quarantine_config (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_health_check_interval (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_cleanup_timeout (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_temp_dir (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_debug_mode (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_batching (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_retry_delay (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_retry_backoff (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_retry_on_other_worker (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_flaky_fails (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_log_level (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_config_get_base_temp_dir (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_cleanup_on_exit (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_preserve_on_failure (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_config_get_isolate_home (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_config_get_environment_variables (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_suites (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_resource_pools (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_reports (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_resources (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_test_rules (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_config_get_resource_timeout (ShoalConfig *self);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_config_get_fixtures (ShoalConfig *self);

/* ShoalFixtureConfig */
SHOAL_AVAILABLE_IN_1_0
const char *shoal_fixture_config_get_name (ShoalFixtureConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_fixture_config_get_setup (ShoalFixtureConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_fixture_config_get_teardown (ShoalFixtureConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_fixture_config_get_timeout (ShoalFixtureConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_fixture_config_get_environment (ShoalFixtureConfig *self);

/* ShoalSuiteConfig */
SHOAL_AVAILABLE_IN_1_0
const char *shoal_suite_config_get_name (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_suite_config_get_adapter (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_suite_config_get_timeout (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_suite_config_get_tags (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_suite_config_get_environment (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
ShoalSettings *shoal_suite_config_get_settings (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
ShoalTestRule *shoal_suite_config_get_rule (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_suite_config_get_workspace_copy (ShoalSuiteConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_suite_config_get_workspace_exclude (ShoalSuiteConfig *self);

/* ShoalResourceConfig */
SHOAL_AVAILABLE_IN_1_0
const char *shoal_resource_config_get_name (ShoalResourceConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_resource_config_get_resource_type (ShoalResourceConfig *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_resource_config_get_exclusive (ShoalResourceConfig *self);

/* ShoalPoolConfig */
SHOAL_AVAILABLE_IN_1_0
const char *shoal_pool_config_get_name (ShoalPoolConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_pool_config_get_size (ShoalPoolConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_pool_config_get_min_size (ShoalPoolConfig *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_pool_config_get_max_size (ShoalPoolConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_pool_config_get_provider (ShoalPoolConfig *self);
SHOAL_AVAILABLE_IN_1_0
ShoalSettings *shoal_pool_config_get_settings (ShoalPoolConfig *self);

/* ShoalReportConfig */
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalReportConfig *
    shoal_report_config_new (const char *format,
                             const char *path);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_report_config_get_format (ShoalReportConfig *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_report_config_get_path (ShoalReportConfig *self);

G_END_DECLS
