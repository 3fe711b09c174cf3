#!/usr/bin/env bash
# Kafka Streams word count at a fixed input rate: end-to-end latency percentiles, to compare with
#   java -jar runner/target/sluice.jar perf job --workload wordcount --rate RATE
#   docs/bench/kafka-streams-latency.sh KAFKA_REFERENCE_DIR RATE [DURATION_S=20] [LINGER_MS]
# KAFKA_REFERENCE_DIR is a writable copy of ../shared/kafka-reference on which ./setup.sh has run; a broker is
# started on 127.0.0.1:19092 for the run and stopped afterwards unless one already answers there.
set -euo pipefail
REF="$(cd "$1" && pwd)"; RATE="$2"; DURATION="${3:-20}"; LINGER="${4:-}"
HERE="$(cd "$(dirname "$0")/kafka-streams" && pwd)"
(cd "$HERE" && mvn -q -B package -DskipTests)
source "$REF/common.sh"
started=0
if ! (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null; then
  "$REF/start-kafka.sh" 19092 "$REF/data/kafka-latency" >/dev/null
  started=1
fi
trap '[ "$started" = 1 ] && "$REF/stop-kafka.sh" "$REF/data/kafka-latency" >/dev/null' EXIT
java -Xms1G -Xmx1G -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$HERE/target/classes:$HERE/target/lib/*" \
  bench.StreamsLatency 127.0.0.1:19092 "$RATE" "$DURATION" $LINGER
