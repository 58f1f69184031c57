#!/usr/bin/env bash
# What looking for ISBNs and ASINs (T4) costs a digest-only audit, for BENCHMARKS.md.
#
#   scripts/bench-t4.sh [COPIES] [ROUNDS]
#
# Builds /tmp/bench-t4/corpus from the shared data (the books as plain text and the Wikipedia
# summaries as JSONL, COPIES times, default 8: about 230 MB of text) and scans it against the
# demo registry (LibGen, AAC and CSV sources, which list ISBNs and ASINs but hold no reference
# works), alternately with and without `--no-bibliographic`, ROUNDS times (default 3), with a
# fresh store each run and a warm page cache. Prints each time and the median ratio.
# Environment: PROVAUDIT (default target/release/provaudit), SHARED (default ../shared/data).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
COPIES=${1:-8}
ROUNDS=${2:-3}
BIN=${PROVAUDIT:-$HERE/target/release/provaudit}
SHARED=${SHARED:-$HERE/../shared/data}
WORK=/tmp/bench-t4
mkdir -p "$WORK"
if [ ! -d "$WORK/corpus" ]; then
    for i in $(seq 1 "$COPIES"); do
        mkdir -p "$WORK/corpus/$i"
        cp "$SHARED"/books/*.txt "$WORK/corpus/$i/"
        cp "$SHARED"/background/*.jsonl "$WORK/corpus/$i/"
    done
fi
export XDG_CACHE_HOME="$WORK/cache"
cat "$WORK"/corpus/*/* > /dev/null
"$BIN" --quiet registry info "$HERE/corpora/demo/registry" > /dev/null 2>&1 || true
run() { # run LABEL ARGS...
    local label=$1; shift
    rm -rf "$WORK/store.db" "$WORK/store.db.lock"
    local start end
    start=$(date +%s.%N)
    "$BIN" --quiet scan "$WORK/corpus" --registry "$HERE/corpora/demo/registry" \
        --store "$WORK/store.db" --fail-on none "$@"
    end=$(date +%s.%N)
    echo "$label $(echo "$end - $start" | bc)"
}
bytes=$(du -sb "$WORK/corpus" | cut -f1)
echo "corpus: $bytes bytes"
results=()
for round in $(seq 1 "$ROUNDS"); do
    with=$(run with-t4 | cut -d' ' -f2)
    without=$(run without-t4 --no-bibliographic | cut -d' ' -f2)
    ratio=$(echo "scale=3; $with / $without" | bc)
    echo "round $round: with T4 ${with}s, --no-bibliographic ${without}s, ratio $ratio"
    results+=("$ratio")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{ a[NR] = $1 } END { print "median ratio (with / without): " a[int((NR + 1) / 2)] }'
