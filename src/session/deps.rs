//! The external files a warm session's scene depends on, and whether they changed since
//! the scene was loaded (issue 19 §1).
//!
//! Why: a session is reused because its scene file's content is unchanged, but a scene also
//! reads images, libraries, caches, references. A texture fixed on disk must not render old
//! from a session that loaded it before. The session lists those files once its scene is
//! loaded (`@brm {"event":"dependencies","files":[…]}`); brm records each file's identity
//! here and checks it again before every reuse of the session, for a new job and for the
//! next chunk of the same job.
//!
//! Identity is what `stat` gives: size, modification time to the nanosecond, inode and
//! device. An editor that saves in place changes size or mtime; one that writes a new file
//! and renames it over the old changes the inode. A file that was there and is gone, or
//! was absent and appeared, counts as changed too. No content hash: a tool that rewrites a
//! file with the same size and restores its mtime to the nanosecond is not one a studio runs
//! on textures, and hashing 1,000 textures before every chunk would cost more than the load
//! the session saves. A folder (an image sequence's, a cache's) is recorded the same way:
//! its mtime changes when a file in it is added, removed or renamed over.
//!
//! The identity is taken when brm reads the list, i.e. after the scene was opened: a file
//! changed in the instant between the renderer reading it and brm's stat is not seen. Blender
//! reads image pixels only when it first renders, after that stat, so for textures the
//! record is, if anything, older than what was rendered (a change then ends the session).

use std::path::{Path, PathBuf};

/// What `stat` says of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    pub len: u64,
    /// Modification time in nanoseconds since the epoch (`None` where the platform has none).
    pub mtime_ns: Option<i128>,
    pub inode: u64,
    pub device: u64,
}

impl FileIdentity {
    /// The identity of `path` now; `None` when it does not exist or cannot be read.
    pub fn of(path: &Path) -> Option<FileIdentity> {
        let m = std::fs::metadata(path).ok()?;
        let mtime_ns = m
            .modified()
            .ok()
            .map(|t| match t.duration_since(std::time::UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            });
        let (inode, device) = inode_device(&m);
        Some(FileIdentity {
            len: m.len(),
            mtime_ns,
            inode,
            device,
        })
    }

    /// What differs from `now`, as words for a note ("size/mtime").
    fn differences(&self, now: &FileIdentity) -> String {
        let mut d = Vec::new();
        if self.len != now.len {
            d.push("size");
        }
        if self.mtime_ns != now.mtime_ns {
            d.push("mtime");
        }
        if self.inode != now.inode {
            d.push("inode");
        }
        if self.device != now.device {
            d.push("device");
        }
        d.join("/")
    }
}

#[cfg(unix)]
fn inode_device(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.ino(), m.dev())
}

#[cfg(not(unix))]
fn inode_device(_m: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// A file that is not what it was when the scene was loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    /// "size/mtime", "it is gone", "it appeared".
    pub what: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.what.as_str() {
            "gone" => write!(
                f,
                "{} is gone since the scene was loaded",
                self.path.display()
            ),
            "appeared" => write!(
                f,
                "{} appeared since the scene was loaded (it was missing then)",
                self.path.display()
            ),
            what => write!(
                f,
                "{} changed since the scene was loaded ({what})",
                self.path.display()
            ),
        }
    }
}

/// The recorded identities of a scene's dependencies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependencies {
    files: Vec<(PathBuf, Option<FileIdentity>)>,
}

impl Dependencies {
    /// Record the identity of each of `paths` now (duplicates once; a missing one as absent).
    pub fn record<I: IntoIterator<Item = PathBuf>>(paths: I) -> Dependencies {
        let mut paths: Vec<PathBuf> = paths.into_iter().collect();
        paths.sort();
        paths.dedup();
        Dependencies {
            files: paths
                .into_iter()
                .map(|p| {
                    let id = FileIdentity::of(&p);
                    (p, id)
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How many of them were missing when recorded.
    pub fn missing(&self) -> usize {
        self.files.iter().filter(|(_, id)| id.is_none()).count()
    }

    /// The first file (in path order) that is not as recorded; `None`: all unchanged.
    pub fn first_change(&self) -> Option<Change> {
        self.files.iter().find_map(|(path, was)| {
            let now = FileIdentity::of(path);
            let what = match (was, now) {
                (Some(a), Some(b)) if *a == b => return None,
                (None, None) => return None,
                (Some(a), Some(b)) => a.differences(&b),
                (Some(_), None) => "gone".to_string(),
                (None, Some(_)) => "appeared".to_string(),
            };
            Some(Change {
                path: path.clone(),
                what,
            })
        })
    }
}

/// What brm knows of a session's dependencies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DepState {
    /// The session has not (yet) listed them: not reusable across jobs.
    Unknown,
    /// It tried and could not (a malformed or incomplete list; the reason).
    Unlisted(String),
    /// Listed and recorded.
    Listed(Dependencies),
}

/// Why an idle session may not take the next chunk, as the note's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotReusable {
    Changed(Change),
    /// Its dependencies are not known and the chunk is another job's.
    Unknown {
        reason: String,
    },
}

impl std::fmt::Display for NotReusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotReusable::Changed(c) => c.fmt(f),
            NotReusable::Unknown { reason } => write!(
                f,
                "it could not list the files its scene depends on ({reason}), so it is not reused for another job"
            ),
        }
    }
}

impl DepState {
    /// Whether a session in this state, which rendered for `jobs`, may render the next
    /// chunk of `job`: its files unchanged, or, unknown, only for the job it already serves.
    pub fn reuse_check(
        &self,
        jobs: &std::collections::BTreeSet<u64>,
        job: u64,
    ) -> Result<(), NotReusable> {
        let same_job = jobs.iter().all(|j| *j == job);
        match self {
            DepState::Listed(d) => match d.first_change() {
                Some(c) => Err(NotReusable::Changed(c)),
                None => Ok(()),
            },
            _ if same_job => Ok(()),
            DepState::Unknown => Err(NotReusable::Unknown {
                reason: "it printed no dependencies line".into(),
            }),
            DepState::Unlisted(why) => Err(NotReusable::Unknown {
                reason: why.clone(),
            }),
        }
    }
}

/// The job-log note when session `id` is not reused.
pub fn not_reused_note(id: u64, why: &NotReusable) -> String {
    format!("warm session {id} not reused: {why}; starting a fresh session")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn unchanged_files_pass_and_each_kind_of_change_is_named() {
        let d = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            d.path().join("a.png"),
            d.path().join("b.png"),
            d.path().join("c.png"),
        );
        std::fs::write(&a, b"one").unwrap();
        std::fs::write(&b, b"two").unwrap();
        let deps = Dependencies::record([a.clone(), b.clone(), c.clone(), a.clone()]);
        assert_eq!((deps.len(), deps.missing()), (3, 1));
        assert_eq!(deps.first_change(), None);

        // Same size, rewritten in place: mtime (ns) tells.
        let before = FileIdentity::of(&b).unwrap();
        std::fs::write(&b, b"TWO").unwrap();
        let mtime =
            |ns: i128| std::time::UNIX_EPOCH + std::time::Duration::from_nanos((ns + 1_000) as u64);
        let f = std::fs::File::options().write(true).open(&b).unwrap();
        f.set_modified(mtime(before.mtime_ns.unwrap())).unwrap();
        drop(f);
        let ch = deps.first_change().unwrap();
        assert_eq!(
            (ch.path.as_path(), ch.what.as_str()),
            (b.as_path(), "mtime")
        );
        assert_eq!(
            ch.to_string(),
            format!("{} changed since the scene was loaded (mtime)", b.display())
        );

        // Another size.
        let deps = Dependencies::record([a.clone()]);
        std::fs::write(&a, b"longer").unwrap();
        assert!(deps.first_change().unwrap().what.contains("size"));

        // Renamed over with identical size and mtime: the inode tells (Unix; Windows has
        // no stable file id in std, and a rename there keeps only size and mtime to go by).
        #[cfg(unix)]
        {
            let deps = Dependencies::record([a.clone()]);
            let id = FileIdentity::of(&a).unwrap();
            let tmp = d.path().join("new.png");
            std::fs::write(&tmp, b"LONGER").unwrap();
            let f = std::fs::File::options().write(true).open(&tmp).unwrap();
            f.set_modified(mtime(id.mtime_ns.unwrap() - 1_000)).unwrap();
            drop(f);
            std::fs::rename(&tmp, &a).unwrap();
            assert_eq!(deps.first_change().unwrap().what, "inode");
        }

        // Gone, and appeared.
        let deps = Dependencies::record([a.clone(), c.clone()]);
        std::fs::remove_file(&a).unwrap();
        let gone = deps.first_change().unwrap();
        assert_eq!(gone.what, "gone");
        assert_eq!(
            gone.to_string(),
            format!("{} is gone since the scene was loaded", a.display())
        );
        let deps = Dependencies::record([c.clone()]);
        std::fs::write(&c, b"new").unwrap();
        assert_eq!(deps.first_change().unwrap().what, "appeared");
    }

    #[test]
    fn unknown_dependencies_keep_a_session_to_its_own_job() {
        let jobs: BTreeSet<u64> = [4].into_iter().collect();
        assert_eq!(DepState::Unknown.reuse_check(&jobs, 4), Ok(()));
        let e = DepState::Unknown.reuse_check(&jobs, 5).unwrap_err();
        assert_eq!(
            not_reused_note(3, &e),
            "warm session 3 not reused: it could not list the files its scene depends on (it printed no dependencies line), so it is not reused for another job; starting a fresh session"
        );
        let e = DepState::Unlisted("no \"files\" list".into())
            .reuse_check(&jobs, 5)
            .unwrap_err();
        assert!(e.to_string().contains("no \"files\" list"));
        assert_eq!(
            DepState::Listed(Dependencies::default()).reuse_check(&jobs, 5),
            Ok(())
        );
    }

    #[test]
    fn the_note_names_the_changed_file() {
        let d = tempfile::tempdir().unwrap();
        let wood = d.path().join("wood.png");
        std::fs::write(&wood, b"old").unwrap();
        let state = DepState::Listed(Dependencies::record([wood.clone()]));
        let was = std::fs::metadata(&wood).unwrap().modified().unwrap();
        std::fs::write(&wood, b"newer").unwrap();
        let f = std::fs::File::options().write(true).open(&wood).unwrap();
        f.set_modified(was + std::time::Duration::from_secs(1))
            .unwrap();
        drop(f);
        let e = state.reuse_check(&BTreeSet::new(), 1).unwrap_err();
        assert_eq!(
            not_reused_note(3, &e),
            format!(
                "warm session 3 not reused: {} changed since the scene was loaded (size/mtime); starting a fresh session",
                wood.display()
            )
        );
    }
}
