#!/usr/bin/env bash
# Release build of libbrm.so, libbrm.a and brm that load on glibc 2.28 and later (Rocky/RHEL/
# Alma 8 and 9, where Maya 2024-2026 run), whatever glibc this machine has: cargo-zigbuild
# links against zig's glibc 2.28 stubs (`--target x86_64-unknown-linux-gnu.2.28`), and
# libbrm.so is linked with -z defs (build.rs), so a symbol newer than 2.28 fails the build.
#
# Output (build/release/, what scripts/package.sh and the plug-in's CMake use):
#   brm, libbrm.so         stripped, with a .gnu_debuglink to debug/<name>.debug
#   libbrm.a               debug sections stripped (symbols kept: it is linked into plug-ins)
#   debug/brm.debug, debug/libbrm.so.debug   the separate debug info (symbolize crashes:
#                          gdb/eu-stack find it through the debuglink, or
#                          `eu-addr2line -e debug/brm.debug ADDR`)
# then scripts/check-glibc.sh on brm and libbrm.so.
#
# Usage: scripts/release-build.sh [--out DIR]
# Needs: objcopy; ziglang and cargo-zigbuild (PyPI) are installed into build/venv-tools when missing.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/build/release"
target=x86_64-unknown-linux-gnu
glibc=2.28
die() { echo "release-build.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || die "--out needs a directory"; out="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "builds the Linux x86_64 release; this is $(uname -s)-$(uname -m)"
command -v objcopy >/dev/null || die "objcopy is missing: install binutils"
# ziglang and cargo-zigbuild live in build/venv-tools (scripts/lib/tool-venv.sh), never in
# the system's Python; its bin/ goes first on PATH.
. "$repo/scripts/lib/tool-venv.sh"
tool_venv ziglang cargo-zigbuild || die "cannot set up ziglang and cargo-zigbuild"
hash -r
command -v cargo-zigbuild >/dev/null || die "cargo-zigbuild is not on PATH after pip install (add pip's bin folder to PATH)"

# Its own target folder: the host build in target/ stays untouched (and fast).
target_dir="$repo/build/release-glibc228"
(cd "$repo" && cargo zigbuild --locked --release --lib --bin brm \
    --target "$target.$glibc" --target-dir "$target_dir")
src="$target_dir/$target/release"
for f in brm libbrm.so libbrm.a; do
    [ -f "$src/$f" ] || die "cargo zigbuild did not produce $src/$f"
done

mkdir -p "$out/debug"
for f in brm libbrm.so; do
    objcopy --only-keep-debug "$src/$f" "$out/debug/$f.debug"
    chmod 0644 "$out/debug/$f.debug"
    # --strip-unneeded keeps the dynamic symbol table (the C ABI) and drops the rest.
    objcopy --strip-unneeded --remove-section=.comment \
        --add-gnu-debuglink="$out/debug/$f.debug" "$src/$f" "$out/$f.tmp"
    mv -f "$out/$f.tmp" "$out/$f"
done
objcopy --strip-debug "$src/libbrm.a" "$out/libbrm.a.tmp"
mv -f "$out/libbrm.a.tmp" "$out/libbrm.a"
chmod 0755 "$out/brm" "$out/libbrm.so"

bash "$repo/scripts/check-glibc.sh" --max "$glibc" "$out/brm" "$out/libbrm.so"
echo "release build for glibc >= $glibc in $out:"
ls -l "$out/brm" "$out/libbrm.so" "$out/libbrm.a" "$out/debug/"*.debug | awk '{print "  " $5 "\t" $NF}'
