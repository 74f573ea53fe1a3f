//! `brm info` end to end: the real binary on this machine, and with the test stand-ins
//! (a fake `nvidia-smi` printing the real CSV format for two GPUs, fake Maya trees).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/detect")
}

/// `brm info` with the detection overrides cleared, so the developer's own env never leaks in.
fn brm_info() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_brm"));
    c.arg("info");
    for var in [
        "BRM_NVIDIA_SMI",
        "BRM_NO_NVML",
        "BRM_MAYA_ROOTS",
        "BRM_BLENDER",
        "MAYA_LOCATION",
    ] {
        c.env_remove(var);
    }
    c
}

fn json_of(mut c: Command) -> serde_json::Value {
    let out = c.arg("--json").output().expect("run brm info --json");
    assert!(
        out.status.success(),
        "brm info failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("brm info --json prints JSON")
}

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn info_json_on_this_machine() {
    let v = json_of(brm_info());
    assert_eq!(v["schema"], 1);
    assert_eq!(v["brm_version"], env!("CARGO_PKG_VERSION"));
    assert!(v["cpus"]["logical"].as_u64().unwrap() >= 1, "{v}");
    assert!(v["memory"]["total_bytes"].as_u64().unwrap() > 0, "{v}");
    let gpus = v["gpus"].as_array().unwrap();
    if gpus.is_empty() {
        // No NVIDIA driver here: none, and the reason says why.
        assert_eq!(v["gpu_source"], "none", "{v}");
        assert!(v["gpu_reason"].as_str().unwrap().contains("NVML"), "{v}");
    } else {
        assert!(
            v["gpu_source"] == "nvml" || v["gpu_source"] == "nvidia-smi",
            "{v}"
        );
    }
}

#[test]
fn no_driver_reports_zero_gpus_with_reason() {
    let bare = empty_dir();
    let mut c = brm_info();
    c.env("BRM_NO_NVML", "1")
        .env("PATH", bare.path())
        .env("BRM_MAYA_ROOTS", bare.path());
    let v = json_of(c);
    assert_eq!(v["gpus"].as_array().unwrap().len(), 0);
    assert_eq!(v["gpu_source"], "none");
    let reason = v["gpu_reason"].as_str().unwrap();
    assert!(
        reason.contains("no NVIDIA driver") && reason.contains("nvidia-smi not found on PATH"),
        "{reason}"
    );
    assert_eq!(v["maya"].as_array().unwrap().len(), 0);
    assert!(v["blender"].is_null());

    let mut c = brm_info();
    c.env("BRM_NO_NVML", "1")
        .env("PATH", bare.path())
        .env("BRM_MAYA_ROOTS", bare.path());
    let out = c.output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("none: no NVIDIA driver"), "{text}");
    assert!(text.contains("CPUs") && text.contains("Memory"), "{text}");
}

#[cfg(unix)]
#[test]
fn fake_nvidia_smi_and_maya_trees() {
    let f = fixtures();
    let bare = empty_dir();
    let mut c = brm_info();
    c.env("BRM_NO_NVML", "1")
        .env("BRM_NVIDIA_SMI", f.join("nvidia-smi"))
        .env("BRM_MAYA_ROOTS", f.join("roots"))
        .env("BRM_BLENDER", f.join("blender"))
        .env("PATH", bare.path());
    let v = json_of(c);
    assert_eq!(v["gpu_source"], "nvidia-smi", "{v}");
    assert!(
        v["gpu_reason"].as_str().unwrap().contains("NVML skipped"),
        "{v}"
    );
    let gpus = v["gpus"].as_array().unwrap();
    assert_eq!(gpus.len(), 2, "{v}");
    assert_eq!(gpus[0]["index"], 0);
    assert_eq!(gpus[0]["uuid"], "GPU-4f2c8a1e-9b7d-4c3e-a1f0-2b3c4d5e6f70");
    assert_eq!(gpus[0]["name"], "NVIDIA RTX A6000");
    assert_eq!(gpus[0]["pci_bus_id"], "00000000:01:00.0");
    assert_eq!(gpus[0]["memory_total_mib"], 49140);
    assert_eq!(gpus[0]["memory_free_mib"], 48500);
    assert_eq!(gpus[0]["utilization_percent"], 3);
    assert!(gpus[0]["mig_mode"].is_null());
    assert_eq!(gpus[1]["index"], 1);
    assert_eq!(gpus[1]["memory_free_mib"], 49000);

    let maya = v["maya"].as_array().unwrap();
    let versions: Vec<&str> = maya
        .iter()
        .map(|m| m["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["2025", "2023"],
        "2019 is ignored, newest first: {v}"
    );
    let roots = std::fs::canonicalize(f.join("roots")).unwrap();
    assert_eq!(maya[1]["root"], roots.join("maya2023").to_str().unwrap());
    assert_eq!(
        maya[1]["render"],
        roots.join("maya2023/bin/Render").to_str().unwrap()
    );
    assert_eq!(
        maya[1]["mayapy"],
        roots.join("maya2023/bin/mayapy").to_str().unwrap()
    );
    assert_eq!(
        maya[1]["maya"],
        roots.join("maya2023/bin/maya").to_str().unwrap()
    );
    assert_eq!(maya[1]["source"], "BRM_MAYA_ROOTS");
    assert_eq!(
        maya[0]["mayapy"],
        roots
            .join("maya2025/Maya.app/Contents/bin/mayapy")
            .to_str()
            .unwrap()
    );

    assert_eq!(v["blender"]["version"], "3.4.1");
    assert_eq!(v["blender"]["path"], f.join("blender").to_str().unwrap());

    // The table shows the same.
    let mut c = brm_info();
    c.env("BRM_NO_NVML", "1")
        .env("BRM_NVIDIA_SMI", f.join("nvidia-smi"))
        .env("BRM_MAYA_ROOTS", f.join("roots"))
        .env("BRM_BLENDER", f.join("blender"))
        .env("PATH", bare.path());
    let out = c.output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("GPU-7d1e0b2a-5c4f-4e2d-9a8b-1c2d3e4f5a6b"),
        "{text}"
    );
    assert!(text.contains("Maya 2023 at"), "{text}");
    assert!(text.contains("Maya 2025 at"), "{text}");
    assert!(!text.contains("2019"), "{text}");
    assert!(text.contains("3.4.1"), "{text}");
}
