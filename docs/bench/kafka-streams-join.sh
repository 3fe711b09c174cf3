#!/usr/bin/env bash
# Kafka Streams stream–table join throughput, to compare with
#   java -jar runner/target/sluice.jar perf job --workload join [--warmup-records WARMUP]
#   docs/bench/kafka-streams-join.sh KAFKA_REFERENCE_DIR [RUNS=3] [ORDERS=2000000] [WARMUP=0] [OPTIMIZE=none]
# (OPTIMIZE=all: Kafka Streams' topology.optimization, which reads the table back from its compacted topic.)
# KAFKA_REFERENCE_DIR is a writable copy of ../shared/kafka-reference on which ./setup.sh has run. Each run starts
# a broker on 127.0.0.1:19092 (the port must be free) and stops it afterwards, and runs Kafka Streams in a fresh JVM
# with the heap and GC options the reference gives it (bench-streams.sh).
set -euo pipefail
REF="$(cd "$1" && pwd)"; RUNS="${2:-3}"; ORDERS="${3:-2000000}"; WARMUP="${4:-0}"; OPTIMIZE="${5:-none}"
HERE="$(cd "$(dirname "$0")/kafka-streams" && pwd)"
(cd "$HERE" && mvn -q -B package -DskipTests)
source "$REF/common.sh"
# A fresh broker per run. (A second run against the same broker used to stall: the broker deleted its orders, dated
# 2001, at its first retention check; the topics now keep their records for ever.)
for run in $(seq 1 "$RUNS"); do
  data="$REF/data/kafka-join-$run"
  rm -rf "$data"
  "$REF/start-kafka.sh" 19092 "$data" >/dev/null
  java -Xms1G -Xmx1G $KAFKA_JVM_PERFORMANCE_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$HERE/target/classes:$HERE/target/lib/*" bench.StreamsJoin 127.0.0.1:19092 "$ORDERS" 100000 6 "$WARMUP" "$OPTIMIZE" 2>&1 \
    | grep -v '^SLF4J' | sed "s/^/[join $run] /" || true
  "$REF/stop-kafka.sh" "$data" >/dev/null
  rm -rf "$data"
done
