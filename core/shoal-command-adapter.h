/* shoal-command-adapter.h: tests that are commands built in code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include "shoal-adapter.h"
#include "shoal-version.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_COMMAND_ADAPTER (shoal_command_adapter_get_type ())

SHOAL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (ShoalCommandAdapter, shoal_command_adapter, SHOAL, COMMAND_ADAPTER, GObject)

SHOAL_AVAILABLE_IN_1_0 G_GNUC_WARN_UNUSED_RESULT
    ShoalAdapter *
    shoal_command_adapter_new (void);

G_END_DECLS
