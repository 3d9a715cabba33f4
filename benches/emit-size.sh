#!/usr/bin/env bash
# What a generated client costs, for every corpus document (more/ included)
# and the three specs: operations, named schemas, struct/enum items, lines,
# lines per operation, and (CHECK=1) `cargo check` of the generated crate
# from scratch and after touching it. DEPEND=1 adds what a user pays to
# depend on `pasarela`: a cold debug build of a small crate that uses one
# client, the generator running in its build script.
#
#   bash benches/emit-size.sh                 (sizes only; seconds)
#   CHECK=1 bash benches/emit-size.sh         (+ cold and incremental check; minutes)
#   DEPEND=1 bash benches/emit-size.sh        (+ the cold build of a user crate)
#
# The corpus is found like the tests find it: $PASARELA_CORPUS, else
# ../shared/corpus (scripts/fetch-corpus.sh fetches it). Everything it builds
# stays under target/emit-size. Nothing in the project depends on it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CORPUS=${PASARELA_CORPUS:-$ROOT/../shared/corpus}
WORK=$ROOT/target/emit-size
mkdir -p "$WORK"

cargo build --quiet --release -p pasarela-gen
GEN=$ROOT/target/release/pasarela-gen

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

docs=("$ROOT"/specs/*.yaml)
if [ -d "$CORPUS" ]; then
  # The manifest's entry column names each document (a tree's entry file).
  while IFS=$'\t' read -r document _kind _url _commit _path _sha _license entry; do
    case "$document" in '#'* | document | '') continue ;; esac
    docs+=("$CORPUS/$document${entry:+/$entry}")
  done <"$ROOT/corpus/manifest.tsv"
else
  echo "skipped: the corpus (set PASARELA_CORPUS or run scripts/fetch-corpus.sh; looked in $CORPUS)" >&2
fi

printf '| document | operations | named schemas | items | items ÷ (1.5 × named + ops) | lines | lines/op |'
[ "${CHECK:-}" = 1 ] && printf ' check cold (s) | check touched (s) |'
printf '\n|---|---|---|---|---|---|---|'
[ "${CHECK:-}" = 1 ] && printf -- '---|---|'
printf '\n'
for doc in "${docs[@]}"; do
  [ -f "$doc" ] || { echo "missing: $doc" >&2; continue; }
  name=$(basename "$doc")
  crate=$WORK/$(echo "$name" | tr -c 'A-Za-z0-9\n' '-')
  mkdir -p "$crate/src"
  stats=$("$GEN" generate --lenient --stats "$doc" --out "$crate/src/api.rs" 2>/dev/null | grep '^{"stats"')
  field() { echo "$stats" | sed -E "s/.*\"$1\":([0-9]+).*/\1/"; }
  ops=$(field operations) named=$(field named_types) items=$(field items) lines=$(field lines)
  budget=$(awk -v n="$named" -v o="$ops" -v i="$items" 'BEGIN { b = 1.5 * n + o; if (b > 0) printf "%.2f", i / b; else print "n/a" }')
  per_op=$(awk -v l="$lines" -v o="$ops" 'BEGIN { if (o > 0) printf "%.0f", l / o; else print "n/a" }')
  printf '| %s | %s | %s | %s | %s | %s | %s |' "$name" "$ops" "$named" "$items" "$budget" "$lines" "$per_op"
  if [ "${CHECK:-}" = 1 ]; then
    cat >"$crate/Cargo.toml" <<EOF
[package]
name = "emit-size-crate"
version = "0.1.0"
edition = "2021"

[dependencies]
pasarela-runtime = { path = "$ROOT/runtime" }

[workspace]
EOF
    printf '#![allow(clippy::all)]\npub mod api {\n    include!("api.rs");\n}\n' >"$crate/src/lib.rs"
    export CARGO_TARGET_DIR=$WORK/target
    (cd "$crate" && cargo check --quiet 2>/dev/null) || true # dependencies, once
    (cd "$crate" && cargo clean --quiet -p emit-size-crate 2>/dev/null) || true
    start=$(now)
    (cd "$crate" && cargo check --quiet 2>/dev/null) || printf ' (does not compile)'
    cold=$(elapsed "$start" "$(now)")
    touch "$crate/src/api.rs"
    start=$(now)
    (cd "$crate" && cargo check --quiet 2>/dev/null) || true
    touched=$(elapsed "$start" "$(now)")
    unset CARGO_TARGET_DIR
    printf ' %s | %s |' "$cold" "$touched"
  fi
  printf '\n'
done

if [ "${DEPEND:-}" = 1 ]; then
  user=$WORK/user-crate
  mkdir -p "$user/src"
  cat >"$user/Cargo.toml" <<EOF
[package]
name = "emit-size-user"
version = "0.1.0"
edition = "2021"

[dependencies]
pasarela = { path = "$ROOT", default-features = false, features = ["tigo-billing"] }

[workspace]
EOF
  cat >"$user/src/main.rs" <<'EOF'
fn main() {
    let client = pasarela::tigo_billing::Client::builder()
        .base_url("http://127.0.0.1:1")
        .build();
    println!("{}", client.is_ok());
}
EOF
  rm -rf "$WORK/user-target"
  start=$(now)
  (cd "$user" && CARGO_TARGET_DIR=$WORK/user-target cargo build --quiet)
  echo "depend on pasarela (tigo-billing only), cold debug build: $(elapsed "$start" "$(now)") s"
fi
