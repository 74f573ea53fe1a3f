//! The agent's serving loop: one thread per connection, requests answered from the engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::ErrorKind;
use crate::ipc::transport::{self, Conn, Listener};
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

/// The longest request line the agent reads (a job spec with a large environment is well
/// under this; Linux caps a process environment at a few MiB anyway). Longer lines are
/// refused and the connection closed, so a flood cannot grow the agent's memory.
pub const MAX_REQUEST_BYTES: usize = 4 << 20;

/// How often the agent checks that its socket is still the one it bound.
#[cfg(unix)]
const SOCKET_CHECK: Duration = Duration::from_secs(1);

/// Serve until idle or stopped. Renders keep running after it returns.
pub fn serve(opts: ServeOptions) -> crate::Result<ServeOutcome> {
    let paths = &opts.paths;
    prepare_runtime(&paths.runtime)?;
    // The queue (job environments included) must not sit where another user can swap it.
    #[cfg(unix)]
    trusted_dir(&paths.state, "state")?;
    writable::check_state(paths)?;
    // One agent per user rests on a lock on the *state* folder itself (Unix; Windows: a file
    // in it): the runtime folder may be deleted under a running agent (logind does so at
    // logout), and a lock file can be deleted; the folder holding the queue cannot be without
    // losing the queue anyway.
    let Some(_lock) = lock::try_lock_state(&paths.state)? else {
        return Ok(ServeOutcome::AlreadyRunning);
    };
    // Also the runtime lock older brm agents take, so an old and a new one never both serve.
    let Some(_old_lock) = lock::try_lock(&paths.runtime.join("agent.lock"))? else {
        return Ok(ServeOutcome::AlreadyRunning);
    };
    let report = crate::detect::detect_cached();
    let engine = Engine::open(EngineConfig::from_env(paths.clone(), report))?;
    let ticker = engine.start();
    let endpoint = transport::endpoint(paths);
    #[cfg(unix)]
    let mut listener = Listener::bind(&endpoint).map_err(|e| {
        crate::Error::io(
            format!("binding the agent socket {}", endpoint.display()),
            e,
        )
    })?;
    #[cfg(windows)]
    let listener = Listener::bind(&endpoint).map_err(|e| {
        crate::Error::io(
            format!("binding the agent socket {}", endpoint.display()),
            e,
        )
    })?;
    #[cfg(unix)]
    let mut bound = socket_id(&endpoint);
    #[cfg(unix)]
    let mut checked = Instant::now();
    #[cfg(unix)]
    let db_id = socket_id(&paths.database());
    #[cfg(unix)]
    let mut rebind_error: Option<String> = None;
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
        #[cfg(unix)]
        if checked.elapsed() >= SOCKET_CHECK {
            checked = Instant::now();
            if let Some(why) = database_lost(&paths.database(), db_id) {
                eprintln!(
                    "brm agent: the queue database {} {why} while the agent ran; stopping so \
                     nothing is written over what is left. Running renders go on; the next brm \
                     command says how to recover",
                    paths.database().display()
                );
                if why == TRUNCATED {
                    // The emptied file is still the one the queue's log belongs to: keep
                    // SQLite from writing part of the queue back into it on close.
                    engine.abandon_database();
                }
                break ServeOutcome::Stopped;
            }
            if bound.is_none() || socket_id(&endpoint) != bound {
                match rebind(paths, &endpoint) {
                    Ok(l) => {
                        eprintln!("brm agent: serving again at {}", endpoint.display());
                        listener = l;
                        bound = socket_id(&endpoint);
                        rebind_error = None;
                    }
                    // Said once per cause, not every second.
                    Err(e) if rebind_error.as_deref() != Some(e.as_str()) => {
                        eprintln!("brm agent: the socket {} vanished and cannot be bound again (retrying): {e}", endpoint.display());
                        rebind_error = Some(e);
                    }
                    Err(_) => {}
                }
            }
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

/// Refuse a runtime folder another user owns or can write (see [`crate::ipc::trust`]), then make
/// it (0700) and check it again.
fn prepare_runtime(runtime: &std::path::Path) -> crate::Result<()> {
    #[cfg(unix)]
    trusted_dir(runtime, "runtime")?;
    crate::paths::ensure_private_dir(runtime)
        .map_err(|e| crate::Error::io(format!("creating runtime dir {}", runtime.display()), e))?;
    #[cfg(unix)]
    trusted_dir(runtime, "runtime")?;
    Ok(())
}

#[cfg(unix)]
fn trusted_dir(dir: &std::path::Path, what: &str) -> crate::Result<()> {
    crate::ipc::trust::check_dir(dir)
        .map_err(|u| crate::Error::io(format!("using {what} dir {}", dir.display()), u.into_io()))
}

/// The identity (device, inode) of the socket file at `path`, if there is one.
#[cfg(unix)]
fn socket_id(path: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(unix)]
const TRUNCATED: &str = "was truncated to 0 bytes";

/// Whether the database file under a running agent was deleted, replaced or emptied (so
/// the queue it holds is gone or damaged): the agent must not carry on writing.
#[cfg(unix)]
fn database_lost(db: &std::path::Path, opened: Option<(u64, u64)>) -> Option<&'static str> {
    match std::fs::metadata(db) {
        Err(_) => Some("was deleted"),
        Ok(_) if socket_id(db) != opened => Some("was replaced by another file"),
        Ok(m) if m.len() == 0 => Some(TRUNCATED),
        Ok(_) => None,
    }
}

/// Our socket vanished or was replaced (the runtime folder deleted at logout, a user's
/// `rm`): clients could no longer reach us and would start a second agent. We hold the state
/// lock, so no other agent of ours serves: bind again (and rewrite the pid file).
#[cfg(unix)]
fn rebind(paths: &Paths, endpoint: &std::path::Path) -> Result<Listener, String> {
    prepare_runtime(&paths.runtime).map_err(|e| e.to_string())?;
    let l = Listener::bind(endpoint).map_err(|e| e.to_string())?;
    let _ = std::fs::write(
        paths.runtime.join("agent.pid"),
        std::process::id().to_string(),
    );
    Ok(l)
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
    let mut raw = Vec::new();
    let mut greeted = false;
    loop {
        raw.clear();
        let n = (&mut reader)
            .take(MAX_REQUEST_BYTES as u64 + 1)
            .read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Ok(());
        }
        if let Ok(mut t) = sh.last_activity.lock() {
            *t = Instant::now();
        }
        if n > MAX_REQUEST_BYTES && !raw.ends_with(b"\n") {
            // The rest of the line is not read: answer, then hang up.
            let resp = Response::err(
                ErrorKind::Protocol,
                format!(
                    "request refused: longer than {} MiB; a job spec is far smaller (check the \
                     job's environment and layer list)",
                    MAX_REQUEST_BYTES >> 20
                ),
            );
            let mut out = serde_json::to_vec(&resp).unwrap_or_else(|_| b"{\"ok\":false}".to_vec());
            out.push(b'\n');
            writer.write_all(&out)?;
            return writer.flush();
        }
        let line = String::from_utf8_lossy(&raw);
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
                    typed(Ok(hello_reply()))
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

/// Every answer is a typed message of `protocol` (jobs or replies), serialized here and only
/// here (the table of which request gets which type is in [`crate::protocol::replies`]).
fn typed<T: serde::Serialize>(r: crate::Result<T>) -> Response {
    match r.and_then(|v| {
        serde_json::to_value(v).map_err(|x| crate::Error::InvalidArgument(x.to_string()))
    }) {
        Ok(v) => Response::ok(v),
        Err(err) => Response::err(err.kind(), err.to_string()),
    }
}

/// This agent's answer to a `hello` it accepts.
fn hello_reply() -> crate::protocol::replies::HelloReply {
    crate::protocol::replies::HelloReply {
        protocol: PROTOCOL_VERSION,
        agent: crate::VERSION.into(),
        pid: std::process::id(),
    }
}

fn answer(sh: &Shared, req: Request) -> Response {
    use crate::protocol::replies::{
        AgentStatus, Done, Forgotten, FramesQueued, Removed, StateReply, Stopping, Submitted,
    };
    let e = &sh.engine;
    let state =
        |s: crate::Result<crate::protocol::jobs::JobState>| s.map(|state| StateReply { state });
    match req {
        Request::Hello { .. } => typed(Ok(hello_reply())),
        Request::Submit { spec } => typed(e.submit(*spec).map(|id| Submitted { id })),
        Request::Jobs => typed(e.jobs()),
        Request::Job { id } => typed(e.detail(id)),
        Request::Status { id } => typed(e.summary(id)),
        Request::Logs {
            id,
            after_seq,
            max,
            stream,
            task,
        } => typed(e.logs_of_task(id, after_seq, max.clamp(1, 10_000) as usize, stream, task)),
        Request::Wait { id, timeout_ms } => typed(state(
            e.wait(id, Duration::from_millis(timeout_ms.min(3_600_000))),
        )),
        Request::Cancel { id, grace_ms } => {
            typed(state(e.cancel(id, grace_ms.map(Duration::from_millis))))
        }
        Request::Retry { id } => typed(e.retry(id).map(|_| Done {})),
        Request::RetryFrames { id, frames } => typed(
            crate::frames::FrameSet::parse(&frames)
                .map_err(crate::Error::from)
                .and_then(|set| e.retry_frames(id, &set))
                .map(|queued| FramesQueued { queued }),
        ),
        Request::SetPriority { id, priority } => typed(state(e.set_priority(id, priority))),
        Request::Pause { id } => typed(state(e.set_paused(id, true))),
        Request::Resume { id } => typed(state(e.set_paused(id, false))),
        Request::Cleanup => typed(e.cleanup_snapshots().map(|removed| Removed { removed })),
        Request::Forget { id } => typed(e.forget(id).map(|()| Forgotten {
            forgotten: vec![id],
        })),
        Request::Prune { older_than_s } => typed(
            e.prune(older_than_s.map(Duration::from_secs))
                .map(|forgotten| Forgotten { forgotten }),
        ),
        Request::Prunable { older_than_s } => typed(
            e.prunable(older_than_s.map(Duration::from_secs))
                .map(|forgotten| Forgotten { forgotten }),
        ),
        Request::AgentStatus => typed(e.slots().map(|slots| AgentStatus {
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
            typed(Ok(Stopping { stopping: true }))
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

    /// Lock the state folder: on Unix `flock` on the folder itself (it has no name to delete
    /// short of the folder), elsewhere a lock file inside it.
    #[cfg(unix)]
    pub fn try_lock_state(dir: &Path) -> crate::Result<Option<Lock>> {
        use std::os::fd::AsRawFd;
        let file = File::open(dir)
            .map_err(|e| crate::Error::io(format!("opening {} to lock it", dir.display()), e))?;
        // SAFETY: flock on a descriptor we own.
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        Ok((r == 0).then_some(Lock { _file: file }))
    }

    #[cfg(windows)]
    pub fn try_lock_state(dir: &Path) -> crate::Result<Option<Lock>> {
        try_lock(&dir.join("agent.lock"))
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

/// Before SQLite maps anything: the state folder (and the queue files already in it) must be
/// writable, or SQLite may fail deep inside (an immutable folder ended in SIGBUS) instead of
/// saying what is wrong.
mod writable {
    use crate::paths::Paths;

    pub fn check_state(paths: &Paths) -> crate::Result<()> {
        let state = &paths.state;
        let fail = |what: String, e: std::io::Error| {
            crate::Error::io(
                format!(
                    "{what}: brm keeps its queue in {} and must write there. Make it writable \
                     (check `ls -ld`, and `lsattr -d` for the immutable flag: `chattr -i`), or \
                     set BRM_HOME to a writable folder",
                    state.display()
                ),
                e,
            )
        };
        crate::paths::ensure_private_dir(state).map_err(|e| {
            fail(
                format!("cannot create the state folder {}", state.display()),
                e,
            )
        })?;
        let probe = state.join(format!(".brm-write-test-{}", std::process::id()));
        std::fs::write(&probe, b"ok").map_err(|e| {
            fail(
                format!("cannot write in the state folder {}", state.display()),
                e,
            )
        })?;
        let _ = std::fs::remove_file(&probe);
        let db = paths.database();
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            let f = std::path::PathBuf::from(name);
            if f.exists() {
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(&f)
                    .map_err(|e| fail(format!("cannot write {}", f.display()), e))?;
            }
        }
        Ok(())
    }
}
