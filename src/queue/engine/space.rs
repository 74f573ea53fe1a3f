//! A full disk under brm's state folder: pause, say so once, resume when space returns.
//!
//! Why a pause and not errors: with the disk full, every write the engine makes (the job
//! log, SQLite's WAL) fails. Retrying them each tick printed "No space left on device" five
//! times a second, and a job-log write that failed halfway was written again whole on the
//! next try, so clients saw the same sequence numbers twice. Instead:
//!
//! - Before each tick the engine asks the filesystem for its free space; below
//!   [`MIN_FREE`] it pauses before writing anything, so nothing is half done.
//! - A tick that still fails with "no space" (the disk filled during it) is rolled back in
//!   SQLite; the engine then pauses too and, once space returns, reloads its model from the
//!   database exactly as a restarted agent would (truncating each job log to its committed
//!   length and re-reading the renders' own logs from their committed offsets), so memory
//!   and database agree again and no line is counted twice. (Lines of that failed tick a
//!   client already read from memory are numbered again as they are re-read; the pause
//!   before each tick keeps this to a disk filled by more than 2 MiB within one tick.)
//! - While paused: no log ingest, no new attempts, no writes. Running renders go on (their
//!   output is appended by the kernel to their own log files, which brm reads later, so brm
//!   itself drops no line; what the renderer could not write on the full disk is lost
//!   before brm sees it). Each live job gets one note, kept in memory until it can be
//!   written; the agent's stderr gets one line. Submit and retry are refused with
//!   [`QueueError::DiskFull`], which says what to do. A cancel still acts (the render may be
//!   what fills the disk) and is recorded first thing when space returns.
//! - Space back (twice [`MIN_FREE`], so a disk at the edge does not flap): one "space is
//!   back" note per paused job, and the ticks go on.

use super::*;

/// Free bytes under the state folder below which the engine pauses.
pub(super) const MIN_FREE: u64 = 2 << 20;

/// How often a paused engine looks at the free space again.
pub(super) const PAUSED_TICK: Duration = Duration::from_millis(500);

/// Why the engine is paused.
pub(super) struct SpacePause {
    /// A tick failed half way: reload the model from SQLite before going on.
    reload: bool,
    /// The note each paused job got (written again after a reload).
    note: String,
    /// The jobs that were told.
    jobs: Vec<u64>,
}

/// Whether an error is a full disk (an I/O ENOSPC/EDQUOT, or SQLite's SQLITE_FULL).
pub(super) fn is_disk_full(e: &crate::Error) -> bool {
    let t = e.to_string();
    t.contains("No space left on device")
        || t.contains("database or disk is full")
        || t.contains("Disk quota exceeded")
        || matches!(e.module::<QueueError>(), Some(QueueError::DiskFull { .. }))
}

/// One line on the agent's stderr (its log, on the full disk itself): never `eprintln!`,
/// which panics when the line cannot be written.
pub(super) fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

impl State {
    /// Check the free space before a tick. `Ok(true)`: go on; `Ok(false)`: paused, skip
    /// the tick.
    pub(super) fn space_ok(&mut self) -> crate::Result<bool> {
        let free = crate::runner::verify::free_bytes(&self.cfg.paths.state);
        match (&self.space, free) {
            (None, Some(f)) if f < MIN_FREE => {
                self.pause_for_space(false, &format!("{} KiB free", f / 1024));
                Ok(false)
            }
            (None, _) => Ok(true),
            (Some(_), Some(f)) if f < 2 * MIN_FREE => Ok(false),
            (Some(_), _) => {
                self.resume_after_space()?;
                Ok(true)
            }
        }
    }

    /// Refuse a request that must write while the state disk is full.
    pub(super) fn refuse_if_full(&self) -> crate::Result<()> {
        match self.space {
            Some(_) => Err(QueueError::DiskFull {
                dir: self.cfg.paths.state.clone(),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Enter the pause (idempotent): one note per live job, one line on stderr.
    pub(super) fn pause_for_space(&mut self, reload: bool, detail: &str) {
        if let Some(p) = &mut self.space {
            p.reload |= reload;
            return;
        }
        let dir = self.cfg.paths.state.display().to_string();
        let note = format!(
            "paused: no space left on {dir} ({detail}); running renders go on, brm records \
             their progress and starts queued tasks again when space returns"
        );
        say(&format!("brm engine: {note}"));
        let jobs: Vec<u64> = self
            .jobs
            .values()
            .filter(|j| !j.state.is_final())
            .map(|j| j.id)
            .collect();
        for &id in &jobs {
            // In memory only (clients polling see it at once); written when space returns.
            self.note(id, &note);
        }
        self.space = Some(SpacePause { reload, note, jobs });
    }

    /// Leave the pause: reload the model when a tick failed half way, then one note per
    /// job that was told.
    pub(super) fn resume_after_space(&mut self) -> crate::Result<()> {
        let Some(p) = self.space.take() else {
            return Ok(());
        };
        // Cancels asked during the pause: recorded first (KILL at once after a restart:
        // their grace has passed or nearly).
        let cancels: Vec<u64> = self
            .jobs
            .values()
            .filter(|j| j.cancel_requested && !j.state.is_final())
            .map(|j| j.id)
            .collect();
        let recorded = self.batch(|st| {
            for &id in &cancels {
                store::set_job_cancel(&st.conn, id, now_ms(), 0).map_err(st.dbe())?;
                let n = st.jobs.get(&id).map(|j| j.tasks.len()).unwrap_or(0);
                for ti in 0..n {
                    st.save_task(id, ti)?;
                }
            }
            Ok(())
        });
        if let Err(e) = recorded {
            self.space = Some(p);
            return Err(e);
        }
        if p.reload {
            // As a restarted agent: the database is the truth; renders are found again by
            // pid and start time, logs cut back to their committed length.
            self.running.clear();
            for s in self.slots.iter_mut() {
                s.busy = None;
            }
            self.jobs.clear();
            if let Err(e) = self.load() {
                self.space = Some(SpacePause { reload: true, ..p });
                return Err(e);
            }
            for &id in &p.jobs {
                self.note(id, &p.note);
            }
        }
        say(&format!(
            "brm engine: space is back on {}",
            self.cfg.paths.state.display()
        ));
        for &id in &p.jobs {
            self.note(id, "space is back: resuming");
        }
        Ok(())
    }
}
