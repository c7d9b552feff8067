/* shoal-test-result.c: how one attempt of one test ended
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"
#include "shoal-test-result.h"

/**
 * ShoalTestResult:
 *
 * The result of one attempt of one test: its outcome, exit status or signal,
 * timing, the worker it ran on, where its output was captured and a message
 * (why it failed, was skipped or errored).
 *
 * Adapters and the core fill a result in, then seal it before it enters the
 * event stream; from then on it is immutable and can cross threads.
 */
struct _ShoalTestResult
{
  GObject parent_instance;

  char *test_id;
  char *name;
  char *suite;
  char *worker_id;
  char *output_path;
  char *message;
  GStrv resources;
  gint64 start_time;
  gint64 end_time;
  double duration;
  gint64 peak_rss;
  ShoalOutcome outcome;
  int exit_status;
  int signum;
  guint attempt;
  gboolean retried;
  gboolean flaky;
  gboolean quarantined;
  gboolean sealed;
};

G_DEFINE_FINAL_TYPE (ShoalTestResult, shoal_test_result, G_TYPE_OBJECT)

static const char *const empty_strv[] = { NULL };

#define RETURN_IF_SEALED(self)                                                       \
  G_STMT_START                                                                       \
  {                                                                                  \
    if G_UNLIKELY ((self)->sealed)                                                   \
      {                                                                              \
        g_critical ("%s: the result of '%s' is sealed and cannot change", G_STRFUNC, \
                    (self)->test_id);                                                \
        return;                                                                      \
      }                                                                              \
  }                                                                                  \
  G_STMT_END

static void
shoal_test_result_finalize (GObject *object)
{
  ShoalTestResult *self = SHOAL_TEST_RESULT (object);

  g_free (self->test_id);
  g_free (self->name);
  g_free (self->suite);
  g_free (self->worker_id);
  g_free (self->output_path);
  g_free (self->message);
  g_strfreev (self->resources);

  G_OBJECT_CLASS (shoal_test_result_parent_class)->finalize (object);
}

static void
shoal_test_result_class_init (ShoalTestResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_test_result_finalize;
}

static void
shoal_test_result_init (ShoalTestResult *self)
{
  self->exit_status = -1;
  self->peak_rss = -1;
  self->attempt = 1;
}

/**
 * shoal_test_result_new:
 * @test_id: the test's id
 * @outcome: how it ended
 *
 * Returns: (transfer full): a new, unsealed result
 */
ShoalTestResult *
shoal_test_result_new (const char *test_id,
                       ShoalOutcome outcome)
{
  ShoalTestResult *self;

  g_return_val_if_fail (test_id != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_TEST_RESULT, NULL);
  self->test_id = g_strdup (test_id);
  self->outcome = outcome;
  return self;
}

/**
 * shoal_test_result_copy:
 * @self: a result
 *
 * Returns: (transfer full): an unsealed copy of @self
 */
ShoalTestResult *
shoal_test_result_copy (ShoalTestResult *self)
{
  ShoalTestResult *copy;

  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), NULL);

  copy = shoal_test_result_new (self->test_id, self->outcome);
  copy->name = g_strdup (self->name);
  copy->suite = g_strdup (self->suite);
  copy->worker_id = g_strdup (self->worker_id);
  copy->output_path = g_strdup (self->output_path);
  copy->message = g_strdup (self->message);
  copy->resources = g_strdupv (self->resources);
  copy->start_time = self->start_time;
  copy->end_time = self->end_time;
  copy->duration = self->duration;
  copy->peak_rss = self->peak_rss;
  copy->exit_status = self->exit_status;
  copy->signum = self->signum;
  copy->attempt = self->attempt;
  copy->retried = self->retried;
  copy->flaky = self->flaky;
  copy->quarantined = self->quarantined;
  return copy;
}

#define STRING_ACCESSORS(field, getter, setter)               \
  const char *getter (ShoalTestResult *self)                  \
  {                                                           \
    g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), NULL); \
    return self->field;                                       \
  }                                                           \
  void setter (ShoalTestResult *self, const char *value)      \
  {                                                           \
    g_return_if_fail (SHOAL_IS_TEST_RESULT (self));           \
    RETURN_IF_SEALED (self);                                  \
    if (self->field != value)                                 \
      {                                                       \
        g_free (self->field);                                 \
        self->field = g_strdup (value);                       \
      }                                                       \
  }

/**
 * shoal_test_result_get_test_id:
 * @self: a result
 *
 * Returns: (transfer none): the test's id
 */
const char *
shoal_test_result_get_test_id (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), NULL);
  return self->test_id;
}

/**
 * shoal_test_result_get_name:
 * @self: a result
 *
 * Returns: (transfer none) (nullable): the test's name
 */
/**
 * shoal_test_result_set_name:
 * @self: a result
 * @name: (nullable): the test's name
 *
 * Sets the test's name.
 */
STRING_ACCESSORS (name, shoal_test_result_get_name, shoal_test_result_set_name)

/**
 * shoal_test_result_get_suite:
 * @self: a result
 *
 * Returns: (transfer none) (nullable): the test's suite
 */
/**
 * shoal_test_result_set_suite:
 * @self: a result
 * @suite: (nullable): the test's suite
 *
 * Sets the test's suite.
 */
STRING_ACCESSORS (suite, shoal_test_result_get_suite, shoal_test_result_set_suite)

/**
 * shoal_test_result_get_worker_id:
 * @self: a result
 *
 * Returns: (transfer none) (nullable): the worker the attempt ran on
 */
/**
 * shoal_test_result_set_worker_id:
 * @self: a result
 * @worker_id: (nullable): a worker id
 *
 * Sets the worker the attempt ran on.
 */
STRING_ACCESSORS (worker_id, shoal_test_result_get_worker_id, shoal_test_result_set_worker_id)

/**
 * shoal_test_result_get_output_path:
 * @self: a result
 *
 * Returns: (transfer none) (nullable): the file holding the captured output
 */
/**
 * shoal_test_result_set_output_path:
 * @self: a result
 * @path: (nullable): a file path
 *
 * Sets the file holding the captured output.
 */
STRING_ACCESSORS (output_path, shoal_test_result_get_output_path, shoal_test_result_set_output_path)

/**
 * shoal_test_result_get_message:
 * @self: a result
 *
 * Returns: (transfer none) (nullable): why the test failed, skipped or errored
 */
/**
 * shoal_test_result_set_message:
 * @self: a result
 * @message: (nullable): a message for people
 *
 * Sets the message.
 */
STRING_ACCESSORS (message, shoal_test_result_get_message, shoal_test_result_set_message)

/**
 * shoal_test_result_get_outcome:
 * @self: a result
 *
 * Returns: how the attempt ended
 */
ShoalOutcome
shoal_test_result_get_outcome (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), SHOAL_OUTCOME_ERROR);
  return self->outcome;
}

/**
 * shoal_test_result_set_outcome:
 * @self: a result
 * @outcome: how the attempt ended
 *
 * Sets the outcome.
 */
void
shoal_test_result_set_outcome (ShoalTestResult *self,
                               ShoalOutcome outcome)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->outcome = outcome;
}

/**
 * shoal_test_result_get_exit_status:
 * @self: a result
 *
 * Returns: the exit status, or -1 when the process did not exit normally
 */
int
shoal_test_result_get_exit_status (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), -1);
  return self->exit_status;
}

/**
 * shoal_test_result_set_exit_status:
 * @self: a result
 * @exit_status: an exit status, or -1
 *
 * Sets the exit status.
 */
void
shoal_test_result_set_exit_status (ShoalTestResult *self,
                                   int exit_status)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->exit_status = exit_status;
}

/**
 * shoal_test_result_get_signal:
 * @self: a result
 *
 * Returns: the signal that ended the process, or 0
 */
int
shoal_test_result_get_signal (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), 0);
  return self->signum;
}

/**
 * shoal_test_result_set_signal:
 * @self: a result
 * @signum: a signal number, or 0
 *
 * Sets the signal that ended the process.
 */
void
shoal_test_result_set_signal (ShoalTestResult *self,
                              int signum)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->signum = signum;
}

/**
 * shoal_test_result_get_duration:
 * @self: a result
 *
 * Returns: the duration in seconds, measured on the monotonic clock
 */
double
shoal_test_result_get_duration (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), 0);
  return self->duration;
}

/**
 * shoal_test_result_set_duration:
 * @self: a result
 * @seconds: the duration
 *
 * Sets the duration.
 */
void
shoal_test_result_set_duration (ShoalTestResult *self,
                                double seconds)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->duration = seconds;
}

#define FLAG_ACCESSORS(field, getter, setter)                  \
  gboolean getter (ShoalTestResult *self)                      \
  {                                                            \
    g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), FALSE); \
    return self->field;                                        \
  }                                                            \
  void setter (ShoalTestResult *self, gboolean value)          \
  {                                                            \
    g_return_if_fail (SHOAL_IS_TEST_RESULT (self));            \
    RETURN_IF_SEALED (self);                                   \
    self->field = !!value;                                     \
  }

/**
 * shoal_test_result_get_retried:
 * @self: a result
 *
 * Returns: %TRUE if this attempt did not pass and the test ran again: it
 *   stays in the reports as an attempt, not as the test's result
 */
/**
 * shoal_test_result_set_retried:
 * @self: a result
 * @retried: whether the test ran again after this attempt
 *
 * Marks an attempt that was retried.
 */
FLAG_ACCESSORS (retried, shoal_test_result_get_retried, shoal_test_result_set_retried)

/**
 * shoal_test_result_get_flaky:
 * @self: a result
 *
 * Returns: %TRUE if the test passed after failed attempts in the same run
 */
/**
 * shoal_test_result_set_flaky:
 * @self: a result
 * @flaky: whether the test passed only after failed attempts
 *
 * Marks a flaky result.
 */
FLAG_ACCESSORS (flaky, shoal_test_result_get_flaky, shoal_test_result_set_flaky)

/**
 * shoal_test_result_get_quarantined:
 * @self: a result
 *
 * Returns: %TRUE if the test is quarantined: it ran and is reported, but
 *   never fails the run
 */
/**
 * shoal_test_result_set_quarantined:
 * @self: a result
 * @quarantined: whether the test is quarantined
 *
 * Marks the result of a quarantined test.
 */
FLAG_ACCESSORS (quarantined, shoal_test_result_get_quarantined, shoal_test_result_set_quarantined)

/**
 * shoal_test_result_fails_run:
 * @self: a result
 *
 * Whether the result makes the run fail: the test's last attempt did not
 * pass (or skip), and the test is not quarantined. Attempts that were
 * retried never do.
 *
 * Returns: %TRUE if it fails the run
 */
gboolean
shoal_test_result_fails_run (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), FALSE);
  return !self->retried && !self->quarantined && !shoal_outcome_is_success (self->outcome);
}

/**
 * shoal_test_result_get_peak_rss:
 * @self: a result
 *
 * Returns: the peak resident memory of the test's processes in bytes (of
 *   the whole process for tests that ran as a batch), or -1 if unknown
 */
gint64
shoal_test_result_get_peak_rss (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), -1);
  return self->peak_rss;
}

/**
 * shoal_test_result_set_peak_rss:
 * @self: a result
 * @bytes: peak resident memory in bytes, or -1 if unknown
 *
 * Sets the peak resident memory of the test's processes.
 */
void
shoal_test_result_set_peak_rss (ShoalTestResult *self,
                                gint64 bytes)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->peak_rss = bytes >= 0 ? bytes : -1;
}

/**
 * shoal_test_result_get_start_time:
 * @self: a result
 *
 * Returns: when the attempt started, in microseconds since the Unix epoch
 */
gint64
shoal_test_result_get_start_time (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), 0);
  return self->start_time;
}

/**
 * shoal_test_result_get_end_time:
 * @self: a result
 *
 * Returns: when the attempt ended, in microseconds since the Unix epoch
 */
gint64
shoal_test_result_get_end_time (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), 0);
  return self->end_time;
}

/**
 * shoal_test_result_set_times:
 * @self: a result
 * @start_time: microseconds since the Unix epoch
 * @end_time: microseconds since the Unix epoch
 *
 * Sets when the attempt started and ended (wall clock).
 */
void
shoal_test_result_set_times (ShoalTestResult *self,
                             gint64 start_time,
                             gint64 end_time)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  self->start_time = start_time;
  self->end_time = end_time;
}

/**
 * shoal_test_result_get_attempt:
 * @self: a result
 *
 * Returns: the attempt number, from 1
 */
guint
shoal_test_result_get_attempt (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), 1);
  return self->attempt;
}

/**
 * shoal_test_result_set_attempt:
 * @self: a result
 * @attempt: the attempt number, from 1
 *
 * Sets the attempt number.
 */
void
shoal_test_result_set_attempt (ShoalTestResult *self,
                               guint attempt)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  g_return_if_fail (attempt >= 1);
  RETURN_IF_SEALED (self);
  self->attempt = attempt;
}

/**
 * shoal_test_result_get_resources:
 * @self: a result
 *
 * Returns: (transfer none) (array zero-terminated=1): the resource instances
 *   the attempt held, as `pool:id`
 */
const char *const *
shoal_test_result_get_resources (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), empty_strv);
  return self->resources != NULL ? (const char *const *) self->resources : empty_strv;
}

/**
 * shoal_test_result_set_resources:
 * @self: a result
 * @resources: (array zero-terminated=1) (nullable): `pool:id` entries
 *
 * Records the resource instances the attempt held.
 */
void
shoal_test_result_set_resources (ShoalTestResult *self,
                                 const char *const *resources)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  RETURN_IF_SEALED (self);
  g_strfreev (self->resources);
  self->resources = (resources != NULL && resources[0] != NULL) ? g_strdupv ((char **) resources)
                                                                : NULL;
}

/**
 * shoal_test_result_seal:
 * @self: a result
 *
 * Makes the result immutable. The core seals every result before it enters
 * the event stream.
 */
void
shoal_test_result_seal (ShoalTestResult *self)
{
  g_return_if_fail (SHOAL_IS_TEST_RESULT (self));
  self->sealed = TRUE;
}

/**
 * shoal_test_result_is_sealed:
 * @self: a result
 *
 * Returns: %TRUE once sealed
 */
gboolean
shoal_test_result_is_sealed (ShoalTestResult *self)
{
  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), FALSE);
  return self->sealed;
}

static gint64
parse_time (const char *str)
{
  g_autoptr (GDateTime) dt = NULL;

  if (str == NULL)
    return 0;
  dt = g_date_time_new_from_iso8601 (str, NULL);
  if (dt == NULL)
    return 0;
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static void
add_string (JsonBuilder *builder,
            const char *name,
            const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_flag (JsonBuilder *builder,
          const char *name,
          gboolean value)
{
  if (!value)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, TRUE);
}

/**
 * shoal_test_result_to_json:
 * @self: a result
 *
 * The result as the `test-finished` event and the JSON report carry it:
 * `id`, `name`, `suite`, `outcome`, `exit_status`, `signal`, `duration`,
 * `peak_rss` (bytes, or null), `start`, `end` (ISO 8601, UTC, microseconds), `worker_id`, `attempt`,
 * `output`, `message`, `resources`.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
shoal_test_result_to_json (ShoalTestResult *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  g_return_val_if_fail (SHOAL_IS_TEST_RESULT (self), NULL);

  /* No time is null, not 1970. */
  start = self->start_time > 0 ? shoal_format_timestamp (self->start_time) : NULL;
  end = self->end_time > 0 ? shoal_format_timestamp (self->end_time) : NULL;

  json_builder_begin_object (builder);
  add_string (builder, "id", self->test_id);
  add_string (builder, "name", self->name != NULL ? self->name : self->test_id);
  add_string (builder, "suite", self->suite);
  add_string (builder, "outcome", shoal_outcome_to_string (self->outcome));
  json_builder_set_member_name (builder, "exit_status");
  if (self->exit_status >= 0)
    json_builder_add_int_value (builder, self->exit_status);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "signal");
  if (self->signum > 0)
    json_builder_add_int_value (builder, self->signum);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "duration");
  json_builder_add_double_value (builder, self->duration);
  json_builder_set_member_name (builder, "peak_rss");
  if (self->peak_rss >= 0)
    json_builder_add_int_value (builder, self->peak_rss);
  else
    json_builder_add_null_value (builder);
  add_string (builder, "start", start);
  add_string (builder, "end", end);
  add_string (builder, "worker_id", self->worker_id);
  json_builder_set_member_name (builder, "attempt");
  json_builder_add_int_value (builder, self->attempt);
  add_string (builder, "output", self->output_path);
  add_string (builder, "message", self->message);
  /* Flags only when set: most results have none. */
  add_flag (builder, "retried", self->retried);
  add_flag (builder, "flaky", self->flaky);
  add_flag (builder, "quarantined", self->quarantined);
  json_builder_set_member_name (builder, "resources");
  json_builder_begin_array (builder);
  for (guint i = 0; self->resources != NULL && self->resources[i] != NULL; i++)
    json_builder_add_string_value (builder, self->resources[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
get_int_member (JsonObject *object,
                const char *name,
                gint64 default_value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return default_value;
  return json_node_get_int (node);
}

/**
 * shoal_test_result_new_from_json:
 * @node: a JSON object as written by [method@Shoal.TestResult.to_json]
 * @error: return location for a #GError
 *
 * Reads a result back from an event stream or a report.
 *
 * Returns: (transfer full): a sealed result, or %NULL with @error set
 */
ShoalTestResult *
shoal_test_result_new_from_json (JsonNode *node,
                                 GError **error)
{
  g_autoptr (ShoalTestResult) self = NULL;
  JsonObject *object;
  JsonNode *member;
  const char *id;
  const char *outcome_name;
  ShoalOutcome outcome;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                           "a test result must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);
  id = get_string_member (object, "id");
  if (id == NULL)
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                           "a test result has no \"id\"");
      return NULL;
    }
  outcome_name = get_string_member (object, "outcome");
  if (!shoal_outcome_from_string (outcome_name, &outcome))
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                   "the result of '%s' has an unknown outcome '%s'", id,
                   outcome_name != NULL ? outcome_name : "(none)");
      return NULL;
    }

  self = shoal_test_result_new (id, outcome);
  self->name = g_strdup (get_string_member (object, "name"));
  self->suite = g_strdup (get_string_member (object, "suite"));
  self->worker_id = g_strdup (get_string_member (object, "worker_id"));
  self->output_path = g_strdup (get_string_member (object, "output"));
  self->message = g_strdup (get_string_member (object, "message"));
  self->exit_status = (int) get_int_member (object, "exit_status", -1);
  self->signum = (int) get_int_member (object, "signal", 0);
  self->attempt = (guint) MAX (1, get_int_member (object, "attempt", 1));
  self->peak_rss = get_int_member (object, "peak_rss", -1);
  self->retried = json_object_get_boolean_member_with_default (object, "retried", FALSE);
  self->flaky = json_object_get_boolean_member_with_default (object, "flaky", FALSE);
  self->quarantined = json_object_get_boolean_member_with_default (object, "quarantined", FALSE);
  member = json_object_get_member (object, "duration");
  if (member != NULL && JSON_NODE_HOLDS_VALUE (member))
    self->duration = json_node_get_double (member);
  self->start_time = parse_time (get_string_member (object, "start"));
  self->end_time = parse_time (get_string_member (object, "end"));
  member = json_object_get_member (object, "resources");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *array = json_node_get_array (member);
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
      self->resources = g_strv_builder_end (builder);
      if (self->resources[0] == NULL)
        g_clear_pointer (&self->resources, g_strfreev);
    }

  self->sealed = TRUE;
  return g_steal_pointer (&self);
}
