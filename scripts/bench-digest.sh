#!/usr/bin/env bash
# Whole-process hashing comparison for BENCHMARKS.md, all figures from the same invocation.
#
#   scripts/bench-digest.sh [CORPUS] [BIG_FILE] [ITERATIONS]
#
# Defaults: CORPUS=/tmp/bench/corpus (make it with `scripts/bench-corpus.sh /tmp/bench/corpus 2`),
# BIG_FILE=/tmp/bench/big.bin (1 GiB of seeded AES-CTR bytes, made if missing), ITERATIONS=7.
# Environment: PROVAUDIT (default target/release/provaudit), OUT (default /tmp/bench/results).
#
# Each iteration runs every command below once, in a shuffled order, so the single-core digest
# speeds and the whole-corpus tools are measured back to back and other work on the machine
# hits all of them alike; ratios are computed within an iteration, then summarised. The
# corpus and the big file are read once, untimed, first: every figure is for a warm page
# cache (both fit in RAM), i.e. hashing cost, not disk speed. Use a quiet machine: with other
# sessions' work running, a 2-thread process cannot get 2 cores (see BENCHMARKS.md, Noise).
#
#  (a) single-core throughput of each digest over BIG_FILE: openssl dgst -md5/-sha1/-sha256,
#      b3sum --num-threads 1; compute limit for P cores = P / (1/md5 + 1/sha1 + 1/sha256 + 1/blake3)
#  (b) provaudit scan (all four digests, fresh store each run), hashdeep -c md5,sha1,sha256
#      (its default: one hashing thread per core), and md5sum, sha1sum, sha256sum, b3sum run
#      one after the other over every file
#  (c) ratios: hashdeep time / provaudit time (goal >= 1.5), provaudit MB/s / compute limit
#      (goal >= 0.85), per iteration, their median, and from each command's best time;
#      prints a Markdown table.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:-/tmp/bench/corpus}
BIG=${2:-/tmp/bench/big.bin}
ITERATIONS=${3:-7}
PROVAUDIT=${PROVAUDIT:-$HERE/target/release/provaudit}
OUT=${OUT:-/tmp/bench/results}
CORES=$(nproc)
STORE=/tmp/x.db
mkdir -p "$OUT"

[[ -d $CORPUS ]] || { echo "no corpus at $CORPUS (run scripts/bench-corpus.sh $CORPUS 2)" >&2; exit 2; }
[[ -x $PROVAUDIT ]] || { echo "no binary at $PROVAUDIT (run cargo build --release)" >&2; exit 2; }
if [[ ! -f $BIG ]]; then
    openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
        </dev/zero 2>/dev/null | head -c $((1 << 30)) >"$BIG" || true
fi

# A one-row CSV registry, imported once so that no run pays for the import.
REG=$OUT/registry.db
printf 'md5,title\n0123456789abcdef0123456789abcdef,Benchmark placeholder\n' >"$OUT/registry.csv"
if [[ ${ANALYZE_ONLY:-0} != 1 ]]; then
    rm -f "$REG"*
    "$PROVAUDIT" --quiet registry import "$REG" "$OUT/registry.csv"
    # Untimed warm-up read: afterwards every byte comes from the page cache.
    find "$CORPUS" -type f -print0 | xargs -0 cat >/dev/null
    cat "$BIG" >/dev/null
fi
CORPUS_BYTES=$(find "$CORPUS" -type f -printf '%s\n' | awk '{t += $1} END {printf "%.0f", t}')
CORPUS_FILES=$(find "$CORPUS" -type f | wc -l)
BIG_BYTES=$(stat -c %s "$BIG")

# Interleaving: hyperfine runs its commands in the order given, each one RUNS times in a
# row. To spread other load on the machine evenly, each iteration is one hyperfine call
# with --runs 1 and the commands in a different (seeded, reproducible) order.
# ANALYZE_ONLY=1 re-prints the table from the JSON of the last measurement.
names=(md5-1core sha1-1core sha256-1core blake3-1core provaudit hashdeep sequential)
declare -A cmd=(
    [md5-1core]="openssl dgst -md5 $BIG"
    [sha1-1core]="openssl dgst -sha1 $BIG"
    [sha256-1core]="openssl dgst -sha256 $BIG"
    [blake3-1core]="b3sum --num-threads 1 $BIG"
    [provaudit]="$PROVAUDIT scan $CORPUS --registry $REG --store $STORE --quiet --fail-on none"
    [hashdeep]="hashdeep -c md5,sha1,sha256 -r $CORPUS > /dev/null"
    [sequential]="find $CORPUS -type f -print0 | xargs -0 md5sum > /dev/null && find $CORPUS -type f -print0 | xargs -0 sha1sum > /dev/null && find $CORPUS -type f -print0 | xargs -0 sha256sum > /dev/null && find $CORPUS -type f -print0 | xargs -0 b3sum > /dev/null"
)
for iter in $(seq 1 "$ITERATIONS"); do
    [[ ${ANALYZE_ONLY:-0} == 1 ]] && break
    args=()
    for name in $(printf '%s\n' "${names[@]}" | shuf --random-source=<(yes "$iter")); do
        args+=(-n "$name" "${cmd[$name]}")
    done
    # --prepare applies to every command: the store is deleted before each run so that
    # provaudit really rehashes everything (rm -f of an absent file costs nothing).
    hyperfine --runs 1 --export-json "$OUT/iter$iter.json" \
        --prepare "rm -f $STORE $STORE-journal $STORE-wal $STORE-shm" "${args[@]}" \
        >"$OUT/iter$iter.log" 2>&1 || { cat "$OUT/iter$iter.log" >&2; exit 1; }
    echo "iteration $iter/$ITERATIONS done (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
done

python3 - "$OUT" "$ITERATIONS" "$CORPUS_BYTES" "$CORPUS_FILES" "$BIG_BYTES" "$CORES" <<'EOF'
import json, statistics, sys
out, iters, corpus, nfiles, big, cores = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
MB = 1e6
runs = []
for i in range(1, iters + 1):
    res = {x["command"]: x for x in json.load(open(f"{out}/iter{i}.json"))["results"]}
    runs.append({k: (v["mean"], v["user"] + v["system"]) for k, v in res.items()})

def figures(label, t, cpu=None):
    single = {k: big / t[f"{k}-1core"] / MB for k in ("md5", "sha1", "sha256", "blake3")}
    limit = cores / sum(1 / v for v in single.values())
    x = dict(label=label, **single, limit=limit, t=t,
             vs_hashdeep=t["hashdeep"] / t["provaudit"],
             vs_sequential=t["sequential"] / t["provaudit"],
             vs_limit=corpus / t["provaudit"] / MB / limit)
    if cpu:
        x["cpu"] = cpu
    return x

rows = [figures(str(i + 1), {k: v[0] for k, v in r.items()}, {k: v[1] for k, v in r.items()})
        for i, r in enumerate(runs)]
names = list(runs[0])
best = figures("best of each command", {k: min(r[k][0] for r in runs) for k in names})

print(f"Corpus: {nfiles} files, {corpus} bytes ({corpus / 2**30:.2f} GiB); single-core input "
      f"{big} bytes; {cores} cores; {iters} iterations, each command once per iteration in a "
      "shuffled order; MB = 10^6 bytes.\n")
print("| iteration | md5 1-core MB/s | sha1 1-core MB/s | sha256 1-core MB/s | blake3 1-core MB/s "
      f"| compute limit ({cores} cores) MB/s | provaudit s (MB/s) | hashdeep s (MB/s) "
      "| md5sum, sha1sum, sha256sum, b3sum s (MB/s) | hashdeep / provaudit time | provaudit / limit |")
print("|" + "---|" * 11)
def line(x):
    t = x["t"]
    tool = lambda k: f"{t[k]:.2f} ({corpus / t[k] / MB:.0f})"
    print(f"| {x['label']} | {x['md5']:.0f} | {x['sha1']:.0f} | {x['sha256']:.0f} | {x['blake3']:.0f} "
          f"| {x['limit']:.0f} | {tool('provaudit')} | {tool('hashdeep')} | {tool('sequential')} "
          f"| {x['vs_hashdeep']:.2f}x | {x['vs_limit']:.2f} |")
for x in rows:
    line(x)
med = {k: statistics.median(x[k] for x in rows) for k in ("md5", "sha1", "sha256", "blake3", "limit",
                                                          "vs_hashdeep", "vs_sequential", "vs_limit")}
med_t = {k: statistics.median(x["t"][k] for x in rows) for k in names}
line(dict(label="**median**", **med, t=med_t))
line(best)
print()
def verdict(name, key, goal, fmt):
    lo, hi = min(x[key] for x in rows), max(x[key] for x in rows)
    print(f"- {name}: median of per-iteration ratios {fmt.format(med[key])}, range {fmt.format(lo)}"
          f" to {fmt.format(hi)}, best-of {fmt.format(best[key])} -> "
          f"{'MET' if med[key] >= goal else 'MISSED'} (goal {fmt.format(goal)})")
verdict("Goal 1, hashdeep time / provaudit time", "vs_hashdeep", 1.5, "{:.2f}x")
verdict("Goal 2, provaudit MB/s / compute limit", "vs_limit", 0.85, "{:.2f}")
print(f"- md5sum+sha1sum+sha256sum+b3sum time / provaudit time: median {med['vs_sequential']:.2f}x")
cpu = {k: statistics.median(x["cpu"][k] for x in rows) for k in names}
single_cpu = corpus * sum(1 / (med[k] * MB) for k in ("md5", "sha1", "sha256", "blake3"))
print(f"- CPU time (user+system, median over iterations): provaudit {cpu['provaudit']:.2f} s, "
      f"hashdeep {cpu['hashdeep']:.2f} s, sequential tools {cpu['sequential']:.2f} s; at the median wall-clock single-core speeds the four "
      f"single-core digests over the corpus would take {single_cpu:.2f} s of CPU; provaudit kept "
      f"{cpu['provaudit'] / med_t['provaudit'] / cores:.0%} of {cores} cores busy (median run)")
cpu_limit = statistics.median(
    sum(x["cpu"][f"{k}-1core"] for k in ("md5", "sha1", "sha256", "blake3")) * corpus / big / x["cpu"]["provaudit"]
    for x in rows)
print(f"- Load-independent check: CPU seconds the four single-core tools need for the corpus bytes / "
      f"provaudit CPU seconds = {cpu_limit:.2f} (1.00 = provaudit spends exactly the compute limit's "
      f"CPU per byte); hashdeep CPU / provaudit CPU = {cpu['hashdeep'] / cpu['provaudit']:.2f}")
print(f"- Load: {open('/proc/loadavg').read().split()[:3]} at the end (1, 5, 15 min averages)")
spread = {k: (max(r[k][0] for r in runs) - min(r[k][0] for r in runs)) / med_t[k] for k in names}
print("- Noise, (max - min) / median of each command's times: "
      + ", ".join(f"{k} {v:.0%}" for k, v in spread.items()))
EOF
