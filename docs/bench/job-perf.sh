#!/usr/bin/env bash
# Runs the stream-job benchmarks of docs/PERFORMANCE.md several times and prints each run and the medians.
#   docs/bench/job-perf.sh [RUNS=5]
#   LINES=5000000 docs/bench/job-perf.sh 3 wordcount   # only the word counts, over more lines (steady state)
# Needs runner/target/sluice.jar (mvn -q -B -DskipTests package). Each run uses a fresh temporary data directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
ONLY="${2:-}"
LINES="${LINES:-1000000}"
JAR=runner/target/sluice.jar
[ -f "$JAR" ] || { echo "missing $JAR: run mvn -q -B -DskipTests package" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "–" max}'; }

bench() { # name, pattern, args…
  local name="$1" pattern="$2"; shift 2
  local out; out=$(mktemp)
  for run in $(seq 1 "$RUNS"); do
    java -jar "$JAR" perf job "$@" 2>/dev/null | tee -a "$out" | sed "s|^|[$name $run] |"
  done
  local rates; rates=$(grep "$pattern" "$out" | grep -o '[0-9,]* [a-z ]*records/s' | head -"$RUNS" | tr -d ',' \
    | awk '{print $1}')
  printf '%s: median %s records/s (%s)\n' "$name" "$(echo "$rates" | median)" "$(echo "$rates" | minmax)"
  rm -f "$out"
}

bench wordcount throughput --workload wordcount --records "$LINES"
bench wordcount-cached throughput --workload wordcount --records "$LINES" --cache-max-records 10000
bench wordcount-cached-2threads throughput --workload wordcount --records "$LINES" --cache-max-records 10000 \
  --stream-threads 2
[ "$ONLY" = wordcount ] && exit 0
bench windowed throughput --workload windowed
bench join throughput --workload join
bench table-restore restore --workload table --restore
bench driver-wordcount "test driver" --workload wordcount --driver
bench driver-windowed "test driver" --workload windowed --driver
