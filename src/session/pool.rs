//! Idle warm sessions waiting for their next chunk, and sessions being ended.
//!
//! An idle session counts against its slot: the scheduler gives its slot to another scene
//! only by ending it ([`SessionPool::end_on_slot`]). It ends by itself after the idle time
//! (`BRM_WARM_IDLE_S`). Ending is TERM with stdin closed, KILL after a short grace, followed
//! here until the group is empty, without blocking the engine.

use std::time::{Duration, Instant};

use super::{SceneIds, Session, SessionKey};

/// TERM → KILL grace when ending an idle session (it holds no unsaved work).
const END_GRACE: Duration = Duration::from_secs(2);

/// The idle sessions of one engine.
#[derive(Default)]
pub struct SessionPool {
    idle: Vec<Session>,
    ending: Vec<(Session, Instant)>,
    next_id: u64,
    /// Content ids of scenes (cached).
    pub scenes: SceneIds,
}

impl SessionPool {
    /// A new session id.
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Keep an idle session for reuse.
    pub fn put(&mut self, s: Session) {
        self.idle.push(s);
    }

    /// Take the idle session with `key`, if there is one.
    pub fn take(&mut self, key: &SessionKey) -> Option<Session> {
        let i = self.idle.iter().position(|s| s.key() == key)?;
        Some(self.idle.swap_remove(i))
    }

    /// The idle session on `slot`, if any.
    pub fn on_slot(&self, slot: usize) -> Option<&Session> {
        self.idle.iter().find(|s| s.key().slot == slot)
    }

    /// End the idle sessions on `slot` (another scene needs it); returns their ids.
    pub fn end_on_slot(&mut self, slot: usize) -> Vec<Session> {
        let (ended, kept): (Vec<Session>, Vec<Session>) = std::mem::take(&mut self.idle)
            .into_iter()
            .partition(|s| s.key().slot == slot);
        self.idle = kept;
        ended
    }

    /// Stop `s` (TERM now, KILL after a grace) and follow it until its group is empty.
    pub fn end(&mut self, mut s: Session) {
        s.terminate();
        self.ending.push((s, Instant::now() + END_GRACE));
    }

    /// Idle sessions past `idle_for` or whose process ended, taken out (the caller notes
    /// and ends them); sessions being ended are killed after their grace and dropped once
    /// gone.
    pub fn expire(&mut self, idle_for: Duration) -> Vec<(Session, &'static str)> {
        let now = Instant::now();
        let mut out = Vec::new();
        let mut kept = Vec::new();
        for mut s in std::mem::take(&mut self.idle) {
            let _ = s.drain_idle();
            if !matches!(s.try_exit(), Ok(None)) {
                out.push((s, "its process ended while idle"));
            } else if now.duration_since(s.idle_since()) >= idle_for {
                out.push((s, "idle timeout (BRM_WARM_IDLE_S)"));
            } else {
                kept.push(s);
            }
        }
        self.idle = kept;
        self.ending.retain_mut(|(s, kill_at)| {
            let _ = s.try_exit();
            if !s.group_alive() {
                return false;
            }
            if now >= *kill_at {
                s.kill();
            }
            true
        });
        out
    }

    /// Idle sessions, for status.
    pub fn idle(&self) -> &[Session] {
        &self.idle
    }

    /// Nothing idle and nothing being ended.
    pub fn is_empty(&self) -> bool {
        self.idle.is_empty() && self.ending.is_empty()
    }

    /// End every session (the engine stops): stdin closed and TERM.
    pub fn end_all(&mut self) {
        for s in std::mem::take(&mut self.idle) {
            self.end(s);
        }
    }
}
