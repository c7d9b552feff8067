#!/bin/sh
# Fails: any exit status other than 0 and 77. What it prints before failing
# is the first thing to read, so Shoal shows the end of a failed test's
# output on the console.
expected=42
got=41
echo "computing the answer..."
echo "error: expected $expected, got $got" >&2
exit 1
