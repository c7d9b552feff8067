/* shoal-launcher-private.h: starting a test's process, fast
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

char *_shoal_launcher_find_program (const char *program,
                                    const char *const *envp);
gboolean _shoal_launcher_spawn (const char *const *argv,
                                const char *const *envp,
                                const char *cwd,
                                int output_fd,
                                pid_t *out_pid,
                                GError **error);

G_END_DECLS
