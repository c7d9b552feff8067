#!/bin/sh
# Takes a second, like an integration test. Shoal runs the other tests on
# the other workers meanwhile: the whole example takes about as long as
# its slowest test, not as long as all of them added up.
sleep 1
echo "done after 1 second"
