#!/usr/bin/env bash
# Windows for real, under Wine: cross-builds brm for x86_64-pc-windows-gnu with mingw-w64,
# runs brm's platform-independent Rust tests as Windows programs under Wine, then the
# Windows end-to-end tests (tests/windows: brm.exe, the agent on its named pipe, Job Object
# cancel, a fake Maya in "C:\Program Files\Autodesk\Maya2025"), and packages the Windows
# artefacts into build/windows/dist. Installs wine64 / mingw-w64 / the Rust target when
# missing and fails loudly when it cannot. What Wine proves and what it cannot:
# docs/ARCHITECTURE.md, "What Wine proves".
#
# Called by scripts/test.sh; runs alone too: bash scripts/test-wine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "test-wine.sh: error: $*" >&2; exit 1; }

TARGET=x86_64-pc-windows-gnu
WINE_DIR="$PWD/build/wine"

# ---- tools -----------------------------------------------------------------------------
WINE=$(command -v wine64 || true)
[ -n "$WINE" ] || { [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64; } || true
missing=()
[ -n "$WINE" ] || missing+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "could not install ${missing[*]} (apt-get install ${missing[*]})"
  WINE=$(command -v wine64 || echo /usr/lib/wine/wine64)
fi
[ -x "$WINE" ] || die "wine64 is not runnable at $WINE"
WINESERVER="$(dirname "$(readlink -f "$WINE")")/wineserver"
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver || true)
[ -n "$WINESERVER" ] || die "wineserver not found next to $WINE"
if command -v rustup >/dev/null; then
  rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET" \
    || die "cannot add the Rust target (rustup target add $TARGET)"
else
  die "rustup is needed for the $TARGET target"
fi

# ---- the Wine prefix (under build/, made once: about 15 s) ------------------------------
export WINEPREFIX="$WINE_DIR/prefix" WINEDEBUG=-all WINEARCH=win64
# No Mono/Gecko installers (they would ask; nothing here needs .NET or a browser).
export WINEDLLOVERRIDES="mscoree,mshtml="
mkdir -p "$WINE_DIR"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "test-wine.sh: creating the Wine prefix $WINEPREFIX"
  "$WINE" wineboot -i >"$WINE_DIR/wineboot.log" 2>&1 || { cat "$WINE_DIR/wineboot.log"; die "wineboot -i failed"; }
fi
# One Wine server for every Wine program below (start-up is the slow part of Wine).
"$WINESERVER" -p 600 </dev/null >/dev/null 2>&1 || true  # (non-zero when one already runs)
trap '"$WINESERVER" -k 2>/dev/null || true' EXIT

# Rust's std imports ProcessPrng (bcryptprimitives.dll, Windows 10+), which Wine 8.0 lacks:
# a test-only stand-in (tests/windows/bcryptprimitives.c) goes into the prefix's system32.
SYS32="$WINEPREFIX/drive_c/windows/system32"
x86_64-w64-mingw32-gcc -shared -O2 -Wl,--kill-at -o "$WINE_DIR/bcryptprimitives.dll" \
  tests/windows/bcryptprimitives.c -ladvapi32
cp "$WINE_DIR/bcryptprimitives.dll" "$SYS32/bcryptprimitives.dll"

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$WINE"

# ---- brm for Windows ---------------------------------------------------------------------
echo "test-wine.sh: building brm.exe and brm.dll for $TARGET"
cargo build --locked --target "$TARGET" --lib --bins

# ---- brm's Rust tests, as Windows programs under Wine -----------------------------------
# (the runner above: cargo starts each test executable as `wine64 test.exe`)
# Skipped here, each for a reason that is not Windows brm's behaviour:
# - plan tests whose fixtures are Unix absolute paths ("/p/shot.blend" is relative on Windows,
#   so the planner rightly makes it absolute there: "Z:\p\shot.blend");
# - plan::exes tests whose fake Maya installs are Unix executables (bin/Render, no .exe);
# - the real Blender render (no Blender inside the Wine prefix; it runs on Linux in test.sh).
skips=(
  plan::tests::commands::blender_command_renders_the_example_for_real
  plan::tests::commands::blender_commands
  plan::tests::image_patterns_and_tokens
  plan::tests::commands::mayapy_custom_command_and_task_file
  plan::tests::commands::render_command_one_per_arithmetic_run
  plan::tests::commands::render_renderer_flags
  plan::tests::commands::weird_layer_names_are_single_argv_items
  plan::exes::tests::each_job_gets_the_maya_of_its_own_environment
  plan::exes::tests::the_jobs_maya_location_wins_over_the_scenes_version
)
skip_args=()
for s in "${skips[@]}"; do skip_args+=(--skip "$s"); done
# The Rust integration tests that are about brm, not about Unix (frames CLI, header drift,
# detect CLI, scene CLI) run too; the others drive Python fakes or Unix processes.
echo "test-wine.sh: brm's Rust tests for $TARGET under Wine (${#skips[@]} tests with Unix fixtures or Blender skipped, listed in this script)"
# (timeouts: a Wine that hangs fails the step instead of stalling CI)
timeout 900 cargo test --locked --target "$TARGET" --lib --test frames_cli --test header --test detect_cli \
  --test scene_cli -- --test-threads=2 "${skip_args[@]}"

# ---- Windows end to end: brm.exe, named pipe, Job Objects, Maya in Program Files --------
echo "test-wine.sh: Windows end-to-end tests (tests/windows) under Wine"
. scripts/lib/cargo-target.sh
CARGO_OUT="$(cargo_target_dir)/$TARGET/debug"
(cd tests/windows && BRM_WINE_BRM="$CARGO_OUT/brm.exe" \
  timeout 600 cargo test --locked --target "$TARGET" --target-dir ../../build/windows/target -- --test-threads=2)

# ---- the Windows artefacts ---------------------------------------------------------------
bash scripts/package-windows.sh "$CARGO_OUT" build/windows/dist

# ---- a C program linked against brm.dll through the import library --------------------
C_DIR=build/windows/c_consumer
mkdir -p "$C_DIR"
x86_64-w64-mingw32-gcc -std=c11 -Wall -Wextra -Werror -Ibuild/windows/dist/brm/include \
  -o "$C_DIR/c_consumer.exe" tests/windows/c_consumer.c build/windows/dist/brm/lib/libbrm.dll.a
cp build/windows/dist/brm/bin/brm.dll "$C_DIR/"
timeout 120 "$WINE" "$C_DIR/c_consumer.exe" || die "the C consumer of brm.dll failed under Wine"
echo "test-wine.sh: all Windows tests passed under Wine"
