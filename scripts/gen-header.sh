#!/usr/bin/env bash
# Regenerate include/brm.h from src/ffi/ with the pinned cbindgen (see cbindgen.toml), then
# run the drift check so the result is verified the same way CI verifies it.
# Usage: scripts/gen-header.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BRM_UPDATE_HEADER=1 cargo test --quiet --test header header_matches_the_ffi_source
cargo test --quiet --test header header_matches_the_ffi_source
echo "include/brm.h is up to date; commit it: git commit -m 'brm.h: regenerate' -- include/brm.h"
