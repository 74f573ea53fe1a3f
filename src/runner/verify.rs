//! Output verification: a frame is done when **this attempt** wrote its file, the file is
//! not empty, and it is whole by its format's own structure ([`super::complete`]: a
//! renderer that crashed while writing leaves a fresh, truncated file).
//!
//! brm chooses every output name (DESIGN §3), so for each task and frame it knows the file
//! prefix `<image_name>.<padded frame>.`; the extension (and any AOV suffix before it) is
//! whatever the renderer wrote.
//!
//! Which files are this attempt's: before the render starts, the runner takes a
//! [`Baseline`] of the files already there for the attempt's frames (path, size,
//! modification time, inode). After it, a file counts only when it is not in the baseline
//! or differs from it (rewritten in place: new mtime/size; written anew and renamed: new
//! inode). Why this rule and not the others:
//!
//! - *mtime after the attempt started* compares the file server's clock with ours: on NFS
//!   or SMB (where farms and studios write frames) a server a few seconds behind makes fresh
//!   frames look old, and a coarse timestamp (FAT: 2 s) makes old ones look fresh. The
//!   baseline compares the file only with itself.
//! - *render to a fresh name, then rename* needs every renderer's cooperation: brm decides
//!   the name pattern, but Maya's `Render`, the renderers' own drivers and AOV files write
//!   where the pattern says, so there is no name brm could move from.
//! - *moving stale files aside* changes the artist's folder before anything was rendered:
//!   a render that fails at start would leave their earlier frames moved away.
//!
//! The baseline is kept in the host's record of the attempt (SQLite for the agent), so a
//! re-attached render is judged by the same rule. What was kept and what was overwritten is
//! in [`Freshness`], for the host to say.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::{expected_file_prefix, Task};

/// Like [`find_outputs`], but first tries the file-name endings (extension, AOV suffix) seen
/// before for this job, so a task costs a few `stat`s instead of reading a folder that may
/// hold thousands of frames. Only when a frame is still missing is the folder read, and the
/// endings found there are learned.
pub fn find_outputs_cached(
    task: &Task,
    frames: &[i64],
    endings: &mut Vec<String>,
) -> BTreeMap<i64, Vec<PathBuf>> {
    if !endings.is_empty() {
        let found = stat_known_endings(task, frames, endings);
        if found.len() == frames.len() {
            return found;
        }
    }
    let found = find_outputs(task, frames);
    for (f, files) in &found {
        let prefix = expected_file_prefix(task, *f);
        for p in files {
            if let Some(end) = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix(&prefix))
            {
                if !endings.iter().any(|e| e == end) && endings.len() < 64 {
                    endings.push(end.to_string());
                }
            }
        }
    }
    found
}

/// The identity of one file: what changes when anything writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub path: PathBuf,
    pub len: u64,
    pub mtime_ns: i128,
    pub ino: u64,
}

impl FileId {
    /// The file's identity now; `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<FileId> {
        let m = std::fs::metadata(path).ok()?;
        let mtime_ns = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0);
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        Some(FileId {
            path: path.to_path_buf(),
            len: m.len(),
            mtime_ns,
            ino,
        })
    }
}

/// The files that already existed for an attempt's frames before it started (see the
/// module doc). Empty: nothing was there, every file found afterwards is the attempt's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub files: Vec<FileId>,
}

impl Baseline {
    /// Record what is there now for `frames` (call before the render starts). Once the job
    /// has learned its file-name endings, only those are `stat`ed (a task start must not
    /// read a folder of thousands of frames); the job's first attempt reads the folder.
    pub fn take(task: &Task, frames: &[i64], endings: &mut Vec<String>) -> Baseline {
        let found = if endings.is_empty() {
            find_outputs_cached(task, frames, endings)
        } else {
            stat_known_endings(task, frames, endings)
        };
        Baseline {
            files: found
                .values()
                .flatten()
                .filter_map(|p| FileId::of(p))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The frames (of `task`) that had a file before the attempt.
    pub fn frames(&self, task: &Task, frames: &[i64]) -> Vec<i64> {
        frames
            .iter()
            .copied()
            .filter(|&f| {
                let prefix = expected_file_prefix(task, f);
                self.files.iter().any(|id| {
                    id.path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&prefix))
                })
            })
            .collect()
    }

    /// Whether `path` is exactly as it was before the attempt (not written by it).
    fn unchanged(&self, path: &Path) -> bool {
        let Some(before) = self.files.iter().find(|b| b.path == path) else {
            return false;
        };
        FileId::of(path).is_some_and(|now| now == *before)
    }
}

/// What verification made of the files that were there before the attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Freshness {
    /// Frames whose earlier file the attempt wrote again (they count).
    pub overwritten: Vec<i64>,
    /// Frames whose earlier file the attempt left as it was (they do not count).
    pub kept: Vec<i64>,
    /// Frames the attempt wrote but left incomplete (cut short, unfinished): the file and
    /// what is wrong with it ([`super::complete`]). They do not count and render again.
    pub damaged: Vec<(i64, PathBuf, String)>,
}

/// Keep only the files this attempt wrote, whole (see the module doc): a frame whose files
/// are all unchanged since the baseline, or one of whose fresh files is incomplete, is
/// dropped from `found`.
pub fn only_fresh(
    found: BTreeMap<i64, Vec<PathBuf>>,
    baseline: &Baseline,
    task: &Task,
    frames: &[i64],
) -> (BTreeMap<i64, Vec<PathBuf>>, Freshness) {
    let (fresh, mut fr) = fresh_files(found, baseline, task, frames);
    let mut whole = BTreeMap::new();
    for (f, files) in fresh {
        let bad = files.iter().find_map(|p| match super::complete::check(p) {
            super::complete::Completeness::Incomplete(why) => Some((p.clone(), why)),
            _ => None,
        });
        match bad {
            Some((p, why)) => fr.damaged.push((f, p, why)),
            None => {
                whole.insert(f, files);
            }
        }
    }
    (whole, fr)
}

fn fresh_files(
    found: BTreeMap<i64, Vec<PathBuf>>,
    baseline: &Baseline,
    task: &Task,
    frames: &[i64],
) -> (BTreeMap<i64, Vec<PathBuf>>, Freshness) {
    if baseline.is_empty() {
        return (found, Freshness::default());
    }
    let before = baseline.frames(task, frames);
    let mut fresh: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    for (f, files) in found {
        let new: Vec<PathBuf> = files
            .into_iter()
            .filter(|p| !baseline.unchanged(p))
            .collect();
        if !new.is_empty() {
            fresh.insert(f, new);
        }
    }
    let mut fr = Freshness::default();
    for f in before {
        if fresh.contains_key(&f) {
            fr.overwritten.push(f);
        } else {
            fr.kept.push(f);
        }
    }
    (fresh, fr)
}

/// Why frames are missing when the cause is the output folder's disk: "no space left on
/// <folder>" (a full disk, or a zero-byte frame on a nearly full one), else `None`. A render
/// that fills the disk usually exits 1 with the renderer's own words buried in its log;
/// this says what to do.
pub fn disk_full_reason(dir: &Path) -> Option<String> {
    let free = free_bytes(dir)?;
    // Less than one small frame's worth: the renderer could not have written a frame.
    if free < 64 * 1024 {
        Some(format!(
            "no space left on {} ({} KiB free); free some space there or choose another --output",
            dir.display(),
            free / 1024
        ))
    } else {
        None
    }
}

/// Bytes an unprivileged writer can still use on the filesystem of `dir` (or of its
/// nearest existing parent); `None` when it cannot be asked.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut d = dir;
        while !d.exists() {
            d = d.parent()?;
        }
        let c = std::ffi::CString::new(d.as_os_str().as_bytes()).ok()?;
        // SAFETY: statvfs writes into the zeroed struct; the path is a valid C string.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
            return None;
        }
        Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// The non-empty files of `frames` with one of the known `endings` (no folder read).
fn stat_known_endings(
    task: &Task,
    frames: &[i64],
    endings: &[String],
) -> BTreeMap<i64, Vec<PathBuf>> {
    let mut found: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    for &f in frames {
        let prefix = expected_file_prefix(task, f);
        for end in endings {
            let p = task.output_dir.join(format!("{prefix}{end}"));
            if std::fs::metadata(&p)
                .map(|m| m.is_file() && m.len() > 0)
                .unwrap_or(false)
            {
                found.entry(f).or_default().push(p);
            }
        }
    }
    found
}

/// The non-empty files found for each of `frames` in the task's output directory.
/// Frames with no file are absent from the map.
pub fn find_outputs(task: &Task, frames: &[i64]) -> BTreeMap<i64, Vec<PathBuf>> {
    let head = format!("{}.", task.image_name);
    // "0007." → 7: the part of each expected prefix after the image name.
    let wanted: HashMap<String, i64> = frames
        .iter()
        .map(|&f| (expected_file_prefix(task, f)[head.len()..].to_string(), f))
        .collect();
    let mut found: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(&task.output_dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(&head) else {
            continue;
        };
        let Some(dot) = rest.find('.') else { continue };
        let Some(&frame) = wanted.get(&rest[..=dot]) else {
            continue;
        };
        let non_empty = entry
            .metadata()
            .map(|m| m.is_file() && m.len() > 0)
            .unwrap_or(false);
        if non_empty {
            found.entry(frame).or_default().push(entry.path());
        }
    }
    for files in found.values_mut() {
        files.sort();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(dir: &std::path::Path) -> Task {
        Task {
            index: 0,
            layer: "rs_beauty".into(),
            layer_display: "beauty".into(),
            frames: vec![1, 2, 3],
            output_dir: dir.to_path_buf(),
            image_name: "shot.v1".into(),
            padding: 4,
            renderer: None,
        }
    }

    #[test]
    fn finds_non_empty_files_with_any_extension_and_aov_suffix() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("shot.v1.0001.exr"), b"x").unwrap();
        std::fs::write(d.path().join("shot.v1.0002.diffuse.exr"), b"x").unwrap();
        std::fs::write(d.path().join("shot.v1.0003.exr"), b"").unwrap(); // empty: not done
        std::fs::write(d.path().join("shot.v1.00010.exr"), b"x").unwrap(); // other padding
        let found = find_outputs(&task(d.path()), &[1, 2, 3]);
        assert_eq!(found.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn unchanged_earlier_files_do_not_count_rewritten_ones_do() {
        let d = tempfile::tempdir().unwrap();
        let t = task(d.path());
        for f in 1..=3 {
            std::fs::write(d.path().join(format!("shot.v1.000{f}.exr")), b"old").unwrap();
        }
        let base = Baseline::take(&t, &[1, 2, 3], &mut Vec::new());
        assert_eq!(base.files.len(), 3);
        // Frame 1 rewritten in place (new size), frame 2 replaced by rename (new inode),
        // frame 3 left alone.
        std::fs::write(d.path().join("shot.v1.0001.exr"), b"new frame").unwrap();
        let tmp = d.path().join("tmp.exr");
        std::fs::write(&tmp, b"old").unwrap();
        std::fs::rename(&tmp, d.path().join("shot.v1.0002.exr")).unwrap();
        let found = find_outputs(&t, &[1, 2, 3]);
        assert_eq!(found.len(), 3);
        let (fresh, fr) = only_fresh(found, &base, &t, &[1, 2, 3]);
        assert_eq!(fresh.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(fr.overwritten, vec![1, 2]);
        assert_eq!(fr.kept, vec![3]);
        let json = serde_json::to_string(&base).unwrap();
        assert_eq!(serde_json::from_str::<Baseline>(&json).unwrap(), base);
    }

    #[test]
    fn a_full_disk_is_named_a_roomy_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(disk_full_reason(d.path()), None);
        assert_eq!(disk_full_reason(&d.path().join("not/yet/made")), None);
    }

    #[test]
    fn cached_endings_find_the_same_files_and_learn_new_ones() {
        let d = tempfile::tempdir().unwrap();
        let t = task(d.path());
        std::fs::write(d.path().join("shot.v1.0001.exr"), b"x").unwrap();
        std::fs::write(d.path().join("shot.v1.0001.diffuse.exr"), b"x").unwrap();
        let mut endings = Vec::new();
        let a = find_outputs_cached(&t, &[1], &mut endings);
        assert_eq!(a[&1].len(), 2);
        endings.sort();
        assert_eq!(endings, ["diffuse.exr", "exr"]);
        std::fs::write(d.path().join("shot.v1.0002.exr"), b"x").unwrap();
        std::fs::write(d.path().join("shot.v1.0002.diffuse.exr"), b"x").unwrap();
        let b = find_outputs_cached(&t, &[2], &mut endings);
        assert_eq!(b[&2].len(), 2);
        std::fs::write(d.path().join("shot.v1.0003.png"), b"x").unwrap();
        let c = find_outputs_cached(&t, &[3], &mut endings);
        assert_eq!(
            c[&3].len(),
            1,
            "a new ending is found by reading the folder"
        );
        assert!(endings.iter().any(|e| e == "png"));
    }
}
