#!/usr/bin/env bash
# Deterministic benchmark corpora for BENCHMARKS.md (generated data goes outside the repo).
#
#   scripts/bench-corpus.sh OUT_DIR SIZE_GB   mixed plain files, 4 KiB .. 64 MiB, total >= SIZE_GB GiB
#   scripts/bench-corpus.sh --many N DIR      N small files (64 B .. 16 KiB) for the peak-RSS runs
#
# Mixed corpus: file sizes are log-uniform between 4 KiB and 64 MiB (drawn from a seeded PRNG);
# even-numbered files are text-like (the books of /work/shared/data/books and the JSONL of
# /work/shared/data/background, concatenated into one pool, read from a per-file offset and
# wrapped around), odd-numbered files are random binary from a seeded AES-128-CTR key stream
# (`openssl enc -aes-128-ctr -K <per-file key> -iv 0 < /dev/zero | head -c N`).
# Only plain files: no archive or compressed file, so that provaudit (which also hashes
# archive members) hashes exactly the bytes that hashdeep, md5sum, ... hash. A random file
# whose first bytes happen to be an archive/compression magic gets its first byte flipped.
# The same arguments always produce the same bytes (check with `hashdeep -r -c md5 DIR`).
set -euo pipefail

DATA=${BENCH_DATA:-/work/shared/data}

usage() {
    echo "usage: $0 OUT_DIR SIZE_GB | $0 --many N DIR" >&2
    exit 2
}

if [[ ${1:-} == --many ]]; then
    [[ $# -eq 3 ]] || usage
    N=$2 DIR=$3
    mkdir -p "$DIR"
    python3 - "$N" "$DIR" "$DATA" <<'EOF'
import os, random, sys
n, out, data = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pool = b"".join(open(os.path.join(data, "books", f), "rb").read()
                for f in sorted(os.listdir(os.path.join(data, "books"))) if f.endswith(".txt"))
rng = random.Random(20240611 + n)
for i in range(n):
    d = os.path.join(out, f"d{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    size = int(64 * (256 ** rng.random()))          # 64 B .. 16 KiB, log-uniform
    off = rng.randrange(len(pool) - size)
    # A per-file header keeps every file distinct (no accidental duplicates).
    body = (b"file %d\n" % i + pool[off:off + size])[:size]
    with open(os.path.join(d, f"f{i:06d}.txt"), "wb") as fh:
        fh.write(body)
EOF
    echo "$N files, $(du -sb "$DIR" | cut -f1) bytes in $DIR"
    exit 0
fi

[[ $# -eq 2 ]] || usage
OUT=$1 SIZE_GB=$2
mkdir -p "$OUT"
POOL=$(mktemp /tmp/bench-pool.XXXXXX)
trap 'rm -f "$POOL"' EXIT
# Text pool: every book and background file, in name order (about 27 MB).
find "$DATA/books" "$DATA/background" -type f \( -name '*.txt' -o -name '*.jsonl' \) -print0 |
    sort -z | xargs -0 cat >"$POOL"

# Sizes: log-uniform in [4 KiB, 64 MiB], seeded; stop once the total reaches SIZE_GB GiB.
python3 - "$SIZE_GB" <<'EOF' >"$OUT/.sizes"
import random, sys
target = int(float(sys.argv[1]) * (1 << 30))
rng = random.Random(42)
total = i = 0
while total < target:
    size = int(4096 * (16384 ** rng.random()))
    print(i, size, rng.randrange(1 << 30))
    total += size
    i += 1
EOF

while read -r i size off <&3; do
    name=$(printf '%s/%02d/file%05d' "$OUT" $((i % 16)) "$i")
    mkdir -p "$(dirname "$name")"
    if ((i % 2 == 0)); then
        # Text: the pool from a per-file offset, wrapped around as often as needed.
        python3 - "$POOL" "$size" "$off" "$name.txt" <<'EOF'
import sys
pool = open(sys.argv[1], "rb").read()
size, off = int(sys.argv[2]), int(sys.argv[3]) % len(pool)
with open(sys.argv[4], "wb") as out:
    rot = pool[off:] + pool[:off]
    while size > 0:
        out.write(rot[:size])
        size -= len(rot)
EOF
    else
        key=$(printf 'provaudit-bench-%d' "$i" | md5sum | cut -c1-32)
        openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null |
            head -c "$size" >"$name.bin" || true # openssl ends on SIGPIPE
        [[ $(stat -c %s "$name.bin") -eq $size ]] || { echo "short file $name.bin" >&2; exit 1; }
        # Flip the first byte if it starts like gzip, zip, bzip2, xz or zstd.
        magic=$(head -c 4 "$name.bin" | od -An -tx1 | tr -d ' \n')
        case $magic in
        1f8b* | 504b* | 425a68* | fd377a58 | 28b52ffd)
            printf "\\x$(printf %02x $((0x${magic:0:2} ^ 0xff)))" |
                dd of="$name.bin" bs=1 count=1 conv=notrunc status=none
            ;;
        esac
    fi
done 3<"$OUT/.sizes"
rm -f "$OUT/.sizes"
echo "$(find "$OUT" -type f | wc -l) files, $(du -sb "$OUT" | cut -f1) bytes in $OUT"
