#!/usr/bin/env bash
# pasarela-gen against progenitor 0.15.1 on one spec, side by side
# in one run on this machine: generation time and peak memory, lines
# emitted, and `cargo check` / debug `cargo build` of each generated crate
# from scratch (its dependencies already built; median of RUNS alternating
# runs). Prints each figure and the pasarela ÷ progenitor ratio.
#
#   bash benches/vs-progenitor.sh [SPEC]        (default: the corpus's oxide.json:
#                                                $PASARELA_CORPUS, see scripts/fetch-corpus.sh)
#   RUNS=5 bash benches/vs-progenitor.sh        (more runs, steadier medians)
#
# Everything it installs or builds stays under target/vs-progenitor (the
# progenitor CLI included: `cargo install --root`, never ~/.cargo). Needs
# crates.io the first time. Nothing in the project depends on it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ -n "${1:-}" ]; then
  SPEC=$(realpath "$1")
elif [ -n "${PASARELA_CORPUS:-}" ]; then
  SPEC=$(realpath "$PASARELA_CORPUS/oxide.json")
else
  echo "usage: bash benches/vs-progenitor.sh SPEC (or set PASARELA_CORPUS; scripts/fetch-corpus.sh gets it)" >&2
  exit 2
fi
WORK=$ROOT/target/vs-progenitor
TOOLS=$WORK/tools
mkdir -p "$WORK"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# Peak resident memory (MB) and wall time (s) of a command, via GNU time
# when present.
measure() {
  local out=$WORK/time.txt start end
  start=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$out" "$@" >/dev/null 2>&1
  else
    "$@" >/dev/null 2>&1
    echo "Maximum resident set size (kbytes): 0" >"$out"
  fi
  end=$(now)
  TIME=$(elapsed "$start" "$end")
  MEM=$(awk -F': ' '/Maximum resident/ { printf "%d", $2 / 1024 }' "$out")
}

echo "== tools"
if [ ! -x "$TOOLS/bin/cargo-progenitor" ]; then
  cargo install --quiet --locked --root "$TOOLS" cargo-progenitor --version 0.15.1
fi
cargo build --quiet --release -p pasarela-gen
GEN=$ROOT/target/release/pasarela-gen

echo "== generate $(basename "$SPEC")"
P=$WORK/pasarela-crate
G=$WORK/progenitor-crate
rm -rf "$P/src" "$G"
mkdir -p "$P/src"
measure "$GEN" generate "$SPEC" --out "$P/src/api.rs"
P_GEN=$TIME P_MEM=$MEM
measure "$TOOLS/bin/cargo-progenitor" progenitor -i "$SPEC" -o "$G" -n bench-progenitor -v 0.1.0
G_GEN=$TIME G_MEM=$MEM

cat >"$P/Cargo.toml" <<EOF
[package]
name = "bench-pasarela"
version = "0.1.0"
edition = "2021"

[dependencies]
pasarela-runtime = { path = "$ROOT/runtime" }

[workspace]
EOF
printf 'pub mod api {\n    include!("api.rs");\n}\n' >"$P/src/lib.rs"

# Both crates live under target/, inside this workspace's directory: each
# is made a workspace of its own.
grep -q '^\[workspace\]' "$G/Cargo.toml" || printf '\n[workspace]\n' >>"$G/Cargo.toml"

P_LINES=$(wc -l <"$P/src/api.rs")
G_LINES=$(cat "$G"/src/*.rs | wc -l)

echo "== check and build each crate once (dependencies, both profiles)"
for step in check build; do
  (cd "$P" && CARGO_TARGET_DIR=$WORK/target-p cargo $step --quiet)
  (cd "$G" && CARGO_TARGET_DIR=$WORK/target-g cargo $step --quiet)
done

# One timing of `cargo <step>` of a generated crate from scratch (its own
# artifacts and incremental state removed; dependencies stay built): what a
# user pays when a spec change regenerates the client.
timed_cargo() { # dir target-dir package step
  local dir=$1 target=$2 package=$3 step=$4 start end
  (cd "$dir" && CARGO_TARGET_DIR=$target cargo clean --quiet -p "$package")
  start=$(now)
  (cd "$dir" && CARGO_TARGET_DIR=$target cargo "$step" --quiet)
  end=$(now)
  elapsed "$start" "$end"
}
# One timing of `cargo check` after touching the generated sources (the
# incremental cache kept): what an edit next to the client costs.
timed_touch() { # dir target-dir
  local dir=$1 target=$2 start end
  (cd "$dir" && CARGO_TARGET_DIR=$target cargo check --quiet)
  find "$dir/src" -name '*.rs' -exec touch {} +
  start=$(now)
  (cd "$dir" && CARGO_TARGET_DIR=$target cargo check --quiet)
  end=$(now)
  elapsed "$start" "$end"
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Alternate the two crates, RUNS times each (default 3), and keep the
# medians: the machine is shared and one run is noisy.
RUNS=${RUNS:-3}
for step in check build; do
  echo "== cargo $step of each generated crate from scratch, $RUNS runs each, alternating"
  p_times=() g_times=()
  for _ in $(seq "$RUNS"); do
    p_times+=("$(timed_cargo "$P" "$WORK/target-p" bench-pasarela "$step")")
    g_times+=("$(timed_cargo "$G" "$WORK/target-g" bench-progenitor "$step")")
  done
  echo "   pasarela: ${p_times[*]}   progenitor: ${g_times[*]}"
  if [ "$step" = check ]; then
    P_CHECK=$(median "${p_times[@]}") G_CHECK=$(median "${g_times[@]}")
  else
    P_BUILD=$(median "${p_times[@]}") G_BUILD=$(median "${g_times[@]}")
  fi
done

echo "== cargo check after touching each generated crate, $RUNS runs each, alternating"
p_times=() g_times=()
for _ in $(seq "$RUNS"); do
  p_times+=("$(timed_touch "$P" "$WORK/target-p")")
  g_times+=("$(timed_touch "$G" "$WORK/target-g")")
done
echo "   pasarela: ${p_times[*]}   progenitor: ${g_times[*]}"
P_TOUCH=$(median "${p_times[@]}") G_TOUCH=$(median "${g_times[@]}")

echo
echo "spec: $SPEC ($(nproc) cores)"
printf '%-28s %12s %12s %8s\n' "" "pasarela" "progenitor" "ratio"
printf '%-28s %12s %12s %8s\n' "generate (s, CLI)" "$P_GEN" "$G_GEN" "$(ratio "$P_GEN" "$G_GEN")"
printf '%-28s %12s %12s %8s\n' "generate peak memory (MB)" "$P_MEM" "$G_MEM" "$(ratio "$P_MEM" "$G_MEM")"
printf '%-28s %12s %12s %8s\n' "lines emitted" "$P_LINES" "$G_LINES" "$(ratio "$P_LINES" "$G_LINES")"
printf '%-28s %12s %12s %8s\n' "cargo check, median (s)" "$P_CHECK" "$G_CHECK" "$(ratio "$P_CHECK" "$G_CHECK")"
printf '%-28s %12s %12s %8s\n' "cargo build, debug, med (s)" "$P_BUILD" "$G_BUILD" "$(ratio "$P_BUILD" "$G_BUILD")"
printf '%-28s %12s %12s %8s\n' "check after touch, med (s)" "$P_TOUCH" "$G_TOUCH" "$(ratio "$P_TOUCH" "$G_TOUCH")"
