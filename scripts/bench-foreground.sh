#!/usr/bin/env bash
# Does the artist keep working while brm renders? (issue 20) A foreground probe
# (scripts/bench/foreground.c: ~2 ms of CPU work every 10 ms, standing in for Maya's UI
# thread) measures its p99 latency (deadline to work done) in one run:
#   1. idle machine;
#   2. while a plain `blender -b examples/shot.blend -a` renders (restarted until the probe ends);
#   3. while brm renders the same scene through the agent, default settings (BRM_RENDER_NICE
#      unset: 10), jobs submitted back to back until the probe ends;
#   4. the same with BRM_RENDER_NICE=0 (brm before issue 20), for reference.
# Then the render's own cost: the 24 frames rendered alone, niced (nice -n 10) and not,
# alternating. Target: p99 with brm ≤ 1.15× idle.
# Usage: scripts/bench-foreground.sh [seconds per case] (default 15).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-15}
bash scripts/ensure-blender.sh >/dev/null
cargo build --release --quiet --bin brm
. scripts/lib/cargo-target.sh
BRM=$(cargo_bin release brm)
WORK=$(mktemp -d /tmp/brm-bench-fg.XXXX)
cc -O2 -o "$WORK/fg" scripts/bench/foreground.c
export BRM_AGENT=$BRM BRM_NO_NVML=1 BRM_NVIDIA_SMI=$WORK/none
loop_pid=
stop_loop() {
  [ -n "$loop_pid" ] || return 0
  touch "$WORK/stop"; wait "$loop_pid" 2>/dev/null || true; loop_pid=; rm -f "$WORK/stop"
}
cleanup() {
  stop_loop
  for h in "$WORK"/home*; do [ -d "$h" ] && BRM_HOME=$h "$BRM" agent stop >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
ITERS=$("$WORK/fg" 0)
probe() { "$WORK/fg" "$SECS" "$ITERS"; }
blender_loop() {
  local i=0
  while [ ! -e "$WORK/stop" ]; do
    i=$((i + 1)); blender -b examples/shot.blend -o "$WORK/bl/$i/shot.####" -a >/dev/null 2>&1 || true
  done
}
brm_loop() { # $1: BRM_HOME
  local i=0
  while [ ! -e "$WORK/stop" ]; do
    i=$((i + 1))
    BRM_HOME=$1 "$BRM" render examples/shot.blend --frames 1-24 -o "$1/out$i" --wait --json >/dev/null 2>&1 || true
  done
}
case_under() { # $1: loop function, $2: its argument
  "$1" ${2:+"$2"} & loop_pid=$!
  sleep 2 # let the render get going (Blender's start-up is mostly single-threaded)
  local r; r=$(probe); stop_loop; echo "$r"
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
idle=$(probe)
plain=$(case_under blender_loop)
BRM_HOME=$WORK/home1 "$BRM" agent start >/dev/null
with_brm=$(case_under brm_loop "$WORK/home1")
BRM_HOME=$WORK/home1 "$BRM" agent stop >/dev/null 2>&1 || true
BRM_HOME=$WORK/home0 BRM_RENDER_NICE=0 "$BRM" agent start >/dev/null
with_brm0=$(case_under brm_loop "$WORK/home0")
BRM_HOME=$WORK/home0 "$BRM" agent stop >/dev/null 2>&1 || true
now() { date +%s.%N; }
t_plain=(); t_nice=()
for i in 1 2 3; do
  t0=$(now); blender -b examples/shot.blend -o "$WORK/alone/p$i/shot.####" -a >/dev/null 2>&1; t1=$(now)
  t_plain+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); nice -n 10 ionice -c 2 -n 7 blender -b examples/shot.blend -o "$WORK/alone/n$i/shot.####" -a >/dev/null 2>&1; t1=$(now)
  t_nice+=("$(echo "$t1 - $t0" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
p99() { echo "$1" | cut -d' ' -f2; }
p50() { echo "$1" | cut -d' ' -f1; }
i99=$(p99 "$idle")
row() { printf '| %s | %s ms | %s ms | %.2f× |\n' "$1" "$(p50 "$2")" "$(p99 "$2")" "$(echo "$(p99 "$2") / $i99" | bc -l)"; }
echo "foreground probe: ${SECS} s per case, $(nproc) cores, load average before: $load"
printf '| case | p50 | p99 | p99 / idle |\n|---|---|---|---|\n'
row "idle" "$idle"
row "plain \`blender -b examples/shot.blend -a\`" "$plain"
row "brm rendering the same scene (agent, default BRM_RENDER_NICE=10)" "$with_brm"
row "brm with BRM_RENDER_NICE=0 (no yielding)" "$with_brm0"
mp=$(median "${t_plain[@]}"); mn=$(median "${t_nice[@]}")
printf '\n| 24 frames alone (median of 3, alternating) | time |\n|---|---|\n'
printf '| blender -a | %.2f s |\n| nice -n 10 ionice -c2 -n7 blender -a | %.2f s (%.3f×) |\n' "$mp" "$mn" "$(echo "$mn / $mp" | bc -l)"
