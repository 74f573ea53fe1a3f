//! What the farm engine assigned to this node's task: which task (chunk) and which GPUs,
//! read from the engine's own variables.
//!
//! - Task: `--task N`, else `SLURM_ARRAY_TASK_ID` (Slurm array jobs: brm's arrays run over
//!   task indices), `CUE_IFRAME` (OpenCue: a layer's "frames" are brm's task indices),
//!   `BRM_TASK` (set by hand or by a wrapper).
//! - GPUs: `BRM_TASK_GPUS`, else `CUDA_VISIBLE_DEVICES` (Slurm sets it from `--gres=gpu:N`),
//!   else `CUE_GPU_CORES` (OpenCue RQD's GPU list), else `GPU_DEVICE_ORDINAL`. None of them:
//!   the node's own GPUs by detection, *all* of them eligible — a farm node has no artist on
//!   GPU 0, so there is no GPU-0 reservation.

use crate::plan::GpuSlot;

/// A lookup of one variable (the process environment, or a map in tests).
pub type EnvFn<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment as an [`EnvFn`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The task index from the engine's variables (see the module doc).
pub fn task_from_env(env: EnvFn<'_>) -> Option<(usize, &'static str)> {
    for (var, engine) in [("SLURM_ARRAY_TASK_ID", "Slurm"), ("CUE_IFRAME", "OpenCue")] {
        if let Some(v) = env(var) {
            if let Ok(n) = v.trim().parse::<usize>() {
                return Some((n, engine));
            }
        }
    }
    crate::config::farm_task(env).map(|n| (n, crate::config::FARM_TASK))
}

/// GPUs the engine assigned: the value for `CUDA_VISIBLE_DEVICES` and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assigned {
    pub devices: String,
    pub source: String,
}

/// The engine's GPU assignment, if any (see the module doc).
pub fn assigned_gpus(env: EnvFn<'_>) -> Option<Assigned> {
    let slurm = env("SLURM_JOB_ID").is_some();
    let gpus = crate::config::FARM_TASK_GPUS;
    for (value, var, who) in [
        (crate::config::farm_task_gpus(env), gpus, gpus),
        (
            env("CUDA_VISIBLE_DEVICES"),
            "CUDA_VISIBLE_DEVICES",
            if slurm {
                "Slurm (--gres)"
            } else {
                "the engine"
            },
        ),
        (
            env("CUE_GPU_CORES"),
            "CUE_GPU_CORES",
            "OpenCue (CUE_GPU_CORES)",
        ),
        (
            env("GPU_DEVICE_ORDINAL"),
            "GPU_DEVICE_ORDINAL",
            "GPU_DEVICE_ORDINAL",
        ),
    ] {
        if let Some(raw) = value {
            let v = raw.trim().to_string();
            // Slurm writes "NoDevFiles" when the gres has no device files.
            if v == "NoDevFiles" {
                continue;
            }
            return Some(Assigned {
                devices: v,
                source: format!("{who}: {var}={raw}"),
            });
        }
    }
    None
}

/// The slot an assignment pins to: a single index is that card (PCI order); a list or UUIDs
/// pass through to `CUDA_VISIBLE_DEVICES` unchanged; empty means no GPU (CPU).
pub fn slot_of(a: &Assigned) -> GpuSlot {
    let d = a.devices.trim();
    if d.is_empty() {
        return GpuSlot::Cpu;
    }
    match d.parse::<u32>() {
        Ok(index) => GpuSlot::Gpu { index, uuid: None },
        Err(_) => GpuSlot::Gpu {
            index: d
                .split(',')
                .next()
                .and_then(|x| x.trim().parse().ok())
                .unwrap_or(0),
            uuid: Some(d.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn slurm_task_and_gres_gpu() {
        let m = env(&[
            ("SLURM_JOB_ID", "12"),
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("CUDA_VISIBLE_DEVICES", "2"),
        ]);
        let f = |k: &str| m.get(k).cloned();
        assert_eq!(task_from_env(&f), Some((3, "Slurm")));
        let a = assigned_gpus(&f).unwrap();
        assert!(a.source.contains("Slurm"), "{a:?}");
        assert_eq!(
            slot_of(&a),
            GpuSlot::Gpu {
                index: 2,
                uuid: None
            }
        );
    }

    #[test]
    fn opencue_frame_and_gpu_cores() {
        let m = env(&[("CUE_IFRAME", "5"), ("CUE_GPU_CORES", "0,1")]);
        let f = |k: &str| m.get(k).cloned();
        assert_eq!(task_from_env(&f), Some((5, "OpenCue")));
        let a = assigned_gpus(&f).unwrap();
        assert_eq!(
            slot_of(&a),
            GpuSlot::Gpu {
                index: 0,
                uuid: Some("0,1".into())
            }
        );
    }

    #[test]
    fn brm_task_comes_last_and_brm_task_gpus_first() {
        let m = env(&[
            ("CUE_IFRAME", "5"),
            ("BRM_TASK", "7"),
            ("BRM_TASK_GPUS", ""),
            ("CUDA_VISIBLE_DEVICES", "2"),
        ]);
        let f = |k: &str| m.get(k).cloned();
        assert_eq!(task_from_env(&f), Some((5, "OpenCue")));
        let only = env(&[("BRM_TASK", "7")]);
        let g = |k: &str| only.get(k).cloned();
        assert_eq!(task_from_env(&g), Some((7, "BRM_TASK")));
        let a = assigned_gpus(&f).unwrap();
        assert_eq!(a.source, "BRM_TASK_GPUS: BRM_TASK_GPUS=");
        assert_eq!(slot_of(&a), GpuSlot::Cpu);
    }

    #[test]
    fn nothing_assigned() {
        let f = |_: &str| None;
        assert_eq!(task_from_env(&f), None);
        assert_eq!(assigned_gpus(&f), None);
        let cpu = Assigned {
            devices: "".into(),
            source: "x".into(),
        };
        assert_eq!(slot_of(&cpu), GpuSlot::Cpu);
    }
}
