#!/bin/bash
# Plan, submit the shard array and the dependent merge job; re-run to re-submit what is missing.
#
#   deploy/slurm/submit.sh RUN_DIR N REGISTRY CORPUS...
#
# RUN_DIR must be on a file system every node sees. Prints the job ids.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
run=$1 n=$2 registry=$3
shift 3
provaudit=${PROVAUDIT:-provaudit}
mkdir -p "$run/shards" "$run/logs"
if [ ! -e "$run/plan.json" ]; then
    # shellcheck disable=SC2086
    "$provaudit" plan "$@" --shards "$n" --registry $registry -o "$run/plan.json"
fi
missing=$("$provaudit" status "$run/plan.json" "$run/shards" | sed -n 's/^missing: //p')
if [ "$missing" = none ]; then
    echo "every shard is done; merging only"
    dep=()
else
    array=$(sbatch --parsable --array="$missing" --chdir="$run/logs" \
        --export=ALL,PLAN="$run/plan.json",SHARDS="$run/shards",REGISTRY="$registry",PROVAUDIT="$provaudit" \
        "$here/provaudit-array.sbatch")
    echo "array job: $array (shards $missing)"
    dep=(--dependency="afterok:$array" --kill-on-invalid-dep=yes)
fi
merge=$(sbatch --parsable "${dep[@]}" --chdir="$run/logs" \
    --export=ALL,PLAN="$run/plan.json",SHARDS="$run/shards",OUT="$run/out",PROVAUDIT="$provaudit" \
    "$here/provaudit-merge.sbatch")
echo "merge job: $merge"
