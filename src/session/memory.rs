//! Resident memory of a session process, for the warm-session memory limit.
//!
//! Why the leader only: a Blender or mayapy session is one process; its helpers (if any)
//! are killed with the group anyway when the limit trips.

/// Resident set size of `pid` in bytes, when the platform tells (Linux: `/proc/PID/statm`).
#[cfg(target_os = "linux")]
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let page = u64::try_from(page).ok().filter(|p| *p > 0)?;
    pages.checked_mul(page)
}

/// Resident set size of `pid` in bytes: unknown on this platform.
#[cfg(not(target_os = "linux"))]
pub fn rss_bytes(_pid: u32) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn own_memory_is_measured() {
        let rss = super::rss_bytes(std::process::id()).unwrap();
        assert!(rss > 1024 * 1024, "{rss}");
        assert_eq!(super::rss_bytes(u32::MAX), None);
    }
}
