/* shoal-tap-parser.c: reads Test Anything Protocol output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Versions 12, 13 and 14 read the same way here: a plan (`1..N`, first or
 * last), points (`ok`/`not ok`, number, description, `# SKIP`/`# TODO`),
 * YAML diagnostics after a point (13), indented subtests (14), comments,
 * and `Bail out!`. Anything else is not an error: TAP asks consumers to
 * ignore what they do not understand, and test programs do print other
 * things (GLib's `**` lines on standard error end up in the same capture).
 */

#include "config.h"

#include <string.h>

#include "shoal-tap-parser.h"

static void
shoal_tap_point_free (gpointer data)
{
  ShoalTapPoint *point = data;

  g_free (point->description);
  g_free (point->reason);
  g_free (point->diagnostics);
  g_free (point->comments);
  g_free (point);
}

/**
 * shoal_tap_document_free:
 * @self: (nullable): a document
 *
 * Frees @self and everything it holds.
 */
void
shoal_tap_document_free (ShoalTapDocument *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->points);
  g_free (self->skip_reason);
  g_free (self->bail_out_reason);
  g_free (self->trailing_comments);
  g_free (self);
}

/**
 * shoal_tap_document_get_comments_after:
 * @self: a document
 * @index: a point's index in @self->points
 *
 * The comments printed after a point and before the next one: where
 * Perl's Test::More and most TAP producers explain a failure (GLib
 * explains it before the point instead).
 *
 * Returns: (nullable): the comments, or %NULL
 */
const char *
shoal_tap_document_get_comments_after (ShoalTapDocument *self, guint index)
{
  g_return_val_if_fail (index < self->points->len, NULL);

  if (index + 1 < self->points->len)
    return ((ShoalTapPoint *) g_ptr_array_index (self->points, index + 1))->comments;
  return self->trailing_comments;
}

/* Test output is bytes; what we keep goes into messages and the JSON
 * event stream, which must be UTF-8. */
static char *
valid_text (const char *start, gssize length)
{
  if (length < 0)
    length = strlen (start);
  return g_utf8_make_valid (start, length);
}

static char *
strip_copy (const char *start, const char *end)
{
  while (start < end && g_ascii_isspace (*start))
    start++;
  while (end > start && g_ascii_isspace (end[-1]))
    end--;
  return valid_text (start, end - start);
}

/* NULL for an empty string, so absent and empty read the same. */
static char *
nonempty (char *text)
{
  if (text != NULL && text[0] == '\0')
    g_clear_pointer (&text, g_free);
  return text;
}

static gboolean
has_word_prefix (const char *text, const char *word, const char **out_rest)
{
  gsize n = strlen (word);

  if (strncmp (text, word, n) != 0)
    return FALSE;
  if (text[n] != '\0' && !g_ascii_isspace (text[n]))
    return FALSE;
  *out_rest = text + n;
  return TRUE;
}

/* `1..N` with an optional `# comment`; `1..0 # SKIP why` skips it all. */
static gboolean
parse_plan (ShoalTapDocument *doc, const char *line)
{
  const char *p = line + 3;
  const char *digits = p;
  guint64 count;

  if (strncmp (line, "1..", 3) != 0 || !g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '\0' && *p != '#')
    return FALSE;

  count = g_ascii_strtoull (digits, NULL, 10);
  doc->has_plan = TRUE;
  doc->planned = (guint) MIN (count, G_MAXUINT);
  doc->skip_all = count == 0;
  g_clear_pointer (&doc->skip_reason, g_free);
  if (*p == '#')
    {
      const char *comment = p + 1;

      while (g_ascii_isspace (*comment))
        comment++;
      if (g_ascii_strncasecmp (comment, "skip", 4) == 0)
        {
          comment += 4;
          while (g_ascii_isalpha (*comment))
            comment++;
        }
      doc->skip_reason = nonempty (strip_copy (comment, comment + strlen (comment)));
    }
  return TRUE;
}

/* `SKIP` and `TODO` in any case; TAP also lets a word run on (`skipped`,
 * `Skipping`), which some producers write. */
static ShoalTapDirective
parse_directive (const char *text, const char **out_rest)
{
  static const struct
  {
    const char *word;
    ShoalTapDirective directive;
  } words[] = {
    { "skip", SHOAL_TAP_DIRECTIVE_SKIP },
    { "todo", SHOAL_TAP_DIRECTIVE_TODO },
  };

  while (g_ascii_isspace (*text))
    text++;
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_ascii_strncasecmp (text, words[i].word, 4) == 0)
      {
        const char *rest = text + 4;

        while (g_ascii_isalpha (*rest))
          rest++;
        /* `# Skipped: offline` says "offline". */
        if (*rest == ':')
          rest++;
        *out_rest = rest;
        return words[i].directive;
      }
  return SHOAL_TAP_DIRECTIVE_NONE;
}

static ShoalTapPoint *
parse_point (const char *line, guint previous_number)
{
  g_autoptr (GString) description = g_string_new (NULL);
  ShoalTapPoint *point;
  const char *p;
  gboolean ok;

  if (has_word_prefix (line, "ok", &p))
    ok = TRUE;
  else if (has_word_prefix (line, "not ok", &p))
    ok = FALSE;
  else
    return NULL;

  point = g_new0 (ShoalTapPoint, 1);
  point->ok = ok;

  while (*p == ' ' || *p == '\t')
    p++;
  if (g_ascii_isdigit (*p))
    {
      char *end = NULL;
      guint64 number = g_ascii_strtoull (p, &end, 10);

      point->number = (guint) MIN (number, G_MAXUINT);
      p = end;
    }
  else
    {
      point->number = previous_number + 1;
    }
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p == '-' && (p[1] == '\0' || g_ascii_isspace (p[1])))
    p++;

  /* The description runs to the first unescaped '#'. */
  for (; *p != '\0' && *p != '#'; p++)
    {
      if (*p == '\\' && (p[1] == '#' || p[1] == '\\'))
        p++;
      g_string_append_c (description, *p);
    }
  point->description = strip_copy (description->str, description->str + description->len);

  if (*p == '#')
    {
      const char *rest = NULL;

      point->directive = parse_directive (p + 1, &rest);
      if (point->directive != SHOAL_TAP_DIRECTIVE_NONE)
        point->reason = nonempty (strip_copy (rest, rest + strlen (rest)));
    }
  return point;
}

static void
append_line (GString **text, const char *line)
{
  if (*text == NULL)
    *text = g_string_new (NULL);
  else
    g_string_append_c (*text, '\n');
  g_string_append (*text, line);
}

static char *
take_text (GString **text)
{
  char *result;

  if (*text == NULL)
    return NULL;
  result = valid_text ((*text)->str, (*text)->len);
  g_string_free (g_steal_pointer (text), TRUE);
  return result;
}

/* A YAML block without the blank lines that may end it (the output's
 * last newline, when the block is cut short). */
static char *
take_block (GString **text)
{
  char *block = take_text (text);

  if (block != NULL)
    g_strchomp (block);
  return nonempty (block);
}

static gsize
indentation (const char *line)
{
  gsize n = 0;

  while (line[n] == ' ' || line[n] == '\t')
    n++;
  return n;
}

static gboolean
is_yaml_start (const char *line)
{
  gsize indent = indentation (line);

  return indent > 0 && strncmp (line + indent, "---", 3) == 0 &&
         (line[indent + 3] == '\0' || g_ascii_isspace (line[indent + 3]));
}

static gboolean
is_yaml_end (const char *line)
{
  gsize indent = indentation (line);
  const char *p = line + indent;

  if (strncmp (p, "...", 3) != 0)
    return FALSE;
  for (p += 3; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

/**
 * shoal_tap_document_parse:
 * @text: the output of a TAP producer
 * @length: its length, or -1 if nul-terminated
 *
 * Reads @text. Never fails: output that holds no TAP at all gives a
 * document whose @seen_tap is %FALSE.
 *
 * Returns: (transfer full): the document
 */
ShoalTapDocument *
shoal_tap_document_parse (const char *text, gssize length)
{
  g_autoptr (ShoalTapDocument) doc = g_new0 (ShoalTapDocument, 1);
  g_autoptr (GString) comments = NULL;
  g_autoptr (GString) yaml = NULL;
  g_autofree char *copy = NULL;
  g_auto (GStrv) lines = NULL;
  ShoalTapPoint *last_point = NULL;
  gboolean last_line_was_point = FALSE;
  gboolean in_yaml = FALSE;
  gsize yaml_indent = 0;
  guint number = 0;

  doc->points = g_ptr_array_new_with_free_func (shoal_tap_point_free);
  doc->version = 12;

  if (text == NULL)
    text = "";
  if (length < 0)
    length = strlen (text);
  /* A NUL in the middle of a capture would hide the rest of it from the
   * string functions below. */
  copy = g_strndup (text, length);
  for (gssize i = 0; i < length; i++)
    if (copy[i] == '\0')
      copy[i] = ' ';
  lines = g_strsplit (copy, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      ShoalTapPoint *point;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';

      if (in_yaml)
        {
          if (is_yaml_end (line))
            {
              last_point->diagnostics = take_block (&yaml);
              last_line_was_point = FALSE;
              in_yaml = FALSE;
            }
          else
            {
              gsize indent = MIN (indentation (line), yaml_indent);

              append_line (&yaml, line + indent);
            }
          continue;
        }

      if (last_line_was_point && is_yaml_start (line))
        {
          in_yaml = TRUE;
          yaml_indent = indentation (line);
          continue;
        }
      last_line_was_point = FALSE;

      /* Indented lines belong to a subtest (or are noise); the top-level
       * point after a subtest sums it up. */
      if (line[0] == ' ' || line[0] == '\t')
        continue;

      if (g_str_has_prefix (line, "TAP version "))
        {
          guint64 version = g_ascii_strtoull (line + strlen ("TAP version "), NULL, 10);

          if (version >= 13)
            doc->version = (guint) MIN (version, G_MAXUINT);
          doc->seen_tap = TRUE;
          continue;
        }

      if (parse_plan (doc, line))
        {
          doc->seen_tap = TRUE;
          continue;
        }

      if (g_str_has_prefix (line, "Bail out!"))
        {
          const char *reason = line + strlen ("Bail out!");

          doc->seen_tap = TRUE;
          doc->bailed_out = TRUE;
          doc->bail_out_reason = nonempty (strip_copy (reason, reason + strlen (reason)));
          /* The producer stops here; whatever follows is not its word. */
          break;
        }

      if (line[0] == '#')
        {
          const char *comment = line + 1;

          if (*comment == ' ')
            comment++;
          append_line (&comments, comment);
          continue;
        }

      point = parse_point (line, number);
      if (point != NULL)
        {
          doc->seen_tap = TRUE;
          point->line = i + 1;
          point->comments = take_text (&comments);
          number = point->number;
          g_ptr_array_add (doc->points, point);
          last_point = point;
          last_line_was_point = TRUE;
        }
    }

  /* A block cut short by the end of the output (the producer died) still
   * says something. */
  if (in_yaml)
    last_point->diagnostics = take_block (&yaml);
  doc->trailing_comments = take_text (&comments);

  return g_steal_pointer (&doc);
}
