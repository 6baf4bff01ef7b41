#!/usr/bin/env bash
# Whole-process figures of the release binary: one bus against `/bin/true` (and `helm template`
# of the NATS Streaming chart when helm and the chart are at hand), then 100 / 1,000 / 10,000
# NATS Streaming buses and 100 / 1,000 JetStream buses through each front end (`render`, `krm`,
# `argocd generate`): median wall time (hyperfine) and peak memory (`/usr/bin/time -v`).
#
# Usage: benches/process.sh [RUNS]     (default 10 runs per command; medians printed)
# Needs: cargo build --release; hyperfine and GNU time (Debian: apt-get install hyperfine time).
# Optional: HELM_CHART=path/to/nats-streaming-chart with `helm` on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bin=$PWD/target/release/eventbus-gen
[[ -x $bin ]] || { echo "build first: cargo build --release" >&2; exit 2; }
for tool in hyperfine /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install hyperfine time python3)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EVENTBUS_GEN_SEED="eventbus-gen bench seed, not a secret"

# Inputs: for each kind and size, a YAML stream, a ResourceList and an Argo CD app folder.
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
def bus(kind, i):
    spec = {"nats": {"native": {"auth": "token"}}} if kind == "stan" else {"jetstream": {"version": "latest"}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "EventBus",
            "metadata": {"name": f"bus{i}", "namespace": "ev"}, "spec": spec}
for kind, sizes in (("stan", (1, 100, 1000, 10000)), ("js", (1, 100, 1000))):
    for n in sizes:
        buses = [bus(kind, i) for i in range(n)]
        stream = "\n---\n".join(json.dumps(b) for b in buses) + "\n"
        with open(os.path.join(work, f"{kind}{n}.yaml"), "w") as f:
            f.write(stream)
        items = [dict(b, metadata=dict(b["metadata"], annotations={
            "config.kubernetes.io/path": f"buses/bus{i}.yaml"})) for i, b in enumerate(buses)]
        with open(os.path.join(work, f"{kind}{n}.json"), "w") as f:
            json.dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}, f)
        os.makedirs(os.path.join(work, f"{kind}{n}-app"))
        with open(os.path.join(work, f"{kind}{n}-app", "buses.yaml"), "w") as f:
            f.write(stream)
PY

median() { # JSON export of hyperfine -> median seconds of each command, one a line
  python3 -c 'import json,sys; [print(r["median"]) for r in json.load(open(sys.argv[1]))["results"]]' "$1"
}
peak_mib() { # command... -> peak resident set of one run, MiB
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time" || { cat "$work/time" >&2; exit 1; }
  awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$work/time"
}
ms() { awk -v s="$1" 'BEGIN { printf "%.2f", s * 1000 }'; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$("$bin" --version), $runs runs per command, medians"
echo

# One bus, whole process, against /bin/true (and helm) in the same hyperfine run.
cmds=(/bin/true "$bin render $work/stan1.yaml" "$bin render $work/js1.yaml")
helm_note="helm template: skipped (helm not on PATH)"
if command -v helm >/dev/null; then
  if [[ -n ${HELM_CHART:-} && -d ${HELM_CHART:-} ]]; then
    cmds+=("helm template bench $HELM_CHART")
    helm_note=""
  else
    helm_note="helm template: skipped (set HELM_CHART to the NATS Streaming chart's folder)"
  fi
fi
hyperfine -N --warmup 5 --runs "$((runs * 10))" --export-json "$work/one.json" "${cmds[@]}" >/dev/null 2>&1 ||
  hyperfine --warmup 5 --runs "$((runs * 10))" --export-json "$work/one.json" "${cmds[@]}" >/dev/null
mapfile -t one < <(median "$work/one.json")
printf '%-40s %10s ms\n' "/bin/true" "$(ms "${one[0]}")"
printf '%-40s %10s ms  (%s ms above /bin/true)\n' "render, 1 NATS Streaming bus" "$(ms "${one[1]}")" \
  "$(ms "$(awk -v a="${one[1]}" -v b="${one[0]}" 'BEGIN { print a - b }')")"
printf '%-40s %10s ms\n' "render, 1 JetStream bus" "$(ms "${one[2]}")"
if [[ -z $helm_note ]]; then
  printf '%-40s %10s ms  (render/helm = %s)\n' "helm template (NATS Streaming chart)" "$(ms "${one[3]}")" \
    "$(awk -v a="${one[1]}" -v b="${one[3]}" 'BEGIN { printf "%.3f", a / b }')"
else
  echo "$helm_note"
fi
echo

# Many buses through each front end.
printf '%-22s %-7s %10s %12s %10s\n' "buses" "front" "median s" "us per bus" "peak MiB"
for kind_n in stan100 stan1000 stan10000 js100 js1000; do
  kind=${kind_n%%[0-9]*}
  n=${kind_n#"$kind"}
  label="$n $([[ $kind == stan ]] && echo "NATS Streaming" || echo JetStream)"
  render=("$bin" render "$work/$kind_n.yaml")
  krm=(sh -c "exec '$bin' krm < '$work/$kind_n.json'")
  argocd=(env ARGOCD_APP_PARAMETERS=null "$bin" argocd generate "$work/$kind_n-app")
  r=$((n >= 10000 ? (runs + 1) / 2 : runs))
  hyperfine -N --warmup 1 --runs "$r" --export-json "$work/many.json" \
    "${render[*]}" "sh -c \"exec '$bin' krm < '$work/$kind_n.json'\"" "${argocd[*]}" >/dev/null 2>&1
  mapfile -t t < <(median "$work/many.json")
  for i in 0 1 2; do
    case $i in
      0) front=render; mem=$(peak_mib "${render[@]}") ;;
      1) front=krm; mem=$(peak_mib "${krm[@]}") ;;
      2) front=argocd; mem=$(peak_mib "${argocd[@]}") ;;
    esac
    printf '%-22s %-7s %10.3f %12.1f %10s\n' "$label" "$front" "${t[$i]}" \
      "$(awk -v s="${t[$i]}" -v n="$n" 'BEGIN { print s * 1e6 / n }')" "$mem"
  done
done
