/* shoal-spawn.h: run a helper command synchronously, the core's way
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <gio/gio.h>

#include "shoal-version.h"

G_BEGIN_DECLS

SHOAL_AVAILABLE_IN_1_0
gboolean shoal_spawn_capture (const char *const *argv,
                              const char *cwd,
                              const char *const *environment,
                              double timeout,
                              char **out_stdout,
                              char **out_stderr,
                              int *out_wait_status,
                              GCancellable *cancellable,
                              GError **error);
SHOAL_AVAILABLE_IN_1_0
char *shoal_describe_wait_status (int wait_status);
SHOAL_AVAILABLE_IN_1_0
char *shoal_text_tail (const char *text,
                       guint max_lines);

G_END_DECLS
