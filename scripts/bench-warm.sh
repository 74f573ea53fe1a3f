#!/usr/bin/env bash
# Warm render sessions (issue 13), in one run, alternating so machine noise hits all sides:
#  1. 24 frames of examples/shot.blend in chunks of 4 on one slot: warm session vs cold
#     chunks (--cold) vs one `blender -b … -a`. Target: warm <= 1.05x the single blender -a.
#  2. Three submits of the same scene (each a new snapshot of identical content; Blender, and
#     the fake mayapy with a 5 s scene load): time to
#     the first frame of the second and third, warm vs --cold (no scene load when warm).
#  0. One dependency check (stat of 1,000 texture files), cargo bench --bench warm_deps.
#  3. The fake mayapy (tests/fakes) with a 5 s scene load, 6 chunks of 2 frames at 0.5 s a
#     frame: warm vs cold. Target: warm total <= one load + the render time x 1.1.
# Each warm run starts from a fresh agent (no session yet), so its first chunk pays one load.
# Usage: scripts/bench-warm.sh [runs] (default 3). Tables go to docs/PERFORMANCE.md.
set -euo pipefail
# Like with like: one view layer (beauty) both ways. Without --layer brm renders each of the
# scene's two view layers as its own output; `blender -a` would compute both into one image.
cd "$(dirname "$0")/.."
RUNS=${1:-3}
bash scripts/ensure-blender.sh >/dev/null
cargo build --release --quiet --bin brm
# 0. The dependency check a reused session pays before each chunk (1,000 textures).
cargo bench --quiet --bench warm_deps 2>/dev/null | grep "dependency check"
. scripts/lib/cargo-target.sh
BRM=$(cargo_bin release brm)
WORK=$(mktemp -d /tmp/brm-bench-warm.XXXX)
export BRM_HOME=$WORK/home BRM_AGENT=$BRM BRM_NO_NVML=1 BRM_NVIDIA_SMI=$WORK/none
unset BRM_WARM_SESSIONS BRM_WARM_MAX_RSS_MB
trap '"$BRM" agent stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
SCENE=examples/shot.blend
now() { date +%s.%N; }
fresh_agent() { "$BRM" agent stop >/dev/null 2>&1 || true; "$BRM" agent start >/dev/null; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
count() { find "$1" -type f -size +0 2>/dev/null | wc -l; }
brm_run() { # name extra-flags...
  local out=$WORK/$1; shift
  local t0 t1; t0=$(now)
  "$BRM" render "$SCENE" --layer beauty --frames 1-24 --chunk 4 -o "$out" --wait --json "$@" >/dev/null
  t1=$(now); [ "$(count "$out")" -eq 24 ] || { echo "brm rendered $(count "$out") frames, expected 24" >&2; exit 1; }
  echo "$t1 - $t0" | bc -l
}
first_frame() { # name extra-flags... : seconds from submit to the first frame file
  local out=$WORK/$1; shift
  local t0 id; t0=$(now)
  id=$("$BRM" render "$SCENE" --layer beauty --frames 1-4 --chunk 4 -o "$out" --json "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  until [ "$(count "$out")" -ge 1 ]; do sleep 0.005; done
  local t1; t1=$(now)
  until [ "$("$BRM" status "$id" --json | grep -c '"state": "done"')" -gt 0 ]; do sleep 0.05; done
  echo "$t1 - $t0" | bc -l
}
warm=(); cold=(); bl=(); ff_warm=(); ff_cold=()
for i in $(seq 1 "$RUNS"); do
  fresh_agent; warm+=("$(brm_run warm$i)")
  fresh_agent; cold+=("$(brm_run cold$i --cold)")
  t0=$(now); blender -b "$SCENE" --python scripts/blender/brm_blender_setup.py -o "$WORK/bl$i/shot.####" -a -- --view-layer beauty >/dev/null 2>&1; t1=$(now)
  bl+=("$(echo "$t1 - $t0" | bc -l)")
  fresh_agent
  for k in 1 2 3; do
    w=$(first_frame rw$i-$k); [ "$k" -gt 1 ] && ff_warm+=("$w")
  done
  for k in 1 2 3; do
    c=$(first_frame rc$i-$k --cold); [ "$k" -gt 1 ] && ff_cold+=("$c")
  done
done
mw=$(median "${warm[@]}"); mc=$(median "${cold[@]}"); mb=$(median "${bl[@]}")
fw=$(median "${ff_warm[@]}"); fc=$(median "${ff_cold[@]}")
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
printf '| 24 frames of %s, chunks of 4, one slot (median of %s) | time | vs blender -a | target |\n|---|---|---|---|\n' "$SCENE" "$RUNS"
printf '| brm, warm session | %.2f s | %.3f | <= 1.05 |\n' "$mw" "$(echo "$mw / $mb" | bc -l)"
printf '| brm --cold (6 renderer starts) | %.2f s | %.3f | |\n' "$mc" "$(echo "$mc / $mb" | bc -l)"
printf '| one blender -b ... -a | %.2f s | 1.000 | |\n' "$mb"
# 3. fake mayapy: 5 s load, 12 frames x 0.5 s in 6 chunks (one run each: the cold side is long)
LOAD=5 FRAME=0.5
maya_run() { # name extra-flags...
  local out=$WORK/$1; shift
  local t0 t1; t0=$(now)
  BRM_MAYA_ROOTS=$PWD/tests/fakes MAYA_LOCATION= BRM_FAKE_LOAD_SECONDS=$LOAD BRM_FAKE_FRAME_SECONDS=$FRAME \
    "$BRM" render ../shared/testdata/maya/cube__cube.ma --frames 1-12 --chunk 2 --gpu cpu -o "$out" --wait --json "$@" >/dev/null
  t1=$(now); echo "$t1 - $t0" | bc -l
}
fresh_agent; mwarm=$(maya_run mwarm)
fresh_agent; mcold=$(maya_run mcold --cold)
render=$(echo "12 * $FRAME" | bc -l)
# 2b. re-submits with the fake mayapy's 5 s scene load (one round: 3 warm, 3 cold)
maya_first() { # name extra-flags...
  local out=$WORK/$1; shift
  local t0 t1 id; t0=$(now)
  id=$(BRM_MAYA_ROOTS=$PWD/tests/fakes MAYA_LOCATION= BRM_FAKE_LOAD_SECONDS=$LOAD BRM_FAKE_FRAME_SECONDS=$FRAME \
    "$BRM" render ../shared/testdata/maya/cube__cube.ma --frames 1-2 --chunk 2 --gpu cpu -o "$out" --json "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  until [ "$(count "$out")" -ge 1 ]; do sleep 0.005; done
  t1=$(now)
  until [ "$("$BRM" status "$id" --json | grep -c '"state": "done"')" -gt 0 ]; do sleep 0.05; done
  echo "$t1 - $t0" | bc -l
}
mff_warm=(); mff_cold=()
fresh_agent
for k in 1 2 3; do w=$(maya_first mrw$k); [ "$k" -gt 1 ] && mff_warm+=("$w"); done
for k in 1 2 3; do c=$(maya_first mrc$k --cold); [ "$k" -gt 1 ] && mff_cold+=("$c"); done
mfw=$(median "${mff_warm[@]}"); mfc=$(median "${mff_cold[@]}")
printf '\n| fake mayapy, %s s scene load, 12 frames x %s s in 6 chunks | total | target: load + render x 1.1 = %.2f s |\n|---|---|---|\n' "$LOAD" "$FRAME" "$(echo "$LOAD + $render * 1.1" | bc -l)"
printf '| warm session | %.2f s | %.3f of the target |\n' "$mwarm" "$(echo "$mwarm / ($LOAD + $render * 1.1)" | bc -l)"
printf '| --cold | %.2f s | |\n' "$mcold"
printf '\n| re-submits of the same scene: submit -> first frame, 2nd and 3rd submit (median of %s) | warm | cold | warm/cold |\n|---|---|---|---|\n' "${#ff_warm[@]}"
printf '| %s, frames 1-4 | %.3f s | %.3f s | %.2f |\n' "$SCENE" "$fw" "$fc" "$(echo "$fw / $fc" | bc -l)"
printf '| fake mayapy, %s s scene load, frames 1-2 (median of 2) | %.3f s | %.3f s | %.2f |\n' "$LOAD" "$mfw" "$mfc" "$(echo "$mfw / $mfc" | bc -l)"
