//! `brm info [--json]`: what brm sees on this machine (GPUs, CPUs, memory, Maya, Blender), so
//! an artist or TD can check why a render would land on CPU or fail to find Maya.

use std::fmt::Write as _;

use brm::detect::{self, DetectOptions, SystemReport};

#[derive(clap::Args)]
pub struct InfoArgs {
    /// Print the report as JSON (`"schema": 1`, same document as `brm_detect_json`).
    #[arg(long)]
    pub json: bool,
    /// Give the full detail of machine-wide notes (why NVML or nvidia-smi failed).
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

pub fn run(args: InfoArgs) -> brm::Result<i32> {
    let report = detect::detect(&DetectOptions::from_env());
    if args.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| {
            brm::Error::InvalidArgument(format!("could not serialize the system report: {e}"))
        })?;
        outln!("{text}");
    } else {
        outln!(
            "{}",
            render_table(&report, args.verbose).trim_end_matches('\n')
        );
    }
    Ok(0)
}

fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
}

fn opt_path(p: &Option<std::path::PathBuf>) -> String {
    p.as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "-".into())
}

/// The human-readable report.
pub fn render_table(r: &SystemReport, verbose: bool) -> String {
    // A machine-wide reason (e.g. the library paths NVML was looked for in) is said short,
    // once; `-v` and `--json` carry the whole text.
    let reason = |t: &str| {
        if verbose {
            t.to_string()
        } else {
            format!("{} (details: brm info -v)", super::fmt::short(t))
        }
    };
    let mut s = String::new();
    let _ = writeln!(s, "brm {}", r.brm_version);
    let _ = writeln!(
        s,
        "{:<10}{}",
        "Host",
        if r.hostname.is_empty() {
            "(unknown)"
        } else {
            &r.hostname
        }
    );
    let _ = writeln!(s, "{:<10}{}", "OS", r.os);
    let physical = r
        .cpus
        .physical
        .map(|p| format!(", {p} cores"))
        .unwrap_or_default();
    let brand = if r.cpus.brand.is_empty() {
        String::new()
    } else {
        format!(" ({})", r.cpus.brand)
    };
    let _ = writeln!(
        s,
        "{:<10}{} logical{physical}{brand}",
        "CPUs", r.cpus.logical
    );
    let _ = writeln!(
        s,
        "{:<10}{} total, {} available",
        "Memory",
        gib(r.memory.total_bytes),
        gib(r.memory.available_bytes)
    );

    let _ = writeln!(s, "\nGPUs (source: {})", r.gpu_source);
    if r.gpus.is_empty() {
        let _ = writeln!(
            s,
            "  none: {}",
            r.gpu_reason
                .as_deref()
                .map_or("no GPU found".into(), reason)
        );
    } else {
        let _ = writeln!(
            s,
            "  {:<3} {:<28} {:>11} {:>11} {:>5} {:<5} {:<17} UUID",
            "#", "Name", "Total MiB", "Free MiB", "Util", "MIG", "PCI bus"
        );
        for g in &r.gpus {
            let util = g
                .utilization_percent
                .map(|u| format!("{u}%"))
                .unwrap_or_else(|| "?".into());
            let mig = match g.mig_mode {
                None => "-",
                Some(true) => "on",
                Some(false) => "off",
            };
            let _ = writeln!(
                s,
                "  {:<3} {:<28} {:>11} {:>11} {:>5} {:<5} {:<17} {}",
                g.index,
                g.name,
                g.memory_total_mib,
                g.memory_free_mib,
                util,
                mig,
                g.pci_bus_id,
                g.uuid
            );
        }
        if let Some(reason_text) = &r.gpu_reason {
            let _ = writeln!(s, "  note: {}", reason(reason_text));
        }
        if r.gpus.len() > 1 {
            let _ = writeln!(
                s,
                "  batch renders use GPU 1 and up by default (GPU 0 is left to the artist)"
            );
        }
    }

    let _ = writeln!(s, "\nMaya");
    if r.maya.is_empty() {
        let _ = writeln!(s, "  none found (looked in MAYA_LOCATION, the Autodesk install folder and PATH; set BRM_MAYA_ROOTS to add folders)");
    }
    for m in &r.maya {
        let _ = writeln!(
            s,
            "  Maya {} at {} (found via {})",
            m.version,
            m.root.display(),
            m.source
        );
        let _ = writeln!(s, "    Render  {}", opt_path(&m.render));
        let _ = writeln!(s, "    mayapy  {}", opt_path(&m.mayapy));
        let _ = writeln!(s, "    maya    {}", opt_path(&m.maya));
    }

    let _ = writeln!(s, "\nBlender");
    match &r.blender {
        None => {
            let _ = writeln!(s, "  none found (put blender on PATH or set BRM_BLENDER)");
        }
        Some(b) => {
            let _ = writeln!(
                s,
                "  {} {}",
                b.version.as_deref().unwrap_or("(version unknown)"),
                b.path.display()
            );
        }
    }
    s
}
