#!/bin/sh
# Reads its settings from the environment: GREETING comes from the test's
# own `env:`, EXAMPLE_MODE from `environment: environment_variables:` (every
# test gets those), and Shoal adds SHOAL_TEST_ID, SHOAL_WORKER_ID,
# TEST_WORKER_ID and SHOAL_RUN_ID so a test can name its own files and
# ports after the worker it runs on.
echo "GREETING=$GREETING EXAMPLE_MODE=$EXAMPLE_MODE"
echo "I am $SHOAL_TEST_ID on worker $SHOAL_WORKER_ID in run $SHOAL_RUN_ID"
if [ "$GREETING" != "hello" ] || [ "$EXAMPLE_MODE" != "demo" ]; then
  echo "the environment did not reach the test" >&2
  exit 1
fi
