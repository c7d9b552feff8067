#!/bin/sh
# Never finishes. Its `timeout:` in shoal.yaml is 1 second: Shoal sends
# SIGTERM to everything the test started, then SIGKILL after kill_grace,
# and reports it as timed out.
echo "waiting for a server that never answers..."
sleep 60
