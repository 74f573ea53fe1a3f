//! GPU slots and pinning (DESIGN §3).
//!
//! A slot is where one task runs at a time: one GPU, or the CPU. A render is pinned to its
//! GPU through the environment: `CUDA_VISIBLE_DEVICES=<GPU UUID>` (stable, unaffected by
//! enumeration order), or the PCI-order index with `CUDA_DEVICE_ORDER=PCI_BUS_ID` when the
//! UUID is unknown (CUDA's default order is "fastest first", which differs from nvidia-smi's).
//! Inside the render the pinned card is then device 0, so renderer flags say 0
//! (`REDSHIFT_GPUDEVICES=0`, `Render -gpu {0}`), never the host index: Redshift given an
//! index it cannot see falls back to all GPUs, including the artist's.

use serde::{Deserialize, Serialize};

use super::spec::GpuChoice;
use super::PlanError;
use crate::detect::{GpuInfo, SystemReport};

/// Where a task renders.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum GpuSlot {
    /// On the CPU, GPUs hidden from the renderer.
    Cpu,
    /// On one GPU: its driver index (PCI-bus order) and UUID when known.
    Gpu { index: u32, uuid: Option<String> },
}

impl GpuSlot {
    fn of(g: &GpuInfo) -> GpuSlot {
        GpuSlot::Gpu {
            index: g.index,
            uuid: (!g.uuid.is_empty()).then(|| g.uuid.clone()),
        }
    }

    /// Whether the task renders on a (pinned) GPU: all a renderer's device flags depend on,
    /// since the pinned card is device 0 inside the render.
    pub fn is_gpu(&self) -> bool {
        matches!(self, GpuSlot::Gpu { .. })
    }

    /// Short label for logs and tables: "GPU 1", "CPU".
    pub fn label(&self) -> String {
        match self {
            GpuSlot::Cpu => "CPU".into(),
            GpuSlot::Gpu { index, .. } => format!("GPU {index}"),
        }
    }
}

/// A card busier than this (percent) is not idle for `--gpu auto`.
pub const IDLE_UTILIZATION_PERCENT: u32 = 20;

/// The variables pinning sets; removed from the client's environment before pinning so a
/// stale value from the artist's shell can never widen a render to other cards.
/// (Renderer-specific device variables, e.g. `REDSHIFT_GPUDEVICES`, are the registry's:
/// `crate::renderer`.)
pub const PINNING_VARS: [&str; 2] = ["CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"];

/// The pinning variables for `slot`.
pub fn pinning_env(slot: &GpuSlot) -> Vec<(String, String)> {
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    match slot {
        // Empty = no CUDA device visible: a GPU renderer cannot grab a card behind brm's back.
        GpuSlot::Cpu => vec![kv("CUDA_VISIBLE_DEVICES", "")],
        GpuSlot::Gpu { index, uuid } => vec![
            kv("CUDA_DEVICE_ORDER", "PCI_BUS_ID"),
            match uuid {
                Some(u) => kv("CUDA_VISIBLE_DEVICES", u),
                None => kv("CUDA_VISIBLE_DEVICES", &index.to_string()),
            },
        ],
    }
}

fn describe_gpus(report: &SystemReport) -> String {
    if report.gpus.is_empty() {
        return format!(
            "no GPUs found ({})",
            report.gpu_reason.as_deref().unwrap_or("no reason given")
        );
    }
    let list: Vec<String> = report
        .gpus
        .iter()
        .map(|g| {
            format!(
                "{} = {} {}",
                g.index,
                g.name,
                if g.uuid.is_empty() {
                    "(no UUID)"
                } else {
                    &g.uuid
                }
            )
        })
        .collect();
    format!("GPUs here: {}", list.join("; "))
}

/// The slots a job may use, and warnings to show the user.
///
/// - `Cpu`: the CPU.
/// - `Auto`: GPU 0 is the artist's (Maya's viewport) when `reserve_gpu0`, so batch uses 1+;
///   idle cards (≤ [`IDLE_UTILIZATION_PERCENT`] busy, or unknown) sorted by most free memory;
///   if none is idle, all of them, most free memory first, with a warning. One GPU only: that
///   one, with a warning. No GPU: the CPU, with a warning. MIG-enabled cards are skipped
///   (pinning them needs a MIG instance UUID: name it explicitly).
/// - Indices/UUIDs: exactly those, in the given order; one that is not here is an error
///   listing the GPUs there are.
pub fn select_slots(
    choice: &GpuChoice,
    report: &SystemReport,
    reserve_gpu0: bool,
) -> Result<(Vec<GpuSlot>, Vec<String>), PlanError> {
    let mut warnings = Vec::new();
    match choice {
        GpuChoice::Cpu => Ok((vec![GpuSlot::Cpu], warnings)),
        GpuChoice::Indices(wanted) => {
            let mut slots = Vec::new();
            for &i in wanted {
                let g = report.gpus.iter().find(|g| g.index == i).ok_or_else(|| {
                    PlanError::UnknownGpu {
                        wanted: i.to_string(),
                        available: describe_gpus(report),
                    }
                })?;
                if i == 0 && reserve_gpu0 && report.gpus.len() > 1 {
                    warnings.push("GPU 0 was asked for: it is usually the one Maya's viewport uses, so the artist's session will slow down".into());
                }
                slots.push(GpuSlot::of(g));
            }
            Ok((slots, warnings))
        }
        GpuChoice::Uuids(wanted) => {
            let mut slots = Vec::new();
            for u in wanted {
                if let Some(g) = report.gpus.iter().find(|g| g.uuid.eq_ignore_ascii_case(u)) {
                    slots.push(GpuSlot::of(g));
                } else if u.to_ascii_uppercase().starts_with("MIG-") {
                    // MIG instances are not listed per card; the driver resolves the UUID.
                    slots.push(GpuSlot::Gpu {
                        index: u32::MAX,
                        uuid: Some(u.clone()),
                    });
                } else {
                    return Err(PlanError::UnknownGpu {
                        wanted: u.clone(),
                        available: describe_gpus(report),
                    });
                }
            }
            Ok((slots, warnings))
        }
        GpuChoice::Auto => {
            let gpus = &report.gpus;
            if gpus.is_empty() {
                // True of the machine, not of this job: said short (the reason, with its
                // library paths, is in `brm info -v` / `--json`), so job notes and status
                // stay one line each.
                warnings.push(
                    "no NVIDIA GPU found on this machine; rendering on CPU (why: `brm info -v`)"
                        .into(),
                );
                return Ok((vec![GpuSlot::Cpu], warnings));
            }
            if gpus.len() == 1 {
                warnings.push(format!(
                    "only one GPU ({} {}): rendering on it, shared with the artist's session; use --gpu cpu to keep it free",
                    gpus[0].index, gpus[0].name
                ));
                return Ok((vec![GpuSlot::of(&gpus[0])], warnings));
            }
            let mut candidates: Vec<&GpuInfo> = gpus
                .iter()
                .filter(|g| !(reserve_gpu0 && g.index == 0))
                .collect();
            let mig: Vec<String> = candidates
                .iter()
                .filter(|g| g.mig_mode == Some(true))
                .map(|g| g.index.to_string())
                .collect();
            if !mig.is_empty() && mig.len() < candidates.len() {
                warnings.push(format!("skipping MIG-enabled GPU(s) {}: name a MIG instance UUID with --gpu to use them", mig.join(", ")));
                candidates.retain(|g| g.mig_mode != Some(true));
            }
            let mut idle: Vec<&GpuInfo> = candidates
                .iter()
                .copied()
                .filter(|g| {
                    g.utilization_percent
                        .is_none_or(|u| u <= IDLE_UTILIZATION_PERCENT)
                })
                .collect();
            if idle.is_empty() {
                warnings.push(format!(
                    "all GPUs brm may use are busy (> {IDLE_UTILIZATION_PERCENT}% utilization); using them anyway, most free memory first"
                ));
                idle = candidates;
            }
            idle.sort_by(|a, b| {
                b.memory_free_mib
                    .cmp(&a.memory_free_mib)
                    .then(a.index.cmp(&b.index))
            });
            Ok((idle.into_iter().map(GpuSlot::of).collect(), warnings))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::detect::{CpuInfo, MemoryInfo};

    fn gpu(index: u32, free: u64, util: Option<u32>) -> GpuInfo {
        GpuInfo {
            index,
            uuid: format!("GPU-{index}"),
            name: "NVIDIA RTX A6000".into(),
            pci_bus_id: format!("00000000:0{index}:00.0"),
            memory_total_mib: 49140,
            memory_free_mib: free,
            utilization_percent: util,
            mig_mode: None,
        }
    }

    pub(crate) fn report(gpus: Vec<GpuInfo>) -> SystemReport {
        SystemReport {
            schema: 1,
            brm_version: "0".into(),
            os: "test".into(),
            hostname: "h".into(),
            cpus: CpuInfo {
                logical: 8,
                physical: Some(4),
                brand: String::new(),
            },
            memory: MemoryInfo {
                total_bytes: 1 << 34,
                available_bytes: 1 << 33,
            },
            gpu_source: if gpus.is_empty() {
                "none".into()
            } else {
                "nvml".into()
            },
            gpu_reason: gpus
                .is_empty()
                .then(|| "no NVIDIA driver: test".to_string()),
            gpus,
            maya: vec![],
            blender: None,
        }
    }

    fn g(index: u32) -> GpuSlot {
        GpuSlot::Gpu {
            index,
            uuid: Some(format!("GPU-{index}")),
        }
    }

    #[test]
    fn auto_reserves_gpu0_and_sorts_idle_by_free_memory() {
        let r = report(vec![
            gpu(0, 40000, Some(0)),
            gpu(1, 30000, Some(0)),
            gpu(2, 45000, Some(5)),
            gpu(3, 48000, Some(90)),
        ]);
        let (slots, warnings) = select_slots(&GpuChoice::Auto, &r, true).unwrap();
        assert_eq!(slots, vec![g(2), g(1)], "GPU 0 reserved, GPU 3 busy");
        assert!(warnings.is_empty());
        let (slots, _) = select_slots(&GpuChoice::Auto, &r, false).unwrap();
        assert_eq!(slots, vec![g(2), g(0), g(1)]);
    }

    #[test]
    fn auto_all_busy_uses_them_with_warning() {
        let r = report(vec![
            gpu(0, 1, Some(0)),
            gpu(1, 100, Some(99)),
            gpu(2, 200, Some(95)),
        ]);
        let (slots, warnings) = select_slots(&GpuChoice::Auto, &r, true).unwrap();
        assert_eq!(slots, vec![g(2), g(1)]);
        assert!(warnings[0].contains("busy"), "{warnings:?}");
    }

    #[test]
    fn auto_unknown_utilization_counts_as_idle() {
        let r = report(vec![gpu(0, 1, None), gpu(1, 100, None)]);
        assert_eq!(
            select_slots(&GpuChoice::Auto, &r, true).unwrap().0,
            vec![g(1)]
        );
    }

    #[test]
    fn one_gpu_renders_on_it_with_warning() {
        let r = report(vec![gpu(0, 100, Some(50))]);
        let (slots, warnings) = select_slots(&GpuChoice::Auto, &r, true).unwrap();
        assert_eq!(slots, vec![g(0)]);
        assert!(warnings[0].contains("only one GPU"), "{warnings:?}");
    }

    #[test]
    fn no_gpu_renders_on_cpu_with_warning() {
        let r = report(vec![]);
        let (slots, warnings) = select_slots(&GpuChoice::Auto, &r, true).unwrap();
        assert_eq!(slots, vec![GpuSlot::Cpu]);
        // Machine-wide, so short (issue 12 item 9): the reason is `brm info -v`'s to tell.
        assert!(
            warnings[0].contains("CPU")
                && warnings[0].contains("brm info -v")
                && !warnings[0].contains("no NVIDIA driver"),
            "{warnings:?}"
        );
    }

    #[test]
    fn cpu_when_asked() {
        let r = report(vec![gpu(0, 1, None), gpu(1, 1, None)]);
        assert_eq!(
            select_slots(&GpuChoice::Cpu, &r, true).unwrap(),
            (vec![GpuSlot::Cpu], vec![])
        );
    }

    #[test]
    fn explicit_indices_and_uuids() {
        let mut r = report(vec![gpu(0, 1, None), gpu(1, 1, None), gpu(2, 1, None)]);
        assert_eq!(
            select_slots(&GpuChoice::Indices(vec![2, 1]), &r, true)
                .unwrap()
                .0,
            vec![g(2), g(1)]
        );
        let (slots, warnings) = select_slots(&GpuChoice::Indices(vec![0]), &r, true).unwrap();
        assert_eq!(slots, vec![g(0)]);
        assert!(warnings[0].contains("GPU 0"), "{warnings:?}");
        assert_eq!(
            select_slots(&GpuChoice::Uuids(vec!["gpu-1".into()]), &r, true)
                .unwrap()
                .0,
            vec![g(1)]
        );
        let e = select_slots(&GpuChoice::Indices(vec![7]), &r, true).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains('7') && msg.contains("1 = NVIDIA RTX A6000 GPU-1"),
            "{msg}"
        );
        assert_eq!(
            crate::error::Kind::kind(&e),
            crate::error::ErrorKind::NotFound
        );
        let e = select_slots(&GpuChoice::Uuids(vec!["GPU-zzz".into()]), &r, true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("GPU-zzz") && e.contains("GPU-2"), "{e}");
        // No UUID known (old nvidia-smi): pin by index.
        r.gpus[1].uuid.clear();
        assert_eq!(
            select_slots(&GpuChoice::Indices(vec![1]), &r, true)
                .unwrap()
                .0,
            vec![GpuSlot::Gpu {
                index: 1,
                uuid: None
            }]
        );
        let e = select_slots(&GpuChoice::Indices(vec![1]), &report(vec![]), true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no GPUs found"), "{e}");
    }

    #[test]
    fn mig_cards_skipped_by_auto() {
        let mut r = report(vec![gpu(0, 1, None), gpu(1, 100, None), gpu(2, 50, None)]);
        r.gpus[1].mig_mode = Some(true);
        let (slots, warnings) = select_slots(&GpuChoice::Auto, &r, true).unwrap();
        assert_eq!(slots, vec![g(2)]);
        assert!(warnings[0].contains("MIG"), "{warnings:?}");
    }

    #[test]
    fn pinning_variables() {
        assert_eq!(
            pinning_env(&GpuSlot::Cpu),
            vec![("CUDA_VISIBLE_DEVICES".to_string(), String::new())]
        );
        let env = pinning_env(&g(2));
        assert!(env.contains(&("CUDA_VISIBLE_DEVICES".into(), "GPU-2".into())));
        let env = pinning_env(&GpuSlot::Gpu {
            index: 3,
            uuid: None,
        });
        assert!(env.contains(&("CUDA_VISIBLE_DEVICES".into(), "3".into())));
        assert!(env.contains(&("CUDA_DEVICE_ORDER".into(), "PCI_BUS_ID".into())));
    }
}
