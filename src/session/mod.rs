//! Warm render sessions (issue 13, DESIGN §10): one long-lived renderer per GPU slot that
//! loads a scene once and renders chunk after chunk on request.
//!
//! ```text
//!   start ─▶ loading ──"session_ready"──▶ rendering chunk ──"chunk_done"──▶ idle ─┐
//!              │                              ▲                                 │
//!              │                              └──────── next request ───────────┘
//!              └─ crash / hang / memory / fatal line / cancel ─▶ killed with its group
//! ```
//!
//! Why: a Maya scene takes 30–120 s to open; a job of many chunks pays that per chunk, and
//! a re-submit of the same shot pays it again. A session pays it once per slot.
//!
//! - [`Session`]: the process (own process group, pinned like any render, stdin a pipe for
//!   [`request`]s, stdout+stderr appended to its own log file under `logs/sessions/`).
//! - [`SessionKey`]: what a session may render — the slot, the exact command (program, script
//!   options, layer, environment) and the scene *content* (length + hash of the bytes), so a
//!   content-identical snapshot of a re-submit reuses it and a different one never does.
//! - [`Dependencies`]: the files the loaded scene reads (images, libraries, caches,
//!   references) with their identity, checked before every reuse (`deps`).
//! - [`WarmChunk`]: one chunk rendered on a session, the warm `runner::Backend` of an
//!   attempt (`chunk`): the engine's `AttemptRunner` drives it like a cold one.
//! - [`SessionPool`]: idle sessions, their idle timeout, and sessions being ended (`pool`).

mod chunk;
mod deps;
mod memory;
mod pool;
pub mod request;
mod scene_id;

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ChildStdin;
use std::time::Instant;

pub use chunk::WarmChunk;
pub use deps::{not_reused_note, Change, DepState, Dependencies, FileIdentity, NotReusable};
pub use pool::SessionPool;
pub use scene_id::{SceneId, SceneIds};

use crate::run::{
    Child, CommandSpec, ExitInfo, LogTail, Process, RenderPriority, RunError, TailLine,
};

/// What a session may render: reuse needs all four equal (and its dependencies unchanged,
/// [`DepState::reuse_check`]). Kept apart so a note can say which one differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionKey {
    pub slot: usize,
    /// Hash of the command minus the scene path: program, arguments, session setup.
    pub command: u64,
    /// Hash of the environment (variables, and whether it starts empty).
    pub env: u64,
    pub scene: SceneId,
}

impl SessionKey {
    /// The key of `command` on `slot`: `volatile` arguments (the snapshot's path, a job's
    /// task file) left out, `setup` (what the session sets up from data) in.
    pub fn new(
        slot: usize,
        command: &CommandSpec,
        volatile: &[String],
        setup: &str,
        scene: SceneId,
    ) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        command.program.hash(&mut h);
        for a in &command.args {
            // The snapshot's path differs between re-submits; its content is in `scene`.
            if volatile.contains(a) {
                "<volatile>".hash(&mut h);
            } else {
                a.hash(&mut h);
            }
        }
        setup.hash(&mut h);
        let mut e = std::collections::hash_map::DefaultHasher::new();
        let mut env = command.env.clone();
        env.sort();
        env.hash(&mut e);
        command.env_clear.hash(&mut e);
        SessionKey {
            slot,
            command: h.finish(),
            env: e.finish(),
            scene,
        }
    }

    /// What differs from `other`, in words: "slot", "command", "environment", "scene".
    pub fn differences(&self, other: &SessionKey) -> Vec<&'static str> {
        let mut d = Vec::new();
        if self.slot != other.slot {
            d.push("slot");
        }
        if self.command != other.command {
            d.push("command");
        }
        if self.env != other.env {
            d.push("environment");
        }
        if self.scene != other.scene {
            d.push("scene");
        }
        d
    }
}

/// Why a session of `old` cannot render a task of `new` (`None`: a cold task), for the note
/// that ends it.
pub fn why_not_same(old: &SessionKey, new: Option<&SessionKey>) -> String {
    let Some(new) = new else {
        return "the task renders cold".into();
    };
    let d = old.differences(new);
    fn words(w: &'static str) -> &'static str {
        match w {
            "scene" => "scene content",
            "command" => "render command (renderer, options, layer)",
            "environment" => "environment variables",
            other => other,
        }
    }
    match d.as_slice() {
        [] => "the same scene and command (its files changed)".into(),
        [only] => format!(
            "its task differs only in its {} from what the session loaded",
            words(only)
        ),
        many => format!(
            "its task differs in {} from what the session loaded",
            many.iter().map(|w| words(w)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A warm session's process and its pipe.
pub struct Session {
    id: u64,
    key: SessionKey,
    proc: Process,
    stdin: Option<ChildStdin>,
    pid: u32,
    start_time: u64,
    command: CommandSpec,
    log_path: PathBuf,
    tail: LogTail,
    ready: bool,
    started: Instant,
    next_chunk: u64,
    /// Chunks it rendered to the end.
    chunks: u32,
    /// Jobs it rendered for (a re-submit of the same scene adds one).
    jobs: BTreeSet<u64>,
    /// What it loaded, for notes and `brm agent status`.
    scene: PathBuf,
    layer: String,
    idle_since: Instant,
    /// The files its scene depends on, as listed when it loaded.
    deps: DepState,
}

impl Session {
    /// Start `command` in its own process group, output appended to `log_path`, requests
    /// through its stdin, at `priority` (lowered on a workstation, issue 20).
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        id: u64,
        key: SessionKey,
        command: CommandSpec,
        log_path: &Path,
        scene: PathBuf,
        layer: String,
        priority: RenderPriority,
    ) -> Result<Session, RunError> {
        // Opened before the spawn, at the file's end: every line the session prints is read.
        let tail = LogTail::open_at_end(log_path)?;
        let child = Child::spawn_piped(&command, log_path, priority)?;
        let stdin = child.take_stdin();
        let (pid, start_time) = (child.pid(), child.start_time());
        Ok(Session {
            id,
            key,
            proc: Process::Child(child),
            stdin,
            pid,
            start_time,
            command,
            log_path: log_path.to_path_buf(),
            tail,
            ready: false,
            started: Instant::now(),
            next_chunk: 1,
            chunks: 0,
            jobs: BTreeSet::new(),
            scene,
            layer,
            idle_since: Instant::now(),
            deps: DepState::Unknown,
        })
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn key(&self) -> &SessionKey {
        &self.key
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    pub fn command(&self) -> &CommandSpec {
        &self.command
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn is_ready(&self) -> bool {
        self.ready
    }

    pub fn chunks(&self) -> u32 {
        self.chunks
    }

    pub fn jobs(&self) -> &BTreeSet<u64> {
        &self.jobs
    }

    pub fn scene(&self) -> &Path {
        &self.scene
    }

    pub fn layer(&self) -> &str {
        &self.layer
    }

    pub fn deps(&self) -> &DepState {
        &self.deps
    }

    /// Whether it may render the next chunk of `job` (see [`DepState::reuse_check`]).
    pub fn reuse_check(&self, job: u64) -> Result<(), NotReusable> {
        self.deps.reuse_check(&self.jobs, job)
    }

    pub fn idle_since(&self) -> Instant {
        self.idle_since
    }

    /// How long it has existed (the scene load of its first chunk included).
    pub fn age(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    fn send(&mut self, req: &request::Request<'_>) -> std::io::Result<()> {
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the session's stdin is closed",
            )
        })?;
        stdin.write_all(req.line().as_bytes())?;
        stdin.flush()
    }

    fn read_lines(&mut self, out: &mut Vec<TailLine>) -> Result<(), RunError> {
        self.tail.read_lines(out).map(|_| ())
    }

    /// Ended: `Some(status)`; `None` while it runs.
    pub fn try_exit(&mut self) -> Result<Option<Option<ExitInfo>>, RunError> {
        self.proc.try_exit()
    }

    /// Polite stop of the group (TERM), stdin closed first: an idle session reading its
    /// requests ends on end of input by itself.
    pub fn terminate(&mut self) {
        self.stdin = None;
        self.proc.terminate();
    }

    /// Forced stop of every process of the group.
    pub fn kill(&mut self) {
        self.stdin = None;
        self.proc.kill();
    }

    pub fn group_alive(&self) -> bool {
        self.proc.group_alive()
    }

    /// Lines printed while idle (nothing is expected) are read and dropped, so the next
    /// chunk's log starts at its own request; returns them for a note.
    pub fn drain_idle(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        let _ = self.read_lines(&mut lines);
        lines.into_iter().map(|l| l.text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_volatile_paths_and_nothing_else() {
        let scene = SceneId { len: 10, hash: 7 };
        let cmd = |snap: &str, layer: &str| {
            let mut c = CommandSpec::new("/usr/bin/blender").args([
                "-b",
                snap,
                "--python",
                "s.py",
                "--",
                "--view-layer",
                layer,
            ]);
            c.env = vec![("CUDA_VISIBLE_DEVICES".into(), "GPU-1".into())];
            c
        };
        let key = |c: &CommandSpec, snap: &str, setup: &str, slot: usize, scene: SceneId| {
            SessionKey::new(slot, c, &[snap.to_string()], setup, scene)
        };
        let a = key(
            &cmd("/snap/a.blend", "beauty"),
            "/snap/a.blend",
            "",
            1,
            scene,
        );
        // A re-submit: another snapshot path, same content.
        let b = key(
            &cmd("/snap/b.blend", "beauty"),
            "/snap/b.blend",
            "",
            1,
            scene,
        );
        assert_eq!(a, b);
        let other_layer = key(&cmd("/snap/b.blend", "fx"), "/snap/b.blend", "", 1, scene);
        assert_ne!(a, other_layer);
        let other_slot = key(
            &cmd("/snap/a.blend", "beauty"),
            "/snap/a.blend",
            "",
            2,
            scene,
        );
        assert_ne!(a, other_slot);
        let other_setup = key(
            &cmd("/snap/a.blend", "beauty"),
            "/snap/a.blend",
            "{}",
            1,
            scene,
        );
        assert_ne!(a, other_setup);
        let changed = SceneId { len: 10, hash: 8 };
        let other_scene = key(
            &cmd("/snap/a.blend", "beauty"),
            "/snap/a.blend",
            "",
            1,
            changed,
        );
        assert_ne!(a, other_scene);
        let mut env = cmd("/snap/a.blend", "beauty");
        env.env.push(("ARNOLD_LICENSE_HOST".into(), "lic02".into()));
        let other_env = key(&env, "/snap/a.blend", "", 1, scene);
        assert_ne!(a, other_env);
        assert_eq!(a.differences(&other_env), ["environment"]);
        assert_eq!(a.differences(&other_layer), ["command"]);
        assert_eq!(a.differences(&other_scene), ["scene"]);
        assert_eq!(
            why_not_same(&a, Some(&other_env)),
            "its task differs only in its environment variables from what the session loaded"
        );
        assert_eq!(
            why_not_same(&a, Some(&other_scene)),
            "its task differs only in its scene content from what the session loaded"
        );
        let both = key(&env, "/snap/a.blend", "", 1, changed);
        assert_eq!(
            why_not_same(&a, Some(&both)),
            "its task differs in environment variables, scene content from what the session loaded"
        );
        assert_eq!(why_not_same(&a, None), "the task renders cold");
    }
}
