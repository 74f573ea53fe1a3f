#!/usr/bin/env bash
# Log pipeline benchmark (DESIGN §8): a child writing BRM_BENCH_BYTES (default 1 GiB) of
# lines through brm's supervisor (Child::spawn -> log file -> LogTail -> LineRing) vs the same
# child writing straight to a file; prints a Markdown table, the ratio and peak memory.
#
# Usage: scripts/bench-log-pipeline.sh [BYTES] [RUNS]
#   BYTES  bytes the child writes (default $BRM_BENCH_BYTES or 1073741824)
#   RUNS   alternating direct/supervised runs (default $BRM_BENCH_RUNS or 3)
# BRM_BENCH_DIR chooses where the temporary files go (default: the system temp dir); it needs
# about BYTES of free space. Run it on a quiet machine: the two processes need a core each.
set -euo pipefail
cd "$(dirname "$0")/.."
export BRM_BENCH_BYTES="${1:-${BRM_BENCH_BYTES:-1073741824}}"
export BRM_BENCH_RUNS="${2:-${BRM_BENCH_RUNS:-3}}"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(uname -sr)"
cargo bench --quiet --bench log_pipeline 2>&1 | grep -v '^\s*\(Compiling\|Finished\|Running\)'
