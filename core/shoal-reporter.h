/* shoal-reporter.h: the interface of a report writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib-object.h>

#include "shoal-event.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_REPORTER (shoal_reporter_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (ShoalReporter, shoal_reporter, SHOAL, REPORTER, GObject)

/**
 * ShoalReporterInterface:
 * @open: start a report written to @destination (a file path; %NULL means
 *   standard output); fail early if it cannot be written
 * @handle_event: consume one event of the stream, in order
 * @close: finish the report (write the file); called once, also after an
 *   interrupted run, so the report covers everything that ran
 *
 * The vtable of [iface@Shoal.Reporter]. A reporter sees only the event
 * stream, so `shoal report` can rebuild any report from a saved stream.
 */
struct _ShoalReporterInterface
{
  GTypeInterface parent_iface;

  gboolean (*open) (ShoalReporter *self,
                    const char *destination,
                    GError **error);
  void (*handle_event) (ShoalReporter *self,
                        ShoalEvent *event);
  gboolean (*close) (ShoalReporter *self,
                     GError **error);

  /*< private >*/
  gpointer _reserved[12];
};

SHOAL_AVAILABLE_IN_1_0
gboolean shoal_reporter_open (ShoalReporter *self,
                              const char *destination,
                              GError **error);
SHOAL_AVAILABLE_IN_1_0
void shoal_reporter_handle_event (ShoalReporter *self,
                                  ShoalEvent *event);
SHOAL_AVAILABLE_IN_1_0
gboolean shoal_reporter_close (ShoalReporter *self,
                               GError **error);

SHOAL_AVAILABLE_IN_1_0
gboolean shoal_reporter_check_destination (const char *path,
                                           const char *what,
                                           GError **error);
SHOAL_AVAILABLE_IN_1_0
char *shoal_reporter_read_output_tail (const char *path,
                                       gsize max_bytes,
                                       gboolean *out_truncated,
                                       GError **error);

G_END_DECLS
