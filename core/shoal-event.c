/* shoal-event.c: one entry of the run's event stream
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-error.h"
#include "shoal-event.h"

/**
 * ShoalEvent:
 *
 * One event of a run, as one line of `events.ndjson`:
 *
 * |[
 * {"v":1,"seq":7,"ts":1764161503123456,"type":"test-finished","result":{...}}
 * ]|
 *
 * `v` is %SHOAL_EVENT_STREAM_VERSION, `seq` counts from 1 in the order the
 * events happened, `ts` is wall-clock microseconds since the Unix epoch and
 * `type` the kind; the other members are the payload (see
 * `data/shoal-events.schema.json`). Events are immutable.
 */
struct _ShoalEvent
{
  GObject parent_instance;

  JsonObject *payload;
  char *kind_name;
  guint64 sequence;
  gint64 timestamp;
  ShoalEventKind kind;
};

G_DEFINE_FINAL_TYPE (ShoalEvent, shoal_event, G_TYPE_OBJECT)

static const char *const kind_names[] = {
  [SHOAL_EVENT_UNKNOWN] = "unknown",
  [SHOAL_EVENT_RUN_STARTED] = "run-started",
  [SHOAL_EVENT_TEST_QUEUED] = "test-queued",
  [SHOAL_EVENT_TEST_STARTED] = "test-started",
  [SHOAL_EVENT_TEST_FINISHED] = "test-finished",
  [SHOAL_EVENT_RUN_FINISHED] = "run-finished",
  [SHOAL_EVENT_WORKER_STARTED] = "worker-started",
  [SHOAL_EVENT_WORKER_STOPPED] = "worker-stopped",
  [SHOAL_EVENT_LOG_MESSAGE] = "log",
};

static void
shoal_event_finalize (GObject *object)
{
  ShoalEvent *self = SHOAL_EVENT (object);

  json_object_unref (self->payload);
  g_free (self->kind_name);

  G_OBJECT_CLASS (shoal_event_parent_class)->finalize (object);
}

static void
shoal_event_class_init (ShoalEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = shoal_event_finalize;
}

static void
shoal_event_init (ShoalEvent *self)
{
}

/**
 * shoal_event_kind_to_string:
 * @kind: an event kind
 *
 * Returns: (transfer none): the kind's name in the stream (`test-finished`, ...)
 */
const char *
shoal_event_kind_to_string (ShoalEventKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), "unknown");
  return kind_names[kind];
}

/**
 * shoal_event_kind_from_string:
 * @str: a kind's name
 *
 * Returns: the kind, or %SHOAL_EVENT_UNKNOWN
 */
ShoalEventKind
shoal_event_kind_from_string (const char *str)
{
  for (guint i = 1; str != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (str, kind_names[i]))
      return (ShoalEventKind) i;
  return SHOAL_EVENT_UNKNOWN;
}

/**
 * shoal_event_new:
 * @kind: the kind
 * @sequence: its number in the stream, from 1
 * @timestamp: wall-clock microseconds since the Unix epoch
 * @payload: (nullable): the event's members (the event takes a reference)
 *
 * Returns: (transfer full): a new event
 */
ShoalEvent *
shoal_event_new (ShoalEventKind kind,
                 guint64 sequence,
                 gint64 timestamp,
                 JsonObject *payload)
{
  ShoalEvent *self;

  g_return_val_if_fail (kind != SHOAL_EVENT_UNKNOWN, NULL);

  self = g_object_new (SHOAL_TYPE_EVENT, NULL);
  self->kind = kind;
  self->kind_name = g_strdup (kind_names[kind]);
  self->sequence = sequence;
  self->timestamp = timestamp;
  self->payload = payload != NULL ? json_object_ref (payload) : json_object_new ();
  json_object_seal (self->payload);
  return self;
}

/**
 * shoal_event_new_from_line:
 * @line: one line of an event stream
 * @length: its length, or -1 if nul-terminated
 * @error: return location for a #GError
 *
 * Parses one line. A stream of a newer version is refused with
 * %SHOAL_EVENT_ERROR_VERSION; an unknown `type` of this version is read as
 * %SHOAL_EVENT_UNKNOWN (with its name kept) so readers can skip it.
 *
 * Returns: (transfer full): the event, or %NULL with @error set
 */
ShoalEvent *
shoal_event_new_from_line (const char *line,
                           gssize length,
                           GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonObject) payload = NULL;
  ShoalEvent *self;
  JsonObject *object;
  JsonNode *root;
  JsonNode *member;
  gint64 version;
  const char *type;

  g_return_val_if_fail (line != NULL, NULL);

  if (!json_parser_load_from_data (parser, line, length, &local_error))
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE, "not a JSON event: %s",
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                           "an event must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);

  member = json_object_get_member (object, "v");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64)
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                           "an event has no stream version \"v\"");
      return NULL;
    }
  version = json_node_get_int (member);
  if (version < 1 || version > SHOAL_EVENT_STREAM_VERSION)
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_VERSION,
                   "event stream version %" G_GINT64_FORMAT " is not supported (this is version %d)",
                   version, SHOAL_EVENT_STREAM_VERSION);
      return NULL;
    }
  member = json_object_get_member (object, "type");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_STRING)
    {
      g_set_error_literal (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                           "an event has no \"type\"");
      return NULL;
    }
  type = json_node_get_string (member);

  payload = json_object_new ();
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *node;

    json_object_iter_init (&iter, object);
    while (json_object_iter_next (&iter, &name, &node))
      if (!g_str_equal (name, "v") && !g_str_equal (name, "seq") && !g_str_equal (name, "ts") &&
          !g_str_equal (name, "type"))
        json_object_set_member (payload, name, json_node_copy (node));
  }

  self = g_object_new (SHOAL_TYPE_EVENT, NULL);
  self->kind = shoal_event_kind_from_string (type);
  self->kind_name = g_strdup (type);
  member = json_object_get_member (object, "seq");
  self->sequence = member != NULL && JSON_NODE_HOLDS_VALUE (member) ? json_node_get_int (member) : 0;
  member = json_object_get_member (object, "ts");
  self->timestamp = member != NULL && JSON_NODE_HOLDS_VALUE (member) ? json_node_get_int (member) : 0;
  self->payload = g_steal_pointer (&payload);
  json_object_seal (self->payload);
  return self;
}

/**
 * shoal_event_get_kind:
 * @self: an event
 *
 * Returns: the kind
 */
ShoalEventKind
shoal_event_get_kind (ShoalEvent *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT (self), SHOAL_EVENT_UNKNOWN);
  return self->kind;
}

/**
 * shoal_event_get_kind_name:
 * @self: an event
 *
 * Returns: (transfer none): the `type` as written (also for unknown kinds)
 */
const char *
shoal_event_get_kind_name (ShoalEvent *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT (self), NULL);
  return self->kind_name;
}

/**
 * shoal_event_get_sequence:
 * @self: an event
 *
 * Returns: its number in the stream, from 1
 */
guint64
shoal_event_get_sequence (ShoalEvent *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT (self), 0);
  return self->sequence;
}

/**
 * shoal_event_get_timestamp:
 * @self: an event
 *
 * Returns: wall-clock microseconds since the Unix epoch
 */
gint64
shoal_event_get_timestamp (ShoalEvent *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT (self), 0);
  return self->timestamp;
}

/**
 * shoal_event_get_payload:
 * @self: an event
 *
 * Returns: (transfer none): the event's members (sealed)
 */
JsonObject *
shoal_event_get_payload (ShoalEvent *self)
{
  g_return_val_if_fail (SHOAL_IS_EVENT (self), NULL);
  return self->payload;
}

/**
 * shoal_event_get_string:
 * @self: an event
 * @member: a payload member
 *
 * Returns: (transfer none) (nullable): the member's string value, or %NULL
 *   if absent or not a string
 */
const char *
shoal_event_get_string (ShoalEvent *self,
                        const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (SHOAL_IS_EVENT (self), NULL);

  node = json_object_get_member (self->payload, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/**
 * shoal_event_get_int:
 * @self: an event
 * @member: a payload member
 * @default_value: returned when absent or not a number
 *
 * Returns: the member's integer value
 */
gint64
shoal_event_get_int (ShoalEvent *self,
                     const char *member,
                     gint64 default_value)
{
  JsonNode *node;

  g_return_val_if_fail (SHOAL_IS_EVENT (self), default_value);

  node = json_object_get_member (self->payload, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return default_value;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return default_value;
}

/**
 * shoal_event_get_double:
 * @self: an event
 * @member: a payload member
 * @default_value: returned when absent or not a number
 *
 * Returns: the member's numeric value
 */
double
shoal_event_get_double (ShoalEvent *self,
                        const char *member,
                        double default_value)
{
  JsonNode *node;

  g_return_val_if_fail (SHOAL_IS_EVENT (self), default_value);

  node = json_object_get_member (self->payload, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return default_value;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  return default_value;
}

/**
 * shoal_event_dup_result:
 * @self: a `test-finished` event
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the result it carries, or %NULL with @error set
 */
ShoalTestResult *
shoal_event_dup_result (ShoalEvent *self,
                        GError **error)
{
  JsonNode *node;

  g_return_val_if_fail (SHOAL_IS_EVENT (self), NULL);

  node = json_object_get_member (self->payload, "result");
  if (node == NULL)
    {
      g_set_error (error, SHOAL_EVENT_ERROR, SHOAL_EVENT_ERROR_PARSE,
                   "event %" G_GUINT64_FORMAT " (%s) carries no result", self->sequence,
                   self->kind_name);
      return NULL;
    }
  return shoal_test_result_new_from_json (node, error);
}

/**
 * shoal_event_to_line:
 * @self: an event
 *
 * Returns: (transfer full): the event as one line of JSON, without the
 *   newline
 */
char *
shoal_event_to_line (ShoalEvent *self)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) object = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  g_return_val_if_fail (SHOAL_IS_EVENT (self), NULL);

  json_object_set_int_member (object, "v", SHOAL_EVENT_STREAM_VERSION);
  json_object_set_int_member (object, "seq", (gint64) self->sequence);
  json_object_set_int_member (object, "ts", self->timestamp);
  json_object_set_string_member (object, "type", self->kind_name);
  json_object_iter_init (&iter, self->payload);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (object, name, json_node_ref (node));

  json_node_set_object (root, object);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
