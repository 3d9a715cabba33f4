#!/usr/bin/env bash
# Downloads the conformance corpus: every document pinned in
# corpus/manifest.tsv, from its upstream repository at the pinned commit,
# checked against its sha256, into DEST (default: ../shared/corpus beside the
# project, where the tests look when PASARELA_CORPUS is not set).
#
#   bash scripts/fetch-corpus.sh [DEST]
#
# Needs curl, tar and sha256sum. CI does not run it (CI has the corpus beside
# the clone); a document that does not match its checksum is removed and the
# script exits 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/../shared/corpus}"
manifest="$root/corpus/manifest.tsv"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tree_sha256() { # the sha256 of the sha256sum listing of every file under $1
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

failed=0
header_seen=0
while IFS=$'\t' read -r document kind url commit upstream_path sha256 license _entry; do
  case "$document" in '#'*|'') continue ;; esac
  if [ "$header_seen" = 0 ]; then header_seen=1; continue; fi
  target="$dest/$document"
  mkdir -p "$(dirname "$target")"
  case "$kind" in
    file)
      echo "fetching $document ($license) at ${commit:0:12}"
      curl -fsSL "$url" -o "$work/doc"
      actual="$(sha256sum "$work/doc" | cut -d' ' -f1)"
      if [ "$actual" = "$sha256" ]; then
        mv "$work/doc" "$target"
      else
        echo "  checksum mismatch: expected $sha256, got $actual; not kept" >&2
        failed=1
      fi
      ;;
    tree)
      echo "fetching $document ($license) at ${commit:0:12}: $upstream_path/ of the archive"
      rm -rf "$work/archive" && mkdir -p "$work/archive"
      curl -fsSL "$url" | tar -xz -C "$work/archive"
      top="$(find "$work/archive" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
      actual="$(tree_sha256 "$top/$upstream_path")"
      if [ "$actual" = "$sha256" ]; then
        rm -rf "$target"
        mv "$top/$upstream_path" "$target"
      else
        echo "  checksum mismatch: expected $sha256, got $actual; not kept" >&2
        failed=1
      fi
      ;;
    *) echo "unknown kind '$kind' for $document" >&2; failed=1 ;;
  esac
done < "$manifest"

if [ "$failed" = 0 ]; then
  echo "corpus ready in $dest"
  [ "$dest" = "$(cd "$root/.." && pwd)/shared/corpus" ] || echo "run the tests with PASARELA_CORPUS=$dest"
fi
exit "$failed"
