#!/usr/bin/env python3
"""Run a provaudit plan with Spark: shard indices parallelized, mapPartitions runs the binary
per shard on the executors, then the driver merges.

    pip install pyspark        # Java 17 on every node
    provaudit plan CORPUS --shards N --registry REG.db -o RUN/plan.json
    spark-submit deploy/spark/run_spark.py --plan RUN/plan.json --shards-dir RUN/shards \
        --registry REG.db --out RUN/merged.db          # or: python deploy/spark/run_spark.py ...

Every executor needs the provaudit binary (--provaudit), the corpus at the plan's root paths,
the registry (read-only shared path, or a local copy checked by digest against the plan) and
the shard folder on a shared file system. A shard whose binary exits non-zero fails its Spark
task, which Spark retries (spark.task.maxFailures); a finished shard is never scanned again.
"""

import argparse
import json
import os
import subprocess
import sys
import time

from pyspark import SparkConf
from pyspark.sql import SparkSession


def run_partition(indices, plan, shards_dir, registry, provaudit, n, threads):
    """Runs every shard of this partition; raises on a non-zero exit so that Spark retries."""
    for index in indices:
        started = time.monotonic()
        store = os.path.join(shards_dir, f"shard-{index}.db")
        done = subprocess.run(
            [provaudit, "scan", "--plan", plan, "--shard", f"{index}/{n}", "--store", store,
             "--threads", str(threads), "--progress", "never", "--registry", *registry],
            capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"shard {index} exited {done.returncode}: {done.stderr.strip()}")
        yield (index, time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--shards-dir", required=True)
    parser.add_argument("--registry", required=True, nargs="+")
    parser.add_argument("--out", required=True, help="merged results database")
    parser.add_argument("--provaudit", default="provaudit")
    parser.add_argument("--master", default=None,
                        help="Spark master (default: spark-submit's, else local[*,3]); in local mode "
                             "give retries as local[N,F], since Spark local mode does not retry tasks otherwise")
    parser.add_argument("--threads-per-shard", type=int, default=1)
    args = parser.parse_args()
    plan = os.path.abspath(args.plan)
    shards_dir = os.path.abspath(args.shards_dir)
    os.makedirs(shards_dir, exist_ok=True)

    started = time.monotonic()
    builder = SparkSession.builder.appName("provaudit").config("spark.task.maxFailures", "3")
    if args.master:
        builder = builder.master(args.master)
    elif SparkConf().get("spark.master", None) is None:  # not under spark-submit
        builder = builder.master("local[*,3]")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark_up = time.monotonic() - started

    status = json.loads(subprocess.run(
        [args.provaudit, "status", plan, shards_dir, "--json"],
        check=True, capture_output=True, text=True).stdout)
    n, todo = status["shards"], status["missing"]
    registry = [os.path.abspath(r) for r in args.registry]
    timings = {}
    if todo:
        # One partition per shard: a failed shard retries alone.
        rdd = spark.sparkContext.parallelize(todo, len(todo))
        timings = dict(rdd.mapPartitions(
            lambda part: run_partition(part, plan, shards_dir, registry, args.provaudit, n,
                                       args.threads_per_shard)).collect())
    scanned = time.monotonic()
    spark.stop()
    stopped = time.monotonic()

    stores = [os.path.join(shards_dir, f"shard-{i}.db") for i in range(n)]
    subprocess.run([args.provaudit, "merge", args.out, *stores], check=True)
    merged = time.monotonic()
    print(json.dumps({
        "shards": n,
        "spark_start_seconds": round(spark_up, 3),
        "scan_seconds": round(scanned - started - spark_up, 3),
        "stop_seconds": round(stopped - scanned, 3),
        "merge_seconds": round(merged - stopped, 3),
        "total_seconds": round(merged - started, 3),
        "shard_seconds": {i: round(s, 3) for i, s in sorted(timings.items())},
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
