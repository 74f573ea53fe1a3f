//! System detection: GPUs (NVML, else `nvidia-smi`), CPUs, memory, Maya and Blender installs.
//!
//! Detection never fails as a whole: every part that cannot be found is reported as absent
//! with the reason (a workstation without an NVIDIA driver still renders on CPU, a machine
//! without Maya still renders `.blend` files). The report is what `brm info`, the plan
//! (GPU slots, executables) and the C ABI (`brm_detect_json`) all read.
//!
//! Everything that touches the outside world is overridable through [`DetectOptions`] so tests
//! can point detection at fake trees and a fake `nvidia-smi` (`BRM_NVIDIA_SMI`, `BRM_NO_NVML`,
//! `BRM_MAYA_ROOTS`, `BRM_BLENDER`).

mod blender;
pub use blender::{blend_frame_range, find_blender};
pub(crate) mod exec;
mod gpu;
mod host;
mod maya;
pub mod nvidia_smi;
mod which;

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, Kind};

pub use gpu::{detect_gpus, GpuDetection};

/// Version of the [`SystemReport`] JSON layout (`"schema"`); bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// How long an external query (`nvidia-smi`, `blender --version`) may take before it is
/// abandoned. A hung driver or a Blender stuck on a dialog must not hang `brm info`.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of this module. Detection itself reports missing parts in the report rather than
/// failing; these are the failures of the helpers (running an external query).
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// An external query could not be started.
    #[error("could not run {program}: {source}; check that it exists and is executable")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// An external query ran past its time limit and was killed.
    #[error("{program} did not finish within {seconds:.1} s and was stopped; the driver or tool may be hung")]
    Timeout { program: String, seconds: f64 },
    /// An external query exited with a failure.
    #[error("{program} failed ({status}): {message}")]
    Failed {
        program: String,
        status: String,
        message: String,
    },
    /// An external query printed something brm cannot read.
    #[error("could not read the output of {program}: {message}")]
    Parse { program: String, message: String },
}

impl Kind for DetectError {
    fn kind(&self) -> ErrorKind {
        match self {
            DetectError::Spawn { .. } => ErrorKind::NotFound,
            DetectError::Timeout { .. } => ErrorKind::Timeout,
            DetectError::Failed { .. } => ErrorKind::Unavailable,
            DetectError::Parse { .. } => ErrorKind::Protocol,
        }
    }
}

impl crate::error::ModuleError for DetectError {}

/// Where detection looks. `None` fields mean "the normal place" (documented per field), so
/// `DetectOptions::default()` detects the real machine ignoring the `BRM_*` test overrides,
/// and [`DetectOptions::from_env`] honours them.
#[derive(Clone, Debug, Default)]
pub struct DetectOptions {
    /// The `nvidia-smi` to run (env `BRM_NVIDIA_SMI`); default `nvidia-smi` on `path`.
    pub nvidia_smi: Option<PathBuf>,
    /// Do not try NVML (env `BRM_NO_NVML=1`), so tests exercise the `nvidia-smi` path.
    pub skip_nvml: bool,
    /// Folders holding `mayaYYYY` installs (env `BRM_MAYA_ROOTS`, an OS path list); default
    /// `/usr/autodesk`, `C:\Program Files\Autodesk` or `/Applications/Autodesk`.
    pub maya_roots: Option<Vec<PathBuf>>,
    /// The PATH used to find `Render`, `mayapy`, `maya`, `blender`, `nvidia-smi`; default
    /// the process's `PATH`.
    pub path: Option<OsString>,
    /// A Maya install root to report first (like `MAYA_LOCATION`); default env `MAYA_LOCATION`.
    pub maya_location: Option<PathBuf>,
    /// The Blender executable (env `BRM_BLENDER`); default `blender` on `path`, then the
    /// usual install folders.
    pub blender: Option<PathBuf>,
    /// Time limit of each external query; default [`DEFAULT_COMMAND_TIMEOUT`].
    pub command_timeout: Option<Duration>,
}

impl DetectOptions {
    /// Options with the `BRM_*` overrides of the environment applied (what the CLI, the agent
    /// and the C ABI use).
    pub fn from_env() -> Self {
        use crate::config::{self, Env};
        DetectOptions {
            nvidia_smi: config::nvidia_smi(),
            skip_nvml: config::no_nvml(),
            maya_roots: config::maya_roots(Env::Process),
            path: None,
            maya_location: None,
            blender: config::blender(Env::Process),
            command_timeout: None,
        }
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.command_timeout.unwrap_or(DEFAULT_COMMAND_TIMEOUT)
    }

    pub(crate) fn path_var(&self) -> Option<OsString> {
        self.path.clone().or_else(|| std::env::var_os("PATH"))
    }
}

/// Everything brm knows about this machine. Serialized as the `brm info --json` /
/// `brm_detect_json` document (`"schema": 1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemReport {
    pub schema: u32,
    pub brm_version: String,
    /// Human-readable OS name and version, e.g. "Linux 22.04 Ubuntu".
    pub os: String,
    pub hostname: String,
    pub cpus: CpuInfo,
    pub memory: MemoryInfo,
    /// GPUs in PCI-bus order as the driver numbers them (the index `CUDA_DEVICE_ORDER=PCI_BUS_ID` uses).
    pub gpus: Vec<GpuInfo>,
    /// Where the GPU list came from: "nvml", "nvidia-smi" or "none".
    pub gpu_source: String,
    /// Why there are no GPUs, or why NVML was not used.
    pub gpu_reason: Option<String>,
    /// Maya 2022+ installs; the `MAYA_LOCATION` one first, then newest first.
    pub maya: Vec<MayaInstall>,
    pub blender: Option<BlenderInstall>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuInfo {
    /// Logical CPUs (hardware threads).
    pub logical: u32,
    /// Physical cores, when the OS says.
    pub physical: Option<u32>,
    /// CPU model, e.g. "AMD Ryzen Threadripper PRO 5975WX 32-Cores"; empty when unknown.
    pub brand: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryInfo {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GpuInfo {
    /// The driver's index (PCI-bus order).
    pub index: u32,
    /// "GPU-…" UUID: what brm pins with (`CUDA_VISIBLE_DEVICES=<uuid>`), stable across reboots.
    pub uuid: String,
    pub name: String,
    /// e.g. "00000000:01:00.0".
    pub pci_bus_id: String,
    pub memory_total_mib: u64,
    pub memory_free_mib: u64,
    /// Recent GPU busy percentage; None when the driver does not say.
    pub utilization_percent: Option<u32>,
    /// MIG mode; None when the card does not support MIG.
    pub mig_mode: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MayaInstall {
    /// The Maya release year, e.g. "2024"; "unknown" when the folder name does not say
    /// (a `MAYA_LOCATION` or PATH install in a custom folder).
    pub version: String,
    /// The install root, e.g. `/usr/autodesk/maya2024` (canonical).
    pub root: PathBuf,
    pub render: Option<PathBuf>,
    pub mayapy: Option<PathBuf>,
    pub maya: Option<PathBuf>,
    /// How it was found: "default-root", "BRM_MAYA_ROOTS", "MAYA_LOCATION" or "PATH".
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlenderInstall {
    pub path: PathBuf,
    /// e.g. "4.2.1"; None when `blender --version` failed or timed out.
    pub version: Option<String>,
}

/// Detect the machine. Never fails: missing parts are absent with a reason.
pub fn detect(opts: &DetectOptions) -> SystemReport {
    let host = host::detect_host();
    let gpus = detect_gpus(opts);
    SystemReport {
        schema: SCHEMA_VERSION,
        brm_version: crate::VERSION.to_string(),
        os: host.os,
        hostname: host.hostname,
        cpus: host.cpus,
        memory: host.memory,
        gpus: gpus.gpus,
        gpu_source: gpus.source,
        gpu_reason: gpus.reason,
        maya: maya::detect_maya(opts),
        blender: blender::detect_blender(opts),
    }
}

static CACHE: Mutex<Option<Arc<SystemReport>>> = Mutex::new(None);

/// The report for [`DetectOptions::from_env`], detected once per process (install detection
/// runs `blender --version`, too slow to repeat per call). GPU occupancy in it goes stale:
/// call [`detect_gpus`] for live memory/utilization.
pub fn detect_cached() -> Arc<SystemReport> {
    let mut guard = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(report) = guard.as_ref() {
        return Arc::clone(report);
    }
    let report = Arc::new(detect(&DetectOptions::from_env()));
    *guard = Some(Arc::clone(&report));
    report
}

/// The cached report with its GPU list re-read now (installs cached, occupancy live): what a
/// UI showing free GPU memory wants.
pub fn detect_cached_with_live_gpus() -> SystemReport {
    let mut report = (*detect_cached()).clone();
    let gpus = detect_gpus(&DetectOptions::from_env());
    report.gpus = gpus.gpus;
    report.gpu_source = gpus.source;
    report.gpu_reason = gpus.reason;
    report
}

/// Forget the cached report (called by `brm_shutdown`, and useful after installing software).
pub fn clear_cache() {
    let mut guard = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = None;
}

/// The Maya installs `opts` finds (`MAYA_LOCATION` first, then newest first), without the
/// rest of the system report: what resolving a job's executables needs.
pub fn detect_maya_installs(opts: &DetectOptions) -> Vec<MayaInstall> {
    maya::detect_maya(opts)
}

/// The folders Autodesk installs Maya into on this OS (named in "not found" messages).
pub fn default_maya_roots() -> Vec<PathBuf> {
    maya::default_roots()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_serializes_with_schema_and_round_trips() {
        let opts = DetectOptions {
            skip_nvml: true,
            nvidia_smi: Some(PathBuf::from("/nonexistent/brm-test/nvidia-smi")),
            maya_roots: Some(vec![]),
            path: Some(OsString::new()),
            maya_location: Some(PathBuf::from("/nonexistent/brm-test/maya")),
            blender: Some(PathBuf::from("/nonexistent/brm-test/blender")),
            command_timeout: Some(Duration::from_secs(2)),
        };
        let r = detect(&opts);
        assert_eq!(r.schema, 1);
        assert!(r.cpus.logical >= 1);
        assert!(r.memory.total_bytes > 0);
        assert!(r.gpus.is_empty());
        assert_eq!(r.gpu_source, "none");
        assert!(
            r.gpu_reason.as_deref().unwrap_or("").contains("nvidia-smi"),
            "{:?}",
            r.gpu_reason
        );
        assert!(r.maya.is_empty());
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.starts_with("{\"schema\":1,"), "{json}");
        let back: SystemReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn cache_is_shared_until_cleared() {
        let a = detect_cached();
        let b = detect_cached();
        assert!(Arc::ptr_eq(&a, &b));
        clear_cache();
        let c = detect_cached();
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
