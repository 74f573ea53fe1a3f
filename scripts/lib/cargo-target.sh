# Sourced by brm's scripts: where cargo puts this checkout's builds. Asks cargo itself
# (`cargo metadata`), so CARGO_TARGET_DIR, `build.target-dir` in a .cargo/config.toml and
# a workspace's own setting are all honoured; never assumes ./target.
#   cargo_target_dir          print the folder (fails loudly when cargo cannot say)
#   cargo_bin PROFILE NAME    print <target>/<PROFILE>/<NAME>, checking it exists
cargo_target_dir() {
  local root meta
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  meta="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" 2>/dev/null)" \
    || { echo "error: cargo metadata failed in $root: is cargo installed (https://rustup.rs)?" >&2; return 1; }
  printf '%s' "$meta" | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])'
}

cargo_bin() {
  local dir
  dir="$(cargo_target_dir)" || return 1
  [ -x "$dir/$1/$2" ] || { echo "error: $dir/$1/$2 was not built (cargo build --profile $1 --bin $2; target folder from cargo metadata)" >&2; return 1; }
  printf '%s\n' "$dir/$1/$2"
}
