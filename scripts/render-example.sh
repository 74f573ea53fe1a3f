#!/usr/bin/env bash
# brm's main job (README "Render the example"): render the example scene for real with
# Blender through the brm agent, with live progress, and say where the frames are.
# Installs Blender (apt) when missing and fails loudly when it cannot.
# Usage: scripts/render-example.sh [FRAMES] [OUTPUT_DIR]   (default 1-24, ./renders/example)
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMES=${1:-1-24}
OUT=${2:-$PWD/renders/example}
command -v cargo >/dev/null || { echo "render-example: error: cargo is not installed; install Rust (https://rustup.rs)" >&2; exit 1; }
bash scripts/ensure-blender.sh
. scripts/lib/cargo-target.sh
echo "render-example: building brm (cargo build --release into $(cargo_target_dir); the first build takes a few minutes)"
cargo build --release --locked --bin brm
BRM=$(cargo_bin release brm)
export BRM_AGENT=$BRM
"$BRM" info
echo
echo "render-example: rendering frames $FRAMES of examples/shot.blend (every renderable view layer: beauty, fx) into $OUT"
"$BRM" render examples/shot.blend --frames "$FRAMES" --output "$OUT" --wait
echo
echo "render-example: the frames, one folder per view layer:"
for d in "$OUT"/*/; do
  [ -d "$d" ] || continue
  n=$(find "$d" -maxdepth 1 -type f -name 'shot.*' | wc -l)
  first=$(find "$d" -maxdepth 1 -type f -name 'shot.*' | sort | head -n 1)
  last=$(find "$d" -maxdepth 1 -type f -name 'shot.*' | sort | tail -n 1)
  echo "  ${d%/}: $n frames ($(basename "$first") … $(basename "$last"))"
done
