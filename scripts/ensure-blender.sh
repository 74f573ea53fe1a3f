#!/usr/bin/env bash
# Make sure a `blender` executable is on PATH (Debian/Ubuntu: the distribution package).
#
# Why: the Blender example scene (examples/shot.blend) and the start-up amortization benchmark
# need a real Blender; Maya is not available on our machines, Blender is the real renderer we
# can drive end to end. Idempotent: does nothing when blender is already installed; runs
# `apt-get update` at most once per call, non-interactively; fails loudly (non-zero exit and
# a message saying what to do) when it cannot install.
set -euo pipefail

if command -v blender >/dev/null 2>&1; then
    echo "ensure-blender: found $(command -v blender)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-blender: error: blender is not on PATH and apt-get is not available;" \
         "install Blender (https://www.blender.org/download/) and put it on PATH" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-blender: error: need root (or sudo) to apt-get install blender" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-blender: installing blender with apt-get"
if ! $SUDO apt-get update -q; then
    echo "ensure-blender: error: apt-get update failed; check the network/apt sources" >&2
    exit 1
fi
if ! $SUDO apt-get install -y -q --no-install-recommends blender; then
    echo "ensure-blender: error: apt-get install blender failed; see the apt output above" >&2
    exit 1
fi

if ! command -v blender >/dev/null 2>&1; then
    echo "ensure-blender: error: blender installed but not on PATH" >&2
    exit 1
fi
echo "ensure-blender: installed $(command -v blender)"
