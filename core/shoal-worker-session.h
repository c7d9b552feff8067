/* shoal-worker-session.h: a persistent worker process of an adapter
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-run-command.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_WORKER_SESSION (shoal_worker_session_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalWorkerSession, shoal_worker_session, SHOAL, WORKER_SESSION, GObject)

/**
 * ShoalWorkerSessionDone:
 * @session: the session
 * @wait_status: 0 when the worker answered the request, -1 when it said it
 *   is ready (once per session, before the answer; the request is still in
 *   flight), else the wait status the worker process died with
 * @user_data: the data given to [method@Shoal.WorkerSession.send]
 *
 * Called once per request with its end (and before, possibly with -1), in
 * the session's main context.
 */
typedef void (*ShoalWorkerSessionDone) (ShoalWorkerSession *session,
                                        int wait_status,
                                        gpointer user_data);

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalWorkerSession *
    shoal_worker_session_new (ShoalRunCommand *command,
                              const char *const *environment,
                              const char *log_path);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_worker_session_start (ShoalWorkerSession *self,
                                     GMainContext *context,
                                     GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_worker_session_send (ShoalWorkerSession *self,
                                    const char *line,
                                    ShoalWorkerSessionDone done,
                                    gpointer user_data,
                                    GError **error);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_worker_session_is_alive (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_worker_session_is_busy (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_worker_session_is_ready (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
int shoal_worker_session_get_pid (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_worker_session_get_requests (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_worker_session_ask_to_end (ShoalWorkerSession *self);
SHOAL_AVAILABLE_IN_1_0
void shoal_worker_session_close (ShoalWorkerSession *self,
                                 double grace);

G_END_DECLS
