#!/usr/bin/env bash
# Generate the reference of the `brm` Python package (python/brm) from its docstrings with
# pdoc (PyPI), into build/python-docs/ (open build/python-docs/brm.html).
# Usage: scripts/python-docs.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/python-docs}"
python3 -c 'import pdoc' 2>/dev/null || python3 -m pip install -q pdoc 2>/dev/null \
  || python3 -m pip install -q --break-system-packages pdoc \
  || { echo "python-docs.sh: pdoc is missing and pip could not install it" >&2; exit 1; }
# Importing brm never loads libbrm, so no build is needed to document it.
PYTHONPATH=python python3 -m pdoc --docformat restructuredtext -o "$out" brm
[ -s "$out/brm.html" ] || { echo "python-docs.sh: pdoc wrote no $out/brm.html" >&2; exit 1; }
echo "Python reference: $out/brm.html"
