//! Drift check for the committed C header `include/brm.h`.
//!
//! The header is what C/C++ consumers (the Maya plugin, studio tools) compile against, so it
//! is committed and reviewed like code. This test regenerates it with the pinned cbindgen
//! library (the same configuration, `cbindgen.toml`) and fails when the committed file
//! differs, so a change to `src/ffi/` can never ship with a stale header.
//!
//! Regenerate with `scripts/gen-header.sh` (which runs this test with `BRM_UPDATE_HEADER=1`).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Generate the header text from `src/ffi/` with `cbindgen.toml`.
///
/// Parsing starts at `src/ffi/mod.rs` (cbindgen follows its `mod` declarations into
/// `src/ffi/*.rs`) rather than at the crate root: only the ABI layer is parsed, so the
/// engine's own `pub const`s and types can never leak into the C header.
fn generate() -> String {
    let root = root();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cannot read cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen failed to generate include/brm.h from src/ffi/: {e}"));
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap_or_else(|e| panic!("cbindgen wrote non-UTF-8 output: {e}"))
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  committed: {la}\n  generated: {lb}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other (committed {} lines, generated {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn header_matches_the_ffi_source() {
    let generated = generate();
    let path = root().join("include/brm.h");
    if std::env::var_os("BRM_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run scripts/gen-header.sh to create it",
            path.display()
        )
    });
    if committed != generated {
        panic!(
            "include/brm.h is out of date with src/ffi/ (first difference at {}).\n\
             Run scripts/gen-header.sh (or BRM_UPDATE_HEADER=1 cargo test --test header) \
             and commit include/brm.h.",
            first_difference(&committed, &generated)
        );
    }
}

/// The header text without `/* */` and `//` comments (doc comments mention other names).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        let block_first = match (block, line) {
            (None, None) => {
                out.push_str(rest);
                return out;
            }
            (Some(b), Some(l)) => b < l,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        };
        if block_first {
            let b = block.unwrap_or(0);
            out.push_str(&rest[..b]);
            match rest[b..].find("*/") {
                Some(e) => rest = &rest[b + e + 2..],
                None => return out,
            }
        } else {
            let l = line.unwrap_or(0);
            out.push_str(&rest[..l]);
            match rest[l..].find('\n') {
                Some(e) => rest = &rest[l + e..],
                None => return out,
            }
        }
    }
}

/// Every name the header declares is in the library's namespace (`brm_` / `BRM_`), so it
/// cannot collide with a host application's symbols or macros.
#[test]
fn header_declares_only_prefixed_names() {
    let text = generate();
    let code = strip_comments(&text);
    let mut bad = Vec::new();
    for line in code.lines() {
        let l = line.trim_start();
        let name = if let Some(rest) = l.strip_prefix("#define ") {
            rest.split_whitespace().next()
        } else if let Some(rest) = l.strip_prefix("typedef ") {
            rest.trim_end_matches(';').split_whitespace().last()
        } else if l.starts_with("enum ") || l.starts_with("struct ") {
            l.split_whitespace().nth(1)
        } else if l.contains('(') && (l.ends_with(");") || l.ends_with(',')) {
            // A function declaration: the identifier right before '('.
            l.split('(')
                .next()
                .and_then(|head| head.split_whitespace().last())
                .map(|n| n.trim_start_matches('*'))
        } else {
            None
        };
        if let Some(name) = name {
            let name = name.trim_end_matches([';', '{']);
            if name == "BRM_H" || name.is_empty() {
                continue;
            }
            if !(name.starts_with("brm_") || name.starts_with("BRM_")) {
                bad.push(line.to_string());
            }
        }
    }
    assert!(
        bad.is_empty(),
        "include/brm.h declares names without the brm_/BRM_ prefix:\n{}",
        bad.join("\n")
    );
    assert!(
        text.contains("#define BRM_ABI_VERSION "),
        "BRM_ABI_VERSION must be a #define in brm.h"
    );
    assert!(
        text.contains("typedef uint32_t brm_result;"),
        "brm_result must be a uint32_t typedef"
    );
}

/// Every `pub struct brm_*` / `pub enum brm_*` in src/ffi/ reaches the header. cbindgen only
/// emits types reachable from a function signature, so a type used only as a value (like
/// `brm_job_state`) must be listed in `[export] include` in cbindgen.toml.
#[test]
fn header_declares_every_ffi_type() {
    let text = generate();
    let dir = root().join("src/ffi");
    let mut missing = Vec::new();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        for line in src.lines() {
            let l = line.trim_start();
            let Some(rest) = l
                .strip_prefix("pub struct ")
                .or_else(|| l.strip_prefix("pub enum "))
            else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name.starts_with("brm_") && !text.contains(&format!(" {name};")) {
                missing.push(format!("{name} ({})", path.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "types in src/ffi/ missing from include/brm.h (add them to [export] include in cbindgen.toml):\n{}",
        missing.join("\n")
    );
}

/// The shared library carries the link settings from build.rs: SONAME `libbrm.so.0` (consumers
/// bind to the ABI major) and `-z nodelete` (unloading a Maya plugin never unmaps brm's code).
#[cfg(target_os = "linux")]
#[test]
fn shared_library_has_soname_and_nodelete() {
    // Integration tests are built after the library's cdylib in the same profile directory.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir: &Path = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/..");
    let lib = profile_dir.join("libbrm.so");
    assert!(
        lib.exists(),
        "{} not found; build the library first (cargo build --lib)",
        lib.display()
    );
    let out = std::process::Command::new("readelf")
        .arg("-d")
        .arg(&lib)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run readelf (binutils) to check {}: {e}",
            lib.display()
        ),
    };
    assert!(
        out.status.success(),
        "readelf -d {} failed: {}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Library soname: [libbrm.so.0]"),
        "SONAME libbrm.so.0 missing:\n{text}"
    );
    assert!(
        text.contains("NODELETE"),
        "-z nodelete (FLAGS_1 NODELETE) missing:\n{text}"
    );
}
