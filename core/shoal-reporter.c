/* shoal-reporter.c: the interface of a report writer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-reporter.h"

/**
 * ShoalReporter:
 *
 * A reporter turns the event stream into a report: live console output,
 * JSON, JUnit XML and more. It sees nothing but the events, in order, so a
 * report is a pure function of the stream and `shoal report` can rebuild it
 * from a saved `events.ndjson`.
 */

G_DEFINE_INTERFACE (ShoalReporter, shoal_reporter, G_TYPE_OBJECT)

static gboolean
shoal_reporter_real_open (ShoalReporter *self,
                          const char *destination,
                          GError **error)
{
  return TRUE;
}

static gboolean
shoal_reporter_real_close (ShoalReporter *self,
                           GError **error)
{
  return TRUE;
}

static void
shoal_reporter_default_init (ShoalReporterInterface *iface)
{
  iface->open = shoal_reporter_real_open;
  iface->close = shoal_reporter_real_close;
}

/**
 * shoal_reporter_open:
 * @self: a reporter
 * @destination: (nullable) (type filename): the report's file, or %NULL for
 *   standard output
 * @error: return location for a #GError
 *
 * Starts a report.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_reporter_open (ShoalReporter *self,
                     const char *destination,
                     GError **error)
{
  g_return_val_if_fail (SHOAL_IS_REPORTER (self), FALSE);
  return SHOAL_REPORTER_GET_IFACE (self)->open (self, destination, error);
}

/**
 * shoal_reporter_handle_event:
 * @self: a reporter
 * @event: the next event of the stream
 *
 * Consumes one event.
 */
void
shoal_reporter_handle_event (ShoalReporter *self,
                             ShoalEvent *event)
{
  g_return_if_fail (SHOAL_IS_REPORTER (self));
  g_return_if_fail (SHOAL_IS_EVENT (event));
  g_return_if_fail (SHOAL_REPORTER_GET_IFACE (self)->handle_event != NULL);

  SHOAL_REPORTER_GET_IFACE (self)->handle_event (self, event);
}

/**
 * shoal_reporter_close:
 * @self: a reporter
 * @error: return location for a #GError
 *
 * Finishes the report.
 *
 * Returns: %TRUE on success
 */
gboolean
shoal_reporter_close (ShoalReporter *self,
                      GError **error)
{
  g_return_val_if_fail (SHOAL_IS_REPORTER (self), FALSE);
  return SHOAL_REPORTER_GET_IFACE (self)->close (self, error);
}
