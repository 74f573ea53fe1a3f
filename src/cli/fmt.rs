//! How the CLI writes times, durations, ETAs and layer names, in one place so every
//! command says them the same way.

/// A Unix-millisecond time as local `YYYY-MM-DD HH:MM:SS`; "-" for "not yet" (0).
pub fn datetime(ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    let (y, mo, d, h, mi, s) = local_parts(ms / 1000);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// `datetime` without the date when it is the same day as `base_ms` (end after start).
pub fn time_after(ms: i64, base_ms: i64) -> String {
    let (full, base) = (datetime(ms), datetime(base_ms));
    match (full.split_once(' '), base.split_once(' ')) {
        (Some((d, t)), Some((bd, _))) if d == bd => t.to_string(),
        _ => full,
    }
}

/// Seconds as `2h05m`, `3m07s`, `12s`.
pub fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

/// An ETA, honestly: "unknown" when nothing is measured yet.
pub fn eta(e: Option<u64>) -> String {
    e.map_or_else(|| "unknown".into(), duration)
}

/// A machine-wide note made short: parenthesised detail (library paths, OS errors) removed,
/// so it fits one line; the full text stays in `--json` and `-v`.
pub fn short(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ;", ";")
        .replace(" ,", ",")
}

/// How a task's layer is named: `layer beauty`, or the Blender case of no layer chosen.
pub fn layer(name: &str) -> String {
    if name.is_empty() {
        "all view layers".into()
    } else {
        format!("layer {name}")
    }
}

#[cfg(unix)]
fn local_parts(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    // SAFETY: localtime_r only writes the `tm` we own; a zeroed tm is a valid value.
    unsafe {
        let t: libc::time_t = secs as libc::time_t;
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return utc_parts(secs);
        }
        (
            i64::from(tm.tm_year) + 1900,
            (tm.tm_mon + 1) as u32,
            tm.tm_mday as u32,
            tm.tm_hour as u32,
            tm.tm_min as u32,
            tm.tm_sec as u32,
        )
    }
}

#[cfg(not(unix))]
fn local_parts(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    utc_parts(secs)
}

/// UTC calendar parts (Howard Hinnant's days-from-civil inverse).
fn utc_parts(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem / 60) % 60) as u32,
        (rem % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_unknown_eta() {
        assert_eq!(duration(7), "7s");
        assert_eq!(duration(187), "3m07s");
        assert_eq!(duration(7500), "2h05m");
        assert_eq!(eta(None), "unknown");
        assert_eq!(layer(""), "all view layers");
        assert_eq!(
            short(
                "NVML not loadable (libnvidia-ml.so.1: cannot open (x)) and nvidia-smi not found"
            ),
            "NVML not loadable and nvidia-smi not found"
        );
    }

    #[test]
    fn utc_calendar() {
        assert_eq!(utc_parts(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc_parts(1_798_797_600), (2027, 1, 1, 10, 0, 0));
    }
}
