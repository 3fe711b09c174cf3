#!/usr/bin/env bash
# Runs the embedded-broker benchmarks of docs/PERFORMANCE.md several times and prints each run and the medians.
#   docs/bench/broker-perf.sh [RUNS=5]
# Needs runner/target/sluice.jar (mvn -q -B -DskipTests package). Each run uses a fresh temporary data directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
JAR=runner/target/sluice.jar
[ -f "$JAR" ] || { echo "missing $JAR: run mvn -q -B -DskipTests package" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minmax() { sort -n | awk 'NR==1{min=$1} {max=$1} END {print min "–" max}'; }

bench() { # name, args…
  local name="$1"; shift
  local out; out=$(mktemp)
  for run in $(seq 1 "$RUNS"); do
    java -jar "$JAR" perf "$@" 2>/dev/null | tee -a "$out" | sed "s|^|[$name $run] |"
  done
  local rates; rates=$(grep -o '[0-9,]* records/s' "$out" | tr -d ',' | awk '{print $1}')
  printf '%s: median %s records/s (%s)' "$name" "$(echo "$rates" | median)" "$(echo "$rates" | minmax)"
  if grep -q 'append latency' "$out"; then
    for p in p50 p99 p99.9 max; do
      local v; v=$(grep 'append latency' "$out" | sed -E "s/.*[ ,]$p ([0-9.]+) (µs|ms).*/\1 \2/" \
        | awk '{print ($2=="ms") ? $1*1000 : $1}')
      printf ', %s %s µs' "$p" "$(echo "$v" | median)"
    done
  fi
  echo
  rm -f "$out"
}

bench produce produce
bench consume consume
bench produce-fsync produce --flush every-batch
bench produce-1M/s produce --rate 1000000 --records 5000000
bench produce-fsync-100k/s produce --flush every-batch --rate 100000 --records 1000000 --warmup-records 200000
