/* shoal-process-reaper-private.h: finding and killing every process a test started
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* The environment variable that marks every process a test starts. */
#define SHOAL_PROCESS_COOKIE_VAR "SHOAL_PROCESS_COOKIE"

void _shoal_process_reaper_init (void);
gboolean _shoal_process_reaper_is_subreaper (void);
void _shoal_process_reaper_track (pid_t pid);
void _shoal_process_reaper_untrack (pid_t pid);
guint _shoal_process_reaper_kill_group (pid_t pgid,
                                        int signum);
guint _shoal_process_reaper_kill_cookie (const char *cookie,
                                         gboolean prefix,
                                         pid_t group);
char *_shoal_process_reaper_new_cookie (const char *scope);
void _shoal_process_child_setup (gpointer user_data);

G_END_DECLS
