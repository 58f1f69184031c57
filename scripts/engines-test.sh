#!/usr/bin/env bash
# The Ray and Spark drivers (deploy/ray, deploy/spark) on a local cluster over the demo corpus:
# each merged report must equal a single scan's, the time each engine adds per shard is
# printed next to running the same shard commands directly (2 at a time, as on 2 cores), and
# a shard failing on its first attempt must be retried by each driver.
#
#   scripts/engines-test.sh [SHARDS]          # default 4 shards
#   PYTHON=/path/to/venv/bin/python scripts/engines-test.sh
#
# Needs `ray` and `pyspark` importable by $PYTHON (pip install ray pyspark) and Java 17 for
# Spark; prints "skipped: <reason>" and exits 0 when they are not. Exits 1 on any difference.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-4}
python=${PYTHON:-python3}
work=$(mktemp -d /tmp/provaudit-engines.XXXXXX)
trap 'rm -rf "$work"' EXIT

for module in ray pyspark; do
    if ! "$python" -c "import $module" 2>/dev/null; then
        echo "skipped: $python cannot import $module (pip install ray pyspark)"
        exit 0
    fi
done
if [ -z "${PROVAUDIT:-}" ]; then
    (cd "$repo" && cargo build --quiet --release)
    PROVAUDIT=$repo/target/release/provaudit
fi
export XDG_CACHE_HOME=$work/cache
cp -r "$repo/corpora/demo" "$work/demo"
registry=("$work/demo/registry" "$work/demo/works")
"$PROVAUDIT" plan "$work/demo/corpus" --shards "$n" --registry "${registry[@]}" -o "$work/plan.json" --quiet
"$PROVAUDIT" scan "$work/demo/corpus" --registry "${registry[@]}" --store "$work/single.db" --fail-on none --quiet
"$PROVAUDIT" report "$work/single.db" -o "$work/single.json"

now() { date +%s.%N; }
same_report() {
    "$PROVAUDIT" report "$1" -o "$1.json"
    "$python" - "$1.json" "$work/single.json" <<'EOF'
import json, sys
differ = ["command_line", "started", "ended", "host", "user", "threads", "scans", "custody_log"]
def load(path):
    report = json.load(open(path))
    for field in differ:
        del report["run"][field]
    return json.dumps(report, sort_keys=True)
sys.exit(0 if load(sys.argv[1]) == load(sys.argv[2]) else 1)
EOF
}

# Direct: the same shard commands, two at a time, then merge.
mkdir -p "$work/direct"
t0=$(now)
seq 0 $((n - 1)) | xargs -P 2 -I{} "$PROVAUDIT" scan --plan "$work/plan.json" --shard "{}/$n" \
    --store "$work/direct/shard-{}.db" --threads 1 --progress never --quiet --registry "${registry[@]}"
t1=$(now)
"$PROVAUDIT" merge "$work/direct.db" "$work/direct"/shard-*.db --quiet
t2=$(now)
same_report "$work/direct.db" || { echo "FAIL: direct merge differs"; exit 1; }
direct_scan=$(echo "$t1 - $t0" | bc)
echo "direct: $n shards in ${direct_scan}s, merge $(echo "$t2 - $t1" | bc)s"

# Ray (a local Ray started by the driver, 2 CPUs).
t0=$(now)
"$python" "$repo/deploy/ray/run_ray.py" --plan "$work/plan.json" --shards-dir "$work/ray" \
    --registry "${registry[@]}" --out "$work/ray.db" --provaudit "$PROVAUDIT" >"$work/ray.json" 2>"$work/ray.log" \
    || { cat "$work/ray.log"; echo "FAIL: ray driver"; exit 1; }
t1=$(now)
same_report "$work/ray.db" || { echo "FAIL: ray merge differs"; exit 1; }
echo "ray: $(tr -d '\n' <"$work/ray.json"), wall $(echo "$t1 - $t0" | bc)s"

# Spark (local[2], a task retried up to 3 times).
t0=$(now)
"$python" "$repo/deploy/spark/run_spark.py" --plan "$work/plan.json" --shards-dir "$work/spark" \
    --registry "${registry[@]}" --out "$work/spark.db" --provaudit "$PROVAUDIT" --master 'local[2,3]' \
    >"$work/spark.json" 2>"$work/spark.log" \
    || { tail -30 "$work/spark.log"; echo "FAIL: spark driver"; exit 1; }
t1=$(now)
same_report "$work/spark.db" || { echo "FAIL: spark merge differs"; exit 1; }
echo "spark: $(tr -d '\n' <"$work/spark.json"), wall $(echo "$t1 - $t0" | bc)s"

"$python" - "$work/ray.json" "$work/spark.json" "$direct_scan" "$n" <<'EOF'
import json, sys
ray, spark = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
direct, n = float(sys.argv[3]), int(sys.argv[4])
for name, run, start in [("ray", ray, "ray_start_seconds"), ("spark", spark, "spark_start_seconds")]:
    per_shard = (run["scan_seconds"] - direct) / n
    print(f"{name}: start {run[start]:.2f}s once, scan {run['scan_seconds']:.2f}s vs direct {direct:.2f}s"
          f" -> {per_shard:+.3f}s per shard ({n} shards, 2 at a time)")
EOF
# Retries: shard 1 fails on its first attempt under each engine; the driver must retry it.
for engine in ray spark; do
    cat >"$work/flaky-$engine" <<EOF
#!/bin/sh
case " \$* " in
*" --shard 1/$n "*)
    if [ ! -e "$work/failed-$engine" ]; then
        touch "$work/failed-$engine"
        echo "forced failure of shard 1" >&2
        exit 3
    fi
esac
exec "$PROVAUDIT" "\$@"
EOF
    chmod +x "$work/flaky-$engine"
done
"$python" "$repo/deploy/ray/run_ray.py" --plan "$work/plan.json" --shards-dir "$work/ray-retry" \
    --registry "${registry[@]}" --out "$work/ray-retry.db" --provaudit "$work/flaky-ray" >/dev/null 2>"$work/ray-retry.log" \
    || { cat "$work/ray-retry.log"; echo "FAIL: ray driver with a failing shard"; exit 1; }
[ -e "$work/failed-ray" ] && grep -q "shard 1 failed" "$work/ray-retry.log" || { echo "FAIL: shard 1 did not fail under ray"; exit 1; }
same_report "$work/ray-retry.db" || { echo "FAIL: ray merge after a retry differs"; exit 1; }
echo "ray: shard 1 failed once, was retried, merged report equal"
"$python" "$repo/deploy/spark/run_spark.py" --plan "$work/plan.json" --shards-dir "$work/spark-retry" \
    --registry "${registry[@]}" --out "$work/spark-retry.db" --provaudit "$work/flaky-spark" --master 'local[2,3]' \
    >/dev/null 2>"$work/spark-retry.log" \
    || { tail -30 "$work/spark-retry.log"; echo "FAIL: spark driver with a failing shard"; exit 1; }
[ -e "$work/failed-spark" ] || { echo "FAIL: shard 1 did not fail under spark"; exit 1; }
same_report "$work/spark-retry.db" || { echo "FAIL: spark merge after a retry differs"; exit 1; }
echo "spark: shard 1 failed once, was retried, merged report equal"
echo "ok: ray and spark merged reports equal the single scan's"
