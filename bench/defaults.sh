#!/usr/bin/env bash
# The measurements behind the defaults (docs/defaults.md, docs/extending.md): `highway train` with the given flags
# on MNIST (60,000 training digits), two runs at a time, printing the whole-training-set loss
# after each epoch, the final test accuracy and the wall time, one markdown row per run.
# Usage: bash bench/defaults.sh [first-epochs|clip|init|bias|schedule|residual|all]   (default: first-epochs)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-first-epochs}
cases=()
if [ "$what" = first-epochs ] || [ "$what" = all ]; then
  for d in 10 20 50 100; do cases+=("defaults, depth $d|--depth $d --epochs 3"); done
fi
if [ "$what" = clip ] || [ "$what" = all ]; then
  for d in 10 20 50 100; do
    for s in 1 2 3 4; do
      cases+=("depth $d, seed $s, clip 5 (default)|--depth $d --seed $s --epochs 2")
      cases+=("depth $d, seed $s, no clipping|--depth $d --seed $s --epochs 2 --clip-norm null")
      cases+=("depth $d, seed $s, lr 0.05, no clipping|--depth $d --seed $s --epochs 2 --clip-norm null --lr 0.05")
    done
  done
fi
if [ "$what" = init ] || [ "$what" = all ]; then
  for m in plain highway; do
    for d in 10 50; do
      for i in he_uniform glorot_uniform; do cases+=("$m depth $d, relu, $i|--model $m --depth $d --init $i --epochs 3"); done
    done
  done
fi
if [ "$what" = bias ] || [ "$what" = all ]; then
  for p in "10 -1" "10 -2" "20 -2" "20 -3" "50 -2" "50 -3" "50 -5" "50 -8" "100 -2" "100 -5" "100 -10"; do
    set -- $p; cases+=("depth $1, b_T $2|--depth $1 --gate-bias $2 --epochs 3")
  done
fi
if [ "$what" = schedule ] || [ "$what" = all ]; then
  for d in 10 50 100; do
    for p in "0.1 0.9" "0.1 0.8" "0.05 0.9"; do
      set -- $p; cases+=("depth $d, lr $1, decay $2|--depth $d --lr $1 --decay $2 --epochs 6")
    done
  done
  for p in "0.1" "0.05"; do cases+=("plain depth 10, lr $p|--model plain --depth 10 --lr $p --epochs 6"); done
fi
if [ "$what" = residual ] || [ "$what" = all ]; then
  for d in 10 50 100; do
    for f in post pre identity; do cases+=("residual depth $d, $f, fixup|--model residual --depth $d --epochs 3 --set model.residualForm=$f"); done
  done
  for f in post pre identity; do cases+=("residual depth 100, $f, fixup, no clipping|--model residual --depth 100 --epochs 3 --set model.residualForm=$f --clip-norm null"); done
  for d in 10 50; do
    cases+=("residual depth $d, post, standard Glorot|--model residual --depth $d --epochs 3 --set model.residualInit=standard --init glorot_uniform")
    cases+=("residual depth $d, post, standard He|--model residual --depth $d --epochs 3 --set model.residualInit=standard --init he_uniform")
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {
  local label=${1%%|*} args=${1#*|} out
  out="$tmp/$(echo "$label" | tr -c 'a-z0-9' _)"
  # shellcheck disable=SC2086
  node bin/highway.js train $args --out "$out" --quiet > /dev/null 2>&1 || true
  local losses acc secs
  losses=$(tail -n +2 "$out/metrics.csv" | cut -d, -f2 | xargs printf '%.3f ')
  acc=$(tail -1 "$out/metrics.csv" | cut -d, -f5)
  secs=$(node -e 'console.log(require(process.argv[1]).wallSeconds.toFixed(0))' "$out/summary.json")
  printf '| %s | %s| %.3f | %s s |\n' "$label" "$losses" "$acc" "$secs"
}
export -f run
export tmp
echo "| run | training loss, epoch 0, 1, 2, … | test acc | time |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${cases[@]}" | xargs -P 2 -I{} bash -c 'run "$@"' _ {}
