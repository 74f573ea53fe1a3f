//! The scripts and build files find brm's binaries where cargo put them (issue 22.1): they
//! ask cargo (`cargo metadata`), so a studio's `CARGO_TARGET_DIR` (or `.cargo/config.toml`)
//! works, and none of them hard-codes `./target`.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every script and build file that runs or bundles brm's binaries.
fn build_files() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("scripts"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    for f in [
        "python/setup.py",
        "maya_plugin/CMakeLists.txt",
        "tests/c/CMakeLists.txt",
        "tests/python_api/conftest.py",
        "tests/window/conftest.py",
    ] {
        v.push(Path::new(ROOT).join(f));
    }
    v
}

#[test]
fn no_script_or_build_file_assumes_cargo_builds_into_target() {
    let mut bad = Vec::new();
    for f in build_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with('#') || code.starts_with("//") {
                continue;
            }
            // (`$target/release` is a target triple's folder inside a target folder.)
            let code = code.replace("$target/", "$TRIPLE/");
            let hard = [
                "target/release",
                "target/debug",
                "\"target\", \"debug\"",
                "/target\"",
            ]
            .iter()
            .any(|p| code.contains(p))
                || code.contains("$PWD/target")
                || code.contains("{BRM_REPO_ROOT}/target/");
            if hard {
                bad.push(format!("{}:{}: {line}", f.display(), i + 1));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "binaries looked for in ./target:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_shell_helper_and_the_cmake_module_follow_cargo_target_dir() {
    let elsewhere = tempfile::tempdir().unwrap();
    let want = elsewhere.path().join("cargo-out");
    let o = Command::new("bash")
        .arg("-c")
        .arg(". scripts/lib/cargo-target.sh && cargo_target_dir")
        .current_dir(ROOT)
        .env("CARGO_TARGET_DIR", &want)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        want.to_str().unwrap()
    );
    // A missing binary is an error naming where it looked.
    let o = Command::new("bash")
        .arg("-c")
        .arg(". scripts/lib/cargo-target.sh && cargo_bin release brm")
        .current_dir(ROOT)
        .env("CARGO_TARGET_DIR", &want)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}/release/brm was not built", want.display())),
        "{err}"
    );
    // The CMake module (maya_plugin and tests/c include it).
    let script = elsewhere.path().join("probe.cmake");
    std::fs::write(
        &script,
        format!(
            "list(APPEND CMAKE_MODULE_PATH \"{ROOT}/cmake\")\ninclude(BrmCargoTarget)\n\
             brm_cargo_target_dir(d \"{ROOT}\")\nmessage(STATUS \"target=${{d}}\")\n"
        ),
    )
    .unwrap();
    let o = Command::new("cmake")
        .arg("-P")
        .arg(&script)
        .env("CARGO_TARGET_DIR", &want)
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{out}");
    assert!(out.contains(&format!("target={}", want.display())), "{out}");
}
