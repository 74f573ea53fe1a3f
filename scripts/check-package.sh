#!/usr/bin/env bash
# Check a release tarball the way a studio would use it: unpack it elsewhere, check its layout,
# its checksums, that bin/brm is a stripped release build, that brm and libbrm.so need at most
# GLIBC_2.28 (scripts/check-glibc.sh), that brm.mod names a plug-in folder per entry, that the
# packaged brm runs (`brm info`, `brm frames`) and that pkg-config finds the library.
#
# Usage: scripts/check-package.sh dist/brm-<version>-linux-x86_64.tar.gz
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "check-package.sh: FAIL: $*" >&2; exit 1; }
[ $# -eq 1 ] && [ -f "$1" ] || die "usage: scripts/check-package.sh TARBALL"
tarball="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
name="$(basename "$tarball" .tar.gz)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$tarball"
root="$work/$name"
[ -d "$root" ] || die "$tarball does not unpack to $name/"

for f in VERSION SHA256SUMS bin/brm include/brm.h lib/libbrm.so.0 lib/libbrm.a \
         lib/pkgconfig/brm.pc lib/cmake/brm/brm-config.cmake lib/cmake/brm/brm-config-version.cmake \
         share/brm/scripts/brm_render_custom.py maya/brm.mod maya/bin/brm \
         maya/scripts/brm_render_custom.py maya/scripts/brm_render_basic.py \
         maya/scripts/blender/brm_blender_setup.py maya/scripts/blender/brm_blender_session.py; do
    [ -e "$root/$f" ] || die "$name/$f is missing"
done
[ -f "$root/maya/icons/brm.png" ] || die "$name/maya/icons/brm.png (the shelf icon) is missing"
[ "$(readlink "$root/lib/libbrm.so")" = libbrm.so.0 ] || die "lib/libbrm.so must link to libbrm.so.0"
echo "layout: ok"

(cd "$root" && sha256sum --quiet -c SHA256SUMS) || die "SHA256SUMS does not match the files"
n="$(wc -l < "$root/SHA256SUMS")"
m="$(cd "$root" && find . -type f ! -name SHA256SUMS | wc -l)"
[ "$n" = "$m" ] || die "SHA256SUMS lists $n files, the package has $m"
echo "checksums: ok ($n files)"

for b in bin/brm maya/bin/brm lib/libbrm.so.0; do
    if readelf -S "$root/$b" | grep -qE '\.symtab|\.debug_info'; then
        die "$b is not stripped (it has .symtab or .debug_info)"
    fi
    readelf --string-dump=.gnu_debuglink "$root/$b" 2>/dev/null | grep -q '\.debug' \
        || die "$b has no .gnu_debuglink to its separate debug file"
done
cmp -s "$root/bin/brm" "$root/maya/bin/brm" || die "bin/brm and maya/bin/brm differ"
readelf -d "$root/lib/libbrm.so.0" | grep -q 'SONAME.*libbrm.so.0' || die "libbrm.so.0 has no SONAME libbrm.so.0"
echo "stripped release build with debuglink: ok"

bash "$repo/scripts/check-glibc.sh" "$root/bin/brm" "$root/lib/libbrm.so.0"

entries="$(grep -c '^+ MAYAVERSION:' "$root/maya/brm.mod" || true)"
[ "$entries" -ge 1 ] || die "maya/brm.mod has no '+ MAYAVERSION:' entry"
while read -r plus mv plat modname modver path; do
    [ "$plus" = "+" ] || continue
    [ "$plat" = "PLATFORM:linux" ] && [ "$modname" = brm ] && [ "$path" = "." ] \
        || die "bad brm.mod entry: $plus $mv $plat $modname $modver $path"
    grep -q "^brm $modver\$" "$root/VERSION" || die "brm.mod version $modver is not the package's"
done < "$root/maya/brm.mod"
for d in $(sed -n 's/^plug-ins: //p' "$root/maya/brm.mod"); do
    [ -f "$root/maya/$d/brm.so" ] || die "brm.mod names $d but maya/$d/brm.so is missing"
done
echo "maya module: ok ($entries entries)"

out="$(env -u BRM_HOME "$root/bin/brm" --version)" || die "the packaged brm does not run"
grep -q "$(sed -n '1s/^brm //p' "$root/VERSION")" <<<"$out" || die "brm --version '$out' does not match VERSION"
BRM_HOME="$work/home" BRM_NO_NVML=1 "$root/bin/brm" info --json >/dev/null || die "the packaged brm info failed"
[ "$("$root/bin/brm" frames 1-100x5 --compact)" = "1-96x5,100" ] || die "the packaged brm frames gives a wrong answer"
echo "packaged brm runs: ok ($out)"

if command -v pkg-config >/dev/null; then
    flags="$(PKG_CONFIG_PATH="$root/lib/pkgconfig" pkg-config --cflags --libs brm)" || die "pkg-config brm failed"
    grep -q -- "-lbrm" <<<"$flags" && grep -q -- "-I" <<<"$flags" || die "pkg-config brm gives no -I/-lbrm: $flags"
    echo "pkg-config: ok ($flags)"
fi
echo "package $name: all checks passed"
