#!/usr/bin/env bash
# What validating produced batches costs, measured by Kafka's ProducerPerformance (2 M records of 100 B, 6
# partitions, acks=1) with each compression codec: against two builds of `sluice broker start` in turn (to compare a
# build with the one before it) and against Apache Kafka 4.2, which validates — decompressing — every batch too.
# Prints records/s and the broker's CPU-seconds per run.
#   docs/bench/produce-validation.sh KAFKA_REFERENCE_DIR JAR_A JAR_B [RUNS=3] [CODECS="none lz4 zstd snappy gzip"]
# KAFKA_REFERENCE_DIR is a writable copy of ../shared/kafka-reference on which ./setup.sh has run; port 19092 (and
# 19093 for Kafka's controller) must be free.
set -euo pipefail
REF="$(cd "$1" && pwd)"; A="$(realpath "$2")"; B="$(realpath "$3")"; RUNS="${4:-3}"
CODECS="${5:-none lz4 zstd snappy gzip}"
N=2000000
source "$REF/common.sh"
WORK="$(mktemp -d)"
trap 'stop_broker; rm -rf "$WORK"' EXIT
BROKER_PID=""
stop_broker() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  BROKER_PID=""
}
start_sluice() { # jar
  rm -rf "$WORK/data"
  java -jar "$1" broker start --data-dir "$WORK/data" --listeners PLAINTEXT://127.0.0.1:19092 \
    > "$WORK/broker.out" 2>&1 &
  BROKER_PID=$!
  wait_port 19092 60
}
measure() { # label codec
  recreate_topic bench-validation 6 >/dev/null
  local k0 k1 line
  k0=$(pid_jiffies "$BROKER_PID")
  line=$(kafka_tool org.apache.kafka.tools.ProducerPerformance --topic bench-validation --num-records $N \
      --record-size 100 --throughput -1 --command-property bootstrap.servers=127.0.0.1:19092 acks=1 \
      compression.type="$2" 2>/dev/null | grep '99.9th' | tail -1)
  k1=$(pid_jiffies "$BROKER_PID")
  echo "$1 $2 $(echo "$line" | sed -E 's/.* records sent, ([0-9.]+) records\/sec.*/\1/') records/s," \
    "broker $(awk -v a="$k0" -v b="$k1" -v h="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", (b-a)/h}') CPU-s"
}
for run in $(seq 1 "$RUNS"); do
  for jar in A B; do
    start_sluice "$([ $jar = A ] && echo "$A" || echo "$B")"
    for codec in $CODECS; do measure "sluice-$jar" "$codec"; done
    stop_broker
  done
done
export KAFKA_DATADIR="$WORK/kafka"
"$REF/start-kafka.sh" 19092 "$KAFKA_DATADIR" >/dev/null
BROKER_PID="$(cat "$KAFKA_DATADIR/kafka.pid")"
for run in $(seq 1 "$RUNS"); do
  for codec in $CODECS; do measure kafka "$codec"; done
done
"$REF/stop-kafka.sh" "$KAFKA_DATADIR" >/dev/null
BROKER_PID=""
