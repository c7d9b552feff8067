/* shoal.h: the one header users include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define SHOAL_INSIDE
#include "shoal-version.h"
#include "shoal-enums.h"
#include "shoal-error.h"
#include "shoal-types.h"
#include "shoal-settings.h"
#include "shoal-config.h"
#include "shoal-test-case.h"
#include "shoal-test-result.h"
#include "shoal-test-rule.h"
#include "shoal-test-group.h"
#include "shoal-test-graph.h"
#include "shoal-execution.h"
#include "shoal-run-command.h"
#include "shoal-spawn.h"
#include "shoal-worker-session.h"
#include "shoal-event.h"
#include "shoal-event-log.h"
#include "shoal-dispatch-context.h"
#include "shoal-adapter.h"
#include "shoal-command-adapter.h"
#include "shoal-strategy.h"
#include "shoal-test-distribution-manager.h"
#include "shoal-resource-instance.h"
#include "shoal-resource-provider.h"
#include "shoal-reporter.h"
#include "shoal-plugin-info.h"
#include "shoal-plugin-registry.h"
#include "shoal-run-summary.h"
#include "shoal-lock-manager.h"
#include "shoal-resource-pool-manager.h"
#include "shoal-environment-manager.h"
#include "shoal-history.h"
#include "shoal-quarantine-manager.h"
#include "shoal-scheduler.h"
#include "shoal-project.h"
#undef SHOAL_INSIDE
