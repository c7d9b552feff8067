/* shoal-history-private.h: the history's connection, for library code that
 * keeps its own tables in history.db
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sqlite3.h>

#include "shoal-history.h"

G_BEGIN_DECLS

/* Locks the history's mutex, writes its queued rows and returns its
 * connection; every call is paired with _shoal_history_unlock_db(). The
 * caller must not call public ShoalHistory methods in between (they take
 * the same, non-recursive mutex). */
sqlite3 *_shoal_history_lock_db (ShoalHistory *self);
void _shoal_history_unlock_db (ShoalHistory *self);
/* Sets @error from an SQLite failure the way the history does (CORRUPT
 * with the way out, else IO), naming the database file. */
void _shoal_history_set_sqlite_error (ShoalHistory *self,
                                      GError **error,
                                      int rc,
                                      const char *what);

G_END_DECLS
