#!/usr/bin/env bash
# Install brm into a temporary prefix and build + run an out-of-tree consumer against it:
#   1. CMake: find_package(brm CONFIG REQUIRED) + brm::brm (shared) and brm::brm_static;
#   2. pkg-config: cc $(pkg-config --cflags --libs brm), and --static against libbrm.a;
#   3. the prefix moved elsewhere still works (relocatable .pc and CMake config);
#   4. the consumer records libbrm.so.0 (the SONAME) as NEEDED; bin/brm runs.
#
# Usage: tests/consumer/run.sh [--from-build DIR]
#   default: scripts/install.sh --debug (cargo build of the debug profile, usually a no-op
#   after the test build); --from-build DIR installs what is already in DIR, no cargo at all.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
install_args=(--debug)
if [ "${1:-}" = "--from-build" ]; then
    [ $# -ge 2 ] || { echo "run.sh: --from-build needs a directory" >&2; exit 2; }
    install_args=(--from-build "$2")
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/brm-consumer.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cc="${CC:-cc}"
spec="1-10x2,50,1-3"
fail() { echo "FAIL: $*" >&2; exit 1; }

check_output() { # <label> <output>
    local out="$2"
    grep -Eq '^brm [0-9]+\.[0-9]+\.[0-9]+ abi [0-9]+$' <<<"$out" || fail "$1: no version line in: $out"
    grep -qx 'frames 8: 1-9x2,10,50,2' <<<"$out" || fail "$1: expected 8 frames 1-9x2,10,50,2 in: $out"
    grep -qx 'first: 1 3 5 7 9 10 50 2' <<<"$out" || fail "$1: wrong frames in: $out"
    echo "ok: $1"
}

"$repo/scripts/install.sh" --prefix "$tmp/prefix" "${install_args[@]}"
p="$tmp/prefix"
for f in bin/brm include/brm.h lib/libbrm.so.0 lib/libbrm.so lib/libbrm.a lib/pkgconfig/brm.pc \
         lib/cmake/brm/brm-config.cmake lib/cmake/brm/brm-config-version.cmake; do
    [ -e "$p/$f" ] || fail "install is missing $f"
done
[ "$(readlink "$p/lib/libbrm.so")" = libbrm.so.0 ] || fail "lib/libbrm.so is not a symlink to libbrm.so.0"
"$p/bin/brm" --version >/dev/null || fail "installed bin/brm --version does not run"

# 1. CMake, shared and static.
cmake -S "$repo/tests/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$p" -DBRM_CONSUMER_STATIC=ON >/dev/null
cmake --build "$tmp/build" >/dev/null
check_output "cmake brm::brm" "$("$tmp/build/brm_consumer" "$spec")"
readelf -d "$tmp/build/brm_consumer" | grep -q 'NEEDED.*\[libbrm\.so\.0\]' || fail "consumer does not record NEEDED libbrm.so.0"
check_output "cmake brm::brm_static" "$("$tmp/build/brm_consumer_static" "$spec")"
if readelf -d "$tmp/build/brm_consumer_static" | grep -q 'libbrm'; then fail "static consumer still needs libbrm.so"; fi
# The version file: this version is accepted (EXACT too), one the install does not satisfy is refused.
version="$(sed -n 's/^version = "\([^"]*\)".*/\1/p' "$repo/Cargo.toml" | head -n 1)"
find_version() { # <version args> -> exit status of configuring a project asking for them
    mkdir -p "$tmp/ver"
    printf 'cmake_minimum_required(VERSION 3.16)\nproject(v LANGUAGES C)\nfind_package(brm %s CONFIG REQUIRED)\n' "$1" > "$tmp/ver/CMakeLists.txt"
    rm -rf "$tmp/ver/b"
    cmake -S "$tmp/ver" -B "$tmp/ver/b" -DCMAKE_PREFIX_PATH="$p" >/dev/null 2>&1
}
find_version "$version EXACT" || fail "find_package(brm $version EXACT) refused the install of $version"
if find_version "99.0"; then fail "find_package(brm 99.0) accepted brm $version"; fi
echo "ok: find_package(brm $version EXACT) accepted, find_package(brm 99.0) refused"

# 2. pkg-config, shared and static.
export PKG_CONFIG_PATH="$p/lib/pkgconfig"
pkg-config --exists brm || fail "pkg-config does not find brm in $PKG_CONFIG_PATH"
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic "$repo/tests/consumer/main.c" -o "$tmp/pc_consumer" \
    $(pkg-config --cflags --libs brm)
check_output "pkg-config shared" "$(LD_LIBRARY_PATH="$p/lib" "$tmp/pc_consumer" "$spec")"
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -pedantic "$repo/tests/consumer/main.c" -o "$tmp/pc_consumer_static" \
    $(pkg-config --cflags brm) "$p/lib/libbrm.a" $(pkg-config --libs --static brm | sed 's/-lbrm//')
check_output "pkg-config static" "$("$tmp/pc_consumer_static" "$spec")"

# 3. Relocated prefix.
mv "$p" "$tmp/moved"
export PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig"
[ "$(pkg-config --variable=libdir brm)" -ef "$tmp/moved/lib" ] || fail "brm.pc libdir does not follow the moved prefix"
cmake -S "$repo/tests/consumer" -B "$tmp/build2" -DCMAKE_PREFIX_PATH="$tmp/moved" >/dev/null
cmake --build "$tmp/build2" >/dev/null
check_output "relocated prefix" "$("$tmp/build2/brm_consumer" "$spec")"
echo "consumer tests passed"
