#!/usr/bin/env bash
# The long run of the batch fuzz test (BatchFuzzIT): a million frames by default, over 32 connections, against a
# broker in a child JVM with a 256 MiB heap. Its figures (frames, rate, heap and descriptors before and after) are
# in the line "Fuzzed: ..." of broker/target/failsafe-reports/io.sluice.broker.BatchFuzzIT-output.txt; the broker's
# own log is broker/target/BatchFuzzIT-broker.log.
#
#   docs/bench/fuzz-long.sh [frames] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
FRAMES="${1:-1000000}"
CONNECTIONS="${2:-32}"
mvn -q -B -pl broker verify -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=BatchFuzzIT -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dsluice.fuzz.frames="$FRAMES" -Dsluice.fuzz.connections="$CONNECTIONS"
grep -h "Fuzzed:" broker/target/failsafe-reports/io.sluice.broker.BatchFuzzIT-output.txt
