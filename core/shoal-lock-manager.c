/* shoal-lock-manager.c: named locks for user code, with deadlock detection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "shoal-lock-manager.h"

/**
 * ShoalLockManager:
 *
 * Named locks that user code takes step by step, from any number of threads,
 * with a wait-for graph and deadlock detection.
 *
 * A resource is registered once, exclusive or not
 * ([method@Shoal.LockManager.register_resource]). An exclusive resource has
 * at most one holder. A non-exclusive one is shared by any number of holders
 * but never while someone holds it exclusively (it can also be taken in
 * %SHOAL_LOCK_MODE_EXCLUSIVE mode). Holders are named by strings, usually
 * test ids: one holder id stands for one thread of execution, and locks are
 * not recursive: taking a resource one already holds is an error.
 *
 * Waiters of one resource are served in the order they asked (FIFO): a
 * shared request never overtakes an exclusive one queued before it, so a
 * stream of readers cannot starve a writer. A lock is handed over to the
 * waiter when it becomes free, so the waiter that was next keeps its turn.
 *
 * While a holder waits, the manager records the edges of the wait-for
 * graph: the waiter waits for each holder the resource has that stands in
 * its way, and for each waiter queued before it.
 * [method@Shoal.LockManager.detect_deadlocks] lists the cycles of that graph
 * and [method@Shoal.LockManager.resolve_deadlocks] breaks each by failing
 * the youngest waiter in it (the one that started waiting last) with
 * %SHOAL_LOCK_ERROR_DEADLOCK and a message spelling the cycle. The victim
 * still holds what it held before: like a database transaction chosen as a
 * deadlock victim, it is expected to release its locks (leaving its `with`
 * blocks does that) so that the others can proceed.
 *
 * Detection also runs on a timer, every
 * [property@Shoal.LockManager:detection-interval] seconds while someone
 * waits. There is no thread for it: the blocked callers of
 * [method@Shoal.LockManager.acquire] wake at that interval and whichever
 * wakes first runs detection and resolution.
 *
 * # Threads
 *
 * Every method can be called from any thread. The state is guarded by one
 * mutex, which is never held while user code runs: signal handlers and
 * property notifications run after it is released, in the thread that
 * caused them. [signal@Shoal.LockManager::deadlock-detected] is therefore
 * emitted from whichever thread broke the cycle: the thread that called
 * [method@Shoal.LockManager.resolve_deadlocks], or a waiting thread when the
 * timer found it. Handlers must be thread-safe, and must not wait for a lock
 * of the same manager.
 *
 * A blocked [method@Shoal.LockManager.acquire] keeps a reference on the
 * manager. To abandon every wait (at shutdown), call
 * g_object_run_dispose(): each waiter returns %SHOAL_LOCK_ERROR_CANCELLED,
 * and later requests fail the same way.
 */

typedef struct _Resource Resource;
typedef struct _Waiter Waiter;

struct _Resource
{
  char *id;
  char *type;
  gboolean exclusive;      /* as registered */
  gboolean held_exclusive; /* the current holder (one) holds it exclusively */
  GPtrArray *holders;      /* (element-type utf8) (owned): in the order they got it */
  GQueue waiters;          /* (element-type Waiter): FIFO, links owned by the waiters */
};

typedef enum
{
  WAITER_WAITING,
  WAITER_GRANTED,
  WAITER_FAILED,
} WaiterState;

/* One blocked acquire(); it lives on the waiting thread's stack and is
 * linked into its resource's queue while it waits. */
struct _Waiter
{
  const char *holder_id; /* the caller's string, valid while it waits */
  Resource *resource;
  gboolean exclusive;
  guint64 seq; /* order of arrival, across resources: higher is younger */
  WaiterState state;
  GError *error; /* when failed by another thread (deadlock, dispose) */
  GList link;
};

struct _ShoalLockManager
{
  GObject parent_instance;

  GMutex mutex;
  GCond cond; /* broadcast on every change a waiter may be waiting for */

  /* Everything below is guarded by the mutex. */
  GHashTable *resources;     /* id -> Resource (owned) */
  GPtrArray *resource_order; /* Resource, in registration order */
  guint64 next_seq;
  double detection_interval;
  gint64 last_detection; /* monotonic time of the last timer detection */
  gboolean disposed;
};

G_DEFINE_FINAL_TYPE (ShoalLockManager, shoal_lock_manager, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DETECTION_INTERVAL,
  N_PROPS,
};

enum
{
  SIGNAL_DEADLOCK_DETECTED,
  N_SIGNALS,
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define DEFAULT_DETECTION_INTERVAL 1.0

/* Longer waits and intervals, in seconds, count as for ever: their
 * microseconds would overflow a gint64 deadline. */
#define FOREVER_SECONDS 1e9

/* Cycle enumeration is exponential in the worst case; wait-for graphs have
 * one node per blocked thread and are small, but a report is capped rather
 * than trusted to be. */
#define MAX_CYCLES 64
#define MAX_SEARCH_STEPS 100000

/* The quark name is a string, not an expression. */
/* clang-format off */
G_DEFINE_QUARK (shoal-lock-error-quark, shoal_lock_error)
/* clang-format on */

static void
resource_free (gpointer data)
{
  Resource *resource = data;

  /* Waiters cannot be left: each holds a reference on the manager. */
  g_warn_if_fail (g_queue_is_empty (&resource->waiters));
  g_free (resource->id);
  g_free (resource->type);
  g_ptr_array_unref (resource->holders);
  g_free (resource);
}

static Resource *
resource_new (const char *id,
              const char *type,
              gboolean exclusive)
{
  Resource *resource = g_new0 (Resource, 1);

  resource->id = g_strdup (id);
  resource->type = g_strdup (type);
  resource->exclusive = exclusive;
  resource->holders = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&resource->waiters);
  return resource;
}

static gboolean
resource_is_held_by (Resource *resource,
                     const char *holder_id)
{
  for (guint i = 0; i < resource->holders->len; i++)
    if (g_str_equal (g_ptr_array_index (resource->holders, i), holder_id))
      return TRUE;
  return FALSE;
}

static gboolean
resource_is_awaited_by (Resource *resource,
                        const char *holder_id)
{
  for (GList *l = resource->waiters.head; l != NULL; l = l->next)
    if (g_str_equal (((Waiter *) l->data)->holder_id, holder_id))
      return TRUE;
  return FALSE;
}

/* Whether the current holders allow one more holder in that mode, queue
 * aside. */
static gboolean
resource_admits (Resource *resource,
                 gboolean exclusive)
{
  if (resource->holders->len == 0)
    return TRUE;
  return !exclusive && !resource->held_exclusive;
}

static void
resource_add_holder (Resource *resource,
                     const char *holder_id,
                     gboolean exclusive)
{
  g_ptr_array_add (resource->holders, g_strdup (holder_id));
  resource->held_exclusive = exclusive;
}

/* Hands the resource to the waiters at the head of its queue, as many as
 * the holders admit, in order: the first that does not fit stops the rest
 * (FIFO, no overtaking). Returns whether anyone was granted; the caller
 * broadcasts. */
static gboolean
resource_grant_waiters (Resource *resource)
{
  gboolean granted = FALSE;
  GList *link;

  while ((link = resource->waiters.head) != NULL)
    {
      Waiter *waiter = link->data;

      if (!resource_admits (resource, waiter->exclusive))
        break;
      g_queue_unlink (&resource->waiters, link);
      resource_add_holder (resource, waiter->holder_id, waiter->exclusive);
      waiter->state = WAITER_GRANTED;
      granted = TRUE;
    }
  return granted;
}

/* Takes a waiter out of its queue without granting it; the waiters behind
 * it may now get the resource. */
static void
shoal_lock_manager_drop_waiter_locked (ShoalLockManager *self,
                                       Waiter *waiter)
{
  g_queue_unlink (&waiter->resource->waiters, &waiter->link);
  resource_grant_waiters (waiter->resource);
  g_cond_broadcast (&self->cond);
}

static char *
join_holders (Resource *resource)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < resource->holders->len; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, g_ptr_array_index (resource->holders, i));
    }
  return g_string_free (text, FALSE);
}

static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *row = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    row[j] = j;
  for (gsize i = 1; i <= la; i++)
    {
      guint diagonal = row[0];

      row[0] = i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint above = row[j];
          guint cost = a[i - 1] == b[j - 1] ? 0 : 1;

          row[j] = MIN (MIN (row[j] + 1, row[j - 1] + 1), diagonal + cost);
          diagonal = above;
        }
    }
  return row[lb];
}

static Resource *
shoal_lock_manager_lookup_locked (ShoalLockManager *self,
                                  const char *resource_id,
                                  GError **error)
{
  Resource *resource = g_hash_table_lookup (self->resources, resource_id);
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  if (resource != NULL)
    return resource;

  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *candidate = g_ptr_array_index (self->resource_order, i);
      guint distance = edit_distance (resource_id, candidate->id);

      if (distance < best_distance)
        {
          best_distance = distance;
          best = candidate->id;
        }
    }
  if (best != NULL && best_distance <= MAX (2, strlen (resource_id) / 3))
    g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE,
                 _ ("unknown resource '%s'; did you mean '%s'?"), resource_id, best);
  else
    g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE,
                 _ ("unknown resource '%s'"), resource_id);
  return NULL;
}

static gboolean
check_not_disposed_locked (ShoalLockManager *self,
                           GError **error)
{
  if (!self->disposed)
    return TRUE;
  g_set_error_literal (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_CANCELLED,
                       _ ("the lock manager was disposed"));
  return FALSE;
}

/* --- The wait-for graph ---------------------------------------------------
 *
 * Nodes are holder ids. A waiter W of holder h on resource r gives the edges
 * h -> g for each holder g of r that stands in W's way (every holder when W
 * is exclusive, the exclusive holder when W is shared) and h -> g for each
 * waiter of g queued before W (FIFO: W cannot be served before them). The
 * graph is rebuilt from the queues when needed; nothing else is kept up to
 * date on the hot path. */

typedef struct
{
  guint from;
  guint to;
  Waiter *waiter;  /* whose wait makes the edge */
  gboolean queued; /* waits behind a queued waiter, not for a holder */
} Edge;

typedef struct
{
  GPtrArray *names;  /* (element-type utf8): borrowed from the queues */
  GHashTable *index; /* name -> index + 1 */
  GArray *edges;     /* Edge, grouped by `from` after sorting */
  GArray *first;     /* guint: first edge of each node, and a sentinel */
} Graph;

static guint
graph_node (Graph *graph,
            const char *name)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (graph->index, name));

  if (index == 0)
    {
      g_ptr_array_add (graph->names, (gpointer) name);
      index = graph->names->len;
      g_hash_table_insert (graph->index, (gpointer) name, GUINT_TO_POINTER (index));
    }
  return index - 1;
}

static void
graph_add_edge (Graph *graph,
                Waiter *waiter,
                const char *to,
                gboolean queued)
{
  Edge edge = { 0 };

  if (g_str_equal (waiter->holder_id, to))
    return;
  edge.from = graph_node (graph, waiter->holder_id);
  edge.to = graph_node (graph, to);
  edge.waiter = waiter;
  edge.queued = queued;
  /* Keep one edge per pair: the first found is as good a witness as any. */
  for (guint i = 0; i < graph->edges->len; i++)
    {
      Edge *other = &g_array_index (graph->edges, Edge, i);

      if (other->from == edge.from && other->to == edge.to)
        return;
    }
  g_array_append_val (graph->edges, edge);
}

static int
compare_edges (gconstpointer a,
               gconstpointer b)
{
  const Edge *ea = a, *eb = b;

  if (ea->from != eb->from)
    return ea->from < eb->from ? -1 : 1;
  /* Stable enough: the order of arrival breaks ties. */
  if (ea->waiter->seq != eb->waiter->seq)
    return ea->waiter->seq < eb->waiter->seq ? -1 : 1;
  return ea->to < eb->to ? -1 : (ea->to > eb->to ? 1 : 0);
}

static void
graph_build_locked (ShoalLockManager *self,
                    Graph *graph)
{
  graph->names = g_ptr_array_new ();
  graph->index = g_hash_table_new (g_str_hash, g_str_equal);
  graph->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  graph->first = g_array_new (FALSE, TRUE, sizeof (guint));

  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *resource = g_ptr_array_index (self->resource_order, i);

      for (GList *l = resource->waiters.head; l != NULL; l = l->next)
        {
          Waiter *waiter = l->data;

          if (waiter->exclusive || resource->held_exclusive)
            for (guint j = 0; j < resource->holders->len; j++)
              graph_add_edge (graph, waiter, g_ptr_array_index (resource->holders, j), FALSE);
          for (GList *ahead = resource->waiters.head; ahead != l; ahead = ahead->next)
            graph_add_edge (graph, waiter, ((Waiter *) ahead->data)->holder_id, TRUE);
        }
    }

  g_array_sort (graph->edges, compare_edges);
  g_array_set_size (graph->first, graph->names->len + 1);
  for (guint node = 0, e = 0; node <= graph->names->len; node++)
    {
      while (e < graph->edges->len && g_array_index (graph->edges, Edge, e).from < node)
        e++;
      g_array_index (graph->first, guint, node) = e;
    }
}

static void
graph_clear (Graph *graph)
{
  g_ptr_array_unref (graph->names);
  g_hash_table_unref (graph->index);
  g_array_unref (graph->edges);
  g_array_unref (graph->first);
}

typedef struct
{
  Graph *graph;
  guint start;
  GArray *path; /* Edge */
  gboolean *on_path;
  GPtrArray *cycles; /* GArray of Edge, rotated to start at the youngest waiter */
  guint max_cycles;
  guint steps;
} CycleSearch;

static void
record_cycle (CycleSearch *search)
{
  GArray *path = search->path;
  GArray *cycle = g_array_sized_new (FALSE, FALSE, sizeof (Edge), path->len);
  guint youngest = 0;

  for (guint i = 1; i < path->len; i++)
    if (g_array_index (path, Edge, i).waiter->seq > g_array_index (path, Edge, youngest).waiter->seq)
      youngest = i;
  for (guint i = 0; i < path->len; i++)
    g_array_append_val (cycle, g_array_index (path, Edge, (youngest + i) % path->len));
  g_ptr_array_add (search->cycles, cycle);
}

/* Elementary cycles through `start` whose other nodes all come after it:
 * each cycle is found once, from its first node. */
static void
search_from (CycleSearch *search,
             guint node)
{
  Graph *graph = search->graph;
  guint end = g_array_index (graph->first, guint, node + 1);

  for (guint e = g_array_index (graph->first, guint, node); e < end; e++)
    {
      Edge *edge = &g_array_index (graph->edges, Edge, e);

      if (search->cycles->len >= search->max_cycles || ++search->steps > MAX_SEARCH_STEPS)
        return;
      if (edge->to == search->start)
        {
          g_array_append_val (search->path, *edge);
          record_cycle (search);
          g_array_set_size (search->path, search->path->len - 1);
        }
      else if (edge->to > search->start && !search->on_path[edge->to])
        {
          g_array_append_val (search->path, *edge);
          search->on_path[edge->to] = TRUE;
          search_from (search, edge->to);
          search->on_path[edge->to] = FALSE;
          g_array_set_size (search->path, search->path->len - 1);
        }
    }
}

/* Returns the cycles of @graph, at most @max_cycles, each a GArray of Edge
 * in wait-for order starting at the edge of the youngest waiter. */
static GPtrArray *
graph_find_cycles (Graph *graph,
                   guint max_cycles)
{
  CycleSearch search = { 0 };
  g_autofree gboolean *on_path = g_new0 (gboolean, graph->names->len + 1);

  search.graph = graph;
  search.path = g_array_new (FALSE, FALSE, sizeof (Edge));
  search.on_path = on_path;
  search.cycles = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  search.max_cycles = max_cycles;
  for (guint start = 0; start < graph->names->len; start++)
    {
      search.start = start;
      search_from (&search, start);
    }
  g_array_unref (search.path);
  return search.cycles;
}

static GStrv
cycle_to_strv (Graph *graph,
               GArray *cycle)
{
  GStrv strv = g_new0 (char *, cycle->len + 1);

  for (guint i = 0; i < cycle->len; i++)
    strv[i] = g_strdup (g_ptr_array_index (graph->names, g_array_index (cycle, Edge, i).from));
  return strv;
}

/* "deadlock: b waits for 'lock1' held by a, which waits for 'lock2' held by
 * b; b gives way, as the one that started waiting last". */
static char *
cycle_describe (Graph *graph,
                GArray *cycle)
{
  GString *text = g_string_new (_ ("deadlock: "));
  const char *victim = g_ptr_array_index (graph->names, g_array_index (cycle, Edge, 0).from);

  for (guint i = 0; i < cycle->len; i++)
    {
      Edge *edge = &g_array_index (cycle, Edge, i);
      const char *from = g_ptr_array_index (graph->names, edge->from);
      const char *to = g_ptr_array_index (graph->names, edge->to);

      if (i == 0)
        g_string_append_printf (text, edge->queued ? _ ("%s waits for '%s' queued behind %s") : _ ("%s waits for '%s' held by %s"),
                                from, edge->waiter->resource->id, to);
      else
        g_string_append_printf (text, edge->queued ? _ (", which waits for '%s' queued behind %s") : _ (", which waits for '%s' held by %s"),
                                edge->waiter->resource->id, to);
    }
  g_string_append_printf (text, _ ("; %s gives way, as the one that started waiting last"), victim);
  return g_string_free (text, FALSE);
}

typedef struct
{
  GStrv cycle;
  char *message;
} Detected;

static void
detected_free (gpointer data)
{
  Detected *detected = data;

  g_strfreev (detected->cycle);
  g_free (detected->message);
  g_free (detected);
}

/* Breaks cycles one at a time, failing the youngest waiter of each, until
 * none is left; failing a waiter can break other cycles too, so the graph
 * is built again each time. Appends what it did to @detected, for the
 * signal to be emitted once the mutex is released. */
static guint
shoal_lock_manager_resolve_locked (ShoalLockManager *self,
                                   GPtrArray *detected)
{
  guint broken = 0;

  for (;;)
    {
      Graph graph;
      g_autoptr (GPtrArray) cycles = NULL;
      GArray *cycle;
      Waiter *victim;
      Detected *record;

      graph_build_locked (self, &graph);
      cycles = graph_find_cycles (&graph, 1);
      if (cycles->len == 0)
        {
          graph_clear (&graph);
          break;
        }

      cycle = g_ptr_array_index (cycles, 0);
      victim = g_array_index (cycle, Edge, 0).waiter;
      record = g_new0 (Detected, 1);
      record->cycle = cycle_to_strv (&graph, cycle);
      record->message = cycle_describe (&graph, cycle);
      g_ptr_array_add (detected, record);
      graph_clear (&graph);

      g_debug ("%s", record->message);
      victim->state = WAITER_FAILED;
      victim->error = g_error_new_literal (SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_DEADLOCK, record->message);
      shoal_lock_manager_drop_waiter_locked (self, victim);
      broken++;
    }
  return broken;
}

static void
shoal_lock_manager_emit_detected (ShoalLockManager *self,
                                  GPtrArray *detected)
{
  for (guint i = 0; i < detected->len; i++)
    {
      Detected *record = g_ptr_array_index (detected, i);

      g_signal_emit (self, signals[SIGNAL_DEADLOCK_DETECTED], 0, record->cycle, record->message);
    }
}

/* --- GObject ---------------------------------------------------------------- */

static void
shoal_lock_manager_dispose (GObject *object)
{
  ShoalLockManager *self = SHOAL_LOCK_MANAGER (object);

  g_mutex_lock (&self->mutex);
  self->disposed = TRUE;
  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *resource = g_ptr_array_index (self->resource_order, i);
      GList *link;

      while ((link = g_queue_pop_head_link (&resource->waiters)) != NULL)
        {
          Waiter *waiter = link->data;

          waiter->state = WAITER_FAILED;
          waiter->error = g_error_new (SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_CANCELLED,
                                       _ ("the lock manager was disposed while %s waited for '%s'"),
                                       waiter->holder_id, resource->id);
        }
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  G_OBJECT_CLASS (shoal_lock_manager_parent_class)->dispose (object);
}

static void
shoal_lock_manager_finalize (GObject *object)
{
  ShoalLockManager *self = SHOAL_LOCK_MANAGER (object);

  g_ptr_array_unref (self->resource_order);
  g_hash_table_unref (self->resources);
  g_cond_clear (&self->cond);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (shoal_lock_manager_parent_class)->finalize (object);
}

static void
shoal_lock_manager_get_property (GObject *object,
                                 guint prop_id,
                                 GValue *value,
                                 GParamSpec *pspec)
{
  ShoalLockManager *self = SHOAL_LOCK_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DETECTION_INTERVAL:
      g_value_set_double (value, shoal_lock_manager_get_detection_interval (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_lock_manager_set_property (GObject *object,
                                 guint prop_id,
                                 const GValue *value,
                                 GParamSpec *pspec)
{
  ShoalLockManager *self = SHOAL_LOCK_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DETECTION_INTERVAL:
      shoal_lock_manager_set_detection_interval (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_lock_manager_class_init (ShoalLockManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = shoal_lock_manager_dispose;
  object_class->finalize = shoal_lock_manager_finalize;
  object_class->get_property = shoal_lock_manager_get_property;
  object_class->set_property = shoal_lock_manager_set_property;

  /**
   * ShoalLockManager:detection-interval:
   *
   * How often, in seconds, deadlock detection and resolution run while
   * someone waits; 0 turns the timer off (then only
   * [method@Shoal.LockManager.resolve_deadlocks] breaks deadlocks).
   */
  properties[PROP_DETECTION_INTERVAL] =
      g_param_spec_double ("detection-interval", NULL, NULL, 0, G_MAXDOUBLE, DEFAULT_DETECTION_INTERVAL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ShoalLockManager::deadlock-detected:
   * @self: the lock manager
   * @cycle: (array zero-terminated=1) (element-type utf8): the holder ids
   *   of the cycle, in wait-for order, starting with the waiter that gave
   *   way
   * @message: the cycle spelled out, as in the victim's error
   *
   * Emitted for each cycle the manager broke, by
   * [method@Shoal.LockManager.resolve_deadlocks] or by the timer, after the
   * victim was failed. It is emitted in the thread that broke the cycle,
   * which is any thread that called
   * [method@Shoal.LockManager.resolve_deadlocks] or is blocked in
   * [method@Shoal.LockManager.acquire], never with the manager's mutex held.
   */
  signals[SIGNAL_DEADLOCK_DETECTED] =
      g_signal_new ("deadlock-detected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_STRV, G_TYPE_STRING);
}

static void
shoal_lock_manager_init (ShoalLockManager *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->resources = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, resource_free);
  self->resource_order = g_ptr_array_new ();
  self->detection_interval = DEFAULT_DETECTION_INTERVAL;
}

/* --- Public API --------------------------------------------------------------- */

/**
 * shoal_lock_manager_new:
 *
 * A lock manager with no resources, detecting deadlocks every second.
 *
 * Returns: (transfer full): a new lock manager
 */
ShoalLockManager *
shoal_lock_manager_new (void)
{
  return g_object_new (SHOAL_TYPE_LOCK_MANAGER, NULL);
}

/**
 * shoal_lock_manager_get_detection_interval:
 * @self: a lock manager
 *
 * Returns: the [property@Shoal.LockManager:detection-interval], in seconds
 */
double
shoal_lock_manager_get_detection_interval (ShoalLockManager *self)
{
  double interval;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), 0);

  g_mutex_lock (&self->mutex);
  interval = self->detection_interval;
  g_mutex_unlock (&self->mutex);
  return interval;
}

/**
 * shoal_lock_manager_set_detection_interval:
 * @self: a lock manager
 * @seconds: how often deadlock detection runs while someone waits, or 0
 *   for never
 *
 * Sets the [property@Shoal.LockManager:detection-interval]. Threads already
 * waiting use the new interval from now on.
 */
void
shoal_lock_manager_set_detection_interval (ShoalLockManager *self,
                                           double seconds)
{
  gboolean changed;

  g_return_if_fail (SHOAL_IS_LOCK_MANAGER (self));
  g_return_if_fail (seconds >= 0);

  g_mutex_lock (&self->mutex);
  changed = self->detection_interval != seconds;
  self->detection_interval = seconds;
  if (changed)
    g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETECTION_INTERVAL]);
}

/**
 * shoal_lock_manager_register_resource:
 * @self: a lock manager
 * @resource_id: the resource's name
 * @resource_type: (nullable): what kind of resource it is
 *   (`database_table`), for reports; %NULL for `generic`
 * @exclusive: whether it has at most one holder; a non-exclusive resource
 *   can have any number of shared holders, or one exclusive holder
 * @error: return location for a #GError
 *
 * Registers a resource that holders can then acquire. Registering it again
 * with the same exclusivity changes nothing (the first type stays); with
 * another exclusivity it is an error, %SHOAL_LOCK_ERROR_INVALID.
 *
 * Returns: %TRUE if the resource is registered
 */
gboolean
shoal_lock_manager_register_resource (ShoalLockManager *self,
                                      const char *resource_id,
                                      const char *resource_type,
                                      gboolean exclusive,
                                      GError **error)
{
  Resource *resource;
  gboolean ok = TRUE;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  exclusive = !!exclusive;
  if (resource_id[0] == '\0')
    {
      g_set_error_literal (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                           _ ("a resource id cannot be empty"));
      return FALSE;
    }

  g_mutex_lock (&self->mutex);
  resource = g_hash_table_lookup (self->resources, resource_id);
  if (resource == NULL)
    {
      resource = resource_new (resource_id, resource_type != NULL ? resource_type : "generic", exclusive);
      g_hash_table_insert (self->resources, resource->id, resource);
      g_ptr_array_add (self->resource_order, resource);
    }
  else if (resource->exclusive != exclusive)
    {
      g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                   resource->exclusive ? _ ("resource '%s' is already registered as exclusive")
                                       : _ ("resource '%s' is already registered as non-exclusive"),
                   resource_id);
      ok = FALSE;
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/**
 * shoal_lock_manager_has_resource:
 * @self: a lock manager
 * @resource_id: a resource's name
 *
 * Returns: whether @resource_id is registered
 */
gboolean
shoal_lock_manager_has_resource (ShoalLockManager *self,
                                 const char *resource_id)
{
  gboolean found;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  found = g_hash_table_contains (self->resources, resource_id);
  g_mutex_unlock (&self->mutex);
  return found;
}

/**
 * shoal_lock_manager_is_exclusive:
 * @self: a lock manager
 * @resource_id: a resource's name
 *
 * Returns: whether @resource_id is registered as exclusive (%FALSE when it
 *   is not registered)
 */
gboolean
shoal_lock_manager_is_exclusive (ShoalLockManager *self,
                                 const char *resource_id)
{
  Resource *resource;
  gboolean exclusive;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  resource = g_hash_table_lookup (self->resources, resource_id);
  exclusive = resource != NULL && resource->exclusive;
  g_mutex_unlock (&self->mutex);
  return exclusive;
}

static void
wake_on_cancel (GCancellable *cancellable,
                gpointer user_data)
{
  ShoalLockManager *self = user_data;

  /* Taking the mutex orders this broadcast after the waiter's check of the
   * cancellable: it is either seen then or wakes the wait that follows. */
  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
set_timeout_error (Waiter *waiter,
                   double timeout,
                   GError **error)
{
  Resource *resource = waiter->resource;
  g_autofree char *holders = join_holders (resource);

  /* Without holders nobody can be ahead in the queue (the head would have
   * been granted); say so anyway rather than print an empty list. */
  if (resource->holders->len > 0)
    g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT,
                 _ ("timed out after %g s waiting for '%s' (held by %s)"), timeout, resource->id, holders);
  else
    g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_TIMEOUT,
                 _ ("timed out after %g s waiting for '%s' (not held; %d ahead in the queue)"), timeout,
                 resource->id, g_queue_link_index (&resource->waiters, &waiter->link));
}

/* Waits, the mutex held, until @waiter is granted or failed, its deadline
 * passes or @cancellable is cancelled; runs deadlock detection at the
 * manager's interval meanwhile. Returns whether it was granted. */
static gboolean
shoal_lock_manager_wait_locked (ShoalLockManager *self,
                                Waiter *waiter,
                                double timeout,
                                GCancellable *cancellable,
                                GPtrArray *detected,
                                GError **error)
{
  gint64 started = g_get_monotonic_time ();
  gint64 deadline = timeout < 0 || timeout >= FOREVER_SECONDS ? -1 : started + (gint64) (timeout * G_USEC_PER_SEC);

  for (;;)
    {
      gint64 now, wake = deadline;

      if (waiter->state == WAITER_GRANTED)
        return TRUE;
      if (waiter->state == WAITER_FAILED)
        {
          g_propagate_error (error, g_steal_pointer (&waiter->error));
          return FALSE;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          shoal_lock_manager_drop_waiter_locked (self, waiter);
          return FALSE;
        }

      now = g_get_monotonic_time ();
      if (deadline >= 0 && now >= deadline)
        {
          set_timeout_error (waiter, timeout, error);
          shoal_lock_manager_drop_waiter_locked (self, waiter);
          return FALSE;
        }

      if (self->detection_interval > 0 && self->detection_interval < FOREVER_SECONDS)
        {
          gint64 interval = (gint64) (self->detection_interval * G_USEC_PER_SEC);
          gint64 next_check = MAX (self->last_detection, started) + MAX (interval, 1);

          if (now >= next_check)
            {
              /* This waiter's turn to run the timer's detection; it may
               * itself be the victim, which the loop then sees. */
              self->last_detection = now;
              shoal_lock_manager_resolve_locked (self, detected);
              continue;
            }
          wake = deadline >= 0 ? MIN (deadline, next_check) : next_check;
        }

      if (wake < 0)
        g_cond_wait (&self->cond, &self->mutex);
      else
        g_cond_wait_until (&self->cond, &self->mutex, wake);
    }
}

/**
 * shoal_lock_manager_acquire:
 * @self: a lock manager
 * @holder_id: who takes the resource (a test id)
 * @resource_id: the resource's name
 * @mode: exclusive, shared, or as the resource was registered
 * @timeout: how long to wait, in seconds; 0 does not wait, a negative
 *   value waits for ever
 * @cancellable: (nullable): a #GCancellable to give up waiting
 * @error: return location for a #GError
 *
 * Takes @resource_id for @holder_id, blocking until it is granted. An
 * exclusive resource (or any resource taken with
 * %SHOAL_LOCK_MODE_EXCLUSIVE) has one holder at a time; a non-exclusive
 * one taken shared has any number of shared holders but none while it is
 * held exclusively. Waiters are served first come, first served.
 *
 * It fails with %SHOAL_LOCK_ERROR_TIMEOUT after @timeout, with a message
 * naming the resource and its holders; with %SHOAL_LOCK_ERROR_DEADLOCK when
 * the caller was chosen to break a deadlock (see
 * [method@Shoal.LockManager.resolve_deadlocks]); with
 * %G_IO_ERROR_CANCELLED when @cancellable is cancelled, as GIO calls do;
 * with %SHOAL_LOCK_ERROR_CANCELLED when the manager is disposed; with
 * %SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE for a resource never registered; and
 * with %SHOAL_LOCK_ERROR_INVALID when @holder_id already holds or awaits
 * @resource_id (locks are not recursive) or asks for a shared hold of an
 * exclusive resource.
 *
 * Returns: %TRUE if @holder_id now holds @resource_id; release it with
 *   [method@Shoal.LockManager.release]
 */
gboolean
shoal_lock_manager_acquire (ShoalLockManager *self,
                            const char *holder_id,
                            const char *resource_id,
                            ShoalLockMode mode,
                            double timeout,
                            GCancellable *cancellable,
                            GError **error)
{
  g_autoptr (ShoalLockManager) hold = NULL;
  g_autoptr (GPtrArray) detected = NULL;
  Resource *resource;
  Waiter waiter = { 0 };
  gulong cancel_handler = 0;
  gboolean exclusive;
  gboolean granted = FALSE;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (holder_id != NULL, FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);
  g_return_val_if_fail (mode == SHOAL_LOCK_MODE_DEFAULT || mode == SHOAL_LOCK_MODE_EXCLUSIVE ||
                            mode == SHOAL_LOCK_MODE_SHARED,
                        FALSE);
  g_return_val_if_fail (!isnan (timeout), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Whoever drops the last other reference while this thread waits must
   * not finalize the manager under it. */
  hold = g_object_ref (self);
  detected = g_ptr_array_new_with_free_func (detected_free);

  /* Connected before the mutex is taken: the handler runs at once when
   * the cancellable is already cancelled, and it takes the mutex. */
  if (cancellable != NULL)
    cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_on_cancel), self, NULL);

  g_mutex_lock (&self->mutex);

  if (!check_not_disposed_locked (self, error))
    goto out;
  resource = shoal_lock_manager_lookup_locked (self, resource_id, error);
  if (resource == NULL)
    goto out;

  if (mode == SHOAL_LOCK_MODE_SHARED && resource->exclusive)
    {
      g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                   _ ("resource '%s' is exclusive and cannot be taken shared"), resource->id);
      goto out;
    }
  exclusive = mode == SHOAL_LOCK_MODE_DEFAULT ? resource->exclusive : mode == SHOAL_LOCK_MODE_EXCLUSIVE;

  if (resource_is_held_by (resource, holder_id))
    {
      g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                   _ ("%s already holds '%s'; locks are not recursive"), holder_id, resource->id);
      goto out;
    }
  if (resource_is_awaited_by (resource, holder_id))
    {
      g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                   _ ("%s is already waiting for '%s'"), holder_id, resource->id);
      goto out;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;

  if (g_queue_is_empty (&resource->waiters) && resource_admits (resource, exclusive))
    {
      resource_add_holder (resource, holder_id, exclusive);
      granted = TRUE;
      goto out;
    }

  waiter.holder_id = holder_id;
  waiter.resource = resource;
  waiter.exclusive = exclusive;
  waiter.seq = ++self->next_seq;
  waiter.state = WAITER_WAITING;
  waiter.link.data = &waiter;
  g_queue_push_tail_link (&resource->waiters, &waiter.link);

  granted = shoal_lock_manager_wait_locked (self, &waiter, timeout, cancellable, detected, error);

out:
  g_mutex_unlock (&self->mutex);

  if (cancel_handler != 0)
    g_cancellable_disconnect (cancellable, cancel_handler);
  shoal_lock_manager_emit_detected (self, detected);
  return granted;
}

/**
 * shoal_lock_manager_try_acquire_all:
 * @self: a lock manager
 * @holder_id: who takes the resources (a test id)
 * @resource_ids: (array zero-terminated=1): the resources' names; a name
 *   given twice counts once
 * @error: return location for a #GError
 *
 * Takes every resource of @resource_ids for @holder_id, each in the mode it
 * was registered with, or none of them, without waiting. A resource that
 * has queued waiters counts as busy: this never overtakes a waiting
 * thread. The scheduler uses it from its main loop to start a test only
 * when all it needs is free.
 *
 * Being busy is not an error: it returns %FALSE and leaves @error unset.
 * It is an error (and nothing is taken) when a resource is unknown
 * (%SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE), when @holder_id already holds one
 * of them (%SHOAL_LOCK_ERROR_INVALID), or after dispose
 * (%SHOAL_LOCK_ERROR_CANCELLED).
 *
 * Returns: %TRUE if @holder_id now holds all of @resource_ids
 */
gboolean
shoal_lock_manager_try_acquire_all (ShoalLockManager *self,
                                    const char *holder_id,
                                    const char *const *resource_ids,
                                    GError **error)
{
  g_autoptr (GPtrArray) wanted = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (holder_id != NULL, FALSE);
  g_return_val_if_fail (resource_ids != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  wanted = g_ptr_array_new ();

  g_mutex_lock (&self->mutex);

  if (!check_not_disposed_locked (self, error))
    goto out;

  for (guint i = 0; resource_ids[i] != NULL; i++)
    {
      Resource *resource = shoal_lock_manager_lookup_locked (self, resource_ids[i], error);

      if (resource == NULL)
        goto out;
      if (resource_is_held_by (resource, holder_id) || resource_is_awaited_by (resource, holder_id))
        {
          g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_INVALID,
                       resource_is_held_by (resource, holder_id)
                           ? _ ("%s already holds '%s'; locks are not recursive")
                           : _ ("%s is already waiting for '%s'"),
                       holder_id, resource->id);
          goto out;
        }
      if (!g_ptr_array_find (wanted, resource, NULL))
        g_ptr_array_add (wanted, resource);
    }

  for (guint i = 0; i < wanted->len; i++)
    {
      Resource *resource = g_ptr_array_index (wanted, i);

      if (!g_queue_is_empty (&resource->waiters) || !resource_admits (resource, resource->exclusive))
        goto out;
    }

  for (guint i = 0; i < wanted->len; i++)
    {
      Resource *resource = g_ptr_array_index (wanted, i);

      resource_add_holder (resource, holder_id, resource->exclusive);
    }
  ok = TRUE;

out:
  g_mutex_unlock (&self->mutex);
  return ok;
}

static void
shoal_lock_manager_remove_holder_locked (ShoalLockManager *self,
                                         Resource *resource,
                                         guint index)
{
  g_ptr_array_remove_index (resource->holders, index);
  if (resource->holders->len == 0)
    resource->held_exclusive = FALSE;
  if (resource_grant_waiters (resource))
    g_cond_broadcast (&self->cond);
}

/**
 * shoal_lock_manager_release:
 * @self: a lock manager
 * @holder_id: who holds the resource
 * @resource_id: the resource's name
 * @error: return location for a #GError
 *
 * Releases @holder_id's hold on @resource_id and hands the resource to the
 * waiters next in line.
 *
 * Returns: %TRUE if it was held and is released; %FALSE with
 *   %SHOAL_LOCK_ERROR_NOT_HELD when @holder_id does not hold it, or
 *   %SHOAL_LOCK_ERROR_UNKNOWN_RESOURCE
 */
gboolean
shoal_lock_manager_release (ShoalLockManager *self,
                            const char *holder_id,
                            const char *resource_id,
                            GError **error)
{
  Resource *resource;
  gboolean ok = FALSE;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), FALSE);
  g_return_val_if_fail (holder_id != NULL, FALSE);
  g_return_val_if_fail (resource_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->mutex);
  resource = shoal_lock_manager_lookup_locked (self, resource_id, error);
  if (resource != NULL)
    {
      for (guint i = 0; i < resource->holders->len && !ok; i++)
        if (g_str_equal (g_ptr_array_index (resource->holders, i), holder_id))
          {
            shoal_lock_manager_remove_holder_locked (self, resource, i);
            ok = TRUE;
          }
      if (!ok)
        g_set_error (error, SHOAL_LOCK_ERROR, SHOAL_LOCK_ERROR_NOT_HELD,
                     _ ("%s does not hold '%s'"), holder_id, resource->id);
    }
  g_mutex_unlock (&self->mutex);
  return ok;
}

/**
 * shoal_lock_manager_release_all:
 * @self: a lock manager
 * @holder_id: a holder
 *
 * Releases every resource @holder_id holds. Waits of @holder_id in other
 * threads are left alone.
 *
 * Returns: how many resources were released
 */
guint
shoal_lock_manager_release_all (ShoalLockManager *self,
                                const char *holder_id)
{
  guint released = 0;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), 0);
  g_return_val_if_fail (holder_id != NULL, 0);

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *resource = g_ptr_array_index (self->resource_order, i);

      for (guint j = 0; j < resource->holders->len; j++)
        if (g_str_equal (g_ptr_array_index (resource->holders, j), holder_id))
          {
            shoal_lock_manager_remove_holder_locked (self, resource, j);
            released++;
            break;
          }
    }
  g_mutex_unlock (&self->mutex);
  return released;
}

/**
 * shoal_lock_manager_detect_deadlocks:
 * @self: a lock manager
 *
 * Lists the cycles of the wait-for graph as it is now, without breaking
 * them. Each cycle is the holder ids in wait-for order (each waits for the
 * next, the last for the first), starting with the youngest waiter, the
 * one [method@Shoal.LockManager.resolve_deadlocks] would fail. At most 64
 * cycles are listed.
 *
 * The cycles come as a #GVariant of type `aas` (a list of lists of
 * strings): a nested array that C, PyGObject (`.unpack()`) and gjs
 * (`.deepUnpack()`) all read, which a #GPtrArray of #GStrv is not for
 * PyGObject.
 *
 * Returns: (transfer full): the cycles, a non-floating `aas`, empty when
 *   there is no deadlock
 */
GVariant *
shoal_lock_manager_detect_deadlocks (ShoalLockManager *self)
{
  g_autoptr (GPtrArray) cycles = NULL;
  GVariantBuilder builder;
  Graph graph;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aas"));

  g_mutex_lock (&self->mutex);
  graph_build_locked (self, &graph);
  cycles = graph_find_cycles (&graph, MAX_CYCLES);
  for (guint i = 0; i < cycles->len; i++)
    {
      g_auto (GStrv) cycle = cycle_to_strv (&graph, g_ptr_array_index (cycles, i));

      g_variant_builder_add (&builder, "^as", cycle);
    }
  graph_clear (&graph);
  g_mutex_unlock (&self->mutex);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * shoal_lock_manager_resolve_deadlocks:
 * @self: a lock manager
 *
 * Breaks every cycle of the wait-for graph: in each, the youngest waiter
 * (the one that started waiting last) gives way. Its
 * [method@Shoal.LockManager.acquire] returns %FALSE with
 * %SHOAL_LOCK_ERROR_DEADLOCK and a message spelling the cycle, naming each
 * holder and resource in it; it keeps what it already held, which it is
 * expected to release. [signal@Shoal.LockManager::deadlock-detected] is
 * emitted for each cycle, from this thread.
 *
 * Returns: how many cycles were broken
 */
guint
shoal_lock_manager_resolve_deadlocks (ShoalLockManager *self)
{
  g_autoptr (GPtrArray) detected = NULL;
  g_autoptr (ShoalLockManager) hold = NULL;
  guint broken;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), 0);

  hold = g_object_ref (self);
  detected = g_ptr_array_new_with_free_func (detected_free);

  g_mutex_lock (&self->mutex);
  broken = shoal_lock_manager_resolve_locked (self, detected);
  g_mutex_unlock (&self->mutex);

  shoal_lock_manager_emit_detected (self, detected);
  return broken;
}

/**
 * shoal_lock_manager_get_holders:
 * @self: a lock manager
 * @resource_id: a resource's name
 *
 * Returns: (transfer full) (nullable): the holders of @resource_id, in the
 *   order they got it, or %NULL when it is not registered
 */
GStrv
shoal_lock_manager_get_holders (ShoalLockManager *self,
                                const char *resource_id)
{
  Resource *resource;
  GStrv holders = NULL;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), NULL);
  g_return_val_if_fail (resource_id != NULL, NULL);

  g_mutex_lock (&self->mutex);
  resource = g_hash_table_lookup (self->resources, resource_id);
  if (resource != NULL)
    {
      holders = g_new0 (char *, resource->holders->len + 1);
      for (guint i = 0; i < resource->holders->len; i++)
        holders[i] = g_strdup (g_ptr_array_index (resource->holders, i));
    }
  g_mutex_unlock (&self->mutex);
  return holders;
}

/**
 * shoal_lock_manager_get_held:
 * @self: a lock manager
 * @holder_id: a holder
 *
 * Returns: (transfer full): the resources @holder_id holds, in
 *   registration order
 */
GStrv
shoal_lock_manager_get_held (ShoalLockManager *self,
                             const char *holder_id)
{
  GStrvBuilder *builder;
  GStrv held;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), NULL);
  g_return_val_if_fail (holder_id != NULL, NULL);

  builder = g_strv_builder_new ();
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *resource = g_ptr_array_index (self->resource_order, i);

      if (resource_is_held_by (resource, holder_id))
        g_strv_builder_add (builder, resource->id);
    }
  g_mutex_unlock (&self->mutex);
  held = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return held;
}

/**
 * shoal_lock_manager_get_waiting:
 * @self: a lock manager
 * @resource_id: a resource's name
 *
 * Returns: how many requests wait for @resource_id (0 when it is not
 *   registered)
 */
guint
shoal_lock_manager_get_waiting (ShoalLockManager *self,
                                const char *resource_id)
{
  Resource *resource;
  guint waiting = 0;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), 0);
  g_return_val_if_fail (resource_id != NULL, 0);

  g_mutex_lock (&self->mutex);
  resource = g_hash_table_lookup (self->resources, resource_id);
  if (resource != NULL)
    waiting = g_queue_get_length (&resource->waiters);
  g_mutex_unlock (&self->mutex);
  return waiting;
}

/**
 * shoal_lock_manager_get_status:
 * @self: a lock manager
 *
 * A snapshot of every resource, for reports: a dictionary (`a{sa{sv}}`)
 * from resource id to a dictionary with `type` (s), `exclusive` (b),
 * `mode` (s: `free`, `shared` or `exclusive`), `holders` (as), `waiting`
 * (u, how many wait) and `waiters` (as, who waits, first in line first).
 * From Python, `.unpack()` gives nested dicts.
 *
 * Returns: (transfer full): the status, a non-floating `a{sa{sv}}`
 */
GVariant *
shoal_lock_manager_get_status (ShoalLockManager *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (SHOAL_IS_LOCK_MANAGER (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->resource_order->len; i++)
    {
      Resource *resource = g_ptr_array_index (self->resource_order, i);
      GVariantBuilder entry, holders, waiters;
      const char *mode = resource->holders->len == 0 ? "free" : resource->held_exclusive ? "exclusive"
                                                                                         : "shared";

      g_variant_builder_init (&holders, G_VARIANT_TYPE_STRING_ARRAY);
      for (guint j = 0; j < resource->holders->len; j++)
        g_variant_builder_add (&holders, "s", g_ptr_array_index (resource->holders, j));
      g_variant_builder_init (&waiters, G_VARIANT_TYPE_STRING_ARRAY);
      for (GList *l = resource->waiters.head; l != NULL; l = l->next)
        g_variant_builder_add (&waiters, "s", ((Waiter *) l->data)->holder_id);

      g_variant_builder_init (&entry, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&entry, "{sv}", "type", g_variant_new_string (resource->type));
      g_variant_builder_add (&entry, "{sv}", "exclusive", g_variant_new_boolean (resource->exclusive));
      g_variant_builder_add (&entry, "{sv}", "mode", g_variant_new_string (mode));
      g_variant_builder_add (&entry, "{sv}", "holders", g_variant_builder_end (&holders));
      g_variant_builder_add (&entry, "{sv}", "waiting",
                             g_variant_new_uint32 (g_queue_get_length (&resource->waiters)));
      g_variant_builder_add (&entry, "{sv}", "waiters", g_variant_builder_end (&waiters));
      g_variant_builder_add (&builder, "{s@a{sv}}", resource->id, g_variant_builder_end (&entry));
    }
  g_mutex_unlock (&self->mutex);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}
