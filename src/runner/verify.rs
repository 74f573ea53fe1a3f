//! Output verification: a frame is done when its file exists and is not empty.
//!
//! brm chooses every output name (DESIGN §3), so for each task and frame it knows the file
//! prefix `<image_name>.<padded frame>.`; the extension (and any AOV suffix before it) is
//! whatever the renderer wrote.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

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
    let mut found: BTreeMap<i64, Vec<PathBuf>> = BTreeMap::new();
    if !endings.is_empty() {
        for &f in frames {
            let prefix = expected_file_prefix(task, f);
            for end in endings.iter() {
                let p = task.output_dir.join(format!("{prefix}{end}"));
                if std::fs::metadata(&p)
                    .map(|m| m.is_file() && m.len() > 0)
                    .unwrap_or(false)
                {
                    found.entry(f).or_default().push(p);
                }
            }
        }
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
