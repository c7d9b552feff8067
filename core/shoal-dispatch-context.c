/* shoal-dispatch-context.c: what a strategy may ask the scheduler
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

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
struct _ShoalDispatchContext
{
  GObject parent_instance;

  /* Recorded estimates: id -> position + 1 in estimate_values; the ids are
   * copied into one string chunk, so recording one allocates nothing of
   * its own. */
  GHashTable *estimate_index;
  GArray *estimate_values; /* double */
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

G_DEFINE_FINAL_TYPE (ShoalDispatchContext, shoal_dispatch_context, G_TYPE_OBJECT)

static void
shoal_dispatch_context_finalize (GObject *object)
{
  ShoalDispatchContext *self = SHOAL_DISPATCH_CONTEXT (object);

  g_hash_table_unref (self->estimate_index);
  g_array_unref (self->estimate_values);
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
  self->estimate_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->estimate_values = g_array_new (FALSE, FALSE, sizeof (double));
  self->estimate_ids = g_string_chunk_new (4096);
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
  GHashTableIter iter;
  gpointer id, position;

  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), NULL);

  copy = shoal_dispatch_context_new (n_workers > 0 ? n_workers : self->n_workers,
                                     self->default_estimate);
  g_hash_table_iter_init (&iter, self->estimate_index);
  while (g_hash_table_iter_next (&iter, &id, &position))
    g_hash_table_insert (copy->estimate_index, g_string_chunk_insert (copy->estimate_ids, id),
                         position);
  g_array_append_vals (copy->estimate_values, self->estimate_values->data,
                       self->estimate_values->len);
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
  double own;

  if (g_hash_table_size (self->estimate_index) > 0)
    {
      guint position = GPOINTER_TO_UINT (
          g_hash_table_lookup (self->estimate_index, shoal_test_case_get_id (test)));

      if (position != 0)
        return g_array_index (self->estimate_values, double, position - 1);
    }
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
  guint position;

  g_return_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self));
  g_return_if_fail (test_id != NULL);

  position = GPOINTER_TO_UINT (g_hash_table_lookup (self->estimate_index, test_id));
  if (position != 0)
    g_array_index (self->estimate_values, double, position - 1) = seconds;
  else
    {
      g_array_append_val (self->estimate_values, seconds);
      g_hash_table_insert (self->estimate_index,
                           g_string_chunk_insert (self->estimate_ids, test_id),
                           GUINT_TO_POINTER (self->estimate_values->len));
    }
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
