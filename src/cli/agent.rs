//! `brm agent [start|stop|status|serve|install-service|uninstall-service]`: manage the
//! per-user agent that owns the renders.

use std::path::{Path, PathBuf};

use brm::agent::service::{self, InstallOptions, ServiceDirs};
use brm::agent::{serve, ServeOptions, ServeOutcome};
use brm::client::upgrade;
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

#[derive(clap::Subcommand, Clone)]
pub enum AgentAction {
    /// Start the agent in the background (no-op when it runs).
    Start,
    /// Ask the agent to exit; renders keep running and the next agent re-attaches.
    Stop,
    /// Is it running, with which slots and renders (default).
    Status,
    /// Serve in the foreground (what `start` runs detached).
    Serve,
    /// Start the agent at login/boot (systemd user unit; XDG autostart without systemd), so
    /// queued and interrupted renders resume after a reboot without anyone running brm.
    InstallService(InstallServiceArgs),
    /// Remove what install-service wrote (the running agent and its renders keep running).
    UninstallService,
    /// Stop the agent and start this brm's: running renders keep going and are re-attached.
    Restart,
    /// Wait until the older agent PID runs no render, then restart it as this brm (started
    /// detached by a newer brm that met an older agent).
    #[command(hide = true)]
    UpgradeWait {
        #[arg(long)]
        from_pid: u64,
    },
}

#[derive(clap::Args, Clone)]
pub struct InstallServiceArgs {
    /// The brm executable the service runs (default: this one).
    #[arg(long)]
    pub exe: Option<PathBuf>,
    /// Also write the XDG autostart entry when a systemd user session exists.
    #[arg(long)]
    pub autostart: bool,
    /// Write and enable, but do not start the unit now.
    #[arg(long)]
    pub no_start: bool,
    /// Print the unit file and write nothing.
    #[arg(long)]
    pub print: bool,
}

pub fn run(a: AgentArgs) -> brm::Result<i32> {
    let paths = Paths::from_env();
    match a.action.unwrap_or(AgentAction::Status) {
        AgentAction::InstallService(s) => install_service(&s, a.json),
        AgentAction::UninstallService => uninstall_service(a.json),
        AgentAction::UpgradeWait { from_pid } => {
            let exe = upgrade::this_executable()?;
            let outcome = upgrade::wait_and_restart(&paths, from_pid, &exe)?;
            errln!("brm agent upgrade-wait: {outcome:?}");
            Ok(0)
        }
        AgentAction::Restart => {
            if agent_running(&paths) {
                let mut c = Client::connect(ClientOptions {
                    autostart: false,
                    ..Default::default()
                })?;
                c.shutdown()?;
                for _ in 0..200 {
                    if !agent_running(&paths) {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
            let mut c = Client::connect(ClientOptions {
                agent_path: Some(upgrade::this_executable()?),
                ..Default::default()
            })?;
            let st = c.agent_status()?;
            if a.json {
                outln!("{}", serde_json::to_string(&st).unwrap_or_default());
            } else {
                outln!(
                    "brm agent {} restarted (pid {}); running renders keep going",
                    if st.version.is_empty() {
                        "?"
                    } else {
                        &st.version
                    },
                    st.pid
                );
            }
            Ok(0)
        }
        AgentAction::Serve => {
            // Windows: the agent's stdio (its log) must not reach every render it starts.
            #[cfg(windows)]
            brm::run::disinherit_std_handles();
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
                outln!("{}", serde_json::to_string(&st).unwrap_or_default());
            } else {
                outln!("brm agent running (pid {})", st.pid);
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
                let st = c.agent_status()?;
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
                    if let Some(w) = &s.session {
                        outln!(
                            "    warm session {} (pid {}): {}, {} chunk(s) for job(s) {:?}, scene {}, {}",
                            w.id,
                            w.pid,
                            w.state,
                            w.chunks,
                            w.jobs,
                            w.scene,
                            if w.layer.is_empty() {
                                "all view layers".to_string()
                            } else {
                                format!("layer '{}'", w.layer)
                            }
                        );
                    }
                }
            }
            Ok(0)
        }
    }
}

fn install_service(s: &InstallServiceArgs, json: bool) -> brm::Result<i32> {
    if s.print {
        let exe = match &s.exe {
            Some(p) => p.clone(),
            None => std::env::current_exe()
                .map_err(|e| brm::Error::io("finding the running brm executable", e))?,
        };
        print!(
            "{}",
            service::unit_text(&exe, &service::settings_from_env())
        );
        return Ok(0);
    }
    let dirs = ServiceDirs::from_env()?;
    let done = service::install(
        &dirs,
        &InstallOptions {
            exe: s.exe.clone(),
            force_autostart: s.autostart,
            no_start: s.no_start,
        },
    )?;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&done).unwrap_or_default()
        );
        return Ok(0);
    }
    outln!("brm agent service installed: {}", done.unit.display());
    if brm::config::home().is_some() {
        // The one exception to "BRM_HOME holds every per-user file": systemd and the desktop
        // read login services only from the user's config folder.
        outln!(
            "  (BRM_HOME holds the queue; the service files live where systemd and the desktop read them, in {})",
            done.unit.parent().and_then(Path::parent).and_then(Path::parent).unwrap_or(&done.unit).display()
        );
    }
    outln!("  runs: {} agent serve", done.exe.display());
    if let Some(d) = &done.autostart {
        outln!("  autostart entry: {}", d.display());
    }
    if done.systemd_session {
        outln!(
            "  systemd user session: enabled{}",
            if done.started { " and started" } else { "" }
        );
    } else {
        outln!("  enabled for the next systemd user session (none answers here now)");
    }
    for n in &done.notes {
        outln!("  note: {n}");
    }
    Ok(0)
}

fn uninstall_service(json: bool) -> brm::Result<i32> {
    let dirs = ServiceDirs::from_env()?;
    let removed = service::uninstall(&dirs)?;
    if json {
        outln!("{}", serde_json::json!({ "removed": removed }));
    } else if removed.is_empty() {
        outln!("no brm agent service was installed (nothing removed)");
    } else {
        for p in &removed {
            outln!("removed {}", p.display());
        }
        outln!("the running agent, if any, keeps running (stop it with `brm agent stop`)");
    }
    Ok(0)
}
