//! Snapshot retention (DESIGN §3): keep the latest N snapshots, delete older ones past a
//! maximum age, and never delete a snapshot a queued or running job still renders from.
//!
//! Only files whose names follow brm's snapshot naming (`<stem>-<timestamp>-<pid>-<n>.<ext>`,
//! see [`super::snapshot`]) are ever considered: anything else a user or tool put in the
//! directory is left alone. Age is the file's modification time (when the snapshot was
//! written: copy or Maya export), falling back to the timestamp in its name.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::SceneError;

/// Extensions a snapshot may have.
pub const SNAPSHOT_EXTENSIONS: &[&str] = &["ma", "mb", "blend"];

/// What a cleanup did.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CleanupReport {
    /// Snapshots deleted.
    pub removed: Vec<PathBuf>,
    /// Snapshots kept (latest N, young enough, or in use).
    pub kept: Vec<PathBuf>,
    /// Of `kept`: those that were old enough to go but a job still uses.
    pub kept_in_use: Vec<PathBuf>,
    /// Snapshots that should have gone but could not be deleted, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    /// Bytes freed.
    pub bytes_freed: u64,
}

/// A brm snapshot found in the directory.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub path: PathBuf,
    pub written: SystemTime,
    pub size: u64,
}

/// The parts of a brm snapshot name: (stem, timestamp, pid, n, ext); `None` if `name` is not
/// one.
pub fn parse_name(name: &str) -> Option<(&str, &str, u32, u64, &str)> {
    let (rest, ext) = name.rsplit_once('.')?;
    if !SNAPSHOT_EXTENSIONS.contains(&ext) {
        return None;
    }
    let mut parts = rest.rsplitn(4, '-');
    let n: u64 = parts.next()?.parse().ok()?;
    let pid: u32 = parts.next()?.parse().ok()?;
    let ts = parts.next()?;
    let stem = parts.next()?;
    let b = ts.as_bytes();
    let ts_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    (ts_ok && !stem.is_empty()).then_some((stem, ts, pid, n, ext))
}

/// Seconds since the epoch of a `YYYYMMDDTHHMMSSZ` timestamp.
fn timestamp_time(ts: &str) -> Option<SystemTime> {
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    // Days from civil (H. Hinnant), inverse of snapshot::civil_from_days.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    u64::try_from(secs)
        .ok()
        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

/// The brm snapshots in `dir`, newest first. A missing directory has none.
pub fn scan(dir: &Path) -> Result<Vec<Snapshot>, SceneError> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(SceneError::snapshot(
                format!("listing {}", dir.display()),
                e,
            ))
        }
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry =
            entry.map_err(|e| SceneError::snapshot(format!("listing {}", dir.display()), e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((_, ts, ..)) = parse_name(name) else {
            continue;
        };
        let Ok(meta) = entry.metadata() else { continue }; // vanished meanwhile
        if !meta.is_file() {
            continue;
        }
        let written = meta
            .modified()
            .ok()
            .or_else(|| timestamp_time(ts))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        out.push(Snapshot {
            path: entry.path(),
            written,
            size: meta.len(),
        });
    }
    out.sort_by(|a, b| b.written.cmp(&a.written).then_with(|| b.path.cmp(&a.path)));
    Ok(out)
}

/// Apply the retention rules to `dir` as of `now`: the `keep_latest` newest snapshots stay;
/// of the rest, those older than `max_age` go unless `in_use` holds them (compared by path,
/// also after resolving symlinks, so `/tmp` vs `/private/tmp` style aliases match).
pub fn cleanup(
    dir: &Path,
    in_use: &HashSet<PathBuf>,
    keep_latest: usize,
    max_age: Duration,
    now: SystemTime,
) -> Result<CleanupReport, SceneError> {
    let snaps = scan(dir)?;
    let canon_in_use: HashSet<PathBuf> = in_use
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let used = |p: &Path| {
        in_use.contains(p)
            || std::fs::canonicalize(p)
                .map(|c| canon_in_use.contains(&c))
                .unwrap_or(false)
    };
    let mut report = CleanupReport::default();
    for (i, s) in snaps.into_iter().enumerate() {
        let age = now.duration_since(s.written).unwrap_or(Duration::ZERO);
        if i < keep_latest || age <= max_age {
            report.kept.push(s.path);
            continue;
        }
        if used(&s.path) {
            report.kept_in_use.push(s.path.clone());
            report.kept.push(s.path);
            continue;
        }
        match std::fs::remove_file(&s.path) {
            Ok(()) => {
                report.bytes_freed += s.size;
                report.removed.push(s.path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report.removed.push(s.path),
            Err(e) => report.failed.push((s.path, e.to_string())),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::utc_timestamp;
    use super::*;
    use std::fs::{File, FileTimes};

    fn make(dir: &Path, name: &str, age: Duration, now: SystemTime) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, b"snap").unwrap();
        let f = File::options().write(true).open(&p).unwrap();
        f.set_times(FileTimes::new().set_modified(now - age))
            .unwrap();
        p
    }

    const H: Duration = Duration::from_secs(3600);

    #[test]
    fn names_parse_only_when_brm_made_them() {
        assert_eq!(
            parse_name("my-shot-20261128T193512Z-4242-7.ma"),
            Some(("my-shot", "20261128T193512Z", 4242, 7, "ma"))
        );
        assert!(parse_name("shot.ma").is_none());
        assert!(parse_name("shot-20261128T193512Z-4242-7.txt").is_none());
        assert!(parse_name("shot-2026112xT193512Z-4242-7.ma").is_none());
        assert!(parse_name("-20261128T193512Z-1-1.ma").is_none());
        assert!(parse_name("shot-20261128T193512Z-x-1.ma").is_none());
    }

    #[test]
    fn name_timestamps_round_trip() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(timestamp_time(&utc_timestamp(t)), Some(t));
    }

    #[test]
    fn keeps_latest_young_and_in_use_and_ignores_foreign_files() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let mut paths = Vec::new();
        // 8 snapshots, 1 h .. 8 days old.
        for (i, age) in [1u64, 2, 30, 40, 50, 60, 70, 200].iter().enumerate() {
            paths.push(make(
                d.path(),
                &format!("s-20260101T000000Z-1-{i}.ma"),
                H * (*age as u32),
                now,
            ));
        }
        let foreign = make(d.path(), "notes.ma", H * 500, now);
        let in_use: HashSet<PathBuf> = [paths[7].clone()].into_iter().collect();
        let r = cleanup(d.path(), &in_use, 5, H * 24, now).unwrap();
        // Newest 5 kept (1,2,30,40,50 h); 60 h and 70 h removed; 200 h in use kept.
        let mut removed = r.removed.clone();
        removed.sort();
        assert_eq!(removed, vec![paths[5].clone(), paths[6].clone()]);
        assert_eq!(r.kept_in_use, vec![paths[7].clone()]);
        assert_eq!(r.kept.len(), 6);
        assert!(r.failed.is_empty());
        assert_eq!(r.bytes_freed, 8);
        assert!(foreign.exists());
        assert!(!paths[5].exists() && paths[7].exists() && paths[0].exists());
    }

    #[test]
    fn young_snapshots_beyond_the_latest_stay() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        for i in 0..7 {
            make(
                d.path(),
                &format!("s-20260101T000000Z-1-{i}.mb"),
                H * (i + 1),
                now,
            );
        }
        let r = cleanup(d.path(), &HashSet::new(), 5, H * 24, now).unwrap();
        assert!(r.removed.is_empty());
        assert_eq!(r.kept.len(), 7);
        let r = cleanup(d.path(), &HashSet::new(), 0, Duration::from_secs(1800), now).unwrap();
        assert_eq!(r.removed.len(), 7);
    }

    #[test]
    fn missing_directory_is_empty() {
        let d = tempfile::tempdir().unwrap();
        let r = cleanup(
            &d.path().join("none"),
            &HashSet::new(),
            5,
            H,
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(r, CleanupReport::default());
    }

    #[cfg(unix)]
    #[test]
    fn in_use_matches_through_symlinked_directories() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let now = SystemTime::now();
        let p = make(&real, "s-20260101T000000Z-1-0.ma", H * 100, now);
        let in_use: HashSet<PathBuf> = [link.join(p.file_name().unwrap())].into_iter().collect();
        let r = cleanup(&real, &in_use, 0, H, now).unwrap();
        assert!(r.removed.is_empty(), "{r:?}");
        assert_eq!(r.kept_in_use.len(), 1);
    }
}
