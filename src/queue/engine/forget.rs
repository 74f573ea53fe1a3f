//! Forgetting finished jobs: `brm forget JOB`, `brm jobs --prune`, and the retention that
//! removes finished jobs older than `BRM_JOB_RETENTION_DAYS` (30; 0 = keep forever) when the
//! agent starts. A forgotten job's rows and its logs go; its rendered frames never do (they
//! are the artist's), and a queued, running or paused job is never touched.

use super::*;

impl State {
    /// Remove one finished job: its SQLite rows, job log, task index and slot logs.
    pub(super) fn forget(&mut self, id: u64) -> crate::Result<()> {
        let job = self.jobs.get(&id).ok_or(QueueError::NoSuchJob(id))?;
        if !job.state.is_final() || self.running.values().any(|r| r.job_id == id) {
            return Err(QueueError::InvalidState {
                id,
                state: job.state.as_str().into(),
                hint: format!(
                    "only finished jobs can be forgotten; cancel it first with `brm cancel {id}`"
                ),
            }
            .into());
        }
        let tx = self.conn.unchecked_transaction().map_err(self.dbe())?;
        for sql in [
            "DELETE FROM frames WHERE job_id = ?1",
            "DELETE FROM attempts WHERE job_id = ?1",
            "DELETE FROM tasks WHERE job_id = ?1",
            "DELETE FROM jobs WHERE id = ?1",
        ] {
            tx.execute(sql, [id as i64]).map_err(self.dbe())?;
        }
        tx.commit().map_err(self.dbe())?;
        self.previews.forget(id);
        if let Some(job) = self.jobs.remove(&id) {
            job.task_lines.remove();
            let _ = std::fs::remove_file(job.log.path());
        }
        let _ = std::fs::remove_dir_all(self.cfg.paths.logs().join(format!("job-{id}")));
        Ok(())
    }

    /// Finished jobs that ended before `now_ms - age` (all finished jobs when `age` is
    /// `None`).
    pub(super) fn finished_before(&self, age: Option<Duration>, now_ms: i64) -> Vec<u64> {
        let cut = age.map_or(i64::MAX, |a| {
            now_ms.saturating_sub(i64::try_from(a.as_millis()).unwrap_or(i64::MAX))
        });
        self.jobs
            .values()
            .filter(|j| j.state.is_final() && j.finished_ms <= cut)
            .filter(|j| !self.running.values().any(|r| r.job_id == j.id))
            .map(|j| j.id)
            .collect()
    }

    /// Forget the finished jobs older than the configured retention; returns their ids.
    pub(super) fn apply_job_retention(&mut self) -> crate::Result<Vec<u64>> {
        let Some(age) = self.cfg.job_retention else {
            return Ok(Vec::new());
        };
        let ids = self.finished_before(Some(age), now_ms());
        for id in &ids {
            self.forget(*id)?;
        }
        Ok(ids)
    }
}

impl Engine {
    /// Forget a finished job (see the module doc).
    pub fn forget(&self, id: u64) -> crate::Result<()> {
        let mut st = self.lock()?;
        st.forget(id)?;
        drop(st);
        self.changed.notify_all();
        Ok(())
    }

    /// Forget every finished job, or those finished longer than `older_than` ago; returns
    /// the forgotten ids.
    /// The ids [`Engine::prune`] would forget now, forgetting nothing.
    pub fn prunable(&self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let mut ids = self.lock()?.finished_before(older_than, now_ms());
        ids.sort_unstable();
        Ok(ids)
    }

    pub fn prune(&self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let mut st = self.lock()?;
        let ids = st.finished_before(older_than, now_ms());
        for id in &ids {
            st.forget(*id)?;
        }
        drop(st);
        self.changed.notify_all();
        Ok(ids)
    }
}
