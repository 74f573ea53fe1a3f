#!/usr/bin/env bash
# Every performance target of DESIGN §8, each printed as a table (results go into
# docs/PERFORMANCE.md with this command). Benchmarks compare ratios within one run: the
# machine is shared and noisy. Usage: scripts/bench.sh [quick]  (quick = smaller sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=${1:-}
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr), $(date -u +%FT%TZ)"
python3 -c 'import fileseq' 2>/dev/null || python3 -m pip install -q fileseq
echo; echo "## Frame-set parsing vs fileseq (target >= 100x)"
bash scripts/bench-frames.sh
echo; echo "## Log pipeline (target >= 0.8x direct, agent memory < 64 MiB)"
if [ "$QUICK" = quick ]; then bash scripts/bench-log-pipeline.sh 268435456 3; else bash scripts/bench-log-pipeline.sh 1073741824 5; fi
echo; echo "## Agent memory while following a flooding render (target < 64 MiB)"
if [ "$QUICK" = quick ]; then bash scripts/bench-agent-memory.sh 128; else bash scripts/bench-agent-memory.sh 1024; fi
echo; echo "## Scheduling (target <= 2 ms per task; submit-to-spawn p50 <= 10 ms)"
if [ "$QUICK" = quick ]; then export BRM_BENCH_TASKS=200 BRM_BENCH_SUBMITS=50; fi
cargo bench --quiet --bench scheduling 2>/dev/null | grep '^|'
echo; echo "## Start-up amortization (target <= 1.1x one blender -a)"
bash scripts/bench-amortization.sh 3
echo; echo "## Snapshot of 1 GiB vs cp (target <= 1.2x)"
cargo bench --quiet --bench snapshot 2>/dev/null | grep -v '^\s*$'
echo; echo "## Progress parsing throughput"
cargo bench --quiet --bench progress_parse 2>/dev/null | grep -v '^\s*$'
