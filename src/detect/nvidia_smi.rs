//! The `nvidia-smi` fallback: used when NVML cannot be loaded in-process (e.g. a container
//! that ships the tool but not a matching library, or NVML disabled for tests).
//!
//! Query format (one line per GPU, the driver's PCI order):
//! `index, uuid, name, pci.bus_id, memory.total, memory.free, utilization.gpu, mig.mode.current`
//! e.g. `0, GPU-4f2c…, NVIDIA RTX A6000, 00000000:01:00.0, 49140, 48500, 3, [N/A]`.
//! Fields the driver cannot give read `[N/A]` or `[Not Supported]`.

use std::path::Path;
use std::time::Duration;

use super::{exec, DetectError, GpuInfo};

/// The arguments brm passes (no shell; each is one argv item).
pub const QUERY_ARGS: [&str; 2] = [
    "--query-gpu=index,uuid,name,pci.bus_id,memory.total,memory.free,utilization.gpu,mig.mode.current",
    "--format=csv,noheader,nounits",
];

const FIELDS: usize = 8;

/// Run `nvidia-smi` and parse its GPU list.
pub fn query(program: &Path, timeout: Duration) -> Result<Vec<GpuInfo>, DetectError> {
    let out = exec::run_with_timeout(program, &QUERY_ARGS, timeout)?;
    if !out.success {
        // nvidia-smi prints its reason ("couldn't communicate with the NVIDIA driver") on stdout.
        let msg = [out.stdout.trim(), out.stderr.trim()]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        return Err(DetectError::Failed {
            program: program.display().to_string(),
            status: out.status,
            message: if msg.is_empty() {
                "no message".into()
            } else {
                msg
            },
        });
    }
    parse_csv(&out.stdout).map_err(|message| DetectError::Parse {
        program: program.display().to_string(),
        message,
    })
}

/// Parse the whole CSV output (blank lines ignored).
pub fn parse_csv(text: &str) -> Result<Vec<GpuInfo>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| parse_line(l).map_err(|e| format!("line {}: {e} (line was {:?})", n + 1, l)))
        .collect()
}

/// `[N/A]`, `[Not Supported]`, `N/A`, `[Unknown Error]`…: the driver has no value.
fn is_missing(field: &str) -> bool {
    let f = field.trim();
    f.is_empty() || f.eq_ignore_ascii_case("N/A") || (f.starts_with('[') && f.ends_with(']'))
}

fn opt_u64(field: &str, what: &str) -> Result<Option<u64>, String> {
    if is_missing(field) {
        return Ok(None);
    }
    // With `nounits` the value is bare; tolerate a unit anyway ("49140 MiB", "3 %").
    let num = field.split_whitespace().next().unwrap_or("");
    num.parse::<u64>()
        .map(Some)
        .map_err(|_| format!("{what} {field:?} is not a number"))
}

/// Parse one line. GPU names have no commas in practice, but if one did, the extra fields
/// are joined back into the name (the other fields have fixed positions from either end).
pub fn parse_line(line: &str) -> Result<GpuInfo, String> {
    let parts: Vec<&str> = line.split(',').map(str::trim).collect();
    if parts.len() < FIELDS {
        return Err(format!(
            "expected {FIELDS} comma-separated fields, found {}",
            parts.len()
        ));
    }
    let extra = parts.len() - FIELDS;
    let name = parts[2..3 + extra].join(", ");
    let tail = &parts[3 + extra..];
    let index = parts[0]
        .parse::<u32>()
        .map_err(|_| format!("index {:?} is not a number", parts[0]))?;
    let mig_mode = if is_missing(tail[4]) {
        None
    } else if tail[4].eq_ignore_ascii_case("enabled") {
        Some(true)
    } else if tail[4].eq_ignore_ascii_case("disabled") {
        Some(false)
    } else {
        return Err(format!(
            "mig mode {:?} is neither Enabled nor Disabled",
            tail[4]
        ));
    };
    Ok(GpuInfo {
        index,
        uuid: if is_missing(parts[1]) {
            String::new()
        } else {
            parts[1].to_string()
        },
        name,
        pci_bus_id: if is_missing(tail[0]) {
            String::new()
        } else {
            tail[0].to_string()
        },
        memory_total_mib: opt_u64(tail[1], "memory.total")?.unwrap_or(0),
        memory_free_mib: opt_u64(tail[2], "memory.free")?.unwrap_or(0),
        utilization_percent: opt_u64(tail[3], "utilization.gpu")?.map(|u| u.min(100) as u32),
        mig_mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_format_lines() {
        let text = "0, GPU-4f2c8a1e-9b7d-4c3e-a1f0-2b3c4d5e6f70, NVIDIA RTX A6000, 00000000:01:00.0, 49140, 48500, 3, [N/A]\n\
                    1, GPU-7d1e0b2a-1111-2222-3333-444455556666, NVIDIA A100-SXM4-40GB, 00000000:41:00.0, 40960, 40337, 100, Disabled\n\
                    2, GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, NVIDIA H100 80GB HBM3, 00000000:C1:00.0, 81559, 81000, [Not Supported], Enabled\n";
        let gpus = parse_csv(text).unwrap();
        assert_eq!(gpus.len(), 3);
        assert_eq!(
            gpus[0],
            GpuInfo {
                index: 0,
                uuid: "GPU-4f2c8a1e-9b7d-4c3e-a1f0-2b3c4d5e6f70".into(),
                name: "NVIDIA RTX A6000".into(),
                pci_bus_id: "00000000:01:00.0".into(),
                memory_total_mib: 49140,
                memory_free_mib: 48500,
                utilization_percent: Some(3),
                mig_mode: None,
            }
        );
        assert_eq!(gpus[1].name, "NVIDIA A100-SXM4-40GB");
        assert_eq!(gpus[1].utilization_percent, Some(100));
        assert_eq!(gpus[1].mig_mode, Some(false));
        assert_eq!(gpus[2].utilization_percent, None);
        assert_eq!(gpus[2].mig_mode, Some(true));
        assert_eq!(gpus[2].pci_bus_id, "00000000:C1:00.0");
    }

    #[test]
    fn tolerates_crlf_blank_lines_units_and_commas_in_names() {
        let text = "\r\n0, GPU-1, Quadro, Special Edition, 00000000:02:00.0, 24576 MiB, 100 MiB, 7 %, [N/A]\r\n\r\n";
        let gpus = parse_csv(text).unwrap();
        assert_eq!(gpus.len(), 1);
        assert_eq!(gpus[0].name, "Quadro, Special Edition");
        assert_eq!(gpus[0].memory_total_mib, 24576);
        assert_eq!(gpus[0].memory_free_mib, 100);
        assert_eq!(gpus[0].utilization_percent, Some(7));
    }

    #[test]
    fn missing_values_read_as_none_or_zero() {
        let g = parse_line("3, [N/A], Tesla, [N/A], [N/A], [N/A], [N/A], [N/A]").unwrap();
        assert_eq!(g.index, 3);
        assert_eq!(g.uuid, "");
        assert_eq!(g.memory_total_mib, 0);
        assert_eq!(g.utilization_percent, None);
    }

    #[test]
    fn malformed_lines_are_errors_with_the_line() {
        let e = parse_csv("0, GPU-1, A6000\n").unwrap_err();
        assert!(e.contains("line 1") && e.contains("expected 8"), "{e}");
        let e = parse_csv("x, GPU-1, A, 0:1, 1, 1, 1, [N/A]").unwrap_err();
        assert!(e.contains("index"), "{e}");
        let e = parse_csv("0, GPU-1, A, 0:1, lots, 1, 1, [N/A]").unwrap_err();
        assert!(e.contains("memory.total"), "{e}");
        let e = parse_csv("0, GPU-1, A, 0:1, 1, 1, 1, Maybe").unwrap_err();
        assert!(e.contains("mig"), "{e}");
    }

    #[test]
    fn empty_output_is_no_gpus() {
        assert_eq!(parse_csv("").unwrap(), vec![]);
    }
}
