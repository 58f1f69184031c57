#!/usr/bin/env python3
"""Run a provaudit plan on a Ray cluster: one task per shard running the binary, then merge.

    pip install ray
    provaudit plan CORPUS --shards N --registry REG.db -o RUN/plan.json
    python deploy/ray/run_ray.py --plan RUN/plan.json --shards-dir RUN/shards \
        --registry REG.db --out RUN/merged.db [--address auto] [--cpus-per-shard 2]

Every node needs the provaudit binary (--provaudit), the corpus at the plan's root paths,
the registry (read-only shared path, or a local copy: its digest is checked against the plan)
and the shard folder on a shared file system. Ray only schedules: nothing but shard indices
and exit codes travel through it. A task whose binary exits non-zero is retried
(--retries); shards still missing afterwards are named and the merge is not run.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import ray


def shard_command(args, index, n):
    store = os.path.join(args.shards_dir, f"shard-{index}.db")
    return [args.provaudit, "scan", "--plan", args.plan, "--shard", f"{index}/{n}",
            "--store", store, "--threads", str(args.cpus_per_shard), "--progress", "never",
            "--registry", *args.registry]


@ray.remote(max_retries=0)
def run_shard(command, index):
    """Runs one shard; raises (so that Ray retries it) when the binary exits non-zero."""
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"shard {index} exited {done.returncode}: {done.stderr.strip()}")
    return {"shard": index, "seconds": time.monotonic() - started, "log": done.stderr.strip()}


def status(args):
    out = subprocess.run([args.provaudit, "status", args.plan, args.shards_dir, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--shards-dir", required=True)
    parser.add_argument("--registry", required=True, nargs="+")
    parser.add_argument("--out", required=True, help="merged results database")
    parser.add_argument("--provaudit", default="provaudit")
    parser.add_argument("--address", default=None, help="Ray address (default: start a local Ray)")
    parser.add_argument("--cpus-per-shard", type=int, default=1)
    parser.add_argument("--retries", type=int, default=2)
    args = parser.parse_args()
    args.plan = os.path.abspath(args.plan)
    args.shards_dir = os.path.abspath(args.shards_dir)
    os.makedirs(args.shards_dir, exist_ok=True)

    started = time.monotonic()
    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    ray_up = time.monotonic() - started
    first = status(args)
    n = first["shards"]
    todo = first["missing"]
    timings = []
    for attempt in range(args.retries + 1):
        if not todo:
            break
        print(f"attempt {attempt + 1}: shards {todo}", file=sys.stderr)
        task = run_shard.options(num_cpus=args.cpus_per_shard)
        pending = {task.remote(shard_command(args, i, n), i): i for i in todo}
        for ref, index in pending.items():
            try:
                timings.append(ray.get(ref))
            except Exception as err:  # a failed shard is retried in the next attempt
                print(f"shard {index} failed: {err}", file=sys.stderr)
        todo = status(args)["missing"]
    scanned = time.monotonic()
    ray.shutdown()
    stopped = time.monotonic()
    if todo:
        print(f"shards still missing after {args.retries + 1} attempts: {todo}; merge not run",
              file=sys.stderr)
        return 1
    stores = [os.path.join(args.shards_dir, f"shard-{i}.db") for i in range(n)]
    subprocess.run([args.provaudit, "merge", args.out, *stores], check=True)
    merged = time.monotonic()
    print(json.dumps({
        "shards": n,
        "ray_start_seconds": round(ray_up, 3),
        "scan_seconds": round(scanned - started - ray_up, 3),
        "stop_seconds": round(stopped - scanned, 3),
        "merge_seconds": round(merged - stopped, 3),
        "total_seconds": round(merged - started, 3),
        "shard_seconds": {t["shard"]: round(t["seconds"], 3) for t in timings},
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
