//! The cold backend: an attempt's commands spawned one after the other in their own process
//! groups, output appended to the attempt's log, each after the previous one exited 0
//! (`Render`'s arithmetic runs of a chunk). Its end is the last command's exit.

use std::path::Path;

use super::backend::Backend;
use super::{describe_exit, shell_quote_for_display, AttemptSpec, Sink};
use crate::run::{watch_exit, Attached, Child, ExitInfo, ExitNotify, LogTail, Process, RunError};

/// A cold attempt's processes (see the module doc).
pub struct Commands {
    cmd_index: usize,
    proc: Process,
    pid: u32,
    start_time: u64,
    tail: LogTail,
    /// Called from another thread when a command exits, so the host can poll at once.
    notify: Option<ExitNotify>,
}

impl Commands {
    /// Ready to run an attempt's commands into `log_path`, following it from its current
    /// end (commands come from the [`AttemptSpec`] the runner starts them with).
    pub fn new(log_path: &Path, notify: Option<ExitNotify>) -> Result<Commands, RunError> {
        Ok(Commands {
            cmd_index: 0,
            proc: Process::Gone,
            pid: 0,
            start_time: 0,
            tail: LogTail::open_at_end(log_path)?,
            notify,
        })
    }

    /// The commands a previous host started, command `cmd_index` found by pid **and** start
    /// time (a reused pid is never mistaken for it), its log followed from `offset`.
    pub fn reattach(
        spec: &AttemptSpec,
        cmd_index: usize,
        pid: u32,
        start_time: u64,
        offset: u64,
        notify: Option<ExitNotify>,
    ) -> Result<Commands, RunError> {
        // The leader may be gone while its group lives on (helpers that ignore SIGTERM after
        // a cancel's TERM): keep hold of the group, so the cancel's KILL (or the clean-up
        // after any exit) still reaches it.
        let proc = match Attached::find(pid, start_time)
            .or_else(|| Attached::find_leftover_group(pid, start_time))
        {
            Some(a) => Process::Attached(a),
            None => Process::Gone,
        };
        Ok(Commands {
            cmd_index,
            proc,
            pid,
            start_time,
            tail: LogTail::open(&spec.log_path, offset)?,
            notify,
        })
    }

    /// Whether the process was found again on re-attach (false: it ended unwatched).
    pub fn is_attached_alive(&self) -> bool {
        !matches!(self.proc, Process::Gone)
    }

    fn spawn_current(&mut self, spec: &AttemptSpec, sink: &mut dyn Sink) -> Result<(), RunError> {
        let Some(cmd) = spec
            .commands
            .get(self.cmd_index)
            .or_else(|| spec.commands.last())
        else {
            return Err(RunError::InvalidCommand(
                "the attempt has no command to run".into(),
            ));
        };
        let argv = std::iter::once(cmd.program.display().to_string())
            .chain(cmd.args.iter().map(|a| shell_quote_for_display(a)))
            .collect::<Vec<_>>()
            .join(" ");
        sink.note(&format!("running: {argv}"));
        let child = Child::spawn_at(cmd, &spec.log_path, spec.priority)?;
        let (pid, start) = (child.pid(), child.start_time());
        if let Some(n) = &self.notify {
            watch_exit(pid, n.clone());
        }
        self.proc = Process::Child(child);
        self.pid = pid;
        self.start_time = start;
        sink.started(self.cmd_index, pid, start);
        Ok(())
    }
}

impl Backend for Commands {
    fn start(
        &mut self,
        spec: &AttemptSpec,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, RunError> {
        self.spawn_current(spec, sink)?;
        Ok(None)
    }

    fn tail(&self) -> &LogTail {
        &self.tail
    }

    fn tail_mut(&mut self) -> &mut LogTail {
        &mut self.tail
    }

    fn try_exit(&mut self) -> Result<Option<Option<ExitInfo>>, RunError> {
        self.proc.try_exit()
    }

    fn terminate(&mut self) {
        self.proc.terminate();
    }

    fn kill(&mut self) {
        self.proc.kill();
    }

    fn group_alive(&self) -> bool {
        self.proc.group_alive()
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    fn start_time(&self) -> u64 {
        self.start_time
    }

    fn cmd_index(&self) -> usize {
        self.cmd_index
    }

    fn noun(&self) -> &'static str {
        "attempt"
    }

    fn what(&self) -> String {
        "the render".into()
    }

    fn next(&mut self, spec: &AttemptSpec, sink: &mut dyn Sink) -> Result<bool, RunError> {
        if self.cmd_index + 1 >= spec.commands.len() {
            return Ok(false);
        }
        // Next arithmetic run of a `Render` attempt, same log.
        self.cmd_index += 1;
        self.spawn_current(spec, sink)?;
        Ok(true)
    }

    fn end_reason(&self, spec: &AttemptSpec, exit: Option<Option<ExitInfo>>) -> String {
        describe_exit(&exit.unwrap_or(None), spec.level)
    }
}
