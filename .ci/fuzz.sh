#!/usr/bin/env bash
# Bounded fuzzing of the entry points that take arbitrary input: the render pipeline, the KRM
# function, the Argo CD parameters and a structured arbitrary spec. Seeds the corpora with the
# fixtures and the bad-input catalogue; each run has a memory limit (-rss_limit_mb) and prints
# its executions. A longer run: FUZZ_SECONDS=3600 .ci/fuzz.sh
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
rss_mb=${FUZZ_RSS_MB:-512}
mkdir -p fuzz/corpus/render fuzz/corpus/krm fuzz/corpus/argocd_params fuzz/corpus/spec
cp fixtures/{stan,exotic,mixed,jetstream,real-world,invalid,hostile}/*.yaml fixtures/stan/*.json fuzz/corpus/render/
cp fixtures/krm/*.yaml fuzz/corpus/krm/
printf '%s' '[{"name":"commonLabels","map":{"team":"events"}},{"name":"namespace","string":"ev"}]' \
  >fuzz/corpus/argocd_params/labels.json
printf '%s' 'null' >fuzz/corpus/argocd_params/null.json
cp fixtures/hostile/alias-bomb-top-level.yaml fuzz/corpus/argocd_params/
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for target in render krm argocd_params spec; do
  # A build failure or a crash makes cargo-fuzz exit non-zero; both fail CI.
  if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target failed (see above; crashing inputs are kept in fuzz/artifacts/$target)" >&2
    exit 1
  fi
  echo "$target: $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') executions in ${seconds}s (rss limit ${rss_mb} MB)"
done
