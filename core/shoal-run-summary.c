/* shoal-run-summary.c: the totals of a finished run
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-run-summary.h"

/**
 * ShoalRunSummary:
 *
 * The totals of a run, as the seed's `results` object has them
 * (`total_tests`, `passed_tests`, `execution_time`, ...), the results
 * themselves, and the exit status `shoal run` ends with: 0 when every test
 * passed or was skipped, 1 when some test did not pass, 130 when the run was
 * interrupted.
 */
struct _ShoalRunSummary
{
  GObject parent_instance;

  char *run_id;
  char *run_dir;
  GPtrArray *results;
  guint counts[SHOAL_OUTCOME_ERROR + 1];
  guint n_retried;
  guint n_flaky;
  guint n_quarantined;
  guint n_quarantined_failures;
  double execution_time;
  gboolean interrupted;
};

G_DEFINE_FINAL_TYPE (ShoalRunSummary, shoal_run_summary, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_TOTAL_TESTS,
  PROP_PASSED_TESTS,
  PROP_FAILED_TESTS,
  PROP_SKIPPED_TESTS,
  PROP_EXECUTION_TIME,
  N_PROPS,
};

static GParamSpec *properties[N_PROPS];

static void
shoal_run_summary_finalize (GObject *object)
{
  ShoalRunSummary *self = SHOAL_RUN_SUMMARY (object);

  g_free (self->run_id);
  g_free (self->run_dir);
  g_ptr_array_unref (self->results);

  G_OBJECT_CLASS (shoal_run_summary_parent_class)->finalize (object);
}

static void
shoal_run_summary_get_property (GObject *object,
                                guint prop_id,
                                GValue *value,
                                GParamSpec *pspec)
{
  ShoalRunSummary *self = SHOAL_RUN_SUMMARY (object);

  switch (prop_id)
    {
    case PROP_TOTAL_TESTS:
      g_value_set_uint (value, shoal_run_summary_get_total_tests (self));
      break;
    case PROP_PASSED_TESTS:
      g_value_set_uint (value, shoal_run_summary_get_passed_tests (self));
      break;
    case PROP_FAILED_TESTS:
      g_value_set_uint (value, shoal_run_summary_get_failed_tests (self));
      break;
    case PROP_SKIPPED_TESTS:
      g_value_set_uint (value, shoal_run_summary_get_skipped_tests (self));
      break;
    case PROP_EXECUTION_TIME:
      g_value_set_double (value, self->execution_time);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_run_summary_class_init (ShoalRunSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_run_summary_finalize;
  object_class->get_property = shoal_run_summary_get_property;

  /**
   * ShoalRunSummary:total-tests:
   *
   * The number of results.
   */
  properties[PROP_TOTAL_TESTS] = g_param_spec_uint ("total-tests", NULL, NULL, 0, G_MAXUINT, 0,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalRunSummary:passed-tests:
   *
   * The number of passed results.
   */
  properties[PROP_PASSED_TESTS] = g_param_spec_uint ("passed-tests", NULL, NULL, 0, G_MAXUINT, 0,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalRunSummary:failed-tests:
   *
   * The number of results that did not pass and were not skipped.
   */
  properties[PROP_FAILED_TESTS] = g_param_spec_uint ("failed-tests", NULL, NULL, 0, G_MAXUINT, 0,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalRunSummary:skipped-tests:
   *
   * The number of skipped results.
   */
  properties[PROP_SKIPPED_TESTS] = g_param_spec_uint ("skipped-tests", NULL, NULL, 0, G_MAXUINT,
                                                      0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * ShoalRunSummary:execution-time:
   *
   * The run's wall time in seconds.
   */
  properties[PROP_EXECUTION_TIME] = g_param_spec_double ("execution-time", NULL, NULL, 0,
                                                         G_MAXDOUBLE, 0,
                                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_run_summary_init (ShoalRunSummary *self)
{
  self->results = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * shoal_run_summary_new:
 * @run_id: the run's id
 *
 * Returns: (transfer full): an empty summary
 */
ShoalRunSummary *
shoal_run_summary_new (const char *run_id)
{
  ShoalRunSummary *self = g_object_new (SHOAL_TYPE_RUN_SUMMARY, NULL);

  self->run_id = g_strdup (run_id);
  return self;
}

/**
 * shoal_run_summary_add_result:
 * @self: a summary
 * @result: a result (the summary keeps a reference)
 *
 * Counts @result.
 */
void
shoal_run_summary_add_result (ShoalRunSummary *self,
                              ShoalTestResult *result)
{
  ShoalOutcome outcome;

  g_return_if_fail (SHOAL_IS_RUN_SUMMARY (self));
  g_return_if_fail (SHOAL_IS_TEST_RESULT (result));

  outcome = shoal_test_result_get_outcome (result);
  g_ptr_array_add (self->results, g_object_ref (result));
  /* A retried attempt is reported, but the test's last attempt is what
   * counts. */
  if (shoal_test_result_get_retried (result))
    {
      self->n_retried++;
      return;
    }
  if ((guint) outcome < G_N_ELEMENTS (self->counts))
    self->counts[outcome]++;
  if (shoal_test_result_get_flaky (result))
    self->n_flaky++;
  if (shoal_test_result_get_quarantined (result))
    {
      self->n_quarantined++;
      if (!shoal_outcome_is_success (outcome))
        self->n_quarantined_failures++;
    }
}

/**
 * shoal_run_summary_set_execution_time:
 * @self: a summary
 * @seconds: the run's wall time
 *
 * Sets the run's wall time.
 */
void
shoal_run_summary_set_execution_time (ShoalRunSummary *self,
                                      double seconds)
{
  g_return_if_fail (SHOAL_IS_RUN_SUMMARY (self));
  self->execution_time = seconds;
}

/**
 * shoal_run_summary_set_interrupted:
 * @self: a summary
 * @interrupted: whether the run was interrupted
 *
 * Records an interruption (SIGINT, SIGTERM, cancellation).
 */
void
shoal_run_summary_set_interrupted (ShoalRunSummary *self,
                                   gboolean interrupted)
{
  g_return_if_fail (SHOAL_IS_RUN_SUMMARY (self));
  self->interrupted = !!interrupted;
}

/**
 * shoal_run_summary_set_run_dir:
 * @self: a summary
 * @run_dir: (nullable) (type filename): where the run's events and logs are
 *
 * Records the run directory.
 */
void
shoal_run_summary_set_run_dir (ShoalRunSummary *self,
                               const char *run_dir)
{
  g_return_if_fail (SHOAL_IS_RUN_SUMMARY (self));
  g_free (self->run_dir);
  self->run_dir = g_strdup (run_dir);
}

/**
 * shoal_run_summary_get_run_id:
 * @self: a summary
 *
 * Returns: (transfer none) (nullable): the run's id
 */
const char *
shoal_run_summary_get_run_id (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), NULL);
  return self->run_id;
}

/**
 * shoal_run_summary_get_run_dir:
 * @self: a summary
 *
 * Returns: (transfer none) (nullable) (type filename): the run directory
 */
const char *
shoal_run_summary_get_run_dir (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), NULL);
  return self->run_dir;
}

/**
 * shoal_run_summary_get_total_tests:
 * @self: a summary
 *
 * Returns: the number of results
 */
guint
shoal_run_summary_get_total_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->results->len - self->n_retried;
}

/**
 * shoal_run_summary_get_passed_tests:
 * @self: a summary
 *
 * Returns: the number of passed results
 */
guint
shoal_run_summary_get_passed_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->counts[SHOAL_OUTCOME_PASSED];
}

/**
 * shoal_run_summary_get_failed_tests:
 * @self: a summary
 *
 * Returns: the number of results that neither passed nor were skipped
 *   (failed, timeout, crashed, error)
 */
guint
shoal_run_summary_get_failed_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->counts[SHOAL_OUTCOME_FAILED] + self->counts[SHOAL_OUTCOME_TIMEOUT] +
         self->counts[SHOAL_OUTCOME_CRASHED] + self->counts[SHOAL_OUTCOME_ERROR];
}

/**
 * shoal_run_summary_get_skipped_tests:
 * @self: a summary
 *
 * Returns: the number of skipped results
 */
guint
shoal_run_summary_get_skipped_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->counts[SHOAL_OUTCOME_SKIPPED];
}

/**
 * shoal_run_summary_count:
 * @self: a summary
 * @outcome: an outcome
 *
 * Returns: the number of results with @outcome
 */
guint
shoal_run_summary_count (ShoalRunSummary *self,
                         ShoalOutcome outcome)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  g_return_val_if_fail ((guint) outcome < G_N_ELEMENTS (self->counts), 0);
  return self->counts[outcome];
}

/**
 * shoal_run_summary_get_execution_time:
 * @self: a summary
 *
 * Returns: the run's wall time in seconds
 */
double
shoal_run_summary_get_execution_time (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->execution_time;
}

/**
 * shoal_run_summary_get_interrupted:
 * @self: a summary
 *
 * Returns: whether the run was interrupted
 */
gboolean
shoal_run_summary_get_interrupted (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), FALSE);
  return self->interrupted;
}

/**
 * shoal_run_summary_get_results:
 * @self: a summary
 *
 * Returns: (transfer none) (element-type ShoalTestResult): every result, in
 *   the order they finished
 */
GPtrArray *
shoal_run_summary_get_results (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), NULL);
  return self->results;
}

/**
 * shoal_run_summary_get_flaky_tests:
 * @self: a summary
 *
 * Returns: the tests that passed only on a retry
 */
guint
shoal_run_summary_get_flaky_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->n_flaky;
}

/**
 * shoal_run_summary_get_quarantined_tests:
 * @self: a summary
 *
 * Returns: the quarantined tests that ran (they never fail the run)
 */
guint
shoal_run_summary_get_quarantined_tests (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->n_quarantined;
}

/**
 * shoal_run_summary_get_retried_attempts:
 * @self: a summary
 *
 * Returns: the attempts that did not pass and were run again
 */
guint
shoal_run_summary_get_retried_attempts (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 0);
  return self->n_retried;
}

/**
 * shoal_run_summary_get_exit_status:
 * @self: a summary
 *
 * Returns: 130 if interrupted, else 1 if some test did not pass, else 0
 */
int
shoal_run_summary_get_exit_status (ShoalRunSummary *self)
{
  g_return_val_if_fail (SHOAL_IS_RUN_SUMMARY (self), 1);

  if (self->interrupted)
    return 130;
  /* Quarantined tests never fail the run. */
  return shoal_run_summary_get_failed_tests (self) > self->n_quarantined_failures ? 1 : 0;
}
