# Sourced by brm's build scripts: the Python tools they need (pdoc, ziglang, cargo-zigbuild)
# go into one virtualenv under build/, never into whatever python3 is first on PATH.
#   tool_venv PACKAGE...   make build/venv-tools (once), pip-install what is missing there,
#                          and put its bin/ first on PATH; TOOL_PY is its python.
tool_venv() {
  local root venv
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  venv="$root/build/venv-tools"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || {
      rm -rf "$venv"
      echo "error: python3 -m venv failed: install python3-venv (apt-get install python3-venv)" >&2
      return 1
    }
  fi
  TOOL_PY="$venv/bin/python"
  local missing=() p
  for p in "$@"; do
    "$TOOL_PY" -m pip show -q "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    "$TOOL_PY" -m pip install -q --disable-pip-version-check "${missing[@]}" \
      || { echo "error: cannot install ${missing[*]} from PyPI into $venv" >&2; return 1; }
  fi
  PATH="$venv/bin:$PATH"
  export PATH TOOL_PY
}
