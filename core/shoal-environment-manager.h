/* shoal-environment-manager.h: isolated directories and environments for
 * workers and tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-config.h"
#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_ENVIRONMENT_ERROR:
 *
 * Errors of [class@Shoal.EnvironmentManager]: environments that cannot be
 * made, removed or copied.
 */
#define SHOAL_ENVIRONMENT_ERROR (shoal_environment_error_quark ())

/**
 * ShoalEnvironmentError:
 * @SHOAL_ENVIRONMENT_ERROR_INVALID: an id, a configuration or a variable
 *   that cannot be used
 * @SHOAL_ENVIRONMENT_ERROR_EXISTS: the worker already has an environment
 * @SHOAL_ENVIRONMENT_ERROR_NOT_FOUND: no such worker environment, a test
 *   environment that is not active, or a missing source directory
 * @SHOAL_ENVIRONMENT_ERROR_IO: a directory or file could not be made,
 *   copied or removed
 * @SHOAL_ENVIRONMENT_ERROR_TIMEOUT: removal did not finish within the
 *   cleanup timeout; what was not removed is left in place
 * @SHOAL_ENVIRONMENT_ERROR_UNSAFE: the manager refused to go on: another
 *   file system is mounted inside an environment, or a directory changed
 *   place while it was being removed
 *
 * Error codes of %SHOAL_ENVIRONMENT_ERROR.
 */
typedef enum
{
  SHOAL_ENVIRONMENT_ERROR_INVALID,
  SHOAL_ENVIRONMENT_ERROR_EXISTS,
  SHOAL_ENVIRONMENT_ERROR_NOT_FOUND,
  SHOAL_ENVIRONMENT_ERROR_IO,
  SHOAL_ENVIRONMENT_ERROR_TIMEOUT,
  SHOAL_ENVIRONMENT_ERROR_UNSAFE,
} ShoalEnvironmentError;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_environment_error_quark (void);

/* ShoalTestEnvironment is declared here, with its manager, because the
 * manager is the only thing that makes one and the two share private state
 * (see shoal-environment-manager.c). */
#define SHOAL_TYPE_TEST_ENVIRONMENT (shoal_test_environment_get_type ())
#define SHOAL_TYPE_ENVIRONMENT_MANAGER (shoal_environment_manager_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestEnvironment, shoal_test_environment, SHOAL, TEST_ENVIRONMENT, GObject)
SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalEnvironmentManager, shoal_environment_manager, SHOAL, ENVIRONMENT_MANAGER, GObject)

/* ShoalTestEnvironment */
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_environment_get_worker_id (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_environment_get_test_id (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_environment_get_directory (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_environment_get_tmp_dir (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_test_environment_get_home_dir (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_test_environment_get_environment (ShoalTestEnvironment *self);
SHOAL_AVAILABLE_IN_1_0
char **shoal_test_environment_apply (ShoalTestEnvironment *self,
                                     const char *const *envp);

/* ShoalEnvironmentManager */
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalEnvironmentManager *
    shoal_environment_manager_new (const char *base_temp_dir);
SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalEnvironmentManager *
    shoal_environment_manager_new_from_config (ShoalConfig *config,
                                               const char *run_id);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_environment_manager_get_base_temp_dir (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_environment_manager_get_run_id (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_get_cleanup_on_exit (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_cleanup_on_exit (ShoalEnvironmentManager *self,
                                                    gboolean cleanup_on_exit);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_get_preserve_on_failure (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_preserve_on_failure (ShoalEnvironmentManager *self,
                                                        gboolean preserve_on_failure);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_get_isolate_home (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_isolate_home (ShoalEnvironmentManager *self,
                                                 gboolean isolate_home);
SHOAL_AVAILABLE_IN_1_0
double shoal_environment_manager_get_cleanup_timeout (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_cleanup_timeout (ShoalEnvironmentManager *self,
                                                    double seconds);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_get_remove_in_background (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_remove_in_background (ShoalEnvironmentManager *self,
                                                         gboolean remove_in_background);
SHOAL_AVAILABLE_IN_1_0
char **shoal_environment_manager_dup_environment_variables (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_environment_manager_set_environment_variables (ShoalEnvironmentManager *self,
                                                          const char *const *variables);
SHOAL_AVAILABLE_IN_1_0
char *shoal_environment_manager_create_worker_environment (ShoalEnvironmentManager *self,
                                                           const char *worker_id,
                                                           GVariant *config,
                                                           GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_destroy_worker_environment (ShoalEnvironmentManager *self,
                                                               const char *worker_id,
                                                               GError **error);
SHOAL_AVAILABLE_IN_1_0
ShoalTestEnvironment *shoal_environment_manager_create_test_environment (ShoalEnvironmentManager *self,
                                                                         const char *worker_id,
                                                                         const char *test_id,
                                                                         GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_finish_test_environment (ShoalEnvironmentManager *self,
                                                            ShoalTestEnvironment *environment,
                                                            gboolean passed,
                                                            char **out_preserved_path,
                                                            GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_prepare_workspace (ShoalEnvironmentManager *self,
                                                      const char *worker_id,
                                                      const char *source_dir,
                                                      const char *const *exclude,
                                                      char **out_copy_path,
                                                      GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_environment_manager_cleanup_all (ShoalEnvironmentManager *self,
                                                GError **error);
SHOAL_AVAILABLE_IN_1_0
guint shoal_environment_manager_get_active_environments (ShoalEnvironmentManager *self);
SHOAL_AVAILABLE_IN_1_0
GVariant *shoal_environment_manager_get_status (ShoalEnvironmentManager *self);

G_END_DECLS
