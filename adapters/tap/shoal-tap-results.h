/* shoal-tap-results.h: turns TAP into outcomes (internal API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Compiled into the tap and glib modules along with shoal-tap-parser.c.
 */

#pragma once

#include <shoal.h>

#include "shoal-tap-parser.h"

G_BEGIN_DECLS

/**
 * ShoalTapStyle:
 * @SHOAL_TAP_STYLE_PLAIN: TAP as the protocol means it: `not ok # TODO` is
 *   an expected failure (passed), and a failure is explained by the YAML
 *   block and the comments after the point
 * @SHOAL_TAP_STYLE_GLIB: GLib's `--tap`: `not ok # TODO` is
 *   g_test_incomplete() (skipped), a failure is explained by the comments
 *   before the point (g_test_message(), nonfatal assertions) and the text
 *   after ` - ` in the description (g_test_fail_printf()); GLib's own
 *   `Start of`/`End of`/`random seed` comments are dropped
 *
 * How a producer uses the protocol's loose ends.
 */
typedef enum
{
  SHOAL_TAP_STYLE_PLAIN,
  SHOAL_TAP_STYLE_GLIB,
} ShoalTapStyle;

ShoalOutcome shoal_tap_point_outcome (ShoalTapDocument *doc,
                                      guint index,
                                      ShoalTapStyle style,
                                      char **out_message);
char *shoal_tap_filter_comments (const char *comments, ShoalTapStyle style);
void
shoal_tap_split_glib_description (const char *description, char **out_path, char **out_message);
gboolean shoal_tap_command_verdict (ShoalTapDocument *doc,
                                    ShoalExecution *execution,
                                    ShoalTapStyle style,
                                    ShoalOutcome *out_outcome,
                                    char **out_message);
GPtrArray *shoal_tap_interpret_points (ShoalTestCase *test,
                                       ShoalExecution *execution,
                                       ShoalTapDocument *doc,
                                       ShoalTapStyle style);

G_END_DECLS
