#!/bin/bash
# Broker CPU per consumed message, this checkout against another Blink build, interleaved.
# The bench's consume rows time 1,000,000 messages (~0.3 s): too short a window for CPU on a
# shared machine. Here each repetition starts each broker fresh (the order alternating), seeds
# SEED messages of SIZE bytes into a topic of PARTITIONS partitions, consumes N messages
# rewinding at the end (-R, fetch.wait.max.ms=1), and prints the broker's utime+stime over the
# consume (/proc/<pid>/stat, 10 ms ticks) per message, with the load average.
# Needs bench/.build/loadgen (built by `node bench/run.mjs` on first use).
#   bench/consume-cpu-ab.sh REPS N SEED SIZE PARTITIONS DIR_A DIR_B
#   e.g. bench/consume-cpu-ab.sh 8 20000000 30000 100 1 . /tmp/base
set -euo pipefail
REPS=$1; N=$2; SEED=$3; SIZE=$4; PARTS=$5; A=$(cd "$6" && pwd); B=$(cd "$7" && pwd)
HERE=$(cd "$(dirname "$0")/.." && pwd)
LG=$HERE/bench/.build/loadgen
NODE=$HERE/node_modules/.bin/node
port=39500
for rep in $(seq 1 "$REPS"); do
  if (( rep % 2 )); then order=("$A" "$B"); else order=("$B" "$A"); fi
  for dir in "${order[@]}"; do
    port=$((port + 2)); store=$(mktemp -d)
    (cd "$dir" && BROKER_PORTS=$port REST_PORT=$((port + 1)) KAFKA_HOSTNAME=127.0.0.1 ADVERTISED_HOSTNAME=127.0.0.1 LOG_LEVEL=warn \
      MAX_MEMORY=4GB RETENTION=1h RECORD_STORAGE_PATH=$store MALLOC_ARENA_MAX=2 \
      exec "$NODE" --max-semi-space-size=4 --initial-old-space-size=32 dist/start.js >/dev/null 2>&1) &
    pid=$!
    for _ in $(seq 1 200); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
    "$LG" produce -b 127.0.0.1:$port -t d -C -P "$PARTS" -n "$SEED" -s "$SIZE" -a 1 -l 5 -B 1000000 -z none >/dev/null
    before=$(awk '{print $14 + $15}' /proc/$pid/stat)
    out=$("$LG" consume -b 127.0.0.1:$port -t d -P "$PARTS" -n "$N" -R -X fetch.wait.max.ms=1 -T 120 | tail -1)
    after=$(awk '{print $14 + $15}' /proc/$pid/stat)
    rate=$(echo "$out" | sed -n 's/.*"msgs_per_s":\([0-9.]*\).*/\1/p')
    echo "rep=$rep dir=$dir cpu_ticks=$((after - before)) ns_per_msg=$(( (after - before) * 10000000 / N )) msg_s=${rate%.*} load=$(cut -d' ' -f1 /proc/loadavg)"
    kill $pid; wait $pid 2>/dev/null || true; rm -rf "$store"
  done
done
