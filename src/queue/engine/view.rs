//! What clients read: job summaries and details.

use super::*;

/// Where one task stands right now: frames finished as the job counts them, time left.
struct TaskNow {
    finished: usize,
    /// Frames the running attempt's renderer reported finished, not verified yet.
    reported: Vec<i64>,
    /// From the attempt's own measured frames (`None` before its first frame finished).
    eta_s: Option<u64>,
    /// Mean seconds per frame the attempt measured.
    measured_s: Option<f64>,
    /// The attempt's guess from the current frame's percent (start-up time included).
    guess_s: Option<f64>,
}

impl State {
    /// The running attempt of task `idx` of job `j`, if any.
    fn runner_of(&self, j: &Job, idx: usize) -> Option<&Running> {
        self.running
            .values()
            .find(|r| r.job_id == j.id && r.task_idx == idx)
    }

    fn task_now(&self, j: &Job, idx: usize) -> TaskNow {
        let t = &j.tasks[idx];
        let Some(r) = self.runner_of(j, idx) else {
            return TaskNow {
                finished: t.done.len(),
                reported: Vec::new(),
                eta_s: (t.state == TaskState::Done).then_some(0),
                measured_s: None,
                guess_s: None,
            };
        };
        let progress = r.runner.tracker();
        let reported: Vec<i64> = progress
            .reported()
            .iter()
            .copied()
            .filter(|f| !t.done.contains_key(f))
            .collect();
        let finished = (t.done.len() + reported.len()).min(t.plan.frames.len());
        let left = t.plan.frames.len() - finished;
        let measured_s = progress.measured_frame_seconds();
        TaskNow {
            finished,
            reported,
            eta_s: measured_s.and_then(|_| progress.eta_s(left)),
            measured_s,
            guess_s: progress.frame_seconds(),
        }
    }

    /// Seconds per frame on one slot: the running attempts' measured mean; else (attempts
    /// that have not finished a frame yet) the job's own pace so far, wall time per finished
    /// frame times the slots in use; else the renderers' percent-based guess.
    fn job_frame_s(&self, j: &Job, now: &[TaskNow]) -> Option<f64> {
        let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        if let Some(m) = mean(now.iter().filter_map(|n| n.measured_s).collect()) {
            return Some(m);
        }
        let done: usize = now.iter().map(|n| n.finished).sum();
        if done > 0 && j.started_ms > 0 {
            let wall = (now_ms() - j.started_ms).max(0) as f64 / 1000.0;
            let running = j
                .tasks
                .iter()
                .filter(|t| t.state == TaskState::Running)
                .count()
                .max(1);
            return Some(wall / done as f64 * running as f64);
        }
        mean(now.iter().filter_map(|n| n.guess_s).collect())
    }

    /// The job's time left: running tasks' own estimates, and the queued frames at the
    /// mean measured frame time spread over the slots in use. `None` when unknown.
    fn job_eta(&self, j: &Job, now: &[TaskNow]) -> Option<u64> {
        match j.state {
            JobState::Done => return Some(0),
            JobState::Running => {}
            _ => return None,
        }
        let per_frame = self.job_frame_s(j, now)?;
        let (mut longest, mut work, mut running) = (0.0f64, 0.0f64, 0usize);
        for (t, n) in j.tasks.iter().zip(now) {
            let left = t.plan.frames.len().saturating_sub(n.finished) as f64;
            match t.state {
                TaskState::Running => {
                    let e = n.eta_s.map(|e| e as f64).unwrap_or(left * per_frame);
                    longest = longest.max(e);
                    work += e;
                    running += 1;
                }
                TaskState::Queued => work += left * per_frame,
                _ => {}
            }
        }
        Some(longest.max(work / running.max(1) as f64).round() as u64)
    }

    pub(super) fn summary(&self, j: &Job) -> JobSummary {
        let frames_total: usize = j.tasks.iter().map(|t| t.plan.frames.len()).sum();
        // Frames the renderer reported but not yet verified count toward live progress.
        let now: Vec<TaskNow> = (0..j.tasks.len()).map(|i| self.task_now(j, i)).collect();
        let frames_done: usize = now.iter().map(|n| n.finished).sum();
        let frames_done = frames_done.min(frames_total);
        let mut output_dirs: Vec<String> = Vec::new();
        for t in &j.tasks {
            let d = t.plan.output_dir.to_string_lossy().into_owned();
            if !output_dirs.contains(&d) {
                output_dirs.push(d);
            }
        }
        let frames_failed: usize = j
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .map(|t| t.remaining().len())
            .sum();
        let count = |s: TaskState| j.tasks.iter().filter(|t| t.state == s).count() as u32;
        let latest = self.previews.latest(j.id);
        JobSummary {
            id: j.id,
            name: j.name.clone(),
            state: j.state,
            priority: j.spec.priority,
            scene: j.spec.scene.to_string_lossy().into_owned(),
            source_scene: j
                .spec
                .source_scene
                .as_ref()
                .unwrap_or(&j.spec.scene)
                .to_string_lossy()
                .into_owned(),
            output_dir: j.output_dir.to_string_lossy().into_owned(),
            log_path: j.log.path().to_string_lossy().into_owned(),
            submitted_ms: j.submitted_ms,
            started_ms: j.started_ms,
            finished_ms: j.finished_ms,
            frames_total: frames_total as u64,
            frames_done: frames_done as u64,
            frames_failed: frames_failed as u64,
            progress: if frames_total == 0 {
                0.0
            } else {
                frames_done as f64 / frames_total as f64
            },
            tasks_total: j.tasks.len() as u32,
            tasks_running: count(TaskState::Running),
            tasks_done: count(TaskState::Done),
            tasks_failed: count(TaskState::Failed),
            error: j.error.clone(),
            warnings: j.warnings.clone(),
            eta_s: self.job_eta(j, &now),
            output_dirs,
            paused_since_ms: j.paused_since_ms,
            paused_total_ms: j.paused_total_ms,
            after: j.spec.after,
            preview: latest
                .as_ref()
                .map(|l| l.path.to_string_lossy().into_owned()),
            preview_source: latest
                .as_ref()
                .and_then(|l| l.source.as_ref())
                .map(|s| s.to_string_lossy().into_owned()),
            schema: crate::protocol::jobs::JOB_SCHEMA,
        }
    }

    pub(super) fn detail(&self, j: &Job) -> JobDetail {
        let mut layers: Vec<String> = Vec::new();
        let mut done_list = Vec::new();
        let mut missing = Vec::new();
        let mut files = Vec::new();
        let mut tasks = Vec::new();
        let all_now: Vec<TaskNow> = (0..j.tasks.len()).map(|i| self.task_now(j, i)).collect();
        let pace = self.job_frame_s(j, &all_now);
        for (idx, t) in j.tasks.iter().enumerate() {
            let now = &all_now[idx];
            let eta_s = match (now.eta_s, t.state, pace) {
                (None, TaskState::Running, Some(p)) if j.state == JobState::Running => {
                    let left = t.plan.frames.len().saturating_sub(now.finished);
                    Some((left as f64 * p).round() as u64)
                }
                (e, _, _) => e,
            };
            if !layers.contains(&t.plan.layer_display) {
                layers.push(t.plan.layer_display.clone());
            }
            for (f, fl) in &t.done {
                done_list.push(*f);
                files.extend(fl.iter().cloned());
            }
            if t.state == TaskState::Failed || t.state == TaskState::Cancelled {
                missing.extend(t.remaining());
            }
            tasks.push(TaskSummary {
                index: t.plan.index as u32,
                layer: t.plan.layer_display.clone(),
                state: t.state,
                level: method_name(j.levels.get(t.level_idx).copied().unwrap_or(Method::Auto))
                    .into(),
                frames: t.plan.frames.clone(),
                frames_done: t.done.keys().copied().collect(),
                attempts: t.attempts,
                output_dir: t.plan.output_dir.to_string_lossy().into_owned(),
                error: t.error.clone(),
                frames_finished: now.finished as u64,
                frames_reported: now.reported.clone(),
                eta_s,
                warm_chunks: t.warm_chunks,
            });
        }
        JobDetail {
            summary: self.summary(j),
            layers,
            frames_done_list: done_list,
            frames_missing: missing,
            files,
            tasks,
            previews: self
                .previews
                .of_job(j.id)
                .into_iter()
                .map(|l| crate::protocol::jobs::LayerPreview {
                    layer: l.layer,
                    frame: l.frame,
                    path: l.path.to_string_lossy().into_owned(),
                    source: l.source.map(|s| s.to_string_lossy().into_owned()),
                })
                .collect(),
        }
    }
}
