#!/usr/bin/env bash
# Install brm for C/C++ consumers (Maya plugins, studio tools) and for the command line:
#
#   <prefix>/bin/brm                          the CLI and agent
#   <prefix>/include/brm.h                    the C ABI (C11 / C++)
#   <prefix>/lib/libbrm.so.0, libbrm.so       shared library (SONAME libbrm.so.0) + dev symlink
#   <prefix>/lib/libbrm.a                     static library
#   <prefix>/lib/pkgconfig/brm.pc             pkg-config brm
#   <prefix>/lib/cmake/brm/brm-config.cmake   find_package(brm CONFIG) -> brm::brm, brm::brm_static
#   <prefix>/lib/cmake/brm/brm-config-version.cmake
#   <prefix>/share/brm/scripts/               the mayapy render scripts (+ blender/), which the
#                                             agent finds beside its bin/
#   <prefix>/lib/python/brm/                  `import brm` (PYTHONPATH=<prefix>/lib/python); it
#                                             loads <prefix>/lib/libbrm.so.0
#
# Usage: scripts/install.sh [--prefix DIR] [--debug | --from-build DIR]
#   --prefix DIR       where to install (default: $HOME/.local)
#   --debug            build and install the debug profile (tests; faster to build)
#   --from-build DIR   install what cargo already built in DIR (e.g. target/debug); no build
# The installed tree is relocatable: brm.pc and brm-config.cmake find the prefix from where
# they lie, so the prefix directory can be moved or packed as is.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${HOME:-/usr/local}/.local"
profile=release
from_build=""

die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --debug) profile=debug; shift ;;
        --from-build) [ $# -ge 2 ] || die "--from-build needs a directory (e.g. \$CARGO_TARGET_DIR/debug)"; from_build="$2"; shift 2 ;;
        --from-build=*) from_build="${1#--from-build=}"; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

case "$(uname -s)" in
    Linux) ;;
    *) die "this script installs the Linux layout (libbrm.so.0); on $(uname -s) use cargo build and copy by hand" ;;
esac

if [ -n "$from_build" ]; then
    build_dir="$(cd "$from_build" && pwd)" || die "--from-build: $from_build does not exist"
else
    . "$repo/scripts/lib/cargo-target.sh"
    target_dir="$(cargo_target_dir)" || die "cannot ask cargo where it builds (cargo metadata)"
    if [ "$profile" = release ]; then
        (cd "$repo" && cargo build --release --lib --bin brm)
    else
        (cd "$repo" && cargo build --lib --bin brm)
    fi
    build_dir="$target_dir/$profile"
fi

for f in libbrm.so libbrm.a brm; do
    [ -f "$build_dir/$f" ] || die "$build_dir/$f not found: build it with cargo build --lib --bin brm (add --release for the release build)"
done
[ -f "$repo/include/brm.h" ] || die "$repo/include/brm.h not found: run scripts/gen-header.sh"

version="$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)"
abi="$(sed -n 's/^#define BRM_ABI_VERSION \([0-9]*\).*/\1/p' "$repo/include/brm.h")"
[ -n "$version" ] || die "cannot read the package version from Cargo.toml"
[ -n "$abi" ] || die "cannot read BRM_ABI_VERSION from include/brm.h"
# System libraries the Rust standard library and brm's dependencies (bundled SQLite, NVML via
# dlopen) need when linking libbrm.a statically (rustc --print native-static-libs on Linux).
native_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

mkdir -p "$prefix" || die "cannot create $prefix"
prefix="$(cd "$prefix" && pwd)"
install -d "$prefix/bin" "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/brm"
install -m 0755 "$build_dir/brm" "$prefix/bin/brm"
install -m 0644 "$repo/include/brm.h" "$prefix/include/brm.h"
install -d "$prefix/share/brm/scripts/blender"
install -m 0644 "$repo"/maya_plugin/scripts/*.py "$prefix/share/brm/scripts/"
install -m 0644 "$repo"/scripts/blender/*.py "$prefix/share/brm/scripts/blender/"
install -m 0755 "$build_dir/libbrm.so" "$prefix/lib/libbrm.so.0"
ln -sfn libbrm.so.0 "$prefix/lib/libbrm.so"
install -m 0644 "$build_dir/libbrm.a" "$prefix/lib/libbrm.a"
install -d "$prefix/lib/python/brm"
install -m 0644 "$repo"/python/brm/*.py "$repo/python/brm/py.typed" "$prefix/lib/python/brm/"

subst() {
    sed -e "s|@BRM_VERSION@|$version|g" \
        -e "s|@BRM_ABI_VERSION@|$abi|g" \
        -e "s|@BRM_NATIVE_STATIC_LIBS@|$native_libs|g" \
        -e "s|@BRM_NATIVE_STATIC_LIBS_CMAKE@|$(echo "$native_libs" | sed 's/-l//g; s/ /;/g')|g" \
        "$1" > "$2"
    chmod 0644 "$2"
}
subst "$repo/cmake/brm.pc.in" "$prefix/lib/pkgconfig/brm.pc"
subst "$repo/cmake/brm-config.cmake.in" "$prefix/lib/cmake/brm/brm-config.cmake"
subst "$repo/cmake/brm-config-version.cmake.in" "$prefix/lib/cmake/brm/brm-config-version.cmake"

# What a user installs is stripped: the debug sections go to <prefix>/lib/debug/brm/<name>.debug
# (linked with .gnu_debuglink, where gdb looks). A release build from release-build.sh is
# stripped and linked already and is left as it is.
if command -v objcopy >/dev/null && command -v readelf >/dev/null; then
    for f in bin/brm lib/libbrm.so.0; do
        if ! readelf -S "$prefix/$f" | grep -q '\.gnu_debuglink'; then
            install -d "$prefix/lib/debug/brm"
            dbg="$prefix/lib/debug/brm/$(basename "$f").debug"
            objcopy --only-keep-debug "$prefix/$f" "$dbg" || die "objcopy --only-keep-debug $f failed"
            objcopy --strip-unneeded --remove-section=.comment --add-gnu-debuglink="$dbg" "$prefix/$f" \
                || die "cannot strip $prefix/$f"
        fi
    done
else
    echo "install.sh: warning: objcopy/readelf missing (binutils): $prefix/bin/brm is not stripped" >&2
fi

echo "installed brm $version (ABI $abi) from $build_dir to $prefix"
echo "  pkg-config: PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs brm"
echo "  CMake:      -DCMAKE_PREFIX_PATH=$prefix, find_package(brm CONFIG REQUIRED), brm::brm"
echo "  Python:     PYTHONPATH=$prefix/lib/python python3 -c 'import brm'"
