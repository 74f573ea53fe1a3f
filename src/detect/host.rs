//! Host facts through sysinfo: OS, host name, CPUs, memory.

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use super::{CpuInfo, MemoryInfo};

pub(crate) struct Host {
    pub os: String,
    pub hostname: String,
    pub cpus: CpuInfo,
    pub memory: MemoryInfo,
}

pub(crate) fn detect_host() -> Host {
    let sys = System::new_with_specifics(
        RefreshKind::nothing()
            .with_memory(MemoryRefreshKind::nothing().with_ram())
            .with_cpu(CpuRefreshKind::nothing()),
    )
    .ok();
    let from_sys_logical = sys.as_ref().map(|s| s.cpus().len()).unwrap_or(0);
    let logical = if from_sys_logical > 0 {
        from_sys_logical
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    };
    let brand = sys
        .as_ref()
        .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_string()))
        .unwrap_or_default();
    let os = System::long_os_version()
        .or_else(|_| System::name())
        .unwrap_or_else(|_| std::env::consts::OS.to_string());
    Host {
        os,
        hostname: System::host_name().unwrap_or_default(),
        cpus: CpuInfo {
            logical: u32::try_from(logical).unwrap_or(u32::MAX),
            physical: System::physical_core_count()
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n > 0),
            brand,
        },
        memory: MemoryInfo {
            total_bytes: sys.as_ref().map(|s| s.total_memory()).unwrap_or(0),
            available_bytes: sys.as_ref().map(|s| s.available_memory()).unwrap_or(0),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_has_cpus_and_memory() {
        let h = super::detect_host();
        assert!(h.cpus.logical >= 1);
        assert!(h.memory.total_bytes >= h.memory.available_bytes);
        assert!(h.memory.total_bytes > 0);
        assert!(!h.os.is_empty());
    }
}
