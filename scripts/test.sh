#!/usr/bin/env bash
# brm's test command (README "Run the tests"; .ci/run calls exactly this).
# On a fresh Debian machine it installs what it needs (apt/pip/rustup target) and fails loudly
# when it cannot. Nothing is skipped: the real-render tests need Blender and install it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==== %s ====\n' "$*"; }
# Every runner's output also goes to a log, so the closing line can total them.
mkdir -p build
LOG=build/test-output.log
: > "$LOG"
run() { "$@" 2>&1 | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }
die() { echo "test.sh: error: $*" >&2; exit 1; }

step "dependencies"
command -v cargo >/dev/null || die "cargo is not installed; install Rust (https://rustup.rs) and re-run"
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v python3 >/dev/null || missing+=(python3)
command -v bc >/dev/null || missing+=(bc)
# Desktop notifications are tested on a real session bus (tests/cli_daily.rs).
command -v dbus-daemon >/dev/null || missing+=(dbus-daemon)
command -v dbus-monitor >/dev/null || missing+=(dbus-bin)
command -v gdbus >/dev/null || missing+=(libglib2.0-bin)
# The Windows compile check builds bundled SQLite's C code for the target.
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
bash scripts/ensure-blender.sh
python3 -c 'import pytest' 2>/dev/null || python3 -m pip install -q pytest \
  || die "pytest is missing and pip could not install it"
if command -v rustup >/dev/null; then
  rustup target list --installed | grep -qx x86_64-pc-windows-gnu \
    || rustup target add x86_64-pc-windows-gnu \
    || die "cannot add the Windows target for the compile check (rustup target add x86_64-pc-windows-gnu)"
fi

step "Rust: unit, integration, header drift, agent end-to-end, real Blender renders"
cargo build --locked --lib --bins
run cargo test --locked --lib --tests -- --test-threads=2

step "Python: mayapy render scripts and fake Maya under the stand-in maya package"
run python3 -m pytest tests/python -q

step "C ABI consumers (C11, C++17) under AddressSanitizer/UBSan; install for consumers"
cmake -S tests/c -B build/ctest >/dev/null
cmake --build build/ctest -j2
run ctest --test-dir build/ctest --output-on-failure

step "Maya plugin against the stand-in Maya API"
cmake -S maya_plugin -B build/maya -DBRM_STANDIN=ON >/dev/null
cmake --build build/maya -j2
run ctest --test-dir build/maya --output-on-failure

step "Windows compile check (process groups → Job Objects, socket → named pipe)"
if command -v rustup >/dev/null; then
  cargo check --locked --target x86_64-pc-windows-gnu --lib --bins
else
  die "rustup is needed for the Windows compile check"
fi

# One closing line over all runners: cargo ("N passed"), pytest ("N passed in"), ctest
# ("out of N"). Any failure has already stopped the script (set -e).
total=$(awk '/^test result: ok\./ {n += $4} /^[0-9]+ passed in/ {n += $1} /tests passed, 0 tests failed out of/ {n += $NF} END {print n + 0}' "$LOG")
echo
echo "all test suites passed"
echo "tests: ${total} passed, 0 failed"
