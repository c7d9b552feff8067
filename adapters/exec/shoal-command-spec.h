/* shoal-command-spec.h: tests written as commands in shoal.yaml (internal API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The exec and tap adapters read the same `tests:` list, and the exec and
 * glib adapters find programs by the same globs; each module compiles this
 * file into itself so they read them the same way.
 */

#pragma once

#include <shoal.h>

G_BEGIN_DECLS

/**
 * ShoalCommandSpec:
 * @name: the test's name, its local id
 * @argv: the command, as written
 * @cwd: the absolute working directory
 * @environment: (nullable): `NAME=VALUE` entries
 * @timeout: seconds, or 0 for the suite's
 * @tags: (nullable): its tags
 * @command_location: `FILE:LINE:COL: KEY` of its `command`, for messages
 *   at discovery
 * @cwd_location: the same for its `cwd` (or the suite's)
 *
 * One entry of a `tests:` list.
 */
typedef struct
{
  char *name;
  char **argv;
  char *cwd;
  char **environment;
  double timeout;
  char **tags;
  ShoalTestRule *rule; /* resources, depends, requires, skip_if_failed, priority, slots, fixtures */
  char *command_location;
  char *cwd_location;
} ShoalCommandSpec;

void shoal_command_spec_free (ShoalCommandSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalCommandSpec, shoal_command_spec_free)

char *shoal_command_location (ShoalSettings *settings, const char *key);
gboolean shoal_command_read_cwd (ShoalSettings *settings,
                                 const char *default_cwd,
                                 char **out_cwd,
                                 GError **error);
gboolean shoal_command_read_timeout (ShoalSettings *settings, double *out_timeout, GError **error);
gboolean shoal_command_specs_read (ShoalSettings *settings,
                                   const char *key,
                                   const char *default_cwd,
                                   GPtrArray **out_specs,
                                   GError **error);
gboolean
shoal_command_check_directory (const char *directory, const char *location, GError **error);
char *shoal_command_resolve_program (const char *program,
                                     const char *cwd,
                                     const char *const *environment,
                                     const char *location,
                                     GError **error);
char *shoal_command_relative_path (const char *base_dir, const char *path);
gboolean shoal_command_expand_programs (const char *base_dir,
                                        const char *const *patterns,
                                        const char *location,
                                        GPtrArray **out_paths,
                                        char **out_unmatched,
                                        GError **error);

G_END_DECLS
