//! Requests that change a job (cancel, retry), its derived state, and persistence
//! (transactions, flushing logs with their offsets).

use super::*;

impl State {
    pub(super) fn cancel(&mut self, id: u64, grace: Duration) -> crate::Result<()> {
        let job = self.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        if job.state.is_final() || job.cancel_requested {
            return Ok(());
        }
        job.cancel_requested = true;
        for t in job.tasks.iter_mut() {
            if t.state == TaskState::Queued {
                t.state = TaskState::Cancelled;
            }
        }
        let ntasks = job.tasks.len();
        self.note(
            id,
            &format!(
                "cancel requested: stopping running renders (grace {} ms)",
                grace.as_millis()
            ),
        );
        // Persisted (committed) before any signal: an agent that dies during the grace
        // leaves a cancel the next agent carries on to KILL, never a task it retries.
        let grace_ms = grace.as_millis().min(i64::MAX as u128) as i64;
        let recorded = self.batch(|st| {
            store::set_job_cancel(&st.conn, id, now_ms(), grace_ms).map_err(st.dbe())?;
            for ti in 0..ntasks {
                st.save_task(id, ti)?;
            }
            st.commit()
        });
        match recorded {
            Ok(()) => {}
            // A full state disk must not keep a render (maybe the one filling it) running:
            // the cancel acts now and is recorded when space returns (`space`).
            Err(e) if self.space.is_some() || space::is_disk_full(&e) => {
                self.pause_for_space(false, &e.to_string());
                self.note(
                    id,
                    "the cancel cannot be recorded until space returns: it holds while this agent runs",
                );
            }
            Err(e) => return Err(e),
        }
        for r in self.running.values_mut().filter(|r| r.job_id == id) {
            r.runner.cancel(grace);
        }
        self.refresh_job(id)
    }

    /// The rest of a persisted cancel's grace, for a re-attached render (zero when it is
    /// over: KILL at once).
    pub(super) fn remaining_grace(cancel_ms: i64, grace_ms: i64) -> Duration {
        let left = cancel_ms.saturating_add(grace_ms).saturating_sub(now_ms());
        Duration::from_millis(left.max(0) as u64)
    }

    pub(super) fn retry(&mut self, id: u64) -> crate::Result<()> {
        let job = self.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        match job.state {
            JobState::Failed | JobState::Cancelled => {}
            JobState::Done => {
                return Err(QueueError::InvalidState {
                    id,
                    state: "done".into(),
                    hint: "every frame is rendered; submit again to re-render".into(),
                }
                .into())
            }
            s => {
                return Err(QueueError::InvalidState {
                    id,
                    state: s.as_str().into(),
                    hint: "wait for it to finish, or cancel it first".into(),
                }
                .into())
            }
        }
        if !job.spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "the job's scene {} is gone (snapshot removed?); submit the scene again",
                job.spec.scene.display()
            )));
        }
        store::set_job_cancel(&self.conn, id, 0, 0).map_err(db(&self.db_path))?;
        let job = self.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        job.cancel_requested = false;
        job.paused = false;
        job.error = None;
        job.finished_ms = 0;
        job.log.keep_in_memory();
        let mut n = 0;
        for t in job.tasks.iter_mut() {
            if matches!(t.state, TaskState::Failed | TaskState::Cancelled) {
                t.state = TaskState::Queued;
                t.retries_used = 0;
                t.error = None;
                n += 1;
            }
        }
        let ntasks = job.tasks.len();
        self.note(
            id,
            &format!("retry requested: {n} task(s) queued again with their unfinished frames"),
        );
        for ti in 0..ntasks {
            self.save_task(id, ti)?;
        }
        self.refresh_job(id)
    }

    /// Derive a job's state from its tasks; persist and announce changes.
    pub(super) fn refresh_job(&mut self, id: u64) -> crate::Result<()> {
        let Some(job) = self.jobs.get_mut(&id) else {
            return Ok(());
        };
        let count = |s: TaskState| job.tasks.iter().filter(|t| t.state == s).count();
        let (running, queued, done, failed) = (
            count(TaskState::Running),
            count(TaskState::Queued),
            count(TaskState::Done),
            count(TaskState::Failed),
        );
        // Paused wins over running: the tasks already rendering finish, but the job must
        // read "paused" everywhere (CLI, JSON, C ABI, Maya) so nobody waits for new tasks.
        let new = if job.paused && !job.cancel_requested && (running > 0 || queued > 0) {
            JobState::Paused
        } else if running > 0 {
            JobState::Running
        } else if done == job.tasks.len() {
            JobState::Done
        } else if job.cancel_requested {
            JobState::Cancelled
        } else if queued > 0 {
            if job.paused {
                JobState::Paused
            } else if job.started_ms > 0 {
                JobState::Running
            } else {
                JobState::Queued
            }
        } else if failed > 0 {
            JobState::Failed
        } else {
            JobState::Cancelled
        };
        if new == job.state && !(new == JobState::Running && job.started_ms == 0) {
            return Ok(());
        }
        let old = job.state;
        job.state = new;
        let now = now_ms();
        // The clock stops while the job is paused.
        if new == JobState::Paused && job.paused_since_ms == 0 {
            job.paused_since_ms = now;
        } else if new != JobState::Paused && job.paused_since_ms > 0 {
            job.paused_total_ms += (now - job.paused_since_ms).max(0);
            job.paused_since_ms = 0;
        }
        if old == JobState::Paused || new == JobState::Paused {
            store::set_job_pause(&self.conn, id, job.paused_since_ms, job.paused_total_ms)
                .map_err(db(&self.db_path))?;
        }
        if new == JobState::Running && job.started_ms == 0 {
            job.started_ms = now;
        }
        if new.is_final() {
            job.finished_ms = now;
            if new == JobState::Failed {
                let errs: Vec<String> = job.tasks.iter().filter_map(|t| t.error.clone()).collect();
                job.error = Some(errs.join("; "));
            }
        }
        store::update_job(
            &self.conn,
            id,
            new.as_str(),
            job.started_ms,
            job.finished_ms,
            job.error.as_deref(),
        )
        .map_err(db(&self.db_path))?;
        if old != new {
            let frames_done: usize = job.tasks.iter().map(|t| t.done.len()).sum();
            let total: usize = job.tasks.iter().map(|t| t.plan.frames.len()).sum();
            let msg = format!("job {id} {}: {frames_done}/{total} frames", new.as_str());
            self.note(id, &msg);
            if new.is_final() {
                self.notify_ended(id);
                let _ = self.cleanup_snapshots();
                if let Some(job) = self.jobs.get_mut(&id) {
                    let _ = job.log.flush();
                    let _ = job.task_lines.flush();
                    job.log.release_memory();
                }
            }
        }
        Ok(())
    }

    pub(super) fn cleanup_snapshots(&self) -> crate::Result<Vec<PathBuf>> {
        let in_use: HashSet<PathBuf> = self
            .jobs
            .values()
            .filter(|j| !j.state.is_final())
            .map(|j| j.spec.scene.clone())
            .collect();
        let report =
            self.snapshots
                .cleanup(&in_use, self.cfg.keep_snapshots, self.cfg.snapshot_max_age)?;
        Ok(report.removed)
    }

    /// Run `f` inside one transaction (rolled back if it fails).
    pub(super) fn batch<T>(
        &mut self,
        f: impl FnOnce(&mut State) -> crate::Result<T>,
    ) -> crate::Result<T> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(db(&self.db_path))?;
        let r = f(self);
        let end = if r.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.conn.execute_batch(end).map_err(db(&self.db_path));
        let v = r?;
        ended?;
        Ok(v)
    }

    /// Flush job logs, then persist log lengths and ingested offsets together.
    pub(super) fn commit(&mut self) -> crate::Result<()> {
        let dirty_jobs: Vec<u64> = self
            .jobs
            .values()
            .filter(|j| j.log_dirty)
            .map(|j| j.id)
            .collect();
        let dirty_attempts: Vec<(u64, u64)> = self
            .running
            .iter()
            .filter(|(_, r)| r.offset_dirty)
            .map(|(id, r)| (*id, r.runner.offset()))
            .collect();
        if dirty_jobs.is_empty() && dirty_attempts.is_empty() {
            return Ok(());
        }
        for id in &dirty_jobs {
            if let Some(j) = self.jobs.get_mut(id) {
                j.log.flush()?;
                // An index for `brm log --task`; losing it never loses a log line.
                let _ = j.task_lines.flush();
            }
        }
        // Inside a tick's transaction already, or a transaction of its own.
        let own = self.conn.is_autocommit();
        if own {
            self.conn
                .execute_batch("BEGIN")
                .map_err(db(&self.db_path))?;
        }
        let written = (|| -> rusqlite::Result<()> {
            for id in &dirty_jobs {
                if let Some(j) = self.jobs.get(id) {
                    store::update_job_log(&self.conn, *id, j.log.len(), j.log.next_seq())?;
                }
            }
            for (aid, off) in &dirty_attempts {
                store::update_attempt_offset(&self.conn, *aid, *off)?;
            }
            Ok(())
        })();
        if own {
            let end = if written.is_ok() {
                "COMMIT"
            } else {
                "ROLLBACK"
            };
            self.conn.execute_batch(end).map_err(db(&self.db_path))?;
        }
        written.map_err(db(&self.db_path))?;
        for id in dirty_jobs {
            if let Some(j) = self.jobs.get_mut(&id) {
                j.log_dirty = false;
            }
        }
        for (aid, _) in dirty_attempts {
            if let Some(r) = self.running.get_mut(&aid) {
                r.offset_dirty = false;
            }
        }
        Ok(())
    }
}
