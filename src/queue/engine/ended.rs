//! When a job ends, tell the person who submitted it (a desktop notification, see
//! [`crate::notify`]); the Maya plug-in's watcher shows its own in-view message.

use super::*;

impl State {
    /// Tell the submitter a job ended (done or failed; a cancel was their own doing).
    pub(super) fn notify_ended(&self, id: u64) {
        let Some(j) = self.jobs.get(&id) else {
            return;
        };
        if !matches!(j.state, JobState::Done | JobState::Failed)
            || !crate::notify::enabled(&j.spec.env)
        {
            return;
        }
        let done: usize = j.tasks.iter().map(|t| t.done.len()).sum();
        let total: usize = j.tasks.iter().map(|t| t.plan.frames.len()).sum();
        let secs = ((j.finished_ms - j.started_ms.max(j.submitted_ms)).max(0) / 1000) as u64;
        let took = if secs >= 60 {
            format!("{}m{:02}s", secs / 60, secs % 60)
        } else {
            format!("{secs}s")
        };
        let failed = j.state == JobState::Failed;
        let mut body = format!(
            "{done}/{total} frames in {took}, into {}",
            j.output_dir.display()
        );
        if failed {
            let missing: Vec<i64> = j.tasks.iter().flat_map(|t| t.remaining()).collect();
            body.push_str(&format!(
                "; missing {}; see `brm status {id}`",
                FrameSet::from_frames(missing).compact()
            ));
        }
        crate::notify::send(crate::notify::Notice {
            summary: format!("brm: job {id} '{}' {}", j.name, j.state.as_str()),
            body,
            critical: failed,
            image: self.previews.latest(id).map(|l| l.path),
        });
    }
}
