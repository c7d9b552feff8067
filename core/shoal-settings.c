/* shoal-settings.c: one YAML mapping of a configuration file, with positions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <yaml.h>

#include "shoal-settings.h"

/**
 * ShoalSettings:
 *
 * One mapping of a configuration file (`shoal.yaml` or a part of it), read
 * lazily by whoever owns that part: the core reads its own keys, and hands
 * the rest (a suite's adapter keys, a pool's provider keys) to the plugin
 * that knows them.
 *
 * Every value keeps its position in the file, so every error, including the
 * errors a plugin raises with [method@Shoal.Settings.set_error], reads
 * `FILE:LINE:COLUMN: KEY: message`, the way compilers report.
 *
 * Getters mark the keys they read as consumed, so that after everyone has
 * read what they know, [method@Shoal.Settings.check_keys] can report the keys
 * nobody knew, with a suggestion for the likely typo.
 *
 * Scalars are typed the way a reader of the file expects: a quoted scalar is
 * always a string; a plain one may be `null` (`null`, `~` or nothing), a
 * boolean (`true`/`false`/`yes`/`no`/`on`/`off` in any case), an integer
 * (decimal or `0x` hex) or a number.
 */

/* Nesting deeper than this is a mistake or an attack, never a config; the
 * limit keeps the recursive checks below off the end of the stack. */
#define MAX_DEPTH 128

/* The parsed file, shared (refcounted) by the top-level settings and every
 * nested settings made from it. Read-only once loaded, so the settings of
 * one file can be used from several threads. */
typedef struct
{
  yaml_document_t document;
  gboolean has_document;
  char *filename; /* as written in messages */
  char *base_dir; /* absolute */
} SettingsDocument;

struct _ShoalSettings
{
  GObject parent_instance;

  SettingsDocument *doc;
  /* The mapping node, or 0 for an empty document, which reads as an empty
   * mapping. */
  int node_id;
  yaml_mark_t mark;
  char *key_path;

  /* Getters are logically const but record the keys they read; the lock
   * lets plugins read their settings from worker threads. */
  GMutex consumed_lock;
  GHashTable *consumed; /* (element-type utf8): keys, owned by the document */
  GHashTable *asked;    /* (element-type utf8): keys read but absent, owned */
};

G_DEFINE_FINAL_TYPE (ShoalSettings, shoal_settings, G_TYPE_OBJECT)

typedef enum
{
  SCALAR_NULL,
  SCALAR_BOOLEAN,
  SCALAR_INTEGER,
  SCALAR_FLOAT,
  SCALAR_STRING,
} ScalarType;

static void
settings_document_clear (gpointer data)
{
  SettingsDocument *doc = data;

  if (doc->has_document)
    yaml_document_delete (&doc->document);
  g_free (doc->filename);
  g_free (doc->base_dir);
}

static void
settings_document_unref (SettingsDocument *doc)
{
  g_atomic_rc_box_release_full (doc, settings_document_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SettingsDocument, settings_document_unref)

static void
shoal_settings_finalize (GObject *object)
{
  ShoalSettings *self = SHOAL_SETTINGS (object);

  g_clear_pointer (&self->consumed, g_hash_table_unref);
  g_clear_pointer (&self->asked, g_hash_table_unref);
  g_mutex_clear (&self->consumed_lock);
  g_clear_pointer (&self->doc, settings_document_unref);
  g_clear_pointer (&self->key_path, g_free);

  G_OBJECT_CLASS (shoal_settings_parent_class)->finalize (object);
}

static void
shoal_settings_class_init (ShoalSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = shoal_settings_finalize;
}

static void
shoal_settings_init (ShoalSettings *self)
{
  g_mutex_init (&self->consumed_lock);
  self->consumed = g_hash_table_new (g_str_hash, g_str_equal);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static ShoalSettings *
settings_new (SettingsDocument *doc, int node_id, const yaml_mark_t *mark, const char *key_path)
{
  ShoalSettings *self = g_object_new (SHOAL_TYPE_SETTINGS, NULL);

  self->doc = g_atomic_rc_box_acquire (doc);
  self->node_id = node_id;
  self->mark = *mark;
  self->key_path = g_strdup (key_path);

  return self;
}

/* Paths */

static char *
join_key_path (const char *parent, const char *key)
{
  if (parent == NULL || parent[0] == '\0')
    return g_strdup (key);
  return g_strconcat (parent, ".", key, NULL);
}

static char *
index_key_path (const char *parent, gsize index)
{
  return g_strdup_printf ("%s[%" G_GSIZE_FORMAT "]", parent, index);
}

/* Positions: libyaml counts lines and columns from 0, people from 1. */
static char *
format_line_column (const yaml_mark_t *mark)
{
  return g_strdup_printf ("%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT, mark->line + 1, mark->column + 1);
}

static char *
format_location (SettingsDocument *doc, const yaml_mark_t *mark)
{
  g_autofree char *line_column = format_line_column (mark);

  return g_strdup_printf ("%s:%s", doc->filename, line_column);
}

static void
set_error_at_mark (SettingsDocument *doc,
                   const yaml_mark_t *mark,
                   const char *key_path,
                   GError **error,
                   ShoalConfigError code,
                   const char *message)
{
  g_autofree char *location = NULL;

  if (error == NULL)
    return;

  location = format_location (doc, mark);
  if (key_path != NULL && key_path[0] != '\0')
    g_set_error (error, SHOAL_CONFIG_ERROR, code, "%s: %s: %s", location, key_path, message);
  else
    g_set_error (error, SHOAL_CONFIG_ERROR, code, "%s: %s", location, message);
}

static void set_error_at_markv (SettingsDocument *doc,
                                const yaml_mark_t *mark,
                                const char *key_path,
                                GError **error,
                                ShoalConfigError code,
                                const char *format,
                                ...) G_GNUC_PRINTF (6, 7);

static void
set_error_at_markv (SettingsDocument *doc,
                    const yaml_mark_t *mark,
                    const char *key_path,
                    GError **error,
                    ShoalConfigError code,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  set_error_at_mark (doc, mark, key_path, error, code, message);
}

/* Nodes and scalars */

static yaml_node_t *
get_node (SettingsDocument *doc, int node_id)
{
  if (node_id == 0 || !doc->has_document)
    return NULL;
  return yaml_document_get_node (&doc->document, node_id);
}

static const char *
scalar_text (yaml_node_t *node)
{
  return (const char *) node->data.scalar.value;
}

static gboolean
is_digits (const char *p, gboolean hex)
{
  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    if (!(hex ? g_ascii_isxdigit (*p) : g_ascii_isdigit (*p)))
      return FALSE;
  return TRUE;
}

static gboolean
text_is_integer (const char *text)
{
  const char *p = text;

  if (*p == '+' || *p == '-')
    p++;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
    return is_digits (p + 2, TRUE);
  return is_digits (p, FALSE);
}

static gboolean
text_is_special_float (const char *text)
{
  const char *p = text;

  if (g_str_equal (p, ".nan") || g_str_equal (p, ".NaN") || g_str_equal (p, ".NAN"))
    return TRUE;
  if (*p == '+' || *p == '-')
    p++;
  return g_str_equal (p, ".inf") || g_str_equal (p, ".Inf") || g_str_equal (p, ".INF");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static gboolean
text_is_float (const char *text)
{
  const char *p = text;
  gboolean digits = FALSE;

  if (text_is_special_float (text))
    return TRUE;
  if (*p == '+' || *p == '-')
    p++;
  while (g_ascii_isdigit (*p))
    p++, digits = TRUE;
  if (*p == '.')
    {
      p++;
      while (g_ascii_isdigit (*p))
        p++, digits = TRUE;
    }
  if (!digits)
    return FALSE;
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!is_digits (p, FALSE))
        return FALSE;
      return TRUE;
    }
  return *p == '\0';
}

static gboolean
text_to_boolean (const char *text, gboolean *out_value)
{
  static const char *const true_words[] = { "true", "yes", "on" };
  static const char *const false_words[] = { "false", "no", "off" };

  for (gsize i = 0; i < G_N_ELEMENTS (true_words); i++)
    {
      if (g_ascii_strcasecmp (text, true_words[i]) == 0)
        {
          *out_value = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, false_words[i]) == 0)
        {
          *out_value = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

static ScalarType
classify_scalar (yaml_node_t *node)
{
  const char *text = scalar_text (node);
  gboolean unused;

  /* Quoting is how a YAML author says "this is text": "3" stays a string. */
  if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE &&
      node->data.scalar.style != YAML_ANY_SCALAR_STYLE)
    return SCALAR_STRING;

  if (text[0] == '\0' || g_str_equal (text, "~") || g_str_equal (text, "null") ||
      g_str_equal (text, "Null") || g_str_equal (text, "NULL"))
    return SCALAR_NULL;
  if (text_to_boolean (text, &unused))
    return SCALAR_BOOLEAN;
  if (text_is_integer (text))
    return SCALAR_INTEGER;
  if (text_is_float (text))
    return SCALAR_FLOAT;
  return SCALAR_STRING;
}

static gboolean
node_is_null (yaml_node_t *node)
{
  return node == NULL || (node->type == YAML_SCALAR_NODE && classify_scalar (node) == SCALAR_NULL);
}

/* How a value reads in "expected X, got Y": numbers as written, text quoted. */
static char *
describe_node (yaml_node_t *node)
{
  switch (node->type)
    {
    case YAML_SEQUENCE_NODE:
      return g_strdup (_ ("a list"));
    case YAML_MAPPING_NODE:
      return g_strdup (_ ("a mapping"));
    case YAML_SCALAR_NODE:
      switch (classify_scalar (node))
        {
        case SCALAR_NULL:
          return g_strdup ("null");
        case SCALAR_STRING:
          return g_strdup_printf (_ ("the string '%s'"), scalar_text (node));
        case SCALAR_BOOLEAN:
        case SCALAR_INTEGER:
        case SCALAR_FLOAT:
        default:
          return g_strdup (scalar_text (node));
        }
    case YAML_NO_NODE:
    default:
      return g_strdup (_ ("nothing"));
    }
}

static gboolean
parse_integer (const char *text, gint64 *out_value)
{
  const char *digits = text;
  gboolean negative = FALSE;
  guint64 magnitude;
  char *end = NULL;

  if (*digits == '+' || *digits == '-')
    negative = *digits++ == '-';

  errno = 0;
  if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    magnitude = g_ascii_strtoull (digits + 2, &end, 16);
  else
    magnitude = g_ascii_strtoull (digits, &end, 10);
  if (errno != 0 || end == NULL || *end != '\0')
    return FALSE;

  if (negative)
    {
      if (magnitude > (guint64) G_MAXINT64 + 1)
        return FALSE;
      *out_value = magnitude == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) magnitude;
    }
  else
    {
      if (magnitude > (guint64) G_MAXINT64)
        return FALSE;
      *out_value = (gint64) magnitude;
    }
  return TRUE;
}

static double
parse_float (const char *text)
{
  const char *p = text;
  gboolean negative = FALSE;
  gint64 integer;

  if (text_is_special_float (text))
    {
      if (*p == '+' || *p == '-')
        negative = *p++ == '-';
      if (g_ascii_strcasecmp (p, ".nan") == 0)
        return NAN;
      return negative ? -INFINITY : INFINITY;
    }
  if (text_is_integer (text) && parse_integer (text, &integer))
    return (double) integer;
  /* 1e999 overflows to ±inf, which the range check then refuses. */
  return g_ascii_strtod (text, NULL);
}

/* Lookups */

static yaml_node_t *
settings_mapping (ShoalSettings *self)
{
  yaml_node_t *node = get_node (self->doc, self->node_id);

  g_assert (node == NULL || node->type == YAML_MAPPING_NODE);
  return node;
}

static gboolean
find_pair (ShoalSettings *self, const char *key, yaml_node_t **out_key, yaml_node_t **out_value)
{
  yaml_node_t *mapping = settings_mapping (self);

  if (mapping == NULL)
    return FALSE;

  for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
       pair < mapping->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *key_node = get_node (self->doc, pair->key);

      /* Keys are scalars: load_document() refused any other. */
      if (g_str_equal (scalar_text (key_node), key))
        {
          if (out_key != NULL)
            *out_key = key_node;
          if (out_value != NULL)
            *out_value = get_node (self->doc, pair->value);
          return TRUE;
        }
    }
  return FALSE;
}

static void
mark_consumed (ShoalSettings *self, yaml_node_t *key_node)
{
  g_mutex_lock (&self->consumed_lock);
  g_hash_table_add (self->consumed, (gpointer) scalar_text (key_node));
  g_mutex_unlock (&self->consumed_lock);
}

/* Looks @key up for a getter: marks it consumed and returns its value, or
 * %NULL when the key is absent or null (the getter then uses its default). */
static yaml_node_t *
lookup_value (ShoalSettings *self, const char *key)
{
  yaml_node_t *key_node = NULL;
  yaml_node_t *value_node = NULL;

  if (!find_pair (self, key, &key_node, &value_node))
    {
      /* A key someone reads is a valid key, present or not: it is a
       * candidate for "did you mean" when a misspelt one is found. */
      g_mutex_lock (&self->consumed_lock);
      if (!g_hash_table_contains (self->asked, key))
        g_hash_table_add (self->asked, g_strdup (key));
      g_mutex_unlock (&self->consumed_lock);
      return NULL;
    }
  mark_consumed (self, key_node);
  if (node_is_null (value_node))
    return NULL;
  return value_node;
}

/* Loading */

static gboolean check_node (SettingsDocument *doc,
                            int node_id,
                            const char *key_path,
                            const yaml_mark_t *reference,
                            int depth,
                            GHashTable *in_progress,
                            GHashTable *done,
                            GError **error);

static gboolean
check_mapping (SettingsDocument *doc,
               yaml_node_t *node,
               const char *key_path,
               int depth,
               GHashTable *in_progress,
               GHashTable *done,
               GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top;
       pair++)
    {
      yaml_node_t *key_node = get_node (doc, pair->key);
      yaml_node_t *first = NULL;
      g_autofree char *child_path = NULL;

      if (key_node->type != YAML_SCALAR_NODE)
        {
          g_autofree char *what = describe_node (key_node);

          set_error_at_markv (doc, &key_node->start_mark, key_path, error, SHOAL_CONFIG_ERROR_TYPE,
                              _ ("keys must be strings, got %s"), what);
          return FALSE;
        }

      child_path = join_key_path (key_path, scalar_text (key_node));
      first = g_hash_table_lookup (seen, scalar_text (key_node));
      if (first != NULL)
        {
          g_autofree char *first_at = format_line_column (&first->start_mark);

          /* YAML forbids them, and silently taking the last (as many
           * loaders do) hides half of the user's edit. */
          set_error_at_markv (doc, &key_node->start_mark, child_path, error,
                              SHOAL_CONFIG_ERROR_INVALID, _ ("duplicate key '%s' (first at %s)"),
                              scalar_text (key_node), first_at);
          return FALSE;
        }
      g_hash_table_insert (seen, (gpointer) scalar_text (key_node), key_node);

      if (!check_node (doc, pair->value, child_path, &key_node->start_mark, depth + 1, in_progress,
                       done, error))
        return FALSE;
    }
  return TRUE;
}

/* Walks the document once, refusing what every reader would otherwise have
 * to guard against: non-scalar or duplicate keys, alias cycles (libyaml lets
 * `&a [*a]` through), and absurd nesting. An aliased node is checked once.
 *
 * libyaml keeps no position for an alias, only for the node it refers to;
 * @reference is where the node is used (its key, or its list), which is
 * where a cycle is reported. */
static gboolean
check_node (SettingsDocument *doc,
            int node_id,
            const char *key_path,
            const yaml_mark_t *reference,
            int depth,
            GHashTable *in_progress,
            GHashTable *done,
            GError **error)
{
  yaml_node_t *node = get_node (doc, node_id);
  gboolean ok = TRUE;

  if (node == NULL || node->type == YAML_SCALAR_NODE ||
      g_hash_table_contains (done, GINT_TO_POINTER (node_id)))
    return TRUE;

  if (g_hash_table_contains (in_progress, GINT_TO_POINTER (node_id)))
    {
      set_error_at_mark (doc, reference, key_path, error, SHOAL_CONFIG_ERROR_INVALID,
                         _ ("an alias refers to a node that contains it"));
      return FALSE;
    }
  if (depth > MAX_DEPTH)
    {
      /* Without the key path: it would be as long as the nesting. */
      set_error_at_markv (doc, &node->start_mark, NULL, error, SHOAL_CONFIG_ERROR_INVALID,
                          _ ("nested more than %d levels deep"), MAX_DEPTH);
      return FALSE;
    }

  g_hash_table_add (in_progress, GINT_TO_POINTER (node_id));

  if (node->type == YAML_MAPPING_NODE)
    {
      ok = check_mapping (doc, node, key_path, depth, in_progress, done, error);
    }
  else
    {
      gsize index = 0;

      for (yaml_node_item_t *item = node->data.sequence.items.start;
           ok && item < node->data.sequence.items.top; item++, index++)
        {
          g_autofree char *child_path = index_key_path (key_path, index);

          ok = check_node (doc, *item, child_path, &node->start_mark, depth + 1, in_progress, done,
                           error);
        }
    }

  g_hash_table_remove (in_progress, GINT_TO_POINTER (node_id));
  g_hash_table_add (done, GINT_TO_POINTER (node_id));
  return ok;
}

/* libyaml reports encoding errors by byte offset, not by mark. */
static yaml_mark_t
mark_from_offset (const char *data, gsize length, gsize offset)
{
  yaml_mark_t mark = { 0 };

  for (gsize i = 0; i < offset && i < length; i++)
    {
      if (data[i] == '\n')
        {
          mark.line++;
          mark.column = 0;
        }
      else
        {
          mark.column++;
        }
    }
  mark.index = offset;
  return mark;
}

static void
set_parse_error (
    SettingsDocument *doc, yaml_parser_t *parser, const char *data, gsize length, GError **error)
{
  yaml_mark_t mark = parser->problem_mark;
  const char *problem = parser->problem != NULL ? parser->problem : _ ("cannot parse YAML");

  if (parser->error == YAML_MEMORY_ERROR)
    g_error ("%s: out of memory parsing YAML", G_STRLOC);

  if (parser->error == YAML_READER_ERROR)
    mark = mark_from_offset (data, length, parser->problem_offset);

  if (parser->context != NULL)
    set_error_at_markv (doc, &mark, NULL, error, SHOAL_CONFIG_ERROR_PARSE, "%s (%s)", problem,
                        parser->context);
  else
    set_error_at_mark (doc, &mark, NULL, error, SHOAL_CONFIG_ERROR_PARSE, problem);
}

static ShoalSettings *
load_document (
    const char *data, gsize length, const char *filename, const char *base_dir, GError **error)
{
  g_autoptr (SettingsDocument) doc = g_atomic_rc_box_new0 (SettingsDocument);
  yaml_parser_t parser;
  yaml_document_t extra;
  yaml_node_t *root;
  gboolean ok;
  yaml_mark_t start = { 0 };

  doc->filename = g_strdup (filename);
  doc->base_dir = g_strdup (base_dir);

  if (!yaml_parser_initialize (&parser))
    g_error ("%s: out of memory initializing the YAML parser", G_STRLOC);
  yaml_parser_set_input_string (&parser, (const unsigned char *) data, length);

  ok = yaml_parser_load (&parser, &doc->document);
  if (!ok)
    {
      set_parse_error (doc, &parser, data, length, error);
      yaml_parser_delete (&parser);
      return NULL;
    }
  doc->has_document = TRUE;

  /* A configuration is one document; a second one is most likely a paste
   * gone wrong, and ignoring it would ignore settings without a word. */
  ok = yaml_parser_load (&parser, &extra);
  if (!ok)
    {
      set_parse_error (doc, &parser, data, length, error);
      yaml_parser_delete (&parser);
      return NULL;
    }
  if (yaml_document_get_root_node (&extra) != NULL)
    {
      set_error_at_mark (doc, &extra.start_mark, NULL, error, SHOAL_CONFIG_ERROR_PARSE,
                         _ ("a configuration file must hold a single YAML document"));
      yaml_document_delete (&extra);
      yaml_parser_delete (&parser);
      return NULL;
    }
  yaml_document_delete (&extra);
  yaml_parser_delete (&parser);

  root = yaml_document_get_root_node (&doc->document);

  /* A file with nothing in it (or only comments, or only `---`) sets
   * nothing: every default applies. */
  if (node_is_null (root))
    return settings_new (doc, 0, &start, "");

  if (root->type != YAML_MAPPING_NODE)
    {
      g_autofree char *what = describe_node (root);

      set_error_at_markv (doc, &root->start_mark, NULL, error, SHOAL_CONFIG_ERROR_TYPE,
                          _ ("the top level must be a mapping of settings, got %s"), what);
      return NULL;
    }

  {
    g_autoptr (GHashTable) in_progress = g_hash_table_new (NULL, NULL);
    g_autoptr (GHashTable) done = g_hash_table_new (NULL, NULL);

    /* The root is node 1: libyaml numbers nodes from 1, root first. */
    if (!check_node (doc, 1, "", &root->start_mark, 0, in_progress, done, error))
      return NULL;
  }

  return settings_new (doc, 1, &root->start_mark, "");
}

static gboolean
read_file (const char *path, char **out_contents, gsize *out_length, GError **error)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  int fd;

  /* Not g_file_get_contents(): its message repeats the file name in its own
   * words; ours is "cannot read FILE: reason" like every other tool. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_IO, _ ("cannot read %s: %s"), path,
                   g_strerror (saved_errno));
      return FALSE;
    }

  for (;;)
    {
      guint8 buffer[8192];
      gssize n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_close (fd, NULL);
          g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_IO, _ ("cannot read %s: %s"),
                       path, g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        break;
      g_byte_array_append (bytes, buffer, n);
    }
  g_close (fd, NULL);

  *out_length = bytes->len;
  g_byte_array_append (bytes, (const guint8 *) "", 1);
  *out_contents = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
  return TRUE;
}

/**
 * shoal_settings_new_from_file:
 * @path: (type filename): the file to read
 * @error: return location for a #GError
 *
 * Reads and parses a YAML file whose top level is a mapping. An empty file
 * is an empty mapping. Messages name the file as @path is written.
 *
 * Returns: (transfer full): the top-level settings, or %NULL with @error set
 *   (%SHOAL_CONFIG_ERROR_IO, %SHOAL_CONFIG_ERROR_PARSE, or another
 *   %SHOAL_CONFIG_ERROR when the file is not a mapping or has duplicate keys)
 */
ShoalSettings *
shoal_settings_new_from_file (const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *base_dir = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_file (path, &contents, &length, error))
    return NULL;

  absolute = g_canonicalize_filename (path, NULL);
  base_dir = g_path_get_dirname (absolute);

  return load_document (contents, length, path, base_dir, error);
}

/**
 * shoal_settings_new_from_data:
 * @data: YAML text
 * @length: the length of @data in bytes, or -1 if it is nul-terminated
 * @filename: (type filename) (nullable): the name to show in messages and to
 *   resolve relative paths against, or %NULL for `<string>` and the current
 *   directory
 * @error: return location for a #GError
 *
 * Parses YAML text whose top level is a mapping, as
 * [ctor@Shoal.Settings.new_from_file] does.
 *
 * Returns: (transfer full): the top-level settings, or %NULL with @error set
 */
ShoalSettings *
shoal_settings_new_from_data (const char *data, gssize length, const char *filename, GError **error)
{
  g_autofree char *base_dir = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length < 0)
    length = strlen (data);

  if (filename != NULL)
    {
      g_autofree char *absolute = g_canonicalize_filename (filename, NULL);

      base_dir = g_path_get_dirname (absolute);
    }
  else
    {
      base_dir = g_get_current_dir ();
    }

  return load_document (data, length, filename != NULL ? filename : "<string>", base_dir, error);
}

/**
 * shoal_settings_get_filename:
 * @self: a #ShoalSettings
 *
 * Returns: (transfer none) (type filename): the file name shown in messages
 *   (`<string>` for settings parsed from a string without a name)
 */
const char *
shoal_settings_get_filename (ShoalSettings *self)
{
  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);

  return self->doc->filename;
}

/**
 * shoal_settings_get_base_dir:
 * @self: a #ShoalSettings
 *
 * Gets the directory relative paths in the file are relative to: the
 * directory of the file, or the current directory of the process when the
 * settings were parsed from a string without a name.
 *
 * Returns: (transfer none) (type filename): an absolute directory
 */
const char *
shoal_settings_get_base_dir (ShoalSettings *self)
{
  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);

  return self->doc->base_dir;
}

/**
 * shoal_settings_get_key_path:
 * @self: a #ShoalSettings
 *
 * Gets where this mapping is in the file, as messages name it: `""` for the
 * top level, `suites[1]`, `resource_pools.drivers`.
 *
 * Returns: (transfer none): the key path
 */
const char *
shoal_settings_get_key_path (ShoalSettings *self)
{
  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);

  return self->key_path;
}

/**
 * shoal_settings_list_keys:
 * @self: a #ShoalSettings
 *
 * Lists the keys of the mapping in the order of the file. Does not mark them
 * consumed.
 *
 * Returns: (transfer full) (array zero-terminated=1): the keys
 */
char **
shoal_settings_list_keys (ShoalSettings *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  yaml_node_t *mapping;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);

  mapping = settings_mapping (self);
  if (mapping != NULL)
    {
      for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
           pair < mapping->data.mapping.pairs.top; pair++)
        g_strv_builder_add (builder, scalar_text (get_node (self->doc, pair->key)));
    }

  return g_strv_builder_end (builder);
}

/**
 * shoal_settings_has_key:
 * @self: a #ShoalSettings
 * @key: a key
 *
 * Checks whether @key is written in the mapping, even with a `null` value.
 * Does not mark it consumed.
 *
 * Returns: %TRUE if the key is present
 */
gboolean
shoal_settings_has_key (ShoalSettings *self, const char *key)
{
  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  return find_pair (self, key, NULL, NULL);
}

/**
 * shoal_settings_get_kind:
 * @self: a #ShoalSettings
 * @key: a key
 *
 * Gets the shape of the value of @key, to accept several shapes (a pool is
 * a size or a mapping). Does not mark the key consumed.
 *
 * Returns: the kind of the value; %SHOAL_SETTINGS_KIND_NONE when the key is
 *   absent or `null`
 */
ShoalSettingsKind
shoal_settings_get_kind (ShoalSettings *self, const char *key)
{
  yaml_node_t *value = NULL;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), SHOAL_SETTINGS_KIND_NONE);
  g_return_val_if_fail (key != NULL, SHOAL_SETTINGS_KIND_NONE);

  if (!find_pair (self, key, NULL, &value) || node_is_null (value))
    return SHOAL_SETTINGS_KIND_NONE;

  switch (value->type)
    {
    case YAML_SEQUENCE_NODE:
      return SHOAL_SETTINGS_KIND_SEQUENCE;
    case YAML_MAPPING_NODE:
      return SHOAL_SETTINGS_KIND_MAPPING;
    case YAML_SCALAR_NODE:
      return SHOAL_SETTINGS_KIND_SCALAR;
    case YAML_NO_NODE:
    default:
      return SHOAL_SETTINGS_KIND_NONE;
    }
}

/**
 * shoal_settings_get_location:
 * @self: a #ShoalSettings
 * @key: (nullable): a key, or %NULL for the mapping itself
 *
 * Gets where @key is written, for messages that are not errors (a warning
 * about a deprecated key, say).
 *
 * Returns: (transfer full): `FILE:LINE:COLUMN` of the key, or of the mapping
 *   when @key is %NULL or absent
 */
char *
shoal_settings_get_location (ShoalSettings *self, const char *key)
{
  yaml_node_t *key_node = NULL;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);

  if (key != NULL && find_pair (self, key, &key_node, NULL))
    return format_location (self->doc, &key_node->start_mark);
  return format_location (self->doc, &self->mark);
}

static void
set_value_type_error (ShoalSettings *self,
                      yaml_node_t *value,
                      const char *key_path,
                      const char *expected,
                      GError **error)
{
  g_autofree char *what = describe_node (value);

  set_error_at_markv (self->doc, &value->start_mark, key_path, error, SHOAL_CONFIG_ERROR_TYPE,
                      _ ("expected %s, got %s"), expected, what);
}

/**
 * shoal_settings_get_string:
 * @self: a #ShoalSettings
 * @key: a key
 * @default_value: (nullable): the value when @key is absent or `null`
 * @error: return location for a #GError
 *
 * Gets a string. Any scalar reads as the text written, so `port: 8080`
 * reads as `"8080"`; a list or a mapping is a %SHOAL_CONFIG_ERROR_TYPE
 * error. Marks @key consumed.
 *
 * Returns: (transfer full) (nullable): the string, a copy of
 *   @default_value, or %NULL with @error set. %NULL without an error when
 *   the key is absent and @default_value is %NULL.
 */
char *
shoal_settings_get_string (ShoalSettings *self,
                           const char *key,
                           const char *default_value,
                           GError **error)
{
  yaml_node_t *value;
  g_autofree char *path = NULL;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  value = lookup_value (self, key);
  if (value == NULL)
    return g_strdup (default_value);

  if (value->type == YAML_SCALAR_NODE)
    return g_strndup (scalar_text (value), value->data.scalar.length);

  path = join_key_path (self->key_path, key);
  set_value_type_error (self, value, path, _ ("a string"), error);
  return NULL;
}

/**
 * shoal_settings_get_boolean:
 * @self: a #ShoalSettings
 * @key: a key
 * @default_value: the value when @key is absent or `null`
 * @out_value: (out): return location for the value
 * @error: return location for a #GError
 *
 * Gets a boolean: a plain `true`, `false`, `yes`, `no`, `on` or `off`, in any
 * case. A quoted `"true"` is a string, so an error. Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_boolean (ShoalSettings *self,
                            const char *key,
                            gboolean default_value,
                            gboolean *out_value,
                            GError **error)
{
  yaml_node_t *value;
  g_autofree char *path = NULL;
  g_autofree char *what = NULL;
  gboolean result;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  value = lookup_value (self, key);
  if (value == NULL)
    {
      *out_value = default_value;
      return TRUE;
    }

  if (value->type == YAML_SCALAR_NODE && classify_scalar (value) == SCALAR_BOOLEAN &&
      text_to_boolean (scalar_text (value), &result))
    {
      *out_value = result;
      return TRUE;
    }

  path = join_key_path (self->key_path, key);
  /* `debug: maybe` is a plain word the author meant as a boolean: show it
   * as written; a quoted one is shown as the string it is. */
  if (value->type == YAML_SCALAR_NODE && value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    what = g_strdup_printf ("'%s'", scalar_text (value));
  else
    what = describe_node (value);
  set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_TYPE,
                      _ ("expected a boolean (true or false), got %s"), what);
  return FALSE;
}

/**
 * shoal_settings_get_choice:
 * @self: a #ShoalSettings
 * @key: a key
 * @choices: (array zero-terminated=1): the words the value may be
 * @default_index: the index in @choices when @key is absent or `null`
 * @out_index: (out): return location for the index of the value in @choices
 * @error: return location for a #GError
 *
 * Gets a string that must be one of @choices, as its index; any other
 * value is an error at the key naming the choices (`expected 'json' or
 * 'xml', got 'yaml'`). Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_choice (ShoalSettings *self,
                           const char *key,
                           const char *const *choices,
                           guint default_index,
                           guint *out_index,
                           GError **error)
{
  g_autofree char *value = NULL;
  g_autoptr (GString) expected = NULL;
  guint n_choices;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (choices != NULL, FALSE);
  n_choices = g_strv_length ((char **) choices);
  g_return_val_if_fail (default_index < n_choices, FALSE);
  g_return_val_if_fail (out_index != NULL, FALSE);

  value = shoal_settings_get_string (self, key, choices[default_index], error);
  if (value == NULL)
    return FALSE;
  for (guint i = 0; i < n_choices; i++)
    if (g_str_equal (value, choices[i]))
      {
        *out_index = i;
        return TRUE;
      }

  expected = g_string_new (n_choices > 2 ? "one of " : NULL);
  for (guint i = 0; i < n_choices; i++)
    g_string_append_printf (expected, "%s'%s'",
                            i == 0 ? "" : (i + 1 == n_choices ? _ (" or ") : ", "), choices[i]);
  shoal_settings_set_error (self, key, error, SHOAL_CONFIG_ERROR_INVALID, _ ("expected %s, got '%s'"),
                            expected->str, value);
  return FALSE;
}

/**
 * shoal_settings_get_int:
 * @self: a #ShoalSettings
 * @key: a key
 * @default_value: the value when @key is absent or `null`; it is not
 *   checked against the range
 * @min_value: the smallest value accepted
 * @max_value: the largest value accepted (%G_MAXINT64 for no limit)
 * @out_value: (out): return location for the value
 * @error: return location for a #GError
 *
 * Gets an integer, written in decimal or as `0x` hex, without quotes.
 * Text or a fraction is a %SHOAL_CONFIG_ERROR_TYPE error, a value outside
 * [@min_value, @max_value] a %SHOAL_CONFIG_ERROR_RANGE error. Marks @key
 * consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_int (ShoalSettings *self,
                        const char *key,
                        gint64 default_value,
                        gint64 min_value,
                        gint64 max_value,
                        gint64 *out_value,
                        GError **error)
{
  yaml_node_t *value;
  g_autofree char *path = NULL;
  gint64 result = 0;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (min_value <= max_value, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  value = lookup_value (self, key);
  if (value == NULL)
    {
      *out_value = default_value;
      return TRUE;
    }

  path = join_key_path (self->key_path, key);
  if (value->type != YAML_SCALAR_NODE || classify_scalar (value) != SCALAR_INTEGER)
    {
      set_value_type_error (self, value, path, _ ("an integer"), error);
      return FALSE;
    }

  /* An integer too large for 64 bits is out of any range we accept. */
  if (!parse_integer (scalar_text (value), &result) || result < min_value || result > max_value)
    {
      if (max_value == G_MAXINT64)
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be at least %" G_GINT64_FORMAT ", got %s"), min_value,
                            scalar_text (value));
      else if (min_value == G_MININT64)
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be at most %" G_GINT64_FORMAT ", got %s"), max_value,
                            scalar_text (value));
      else
        set_error_at_markv (
            self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
            _ ("must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT ", got %s"), min_value,
            max_value, scalar_text (value));
      return FALSE;
    }

  *out_value = result;
  return TRUE;
}

/**
 * shoal_settings_get_double:
 * @self: a #ShoalSettings
 * @key: a key
 * @default_value: the value when @key is absent or `null`; it is not
 *   checked against the range
 * @min_value: the smallest value accepted (-%G_MAXDOUBLE for no limit)
 * @max_value: the largest value accepted (%G_MAXDOUBLE for no limit)
 * @out_value: (out): return location for the value
 * @error: return location for a #GError
 *
 * Gets a number: an integer, a decimal fraction (`0.5`, `.5`, `1e3`) or
 * `.inf`, without quotes. Text is a %SHOAL_CONFIG_ERROR_TYPE error, a value
 * outside [@min_value, @max_value] (or NaN) a %SHOAL_CONFIG_ERROR_RANGE
 * error. Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_double (ShoalSettings *self,
                           const char *key,
                           double default_value,
                           double min_value,
                           double max_value,
                           double *out_value,
                           GError **error)
{
  yaml_node_t *value;
  g_autofree char *path = NULL;
  ScalarType type;
  double result;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (min_value <= max_value, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  value = lookup_value (self, key);
  if (value == NULL)
    {
      *out_value = default_value;
      return TRUE;
    }

  path = join_key_path (self->key_path, key);
  type = value->type == YAML_SCALAR_NODE ? classify_scalar (value) : SCALAR_STRING;
  if (value->type != YAML_SCALAR_NODE || (type != SCALAR_INTEGER && type != SCALAR_FLOAT))
    {
      set_value_type_error (self, value, path, _ ("a number"), error);
      return FALSE;
    }

  result = parse_float (scalar_text (value));
  /* Written so that NaN fails too. */
  if (!(result >= min_value && result <= max_value))
    {
      char min_text[G_ASCII_DTOSTR_BUF_SIZE];
      char max_text[G_ASCII_DTOSTR_BUF_SIZE];
      gboolean no_min = min_value <= -G_MAXDOUBLE;
      gboolean no_max = max_value >= G_MAXDOUBLE;

      g_ascii_formatd (min_text, sizeof min_text, "%g", min_value);
      g_ascii_formatd (max_text, sizeof max_text, "%g", max_value);

      if (no_min && no_max)
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be a finite number, got %s"), scalar_text (value));
      else if (no_max)
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be at least %s, got %s"), min_text, scalar_text (value));
      else if (no_min)
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be at most %s, got %s"), max_text, scalar_text (value));
      else
        set_error_at_markv (self->doc, &value->start_mark, path, error, SHOAL_CONFIG_ERROR_RANGE,
                            _ ("must be between %s and %s, got %s"), min_text, max_text,
                            scalar_text (value));
      return FALSE;
    }

  *out_value = result;
  return TRUE;
}

/**
 * shoal_settings_get_strv:
 * @self: a #ShoalSettings
 * @key: a key
 * @out_value: (out) (transfer full) (array zero-terminated=1) (nullable):
 *   return location for the strings, %NULL when @key is absent or `null`
 * @error: return location for a #GError
 *
 * Gets a list of strings. A single string is an error, not a list of one:
 * it is more often a missing `-` than a shortcut. Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_strv (ShoalSettings *self, const char *key, char ***out_value, GError **error)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  g_autofree char *path = NULL;
  yaml_node_t *value;
  gsize index = 0;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_value = NULL;
  value = lookup_value (self, key);
  if (value == NULL)
    return TRUE;

  path = join_key_path (self->key_path, key);
  if (value->type != YAML_SEQUENCE_NODE)
    {
      set_value_type_error (self, value, path, _ ("a list of strings"), error);
      return FALSE;
    }

  builder = g_strv_builder_new ();
  for (yaml_node_item_t *item = value->data.sequence.items.start;
       item < value->data.sequence.items.top; item++, index++)
    {
      yaml_node_t *element = get_node (self->doc, *item);

      if (element->type != YAML_SCALAR_NODE || node_is_null (element))
        {
          g_autofree char *element_path = index_key_path (path, index);

          set_value_type_error (self, element, element_path, _ ("a string"), error);
          return FALSE;
        }
      g_strv_builder_add (builder, scalar_text (element));
    }

  *out_value = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
is_environment_name (const char *name)
{
  if (!(g_ascii_isalpha (name[0]) || name[0] == '_'))
    return FALSE;
  for (const char *p = name + 1; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_'))
      return FALSE;
  return TRUE;
}

/**
 * shoal_settings_get_environ:
 * @self: a #ShoalSettings
 * @key: a key
 * @out_value: (out) (transfer full) (array zero-terminated=1) (nullable):
 *   return location for the variables as `NAME=VALUE`, in the order of the
 *   file, %NULL when @key is absent or `null`
 * @error: return location for a #GError
 *
 * Gets a mapping of environment variables. Names must be valid variable
 * names (`[A-Za-z_][A-Za-z0-9_]*`); values are scalars, a `null` value being
 * the empty string. Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_environ (ShoalSettings *self, const char *key, char ***out_value, GError **error)
{
  g_autoptr (GStrvBuilder) builder = NULL;
  g_autofree char *path = NULL;
  yaml_node_t *value;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_value = NULL;
  value = lookup_value (self, key);
  if (value == NULL)
    return TRUE;

  path = join_key_path (self->key_path, key);
  if (value->type != YAML_MAPPING_NODE)
    {
      set_value_type_error (self, value, path, _ ("a mapping of environment variables"), error);
      return FALSE;
    }

  builder = g_strv_builder_new ();
  for (yaml_node_pair_t *pair = value->data.mapping.pairs.start;
       pair < value->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *name_node = get_node (self->doc, pair->key);
      yaml_node_t *value_node = get_node (self->doc, pair->value);
      const char *name = scalar_text (name_node);
      g_autofree char *variable_path = join_key_path (path, name);
      g_autofree char *variable = NULL;

      if (!is_environment_name (name))
        {
          set_error_at_markv (self->doc, &name_node->start_mark, variable_path, error,
                              SHOAL_CONFIG_ERROR_INVALID,
                              _ ("invalid environment variable name '%s' (names are letters, "
                                 "digits and '_', not starting with a digit)"),
                              name);
          return FALSE;
        }
      if (!node_is_null (value_node) && value_node->type != YAML_SCALAR_NODE)
        {
          set_value_type_error (self, value_node, variable_path, _ ("a string"), error);
          return FALSE;
        }
      variable =
          g_strconcat (name, "=", node_is_null (value_node) ? "" : scalar_text (value_node), NULL);
      g_strv_builder_add (builder, variable);
    }

  *out_value = g_strv_builder_end (builder);
  return TRUE;
}

/**
 * shoal_settings_get_settings:
 * @self: a #ShoalSettings
 * @key: a key
 * @out_value: (out) (transfer full) (nullable): return location for the
 *   nested settings, %NULL when @key is absent or `null`
 * @error: return location for a #GError
 *
 * Gets a nested mapping, to be read in turn; its messages name it by its
 * path (`resource_pools.drivers`). Marks @key consumed (but none of the
 * nested keys).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_settings (ShoalSettings *self,
                             const char *key,
                             ShoalSettings **out_value,
                             GError **error)
{
  g_autofree char *path = NULL;
  yaml_node_t *value;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_value = NULL;
  value = lookup_value (self, key);
  if (value == NULL)
    return TRUE;

  path = join_key_path (self->key_path, key);
  if (value->type != YAML_MAPPING_NODE)
    {
      set_value_type_error (self, value, path, _ ("a mapping"), error);
      return FALSE;
    }

  *out_value = settings_new (self->doc, (int) (value - self->doc->document.nodes.start) + 1,
                             &value->start_mark, path);
  return TRUE;
}

/**
 * shoal_settings_get_settings_list:
 * @self: a #ShoalSettings
 * @key: a key
 * @out_value: (out) (transfer container) (element-type Shoal.Settings) (nullable):
 *   return location for the nested settings, named `key[0]`, `key[1]`...;
 *   %NULL when @key is absent or `null`
 * @error: return location for a #GError
 *
 * Gets a list of mappings (the suites, say). The array holds a reference on
 * each element and drops it when freed. Marks @key consumed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
shoal_settings_get_settings_list (ShoalSettings *self,
                                  const char *key,
                                  GPtrArray **out_value,
                                  GError **error)
{
  g_autoptr (GPtrArray) list = NULL;
  g_autofree char *path = NULL;
  yaml_node_t *value;
  gsize index = 0;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (out_value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_value = NULL;
  value = lookup_value (self, key);
  if (value == NULL)
    return TRUE;

  path = join_key_path (self->key_path, key);
  if (value->type != YAML_SEQUENCE_NODE)
    {
      set_value_type_error (self, value, path, _ ("a list"), error);
      return FALSE;
    }

  list = g_ptr_array_new_with_free_func (g_object_unref);
  for (yaml_node_item_t *item = value->data.sequence.items.start;
       item < value->data.sequence.items.top; item++, index++)
    {
      yaml_node_t *element = get_node (self->doc, *item);
      g_autofree char *element_path = index_key_path (path, index);

      if (element->type != YAML_MAPPING_NODE)
        {
          set_value_type_error (self, element, element_path, _ ("a mapping"), error);
          return FALSE;
        }
      g_ptr_array_add (list, settings_new (self->doc, *item, &element->start_mark, element_path));
    }

  *out_value = g_steal_pointer (&list);
  return TRUE;
}

/* Optimal string alignment distance: Levenshtein plus transpositions of
 * neighbours, the commonest typo ("tiemout"). */
static gsize
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree gsize *d = g_new (gsize, (la + 1) * (lb + 1));

#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        gsize cost = a[i - 1] == b[j - 1] ? 0 : 1;
        gsize best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);

        best = MIN (best, D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  return D (la, lb);
#undef D
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/**
 * shoal_settings_check_keys:
 * @self: a #ShoalSettings
 * @known_keys: (array zero-terminated=1) (nullable): the keys the caller
 *   knows, besides those already read with a getter
 * @error: return location for a #GError
 *
 * Checks that every key of the mapping is either in @known_keys or was read
 * by a getter. The first other key, in the order of the file, is a
 * %SHOAL_CONFIG_ERROR_UNKNOWN_KEY error pointing at it, suggesting the
 * closest known key when it is likely a typo, else listing the known keys.
 *
 * Returns: %TRUE if every key is known, %FALSE with @error set
 */
gboolean
shoal_settings_check_keys (ShoalSettings *self, const char *const *known_keys, GError **error)
{
  g_autoptr (GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) candidates = NULL;
  yaml_node_t *mapping;
  yaml_node_t *unknown = NULL;
  g_autofree char *path = NULL;
  const char *best = NULL;
  gsize best_distance = G_MAXSIZE;
  gsize limit;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (SHOAL_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (gsize i = 0; known_keys != NULL && known_keys[i] != NULL; i++)
    g_hash_table_add (known, (gpointer) known_keys[i]);
  g_mutex_lock (&self->consumed_lock);
  g_hash_table_iter_init (&iter, self->consumed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (known, key);
  g_hash_table_iter_init (&iter, self->asked);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (known, key);
  g_mutex_unlock (&self->consumed_lock);

  mapping = settings_mapping (self);
  if (mapping == NULL)
    return TRUE;

  for (yaml_node_pair_t *pair = mapping->data.mapping.pairs.start;
       pair < mapping->data.mapping.pairs.top; pair++)
    {
      yaml_node_t *key_node = get_node (self->doc, pair->key);

      if (!g_hash_table_contains (known, scalar_text (key_node)))
        {
          unknown = key_node;
          break;
        }
    }
  if (unknown == NULL)
    return TRUE;

  /* Sorted, so the listing reads well and ties go the same way each time. */
  candidates = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (candidates, key);
  g_ptr_array_sort (candidates, compare_strings);

  limit = MAX (2, strlen (scalar_text (unknown)) / 3);
  for (guint i = 0; i < candidates->len; i++)
    {
      gsize distance = edit_distance (scalar_text (unknown), candidates->pdata[i]);

      if (distance <= limit && distance < best_distance)
        {
          best = candidates->pdata[i];
          best_distance = distance;
        }
    }

  path = join_key_path (self->key_path, scalar_text (unknown));
  if (best != NULL)
    {
      set_error_at_markv (self->doc, &unknown->start_mark, path, error,
                          SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
                          _ ("unknown key '%s'; did you mean '%s'?"), scalar_text (unknown), best);
    }
  else if (candidates->len == 0)
    {
      set_error_at_markv (self->doc, &unknown->start_mark, path, error,
                          SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
                          _ ("unknown key '%s' (no keys are known here)"), scalar_text (unknown));
    }
  else
    {
      g_autofree char *listing = NULL;

      g_ptr_array_add (candidates, NULL);
      listing = g_strjoinv (", ", (char **) candidates->pdata);
      set_error_at_markv (self->doc, &unknown->start_mark, path, error,
                          SHOAL_CONFIG_ERROR_UNKNOWN_KEY, _ ("unknown key '%s' (known keys: %s)"),
                          scalar_text (unknown), listing);
    }
  return FALSE;
}

/**
 * shoal_settings_set_error_literal:
 * @self: a #ShoalSettings
 * @key: (nullable): the key the error is about, or %NULL for the mapping
 * @error: return location for a #GError, or %NULL
 * @code: the error code
 * @message: the message, without position
 *
 * Sets @error to @message, positioned the way every configuration error is:
 * `FILE:LINE:COLUMN: KEY: message`, at the value of @key when it has one,
 * else at @key, else (absent @key, or %NULL) at the mapping. Plugins use it
 * to report problems in their own settings.
 */
void
shoal_settings_set_error_literal (ShoalSettings *self,
                                  const char *key,
                                  GError **error,
                                  ShoalConfigError code,
                                  const char *message)
{
  yaml_node_t *key_node = NULL;
  yaml_node_t *value_node = NULL;
  g_autofree char *path = NULL;
  const yaml_mark_t *mark = &self->mark;

  g_return_if_fail (SHOAL_IS_SETTINGS (self));
  g_return_if_fail (message != NULL);
  g_return_if_fail (error == NULL || *error == NULL);

  if (key == NULL)
    {
      set_error_at_mark (self->doc, &self->mark, self->key_path, error, code, message);
      return;
    }

  if (find_pair (self, key, &key_node, &value_node))
    mark = node_is_null (value_node) ? &key_node->start_mark : &value_node->start_mark;

  path = join_key_path (self->key_path, key);
  set_error_at_mark (self->doc, mark, path, error, code, message);
}

/**
 * shoal_settings_set_error:
 * @self: a #ShoalSettings
 * @key: (nullable): the key the error is about, or %NULL for the mapping
 * @error: return location for a #GError, or %NULL
 * @code: the error code
 * @format: printf()-style format of the message, without position
 * @...: arguments for @format
 *
 * Sets @error as [method@Shoal.Settings.set_error_literal] does, with a
 * formatted message.
 */
void
shoal_settings_set_error (ShoalSettings *self,
                          const char *key,
                          GError **error,
                          ShoalConfigError code,
                          const char *format,
                          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_if_fail (SHOAL_IS_SETTINGS (self));
  g_return_if_fail (format != NULL);

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  shoal_settings_set_error_literal (self, key, error, code, message);
}
