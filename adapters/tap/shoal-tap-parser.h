/* shoal-tap-parser.h: reads Test Anything Protocol output (internal API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by the modules whose tests speak TAP (the tap and glib adapters):
 * each compiles this file into itself, so the protocol is written once but
 * no module depends on another. Not part of libshoal, not introspected.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ShoalTapDirective:
 * @SHOAL_TAP_DIRECTIVE_NONE: a plain point
 * @SHOAL_TAP_DIRECTIVE_SKIP: `# SKIP`: the test did not run
 * @SHOAL_TAP_DIRECTIVE_TODO: `# TODO`: the test is expected to fail
 *
 * The directive of a test point.
 */
typedef enum
{
  SHOAL_TAP_DIRECTIVE_NONE,
  SHOAL_TAP_DIRECTIVE_SKIP,
  SHOAL_TAP_DIRECTIVE_TODO,
} ShoalTapDirective;

/**
 * ShoalTapPoint:
 * @number: the number written, or the previous point's plus one when the
 *   line has none
 * @ok: `ok` rather than `not ok`
 * @directive: its directive
 * @description: the text after the number (without a leading `- `, with
 *   `\#` and `\\` unescaped); never %NULL, empty when there is none
 * @reason: the text after the directive, or %NULL
 * @diagnostics: the YAML block after the point (`  ---` ... `  ...`),
 *   unindented, or %NULL
 * @comments: the top-level comment lines between the previous point and
 *   this one, without their `# `, one a line, or %NULL
 * @line: where the point is in the output, from 1
 *
 * One `ok` or `not ok` line. Every string is valid UTF-8.
 */
typedef struct
{
  guint number;
  gboolean ok;
  ShoalTapDirective directive;
  char *description;
  char *reason;
  char *diagnostics;
  char *comments;
  guint line;
} ShoalTapPoint;

/**
 * ShoalTapDocument:
 * @points: (element-type ShoalTapPoint): the top-level points, in order
 * @version: the `TAP version` line's number, 12 when there is none
 * @has_plan: whether a plan line (`1..N`) was seen
 * @planned: N of the last plan line (GLib prints one plan per `-p`,
 *   each counting all points so far, so the last one is the one that holds)
 * @skip_all: the plan is `1..0`: the whole command skipped itself
 * @skip_reason: the plan's comment (after `SKIP`, when it says so), or %NULL
 * @bailed_out: a `Bail out!` line ended the output
 * @bail_out_reason: the text after `Bail out!`, or %NULL
 * @trailing_comments: the comment lines after the last point, or %NULL
 * @seen_tap: whether any TAP line (version, plan, point, bail out) was seen
 *
 * What a TAP producer said. Lines TAP does not know are ignored, as the
 * protocol asks; lines indented under a point (subtests, TAP 14) are
 * ignored too, the top-level point that follows them stands for them.
 */
typedef struct
{
  GPtrArray *points;
  guint version;
  gboolean has_plan;
  guint planned;
  gboolean skip_all;
  char *skip_reason;
  gboolean bailed_out;
  char *bail_out_reason;
  char *trailing_comments;
  gboolean seen_tap;
} ShoalTapDocument;

ShoalTapDocument *shoal_tap_document_parse (const char *text, gssize length);
void shoal_tap_document_free (ShoalTapDocument *self);
const char *shoal_tap_document_get_comments_after (ShoalTapDocument *self, guint index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTapDocument, shoal_tap_document_free)

G_END_DECLS
