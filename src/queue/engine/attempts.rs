//! Scheduling attempts onto slots and driving their runners to an outcome (done, fall
//! back, retry the remaining frames, fail).

use super::*;
use crate::runner::policy::{self, Ended, FailReason, Next};

impl State {
    /// Start queued tasks on free slots: priority first, then submission order.
    pub(super) fn schedule(&mut self) -> crate::Result<()> {
        let mut order: Vec<(i32, u64)> = self
            .jobs
            .values()
            .filter(|j| !j.state.is_final() && !j.paused && !j.cancel_requested)
            .map(|j| (-j.spec.priority, j.id))
            .collect();
        order.sort();
        // A job that waits for another (`--after`) starts once that one is done.
        let mut allowed = Vec::with_capacity(order.len());
        for (p, id) in order {
            if self.after_allows(id)? {
                allowed.push((p, id));
            }
        }
        let order = allowed;
        for (_, job_id) in order {
            loop {
                if !self.slots.iter().any(|s| s.busy.is_none()) {
                    return Ok(());
                }
                let Some(job) = self.jobs.get(&job_id) else {
                    break;
                };
                let Some(task_idx) = job.tasks.iter().position(|t| t.state == TaskState::Queued)
                else {
                    break;
                };
                // A warm session of this scene first (issue 13), then a free slot.
                if let Some((slot, key, cmd)) = self.warm_match(job_id, task_idx) {
                    self.start_warm(job_id, task_idx, slot, key, cmd)?;
                    continue;
                }
                let Some(slot) = self.free_slot_for(job_id, task_idx) else {
                    break;
                };
                if self.warm_eligible(job_id, task_idx) {
                    if let Some((key, cmd)) = self.session_plan(job_id, task_idx, slot) {
                        self.start_warm(job_id, task_idx, slot, key, cmd)?;
                        continue;
                    }
                }
                self.start_attempt(job_id, task_idx, slot)?;
            }
        }
        Ok(())
    }

    /// Start the task's next attempt at its current level on `slot`. When the level cannot
    /// even be started (executable missing), that counts as failing before any frame.
    pub(super) fn start_attempt(
        &mut self,
        job_id: u64,
        task_idx: usize,
        slot: usize,
    ) -> crate::Result<()> {
        if let Some(why) = self.level_unavailable(job_id, task_idx)? {
            return self.skip_level(job_id, task_idx, why);
        }
        let work_dir = self.cfg.paths.state.join("jobs").join(job_id.to_string());
        let (level, frames, built) = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let task = &mut job.tasks[task_idx];
            let level = job
                .levels
                .get(task.level_idx)
                .copied()
                .unwrap_or(Method::Auto);
            let frames = task.remaining();
            let slot_kind = self.slots[slot].kind.clone();
            let built = std::fs::create_dir_all(&work_dir)
                .map_err(|e| crate::Error::io(format!("creating {}", work_dir.display()), e))
                .and_then(|_| {
                    plan::command_for(
                        &job.spec, &task.plan, &frames, level, &slot_kind, &job.exes, &work_dir,
                    )
                    .map_err(crate::Error::from)
                });
            (level, frames, built)
        };
        if frames.is_empty() {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            job.tasks[task_idx].state = TaskState::Done;
            self.save_task(job_id, task_idx)?;
            return self.refresh_job(job_id);
        }
        let commands = match built {
            Ok(c) if !c.is_empty() => c,
            Ok(_) => {
                return self.level_failed_to_start(
                    job_id,
                    task_idx,
                    level,
                    "the plan produced no command",
                )
            }
            Err(e) => return self.level_failed_to_start(job_id, task_idx, level, &e.to_string()),
        };
        // One raw log per job and slot: a slot runs one render at a time, so attempts follow
        // each other in the file, each tailed from where it starts. (Creating a file per
        // attempt cost more than everything else brm does for a short task.)
        let log_path = slot_log_path(&self.cfg.paths.logs(), job_id, slot);
        let backend = match Commands::new(&log_path, Some(self.notify.clone())) {
            Ok(b) => Box::new(b),
            Err(e) => return self.level_failed_to_start(job_id, task_idx, level, &e.to_string()),
        };
        self.launch(
            job_id, task_idx, slot, level, frames, commands, log_path, "", backend,
        )
    }

    /// Start one attempt of the task on `slot`, cold or warm (`backend`): count it, say
    /// what runs where (`how` completes the note: which warm session), take the baseline,
    /// start it and record it. One path for both, so they cannot drift.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn launch(
        &mut self,
        job_id: u64,
        task_idx: usize,
        slot: usize,
        level: Method,
        frames: Vec<i64>,
        commands: Vec<CommandSpec>,
        log_path: PathBuf,
        how: &str,
        backend: Box<dyn Backend>,
    ) -> crate::Result<()> {
        let attempt_no = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            job.tasks[task_idx].attempts += 1;
            job.tasks[task_idx].attempts
        };
        let slot_desc = self.slot_desc(slot);
        // A .blend job without --layer renders all its view layers: say so, not `layer ''`.
        let layer = match self.jobs[&job_id].tasks[task_idx]
            .plan
            .layer_display
            .as_str()
        {
            "" => "all view layers".to_string(),
            l => format!("layer '{l}'"),
        };
        self.note(
            job_id,
            &format!(
                "task {task_idx} ({layer}, frames {}) attempt {attempt_no}: {}{how} on {slot_desc}",
                frames_text(&frames),
                method_name(level)
            ),
        );
        let spec = attempt_spec(
            &self.jobs[&job_id],
            level,
            frames.clone(),
            commands.clone(),
            log_path.clone(),
            self.cfg.render_priority,
        );
        let launched = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let mut sink = JobSink {
                log: &mut job.log,
                tasks: &mut job.task_lines,
                task: task_idx as u32,
                dirty: false,
                started: None,
                flush_error: None,
            };
            // Only files this attempt writes count as its frames (runner::verify).
            let r = AttemptRunner::start(
                spec,
                backend,
                &job.tasks[task_idx].plan,
                &mut job.endings,
                &mut sink,
            );
            job.log_dirty |= sink.dirty;
            r
        };
        let runner = match launched {
            Ok(r) => r,
            Err(e) => return self.level_failed_to_start(job_id, task_idx, level, &e.to_string()),
        };
        self.record_running(
            job_id, task_idx, slot, level, &frames, &commands, &log_path, runner,
        )
    }

    /// The programs of a job, from its environment (the agent's when it carries none).
    pub(super) fn job_exes(&self, spec: &JobSpec) -> Executables {
        Executables::for_job(
            &spec.env,
            spec.maya_version.as_deref(),
            &self.cfg.report,
            &self.exes.scripts_dir,
            &self.exes.blender_scripts_dir,
        )
    }

    /// Why the task's current level cannot start now (its program vanished since submit,
    /// checked again after resolving the job's environment anew), or `None`.
    pub(super) fn level_unavailable(
        &mut self,
        job_id: u64,
        task_idx: usize,
    ) -> crate::Result<Option<plan::PlanError>> {
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let level = job.levels.get(job.tasks[task_idx].level_idx).copied();
        let Some(level) = level else {
            return Ok(None);
        };
        if job.exes.check_level(level).is_ok() {
            return Ok(None);
        }
        let fresh = self.job_exes(&job.spec);
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        job.exes = fresh;
        Ok(job.exes.check_level(level).err())
    }

    /// A level that cannot exist is not a failed attempt: one note, then the next level, or
    /// the task fails with what to install or set.
    pub(super) fn skip_level(
        &mut self,
        job_id: u64,
        task_idx: usize,
        why: plan::PlanError,
    ) -> crate::Result<()> {
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let task = &mut job.tasks[task_idx];
        let level = job
            .levels
            .get(task.level_idx)
            .copied()
            .unwrap_or(Method::Auto);
        let msg = if task.level_idx + 1 < job.levels.len() {
            task.level_idx += 1;
            task.state = TaskState::Queued;
            format!(
                "task {task_idx}: level {} skipped: {why}; using {}",
                method_name(level),
                method_name(job.levels[task.level_idx])
            )
        } else {
            task.state = TaskState::Failed;
            task.error = Some(why.to_string());
            format!("task {task_idx} failed: {why}")
        };
        self.note(job_id, &msg);
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    /// Persist a started attempt (cold or warm) and mark its slot and task running. One
    /// place for both, so the rules stay the same: an attempt that cannot be recorded is
    /// stopped at once (no agent would ever find it again, and it would run twice), and the
    /// files that were there before it are stored with it (only files it writes count).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_running(
        &mut self,
        job_id: u64,
        task_idx: usize,
        slot: usize,
        level: Method,
        frames: &[i64],
        commands: &[CommandSpec],
        log_path: &Path,
        attempt: AttemptRunner,
    ) -> crate::Result<()> {
        let inserted = store::insert_attempt(
            &self.conn,
            &AttemptRow {
                id: 0,
                task_id: self.jobs[&job_id].tasks[task_idx].id,
                job_id,
                level: method_name(level).into(),
                frames: serde_json::to_string(frames).unwrap_or_else(|_| "[]".into()),
                slot: slot as u32,
                commands: serde_json::to_string(commands).unwrap_or_else(|_| "[]".into()),
                cmd_index: 0,
                pid: attempt.pid(),
                start_time: attempt.start_time(),
                log_path: log_path.to_string_lossy().into_owned(),
                log_offset: attempt.offset(),
                state: "running".into(),
                started_ms: now_ms(),
            },
        );
        let attempt_id = match inserted {
            Ok(id) => id,
            Err(e) => {
                let mut attempt = attempt;
                attempt.cancel(Duration::ZERO);
                return Err(self.dbe()(e).into());
            }
        };
        if !attempt.tracker().baseline().is_empty() {
            let json = serde_json::to_string(attempt.tracker().baseline()).unwrap_or_default();
            store::set_attempt_baseline(&self.conn, attempt_id, &json).map_err(self.dbe())?;
        }
        self.slots[slot].busy = Some(attempt_id);
        self.running.insert(
            attempt_id,
            Running {
                job_id,
                task_idx,
                slot,
                runner: attempt,
                offset_dirty: false,
            },
        );
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        job.tasks[task_idx].state = TaskState::Running;
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    /// A level could not start or failed before any frame: fall back or fail the task.
    pub(super) fn level_failed_to_start(
        &mut self,
        job_id: u64,
        task_idx: usize,
        level: Method,
        why: &str,
    ) -> crate::Result<()> {
        let job = self
            .jobs
            .get_mut(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let task = &mut job.tasks[task_idx];
        let msg;
        if task.done.is_empty() && task.level_idx + 1 < job.levels.len() {
            task.level_idx += 1;
            task.state = TaskState::Queued;
            msg = format!(
                "task {task_idx}: level {} failed before any frame finished ({why}); falling back to {}",
                method_name(level),
                method_name(job.levels[task.level_idx])
            );
        } else {
            task.state = TaskState::Failed;
            task.error = Some(format!("{} could not render: {why}", method_name(level)));
            msg = format!(
                "task {task_idx} failed: {} could not render: {why}",
                method_name(level)
            );
        }
        self.note(job_id, &msg);
        self.save_task(job_id, task_idx)?;
        self.refresh_job(job_id)
    }

    pub(super) fn save_task(&self, job_id: u64, task_idx: usize) -> crate::Result<()> {
        let job = self
            .jobs
            .get(&job_id)
            .ok_or(QueueError::NoSuchJob(job_id))?;
        let t = &job.tasks[task_idx];
        store::update_task(
            &self.conn,
            t.id,
            t.state.as_str(),
            t.level_idx as u32,
            t.retries_used,
            t.attempts,
            t.error.as_deref(),
        )
        .map_err(self.dbe())?;
        Ok(())
    }

    /// Poll every running render. Returns whether anything finished.
    pub(super) fn poll_all(&mut self) -> crate::Result<bool> {
        let ids: Vec<u64> = self.running.keys().copied().collect();
        let mut changed = false;
        for id in ids {
            changed |= self.poll_attempt(id)?;
        }
        Ok(changed)
    }

    pub(super) fn poll_attempt(&mut self, aid: u64) -> crate::Result<bool> {
        let Some(r) = self.running.get_mut(&aid) else {
            return Ok(false);
        };
        let Some(job) = self.jobs.get_mut(&r.job_id) else {
            return Ok(false);
        };
        let before = r.runner.offset();
        let mut sink = JobSink {
            log: &mut job.log,
            tasks: &mut job.task_lines,
            task: r.task_idx as u32,
            dirty: false,
            started: None,
            flush_error: None,
        };
        let polled = r.runner.poll(&mut sink);
        let (dirty, started, flush_error) = (sink.dirty, sink.started, sink.flush_error);
        job.log_dirty |= dirty;
        if let Some(e) = flush_error {
            return Err(e.into());
        }
        job.log.flush_if_over(1 << 20)?;
        r.offset_dirty |= r.runner.offset() != before;
        let state = polled?;
        if let Some((idx, pid, st)) = started {
            store::update_attempt_process(&self.conn, aid, idx as u32, pid, st)
                .map_err(self.dbe())?;
        }
        if state != AttemptState::Exited {
            return Ok(false);
        }
        self.finalize(aid)?;
        Ok(true)
    }

    /// An attempt ended: verify frames, then persist what `runner::policy` decides (done,
    /// fall back, re-run cold, retry the remaining frames, or fail).
    pub(super) fn finalize(&mut self, aid: u64) -> crate::Result<()> {
        let Some(mut r) = self.running.remove(&aid) else {
            return Ok(());
        };
        if let Some(s) = self.slots.get_mut(r.slot) {
            if s.busy == Some(aid) {
                s.busy = None;
            }
        }
        let job_id = r.job_id;
        let ti = r.task_idx;
        let (outcome, task_id) = {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let task = &job.tasks[ti].plan;
            (r.runner.verify(task, &mut job.endings), job.tasks[ti].id)
        };
        let Outcome {
            found,
            missing,
            reason,
            exit,
            fatal,
            cancelled,
            freshness,
            disk_full,
        } = outcome;
        // The latest frame this attempt verified becomes the layer's preview (made by the
        // preview worker, never here).
        if let Some((frame, files)) = found.iter().next_back() {
            // Of a frame's files (beauty and AOVs), the beauty has the shortest name.
            let beauty = files.iter().min_by_key(|f| f.as_os_str().len());
            if let (Some(file), Some(job)) = (beauty, self.jobs.get(&job_id)) {
                self.previews
                    .request(job_id, &job.tasks[ti].plan.layer_display, *frame, file);
            }
        }
        let mut newly = 0usize;
        for (frame, files) in &found {
            let files: Vec<String> = files
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            store::record_frame(
                &self.conn,
                task_id,
                job_id,
                *frame,
                &serde_json::to_string(&files).unwrap_or_else(|_| "[]".into()),
                aid,
            )
            .map_err(self.dbe())?;
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            if job.tasks[ti].done.insert(*frame, files).is_none() {
                newly += 1;
            }
        }
        store::update_attempt_offset(&self.conn, aid, r.runner.offset()).map_err(self.dbe())?;
        let attempt_state = if missing.is_empty() {
            "done"
        } else if cancelled {
            "cancelled"
        } else {
            "failed"
        };
        store::finish_attempt(
            &self.conn,
            aid,
            attempt_state,
            exit.as_ref().and_then(|e| e.code),
            (!missing.is_empty()).then_some(reason.as_str()),
        )
        .map_err(self.dbe())?;
        let level = r.runner.spec().level;
        let (warm_failed, session_note) = if r.runner.backend::<WarmChunk>().is_some() {
            let failed = r.runner.backend_failed();
            (failed, self.settle_session(r.runner, missing.is_empty()))
        } else {
            (false, None)
        };
        let out_dir = self.jobs[&job_id].tasks[ti].plan.output_dir.clone();
        let mut notes = Vec::new();
        if !freshness.overwritten.is_empty() {
            notes.push(format!(
                "task {ti}: overwrote {} earlier frame(s) in {}: {}",
                freshness.overwritten.len(),
                out_dir.display(),
                frames_text(&freshness.overwritten)
            ));
        }
        for (frame, file, why) in &freshness.damaged {
            notes.push(format!(
                "task {ti}: frame {frame}: {} is incomplete ({why}); it does not count: rendered again like a missing frame",
                file.display()
            ));
        }
        if !freshness.kept.is_empty() {
            notes.push(format!(
                "task {ti}: kept {} earlier frame(s) in {} that this attempt did not write again ({}); they do not count as rendered",
                freshness.kept.len(),
                out_dir.display(),
                frames_text(&freshness.kept)
            ));
        }
        notes.push(format!(
            "task {ti} {} ({reason}): {newly} frame(s) verified{}",
            if missing.is_empty() {
                "finished"
            } else {
                "stopped"
            },
            if missing.is_empty() {
                String::new()
            } else {
                format!(", {} missing: {}", missing.len(), frames_text(&missing))
            }
        ));
        notes.extend(session_note);
        {
            let job = self
                .jobs
                .get_mut(&job_id)
                .ok_or(QueueError::NoSuchJob(job_id))?;
            let max_retries = job.spec.max_retries;
            let nlevels = job.levels.len();
            let levels = job.levels.clone();
            let cancel = job.cancel_requested || cancelled;
            let task = &mut job.tasks[ti];
            let remaining = task.remaining();
            let next = policy::decide(&Ended {
                cancelled: cancel,
                disk_full,
                fatal: fatal.is_some(),
                warm_failed,
                written: found.len(),
                task_done: task.done.len(),
                task_missing: remaining.len(),
                retries_used: task.retries_used,
                max_retries,
                next_level: task.level_idx + 1 < nlevels,
            });
            match next {
                Next::Done => {
                    task.state = TaskState::Done;
                    task.error = None;
                }
                Next::Cancelled => task.state = TaskState::Cancelled,
                Next::Fail {
                    reason: FailReason::DiskFull,
                } => {
                    // Another level or a retry would meet the same full disk: say what to do.
                    task.state = TaskState::Failed;
                    let e = format!(
                        "frames {} were not rendered: {reason}",
                        frames_text(&remaining)
                    );
                    notes.push(format!("task {ti} failed: {e}"));
                    task.error = Some(e);
                }
                Next::RerunCold => {
                    // Issue 13 §3: what a failed session left is re-run cold, once, without
                    // counting a retry (a fresh renderer that loads the scene itself).
                    task.cold = true;
                    task.state = TaskState::Queued;
                    notes.push(format!(
                        "re-running the {} remaining frame(s) {} cold, outside the warm session",
                        remaining.len(),
                        frames_text(&remaining)
                    ));
                }
                Next::FallBack => {
                    task.level_idx += 1;
                    task.state = TaskState::Queued;
                    notes.push(format!(
                        "level {} failed before any frame finished; falling back to {}",
                        method_name(level),
                        method_name(levels[task.level_idx])
                    ));
                }
                Next::Fail {
                    reason: FailReason::Fatal,
                } => {
                    // Fatal means fatal: the same level would hit the same line again, so no
                    // retry; the error quotes the renderer.
                    task.state = TaskState::Failed;
                    let e = format!(
                        "frames {} were not rendered: {} stopped on a fatal renderer error: {}",
                        frames_text(&remaining),
                        method_name(level),
                        fatal.as_deref().unwrap_or_default()
                    );
                    notes.push(format!("task {ti} failed: {e}"));
                    task.error = Some(e);
                }
                Next::Retry => {
                    task.retries_used += 1;
                    task.state = TaskState::Queued;
                    notes.push(format!(
                        "retrying the {} remaining frame(s) {} on {} (retry {} of {max_retries})",
                        remaining.len(),
                        frames_text(&remaining),
                        method_name(levels.get(task.level_idx).copied().unwrap_or(level)),
                        task.retries_used
                    ));
                }
                Next::Fail {
                    reason: FailReason::NoRetriesLeft,
                } => {
                    task.state = TaskState::Failed;
                    let e = format!(
                        "frames {} were not rendered ({reason})",
                        frames_text(&remaining)
                    );
                    notes.push(format!("task {ti} failed: {e}"));
                    task.error = Some(e);
                }
            }
        }
        for n in notes {
            self.note(job_id, &n);
        }
        self.save_task(job_id, ti)?;
        self.refresh_job(job_id)
    }
}
