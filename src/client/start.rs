//! Starting the agent when no one answers (like ssh-agent or sccache): spawn it detached,
//! wait for its socket, and say why when it does not come up.

use std::time::{Duration, Instant};

use super::detach;
use super::{is_timeout, Client, ClientError, ClientOptions, OpenError};
use crate::paths::Paths;

impl Client {
    pub(super) fn start_agent(&mut self) -> crate::Result<()> {
        let candidates = detach::agent_candidates(self.opts.agent_path.as_deref());
        let Some(exe) = candidates.iter().find(|p| p.is_file()).cloned() else {
            let looked = candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ClientError::AgentNotFound {
                looked: if looked.is_empty() {
                    "nowhere".into()
                } else {
                    looked
                },
            }
            .into());
        };
        let pid = detach::spawn_agent(&exe, &self.paths, self.opts.home.as_deref()).map_err(
            |source| ClientError::AgentSpawn {
                exe: exe.clone(),
                source,
            },
        )?;
        let waited = Instant::now();
        let timeout = Duration::from_millis(self.opts.connect_timeout_ms.max(100));
        let mut pause = Duration::from_millis(5);
        // An agent that exits at once (a damaged queue, an untrusted folder) has said why in
        // its log: report that soon rather than after the whole timeout. A short grace still
        // lets an agent that was already serving (it rebinds a vanished socket) answer.
        let mut exited_at: Option<Instant> = None;
        loop {
            match self.open() {
                Ok(c) => {
                    self.conn = Some(c);
                    return Ok(());
                }
                Err(OpenError::Remote(e)) => return Err(e.into()),
                Err(OpenError::Io(e)) if is_timeout(&e) => {
                    return Err(self.no_answer("hello", "").into())
                }
                Err(OpenError::Io(_))
                    if waited.elapsed() < timeout
                        && exited_at.is_none_or(|t| t.elapsed() < Duration::from_secs(2)) =>
                {
                    if exited_at.is_none() && !process_alive(pid) {
                        exited_at = Some(Instant::now());
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(OpenError::Io(_)) => {
                    let log = self.paths.agent_log();
                    let tail = std::fs::read_to_string(&log)
                        .ok()
                        .map(|s| {
                            let lines: Vec<&str> = s.lines().rev().take(5).collect();
                            format!(
                                " (last lines: {})",
                                lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
                            )
                        })
                        .unwrap_or_default();
                    return Err(ClientError::AgentDidNotStart {
                        exe,
                        endpoint: self.endpoint(),
                        waited_ms: waited.elapsed().as_millis() as u64,
                        log,
                        tail,
                    }
                    .into());
                }
            }
        }
    }
}

/// Whether process `pid` still exists (the agent we started; its reaper thread collects it).
fn process_alive(pid: u32) -> bool {
    crate::run::process_exists(pid)
}

/// Whether an agent answers at the endpoint (without starting one).
pub fn agent_running(paths: &Paths) -> bool {
    let opts = ClientOptions {
        autostart: false,
        home: None,
        ..Default::default()
    };
    let c = Client::unconnected(opts, paths.clone());
    c.open().is_ok()
}
