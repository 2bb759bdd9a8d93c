#!/usr/bin/env bash
# Fills fuzz/corpus/parse (gitignored) with the committed seeds and, when it is there, the
# real files of ../shared/corpus, each behind the two option bytes the target reads first
# (a different pair for each file, so the real files start out under varied options).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="${1:-$here/../../shared/corpus}"
out="$here/corpus/parse"
mkdir -p "$out"
cp "$here"/seeds/* "$out"/
if [ -d "$shared" ]; then
    i=0
    for f in "$shared"/*; do
        case "$f" in *.md) continue ;; esac
        # Option bytes: lenient on odd files, chunk size and buffer varying with i.
        printf "\\x$(printf %02x $(( (i * 2 + i % 2) & 0x3f )))\\x$(printf %02x $(( i % 16 )))" >"$out/shared-$(basename "$f")"
        cat "$f" >>"$out/shared-$(basename "$f")"
        i=$((i + 1))
    done
fi
echo "$(ls "$out" | wc -l) inputs in $out"
