#!/usr/bin/env bash
# Check that ELF files load on glibc 2.28 (Rocky/RHEL/Alma 8, the oldest Linux Maya 2024+
# supports): no symbol version above GLIBC_2.28 (objdump -T), and no unversioned undefined
# symbol, which the loader would bind to whatever the host has, or fail on at load time.
#
# Usage: scripts/check-glibc.sh [--max 2.28] FILE...
#
# Allowed: *weak* unversioned references that Rust's standard library probes at run time and
# null-checks before use (std's `weak!`/`syscall!` for functions newer than its glibc 2.17
# floor: pidfd_spawnp, posix_spawn_file_actions_addchdir(_np), pidfd_getpid, gettid). On a
# glibc without them they resolve to NULL and std takes its fallback path.
set -euo pipefail
max=2.28
die() { echo "check-glibc.sh: $*" >&2; exit 1; }
if [ "${1:-}" = "--max" ]; then max="$2"; shift 2; fi
[ $# -gt 0 ] || die "usage: scripts/check-glibc.sh [--max 2.28] FILE..."
command -v objdump >/dev/null || die "objdump is missing: install binutils (apt-get install binutils)"
allowed_weak=" gettid pidfd_spawnp pidfd_getpid posix_spawn_file_actions_addchdir posix_spawn_file_actions_addchdir_np "
fail=0
for f in "$@"; do
    ffail=0
    [ -f "$f" ] || die "$f: no such file"
    dyn="$(objdump -T "$f" 2>&1)" || die "$f: objdump -T failed: $dyn"
    highest="$( (grep -o 'GLIBC_[0-9][0-9.]*' <<<"$dyn" || true) | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
    if [ -z "$highest" ]; then
        echo "$f: no GLIBC_ symbol version at all (every glibc symbol unversioned, or not linked against glibc)" >&2
        ffail=1; fail=1
    elif [ "$(printf '%s\n%s\n' "$highest" "$max" | sort -V | tail -n 1)" != "$max" ]; then
        echo "$f: needs GLIBC_$highest (> $max) for:" >&2
        grep -E "GLIBC_($(printf '%s' "$highest" | sed 's/\./\\./g'))([^0-9.]|$)" <<<"$dyn" | awk '{print "    " $NF}' >&2
        ffail=1; fail=1
    fi
    # Undefined entries without a version token: "<addr> <flags> *UND* <size> <name>".
    unversioned="$(awk '/\*UND\*/ {
            versioned = 0
            for (i = 1; i <= NF; i++) if ($i ~ /^\(?[A-Za-z_]+_[0-9][0-9.]*\)?$/) versioned = 1
            if (!versioned) print ($2 == "w" ? "weak" : "strong"), $NF
        }' <<<"$dyn")"
    while read -r kind name; do
        [ -n "${kind:-}" ] || continue
        if [ "$kind" = weak ] && [[ "$allowed_weak" == *" $name "* ]]; then
            continue
        fi
        echo "$f: unversioned undefined $kind symbol '$name' (link with -z defs against the glibc $max sysroot)" >&2
        ffail=1; fail=1
    done <<<"$unversioned"
    [ "$ffail" = 1 ] || echo "$f: highest GLIBC_$highest (<= $max), no unversioned undefined symbol"
done
exit "$fail"
