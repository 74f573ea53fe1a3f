//! The agent's serving loop: one thread per connection, requests answered from the engine.

use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::transport::{self, Conn, Listener};
use crate::error::ErrorKind;
use crate::paths::Paths;
use crate::protocol::{Request, Response, PROTOCOL_VERSION};
use crate::queue::{Engine, EngineConfig};

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub paths: Paths,
    /// Exit after this long with nothing queued or running and no client connected.
    pub idle_exit: Duration,
}

impl ServeOptions {
    /// `BRM_AGENT_IDLE_S` (default 900 s; 0 = never).
    pub fn from_env(paths: Paths) -> ServeOptions {
        ServeOptions {
            paths,
            idle_exit: crate::config::agent_idle(),
        }
    }
}

/// Why `serve` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServeOutcome {
    /// Another agent of this user is already serving.
    AlreadyRunning,
    /// Idle time ran out.
    Idle,
    /// A client asked it to stop.
    Stopped,
}

struct Shared {
    engine: Arc<Engine>,
    stop: AtomicBool,
    connections: AtomicUsize,
    last_activity: std::sync::Mutex<Instant>,
    started: Instant,
}

/// Serve until idle or stopped. Renders keep running after it returns.
pub fn serve(opts: ServeOptions) -> crate::Result<ServeOutcome> {
    let paths = &opts.paths;
    crate::paths::ensure_private_dir(&paths.runtime).map_err(|e| {
        crate::Error::io(
            format!("creating runtime dir {}", paths.runtime.display()),
            e,
        )
    })?;
    let Some(_lock) = lock::try_lock(&paths.runtime.join("agent.lock"))? else {
        return Ok(ServeOutcome::AlreadyRunning);
    };
    let report = crate::detect::detect_cached();
    let engine = Engine::open(EngineConfig::from_env(paths.clone(), report))?;
    let ticker = engine.start();
    let endpoint = transport::endpoint(paths);
    let listener = Listener::bind(&endpoint).map_err(|e| {
        crate::Error::io(
            format!("binding the agent socket {}", endpoint.display()),
            e,
        )
    })?;
    let _ = std::fs::write(
        paths.runtime.join("agent.pid"),
        std::process::id().to_string(),
    );
    eprintln!(
        "brm agent {} (pid {}) serving at {}",
        crate::VERSION,
        std::process::id(),
        endpoint.display()
    );
    let shared = Arc::new(Shared {
        engine: Arc::clone(&engine),
        stop: AtomicBool::new(false),
        connections: AtomicUsize::new(0),
        last_activity: std::sync::Mutex::new(Instant::now()),
        started: Instant::now(),
    });
    #[cfg(windows)]
    {
        // ConnectNamedPipe blocks: accept on a thread, watch idleness here.
        let sh = Arc::clone(&shared);
        std::thread::spawn(move || loop {
            match listener.accept() {
                Ok(Some(conn)) => spawn_conn(&sh, conn),
                Ok(None) => {}
                Err(e) => eprintln!("brm agent: accept failed: {e}"),
            }
        });
    }
    let outcome = loop {
        if shared.stop.load(Ordering::SeqCst) {
            break ServeOutcome::Stopped;
        }
        #[cfg(unix)]
        match listener.accept() {
            Ok(Some(conn)) => {
                spawn_conn(&shared, conn);
                continue;
            }
            Ok(None) => {}
            Err(e) => eprintln!("brm agent: {e}"),
        }
        std::thread::sleep(Duration::from_millis(20));
        let idle_for = shared
            .last_activity
            .lock()
            .map(|t| t.elapsed())
            .unwrap_or_default();
        if shared.connections.load(Ordering::SeqCst) == 0
            && idle_for >= opts.idle_exit
            && engine.is_idle()
        {
            break ServeOutcome::Idle;
        }
        if !engine.is_idle() {
            if let Ok(mut t) = shared.last_activity.lock() {
                *t = Instant::now();
            }
        }
    };
    engine.stop();
    let _ = ticker.join();
    #[cfg(unix)]
    let _ = std::fs::remove_file(&endpoint);
    let _ = std::fs::remove_file(paths.runtime.join("agent.pid"));
    eprintln!("brm agent exiting ({outcome:?}); running renders, if any, continue");
    Ok(outcome)
}

fn spawn_conn(shared: &Arc<Shared>, conn: Box<dyn Conn>) {
    let sh = Arc::clone(shared);
    sh.connections.fetch_add(1, Ordering::SeqCst);
    let spawned = std::thread::Builder::new()
        .name("brm-conn".into())
        .spawn(move || {
            if let Err(e) = handle(&sh, conn) {
                if e.kind() != std::io::ErrorKind::BrokenPipe
                    && e.kind() != std::io::ErrorKind::UnexpectedEof
                {
                    eprintln!("brm agent: connection: {e}");
                }
            }
            if let Ok(mut t) = sh.last_activity.lock() {
                *t = Instant::now();
            }
            sh.connections.fetch_sub(1, Ordering::SeqCst);
        });
    if let Err(e) = spawned {
        eprintln!("brm agent: cannot start a connection thread: {e}");
        shared.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

fn handle(sh: &Shared, conn: Box<dyn Conn>) -> std::io::Result<()> {
    let mut writer = conn.try_clone_box()?;
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    let mut greeted = false;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if let Ok(mut t) = sh.last_activity.lock() {
            *t = Instant::now();
        }
        let resp = match serde_json::from_str::<Request>(line.trim_end()) {
            Err(e) => Response::err(
                ErrorKind::Protocol,
                format!("malformed request ({e}); is this client a brm of the same version?"),
            ),
            Ok(Request::Hello { protocol, client }) => {
                if protocol != PROTOCOL_VERSION {
                    Response::err(
                        ErrorKind::Protocol,
                        format!(
                            "protocol mismatch: client {client} speaks protocol {protocol}, this agent (brm {}) speaks {PROTOCOL_VERSION}; \
                             stop the old agent with `brm agent stop` (renders keep running) and try again",
                            crate::VERSION
                        ),
                    )
                } else {
                    greeted = true;
                    Response::ok(
                        json!({"protocol": PROTOCOL_VERSION, "agent": crate::VERSION, "pid": std::process::id()}),
                    )
                }
            }
            Ok(_) if !greeted => {
                Response::err(ErrorKind::Protocol, "the first request must be hello")
            }
            Ok(req) => answer(sh, req),
        };
        let mut out = serde_json::to_vec(&resp).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
        out.push(b'\n');
        writer.write_all(&out)?;
        writer.flush()?;
    }
}

fn answer(sh: &Shared, req: Request) -> Response {
    use crate::protocol::replies::{
        AgentStatus, Done, Forgotten, Removed, StateReply, Stopping, Submitted,
    };
    let e = &sh.engine;
    // Every answer is a typed message of `protocol` (jobs or replies), serialized here.
    fn to<T: serde::Serialize>(r: crate::Result<T>) -> Response {
        match r.and_then(|v| {
            serde_json::to_value(v).map_err(|x| crate::Error::InvalidArgument(x.to_string()))
        }) {
            Ok(v) => Response::ok(v),
            Err(err) => Response::err(err.kind(), err.to_string()),
        }
    }
    let state = |s: crate::Result<crate::queue::JobState>| s.map(|state| StateReply { state });
    match req {
        Request::Hello { .. } => Response::ok(json!({})),
        Request::Submit { spec } => to(e.submit(*spec).map(|id| Submitted { id })),
        Request::Jobs => to(e.jobs()),
        Request::Job { id } => to(e.detail(id)),
        Request::Status { id } => to(e.summary(id)),
        Request::Logs {
            id,
            after_seq,
            max,
            stream,
            task,
        } => to(e.logs_of_task(id, after_seq, max.clamp(1, 10_000) as usize, stream, task)),
        Request::Wait { id, timeout_ms } => to(state(
            e.wait(id, Duration::from_millis(timeout_ms.min(3_600_000))),
        )),
        Request::Cancel { id, grace_ms } => {
            to(state(e.cancel(id, grace_ms.map(Duration::from_millis))))
        }
        Request::Retry { id } => to(e.retry(id).map(|_| Done {})),
        Request::Pause { id } => to(state(e.set_paused(id, true))),
        Request::Resume { id } => to(state(e.set_paused(id, false))),
        Request::Cleanup => to(e.cleanup_snapshots().map(|removed| Removed { removed })),
        Request::Forget { id } => to(e.forget(id).map(|()| Forgotten {
            forgotten: vec![id],
        })),
        Request::Prune { older_than_s } => to(e
            .prune(older_than_s.map(Duration::from_secs))
            .map(|forgotten| Forgotten { forgotten })),
        Request::AgentStatus => to(e.slots().map(|slots| AgentStatus {
            pid: std::process::id(),
            version: crate::VERSION.into(),
            protocol: PROTOCOL_VERSION,
            uptime_s: sh.started.elapsed().as_secs(),
            connections: sh.connections.load(Ordering::SeqCst) as u64,
            idle: e.is_idle(),
            slots,
        })),
        Request::Shutdown => {
            sh.stop.store(true, Ordering::SeqCst);
            to(Ok(Stopping { stopping: true }))
        }
    }
}

/// One agent per user: an exclusive lock on a file in the runtime dir.
mod lock {
    use std::fs::File;
    use std::path::Path;

    pub struct Lock {
        _file: File,
    }

    #[cfg(unix)]
    pub fn try_lock(path: &Path) -> crate::Result<Option<Lock>> {
        use std::os::fd::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| crate::Error::io(format!("opening agent lock {}", path.display()), e))?;
        // SAFETY: flock on a descriptor we own.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        Ok((r == 0).then_some(Lock { _file: file }))
    }

    #[cfg(windows)]
    pub fn try_lock(path: &Path) -> crate::Result<Option<Lock>> {
        use std::os::windows::fs::OpenOptionsExt;
        // share_mode 0: a second agent cannot open the file while we hold it.
        match std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .share_mode(0)
            .open(path)
        {
            Ok(file) => Ok(Some(Lock { _file: file })),
            Err(_) => Ok(None),
        }
    }
}
