#!/bin/sh
# A test program that reports several results in TAP (Test Anything
# Protocol); the tap adapter turns every test point into a result of its
# own.
echo "TAP version 13"
echo "1..4"
echo "ok 1 - parses integers"
echo "ok 2 - parses floats"
echo "not ok 3 - parses dates"
echo "  ---"
echo "  message: 'expected 2024-02-29, got 2024-03-01'"
echo "  severity: fail"
echo "  ..."
echo "ok 4 - parses times # SKIP no time zone database"
exit 1
