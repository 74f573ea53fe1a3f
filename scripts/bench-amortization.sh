#!/usr/bin/env bash
# Start-up amortization (DESIGN §8): the 24 frames of the Blender example rendered by brm
# (through the agent, default chunking) vs one `blender -b … -a` run. Target: ratio ≤ 1.1.
# Runs alternate (brm, blender, brm, blender, …) and the table compares medians, so machine
# noise hits both sides alike. Usage: scripts/bench-amortization.sh [runs] (default 3).
set -euo pipefail
# Like with like: one view layer (beauty) both ways. Without --layer brm renders each of the
# scene's two view layers as its own output; `blender -a` would compute both into one image.
cd "$(dirname "$0")/.."
RUNS=${1:-3}
bash scripts/ensure-blender.sh >/dev/null
cargo build --release --quiet --bin brm
. scripts/lib/cargo-target.sh
BRM=$(cargo_bin release brm)
WORK=$(mktemp -d /tmp/brm-bench-amort.XXXX)
export BRM_HOME=$WORK/home BRM_AGENT=$BRM BRM_NO_NVML=1 BRM_NVIDIA_SMI=$WORK/none
trap '"$BRM" agent stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$BRM" agent start >/dev/null
now() { date +%s.%N; }
brm_times=(); bl_times=()
for i in $(seq 1 "$RUNS"); do
  t0=$(now); "$BRM" render examples/shot.blend --layer beauty --frames 1-24 -o "$WORK/brm$i" --wait --json >/dev/null; t1=$(now)
  brm_times+=("$(echo "$t1 - $t0" | bc -l)")
  # The frames of a chosen view layer go into <output>/<layer>/ (brm's output rule): count them there.
  n=$(find "$WORK/brm$i" -type f -name 'shot.*' | wc -l); [ "$n" -eq 24 ] || { echo "brm rendered $n frames, expected 24" >&2; exit 1; }
  t0=$(now); blender -b examples/shot.blend --python scripts/blender/brm_blender_setup.py -o "$WORK/bl$i/shot.####" -a -- --view-layer beauty >/dev/null 2>&1; t1=$(now)
  bl_times+=("$(echo "$t1 - $t0" | bc -l)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mb=$(median "${brm_times[@]}"); ml=$(median "${bl_times[@]}")
printf '| benchmark | brm | blender -a | ratio | target |\n|---|---|---|---|---|\n'
printf '| 24 frames of examples/shot.blend (median of %s) | %.2f s | %.2f s | %.3f | ≤ 1.1 |\n' "$RUNS" "$mb" "$ml" "$(echo "$mb / $ml" | bc -l)"
