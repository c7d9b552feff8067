#!/bin/sh
# Passes: exit status 0. What a test prints goes to its log file under
# .shoal/runs/<run-id>/logs/; `shoal run -v` also shows it on the console.
fields=$(printf '%s\n' "alpha,beta,gamma" | tr ',' '\n' | wc -l)
echo "split 'alpha,beta,gamma' into $fields fields"
[ "$fields" -eq 3 ]
