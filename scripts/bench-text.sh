#!/usr/bin/env bash
# Text matching (T3) benchmarks for BENCHMARKS-text.md, "Text matching".
#
#   scripts/bench-text.sh [REPEAT]            default REPEAT=3
#
# Environment: PROVAUDIT (default target/release/provaudit; copy it elsewhere first if other
# people rebuild the tree), D (default /tmp/bench-text), SAMPLE_MB (default 50),
# ADD_TXT_10000=1 to also time add-works of the 10,000 works as 10,000 .txt files (~30+ min).
#
# Data (made once, deterministic; scripts/bench-text-data.py): D/works-1000, D/works-10000
# (~20,000 words each, work i identical in both), the same works packed as JSONL of works
# (D/works-N-jsonl/part-NN.jsonl, 1,000 works per file), and D/jsonl (1,100 MiB of JSONL,
# 1-4 KiB records, ~1% verbatim 300-600-word passages of works 1..1000).
#
#  (a) add-works time: works-1000 as 1,000 .txt files (one transaction each), works-1000 and
#      works-10000 as JSONL of works (one transaction per 1,000 works)
#  (b) registry index load: `audit` of a 3-record file, --threads 1, with a registry without
#      works (baseline), and with 1,000 and 10,000 works: wall time and maximum RSS
#  (c) throughput: `audit D/jsonl` with works-1000, --threads 1 and 2; and with a registry
#      without works (digests only, the T1/T2 part of an audit), --threads 1
#  (d) the first SAMPLE_MB of shard-000 through datasketch and rensa MinHash (128 perms,
#      5-word shingles; scripts/bench-text-minhash.py) and through provaudit (--threads 1)
#  (e) peak RSS of `audit D/jsonl` with works-10000, --threads 2
#
# TABLES_ONLY=1 reprints the tables from D/results without running anything.
#
# Every round runs (b)-(e) once, so noise from other work on the machine hits all of them
# alike; the page cache is warmed (cat > /dev/null) before each round. Each run writes a fresh
# --out. MB = 1e6 bytes of JSONL; "per core" figures are given two ways: bytes / wall seconds
# (what --threads 1 gets on a shared machine) and bytes / (user + sys) CPU seconds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
PROVAUDIT=${PROVAUDIT:-$HERE/target/release/provaudit}
D=${D:-/tmp/bench-text}
REPEAT=${1:-3}
SAMPLE_MB=${SAMPLE_MB:-50}
R=$D/results
mkdir -p "$R" "$D/reg" "$D/tiny"
[[ -x /usr/bin/time ]] || apt-get install -y time >/dev/null
PY=${PY:-python3}

if [[ ${TABLES_ONLY:-0} != 1 ]]; then
# ---- data -------------------------------------------------------------------------------
[[ -d $D/works-1000 ]] || $PY "$HERE/scripts/bench-text-data.py" "$D" --works 1000 --skip-jsonl
[[ -d $D/works-10000 ]] || $PY "$HERE/scripts/bench-text-data.py" "$D" --works 10000 --skip-jsonl
[[ -d $D/jsonl ]] || $PY "$HERE/scripts/bench-text-data.py" "$D" --jsonl-mb 1100 --skip-works
for n in 1000 10000; do
    [[ -d $D/works-$n-jsonl ]] || $PY "$HERE/scripts/bench-text-data.py" "$D" --works $n \
        --skip-works --skip-jsonl --pack-works 1000
done
[[ -s $D/tiny/tiny.jsonl ]] || head -3 "$D/jsonl/shard-000.jsonl" >"$D/tiny/tiny.jsonl"
SAMPLE=$D/sample-${SAMPLE_MB}mb.jsonl
[[ -s $SAMPLE ]] || head -c $((SAMPLE_MB * 1000000)) "$D/jsonl/shard-000.jsonl" | head -n -1 >"$SAMPLE"

# /usr/bin/time -v fields: wall seconds, user+sys seconds, max RSS KiB
tv() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; w = s}
        /User time/ {c += $2} /System time/ {c += $2}
        /Maximum resident set size/ {m = $2}
        END {printf "%.2f %.2f %d\n", w, c, m}' "$1"
}
timed() { # NAME CMD...: runs CMD under /usr/bin/time -v, appends "NAME wall cpu rss" to $R/runs.txt
    local name=$1
    shift
    /usr/bin/time -v -o "$R/time.txt" "$@" >"$R/last.out" 2>&1 || {
        cat "$R/last.out" >&2
        return 1
    }
    echo "$name $(tv "$R/time.txt")" | tee -a "$R/runs.txt"
}

# ---- (a) add-works ------------------------------------------------------------------------
if [[ ! -s $D/reg/none.db ]]; then
    printf 'md5,title\n0123456789abcdef0123456789abcdef,Benchmark placeholder\n' >"$D/reg/none.csv"
    "$PROVAUDIT" --quiet registry import "$D/reg/none.db" "$D/reg/none.csv"
fi
touch "$R/add.txt" # kept across runs: a registry already built is not rebuilt (delete D/reg to redo)
add() { # NAME DB PATHS...
    local name=$1 db=$2
    shift 2
    if [[ -s $db ]]; then return; fi
    /usr/bin/time -v -o "$R/time.txt" "$PROVAUDIT" --quiet registry add-works "$db" "$@"
    echo "$name $(tv "$R/time.txt") $(stat -c %s "$db")" | tee -a "$R/add.txt"
}
add add-txt-1000 "$D/reg/works-1000-txt.db" "$D/works-1000"
add add-jsonl-1000 "$D/reg/works-1000.db" "$D/works-1000-jsonl"
add add-jsonl-10000 "$D/reg/works-10000.db" "$D/works-10000-jsonl"
if [[ ${ADD_TXT_10000:-0} == 1 ]]; then
    add add-txt-10000 "$D/reg/works-10000-txt.db" "$D/works-10000"
fi

# ---- rounds: (b) (c) (d) (e) ------------------------------------------------------------------
: >"$R/runs.txt"
: >"$R/minhash.txt"
check() { # T3 findings of the last audit against D/jsonl-truth.tsv (planted passages)
    $PY - "$R/out/report.json" "$D/jsonl-truth.tsv" "$1" <<'EOF'
import json, sys
rep = json.load(open(sys.argv[1]))
t3 = [f for f in rep["findings"] if f["tier"] == "T3"]
truth = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()[1:]]
planted = {w for _, _, w, _ in truth}
found = {f["work"]["id"] if isinstance(f["work"], dict) else f["work"] for f in t3}
locs = sum(len(f["locations"]) for f in t3)
print(f"{sys.argv[3]}: T3 findings {len(t3)} works, {locs} locations; planted {len(planted)} works, "
      f"{len(truth)} passages; planted works found {len(planted & found)}, other works {len(found - planted)}")
EOF
}
audit() { # NAME THREADS REGISTRY CORPUS
    rm -rf "$R/out"
    timed "$1" "$PROVAUDIT" --quiet --progress never audit "$4" --registry "$3" --out "$R/out" \
        --fail-on none --threads "$2"
}
for round in $(seq "$REPEAT"); do
    echo "# round $round" >&2
    cat "$D"/jsonl/* "$SAMPLE" "$D"/reg/*.db >/dev/null
    audit load-none 1 "$D/reg/none.db" "$D/tiny"
    audit load-1000 1 "$D/reg/works-1000.db" "$D/tiny"
    audit load-10000 1 "$D/reg/works-10000.db" "$D/tiny"
    audit sample-t1 1 "$D/reg/works-1000.db" "$SAMPLE"
    OMP_NUM_THREADS=1 $PY "$HERE/scripts/bench-text-minhash.py" "$SAMPLE" --which datasketch,rensa,shingle \
        | tee -a "$R/minhash.txt"
    audit digest-only-t1 1 "$D/reg/none.db" "$D/jsonl"
    audit works1000-t1 1 "$D/reg/works-1000.db" "$D/jsonl"
    check works1000 >"$R/t3-1000.txt"
    audit works1000-t2 2 "$D/reg/works-1000.db" "$D/jsonl"
    audit works10000-t2 2 "$D/reg/works-10000.db" "$D/jsonl"
    check works10000 >"$R/t3-10000.txt"
done
fi
JSONL_BYTES=$(find "$D/jsonl" -type f -printf '%s\n' | awk '{t += $1} END {print t}')
SAMPLE=$D/sample-${SAMPLE_MB}mb.jsonl
SAMPLE_BYTES=$(stat -c %s "$SAMPLE")

# ---- tables ---------------------------------------------------------------------------------
$PY - "$R" "$JSONL_BYTES" "$SAMPLE_BYTES" <<'EOF'
import statistics as st, sys, collections
R, jb, sb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = collections.defaultdict(list)
for line in open(f"{R}/runs.txt"):
    name, wall, cpu, rss = line.split()
    runs[name].append((float(wall), float(cpu), int(rss)))
mh = collections.defaultdict(list)
for line in open(f"{R}/minhash.txt"):
    f = line.split()
    mh[f[0]].append((float(f[3]), float(f[6])))  # MB/s wall, MB/s CPU
add = list({l.split()[0]: l.split() for l in open(f"{R}/add.txt") if l.strip()}.values())
med = lambda xs: st.median(xs)
def row(name, nbytes):
    r = runs[name]
    w = [x[0] for x in r]; c = [x[1] for x in r]
    return (nbytes / 1e6 / med(w), nbytes / 1e6 / max(w), nbytes / 1e6 / min(w),
            nbytes / 1e6 / med(c), max(x[2] for x in r) / 1024, med(w), med(c))
print(f"JSONL corpus: {jb/1e6:.1f} MB; sample: {sb/1e6:.1f} MB; rounds: {len(runs['works1000-t1'])}\n")
if add:
    print("| add-works | wall s | CPU s | peak RSS MiB | registry MB |\n|---|---|---|---|---|")
    for name, w, c, m, size in add:
        print(f"| {name} | {float(w):.1f} | {float(c):.1f} | {int(m)/1024:.0f} | {int(size)/1e6:.0f} |")
    print()
print("| registry load (audit of a 3-record file, --threads 1) | wall s (median) | CPU s | peak RSS MiB (max) |\n|---|---|---|---|")
for name in ["load-none", "load-1000", "load-10000"]:
    r = runs[name]
    print(f"| {name} | {med([x[0] for x in r]):.2f} | {med([x[1] for x in r]):.2f} | {max(x[2] for x in r)/1024:.0f} |")
print()
print("| run | MB/s wall (median [min-max]) | MB/s per CPU-second | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|---|---|")
for name, nb in [("digest-only-t1", jb), ("works1000-t1", jb), ("works1000-t2", jb),
                 ("works10000-t2", jb), ("sample-t1", sb)]:
    m, lo, hi, c, rss, w, cs = row(name, nb)
    print(f"| {name} | {m:.1f} [{lo:.1f}-{hi:.1f}] | {c:.1f} | {w:.1f} | {cs:.1f} | {rss:.0f} |")
for name in ["datasketch", "rensa", "shingle"]:
    r = mh[name]
    w = [x[0] for x in r]; c = [x[1] for x in r]
    print(f"| {name} (sample, Python) | {med(w):.2f} [{min(w):.2f}-{max(w):.2f}] | {med(c):.2f} | "
          f"{sb / 1e6 / med(w):.1f} | {sb / 1e6 / med(c):.1f} | |")
print()
# ratios within each round on the same sample
pa = [sb / 1e6 / x[0] for x in runs["sample-t1"]]
pc = [sb / 1e6 / x[1] for x in runs["sample-t1"]]
for name, goal in [("datasketch", 50), ("rensa", 10)]:
    rw = [p / x[0] for p, x in zip(pa, mh[name])]
    rc = [p / x[1] for p, x in zip(pc, mh[name])]
    # the same without the registry load (load-1000 of the same round), i.e. steady state
    rs = [sb / 1e6 / (s[0] - l[0]) / x[0] for s, l, x in zip(runs["sample-t1"], runs["load-1000"], mh[name])]
    print(f"provaudit / {name} on the sample, per round: wall {', '.join(f'{x:.1f}' for x in rw)}; "
          f"CPU {', '.join(f'{x:.1f}' for x in rc)}; wall without the index load "
          f"{', '.join(f'{x:.1f}' for x in rs)} (goal {goal}x)")
t1 = row("works1000-t1", jb)
print(f"provaudit 1 GB, works-1000, --threads 1: {t1[0]:.1f} MB/s wall, {t1[3]:.1f} MB/s per CPU-s; "
      f"goal 240: {t1[0]/240:.2f} / {t1[3]/240:.2f} of goal")
print(f"peak RSS 1 GB with works-10000: {row('works10000-t2', jb)[4]:.0f} MiB (goal < 2048)")
EOF
cat "$R/t3-1000.txt" "$R/t3-10000.txt" 2>/dev/null || true
