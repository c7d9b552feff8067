/* shoal-gtest-program.h: GLib test programs, case by case (internal API)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How to list a GLib test program's cases, run exactly some of them and
 * read what they did. The glib adapter runs the programs it is given; the
 * installed_tests adapter runs those a `.test` file names. Each module
 * compiles this file into itself (with the tap parser it needs), so GTest
 * is driven one way but no module depends on another. Not part of
 * libshoal, not introspected.
 */

#pragma once

#include <shoal.h>

#include "../tap/shoal-tap-parser.h"

G_BEGIN_DECLS

/**
 * ShoalGTestProgram:
 * @path: the program file, for messages
 * @command: what starts it: its path, or its path after whatever runs it
 *   (`env A=b PATH`); options follow
 * @args: (nullable): arguments added to every invocation, after the
 *   selection of cases
 * @listing: (element-type utf8) (nullable): its GTest paths in GLib's run
 *   order, once listed
 * @sorted: (element-type utf8) (nullable): the same strings, sorted, to
 *   find a path's descendants
 *
 * One GLib test program.
 */
typedef struct
{
  char *path;
  char **command;
  char **args;
  GPtrArray *listing;
  GPtrArray *sorted;
} ShoalGTestProgram;

/**
 * ShoalGTestCase:
 * @program: its program (not owned)
 * @gtest_path: its GTest path, or %NULL when the program runs as a whole
 * @position: its index in the program's listing
 * @skipped: whether it is to be skipped (GLib reports it skipped "by
 *   request")
 *
 * One case of a program, as one scheduled test.
 */
typedef struct
{
  ShoalGTestProgram *program;
  char *gtest_path;
  guint position;
  gboolean skipped;
} ShoalGTestCase;

ShoalGTestProgram *shoal_gtest_program_new (const char *path,
                                            const char *const *command,
                                            const char *const *args);
void shoal_gtest_program_free (ShoalGTestProgram *program);
gboolean shoal_gtest_program_list (ShoalGTestProgram *program,
                                   const char *cwd,
                                   const char *const *environment,
                                   double timeout,
                                   GCancellable *cancellable,
                                   char **out_note,
                                   GError **error);

ShoalGTestCase *shoal_gtest_case_new (ShoalGTestProgram *program,
                                      const char *gtest_path,
                                      guint position,
                                      gboolean skipped);
void shoal_gtest_case_free (ShoalGTestCase *gcase);

gboolean shoal_gtest_path_is_under (const char *path, const char *prefix);
GStrv shoal_gtest_build_cases_argv (GPtrArray *cases, GPtrArray **out_order);
GPtrArray *shoal_gtest_interpret_cases (GPtrArray *tests,
                                        ShoalExecution *execution,
                                        ShoalTapDocument *doc,
                                        const char *program);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalGTestProgram, shoal_gtest_program_free)

G_END_DECLS
