#!/usr/bin/env bash
# Whole-process time and peak memory of the same N token buses through each front end:
# `render` (a YAML stream), `krm` (a ResourceList) and `argocd generate` (a folder).
# Usage: benches/frontends.sh [N] [RUNS]   (defaults: 10000 buses, 5 runs; medians printed)
# Needs a release build: cargo build --release
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
runs=${2:-5}
bin=target/release/eventbus-gen
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EVENTBUS_GEN_SEED="eventbus-gen bench seed, not a secret"

python3 - "$n" "$work" <<'PY'
import json, os, sys
n, work = int(sys.argv[1]), sys.argv[2]
buses = [{"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
          "metadata": {"name": f"bus{i}", "namespace": "ev"},
          "spec": {"nats": {"native": {"auth": "token"}}}} for i in range(n)]
with open(os.path.join(work, "buses.yaml"), "w") as f:
    f.write("\n---\n".join(json.dumps(b) for b in buses))
items = [dict(b, metadata=dict(b["metadata"], annotations={
    "config.kubernetes.io/path": f"buses/bus{i}.yaml"})) for i, b in enumerate(buses)]
with open(os.path.join(work, "list.json"), "w") as f:
    json.dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}, f)
os.makedirs(os.path.join(work, "app"))
with open(os.path.join(work, "app", "buses.yaml"), "w") as f:
    f.write("\n---\n".join(json.dumps(b) for b in buses))
PY

measure() { # label, then the command; prints the median seconds and peak MiB
  local label=$1; shift
  local times=() mems=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
      cat "$work/err" >&2; exit 1; }
    read -r t m <"$work/time"
    times+=("$t"); mems+=("$m")
  done
  local mt mm
  mt=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  mm=$(printf '%s\n' "${mems[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-24s %8s s %8d MiB\n' "$label" "$mt" "$(( mm / 1024 ))"
}

echo "$n token buses, median of $runs runs"
measure "render" "$bin" render "$work/buses.yaml"
measure "krm" sh -c "\"$PWD/$bin\" krm < \"$work/list.json\""
measure "argocd generate" env ARGOCD_APP_PARAMETERS=null "$bin" argocd generate "$work/app"
