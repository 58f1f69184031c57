#!/usr/bin/env bash
# A sharded audit on a real (one-node, localhost) Slurm cluster, compared with a single scan.
#
# Installs slurm-wlm and munge from Debian when missing (needs root and apt-get), starts munged,
# slurmctld and slurmd on localhost (1 node, 2 CPUs), plans the demo corpus into 3 shards,
# submits the array job (deploy/slurm/provaudit-array.sbatch) and the dependent merge job
# (afterok), with shard 1 made to fail on its first attempt; checks that the merge job was
# cancelled and that `provaudit status` lists shard 1 as missing, re-submits it with
# deploy/slurm/submit.sh, and compares the merged report with a single scan's report
# (everything but the run fields that name who ran what when).
#
# Exits 0 when they are equal, 1 otherwise; prints "skipped: <reason>" and exits 0 only when
# the Slurm packages cannot be installed or it does not run as root (the daemons need it).
# Stops only the daemons it started.
#
#   scripts/slurm-test.sh            # builds target/debug/provaudit
#   PROVAUDIT=/path/to/provaudit scripts/slurm-test.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
started_pids=()
work=$(mktemp -d /tmp/provaudit-slurm.XXXXXX)

log() { echo "slurm-test: $*" >&2; }
fail() {
    log "FAIL: $*"
    for f in "$work"/slurm/*.log; do
        [ -e "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
    done
    exit 1
}
cleanup() {
    for pid in "${started_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# 1. Packages (and root: the test cluster runs its daemons as root).
if [ "$(id -u)" != 0 ]; then
    echo "skipped: starting a local Slurm (munged, slurmctld, slurmd) needs root"
    exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    if ! command -v apt-get >/dev/null; then
        echo "skipped: slurm-wlm and munge are not installed and cannot be installed (no apt-get)"
        exit 0
    fi
    log "installing slurm-wlm and munge"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) \
        >"$work/apt.log" 2>&1; then
        echo "skipped: apt-get could not install slurm-wlm and munge: $(tail -1 "$work/apt.log")"
        exit 0
    fi
fi

# 2. The binary.
if [ -z "${PROVAUDIT:-}" ]; then
    (cd "$repo" && cargo build --quiet)
    PROVAUDIT=$repo/target/debug/provaudit
fi
export PROVAUDIT
export XDG_CACHE_HOME=$work/cache

# 3. munge (a key is created by the Debian package; make one if missing).
if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    chmod 400 /etc/munge/munge.key
fi
if ! munge -n >/dev/null 2>&1; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged
    else
        /usr/sbin/munged --force
    fi
    sleep 1
    started_pids+=("$(cat /run/munge/munged.pid)")
    munge -n >/dev/null || fail "munged does not answer"
fi

# 4. A one-node cluster on localhost.
mkdir -p "$work/slurm/state" "$work/slurm/spool"
export SLURM_CONF=$work/slurm/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=provaudit-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/slurm/state
SlurmdSpoolDir=$work/slurm/spool
SlurmctldPidFile=$work/slurm/slurmctld.pid
SlurmdPidFile=$work/slurm/slurmd.pid
SlurmctldLogFile=$work/slurm/slurmctld.log
SlurmdLogFile=$work/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
NodeName=localnode NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=localnode Default=YES MaxTime=INFINITE State=UP
EOF
/usr/sbin/slurmctld -f "$SLURM_CONF" -i
sleep 1
started_pids+=("$(cat "$work/slurm/slurmctld.pid")")
/usr/sbin/slurmd -f "$SLURM_CONF" -N localnode
sleep 1
started_pids+=("$(cat "$work/slurm/slurmd.pid")")
for _ in $(seq 60); do
    state=$(sinfo -h -n localnode -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || fail "node localnode is not idle (state: ${state:-none})"
log "cluster up: $(sinfo -h -o '%P %D %t %c')"

# 5. Plan the demo corpus; shard 1 fails on its first attempt.
cp -r "$repo/corpora/demo" "$work/demo"
run=$work/run
registry="$work/demo/registry $work/demo/works"
cat >"$work/flaky-provaudit" <<EOF
#!/bin/sh
if [ "\${SLURM_ARRAY_TASK_ID:-}" = 1 ] && [ ! -e "$work/failed-once" ]; then
    touch "$work/failed-once"
    echo "forced failure of shard 1 (first attempt)" >&2
    exit 3
fi
exec "$PROVAUDIT" "\$@"
EOF
chmod +x "$work/flaky-provaudit"

wait_for() {
    for _ in $(seq 300); do
        [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
        sleep 1
    done
    fail "job $1 still queued after 300 s: $(squeue -j "$1")"
}

PROVAUDIT=$work/flaky-provaudit "$repo/deploy/slurm/submit.sh" "$run" 3 "$registry" "$work/demo/corpus" \
    | tee "$work/submit1.txt"
array=$(sed -n 's/^array job: \([0-9]*\).*/\1/p' "$work/submit1.txt")
merge=$(sed -n 's/^merge job: //p' "$work/submit1.txt")
wait_for "$array"
wait_for "$merge"
[ ! -e "$run/out/merged.db" ] || fail "the merge ran although shard 1 failed"
status=$("$PROVAUDIT" status "$run/plan.json" "$run/shards")
echo "$status"
echo "$status" | grep -qx 'missing: 1' || fail "status does not name shard 1 as missing"

# 6. Re-submit what is missing (submit.sh reads `provaudit status`), then merge.
"$repo/deploy/slurm/submit.sh" "$run" 3 "$registry" "$work/demo/corpus" | tee "$work/submit2.txt"
array=$(sed -n 's/^array job: \([0-9]*\).*/\1/p' "$work/submit2.txt")
merge=$(sed -n 's/^merge job: //p' "$work/submit2.txt")
grep -q '(shards 1)' "$work/submit2.txt" || fail "the re-submission is not shard 1 alone"
wait_for "$array"
wait_for "$merge"
[ -s "$run/out/report.json" ] || fail "the merge job wrote no report (see $run/logs)"

# 7. The single-machine report.
# shellcheck disable=SC2086
"$PROVAUDIT" scan "$work/demo/corpus" --registry $registry --store "$work/single.db" \
    --fail-on none --quiet
"$PROVAUDIT" report "$work/single.db" --format json -o "$work/single.json"
python3 - "$run/out/report.json" "$work/single.json" <<'EOF' || fail "merged report differs from the single scan's"
import json, sys
differ = ["command_line", "started", "ended", "host", "user", "threads", "scans", "custody_log"]
def load(path):
    report = json.load(open(path))
    for field in differ:
        del report["run"][field]
    return json.dumps(report, sort_keys=True, indent=1)
merged, single = load(sys.argv[1]), load(sys.argv[2])
if merged != single:
    import difflib
    sys.stderr.writelines(list(difflib.unified_diff(single.splitlines(True), merged.splitlines(True)))[:40])
    sys.exit(1)
EOF
log "ok: the report merged from 3 Slurm array tasks (shard 1 re-submitted) equals the single scan's"
