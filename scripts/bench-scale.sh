#!/usr/bin/env bash
# Runs the scale benchmarks (benches/scale.rs) and prints their medians as a
# table, one row per benchmark, one column per number of conversations,
# each beside the previous run's ("0.40 ms (was 24 ms)"). Divan's full
# output is kept in target/bench-scale.txt, the previous run's in
# target/bench-scale.prev.txt (set BEFORE=file to compare with another).
#
#   scripts/bench-scale.sh              # everything (under two minutes)
#   scripts/bench-scale.sh frame key_j  # only benchmarks whose name matches
#
# Then, in a process of its own, the resident memory with 10,000 and 50,000
# conversations and the log full (SCALE_RSS), beside the previous run's.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/bench-scale.txt
rss=target/bench-scale-rss.txt
mkdir -p target
[ -f "$out" ] && mv "$out" target/bench-scale.prev.txt
[ -f "$rss" ] && mv "$rss" target/bench-scale-rss.prev.txt
before=${BEFORE:-target/bench-scale.prev.txt}
[ -f "$before" ] || before=/dev/null
cargo bench --bench scale -- "$@" | tee "$out"

echo
echo "Medians ($(nproc) cores, $(date -u +%Y-%m-%d)), beside the previous run's:"
echo
awk -F'│' '
    FNR == 1 { name = "" }
    # A benchmark: "├─ frame" at the start of the line.
    /^(├|╰)─ / { name = $1; sub(/^(├|╰)─ /, "", name); gsub(/ /, "", name); next }
    # One of its sizes: "│  ├─ 1000   1.2 ms │ … │ median │ mean │ samples │ iters".
    /(├|╰)─ [0-9]+ / && name != "" {
        size = $0; sub(/^.*(├|╰)─ /, "", size); sub(/ .*/, "", size)
        median = $(NF - 3); gsub(/^ +| +$/, "", median)
        if (FILENAME != ARGV[ARGC - 1]) { old[name, size] = median; next }
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
                was = old[names[i], sizes[j]]
                if (v == "") v = "-"
                else if (was != "") v = v " (was " was ")"
                row = row " " v " |"
            }
            print row
        }
    }
' "$before" "$out"

echo
for n in 10000 50000; do
    line=$(SCALE_RSS=$n cargo bench --bench scale 2>/dev/null | grep '^resident')
    echo "$line" >> "$rss"
    was=$(grep -s "with $n conversations" target/bench-scale-rss.prev.txt | sed 's/.*: \([0-9.]* MiB\).*/\1/' || true)
    echo "$line${was:+ (was $was)}"
done
