#!/usr/bin/env bash
# Performance regression guard: instructions executed (callgrind) by `eventbus-gen render` for
# fixed inputs, compared with benches/baseline.toml. Fails when a count grows by more than 10%.
#
# Instruction counts, unlike times, do not depend on the load of the machine; they do depend on
# the compiler, on the C library (memcpy, malloc) and on the CPU valgrind presents, so the
# comparison is skipped (loudly, not failed) when rustc, glibc or valgrind differ from those the
# baseline was recorded with.
#
# Usage: .ci/perf-guard.sh            compare with the baseline
#        .ci/perf-guard.sh --update   rewrite the baseline (commit it with a message saying why)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

baseline=benches/baseline.toml
limit_percent=10
update=false
case "${1:-}" in
  --update) update=true ;;
  "") ;;
  *) echo "usage: $0 [--update]" >&2; exit 2 ;;
esac

if ! command -v valgrind >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "perf-guard: valgrind is missing: apt-get install valgrind (or run as root)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
fi

# The shipped binary: the static release build the images hold (.ci/images.sh builds the same
# with the same flags, so CI compiles it once for both).
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --quiet --target "$target" --bin eventbus-gen
bin=$PWD/target/$target/release/eventbus-gen

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Fixed inputs: N buses of one kind, each its own document.
stan() { # N
  for ((i = 0; i < $1; i++)); do
    printf -- '---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: bus%d\n  namespace: ev\nspec:\n  nats:\n    native:\n      auth: token\n' "$i"
  done
}
jetstream() { # N
  for ((i = 0; i < $1; i++)); do
    printf -- '---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: bus%d\n  namespace: ev\nspec:\n  jetstream:\n    version: latest\n' "$i"
  done
}
stan 1 >"$work/stan-1.yaml"
jetstream 1 >"$work/jetstream-1.yaml"
stan 1000 >"$work/stan-1000.yaml"
cases=(stan-1 jetstream-1 stan-1000)

# Instructions of one render, the whole process; the environment is fixed so that nothing of
# the caller's (locale, a seed of their own) changes the work done.
count() { # case
  env -i PATH=/usr/bin:/bin EVENTBUS_GEN_SEED="eventbus-gen perf guard seed, not a secret" \
    valgrind --tool=callgrind --callgrind-out-file="$work/$1.callgrind" \
    "$bin" render "$work/$1.yaml" >"$work/$1.out" 2>"$work/$1.err" || {
    cat "$work/$1.err" >&2
    echo "perf-guard: $1 failed" >&2
    exit 1
  }
  sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$work/$1.err"
}

rustc=$(rustc --version)
tools="$(valgrind --version), $(getconf GNU_LIBC_VERSION 2>/dev/null || echo 'unknown libc')"
declare -A now
for c in "${cases[@]}"; do
  now[$c]=$(count "$c")
  [[ -n ${now[$c]} ]] || { echo "perf-guard: no instruction count for $c" >&2; exit 1; }
done

if $update; then
  {
    echo "# Instructions executed by \`eventbus-gen render\` (release build, whole process, callgrind)"
    echo "# for the fixed inputs of .ci/perf-guard.sh, which fails when one grows by more than"
    echo "# ${limit_percent}%. Counts depend on the compiler, the C library and valgrind: with others"
    echo "# than these the comparison is skipped."
    echo "# Update with \`.ci/perf-guard.sh --update\`, only in a commit whose message says why."
    echo "rustc = \"$rustc\""
    echo "tools = \"$tools\""
    echo
    echo "[instructions]"
    for c in "${cases[@]}"; do
      echo "$c = ${now[$c]}"
    done
  } >"$baseline"
  echo "perf-guard: wrote $baseline"
  cat "$baseline"
  exit 0
fi

[[ -f $baseline ]] || { echo "perf-guard: $baseline is missing; run $0 --update" >&2; exit 1; }
recorded_rustc=$(sed -n 's/^rustc = "\(.*\)"$/\1/p' "$baseline")
recorded_tools=$(sed -n 's/^tools = "\(.*\)"$/\1/p' "$baseline")
skip=false
if [[ $recorded_rustc != "$rustc" || $recorded_tools != "$tools" ]]; then
  skip=true
fi

failed=0
printf '%-12s %15s %15s %8s\n' case baseline now change
for c in "${cases[@]}"; do
  base=$(sed -n "s/^$c = \([0-9]*\)$/\1/p" "$baseline")
  [[ -n $base ]] || { echo "perf-guard: $baseline has no count for $c; run $0 --update" >&2; exit 1; }
  n=${now[$c]}
  change=$(awk -v a="$base" -v b="$n" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }')
  verdict=""
  if ! $skip && ((n * 100 > base * (100 + limit_percent))); then
    verdict="  more than ${limit_percent}% above the baseline"
    failed=1
  fi
  printf '%-12s %15d %15d %8s%s\n' "$c" "$base" "$n" "$change" "$verdict"
done

if $skip; then
  echo "perf-guard: WARNING: COMPARISON SKIPPED: the baseline was recorded with" >&2
  echo "perf-guard:   '$recorded_rustc' and '$recorded_tools'," >&2
  echo "perf-guard: this is '$rustc' and '$tools'; instruction counts differ between compilers," >&2
  echo "perf-guard: C libraries and valgrind versions, so they are not comparable. Record a new" >&2
  echo "perf-guard: baseline with $0 --update in its own commit." >&2
  exit 0
fi
if ((failed)); then
  echo "perf-guard: instruction counts grew by more than ${limit_percent}%; find the cause" >&2
  echo "perf-guard: (callgrind_annotate on a run of the case), or, if the growth is wanted," >&2
  echo "perf-guard: update $baseline in a commit that says why." >&2
  exit 1
fi
echo "perf-guard: every count within ${limit_percent}% of the baseline"
