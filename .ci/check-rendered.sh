#!/usr/bin/env bash
# Renders every fixture that renders, then checks the output with offline validators:
# Kubernetes schemas in strict mode, YAML 1.1 pitfalls, the EventBus schema, and nats-server -t.
# Needs: a built target/debug/eventbus-gen, the validators on PATH, the EventBus schema.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/debug/eventbus-gen
schema=${EVENTBUS_SCHEMA:-../shared/reference/schemas/argo-events-eventbus-v1alpha1.strict.schema.json}
out=target/ci-rendered
rm -rf "$out" && mkdir -p "$out/objects" "$out/reference" "$out/nats"
export EVENTBUS_GEN_SEED="eventbus-gen CI seed, not a secret"

# Renders FILE into OUT (an -o folder) with the options of its header and ARGS; fails quietly
# (stderr in $out/stderr) so that the caller decides.
render_fixture() { # FILE OUT ARGS...
  local f=$1 dest=$2 opts
  shift 2
  local args=(render --namespace argo-events --quiet -o "$dest" "$@")
  opts=$(sed -n 's/^# eventbus-gen-options: //p' "$f")
  if [[ -n $opts ]]; then
    printf '%s\n' "$opts" > "$out/options.json"
    args+=(--options "$out/options.json")
  fi
  "$bin" "${args[@]}" "$f" 2>"$out/stderr"
}
fixture_name() { echo "$(basename "$(dirname "$1")")-$(basename "${1%.*}")"; }

# Our own scenarios must all render; real-world manifests render or not as their headers say
# (tests/it/golden.rs checks those verdicts).
rendered=0
for f in fixtures/{stan,exotic,mixed,jetstream,real-world}/*.yaml fixtures/stan/*.json; do
  if render_fixture "$f" "$out/objects/$(fixture_name "$f")"; then
    rendered=$((rendered + 1))
  elif [[ $f != fixtures/real-world/* ]]; then
    echo "fixture $f does not render:" >&2
    cat "$out/stderr" >&2
    exit 1
  fi
done
[[ $rendered -ge 35 ]] || { echo "too few fixtures rendered: $rendered" >&2; exit 1; }

# The same buses in reference mode (no Secret; volumes and the companion point at the
# cluster's Secrets) go through the same validators, except nats-server -t, which needs the
# Secrets' files.
references=0
for f in fixtures/{stan,jetstream}/*.yaml; do
  render_fixture "$f" "$out/reference/$(fixture_name "$f")" --secrets reference ||
    { echo "fixture $f does not render in reference mode:" >&2; cat "$out/stderr" >&2; exit 1; }
  references=$((references + 1))
done
files=$(find "$out/objects" "$out/reference" -name '*.yaml' | sort)
echo "rendered $rendered fixtures, and $references in reference mode, into $(wc -l <<<"$files") object files"

# Every Kubernetes version the validator knows, 1.25 to 1.37.
for minor in $(seq 25 37); do
  # shellcheck disable=SC2086
  kubernetes-validate --strict --quiet --no-warn -k "1.$minor" $files
done
echo "kubernetes-validate --strict (1.25 to 1.37): ok"

# The restricted security profile: our own check of each Pod Security Standard rule, then
# checkov's checks of the same rules.
restricted=$(find "$out/objects" -path '*restricted*' -name '*.yaml' | sort)
# shellcheck disable=SC2086
python .ci/pss-restricted.py $restricted
scanner=target/scan-venv
if [[ ! -x $scanner/bin/checkov ]]; then
  python -m venv "$scanner"
  "$scanner/bin/pip" install -q --disable-pip-version-check checkov==3.3.30
fi
# privileged, allowPrivilegeEscalation, root, NET_RAW, capabilities, seccomp, host namespaces
# shellcheck disable=SC2086
"$scanner/bin/checkov" --skip-download --quiet --compact --framework kubernetes \
  --check CKV_K8S_16,CKV_K8S_17,CKV_K8S_18,CKV_K8S_19,CKV_K8S_20,CKV_K8S_23,CKV_K8S_28,CKV_K8S_37,CKV_K8S_31 \
  $(for f in $restricted; do printf -- '-f %s ' "$f"; done) >"$out/checkov.txt" || { cat "$out/checkov.txt" >&2; exit 1; }
echo "checkov (Pod Security restricted rules): ok on $(wc -l <<<"$restricted") files"
yamllint -s -f parsable -c .ci/yamllint.yaml "$out/objects" "$out/reference"
echo "yamllint: ok"

# The strict EventBus schema (Argo Events' published JSON schema, with unknown fields refused)
# sits in the reference folder next to the repository in CI.
if [[ -f $schema ]]; then
  buses=$(grep -l '^kind: EventBus' $files)
  # shellcheck disable=SC2086
  check-jsonschema --schemafile "$schema" $buses
  echo "check-jsonschema (EventBus, strict): ok on $(wc -l <<<"$buses") buses"
elif [[ -n ${CI:-} ]]; then
  echo "EventBus schema not found at $schema (set EVENTBUS_SCHEMA)" >&2
  exit 1
else
  echo "SKIPPED: EventBus schema check; no schema at $schema (set EVENTBUS_SCHEMA)" >&2
fi

python .ci/nats-configs.py "$out/objects" "$out/nats"
export POD_NAME=eventbus-default-stan-0 CLUSTER_ADVERTISE=eventbus-default-stan-0.svc SERVER_NAME=test-0 JS_KEY=0123456789ab
for dir in "$out"/nats/*/; do
  main=stan.conf
  [[ -f $dir/nats-js.conf ]] && main=nats-js.conf
  (cd "$dir" && nats-server -t -c "$main" 2>&1) || { echo "nats-server rejected $dir$main" >&2; exit 1; }
done
echo "nats-server -t: ok"
