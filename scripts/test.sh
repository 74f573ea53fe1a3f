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
# The user-service test verifies the unit with systemd-analyze; the release checks read
# symbol versions with objdump.
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v objdump >/dev/null || missing+=(binutils)
# The Maya plug-in's UTF-8 test compiles a Latin-1 locale (localedef needs /usr/share/i18n).
[ -d /usr/share/i18n/charmaps ] || missing+=(locales)
# The Batch Render window tests: real Qt under Xvfb, PySide2 from Debian for /usr/bin/python3
# (PySide6 comes from PyPI below, into build/venv-window when python3 lacks it).
command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
/usr/bin/python3 -c 'import PySide2.QtWidgets, PySide2.QtTest, pytestqt, pytest' 2>/dev/null \
  || missing+=(python3-pyside2.qtwidgets python3-pyside2.qtgui python3-pyside2.qtcore python3-pyside2.qttest
               python3-pytest python3-pytestqt)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
for lib in libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libxcb-icccm4 libxcb-keysyms1; do
  dpkg -s "$lib" >/dev/null 2>&1 || missing+=("$lib")
done
# Desktop notifications are tested on a real session bus (tests/cli_daily.rs).
command -v dbus-daemon >/dev/null || missing+=(dbus-daemon)
command -v dbus-monitor >/dev/null || missing+=(dbus-bin)
command -v gdbus >/dev/null || missing+=(libglib2.0-bin)
# The Windows build (scripts/test-wine.sh) compiles bundled SQLite's C code with mingw-w64.
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
    || die "cannot add the Windows target for the Wine tests (rustup target add x86_64-pc-windows-gnu)"
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

step "Python API (import brm) against the real libbrm, agent, Blender and the Maya module"
# vermin checks the package needs nothing newer than Python 3.7; the virtualenv test needs
# ensurepip (Debian: python3-venv); pdoc generates the reference into build/python-docs.
pip_get() { python3 -m pip install -q "$@" 2>/dev/null || python3 -m pip install -q --break-system-packages "$@"; }
python3 -c 'import vermin' 2>/dev/null || pip_get vermin || die "vermin is missing and pip could not install it"
venv_probe="$(mktemp -d)"
if ! python3 -m venv "$venv_probe/v" >/dev/null 2>&1; then
  command -v apt-get >/dev/null || die "python3 -m venv fails and there is no apt-get to install python3-venv"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
    || die "cannot install python3-venv (needed to test pip install of the brm package)"
fi
rm -rf "$venv_probe"
run env BRM_MAYA_BUILD="$PWD/build/maya" python3 -m pytest tests/python_api -q
bash scripts/python-docs.sh

step "Release: FindMaya C++ ABI per Maya version; glibc 2.28 release build; package layout"
cmake -S tests/findmaya_abi -B build/findmaya_abi >/dev/null
run ctest --test-dir build/findmaya_abi --output-on-failure
# One release build (cargo-zigbuild, its own target folder under build/), then the tarball a
# studio deploys, unpacked and checked: GLIBC_ <= 2.28, stripped, layout, checksums, brm runs.
bash scripts/package.sh --dist build/dist
version="$(sed -n 's/^version = "\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)"
bash scripts/check-package.sh "build/dist/brm-$version-linux-x86_64.tar.gz"
# The plug-in linked against that release libbrm.a (the stand-in Maya here; a studio uses its
# devkit), installed as a module (its bin/brm must be the release one) and packed with --plugins.
cmake -S maya_plugin -B build/maya-release -DBRM_STANDIN=ON -DBRM_USE_RELEASE_BUILD=ON -DBRM_BUILD_LIBBRM=OFF >/dev/null
cmake --build build/maya-release -j2 --target brm_plugin
rm -rf build/maya-release-module
cmake --install build/maya-release --prefix "$PWD/build/maya-release-module" >/dev/null
cmp -s build/release/brm build/maya-release-module/bin/brm \
  || die "cmake --install put a brm other than the release build into the module"
bash scripts/package.sh --skip-build --plugins build/maya-release-module --dist build/dist-standin
bash scripts/check-package.sh "build/dist-standin/brm-$version-linux-x86_64.tar.gz"
step "Batch Render window: real Qt under Xvfb, the real plug-in through the stand-in host (PySide6, PySide2)"
WINDOW_PY=python3
if ! python3 -c 'import PySide6.QtWidgets, pytestqt, pytest' 2>/dev/null; then
  [ -x build/venv-window/bin/python ] || python3 -m venv build/venv-window \
    || die "cannot create build/venv-window for PySide6 (apt-get install python3-venv)"
  WINDOW_PY=build/venv-window/bin/python
  "$WINDOW_PY" -c 'import PySide6.QtWidgets, pytestqt, pytest' 2>/dev/null \
    || "$WINDOW_PY" -m pip install -q PySide6 pytest pytest-qt \
    || die "cannot install PySide6, pytest and pytest-qt from PyPI into build/venv-window"
fi
BRM_QT=PySide6 PYTEST_QT_API=pyside6 run xvfb-run -a "$WINDOW_PY" -m pytest tests/window -q -p no:cacheprovider
BRM_QT=PySide2 PYTEST_QT_API=pyside2 run xvfb-run -a /usr/bin/python3 -m pytest tests/window -q -p no:cacheprovider

step "Farm: a one-node Slurm (real sbatch/squeue/scancel), openjd check/run, OpenCue DTD"
# The farm tests that need these tools are #[ignore]d in the cargo run above and run here
# with --ignored (so none is counted twice, and none is skipped). Slurm is stopped on the
# way out, also when a test fails.
farm_missing=()
command -v xmllint >/dev/null || farm_missing+=(libxml2-utils)
if [ ${#farm_missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${farm_missing[*]} and no apt-get to install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${farm_missing[@]}" >/dev/null \
    || die "cannot install ${farm_missing[*]} (xmllint validates the OpenCue job spec)"
fi
if ! command -v openjd >/dev/null; then
  python3 -m pip install -q openjd-cli 2>/dev/null || python3 -m pip install -q --break-system-packages openjd-cli \
    || die "cannot install openjd-cli from PyPI (openjd check/run test the OpenJD template)"
  PATH="$PATH:$(python3 -m site --user-base)/bin"
  command -v openjd >/dev/null || die "openjd-cli installed but no openjd command on PATH"
fi
export FARM_DIR=/tmp/brm-test-slurm FARM_CPUS=8 FAKE_GPUS=4
farm_down() { bash ../shared/farm/slurm/slurm_down.sh >/dev/null 2>&1 || true; }
trap farm_down EXIT
if SLURM_CONF="$FARM_DIR/slurm.conf" timeout 5 sinfo -h >/dev/null 2>&1; then
  echo "using the one-node Slurm already running in $FARM_DIR"
else
  # A Slurm stopped just before may still hold its ports for a moment: one retry.
  bash ../shared/farm/slurm/slurm_up.sh || { farm_down; sleep 5; bash ../shared/farm/slurm/slurm_up.sh; } \
    || die "cannot start the one-node Slurm (../shared/farm/slurm/slurm_up.sh; its logs are in $FARM_DIR/log)"
fi
SLURM_CONF="$FARM_DIR/slurm.conf" run cargo test --locked --test farm_slurm --test farm_engines -- --ignored --test-threads=2
farm_down
trap - EXIT

step "Windows under Wine: brm.exe/brm.dll cross-built, Rust tests and end-to-end tests as Windows programs"
# Installs wine64 when missing; the Wine prefix lives under build/wine (docs/ARCHITECTURE.md,
# "Windows, and what Wine proves").
run bash scripts/test-wine.sh

# One closing line over all runners: cargo ("N passed"), pytest ("N passed in"), ctest
# ("out of N"). Any failure has already stopped the script (set -e).
total=$(awk '/^test result: ok\./ {n += $4} /^[0-9]+ passed in/ {n += $1} /tests passed, 0 tests failed out of/ {n += $NF} END {print n + 0}' "$LOG")
echo
echo "all test suites passed"
echo "tests: ${total} passed, 0 failed"
