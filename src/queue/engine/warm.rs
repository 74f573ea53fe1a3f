//! Warm sessions in the engine (issue 13): which chunk may render warm, on which session,
//! starting one, giving a slot to another scene, idle expiry, and what status shows.
//!
//! Rules: a queued chunk goes first to an idle session of the same key (slot, command,
//! environment, scene content) on a free slot the job may use, once the files its scene
//! depends on are checked unchanged (issue 19: else the session ends, with a note naming the
//! file, and a fresh one loads the scene); else to a free slot — one without a
//! session first — where a session of another scene is ended at once, and a new session
//! starts when the job may render warm. A job opts out with `cold`; a task whose session
//! failed renders the rest cold (`TaskRt::cold`). Blender and brm's custom mayapy script have
//! a session mode; the other levels always render cold.

use super::*;
use crate::session::{Session, SessionKey, WarmChunk};

impl State {
    /// Whether the task's next attempt may render in a warm session.
    pub(super) fn warm_eligible(&self, job_id: u64, task_idx: usize) -> bool {
        if !self.cfg.warm_sessions {
            return false;
        }
        let Some(job) = self.jobs.get(&job_id) else {
            return false;
        };
        let t = &job.tasks[task_idx];
        let level = job.levels.get(t.level_idx).copied();
        !job.spec.cold
            && !t.cold
            && (level == Some(Method::MayapyCustom)
                || (level == Some(Method::Blender) && t.remaining().iter().all(|f| *f >= 0)))
    }

    /// The session command and key of the task on `slot`; `None` when it cannot be built
    /// (the cold path then reports what is wrong).
    pub(super) fn session_plan(
        &mut self,
        job_id: u64,
        task_idx: usize,
        slot: usize,
    ) -> Option<(SessionKey, CommandSpec)> {
        let job = self.jobs.get(&job_id)?;
        let t = &job.tasks[task_idx];
        let level = *job.levels.get(t.level_idx)?;
        let kind = &self.slots.get(slot)?.kind;
        let work_dir = self.cfg.paths.state.join("jobs").join(job_id.to_string());
        std::fs::create_dir_all(&work_dir).ok()?;
        let sc =
            plan::command::session_command(&job.spec, &t.plan, level, kind, &job.exes, &work_dir)
                .ok()??;
        let id = self.sessions.scenes.id(&job.spec.scene).ok()?;
        let key = SessionKey::new(slot, &sc.command, &sc.volatile, &sc.setup, id);
        Some((key, sc.command))
    }

    /// A free slot of the job holding an idle session this task may render in.
    pub(super) fn warm_match(
        &mut self,
        job_id: u64,
        task_idx: usize,
    ) -> Option<(usize, SessionKey, CommandSpec)> {
        if !self.warm_eligible(job_id, task_idx) {
            return None;
        }
        let allowed = self.jobs.get(&job_id)?.allowed.clone();
        for slot in allowed {
            let free = self.slots.get(slot).is_some_and(|s| s.busy.is_none());
            if !free || self.sessions.on_slot(slot).is_none() {
                continue;
            }
            if let Some((key, cmd)) = self.session_plan(job_id, task_idx, slot) {
                let check = match self.sessions.on_slot(slot) {
                    Some(s) if *s.key() == key => s.reuse_check(job_id),
                    _ => continue,
                };
                match check {
                    Ok(()) => return Some((slot, key, cmd)),
                    Err(why) => self.end_changed_session(job_id, slot, &why),
                }
            }
        }
        None
    }

    /// End the idle session on `slot` whose scene's files changed (or are unknown, for
    /// another job), with one note saying which file. Why end rather than reload in place
    /// (Blender `image.reload()`, `library.reload()`): a fresh session is correct for every
    /// kind of file (caches, volumes, Maya references) and every renderer, while a reload
    /// must know each kind and how each renderer's persistent data caches it; the cost is
    /// one scene load, paid only when an input really changed.
    fn end_changed_session(&mut self, job_id: u64, slot: usize, why: &crate::session::NotReusable) {
        for s in self.sessions.end_on_slot(slot) {
            let msg = crate::session::not_reused_note(s.id(), why);
            self.note(job_id, &msg);
            self.sessions.end(s);
        }
    }

    /// A free slot for a task that found no session of its own: one without a session
    /// first; an idle session of another scene on the chosen slot ends now.
    pub(super) fn free_slot_for(&mut self, job_id: u64, task_idx: usize) -> Option<usize> {
        let job = self.jobs.get(&job_id)?;
        let free: Vec<usize> = job
            .allowed
            .iter()
            .copied()
            .filter(|&i| self.slots.get(i).is_some_and(|s| s.busy.is_none()))
            .collect();
        let slot = free
            .iter()
            .copied()
            .find(|&i| self.sessions.on_slot(i).is_none())
            .or_else(|| free.first().copied())?;
        if self.sessions.on_slot(slot).is_none() {
            return Some(slot);
        }
        // What this task's session would be on the slot, to say what differs.
        let wanted = if self.warm_eligible(job_id, task_idx) {
            self.session_plan(job_id, task_idx, slot).map(|(k, _)| k)
        } else {
            None
        };
        for s in self.sessions.end_on_slot(slot) {
            let msg = format!(
                "warm session {} ({}, {}) ended after {} chunk(s): slot {slot} is needed by job {job_id}, and {}",
                s.id(),
                s.scene().display(),
                if s.layer().is_empty() { "all view layers".to_string() } else { format!("layer '{}'", s.layer()) },
                s.chunks(),
                crate::session::why_not_same(s.key(), wanted.as_ref())
            );
            self.note(job_id, &msg);
            self.sessions.end(s);
        }
        Some(slot)
    }

    /// End idle sessions past `BRM_WARM_IDLE_S` or whose process ended; follow ending ones.
    pub(super) fn expire_sessions(&mut self) {
        let idle = self.cfg.warm_idle;
        for (s, why) in self.sessions.expire(idle) {
            let msg = format!(
                "warm session {} ended after {} chunk(s) for job(s) {}: {why}",
                s.id(),
                s.chunks(),
                join_ids(s.jobs())
            );
            if let Some(&j) = s.jobs().iter().next_back() {
                if self.jobs.contains_key(&j) {
                    self.note(j, &msg);
                    if let Some(job) = self.jobs.get_mut(&j) {
                        job.log_dirty = true;
                    }
                }
            }
            self.sessions.end(s);
        }
    }

    /// The session on `slot`, for `brm agent status`.
    pub(super) fn session_status(&self, slot: usize) -> Option<SlotSession> {
        let status = |s: &Session, state: &str, idle_s: u64| SlotSession {
            id: s.id(),
            pid: s.pid(),
            state: state.into(),
            scene: s.scene().to_string_lossy().into_owned(),
            layer: s.layer().to_string(),
            chunks: s.chunks(),
            jobs: s.jobs().iter().copied().collect(),
            idle_s,
        };
        let running = self
            .slots
            .get(slot)?
            .busy
            .and_then(|a| self.running.get(&a));
        if let Some(w) = running.and_then(|r| r.runner.backend::<WarmChunk>()) {
            return Some(status(w.session(), "rendering", 0));
        }
        self.sessions
            .on_slot(slot)
            .map(|s| status(s, "idle", s.idle_since().elapsed().as_secs()))
    }

    pub(super) fn slot_desc(&self, slot: usize) -> String {
        match self.slots.get(slot).map(|s| &s.kind) {
            Some(GpuSlot::Gpu { index, uuid }) => format!(
                "GPU {index}{}",
                uuid.as_ref().map(|u| format!(" ({u})")).unwrap_or_default()
            ),
            _ => "CPU".to_string(),
        }
    }

    /// Start the task's next attempt in a warm session on `slot`: the idle one of `key`,
    /// else a new one running `cmd` (which loads the scene, then takes the chunk).
    pub(super) fn start_warm(
        &mut self,
        job_id: u64,
        task_idx: usize,
        slot: usize,
        key: SessionKey,
        cmd: CommandSpec,
    ) -> crate::Result<()> {
        if let Some(why) = self.level_unavailable(job_id, task_idx)? {
            return self.skip_level(job_id, task_idx, why);
        }
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let frames = job.tasks[task_idx].remaining();
        if frames.is_empty() {
            job.tasks[task_idx].state = TaskState::Done;
            self.save_task(job_id, task_idx)?;
            return self.refresh_job(job_id);
        }
        let (scene, layer) = (
            job.spec.scene.clone(),
            job.tasks[task_idx].plan.layer.clone(),
        );
        let level = job
            .levels
            .get(job.tasks[task_idx].level_idx)
            .copied()
            .unwrap_or(Method::Blender);
        let reused = self.sessions.take(&key);
        let is_new = reused.is_none();
        let session = match reused {
            Some(s) => s,
            None => {
                let id = self.sessions.next_id();
                let log = self
                    .cfg
                    .paths
                    .logs()
                    .join("sessions")
                    .join(format!("session-{id}.log"));
                match Session::start(id, key, cmd, &log, scene, layer, self.cfg.render_priority) {
                    Ok(s) => s,
                    Err(e) => {
                        return self.level_failed_to_start(job_id, task_idx, level, &e.to_string())
                    }
                }
            }
        };
        let how = format!(
            " in warm session {} ({})",
            session.id(),
            if is_new {
                "new: loads the scene"
            } else {
                "reused: scene already loaded"
            }
        );
        let commands = vec![session.command().clone()];
        let log_path = session.log_path().to_path_buf();
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        job.tasks[task_idx].warm_chunks += 1;
        let chunk = WarmChunk::new(
            session,
            &frames,
            &job.tasks[task_idx].plan,
            job_id,
            self.cfg.warm_max_rss,
        );
        self.launch(
            job_id,
            task_idx,
            slot,
            level,
            frames,
            commands,
            log_path,
            &how,
            Box::new(chunk),
        )
    }

    /// After a warm chunk's outcome: keep its session for the next chunk when the chunk
    /// ended cleanly with every frame, else end it. Returns the note for the job log
    /// (`None` when `runner` was not a warm chunk).
    pub(super) fn settle_session(
        &mut self,
        runner: AttemptRunner,
        all_found: bool,
    ) -> Option<String> {
        let (backend, undisturbed) = runner.into_backend();
        let chunk = (backend as Box<dyn std::any::Any>)
            .downcast::<WarmChunk>()
            .ok()?;
        let sid = chunk.session().id();
        Some(match chunk.into_session(undisturbed) {
            Some(s) if all_found => {
                self.sessions.put(s);
                format!("warm session {sid} kept for the next chunk of this scene")
            }
            Some(s) => {
                self.sessions.end(s);
                format!("warm session {sid} ended: the chunk's frames are not all there")
            }
            None => format!("warm session {sid} ended (killed with its process group)"),
        })
    }
}
fn join_ids(ids: &std::collections::BTreeSet<u64>) -> String {
    ids.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
