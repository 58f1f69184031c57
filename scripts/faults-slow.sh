#!/bin/sh
# Runs the slow form of the fault-injection, hostile-input and property suites
# (tests/it/faults.rs, hostile.rs, proptests.rs): 20 SIGKILLs per scan and import, larger
# corpora, a 200 MB single-line JSONL with its peak memory measured, a million tiny files,
# 32 random corpora for the determinism property.
#
# Usage: scripts/faults-slow.sh [--10g]
#
# PROVAUDIT_FAULT_SEED=N replays the kill points of an earlier run (each test prints its seed).
# With --10g it also writes a 10 GB single-line JSONL to $TMPDIR (needs 10 GB free), audits
# it with the release binary under /usr/bin/time -v and prints the peak memory: the line is
# far past the 64 MiB record limit and must be skipped in bounded memory.
set -eu
cd "$(dirname "$0")/.."
PROVAUDIT_SLOW_TESTS=1 cargo test --test it -- faults:: hostile:: proptests:: \
    --test-threads 2 --nocapture 2>&1 | grep -E 'SEED|kill|RSS|^test |test result'

if [ "${1:-}" = "--10g" ]; then
    cargo build --release
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    mkdir -p "$dir/corpus"
    printf 'id,md5\nnone,00000000000000000000000000000000\n' >"$dir/reg.csv"
    python3 - "$dir/corpus/long.jsonl" <<'PY'
import sys
chunk = b"word " * (1 << 20)
with open(sys.argv[1], "wb") as out:
    out.write(b'{"text":"first"}\n{"text":"')
    for _ in range((10 << 30) // len(chunk)):
        out.write(chunk)
    out.write(b'"}\n{"text":"last"}\n')
PY
    cp corpora/demo/works/nltk-carroll-alice.txt "$dir/alice.txt"
    /usr/bin/time -v target/release/provaudit audit "$dir/corpus" \
        --registry "$dir/reg.csv" "$dir/alice.txt" --out "$dir/out" --fail-on none --quiet \
        2>&1 | grep -E 'Maximum resident|Elapsed'
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('document errors:', r['corpus']['document_errors'], 'documents:', r['corpus']['documents'])" "$dir/out/report.json"
fi
