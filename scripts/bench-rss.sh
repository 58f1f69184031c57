#!/usr/bin/env bash
# Peak RSS of `provaudit scan` as the corpus grows (BENCHMARKS.md, "memory stays flat").
#
#   scripts/bench-rss.sh [COUNTS...]        default: 10000 100000
#
# For each N, makes (once) /tmp/bench/manyN with `scripts/bench-corpus.sh --many N`, warms
# the page cache, deletes the store, and runs `/usr/bin/time -v provaudit scan` (default
# threads), printing a Markdown table of maximum resident set size and wall time.
# Environment: PROVAUDIT (default target/release/provaudit), REPEAT (default 3 runs per N;
# the table shows the largest peak RSS and the median wall time).
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
PROVAUDIT=${PROVAUDIT:-$HERE/target/release/provaudit}
REPEAT=${REPEAT:-3}
OUT=/tmp/bench/rss
STORE=/tmp/bench/rss/x.db
COUNTS=("$@")
[[ ${#COUNTS[@]} -gt 0 ]] || COUNTS=(10000 100000)
[[ -x /usr/bin/time ]] || apt-get install -y time >/dev/null
mkdir -p "$OUT"
printf 'md5,title\n0123456789abcdef0123456789abcdef,Benchmark placeholder\n' >"$OUT/registry.csv"
rm -f "$OUT/registry.db"*
"$PROVAUDIT" --quiet registry import "$OUT/registry.db" "$OUT/registry.csv"

echo "| files | bytes | peak RSS (MiB), max of $REPEAT | wall s (median) | store size (MiB) |"
echo "|---|---|---|---|---|"
for n in "${COUNTS[@]}"; do
    dir=/tmp/bench/many$n
    [[ -d $dir ]] || "$HERE/scripts/bench-corpus.sh" --many "$n" "$dir" >/dev/null
    find "$dir" -type f -print0 | xargs -0 cat >/dev/null # warm page cache, untimed
    bytes=$(find "$dir" -type f -printf '%s\n' | awk '{t += $1} END {print t}')
    rss=() walls=()
    for _ in $(seq "$REPEAT"); do
        rm -f "$STORE" "$STORE"-*
        /usr/bin/time -v -o "$OUT/time-$n.txt" "$PROVAUDIT" scan "$dir" --registry "$OUT/registry.db" \
            --store "$STORE" --quiet --fail-on none
        rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time-$n.txt")")
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$OUT/time-$n.txt")")
    done
    max_rss=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
    med_wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    store=$(du -sm "$STORE" | cut -f1)
    printf '| %s | %s | %.1f | %s | %s |\n' "$n" "$bytes" "$(echo "$max_rss / 1024" | bc -l)" "$med_wall" "$store"
done
