//! Loading the persisted queue and re-attaching to renders a previous agent left
//! running; the job log notes.

use super::*;

impl State {
    pub(super) fn dbe(&self) -> impl Fn(rusqlite::Error) -> QueueError + '_ {
        db(&self.db_path)
    }

    /// Load the persisted queue and re-attach to renders still running.
    pub(super) fn load(&mut self) -> crate::Result<()> {
        let jobs = store::load_jobs(&self.conn).map_err(self.dbe())?;
        let tasks = store::load_tasks(&self.conn).map_err(self.dbe())?;
        let frames = store::load_frames(&self.conn).map_err(self.dbe())?;
        let attempts = store::load_running_attempts(&self.conn).map_err(self.dbe())?;
        let cancels = store::job_cancels(&self.conn).map_err(self.dbe())?;
        let pauses = store::job_pauses(&self.conn).map_err(self.dbe())?;
        let mut done_by_task: HashMap<u64, BTreeMap<i64, Vec<String>>> = HashMap::new();
        for f in frames {
            let files: Vec<String> = serde_json::from_str(&f.files).unwrap_or_default();
            done_by_task
                .entry(f.task_id)
                .or_default()
                .insert(f.frame, files);
        }
        let mut tasks_by_job: HashMap<u64, Vec<TaskRow>> = HashMap::new();
        for t in tasks {
            tasks_by_job.entry(t.job_id).or_default().push(t);
        }
        for row in jobs {
            let Ok(spec) = serde_json::from_str::<JobSpec>(&row.spec) else {
                eprintln!(
                    "brm engine: job {} has a spec this brm cannot read; leaving it alone",
                    row.id
                );
                continue;
            };
            let state = JobState::parse(&row.state).unwrap_or(JobState::Failed);
            let log = JobLog::open(
                Path::new(&row.log_path),
                row.log_len,
                row.log_next_seq,
                !state.is_final(),
            )?;
            let slots: Vec<usize> = serde_json::from_str(&row.slots).unwrap_or_default();
            let levels = plan::levels_for(&spec);
            let exes = self.job_exes(&spec);
            let mut rts = Vec::new();
            for t in tasks_by_job.remove(&row.id).unwrap_or_default() {
                let frames: Vec<i64> = serde_json::from_str(&t.frames).unwrap_or_default();
                let mut tstate = TaskState::parse(&t.state).unwrap_or(TaskState::Queued);
                if tstate == TaskState::Running {
                    tstate = TaskState::Queued; // re-marked running below if re-attached
                }
                rts.push(TaskRt {
                    id: t.id,
                    plan: plan::Task {
                        index: t.idx as usize,
                        layer: t.layer,
                        layer_display: t.layer_display,
                        frames,
                        output_dir: PathBuf::from(t.output_dir),
                        image_name: t.image_name,
                        padding: t.padding,
                        renderer: spec.renderer.clone(),
                    },
                    state: tstate,
                    level_idx: t.level_idx as usize,
                    retries_used: t.retries_used,
                    attempts: t.attempts,
                    done: done_by_task.remove(&t.id).unwrap_or_default(),
                    error: t.error,
                    cold: false,
                    warm_chunks: 0,
                });
            }
            self.jobs.insert(
                row.id,
                Job {
                    id: row.id,
                    name: row.name,
                    state,
                    paused: state == JobState::Paused,
                    cancel_requested: state == JobState::Cancelled
                        || (!state.is_final() && cancels.contains_key(&row.id)),
                    paused_since_ms: pauses.get(&row.id).map_or(0, |p| p.0),
                    paused_total_ms: pauses.get(&row.id).map_or(0, |p| p.1),
                    submitted_ms: row.submitted_ms,
                    started_ms: row.started_ms,
                    finished_ms: row.finished_ms,
                    error: row.error,
                    warnings: serde_json::from_str(&row.warnings).unwrap_or_default(),
                    task_lines: crate::queue::tasklines::TaskLines::open(log.path()),
                    log,
                    log_dirty: false,
                    output_dir: PathBuf::from(row.output_dir),
                    levels,
                    allowed: slots,
                    spec,
                    exes,
                    tasks: rts,
                    endings: Vec::new(),
                },
            );
        }
        for a in attempts {
            let cancel = cancels.get(&a.job_id).copied();
            self.reattach(a, cancel)?;
        }
        let ids: Vec<u64> = self.jobs.keys().copied().collect();
        for id in ids {
            self.refresh_job(id)?;
        }
        Ok(())
    }

    /// Follow a render the previous agent started; `cancel` (when asked, grace; ms) is a
    /// cancel that agent persisted: carried on here to KILL when its grace ends.
    pub(super) fn reattach(
        &mut self,
        a: AttemptRow,
        cancel: Option<(i64, i64)>,
    ) -> crate::Result<()> {
        let baseline = store::attempt_baseline(&self.conn, a.id).map_err(self.dbe())?;
        let Some(job) = self.jobs.get_mut(&a.job_id) else {
            return Ok(());
        };
        let Some(task_idx) = job.tasks.iter().position(|t| t.id == a.task_id) else {
            return Ok(());
        };
        let commands: Vec<CommandSpec> = serde_json::from_str(&a.commands).unwrap_or_default();
        let frames: Vec<i64> = serde_json::from_str(&a.frames).unwrap_or_default();
        let level = method_from(&a.level);
        let spec = attempt_spec(
            job,
            level,
            frames,
            commands,
            PathBuf::from(&a.log_path),
            self.cfg.render_priority,
        );
        let mut runner = AttemptRunner::reattach(
            spec,
            a.cmd_index as usize,
            a.pid,
            a.start_time,
            a.log_offset,
            Some(self.notify.clone()),
        )?;
        if let Ok(b) = serde_json::from_str(&baseline) {
            runner.set_baseline(b);
        }
        let alive = runner
            .backend::<Commands>()
            .is_some_and(Commands::is_attached_alive);
        let mut note = if alive {
            format!(
                "re-attached to the render of task {} (pid {}) after an agent restart; following its log",
                task_idx, a.pid
            )
        } else {
            format!(
                "the render of task {} (pid {}) ended while no agent was watching; checking its frames",
                task_idx, a.pid
            )
        };
        if let Some((at, grace)) = cancel {
            let left = State::remaining_grace(at, grace);
            runner.cancel(left);
            note.push_str(&format!(
                "; carrying on the cancel asked before the restart (KILL in {} ms)",
                left.as_millis()
            ));
        }
        job.tasks[task_idx].state = TaskState::Running;
        let slot = a.slot as usize;
        if let Some(s) = self.slots.get_mut(slot) {
            s.busy = Some(a.id);
        }
        self.running.insert(
            a.id,
            Running {
                job_id: a.job_id,
                task_idx,
                slot,
                runner,
                offset_dirty: false,
            },
        );
        self.note(a.job_id, &note);
        Ok(())
    }

    /// Write a brm note into a job's log.
    pub(super) fn note(&mut self, job_id: u64, text: &str) {
        if let Some(job) = self.jobs.get_mut(&job_id) {
            job.log.append(Stream::Brm, text);
            job.log_dirty = true;
        }
    }
}
