/* shoal-dispatch-context.c: what a strategy may ask the scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-dispatch-context.h"

/**
 * ShoalDispatchContext:
 *
 * The view of the run a [iface@Shoal.Strategy] works with: the number of
 * workers, duration estimates (from history, else the test's own, else a
 * default), the dependency graph of the tests
 * ([method@Shoal.DispatchContext.get_graph], built once per plan) and
 * whether a test's resources allow it to start now. The scheduler owns it;
 * `shoal plan` builds one without a scheduler.
 *
 * It is used from the main loop only.
 */
/* A slot of the index: the id's hash beside its position + 1 (0 is
 * empty), so that passing over a slot costs one cache line. */
typedef struct
{
  guint32 hash;
  guint32 position;
} EstimateSlot;

struct _ShoalDispatchContext
{
  GObject parent_instance;

  /* Recorded estimates, in the order they were recorded, and an index on
   * their ids (open addressing: a slot holds a position + 1, 0 is empty).
   * The ids are copied into one string chunk, so recording an estimate
   * allocates nothing of its own. Tests are usually estimated in the order
   * their estimates were recorded: the position after the last one found
   * is tried before hashing. */
  GArray *estimates; /* Estimate */
  EstimateSlot *slots;
  guint32 slot_mask;
  guint cursor;
  GStringChunk *estimate_ids;
  guint64 estimates_serial; /* changes with every recorded estimate */

  ShoalTestGraph *graph; /* the last one built, for these estimates: */
  guint64 graph_serial;

  ShoalAdmitFunc admit;
  gpointer admit_data;
  GDestroyNotify admit_destroy;
  double default_estimate;
  guint n_workers;
};

typedef struct
{
  const char *id; /* in estimate_ids */
  guint32 hash;
  double seconds;
} Estimate;

G_DEFINE_FINAL_TYPE (ShoalDispatchContext, shoal_dispatch_context, G_TYPE_OBJECT)

static void
shoal_dispatch_context_finalize (GObject *object)
{
  ShoalDispatchContext *self = SHOAL_DISPATCH_CONTEXT (object);

  g_array_unref (self->estimates);
  g_free (self->slots);
  g_string_chunk_free (self->estimate_ids);
  g_clear_object (&self->graph);
  if (self->admit_destroy != NULL)
    self->admit_destroy (self->admit_data);

  G_OBJECT_CLASS (shoal_dispatch_context_parent_class)->finalize (object);
}

static void
shoal_dispatch_context_class_init (ShoalDispatchContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_dispatch_context_finalize;
}

static void
shoal_dispatch_context_init (ShoalDispatchContext *self)
{
  self->estimates = g_array_new (FALSE, FALSE, sizeof (Estimate));
  self->estimate_ids = g_string_chunk_new (4096);
}

/* g_str_hash of similar ids (`suite::t0001`, `suite::t0002`) differ in
 * their low bits only, which piles them up in neighbouring slots: the
 * table indexes a mix of all the bits (murmur3's finaliser). */
static inline guint32
id_hash (const char *id)
{
  guint32 h = g_str_hash (id);

  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/* The slot of @id: where it is, or the empty one where it would go. */
static guint32
find_slot (ShoalDispatchContext *self,
           const char *id,
           guint32 hash)
{
  guint32 slot = hash & self->slot_mask;

  while (self->slots[slot].position != 0)
    {
      if (self->slots[slot].hash == hash &&
          strcmp (g_array_index (self->estimates, Estimate, self->slots[slot].position - 1).id,
                  id) == 0)
        break;
      slot = (slot + 1) & self->slot_mask;
    }
  return slot;
}

/* The recorded estimate of @id, or NULL. */
static Estimate *
find_estimate (ShoalDispatchContext *self,
               const char *id)
{
  Estimate *estimates = (Estimate *) (void *) self->estimates->data;
  guint32 slot;

  if (self->estimates->len == 0)
    return NULL;
  if (self->cursor < self->estimates->len && strcmp (estimates[self->cursor].id, id) == 0)
    return &estimates[self->cursor++];
  slot = find_slot (self, id, id_hash (id));
  if (self->slots[slot].position == 0)
    return NULL;
  self->cursor = self->slots[slot].position;
  return &estimates[self->slots[slot].position - 1];
}

/* Keeps the index at most half full. */
static void
grow_slots (ShoalDispatchContext *self)
{
  guint32 size = self->slot_mask + 1;

  if (self->slots != NULL && 2 * (guint64) (self->estimates->len + 1) <= size)
    return;
  size = MAX (size * 2, 64);
  g_free (self->slots);
  self->slots = g_new0 (EstimateSlot, size);
  self->slot_mask = size - 1;
  for (guint i = 0; i < self->estimates->len; i++)
    {
      guint32 hash = g_array_index (self->estimates, Estimate, i).hash;
      guint32 slot = hash & self->slot_mask;

      while (self->slots[slot].position != 0)
        slot = (slot + 1) & self->slot_mask;
      self->slots[slot] = (EstimateSlot){ hash, i + 1 };
    }
}

static void
record_estimate (ShoalDispatchContext *self,
                 const char *id,
                 double seconds)
{
  guint32 hash = id_hash (id);
  guint32 slot;
  Estimate estimate;

  grow_slots (self);
  slot = find_slot (self, id, hash);
  if (self->slots[slot].position != 0)
    {
      g_array_index (self->estimates, Estimate, self->slots[slot].position - 1).seconds = seconds;
      return;
    }
  estimate = (Estimate){ g_string_chunk_insert (self->estimate_ids, id), hash, seconds };
  g_array_append_val (self->estimates, estimate);
  self->slots[slot] = (EstimateSlot){ hash, self->estimates->len };
}

/**
 * shoal_dispatch_context_new:
 * @n_workers: the number of worker slots
 * @default_estimate: seconds assumed for a test nothing is known about
 *
 * Returns: (transfer full): a new context in which every test can start
 */
ShoalDispatchContext *
shoal_dispatch_context_new (guint n_workers,
                            double default_estimate)
{
  ShoalDispatchContext *self = g_object_new (SHOAL_TYPE_DISPATCH_CONTEXT, NULL);

  self->n_workers = MAX (n_workers, 1);
  self->default_estimate = default_estimate > 0 ? default_estimate : 1.0;
  return self;
}

/**
 * shoal_dispatch_context_get_n_workers:
 * @self: a context
 *
 * Returns: the number of worker slots
 */
guint
shoal_dispatch_context_get_n_workers (ShoalDispatchContext *self)
{
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), 1);
  return self->n_workers;
}

/**
 * shoal_dispatch_context_copy:
 * @self: a context
 * @n_workers: the number of worker slots of the copy, or 0 for as many as
 *   @self
 *
 * A context with the same estimates (and the same graph, once built) for
 * another number of workers, to plan for it. Every test can start in the
 * copy: the admission function stays with @self.
 *
 * Returns: (transfer full): a new context
 */
ShoalDispatchContext *
shoal_dispatch_context_copy (ShoalDispatchContext *self,
                             guint n_workers)
{
  ShoalDispatchContext *copy;

  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), NULL);

  copy = shoal_dispatch_context_new (n_workers > 0 ? n_workers : self->n_workers,
                                     self->default_estimate);
  for (guint i = 0; i < self->estimates->len; i++)
    {
      const Estimate *estimate = &g_array_index (self->estimates, Estimate, i);

      record_estimate (copy, estimate->id, estimate->seconds);
    }
  if (self->graph != NULL && self->graph_serial == self->estimates_serial)
    copy->graph = g_object_ref (self->graph);
  return copy;
}

/**
 * shoal_dispatch_context_get_default_estimate:
 * @self: a context
 *
 * Returns: the seconds assumed for a test nothing is known about
 */
double
shoal_dispatch_context_get_default_estimate (ShoalDispatchContext *self)
{
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), 1.0);
  return self->default_estimate;
}

static inline double
estimate_of (ShoalDispatchContext *self,
             ShoalTestCase *test)
{
  const Estimate *known = find_estimate (self, shoal_test_case_get_id (test));
  double own;

  if (known != NULL)
    return known->seconds;
  own = shoal_test_case_get_estimated_duration (test);
  return own > 0 ? own : self->default_estimate;
}

/**
 * shoal_dispatch_context_estimate:
 * @self: a context
 * @test: a test
 *
 * The expected duration of @test: a recorded estimate, else the test's own
 * estimated duration, else the default. Strategies that look at many tests
 * read them from the graph ([method@Shoal.TestGraph.get_estimates]), which
 * holds them by index.
 *
 * Returns: seconds
 */
double
shoal_dispatch_context_estimate (ShoalDispatchContext *self,
                                 ShoalTestCase *test)
{
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), 1.0);
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), 1.0);

  return estimate_of (self, test);
}

/**
 * shoal_dispatch_context_set_estimate:
 * @self: a context
 * @test_id: a test id
 * @seconds: its expected duration
 *
 * Records an estimate (from history).
 */
void
shoal_dispatch_context_set_estimate (ShoalDispatchContext *self,
                                     const char *test_id,
                                     double seconds)
{
  g_return_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self));
  g_return_if_fail (test_id != NULL);

  record_estimate (self, test_id, seconds);
  self->estimates_serial++;
}

/**
 * shoal_dispatch_context_get_graph:
 * @self: a context
 * @tests: (element-type ShoalTestCase): the tests to plan or run
 * @error: return location for a #GError
 *
 * The dependency graph of @tests with this context's estimates
 * ([method@Shoal.DispatchContext.estimate]). The context keeps the last
 * graph it built and returns it again while the tests (the same objects,
 * in the same order) and the estimates stay the same, so the strategy's
 * plan, the lower bound and the run share one.
 *
 * Returns: (transfer full): the graph, or %NULL with @error set when the
 *   tests depend on each other in a cycle
 */
ShoalTestGraph *
shoal_dispatch_context_get_graph (ShoalDispatchContext *self,
                                  GPtrArray *tests,
                                  GError **error)
{
  g_autofree double *estimates = NULL;
  ShoalTestGraph *graph;

  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), NULL);
  g_return_val_if_fail (tests != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->graph != NULL && self->graph_serial == self->estimates_serial &&
      shoal_test_graph_matches (self->graph, tests))
    return g_object_ref (self->graph);

  estimates = g_new (double, MAX (tests->len, 1));
  for (guint i = 0; i < tests->len; i++)
    {
      g_return_val_if_fail (SHOAL_IS_TEST_CASE (tests->pdata[i]), NULL);
      estimates[i] = estimate_of (self, tests->pdata[i]);
    }
  graph = shoal_test_graph_new (tests, estimates, tests->len, error);
  if (graph == NULL)
    return NULL;
  g_set_object (&self->graph, graph);
  self->graph_serial = self->estimates_serial;
  return graph;
}

/**
 * shoal_dispatch_context_can_start:
 * @self: a context
 * @test: a ready test
 * @worker_id: (nullable): the worker that would run it
 *
 * Returns: %TRUE if @test's resources allow it to start now
 */
gboolean
shoal_dispatch_context_can_start (ShoalDispatchContext *self,
                                  ShoalTestCase *test,
                                  const char *worker_id)
{
  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), FALSE);

  return self->admit == NULL || self->admit (test, worker_id, self->admit_data);
}

/**
 * shoal_dispatch_context_set_admit_func:
 * @self: a context
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy): decides
 *   whether a test can start now
 * @user_data: data for @func
 * @destroy: frees @user_data
 *
 * Sets what [method@Shoal.DispatchContext.can_start] asks; the scheduler
 * installs its resource check here.
 */
void
shoal_dispatch_context_set_admit_func (ShoalDispatchContext *self,
                                       ShoalAdmitFunc func,
                                       gpointer user_data,
                                       GDestroyNotify destroy)
{
  g_return_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self));

  if (self->admit_destroy != NULL)
    self->admit_destroy (self->admit_data);
  self->admit = func;
  self->admit_data = user_data;
  self->admit_destroy = destroy;
}
