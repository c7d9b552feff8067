/* shoal-strategy-common.h: what the built-in strategies share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A static library linked into each strategy module (its symbols stay
 * hidden in each): the simulation behind the static plans, LPT, the map
 * from worker ids to groups, and the per-worker queues with stealing of
 * the strategies that partition the tests.
 */

#pragma once

#include <shoal.h>

G_BEGIN_DECLS

/* How much waiting is worth one point of priority: a test held back by its
 * resources behind higher-priority ones overtakes them eventually. */
#define SHOAL_STRATEGY_AGING_SECONDS_PER_POINT 10.0

/* Union-find over test indices, with the smallest index as the root of
 * each set: @parent starts as parent[i] = i. */
guint shoal_union_find_root (guint *parent,
                             guint i);
void shoal_union_find_join (guint *parent,
                            guint a,
                            guint b);

void shoal_strategy_simulate (ShoalTestGraph *graph,
                              guint n_workers,
                              const double *keys,
                              const double *second_keys,
                              guint *worker_of,
                              guint *order);

GList *shoal_strategy_make_groups (ShoalTestGraph *graph,
                                   guint n_groups,
                                   const guint *group_of,
                                   const guint *order);

void shoal_strategy_lpt (const double *sizes,
                         guint n_items,
                         guint n_groups,
                         double *loads,
                         guint *group_of);

guint shoal_strategy_worker_index (GHashTable *others,
                                   const char *worker_id,
                                   guint n_groups);

/* The partitioning strategies: each places every test in one group per
 * worker, in an order (its rank); at run time a worker takes the ready
 * test of its own group with the highest priority, then the lowest rank,
 * and a worker whose group has nothing it can start steals the same way
 * from the group with the most estimated work left. */
typedef void (*ShoalPartitionFunc) (ShoalTestGraph *graph,
                                    guint n_groups,
                                    guint *group_of,
                                    guint *rank);

typedef struct _ShoalPartitionQueue ShoalPartitionQueue;

ShoalPartitionQueue *shoal_partition_queue_new (ShoalPartitionFunc partition);
void shoal_partition_queue_free (ShoalPartitionQueue *self);
void shoal_partition_queue_prepare (ShoalPartitionQueue *self,
                                    GPtrArray *tests,
                                    ShoalDispatchContext *context);
void shoal_partition_queue_push (ShoalPartitionQueue *self,
                                 ShoalTestCase *test,
                                 ShoalDispatchContext *context);
ShoalTestCase *shoal_partition_queue_next (ShoalPartitionQueue *self,
                                           const char *worker_id,
                                           ShoalDispatchContext *context);
void shoal_partition_queue_remove (ShoalPartitionQueue *self,
                                   ShoalTestCase *test);
GList *shoal_partition_plan (ShoalPartitionFunc partition,
                             GPtrArray *tests,
                             ShoalDispatchContext *context,
                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalPartitionQueue, shoal_partition_queue_free)

G_END_DECLS
