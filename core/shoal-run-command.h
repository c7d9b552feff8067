/* shoal-run-command.h: how an adapter asks the core to run tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-case.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_RUN_COMMAND (shoal_run_command_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalRunCommand, shoal_run_command, SHOAL, RUN_COMMAND, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalRunCommand *
    shoal_run_command_new (const char *const *argv);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_run_command_get_argv (ShoalRunCommand *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_append_arg (ShoalRunCommand *self,
                                   const char *arg);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_run_command_get_cwd (ShoalRunCommand *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_set_cwd (ShoalRunCommand *self,
                                const char *cwd);
SHOAL_AVAILABLE_IN_1_0
const char *const *shoal_run_command_get_environment (ShoalRunCommand *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_setenv (ShoalRunCommand *self,
                               const char *name,
                               const char *value);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_set_environment (ShoalRunCommand *self,
                                        const char *const *environment);
SHOAL_AVAILABLE_IN_1_0
GPtrArray *shoal_run_command_get_tests (ShoalRunCommand *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_add_test (ShoalRunCommand *self,
                                 ShoalTestCase *test);
SHOAL_AVAILABLE_IN_1_0
const char *shoal_run_command_get_session_request (ShoalRunCommand *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_run_command_set_session_request (ShoalRunCommand *self,
                                            const char *request);

G_END_DECLS
