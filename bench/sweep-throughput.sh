#!/usr/bin/env bash
# Sweep throughput, --jobs 1 against --jobs 2, on the same 8 runs (plain and highway, depth 20,
# 4 epochs on the shipped MNIST digits). Prints runs per minute for each and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
cfg=$(mktemp --suffix=.json)
out=$(mktemp -d)
trap 'rm -rf "$cfg" "$out"' EXIT
cat > "$cfg" <<'JSON'
{ "name": "throughput", "dataset": { "name": "mnist" }, "model": { "depth": 20 }, "train": { "epochs": 4 },
  "sweep": { "grid": { "model.type": ["plain", "highway"], "train.seed": [1, 2, 3, 4] } } }
JSON
declare -A secs
for j in 1 2; do
  start=$(date +%s.%N)
  node bin/highway.js sweep "$cfg" --jobs "$j" --out "$out/j$j" --quiet > /dev/null
  secs[$j]=$(echo "$(date +%s.%N) - $start" | bc)
  printf 'jobs %s: 8 runs in %.1f s = %.1f runs/min\n' "$j" "${secs[$j]}" "$(echo "8 * 60 / ${secs[$j]}" | bc -l)"
done
printf 'throughput ratio jobs 2 / jobs 1: %.2fx (%s cores)\n' "$(echo "${secs[1]} / ${secs[2]}" | bc -l)" "$(nproc)"
