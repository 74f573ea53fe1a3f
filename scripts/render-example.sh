#!/usr/bin/env bash
# brm's main job (README "Render the example"): render the example scene for real with
# Blender through the brm agent, with live progress, and say where the frames are.
# Installs Blender (apt) when missing and fails loudly when it cannot.
# Usage: scripts/render-example.sh [FRAMES] [OUTPUT_DIR]   (default 1-24, ./renders)
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMES=${1:-1-24}
OUT=${2:-$PWD/renders}
command -v cargo >/dev/null || { echo "render-example: error: cargo is not installed; install Rust (https://rustup.rs)" >&2; exit 1; }
bash scripts/ensure-blender.sh
cargo build --release --locked --bin brm
BRM=$PWD/target/release/brm
export BRM_AGENT=$BRM
"$BRM" info
echo
"$BRM" render examples/shot.blend --frames "$FRAMES" --output "$OUT" --wait
