#!/usr/bin/env bash
# Fills the gitignored corpora of the two targets:
# - fuzz/corpus/parse: the committed seeds and, when it is there, the real files of
#   ../shared/corpus, each behind the two option bytes the target reads first (a different
#   pair for each file, so the real files start out under varied options);
# - fuzz/corpus/validate: the samples, the grammar tests and the real files, each behind
#   the one option byte that target reads (lenient on odd files, the read size varying).
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

out="$here/corpus/validate"
mkdir -p "$out"
i=0
for f in "$here"/../samples/*.x12 "$here"/../grammar-tests/*.x12 "$here"/../grammar-tests/validate/*.x12 "$shared"/*; do
    [ -f "$f" ] || continue
    case "$f" in *.md) continue ;; esac
    name="$(basename "$(dirname "$f")")-$(basename "$f")"
    printf "\\x$(printf %02x $(( (i % 2) | ((i % 8) << 1) )))" >"$out/$name"
    cat "$f" >>"$out/$name"
    i=$((i + 1))
done
echo "$(ls "$out" | wc -l) inputs in $out"
