#!/usr/bin/env bash
# Build libbrm + brm (debug), then build and run the C/C++ ABI tests and the install/consumer
# test with ctest. Extra arguments go to ctest (e.g. -R frames, -LE install).
#   tests/c/run.sh
# Same as: cargo build --lib --bin brm && cmake -S tests/c -B build/ctest &&
#          cmake --build build/ctest && ctest --test-dir build/ctest --output-on-failure
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --lib --bin brm
cmake -S tests/c -B build/ctest
cmake --build build/ctest
ctest --test-dir build/ctest --output-on-failure "$@"
