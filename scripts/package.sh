#!/usr/bin/env bash
# The release package a studio deploys: dist/brm-<version>-linux-x86_64.tar.gz
#
#   brm-<version>-linux-x86_64/
#     VERSION                  version, C ABI, commit, glibc floor, plug-ins and their C++ ABI
#     SHA256SUMS               every other file (sha256sum -c SHA256SUMS)
#     maya/                    the Maya module: add this folder to MAYA_MODULE_PATH
#       brm.mod                one entry per Maya version with a plug-in in plug-ins/<version>/
#                              (without plug-ins: one per supported version, bin and scripts only)
#       bin/brm                the release CLI/agent (stripped, glibc >= 2.28)
#       plug-ins/<version>/brm.so   plug-ins built against each Maya devkit (--plugins)
#       scripts/               mayapy render scripts (+ blender/), the window and Python
#                              package when they exist
#       icons/
#     bin/brm                  the same brm, for the command line and farm nodes
#     include/brm.h            the C ABI
#     lib/libbrm.so.0, libbrm.so, libbrm.a, pkgconfig/brm.pc, cmake/brm/brm-config*.cmake
#     share/brm/scripts/       the render scripts, where bin/brm finds them
#   dist/brm-<version>-linux-x86_64-debug.tar.gz: debug/brm.debug, debug/libbrm.so.debug
#                              (the .gnu_debuglink targets of the stripped files)
#
# Usage: scripts/package.sh [--skip-build] [--plugins DIR]... [--dist DIR]
#   --skip-build     use build/release as it is (scripts/release-build.sh already ran)
#   --plugins DIR    a plug-in build's module install (cmake --install <build> --prefix DIR),
#                    i.e. DIR/plug-ins/<maya version>/brm.so; repeat for each Maya version
#   --dist DIR       where the tarballs go (default: dist/)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dist="$repo/dist"
skip_build=0
plugins=()
die() { echo "package.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --skip-build) skip_build=1; shift ;;
        --plugins) [ $# -ge 2 ] || die "--plugins needs a directory"; plugins+=("$2"); shift 2 ;;
        --dist) [ $# -ge 2 ] || die "--dist needs a directory"; dist="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

release="$repo/build/release"
[ "$skip_build" = 1 ] || bash "$repo/scripts/release-build.sh" --out "$release"
for f in brm libbrm.so libbrm.a debug/brm.debug debug/libbrm.so.debug; do
    [ -f "$release/$f" ] || die "$release/$f is missing: run scripts/release-build.sh (or drop --skip-build)"
done
bash "$repo/scripts/check-glibc.sh" "$release/brm" "$release/libbrm.so" >/dev/null \
    || die "$release does not hold a glibc 2.28 build: run scripts/release-build.sh"

version="$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)"
abi="$(sed -n 's/^#define BRM_ABI_VERSION \([0-9]*\).*/\1/p' "$repo/include/brm.h")"
[ -n "$version" ] && [ -n "$abi" ] || die "cannot read the version (Cargo.toml) or ABI (include/brm.h)"
name="brm-$version-linux-x86_64"
stage_root="$repo/build/package"
stage="$stage_root/$name"
rm -rf "$stage" "$stage_root/$name-debug"
mkdir -p "$stage" "$dist"

# C/C++ consumers and the CLI: the relocatable install tree.
bash "$repo/scripts/install.sh" --from-build "$release" --prefix "$stage" >/dev/null

# The Maya module.
mod="$stage/maya"
install -d "$mod/bin" "$mod/scripts/blender" "$mod/icons"
install -m 0755 "$release/brm" "$mod/bin/brm"
for f in "$repo"/maya_plugin/scripts/*.py "$repo"/maya_plugin/scripts/*.mel; do
    [ -f "$f" ] && install -m 0644 "$f" "$mod/scripts/"
done
install -m 0644 "$repo"/scripts/blender/*.py "$mod/scripts/blender/"
# The Batch Render window and `import brm` live in these folders once they exist.
for d in maya_plugin/scripts/brm maya_plugin/python/brm python/brm; do
    if [ -d "$repo/$d" ]; then
        cp -r "$repo/$d" "$mod/scripts/"
        find "$mod/scripts" -name __pycache__ -prune -exec rm -rf {} +
    fi
done
install -m 0644 "$repo"/maya_plugin/icons/*.png "$mod/icons/"

abi_of() {  # the C++ ABI a plug-in was compiled with, from its own symbols
    if grep -q '__cxx11' "$1"; then echo "new (_GLIBCXX_USE_CXX11_ABI=1)"; else echo "old (_GLIBCXX_USE_CXX11_ABI=0)"; fi
}
built=()
plugin_lines=""
for p in "${plugins[@]}"; do
    [ -d "$p/plug-ins" ] || die "--plugins $p: no plug-ins/<maya version>/ inside (give the cmake --install prefix)"
    for v in "$p"/plug-ins/[0-9][0-9][0-9][0-9]; do
        [ -f "$v/brm.so" ] || continue
        ver="$(basename "$v")"
        install -d "$mod/plug-ins/$ver"
        install -m 0755 "$v/brm.so" "$mod/plug-ins/$ver/brm.so"
        built+=("$ver")
        plugin_lines+="maya $ver plug-in: plug-ins/$ver/brm.so, C++ ABI $(abi_of "$v/brm.so")"$'\n'
    done
done
{
    if [ ${#built[@]} -gt 0 ]; then
        for ver in $(printf '%s\n' "${built[@]}" | sort -u); do
            printf '+ MAYAVERSION:%s PLATFORM:linux brm %s .\nplug-ins: plug-ins/%s\nPATH+:=bin\n\n' "$ver" "$version" "$ver"
        done
    else
        for ver in 2022 2023 2024 2025 2026; do
            printf '+ MAYAVERSION:%s PLATFORM:linux brm %s .\nPATH+:=bin\n\n' "$ver" "$version"
        done
    fi
} > "$mod/brm.mod"

commit="$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
{
    echo "brm $version"
    echo "c abi $abi"
    echo "commit $commit"
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "platform linux x86_64, glibc >= 2.28 (Rocky/RHEL/Alma 8 and 9)"
    if [ -n "$plugin_lines" ]; then
        printf '%s' "$plugin_lines"
    else
        echo "maya plug-ins: none in this package; build them against your devkit (maya_plugin/README.md) and re-run scripts/package.sh --plugins DIR"
    fi
} > "$stage/VERSION"

(cd "$stage" && find . -type f ! -name SHA256SUMS | LC_ALL=C sort | sed 's|^\./||' | xargs sha256sum > SHA256SUMS)

tarball="$dist/$name.tar.gz"
tar -C "$stage_root" --owner=0 --group=0 --numeric-owner -czf "$tarball" "$name"
mkdir -p "$stage_root/$name-debug/debug"
cp "$release"/debug/*.debug "$stage_root/$name-debug/debug/"
tar -C "$stage_root" --owner=0 --group=0 --numeric-owner -czf "$dist/$name-debug.tar.gz" "$name-debug"
echo "$tarball ($(du -h "$tarball" | cut -f1))"
echo "$dist/$name-debug.tar.gz ($(du -h "$dist/$name-debug.tar.gz" | cut -f1))"
