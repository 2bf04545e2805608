#!/usr/bin/env bash
# Runs the scale benchmarks (benches/scale.rs) and prints their medians as a
# table, one row per benchmark, one column per number of conversations.
# Divan's full output is kept in target/bench-scale.txt.
#
#   scripts/bench-scale.sh              # everything (under two minutes)
#   scripts/bench-scale.sh frame key_j  # only benchmarks whose name matches
#
# Then, in a process of its own, the resident memory with 10,000 and 50,000
# conversations and the log full (SCALE_RSS).
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/bench-scale.txt
mkdir -p target
cargo bench --bench scale -- "$@" | tee "$out"

echo
echo "Medians ($(nproc) cores, $(date -u +%Y-%m-%d)):"
echo
awk -F'│' '
    # A benchmark: "├─ frame" at the start of the line.
    /^(├|╰)─ / { name = $1; sub(/^(├|╰)─ /, "", name); gsub(/ /, "", name); next }
    # One of its sizes: "│  ├─ 1000   1.2 ms │ … │ median │ mean │ samples │ iters".
    /(├|╰)─ [0-9]+ / && name != "" {
        size = $0; sub(/^.*(├|╰)─ /, "", size); sub(/ .*/, "", size)
        median = $(NF - 3); gsub(/^ +| +$/, "", median)
        if (!(size in seen)) { seen[size] = 1; sizes[++nsizes] = size }
        if (!(name in known)) { known[name] = 1; names[++nnames] = name }
        cell[name, size] = median
    }
    END {
        head = "| benchmark |"; rule = "|---|"
        for (j = 1; j <= nsizes; j++) { head = head " " sizes[j] " |"; rule = rule "---|" }
        print head; print rule
        for (i = 1; i <= nnames; i++) {
            row = "| " names[i] " |"
            for (j = 1; j <= nsizes; j++) {
                v = cell[names[i], sizes[j]]
                row = row " " (v == "" ? "-" : v) " |"
            }
            print row
        }
    }
' "$out"

echo
for n in 10000 50000; do
    SCALE_RSS=$n cargo bench --bench scale 2>/dev/null | grep '^resident'
done
