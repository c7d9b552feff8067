/* shoal-test-graph.h: the dependency graph of a set of tests, by index
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-test-case.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_TEST_GRAPH (shoal_test_graph_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalTestGraph, shoal_test_graph, SHOAL, TEST_GRAPH, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalTestGraph *
    shoal_test_graph_new (GPtrArray *tests,
                          const double *estimates,
                          guint n_estimates,
                          GError **error);
SHOAL_AVAILABLE_IN_1_0
guint shoal_test_graph_get_n_tests (ShoalTestGraph *self);
SHOAL_AVAILABLE_IN_1_0
guint shoal_test_graph_get_n_edges (ShoalTestGraph *self);
SHOAL_AVAILABLE_IN_1_0
ShoalTestCase *shoal_test_graph_get_test (ShoalTestGraph *self,
                                          guint index_);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_graph_lookup (ShoalTestGraph *self,
                                  const char *test_id,
                                  guint *out_index);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_test_graph_matches (ShoalTestGraph *self,
                                   GPtrArray *tests);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_estimate (ShoalTestGraph *self,
                                      guint index_);
SHOAL_AVAILABLE_IN_1_0
const double *shoal_test_graph_get_estimates (ShoalTestGraph *self,
                                              guint *n_tests);
SHOAL_AVAILABLE_IN_1_0
const int *shoal_test_graph_get_priorities (ShoalTestGraph *self,
                                            guint *n_tests);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_remaining_path (ShoalTestGraph *self,
                                            guint index_);
SHOAL_AVAILABLE_IN_1_0
const double *shoal_test_graph_get_remaining_paths (ShoalTestGraph *self,
                                                    guint *n_tests);
SHOAL_AVAILABLE_IN_1_0
const guint *shoal_test_graph_get_dependencies (ShoalTestGraph *self,
                                                guint index_,
                                                guint *n_dependencies);
SHOAL_AVAILABLE_IN_1_0
const guint *shoal_test_graph_get_dependents (ShoalTestGraph *self,
                                              guint index_,
                                              guint *n_dependents);
SHOAL_AVAILABLE_IN_1_0
const guint *shoal_test_graph_get_topological_order (ShoalTestGraph *self,
                                                     guint *n_tests);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_total_estimate (ShoalTestGraph *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_longest_estimate (ShoalTestGraph *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_longest_chain (ShoalTestGraph *self);
SHOAL_AVAILABLE_IN_1_0
double shoal_test_graph_get_lower_bound (ShoalTestGraph *self,
                                         guint n_workers);

G_END_DECLS
