/* shoal-error.c: the error domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "shoal-error.h"

/* The quark names are strings, not expressions. */
/* clang-format off */
G_DEFINE_QUARK (shoal-config-error-quark, shoal_config_error)
G_DEFINE_QUARK (shoal-module-error-quark, shoal_module_error)
G_DEFINE_QUARK (shoal-adapter-error-quark, shoal_adapter_error)
G_DEFINE_QUARK (shoal-scheduler-error-quark, shoal_scheduler_error)
G_DEFINE_QUARK (shoal-event-error-quark, shoal_event_error)
/* clang-format on */
