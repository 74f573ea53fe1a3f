//! What clients read: job summaries and details.

use super::*;

impl State {
    pub(super) fn summary(&self, j: &Job) -> JobSummary {
        let frames_total: usize = j.tasks.iter().map(|t| t.plan.frames.len()).sum();
        let mut frames_done: usize = j.tasks.iter().map(|t| t.done.len()).sum();
        // Frames the renderer reported but not yet verified count toward live progress.
        for r in self.running.values().filter(|r| r.job_id == j.id) {
            let t = &j.tasks[r.task_idx];
            frames_done += r
                .runner
                .reported()
                .iter()
                .filter(|f| !t.done.contains_key(f))
                .count();
        }
        let frames_done = frames_done.min(frames_total);
        let frames_failed: usize = j
            .tasks
            .iter()
            .filter(|t| t.state == TaskState::Failed)
            .map(|t| t.remaining().len())
            .sum();
        let count = |s: TaskState| j.tasks.iter().filter(|t| t.state == s).count() as u32;
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
        }
    }

    pub(super) fn detail(&self, j: &Job) -> JobDetail {
        let mut layers: Vec<String> = Vec::new();
        let mut done_list = Vec::new();
        let mut missing = Vec::new();
        let mut files = Vec::new();
        let mut tasks = Vec::new();
        for t in &j.tasks {
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
            });
        }
        JobDetail {
            summary: self.summary(j),
            layers,
            frames_done_list: done_list,
            frames_missing: missing,
            files,
            tasks,
        }
    }
}
