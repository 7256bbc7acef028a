#!/usr/bin/env bash
# Queue-mode throughput: the same 8-run sweep (plain and highway, depth 20, 4 epochs on a
# class-balanced 8,000-digit subset of MNIST) enqueued on a fresh local Redis and drained by 1 and then by 2
# `highway worker` processes (--jobs 1 each), interleaved for ROUNDS rounds (default 2).
# Prints runs per minute for each and the ratio. Needs redis-server (apt-get install redis-server).
# Usage: bash bench/queue-throughput.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
tmp=$(mktemp -d)
port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --daemonize yes --pidfile "$tmp/redis.pid" --logfile "$tmp/redis.log"
trap 'kill "$(cat "$tmp/redis.pid")" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
url="redis://127.0.0.1:$port"
cfg=bench/throughput-sweep.json   # the same 8 runs as sweep-throughput.sh
declare -a t1 t2
for r in $(seq 1 "$rounds"); do
  for w in 1 2; do
    q="tp-$r-$w"
    node bin/highway.js sweep "$cfg" --queue "$url" --queue-name "$q" --out "$tmp/r$r-w$w" > /dev/null
    start=$(date +%s.%N)
    for _ in $(seq 1 "$w"); do node bin/highway.js worker --queue "$url" --queue-name "$q" --jobs 1 --exit-when-empty --quiet & done
    wait
    s=$(echo "$(date +%s.%N) - $start" | bc)
    printf 'round %s, %s worker(s): 8 runs in %.1f s = %.1f runs/min\n' "$r" "$w" "$s" "$(echo "480 / $s" | bc -l)"
    if [ "$w" = 1 ]; then t1+=("$s"); else t2+=("$s"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1=$(median "${t1[@]}"); m2=$(median "${t2[@]}")
printf 'median: 1 worker %.1f runs/min, 2 workers %.1f runs/min, ratio %.2fx (%s cores)\n' "$(echo "480 / $m1" | bc -l)" "$(echo "480 / $m2" | bc -l)" "$(echo "$m1 / $m2" | bc -l)" "$(nproc)"
