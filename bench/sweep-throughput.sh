#!/usr/bin/env bash
# Sweep throughput, --jobs 1 against --jobs 2, on the same 8 runs (plain and highway, depth 20,
# 4 epochs on a class-balanced 8,000-digit subset of MNIST). The two are interleaved for ROUNDS rounds (default 3)
# so that machine noise hits both; prints every timing, the medians and their ratio.
# Usage: bash bench/sweep-throughput.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
cfg=bench/throughput-sweep.json   # shared with queue-throughput.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -a t1 t2
for r in $(seq 1 "$rounds"); do
  for j in 1 2; do
    start=$(date +%s.%N)
    node bin/highway.js sweep "$cfg" --jobs "$j" --out "$out/r$r-j$j" --quiet > /dev/null
    s=$(echo "$(date +%s.%N) - $start" | bc)
    printf 'round %s, jobs %s: 8 runs in %.1f s = %.1f runs/min\n' "$r" "$j" "$s" "$(echo "8 * 60 / $s" | bc -l)"
    if [ "$j" = 1 ]; then t1+=("$s"); else t2+=("$s"); fi
  done
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m1=$(median "${t1[@]}"); m2=$(median "${t2[@]}")
printf 'median: jobs 1 %.1f s (%.1f runs/min), jobs 2 %.1f s (%.1f runs/min)\n' "$m1" "$(echo "480 / $m1" | bc -l)" "$m2" "$(echo "480 / $m2" | bc -l)"
printf 'throughput ratio jobs 2 / jobs 1: %.2fx (%s cores)\n' "$(echo "$m1 / $m2" | bc -l)" "$(nproc)"
