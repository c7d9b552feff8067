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
 * default) and whether a test's resources allow it to start now. The
 * scheduler owns it; `shoal plan` builds one without a scheduler.
 *
 * It is used from the main loop only.
 */
struct _ShoalDispatchContext
{
  GObject parent_instance;

  GHashTable *estimates;
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

  g_hash_table_unref (self->estimates);
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
  self->estimates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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
 * shoal_dispatch_context_estimate:
 * @self: a context
 * @test: a test
 *
 * The expected duration of @test: a recorded estimate, else the test's own
 * estimated duration, else the default.
 *
 * Returns: seconds
 */
double
shoal_dispatch_context_estimate (ShoalDispatchContext *self,
                                 ShoalTestCase *test)
{
  const double *known;
  double own;

  g_return_val_if_fail (SHOAL_IS_DISPATCH_CONTEXT (self), 1.0);
  g_return_val_if_fail (SHOAL_IS_TEST_CASE (test), 1.0);

  known = g_hash_table_lookup (self->estimates, shoal_test_case_get_id (test));
  if (known != NULL)
    return *known;
  own = shoal_test_case_get_estimated_duration (test);
  return own > 0 ? own : self->default_estimate;
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

  g_hash_table_insert (self->estimates, g_strdup (test_id), g_memdup2 (&seconds, sizeof seconds));
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
