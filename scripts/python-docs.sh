#!/usr/bin/env bash
# Generate the reference of the `brm` Python package (python/brm) from its docstrings with
# pdoc (PyPI), into build/python-docs/ (open build/python-docs/brm.html).
# Usage: scripts/python-docs.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/python-docs}"
# pdoc lives in build/venv-tools (scripts/lib/tool-venv.sh), not in the system's Python.
. scripts/lib/tool-venv.sh
tool_venv pdoc || { echo "python-docs.sh: cannot set up pdoc" >&2; exit 1; }
# Importing brm never loads libbrm, so no build is needed to document it.
PYTHONPATH=python "$TOOL_PY" -m pdoc --docformat restructuredtext -o "$out" brm
[ -s "$out/brm.html" ] || { echo "python-docs.sh: pdoc wrote no $out/brm.html" >&2; exit 1; }
echo "Python reference: $out/brm.html"
