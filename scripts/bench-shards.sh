#!/usr/bin/env bash
# Scale-out figures for BENCHMARKS.md ("Scale-out"): sharded scan throughput, merge cost, plan cost.
#
#   scripts/bench-shards.sh WORK_DIR [SIZE_GB] [MANY_FILES]      # defaults: 1 GiB, 50000 files
#   PROVAUDIT=/path/to/provaudit scripts/bench-shards.sh ...      # default target/release/provaudit
#
# 1. Throughput: a mixed corpus (scripts/bench-corpus.sh WORK_DIR/mixed SIZE_GB) against a CSV
#    registry listing every 10th file's md5, page cache warm. A single scan (--threads 2) and,
#    for N = 1, 2, 4, 8: plan, the N shard scans two at a time (--threads 1 each, as two
#    one-core workers would), merge. Wall times, MB/s (10^6 bytes) and the ratio to the single
#    scan, measured in the same run, rounds interleaved.
# 2. Merge cost: MANY_FILES small files (scripts/bench-corpus.sh --many), N = 1, 4, 16, 64
#    shards, with a registry listing none of the files (0 findings) or all of them (one T1
#    finding per file). Time of `provaudit merge` alone, and files merged per second.
# 3. Plan cost: time of `provaudit plan` over the many-file corpus, files listed per second.
#
# Prints Markdown tables on stdout; progress on stderr. Every figure in BENCHMARKS.md's
# "Scale-out" section comes from this script.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?usage: $0 WORK_DIR [SIZE_GB] [MANY_FILES]}
size_gb=${2:-1}
many=${3:-50000}
rounds=${ROUNDS:-2}
provaudit=${PROVAUDIT:-$repo/target/release/provaudit}
[ -x "$provaudit" ] || (cd "$repo" && cargo build --release --quiet)
export XDG_CACHE_HOME=$work/cache
mkdir -p "$work"
log() { echo "bench-shards: $*" >&2; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

# Corpora and registries.
if [ ! -d "$work/mixed" ]; then
    log "generating $size_gb GiB mixed corpus"
    "$repo/scripts/bench-corpus.sh" "$work/mixed" "$size_gb" >&2
fi
if [ ! -d "$work/many" ]; then
    log "generating $many small files"
    "$repo/scripts/bench-corpus.sh" --many "$many" "$work/many" >&2
fi
registry_csv() { # CORPUS EVERY OUT: md5 of every EVERY-th file in path order (0: one unrelated record)
    python3 - "$@" <<'EOF'
import hashlib, os, sys
corpus, every, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if not f.startswith("."))
with open(out, "w") as csv:
    csv.write("id,md5,title\n")
    if every == 0:
        csv.write("none,00000000000000000000000000000000,None\n")
    for i, path in enumerate(paths if every else []):
        if i % every == 0:
            md5 = hashlib.md5(open(path, "rb").read()).hexdigest()
            csv.write(f"w{i},{md5},Work {i}\n")
EOF
}
registry_csv "$work/mixed" 10 "$work/mixed-reg.csv"
registry_csv "$work/many" 0 "$work/many-reg0.csv"
registry_csv "$work/many" 1 "$work/many-reg1.csv"
bytes=$(find "$work/mixed" -type f ! -name '.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
files=$(find "$work/mixed" -type f ! -name '.*' | wc -l)

# Registries imported once, outside the timings.
for reg in mixed-reg many-reg0 many-reg1; do
    rm -f "$work/$reg.db"
    "$provaudit" registry import "$work/$reg.db" "$work/$reg.csv" --quiet
done

sharded() { # CORPUS REGISTRY N DIR -> prints "plan_s scan_s merge_s"
    local corpus=$1 reg=$2 n=$3 dir=$4
    rm -rf "$dir" && mkdir -p "$dir/shards"
    local t0 t1 t2 t3
    t0=$(now)
    "$provaudit" plan "$corpus" --shards "$n" --registry "$reg" -o "$dir/plan.json" --quiet
    t1=$(now)
    seq 0 $((n - 1)) | xargs -P 2 -I{} "$provaudit" scan --plan "$dir/plan.json" --shard "{}/$n" \
        --store "$dir/shards/shard-{}.db" --registry "$reg" --threads 1 --quiet
    t2=$(now)
    "$provaudit" merge "$dir/merged.db" "$dir/shards"/shard-*.db --quiet
    t3=$(now)
    echo "$(secs "$t0" "$t1") $(secs "$t1" "$t2") $(secs "$t2" "$t3")"
}

# 1. Throughput.
log "warming the page cache"
find "$work/mixed" -type f -exec cat {} + >/dev/null
declare -A total
echo "### Sharded scan throughput ($files files, $bytes bytes, $rounds rounds, load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| round | layout | plan s | scans s | merge s | total s | MB/s | total / single |"
echo "|---|---|---|---|---|---|---|---|"
for round in $(seq "$rounds"); do
    rm -f "$work/single.db"*
    t0=$(now)
    "$provaudit" scan "$work/mixed" --registry "$work/mixed-reg.db" --store "$work/single.db" \
        --threads 2 --fail-on none --quiet
    t1=$(now)
    single=$(secs "$t0" "$t1")
    total[single]="${total[single]:-} $single"
    printf '| %s | single scan, --threads 2 | - | %.2f | - | %.2f | %.0f | 1.00 |\n' \
        "$round" "$single" "$single" "$(echo "$bytes / $single / 1000000" | bc -l)"
    for n in 1 2 4 8; do
        read -r plan scan merge < <(sharded "$work/mixed" "$work/mixed-reg.db" "$n" "$work/run-$n")
        sum=$(echo "$plan + $scan + $merge" | bc)
        printf '| %s | %s shards, 2 at a time | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f |\n' \
            "$round" "$n" "$plan" "$scan" "$merge" "$sum" "$(echo "$bytes / $sum / 1000000" | bc -l)" \
            "$(echo "$sum / $single" | bc -l)"
    done
done
echo

# 2. Merge cost.
echo "### Merge cost ($many files of 64 B to 16 KiB)"
echo
echo "| shards | finding locations | merge s | files merged / s | merged store bytes |"
echo "|---|---|---|---|---|"
for reg in 0 1; do
    for n in 1 4 16 64; do
        dir=$work/merge-$reg-$n
        read -r plan scan merge < <(sharded "$work/many" "$work/many-reg$reg.db" "$n" "$dir")
        findings=$("$provaudit" report "$dir/merged.db" | python3 -c 'import json, sys; print(sum(len(f["locations"]) for f in json.load(sys.stdin)["findings"]))')
        printf '| %s | %s | %.2f | %.0f | %s |\n' "$n" "$findings" "$merge" \
            "$(echo "$many / $merge" | bc -l)" "$(stat -c %s "$dir/merged.db")"
        [ "$n" = 1 ] && [ "$reg" = 0 ] && plan_many=$plan
    done
done
echo
echo "### Plan cost"
echo
printf 'plan of %s files (walk, assign, write 1 list): %.2f s, %.0f files/s\n' "$many" "$plan_many" \
    "$(echo "$many / $plan_many" | bc -l)"
