#!/usr/bin/env bash
# sluice's Kafka-protocol server side by side with Apache Kafka 4.2, measured by Kafka's own tools
# (ProducerPerformance, ConsumerPerformance, EndToEndLatency) through the reference's scripts, which also count
# each broker's CPU-seconds: first Kafka, then `sluice broker start`, on the same port, one after the other.
#   docs/bench/network-vs-kafka.sh KAFKA_REFERENCE_DIR [RUNS=3] [RECORDS=2000000]
# KAFKA_REFERENCE_DIR is a writable copy of ../shared/kafka-reference on which ./setup.sh has run; ports 19092
# (and 19093 for Kafka's controller, 19464 for sluice's metrics) must be free. Needs the build
# (runner/target/sluice.jar and its class-data archive, which bin/sluice uses). Tables go to its results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
REF="$(cd "$1" && pwd)"; RUNS="${2:-3}"; N="${3:-2000000}"
[ -f runner/target/sluice.jar ] || { echo "missing runner/target/sluice.jar: run mvn -q -B -DskipTests package" >&2; exit 1; }

# suite LABEL [METRICS_URL]: with a metrics URL (sluice's), the broker's own time per request so far is printed after
# each benchmark (cumulative: the producer's, then the producer's and the consumer's, ...), beside what the tools saw.
suite() {
  local step
  for step in "./bench-producer.sh $RUNS $N" "./bench-consumer.sh $RUNS $N" "./bench-e2e.sh $RUNS 10000 1"; do
    (cd "$REF" && $step) 2>&1 | sed "s/^/[$1] /"
    if [ -n "${2:-}" ]; then
      curl -s "$2" | grep -E '^sluice_request_time_seconds\{request="(Produce|Fetch)"' \
        | sed "s|^|[$1] broker time after $(basename "${step%% *}" .sh): |"
    fi
  done
}
rss_mib() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }

export KAFKA_DATADIR="$REF/data/net-kafka"
rm -rf "$KAFKA_DATADIR"
"$REF/start-kafka.sh" 19092 "$KAFKA_DATADIR" | sed 's/^/[kafka] /'
trap '"$REF/stop-kafka.sh" "$KAFKA_DATADIR" >/dev/null' EXIT
suite kafka
"$REF/stop-kafka.sh" "$KAFKA_DATADIR" | sed 's/^/[kafka] /'

export KAFKA_DATADIR="$REF/data/net-sluice"
rm -rf "$KAFKA_DATADIR"; mkdir -p "$KAFKA_DATADIR"
t0=$(date +%s%N)
bin/sluice broker start --data-dir "$KAFKA_DATADIR/data" --listeners PLAINTEXT://127.0.0.1:19092 --metrics-port 19464 \
  > "$KAFKA_DATADIR/broker.out" 2>&1 &
echo $! > "$KAFKA_DATADIR/kafka.pid"
until (exec 3<>/dev/tcp/127.0.0.1/19092) 2>/dev/null; do sleep 0.01; done
t1=$(date +%s%N)
sleep 2
echo "[sluice] start to accepting connections: $(( (t1 - t0) / 1000000 )) ms; RSS 2 s later: $(rss_mib "$(cat "$KAFKA_DATADIR/kafka.pid")") MiB"
suite sluice http://127.0.0.1:19464/metrics
echo "[sluice] RSS after the runs: $(rss_mib "$(cat "$KAFKA_DATADIR/kafka.pid")") MiB"
"$REF/stop-kafka.sh" "$KAFKA_DATADIR" | sed 's/^/[sluice] /'
