//! `brm agent [start|stop|status|serve]`: manage the per-user agent that owns the renders.

use brm::agent::{serve, ServeOptions, ServeOutcome};
use brm::client::{agent_running, Client, ClientOptions};
use brm::paths::Paths;

#[derive(clap::Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub action: Option<AgentAction>,
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
            // Windows: the agent's stdio (its log) must not reach every render it starts.
            #[cfg(windows)]
            brm::agent::detach::disinherit_std_handles();
            let outcome = serve(ServeOptions::from_env(paths))?;
            if outcome == ServeOutcome::AlreadyRunning {
                eprintln!(
                    "brm agent: another agent of this user is already serving; nothing to do"
                );
            }
            Ok(0)
        }
        AgentAction::Start => {
            let mut c = Client::connect(ClientOptions::default())?;
            let st = c.agent_status()?;
            if a.json {
                println!("{st}");
            } else {
                println!("brm agent running (pid {})", st["pid"]);
            }
            Ok(0)
        }
        AgentAction::Stop => {
            if !agent_running(&paths) {
                if a.json {
                    println!("{}", serde_json::json!({"running": false}));
                } else {
                    println!("brm agent is not running");
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
                println!("{}", serde_json::json!({"running": false, "stopped": true}));
            } else {
                println!("brm agent stopped (renders, if any, keep running)");
            }
            Ok(0)
        }
        AgentAction::Status => {
            if !agent_running(&paths) {
                if a.json {
                    println!("{}", serde_json::json!({"running": false}));
                } else {
                    println!("brm agent is not running (it starts on first use, or with `brm agent start`)");
                }
                return Ok(3);
            }
            let mut c = Client::connect(ClientOptions {
                autostart: false,
                ..Default::default()
            })?;
            let st = c.agent_status()?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&st).unwrap_or_default());
            } else {
                println!(
                    "brm agent {} running, pid {}, up {} s",
                    st["version"].as_str().unwrap_or("?"),
                    st["pid"],
                    st["uptime_s"]
                );
                if let Some(slots) = st["slots"].as_array() {
                    for s in slots {
                        println!(
                            "  slot {} ({}): {}",
                            s["slot"],
                            s["kind"].as_str().unwrap_or("?"),
                            if s["running"].is_null() {
                                "idle".to_string()
                            } else {
                                s["running"].to_string()
                            }
                        );
                    }
                }
            }
            Ok(0)
        }
    }
}
