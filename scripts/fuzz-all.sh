#!/bin/sh
# Runs the fuzz campaign of RELIABILITY.md: every cargo-fuzz target in fuzz/ for SECONDS
# each, one after another, one libFuzzer process at a time (the machine's cores are shared).
#
# Usage: scripts/fuzz-all.sh [SECONDS] [TARGET...]      (default: 300 seconds, all targets)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Only the stable toolchain is assumed:
# RUSTC_BOOTSTRAP=1 lets it accept the -Z flags cargo-fuzz passes. FUZZ_SANITIZER=none
# builds without AddressSanitizer where it is unavailable (default: address).
# Seeds are written by scripts/fuzz-seeds.py into fuzz/seeds/; the growing corpus is kept in
# fuzz/corpus/, crashes in fuzz/artifacts/<target>/, logs in fuzz/logs/<target>.log.
# One summary line per target (executions, wall seconds including any build, coverage) is
# appended to fuzz/logs/campaign.txt.
# A crashing input belongs in fuzz/regressions/<target>/ once fixed: tests/it/hostile.rs
# replays that folder in `cargo test`.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-300}
[ $# -gt 0 ] && shift
targets=${*:-"read_file documents jsonl_documents epub html libgen_sql aac tabular cmi text render"}
sanitizer=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1

python3 scripts/fuzz-seeds.py
mkdir -p fuzz/logs
for target in $targets; do
    mkdir -p "fuzz/corpus/$target"
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    start_seconds=$(date +%s)
    cargo fuzz run --fuzz-dir fuzz -O -s "$sanitizer" "$target" \
        "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=30 \
        -print_final_stats=1 >"fuzz/logs/$target.log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "fuzz/logs/$target.log" | tail -1)
    secs=$(( $(date +%s) - start_seconds ))
    cov=$(grep -o 'cov: [0-9]*' "fuzz/logs/$target.log" | tail -1)
    printf '%s target=%s status=%s executions=%s seconds=%s %s sanitizer=%s\n' \
        "$started" "$target" "$status" "${execs:-?}" "$secs" "${cov:-}" "$sanitizer" \
        | tee -a fuzz/logs/campaign.txt
done
