#!/usr/bin/env bash
# Agent memory under log volume (DESIGN §8: agent memory < 64 MiB whatever the volume): the
# real agent follows a fake Maya render that floods MB megabytes of log lines, then the
# agent's peak RSS (VmHWM) is read. Usage: scripts/bench-agent-memory.sh [MB] (default 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1024}
cargo build --release --quiet --bin brm
. scripts/lib/cargo-target.sh
BRM=$(cargo_bin release brm)
WORK=$(mktemp -d /tmp/brm-bench-mem.XXXX)
export BRM_HOME=$WORK/home BRM_AGENT=$BRM BRM_NO_NVML=1 BRM_NVIDIA_SMI=$WORK/none \
       BRM_MAYA_ROOTS=$PWD/tests/fakes BRM_FAKE_FAIL=flood:$MB BRM_FAKE_FAIL_LEVEL=render
trap '"$BRM" agent stop >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT
"$BRM" agent start >/dev/null
pid=$(cat "$BRM_HOME/run/agent.pid")
before=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
t0=$(date +%s.%N)
"$BRM" render ../shared/testdata/maya/cube__cube.ma --frames 1-2 --method render --gpu cpu -o "$WORK/out" --wait --json >/dev/null
t1=$(date +%s.%N)
after=$(awk '/VmHWM/{print $2}' /proc/$pid/status)
lines=$("$BRM" status 1 --json >/dev/null; wc -l < "$BRM_HOME/state/logs/job-1.log")
printf '| benchmark | log volume | job log lines | wall | agent peak RSS before | agent peak RSS after | target |\n|---|---|---|---|---|---|---|\n'
printf '| agent follows a flooding render | %s MiB | %s | %.1f s | %.1f MiB | %.1f MiB | < 64 MiB |\n' \
  "$MB" "$lines" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$before/1024" | bc -l)" "$(echo "$after/1024" | bc -l)"
