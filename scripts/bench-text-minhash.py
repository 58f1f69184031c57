#!/usr/bin/env python3
"""MinHash signatures of JSONL records with datasketch and rensa: the per-core baselines of
BENCHMARKS-text.md, "Text matching".

    python3 scripts/bench-text-minhash.py SAMPLE.jsonl [--repeat R] [--which datasketch,rensa,shingle]

For every record (field `text`): words = text.lower().split(), shingles = the 5-word windows
joined by spaces, and one 128-permutation MinHash of them:

- datasketch: `MinHash(num_perm=128)` then `update_batch([s.encode() for s in shingles])`
  (the vectorised batch update; per-shingle `update` is several times slower);
- rensa: `RMinHash(num_perm=128, seed=42)` then `update(shingles)`, then `digest()`.
- shingle: the tokenising and shingling alone (the Python part both share), for reference.

Single process, single thread. JSON parsing of the lines is done before timing starts; the
timed part is everything from the record text to its signature. Prints one line per engine
and run: `engine run seconds MB/s` where MB = bytes of the JSONL lines (1e6), the same
numerator as the provaudit figures.
"""

import argparse
import json
import os
import sys
import time


def shingles_of(text, n=5):
    words = text.lower().split()
    if len(words) < n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def run_datasketch(texts):
    from datasketch import MinHash
    for t in texts:
        m = MinHash(num_perm=128)
        m.update_batch([s.encode("utf-8") for s in shingles_of(t)])
        m.digest()


def run_rensa(texts):
    from rensa import RMinHash
    for t in texts:
        m = RMinHash(num_perm=128, seed=42)
        m.update(shingles_of(t))
        m.digest()


def run_shingle(texts):
    for t in texts:
        shingles_of(t)


ENGINES = {"datasketch": run_datasketch, "rensa": run_rensa, "shingle": run_shingle}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sample")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--which", default="datasketch,rensa,shingle")
    a = ap.parse_args()
    size = os.path.getsize(a.sample)
    with open(a.sample, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    print(f"# {a.sample}: {len(texts)} records, {size / 1e6:.1f} MB", file=sys.stderr)
    for r in range(a.repeat):
        for name in a.which.split(","):
            t0 = time.perf_counter()
            c0 = time.process_time()
            ENGINES[name](texts)
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
            print(f"{name} {r + 1} {wall:.3f} {size / 1e6 / wall:.2f} cpu {cpu:.3f} "
                  f"{size / 1e6 / cpu:.2f}", flush=True)


if __name__ == "__main__":
    main()
