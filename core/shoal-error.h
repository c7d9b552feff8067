/* shoal-error.h: the error domains, one per subsystem
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SHOAL_INSIDE) && !defined(SHOAL_COMPILATION)
#error "Only <shoal.h> can be included directly."
#endif

#include <glib.h>

#include "shoal-version.h"

G_BEGIN_DECLS

/**
 * SHOAL_CONFIG_ERROR:
 *
 * Errors in `shoal.yaml` or in settings handed to plugins. Their messages
 * start with `FILE:LINE:COLUMN: KEY:`.
 */
#define SHOAL_CONFIG_ERROR (shoal_config_error_quark ())

/**
 * ShoalConfigError:
 * @SHOAL_CONFIG_ERROR_PARSE: the file is not valid YAML
 * @SHOAL_CONFIG_ERROR_UNKNOWN_KEY: a key that is not known here
 * @SHOAL_CONFIG_ERROR_TYPE: a value of the wrong type
 * @SHOAL_CONFIG_ERROR_RANGE: a value out of its range
 * @SHOAL_CONFIG_ERROR_MISSING: a required key is absent
 * @SHOAL_CONFIG_ERROR_INVALID: a value that is well typed but not acceptable
 * @SHOAL_CONFIG_ERROR_NOT_FOUND: no configuration file was found
 * @SHOAL_CONFIG_ERROR_IO: the file could not be read
 *
 * Error codes of %SHOAL_CONFIG_ERROR.
 */
typedef enum
{
  SHOAL_CONFIG_ERROR_PARSE,
  SHOAL_CONFIG_ERROR_UNKNOWN_KEY,
  SHOAL_CONFIG_ERROR_TYPE,
  SHOAL_CONFIG_ERROR_RANGE,
  SHOAL_CONFIG_ERROR_MISSING,
  SHOAL_CONFIG_ERROR_INVALID,
  SHOAL_CONFIG_ERROR_NOT_FOUND,
  SHOAL_CONFIG_ERROR_IO,
} ShoalConfigError;

/**
 * SHOAL_MODULE_ERROR:
 *
 * Errors of the plugin loader.
 */
#define SHOAL_MODULE_ERROR (shoal_module_error_quark ())

/**
 * ShoalModuleError:
 * @SHOAL_MODULE_ERROR_NOT_FOUND: no plugin of that kind and name
 * @SHOAL_MODULE_ERROR_METADATA: a `.plugin` file that cannot be used
 * @SHOAL_MODULE_ERROR_ABI: a module built for another plugin ABI
 * @SHOAL_MODULE_ERROR_LOAD: the module's shared object could not be loaded
 * @SHOAL_MODULE_ERROR_ENTRY_POINT: the module lacks its entry point
 * @SHOAL_MODULE_ERROR_REGISTRATION: the module did not register what its
 *   metadata promises, or registered a type with the wrong interface
 *
 * Error codes of %SHOAL_MODULE_ERROR.
 */
typedef enum
{
  SHOAL_MODULE_ERROR_NOT_FOUND,
  SHOAL_MODULE_ERROR_METADATA,
  SHOAL_MODULE_ERROR_ABI,
  SHOAL_MODULE_ERROR_LOAD,
  SHOAL_MODULE_ERROR_ENTRY_POINT,
  SHOAL_MODULE_ERROR_REGISTRATION,
} ShoalModuleError;

/**
 * SHOAL_ADAPTER_ERROR:
 *
 * Errors of adapters: discovery that could not run, a test that cannot be
 * prepared, results that cannot be read. A test that fails is a result, never
 * an error.
 */
#define SHOAL_ADAPTER_ERROR (shoal_adapter_error_quark ())

/**
 * ShoalAdapterError:
 * @SHOAL_ADAPTER_ERROR_DISCOVERY: listing the tests failed
 * @SHOAL_ADAPTER_ERROR_PREPARE: a test could not be turned into a command
 * @SHOAL_ADAPTER_ERROR_INTERPRET: the outcome of a command could not be read
 * @SHOAL_ADAPTER_ERROR_NOT_FOUND: a program, file or directory is missing
 *
 * Error codes of %SHOAL_ADAPTER_ERROR.
 */
typedef enum
{
  SHOAL_ADAPTER_ERROR_DISCOVERY,
  SHOAL_ADAPTER_ERROR_PREPARE,
  SHOAL_ADAPTER_ERROR_INTERPRET,
  SHOAL_ADAPTER_ERROR_NOT_FOUND,
} ShoalAdapterError;

/**
 * SHOAL_SCHEDULER_ERROR:
 *
 * Errors of the scheduler and of process spawning.
 */
#define SHOAL_SCHEDULER_ERROR (shoal_scheduler_error_quark ())

/**
 * ShoalSchedulerError:
 * @SHOAL_SCHEDULER_ERROR_SPAWN: a process could not be started
 * @SHOAL_SCHEDULER_ERROR_IO: the run directory or a log could not be written
 * @SHOAL_SCHEDULER_ERROR_INVALID: the run was set up wrongly (no adapter for a
 *   test, a duplicate test id, started twice)
 * @SHOAL_SCHEDULER_ERROR_TIMEOUT: a helper process ran past its time
 *
 * Error codes of %SHOAL_SCHEDULER_ERROR.
 */
typedef enum
{
  SHOAL_SCHEDULER_ERROR_SPAWN,
  SHOAL_SCHEDULER_ERROR_IO,
  SHOAL_SCHEDULER_ERROR_INVALID,
  SHOAL_SCHEDULER_ERROR_TIMEOUT,
} ShoalSchedulerError;

/**
 * SHOAL_EVENT_ERROR:
 *
 * Errors reading an event stream.
 */
#define SHOAL_EVENT_ERROR (shoal_event_error_quark ())

/**
 * ShoalEventError:
 * @SHOAL_EVENT_ERROR_PARSE: a line is not a valid event
 * @SHOAL_EVENT_ERROR_VERSION: the stream has a version this library cannot read
 * @SHOAL_EVENT_ERROR_IO: the stream could not be read or written
 *
 * Error codes of %SHOAL_EVENT_ERROR.
 */
typedef enum
{
  SHOAL_EVENT_ERROR_PARSE,
  SHOAL_EVENT_ERROR_VERSION,
  SHOAL_EVENT_ERROR_IO,
} ShoalEventError;

SHOAL_AVAILABLE_IN_1_0
GQuark shoal_config_error_quark (void);
SHOAL_AVAILABLE_IN_1_0
GQuark shoal_module_error_quark (void);
SHOAL_AVAILABLE_IN_1_0
GQuark shoal_adapter_error_quark (void);
SHOAL_AVAILABLE_IN_1_0
GQuark shoal_scheduler_error_quark (void);
SHOAL_AVAILABLE_IN_1_0
GQuark shoal_event_error_quark (void);

G_END_DECLS
