//! `brm agent [start|stop|status|serve]`: manage the per-user agent that owns the renders.

use brm::agent::{serve, ServeOptions, ServeOutcome};
use brm::client::{agent_running, Client, ClientOptions};
use brm::paths::Paths;

#[derive(clap::Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub action: Option<AgentAction>,
    /// Print the answer as JSON (for `status`: pid, version, uptime, slots).
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(clap::Subcommand, Clone, Copy)]
pub enum AgentAction {
    /// Start the agent in the background (no-op when it runs).
    Start,
    /// Ask the agent to exit; renders keep running and the next agent re-attaches.
    Stop,
    /// Is it running, with which slots and renders (default).
    Status,
    /// Serve in the foreground (what `start` runs detached).
    Serve,
}

pub fn run(a: AgentArgs) -> brm::Result<i32> {
    let paths = Paths::from_env();
    match a.action.unwrap_or(AgentAction::Status) {
        AgentAction::Serve => {
            let outcome = serve(ServeOptions::from_env(paths))?;
            if outcome == ServeOutcome::AlreadyRunning {
                errln!("brm agent: another agent of this user is already serving; nothing to do");
            }
            Ok(0)
        }
        AgentAction::Start => {
            let mut c = Client::connect(ClientOptions::default())?;
            let st = c.agent_status()?;
            if a.json {
                outln!("{st}");
            } else {
                outln!("brm agent running (pid {})", st["pid"]);
            }
            Ok(0)
        }
        AgentAction::Stop => {
            if !agent_running(&paths) {
                if a.json {
                    outln!("{}", serde_json::json!({"running": false}));
                } else {
                    outln!("brm agent is not running");
                }
                return Ok(0);
            }
            let mut c = Client::connect(ClientOptions {
                autostart: false,
                ..Default::default()
            })?;
            c.shutdown()?;
            for _ in 0..100 {
                if !agent_running(&paths) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            if a.json {
                outln!("{}", serde_json::json!({"running": false, "stopped": true}));
            } else {
                outln!("brm agent stopped (renders, if any, keep running)");
            }
            Ok(0)
        }
        AgentAction::Status => {
            if !agent_running(&paths) {
                if a.json {
                    outln!("{}", serde_json::json!({"running": false}));
                } else {
                    outln!("brm agent is not running (it starts on first use, or with `brm agent start`)");
                }
                return Ok(3);
            }
            let mut c = Client::connect(ClientOptions {
                autostart: false,
                ..Default::default()
            })?;
            if a.json {
                let st = c.agent_status()?;
                outln!("{}", serde_json::to_string_pretty(&st).unwrap_or_default());
            } else {
                let st = c.agent()?;
                outln!(
                    "brm agent {} running, pid {}, up {}",
                    st.version,
                    st.pid,
                    super::fmt::duration(st.uptime_s)
                );
                for s in &st.slots {
                    let what = match &s.running {
                        None => "idle".to_string(),
                        Some(r) => format!(
                            "job {} task {} ({}, pid {}{})",
                            r.job,
                            r.task,
                            r.level,
                            r.pid,
                            if r.state.is_empty() || r.state == "running" {
                                String::new()
                            } else {
                                format!(", {}", r.state)
                            }
                        ),
                    };
                    outln!("  slot {} ({}): {what}", s.slot, s.kind);
                }
            }
            Ok(0)
        }
    }
}
