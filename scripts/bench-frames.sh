#!/usr/bin/env bash
# Frame-set parsing: brm vs fileseq (PyPI) on the same 10,000-term spec (DESIGN §8: >= 100x).
#
#   scripts/bench-frames.sh            # needs python3 with fileseq (pip install fileseq)
#
# Writes the spec to target/bench-frames-spec.txt (same generator as benches/frames.rs:
# ascending, non-overlapping `a`, `a-b`, `a-bxN` terms with b on the step, which both
# libraries read identically), runs `cargo bench --bench frames` on it, times
# `len(fileseq.FrameSet(spec))` with timeit on it, checks both count the same frames, and
# prints a table with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TERMS=${TERMS:-10000}
SPEC_FILE=target/bench-frames-spec.txt
mkdir -p target

"$PY" - "$TERMS" "$SPEC_FILE" <<'PYEOF'
import sys
terms, path = int(sys.argv[1]), sys.argv[2]
M = (1 << 64) - 1
state = 0x2545F4914F6CDD1D
def nxt():
    global state
    state = (state * 6364136223846793005 + 1442695040888963407) & M
    return state >> 33
cursor, parts = 1, []
for _ in range(terms):
    start = cursor + 1 + nxt() % 5
    kind = nxt() % 3
    if kind == 0:
        parts.append(str(start)); cursor = start
    elif kind == 1:
        step = 2 + nxt() % 9; count = 2 + nxt() % 19
        end = start + step * (count - 1)
        parts.append(f"{start}-{end}x{step}"); cursor = end
    else:
        end = start + 1 + nxt() % 50
        parts.append(f"{start}-{end}"); cursor = end
open(path, "w").write(",".join(parts))
PYEOF

if ! BRM_OUT=$(BRM_BENCH_SPEC="$SPEC_FILE" cargo bench --quiet --bench frames); then
    echo "cargo bench --bench frames failed (see the messages above)" >&2
    exit 1
fi
echo "$BRM_OUT" | grep -v '^RESULT'
BRM_NS=$(echo "$BRM_OUT" | sed -n 's/^RESULT brm_ns_per_op=\([0-9]*\).*/\1/p')
BRM_FRAMES=$(echo "$BRM_OUT" | sed -n 's/^RESULT .*frames=\([0-9]*\).*/\1/p')
if [ -z "$BRM_NS" ]; then
    echo "the Rust benchmark printed no RESULT line" >&2
    exit 1
fi

read -r PY_NS PY_FRAMES FILESEQ_VERSION < <("$PY" - "$SPEC_FILE" <<'PYEOF'
import sys, time, timeit, fileseq
from importlib.metadata import version
spec = open(sys.argv[1]).read().strip()
t0 = time.perf_counter()
count = len(fileseq.FrameSet(spec))
first = time.perf_counter() - t0
if first > 1.0:
    # Slow: a few single runs are enough (and all that fits in a coffee break).
    best = min([first] + timeit.repeat(lambda: len(fileseq.FrameSet(spec)), repeat=2, number=1))
else:
    t = timeit.Timer(lambda: len(fileseq.FrameSet(spec)))
    n, _ = t.autorange()
    best = min(t.repeat(repeat=5, number=n)) / n
print(int(best * 1e9), count, version("fileseq"))
PYEOF
)

if [ "$BRM_FRAMES" != "$PY_FRAMES" ]; then
    echo "frame counts differ: brm $BRM_FRAMES, fileseq $PY_FRAMES (the spec must use common syntax)" >&2
    exit 1
fi
"$PY" - "$BRM_NS" "$PY_NS" "$TERMS" "$BRM_FRAMES" "$FILESEQ_VERSION" <<'PYEOF'
import sys
brm, fs, terms, frames, ver = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
print()
print(f"parse + len of a {terms}-term spec ({frames} frames)")
print("| implementation | time per parse + len | time / brm time |")
print("|---|---:|---:|")
print(f"| brm (Rust, release) | {brm/1e6:.3f} ms | 1x |")
print(f"| fileseq {ver} (Python {sys.version.split()[0]}) | {fs/1e6:.3f} ms | {fs/brm:,.0f}x |")
print()
print(f"brm is {fs/brm:,.0f}x faster than fileseq (target: >= 100x)")
PYEOF
