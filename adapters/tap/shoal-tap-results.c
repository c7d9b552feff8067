/* shoal-tap-results.c: turns TAP into outcomes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "shoal-tap-results.h"

static void
append_part (GString *message, const char *separator, const char *part)
{
  if (part == NULL || part[0] == '\0')
    return;
  if (message->len > 0)
    g_string_append (message, separator);
  g_string_append (message, part);
}

static char *
take_message (GString *message)
{
  if (message->len == 0)
    return NULL;
  return g_strdup (message->str);
}

/* GLib frames every suite with these; they say nothing about a failure. */
static gboolean
is_glib_noise (const char *line)
{
  if (g_str_has_prefix (line, "random seed: ") || g_str_has_prefix (line, " summary: "))
    return TRUE;
  if ((g_str_has_prefix (line, "Start of ") || g_str_has_prefix (line, "End of ")) &&
      g_str_has_suffix (line, " tests"))
    return TRUE;
  return FALSE;
}

/**
 * shoal_tap_filter_comments:
 * @comments: (nullable): comment lines, as the parser keeps them
 * @style: the producer's style
 *
 * Returns: (transfer full) (nullable): the lines worth a reader's time, or
 *   %NULL when none is
 */
char *
shoal_tap_filter_comments (const char *comments, ShoalTapStyle style)
{
  g_autoptr (GString) kept = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;

  if (comments == NULL)
    return NULL;
  if (style != SHOAL_TAP_STYLE_GLIB)
    return g_strdup (comments);

  lines = g_strsplit (comments, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!is_glib_noise (lines[i]))
      append_part (kept, "\n", lines[i]);
  return take_message (kept);
}

/**
 * shoal_tap_split_glib_description:
 * @description: a point's description as GLib writes it
 * @out_path: (out) (transfer full): the GTest path
 * @out_message: (out) (transfer full) (nullable): the text of
 *   g_test_fail_printf() or g_test_skip_printf(), or %NULL
 *
 * GLib writes `/path` or, when the test gave a reason, `/path - reason`.
 */
void
shoal_tap_split_glib_description (const char *description, char **out_path, char **out_message)
{
  const char *separator = description[0] == '/' ? strstr (description, " - ") : NULL;

  if (separator == NULL)
    {
      *out_path = g_strdup (description);
      *out_message = NULL;
      return;
    }
  *out_path = g_strndup (description, separator - description);
  *out_message = g_strdup (separator + 3);
}

/**
 * shoal_tap_point_outcome:
 * @doc: a document
 * @index: the point's index in @doc->points
 * @style: the producer's style
 * @out_message: (out) (transfer full) (nullable): why, for people
 *
 * Returns: the outcome of the point
 */
ShoalOutcome
shoal_tap_point_outcome (ShoalTapDocument *doc,
                         guint index,
                         ShoalTapStyle style,
                         char **out_message)
{
  ShoalTapPoint *point = g_ptr_array_index (doc->points, index);
  g_autoptr (GString) message = g_string_new (NULL);
  ShoalOutcome outcome;

  switch (point->directive)
    {
    case SHOAL_TAP_DIRECTIVE_SKIP:
      /* TAP 14 says a skipped point is not a failure whatever it says. */
      outcome = SHOAL_OUTCOME_SKIPPED;
      append_part (message, "", point->reason);
      break;

    case SHOAL_TAP_DIRECTIVE_TODO:
      if (point->ok)
        {
          outcome = SHOAL_OUTCOME_PASSED;
          g_string_append (message, "unexpectedly passed (TODO)");
          append_part (message, ": ", point->reason);
        }
      else if (style == SHOAL_TAP_STYLE_GLIB)
        {
          /* g_test_incomplete(): the test is not finished; it did not
           * fail, it did not fully run. */
          outcome = SHOAL_OUTCOME_SKIPPED;
          g_string_append (message, "incomplete");
          append_part (message, ": ", point->reason);
        }
      else
        {
          outcome = SHOAL_OUTCOME_PASSED;
          g_string_append (message, "xfail (TODO)");
          append_part (message, ": ", point->reason);
        }
      break;

    case SHOAL_TAP_DIRECTIVE_NONE:
    default:
      outcome = point->ok ? SHOAL_OUTCOME_PASSED : SHOAL_OUTCOME_FAILED;
      if (point->ok)
        break;
      if (style == SHOAL_TAP_STYLE_GLIB)
        {
          g_autofree char *before = shoal_tap_filter_comments (point->comments, style);
          g_autofree char *path = NULL;
          g_autofree char *reason = NULL;

          shoal_tap_split_glib_description (point->description, &path, &reason);
          append_part (message, "\n", before);
          append_part (message, "\n", reason);
          append_part (message, "\n", point->diagnostics);
        }
      else
        {
          append_part (message, "\n", point->diagnostics);
          append_part (message, "\n", shoal_tap_document_get_comments_after (doc, index));
        }
      break;
    }

  *out_message = take_message (message);
  return outcome;
}

/**
 * shoal_tap_command_verdict:
 * @doc: what the command printed
 * @execution: how it ended
 * @style: the producer's style
 * @out_outcome: (out): the outcome of the command itself
 * @out_message: (out) (transfer full) (nullable): why, for people
 *
 * Decides whether the command itself needs a result besides its points:
 * when it printed no TAP at all, skipped everything (`1..0`), bailed out,
 * ran fewer or more points than it planned, or ended badly (killed,
 * timed out, or a failing exit status although every point passed).
 *
 * Returns: %TRUE if the command needs a result of its own
 */
gboolean
shoal_tap_command_verdict (ShoalTapDocument *doc,
                           ShoalExecution *execution,
                           ShoalTapStyle style,
                           ShoalOutcome *out_outcome,
                           char **out_message)
{
  ShoalOutcome exec_outcome = shoal_execution_get_default_outcome (execution);
  g_autofree char *described = shoal_execution_describe (execution);
  g_autoptr (GString) message = g_string_new (NULL);
  gboolean ended_badly = exec_outcome == SHOAL_OUTCOME_TIMEOUT ||
                         exec_outcome == SHOAL_OUTCOME_CRASHED ||
                         exec_outcome == SHOAL_OUTCOME_ERROR;
  gboolean any_failed = FALSE;
  guint ran = doc->points->len;

  *out_outcome = SHOAL_OUTCOME_PASSED;
  *out_message = NULL;

  if (!doc->seen_tap)
    {
      *out_outcome = exec_outcome;
      g_string_append (message, "printed no TAP");
      if (exec_outcome != SHOAL_OUTCOME_PASSED)
        append_part (message, "; ", described);
      *out_message = take_message (message);
      return TRUE;
    }

  if (doc->skip_all && ran == 0 && !doc->bailed_out)
    {
      if (ended_badly || exec_outcome == SHOAL_OUTCOME_FAILED)
        {
          *out_outcome = exec_outcome;
          g_string_append_printf (message, "planned no tests; %s", described);
        }
      else
        {
          *out_outcome = SHOAL_OUTCOME_SKIPPED;
          g_string_append (message,
                           doc->skip_reason != NULL ? doc->skip_reason : "planned no tests (1..0)");
        }
      *out_message = take_message (message);
      return TRUE;
    }

  for (guint i = 0; i < ran && !any_failed; i++)
    {
      g_autofree char *unused = NULL;

      any_failed = shoal_tap_point_outcome (doc, i, style, &unused) == SHOAL_OUTCOME_FAILED;
    }

  if (doc->bailed_out)
    {
      g_autofree char *comments = NULL;

      /* An interrupted or timed-out run says more than what the producer
       * printed before it was stopped. */
      *out_outcome = exec_outcome == SHOAL_OUTCOME_TIMEOUT || exec_outcome == SHOAL_OUTCOME_ERROR
                         ? exec_outcome
                         : SHOAL_OUTCOME_FAILED;
      g_string_append (message, "bail out");
      append_part (message, ": ", doc->bail_out_reason);
      if (*out_outcome != SHOAL_OUTCOME_FAILED)
        append_part (message, "; ", described);
      /* GLib says what it was doing when an assertion failed in the
       * comments before the bail out. */
      if (style == SHOAL_TAP_STYLE_GLIB)
        {
          comments = shoal_tap_filter_comments (doc->trailing_comments, style);
          append_part (message, "\n", comments);
        }
      *out_message = take_message (message);
      return TRUE;
    }

  if (!doc->has_plan)
    g_string_append_printf (message, "no plan after %u test%s", ran, ran == 1 ? "" : "s");
  else if (doc->planned != ran)
    g_string_append_printf (message, "planned %u test%s but ran %u", doc->planned,
                            doc->planned == 1 ? "" : "s", ran);

  if (message->len > 0)
    {
      /* A death explains the missing points better than the plan does. */
      *out_outcome = ended_badly ? exec_outcome : SHOAL_OUTCOME_FAILED;
      if (exec_outcome != SHOAL_OUTCOME_PASSED)
        append_part (message, "; ", described);
    }
  else if (ended_badly || (exec_outcome != SHOAL_OUTCOME_PASSED && !any_failed))
    {
      *out_outcome = ended_badly ? exec_outcome : SHOAL_OUTCOME_FAILED;
      g_string_append_printf (message, "%s after all points %s", described,
                              any_failed ? "ran" : "passed");
    }
  else
    {
      return FALSE;
    }

  if (style == SHOAL_TAP_STYLE_GLIB && ended_badly)
    {
      g_autofree char *comments = shoal_tap_filter_comments (doc->trailing_comments, style);

      append_part (message, "\n", comments);
    }
  *out_message = take_message (message);
  return TRUE;
}

static char *
point_local_suffix (ShoalTapPoint *point, ShoalTapStyle style)
{
  if (point->description[0] == '\0')
    return g_strdup_printf ("/%u", point->number);
  if (style == SHOAL_TAP_STYLE_GLIB && point->description[0] == '/')
    {
      g_autofree char *path = NULL;
      g_autofree char *reason = NULL;

      shoal_tap_split_glib_description (point->description, &path, &reason);
      return g_steal_pointer (&path);
    }
  return g_strconcat ("/", point->description, NULL);
}

/**
 * shoal_tap_interpret_points:
 * @test: the test whose command printed @doc
 * @execution: how the command ended
 * @doc: what it printed
 * @style: the producer's style
 *
 * One result per point, with the local id of @test followed by `/` and the
 * point's description (its number when it has none; GLib's points add
 * their GTest path, which starts with `/`); a description seen twice gets
 * ` #N`, N being its number. TAP gives no time per point, so every point
 * carries the command's times and duration. Then the command's own result
 * when [func@tap_command_verdict] asks for one.
 *
 * Returns: (transfer full) (element-type ShoalTestResult): the results
 */
GPtrArray *
shoal_tap_interpret_points (ShoalTestCase *test,
                            ShoalExecution *execution,
                            ShoalTapDocument *doc,
                            ShoalTapStyle style)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *verdict_message = NULL;
  ShoalOutcome verdict_outcome;

  for (guint i = 0; i < doc->points->len; i++)
    {
      ShoalTapPoint *point = g_ptr_array_index (doc->points, i);
      g_autofree char *suffix = point_local_suffix (point, style);
      g_autofree char *local_id = g_strconcat (shoal_test_case_get_local_id (test), suffix, NULL);
      g_autofree char *message = NULL;
      g_autoptr (ShoalTestCase) point_case = NULL;
      ShoalOutcome outcome;

      for (guint extra = 1; g_hash_table_contains (seen, local_id); extra++)
        {
          g_free (local_id);
          if (extra == 1)
            local_id = g_strdup_printf ("%s%s #%u", shoal_test_case_get_local_id (test), suffix,
                                        point->number);
          else
            local_id = g_strdup_printf ("%s%s #%u.%u", shoal_test_case_get_local_id (test), suffix,
                                        point->number, extra);
        }
      g_hash_table_add (seen, g_strdup (local_id));

      point_case = shoal_test_case_new (shoal_test_case_get_suite (test), local_id);
      if (style == SHOAL_TAP_STYLE_GLIB)
        shoal_test_case_set_name (point_case, suffix);
      /* Why the command ran the way it did (a note from discovery) holds
       * for each of its points. */
      shoal_test_case_set_note (point_case, shoal_test_case_get_note (test));

      outcome = shoal_tap_point_outcome (doc, i, style, &message);
      g_ptr_array_add (
          results, shoal_adapter_result_for_execution (point_case, execution, outcome, message));
    }

  if (shoal_tap_command_verdict (doc, execution, style, &verdict_outcome, &verdict_message))
    g_ptr_array_add (results, shoal_adapter_result_for_execution (test, execution, verdict_outcome,
                                                                  verdict_message));

  return g_steal_pointer (&results);
}
