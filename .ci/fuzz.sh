#!/usr/bin/env bash
# Bounded fuzzing of the two entry points that take arbitrary input: the render pipeline and the
# KRM function. Seeds the corpus with the fixtures. Longer runs by hand:
#   cargo +nightly fuzz run --fuzz-dir fuzz render fuzz/corpus/render -- -max_total_time=3600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "=================================================================" >&2
  echo "fuzz: no nightly toolchain here; cargo-fuzz needs one. SKIPPED." >&2
  echo "=================================================================" >&2
  exit 0
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
mkdir -p fuzz/corpus/render fuzz/corpus/krm
cp fixtures/{stan,exotic,mixed,jetstream,real-world,invalid}/*.yaml fixtures/stan/*.json fuzz/corpus/render/
cp fixtures/krm/*.yaml fuzz/corpus/krm/
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in render krm; do
  # A build failure or a crash makes cargo-fuzz exit non-zero; both fail CI.
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target failed (see above; crashing inputs are kept in fuzz/artifacts/$target)" >&2
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units)' "$log"
done
