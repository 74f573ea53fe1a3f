//! GPU detection: NVML first (in-process, fast, exact), `nvidia-smi` second, else none with
//! the reason.
//!
//! NVML is loaded at run time by nvml-wrapper (dlopen), so libbrm loads on machines without an
//! NVIDIA driver; a failed load or init is a reason, never an error.

use std::path::PathBuf;

use nvml_wrapper::error::NvmlError;
use nvml_wrapper::Nvml;

use super::{nvidia_smi, which, DetectOptions, GpuInfo};

/// A GPU list with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuDetection {
    pub gpus: Vec<GpuInfo>,
    /// "nvml", "nvidia-smi" or "none".
    pub source: String,
    /// Why there are no GPUs, or why NVML was not used.
    pub reason: Option<String>,
}

/// Read the GPUs now (live memory and utilization).
pub fn detect_gpus(opts: &DetectOptions) -> GpuDetection {
    let nvml_reason = if opts.skip_nvml {
        "NVML skipped (BRM_NO_NVML=1)".to_string()
    } else {
        match nvml_gpus() {
            Ok(gpus) => {
                let reason = gpus
                    .is_empty()
                    .then(|| "the NVIDIA driver reports no GPUs".to_string());
                return GpuDetection {
                    gpus,
                    source: "nvml".into(),
                    reason,
                };
            }
            Err(why) => why,
        }
    };
    let (program, where_) = match &opts.nvidia_smi {
        Some(p) => (Some(p.clone()), format!("{} (BRM_NVIDIA_SMI)", p.display())),
        None => (
            which::find_on_path("nvidia-smi", opts.path_var().as_deref()),
            "nvidia-smi not found on PATH".to_string(),
        ),
    };
    let Some(program) = program else {
        return none(format!("no NVIDIA driver: {nvml_reason} and {where_}"));
    };
    match nvidia_smi::query(&program, opts.timeout()) {
        Ok(gpus) => {
            let reason = if gpus.is_empty() {
                format!("nvidia-smi reports no GPUs ({nvml_reason})")
            } else {
                format!("{nvml_reason}; used {}", program.display())
            };
            GpuDetection {
                gpus,
                source: "nvidia-smi".into(),
                reason: Some(reason),
            }
        }
        Err(e) => none(format!("no usable NVIDIA driver: {nvml_reason} and {e}")),
    }
}

fn none(reason: String) -> GpuDetection {
    GpuDetection {
        gpus: Vec::new(),
        source: "none".into(),
        reason: Some(reason),
    }
}

/// Library names to try: distributions often ship only the versioned `.so.1` (the unversioned
/// name comes with development packages), which nvml-wrapper's default does not try.
fn nvml_library_names() -> Vec<PathBuf> {
    if cfg!(target_os = "linux") {
        vec!["libnvidia-ml.so.1".into(), "libnvidia-ml.so".into()]
    } else if cfg!(windows) {
        vec!["nvml.dll".into()]
    } else {
        Vec::new()
    }
}

fn describe(e: &NvmlError) -> String {
    match e {
        NvmlError::LibloadingError(inner) => inner.to_string(),
        NvmlError::DriverNotLoaded => "the NVIDIA kernel driver is not loaded".into(),
        NvmlError::NoPermission => "no permission to talk to the NVIDIA driver".into(),
        other => other.to_string(),
    }
}

fn init_nvml() -> Result<Nvml, String> {
    let names = nvml_library_names();
    if names.is_empty() {
        return Err("NVML not available on this OS".into());
    }
    let mut errors = Vec::new();
    for name in &names {
        match Nvml::builder().lib_path(name.as_os_str()).init() {
            Ok(nvml) => return Ok(nvml),
            Err(e @ NvmlError::LibloadingError(_)) => errors.push(describe(&e)),
            Err(e) => errors.push(format!("{}: {}", name.display(), describe(&e))),
        }
    }
    Err(format!("NVML not loadable ({})", errors.join("; ")))
}

fn nvml_gpus() -> Result<Vec<GpuInfo>, String> {
    let nvml = init_nvml()?;
    let count = nvml
        .device_count()
        .map_err(|e| format!("NVML device count failed ({})", describe(&e)))?;
    let mut gpus = Vec::with_capacity(count as usize);
    for i in 0..count {
        let dev = nvml
            .device_by_index(i)
            .map_err(|e| format!("NVML could not open GPU {i} ({})", describe(&e)))?;
        let mem = dev.memory_info().ok();
        gpus.push(GpuInfo {
            index: i,
            uuid: dev.uuid().unwrap_or_default(),
            name: dev.name().unwrap_or_default(),
            pci_bus_id: dev.pci_info().map(|p| p.bus_id).unwrap_or_default(),
            memory_total_mib: mem.as_ref().map(|m| m.total >> 20).unwrap_or(0),
            memory_free_mib: mem.as_ref().map(|m| m.free >> 20).unwrap_or(0),
            utilization_percent: dev.utilization_rates().ok().map(|u| u.gpu.min(100)),
            mig_mode: dev.mig_mode().ok().map(|m| m.current != 0),
        });
    }
    Ok(gpus)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn no_nvml_and_no_nvidia_smi_gives_reason() {
        let opts = DetectOptions {
            skip_nvml: true,
            path: Some(OsString::new()),
            ..Default::default()
        };
        let d = detect_gpus(&opts);
        assert!(d.gpus.is_empty());
        assert_eq!(d.source, "none");
        let reason = d.reason.unwrap();
        assert!(
            reason.contains("NVML skipped") && reason.contains("nvidia-smi not found on PATH"),
            "{reason}"
        );
    }

    #[test]
    fn nvml_failure_never_panics_and_falls_back() {
        // On this machine there may or may not be a driver; either way we get a consistent answer.
        let opts = DetectOptions {
            path: Some(OsString::new()),
            ..Default::default()
        };
        let d = detect_gpus(&opts);
        match d.source.as_str() {
            "nvml" => {}
            "none" => assert!(d.reason.unwrap().contains("NVML"), "reason names NVML"),
            other => panic!("unexpected source {other}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn failing_nvidia_smi_reports_its_message() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let smi = dir.path().join("nvidia-smi");
        std::fs::write(&smi, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n").unwrap();
        std::fs::set_permissions(&smi, std::fs::Permissions::from_mode(0o755)).unwrap();
        let opts = DetectOptions {
            skip_nvml: true,
            nvidia_smi: Some(smi),
            ..Default::default()
        };
        let d = detect_gpus(&opts);
        assert_eq!(d.source, "none");
        let reason = d.reason.unwrap();
        assert!(reason.contains("couldn't communicate"), "{reason}");
    }
}
