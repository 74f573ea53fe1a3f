//! What a user changes in a job already queued: its priority (`brm priority`), frames of a
//! finished job to render again (`brm retry --frames`), and the job it waits for
//! (`--after`, checked here at each scheduling pass).

use std::collections::BTreeSet;

use super::*;

impl Engine {
    /// Give a queued, running or paused job a new priority: tasks not started yet are
    /// scheduled by it (running ones finish where they are). Returns the job's state.
    pub fn set_priority(&self, id: u64, priority: i32) -> crate::Result<JobState> {
        let mut st = self.lock()?;
        let job = st.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        if job.state.is_final() {
            return Err(QueueError::InvalidState {
                id,
                state: job.state.as_str().into(),
                hint: "its priority no longer matters; `brm retry` queues it again".into(),
            }
            .into());
        }
        let old = job.spec.priority;
        job.spec.priority = priority;
        let spec = serde_json::to_string(&job.spec).map_err(|e| {
            crate::Error::InvalidArgument(format!("cannot store the job spec: {e}"))
        })?;
        store::set_job_priority(&st.conn, id, priority, &spec).map_err(db(&st.db_path))?;
        st.note(id, &format!("priority changed from {old} to {priority}"));
        self.settle(st, id)
    }

    /// Render `frames` of a finished job again, whether their files exist or not (a
    /// re-render of chosen frames: a fixed shot, a checked frame). Every layer's task that
    /// holds one of them is queued with just those frames (plus any it never finished);
    /// the files are overwritten and count only when this render writes them. Returns how
    /// many frames (over all layers) are queued again.
    pub fn retry_frames(&self, id: u64, frames: &crate::frames::FrameSet) -> crate::Result<usize> {
        let mut st = self.lock()?;
        st.refuse_if_full()?;
        let job = st.jobs.get(&id).ok_or(QueueError::NoSuchJob(id))?;
        if !job.state.is_final() {
            return Err(QueueError::InvalidState {
                id,
                state: job.state.as_str().into(),
                hint: "wait for it to finish, or cancel it first".into(),
            }
            .into());
        }
        if !job.spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "the job's scene {} is gone (snapshot removed?); submit the scene again",
                job.spec.scene.display()
            )));
        }
        let in_job: BTreeSet<i64> = job
            .tasks
            .iter()
            .flat_map(|t| t.plan.frames.iter().copied())
            .collect();
        // Membership only: a request of a billion frames is never expanded.
        let wanted: BTreeSet<i64> = in_job
            .iter()
            .copied()
            .filter(|f| frames.contains(*f))
            .collect();
        if frames.len() > wanted.len() as u64 {
            let outside: Vec<i64> = frames
                .iter()
                .filter(|f| !in_job.contains(f))
                .take(1000)
                .collect();
            return Err(crate::Error::InvalidArgument(format!(
                "job {id} has no frame {}: its frames are {}",
                crate::frames::FrameSet::from_frames(outside).compact(),
                crate::frames::FrameSet::from_frames(in_job.iter().copied()).compact()
            )));
        }
        let mut queued = 0;
        let mut changed = Vec::new();
        let job = st.jobs.get_mut(&id).ok_or(QueueError::NoSuchJob(id))?;
        for (ti, t) in job.tasks.iter_mut().enumerate() {
            let again: Vec<i64> = t
                .plan
                .frames
                .iter()
                .copied()
                .filter(|f| wanted.contains(f))
                .collect();
            if again.is_empty() {
                continue;
            }
            for f in &again {
                t.done.remove(f);
            }
            queued += again.len();
            t.state = TaskState::Queued;
            t.retries_used = 0;
            t.error = None;
            changed.push((ti, t.id, again));
        }
        job.cancel_requested = false;
        job.paused = false;
        job.error = None;
        job.finished_ms = 0;
        job.log.keep_in_memory();
        store::set_job_cancel(&st.conn, id, 0, 0).map_err(db(&st.db_path))?;
        for (_, task_id, again) in &changed {
            store::forget_frames(&st.conn, *task_id, again).map_err(db(&st.db_path))?;
        }
        for (ti, _, _) in &changed {
            st.save_task(id, *ti)?;
        }
        st.note(
            id,
            &format!(
                "retry requested: frames {} rendered again ({queued} frame(s) over {} task(s)); existing files are overwritten",
                crate::frames::FrameSet::from_frames(wanted.iter().copied()).compact(),
                changed.len()
            ),
        );
        st.refresh_job(id)?;
        self.settle(st, id)?;
        Ok(queued)
    }
}

impl State {
    /// Whether `job` may start tasks as far as `--after` goes: the job it waits for is done
    /// (or forgotten, which only a finished job can be). One that ended failed or
    /// cancelled fails this job, with a note saying which and what to do.
    pub(super) fn after_allows(&mut self, id: u64) -> crate::Result<bool> {
        let Some(after) = self.jobs.get(&id).and_then(|j| j.spec.after) else {
            return Ok(true);
        };
        let state = match self.jobs.get(&after) {
            None => return Ok(true),
            Some(a) => a.state,
        };
        if state == JobState::Done {
            return Ok(true);
        }
        if !state.is_final() {
            return Ok(false);
        }
        let why = format!(
            "job {after}, which this job waits for (--after {after}), ended {}; retry it, then `brm retry {id}`",
            state.as_str()
        );
        let Some(job) = self.jobs.get_mut(&id) else {
            return Ok(false);
        };
        let n = job.tasks.len();
        for t in job.tasks.iter_mut() {
            if t.state == TaskState::Queued {
                t.state = TaskState::Failed;
                t.error = Some(why.clone());
            }
        }
        self.note(id, &why);
        for ti in 0..n {
            self.save_task(id, ti)?;
        }
        self.refresh_job(id)?;
        Ok(false)
    }
}
