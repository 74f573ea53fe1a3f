#!/usr/bin/env bash
# The Windows artefacts, cross-built with mingw-w64 (Rust target x86_64-pc-windows-gnu),
# laid out as a Maya module that is also the C SDK:
#
#   brm/brm.mod                    "+ MAYAVERSION:<v> PLATFORM:win64 brm <version> ." per Maya
#                                  version, plug-ins: plug-ins/<v>, PATH+:=bin (so Windows finds
#                                  brm.dll, and the plug-in finds brm.exe beside it)
#   brm/bin/brm.exe                the CLI and the agent the library starts
#   brm/bin/brm.dll                libbrm (C ABI, include/brm.h)
#   brm/lib/libbrm.dll.a           import library for mingw-w64 / clang
#   brm/lib/brm.def                the exports, for MSVC: lib /def:brm.def /machine:x64 /out:brm.lib
#   brm/include/brm.h              the C header (the committed, drift-checked one)
#   brm/scripts/                   the mayapy render scripts
#   brm/plug-ins/<v>/              where the studio's brm.mll goes: the plug-in is built with
#                                  MSVC against Autodesk's devkit for that Maya version
#                                  (maya_plugin/README.md, "Windows"); it cannot be built here
#
# Usage: scripts/package-windows.sh [CARGO_OUT_DIR] [DEST]   (defaults: a debug cross-build,
# build/windows/dist). MAYA_VERSIONS="2024 2025 2026" picks the module entries.
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "package-windows.sh: error: $*" >&2; exit 1; }

if [ $# -ge 1 ]; then OUT=$1; else . scripts/lib/cargo-target.sh; OUT="$(cargo_target_dir)/x86_64-pc-windows-gnu/debug"; fi
DEST=${2:-build/windows/dist}
VERSIONS=${MAYA_VERSIONS:-"2022 2023 2024 2025 2026"}
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)

for f in brm.exe brm.dll libbrm.dll.a; do
  [ -f "$OUT/$f" ] || die "$OUT/$f is missing: build first (cargo build --target x86_64-pc-windows-gnu --lib --bins)"
done
command -v x86_64-w64-mingw32-objdump >/dev/null || die "x86_64-w64-mingw32-objdump is missing (apt-get install binutils-mingw-w64-x86-64)"

M="$DEST/brm"
rm -rf "$M"
mkdir -p "$M/bin" "$M/lib" "$M/include" "$M/scripts"
cp "$OUT/brm.exe" "$OUT/brm.dll" "$M/bin/"
cp "$OUT/libbrm.dll.a" "$M/lib/"
cp include/brm.h "$M/include/"
cp maya_plugin/scripts/*.py "$M/scripts/"

# The export table of brm.dll, as a module-definition file for MSVC's lib.exe.
{
  echo "LIBRARY brm.dll"
  echo "EXPORTS"
  x86_64-w64-mingw32-objdump -p "$OUT/brm.dll" \
    | awk '/\[Ordinal\/Name Pointer\] Table/ {on = 1; next} on && /^\t\[/ {print "    " $NF} on && /^$/ {on = 0}'
} > "$M/lib/brm.def"
n=$(grep -c '^    brm_' "$M/lib/brm.def" || true)
[ "$n" -gt 0 ] || die "no brm_ exports found in $OUT/brm.dll"
# Every function of the header is exported.
for fn in $(grep -o '\bbrm_[a-z0-9_]*(' include/brm.h | tr -d '(' | sort -u); do
  grep -qx "    $fn" "$M/lib/brm.def" || die "brm.dll does not export $fn (declared in include/brm.h)"
done

: > "$M/brm.mod"
for v in $VERSIONS; do
  mkdir -p "$M/plug-ins/$v"
  printf '+ MAYAVERSION:%s PLATFORM:win64 brm %s .\nplug-ins: plug-ins/%s\nPATH+:=bin\n\n' \
    "$v" "$VERSION" "$v" >> "$M/brm.mod"
done
echo "package-windows.sh: $M (brm.exe, brm.dll, $n exports, brm.mod for Maya $VERSIONS)"
