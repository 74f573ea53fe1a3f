//! The client side of the agent: connect (starting the agent when needed), send requests.
//!
//! Every front — the CLI, the C ABI and so the Maya plugin — talks to the per-user agent
//! through this. If the agent is not running, the client starts it (like ssh-agent/sccache)
//! and waits for its socket; if the agent dies between calls, the next call reconnects and
//! starts a new one, which re-attaches to the renders that kept running.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

use crate::agent::detach;
use crate::agent::transport::{self, Conn};
use crate::error::{ErrorKind, Kind};
use crate::paths::Paths;
use crate::plan::JobSpec;
use crate::protocol::replies::{AgentStatus, Forgotten, Removed, StateReply, Submitted};
use crate::protocol::{kind_from_name, Request, Response, PROTOCOL_VERSION};
use crate::queue::{JobDetail, JobState, JobSummary, LogPage};

/// Errors of the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the brm agent is not running at {endpoint} and starting it is turned off; run `brm agent start`")]
    NotRunning { endpoint: PathBuf },
    #[error("cannot find the brm agent executable; looked at: {looked}. Set BRM_AGENT to the `brm` executable")]
    AgentNotFound { looked: String },
    #[error("started the brm agent ({exe}) but it did not answer at {endpoint} within {waited_ms} ms; see its log {log}{tail}")]
    AgentDidNotStart {
        exe: PathBuf,
        endpoint: PathBuf,
        waited_ms: u64,
        log: PathBuf,
        tail: String,
    },
    #[error("cannot start the brm agent {exe}: {source}")]
    AgentSpawn {
        exe: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("lost the connection to the brm agent: {0}")]
    Connection(std::io::Error),
    #[error("{message}")]
    Remote { kind: ErrorKind, message: String },
    #[error("invalid client options: {0}")]
    Options(String),
    #[error("the agent sent an unexpected answer: {0}")]
    BadAnswer(String),
    /// The runtime folder, the socket or the process behind it is not this user's own.
    #[error("{0}")]
    Untrusted(String),
    /// The agent took the request but did not answer in time (stopped, hung, overloaded).
    #[error(
        "the brm agent at {} did not answer `{op}` within {waited_ms} ms: it may be stopped \
         (SIGSTOP, a debugger) or overloaded. `brm agent status` checks it; `brm agent stop` \
         (or killing the pid in {}) replaces it, renders keep running{note}",
        endpoint.display(),
        pid_file.display()
    )]
    NoAnswer {
        op: String,
        waited_ms: u64,
        endpoint: PathBuf,
        pid_file: PathBuf,
        note: String,
    },
}

impl Kind for ClientError {
    fn kind(&self) -> ErrorKind {
        match self {
            ClientError::NotRunning { .. }
            | ClientError::AgentNotFound { .. }
            | ClientError::AgentDidNotStart { .. }
            | ClientError::AgentSpawn { .. }
            | ClientError::Connection(_)
            | ClientError::Untrusted(_)
            | ClientError::NoAnswer { .. } => ErrorKind::Unavailable,
            ClientError::Remote { kind, .. } => *kind,
            ClientError::Options(_) => ErrorKind::InvalidArgument,
            ClientError::BadAnswer(_) => ErrorKind::Protocol,
        }
    }
}

impl crate::error::ModuleError for ClientError {}

/// How to reach the agent. From JSON for the C ABI: `{"autostart": true, "agent_path": "...",
/// "home": "...", "connect_timeout_ms": 10000, "request_timeout_ms": 30000}` (all optional).
/// `request_timeout_ms` bounds every wait for an answer (a `wait` request gets its own
/// timeout on top); its default comes from `BRM_REQUEST_TIMEOUT_MS`, else 30 s.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientOptions {
    #[serde(default = "yes")]
    pub autostart: bool,
    #[serde(default)]
    pub agent_path: Option<PathBuf>,
    #[serde(default)]
    pub home: Option<PathBuf>,
    #[serde(default = "default_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
}

fn yes() -> bool {
    true
}
fn default_timeout_ms() -> u64 {
    10_000
}
/// `BRM_REQUEST_TIMEOUT_MS`, else 30 s: long enough for a submit of a big scene, short enough
/// that a hung agent gives an error instead of a frozen shell.
fn default_request_timeout_ms() -> u64 {
    crate::config::request_timeout_ms()
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            autostart: true,
            agent_path: None,
            home: None,
            connect_timeout_ms: default_timeout_ms(),
            request_timeout_ms: default_request_timeout_ms(),
        }
    }
}

impl ClientOptions {
    pub fn from_json(s: &str) -> Result<ClientOptions, ClientError> {
        if s.trim().is_empty() {
            return Ok(ClientOptions::default());
        }
        serde_json::from_str(s).map_err(|e| {
            ClientError::Options(format!(
                "{e}; expected a JSON object with optional keys autostart, agent_path, home, connect_timeout_ms, request_timeout_ms"
            ))
        })
    }

    fn paths(&self) -> Paths {
        match &self.home {
            Some(h) => Paths::under(h),
            None => Paths::from_env(),
        }
    }
}

struct Connection {
    reader: BufReader<Box<dyn Conn>>,
    writer: Box<dyn Conn>,
}

/// A connection to the agent.
pub struct Client {
    opts: ClientOptions,
    paths: Paths,
    conn: Option<Connection>,
}

impl Client {
    /// Connect, starting the agent if it is not running (unless `autostart` is off).
    pub fn connect(opts: ClientOptions) -> crate::Result<Client> {
        let paths = opts.paths();
        let mut c = Client {
            opts,
            paths,
            conn: None,
        };
        c.ensure_connected()?;
        Ok(c)
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    fn endpoint(&self) -> PathBuf {
        transport::endpoint(&self.paths)
    }

    fn ensure_connected(&mut self) -> crate::Result<()> {
        if self.conn.is_some() {
            return Ok(());
        }
        match self.open() {
            Ok(c) => {
                self.conn = Some(c);
                return Ok(());
            }
            Err(OpenError::Remote(e)) => return Err(e.into()),
            Err(OpenError::Io(e)) if is_timeout(&e) => {
                return Err(self.no_answer("hello", "").into())
            }
            Err(OpenError::Io(_)) if !self.opts.autostart => {
                return Err(ClientError::NotRunning {
                    endpoint: self.endpoint(),
                }
                .into())
            }
            Err(OpenError::Io(_)) => {}
        }
        self.start_agent()?;
        Ok(())
    }

    /// The error for a request the agent did not answer in time.
    fn no_answer(&self, op: &str, note: &str) -> ClientError {
        ClientError::NoAnswer {
            op: op.to_string(),
            waited_ms: self.opts.request_timeout_ms,
            endpoint: self.endpoint(),
            pid_file: self.paths.runtime.join("agent.pid"),
            note: note.to_string(),
        }
    }

    fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.opts.request_timeout_ms.max(1))
    }

    fn open(&self) -> Result<Connection, OpenError> {
        let conn = transport::connect(&self.endpoint()).map_err(untrusted_or_io)?;
        let writer = conn.try_clone_box().map_err(OpenError::Io)?;
        let mut c = Connection {
            reader: BufReader::new(conn),
            writer,
        };
        let hello = Request::Hello {
            protocol: PROTOCOL_VERSION,
            client: format!("brm {}", crate::VERSION),
        };
        match roundtrip(&mut c, &hello, self.request_timeout()) {
            Ok(Ok(v)) => {
                crate::agent::upgrade::after_hello(&self.paths, &self.opts, &v);
                Ok(c)
            }
            Ok(Err(e)) => Err(OpenError::Remote(e)),
            Err(e) => Err(OpenError::Io(e)),
        }
    }

    fn start_agent(&mut self) -> crate::Result<()> {
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

    /// Send a request; on a broken connection (agent restarted or killed) reconnect — which
    /// may start a new agent — and send it once more.
    pub fn call(&mut self, req: &Request) -> crate::Result<Value> {
        for attempt in 0..2 {
            self.ensure_connected()?;
            let timeout = self.request_timeout();
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            match roundtrip(conn, req, timeout) {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => return Err(e.into()),
                Err(e) if is_timeout(&e) => {
                    // Not sent again: a hung agent would only hang twice as long.
                    self.conn = None;
                    return Err(self.no_answer(&op_name(req), "").into());
                }
                Err(e) => {
                    self.conn = None;
                    if attempt == 1 {
                        return Err(ClientError::Connection(e).into());
                    }
                }
            }
        }
        Err(ClientError::Connection(std::io::Error::other("no connection")).into())
    }

    /// Submit a job. The scene is snapshotted first unless it already is a snapshot, so the
    /// artist can keep editing (and saving) the original; the client's environment travels
    /// with the job unless the spec carries one.
    pub fn submit(&mut self, mut spec: JobSpec) -> crate::Result<u64> {
        spec.scene = absolute(&crate::submit_checks::expand_tilde(&spec.scene, "scene")?);
        if let Some(o) = &spec.output_dir {
            let o = crate::submit_checks::expand_tilde(o, "output folder")?;
            spec.output_dir = Some(absolute(&o));
        }
        crate::submit_checks::check(&mut spec)?;
        if !spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "scene {} does not exist (or is not a file); check the path",
                spec.scene.display()
            )));
        }
        let snapdir = self
            .paths
            .snapshots
            .canonicalize()
            .unwrap_or_else(|_| self.paths.snapshots.clone());
        let scene_canon = spec
            .scene
            .canonicalize()
            .unwrap_or_else(|_| spec.scene.clone());
        // A .blend: what Blender says decides layers, frames and the output folder.
        if spec.is_blend() {
            crate::client_scene::apply_blend_facts(&mut spec, &self.paths)?;
        }
        // The snapshot this submit made: removed again when the job is refused, and named
        // in errors by the artist's file instead.
        let mut made: Option<(PathBuf, PathBuf)> = None;
        if !scene_canon.starts_with(&snapdir) {
            // Refuse what is not a scene before snapshotting it, naming the artist's file
            // (a partial .mb read is fine: the agent decides with the job's layers/frames).
            if let Err(e) = crate::scene::inspect(&spec.scene) {
                if crate::error::Kind::kind(&e) != ErrorKind::Unsupported {
                    return Err(e.into());
                }
            }
            // A snapshot folder another user controls would hand them the artist's scene.
            #[cfg(unix)]
            crate::agent::trust::check_dir(&self.paths.snapshots)
                .map_err(|u| ClientError::Untrusted(u.to_string()))?;
            let store = crate::scene::SnapshotStore::new(self.paths.snapshots.clone());
            let snap = store.snapshot(&spec.scene)?;
            if spec.source_scene.is_none() {
                spec.source_scene = Some(spec.scene.clone());
            }
            made = Some((snap.clone(), spec.scene.clone()));
            spec.scene = snap;
        }
        let refused = |e: crate::Error| -> crate::Error {
            match &made {
                Some((snap, artist)) => {
                    let _ = std::fs::remove_file(snap);
                    crate::client_scene::artist_error(e, snap, artist)
                }
                None => e,
            }
        };
        if spec.env.is_empty() {
            spec.env = capture_env();
        }
        // Never sent twice: a fresh, greeted connection first (a long-lived client such as Maya
        // may hold one to an agent that has since died), then one attempt.
        self.conn = None;
        self.ensure_connected().map_err(refused)?;
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| ClientError::Connection(std::io::Error::other("no connection")))?;
        let timeout = Duration::from_millis(self.opts.request_timeout_ms.max(1));
        let v = match roundtrip(
            conn,
            &Request::Submit {
                spec: Box::new(spec),
            },
            timeout,
        ) {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(refused(e.into())),
            Err(e) if is_timeout(&e) => {
                self.conn = None;
                return Err(self
                    .no_answer(
                        "submit",
                        "; it may still take the job: check `brm jobs` before submitting again",
                    )
                    .into());
            }
            Err(e) => {
                self.conn = None;
                return Err(ClientError::Connection(std::io::Error::new(
                    e.kind(),
                    format!("{e}; the agent stopped while taking the job: check `brm jobs` before submitting again"),
                ))
                .into());
            }
        };
        decode::<Submitted>(v).map(|s| s.id)
    }

    pub fn jobs(&mut self) -> crate::Result<Vec<JobSummary>> {
        decode(self.call(&Request::Jobs)?)
    }

    pub fn job(&mut self, id: u64) -> crate::Result<JobDetail> {
        decode(self.call(&Request::Job { id })?)
    }

    pub fn status(&mut self, id: u64) -> crate::Result<JobSummary> {
        decode(self.call(&Request::Status { id })?)
    }

    pub fn logs(&mut self, id: u64, after_seq: u64, max: u32) -> crate::Result<LogPage> {
        self.logs_of(id, after_seq, max, None)
    }

    /// Like [`Client::logs`], only lines of `stream` (0 render output, 1 brm's notes).
    pub fn logs_of(
        &mut self,
        id: u64,
        after_seq: u64,
        max: u32,
        stream: Option<u32>,
    ) -> crate::Result<LogPage> {
        self.logs_filtered(id, after_seq, max, stream, None)
    }

    /// Log lines of one stream and/or one task (`brm log --notes --task N`).
    pub fn logs_filtered(
        &mut self,
        id: u64,
        after_seq: u64,
        max: u32,
        stream: Option<u32>,
        task: Option<u32>,
    ) -> crate::Result<LogPage> {
        decode(self.call(&Request::Logs {
            id,
            after_seq,
            max,
            stream,
            task,
        })?)
    }

    /// Wait for the job to finish; `Timeout` error when it has not within `timeout`.
    pub fn wait(&mut self, id: u64, timeout: Duration) -> crate::Result<JobState> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(Duration::from_secs(30));
            match self.call(&Request::Wait {
                id,
                timeout_ms: slice.as_millis() as u64,
            }) {
                Ok(v) => return state_of(&v),
                Err(e) if e.kind() == ErrorKind::Timeout && Instant::now() < deadline => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn cancel(&mut self, id: u64, grace: Option<Duration>) -> crate::Result<JobState> {
        let v = self.call(&Request::Cancel {
            id,
            grace_ms: grace.map(|g| g.as_millis() as u64),
        })?;
        state_of(&v)
    }

    pub fn retry(&mut self, id: u64) -> crate::Result<()> {
        self.call(&Request::Retry { id }).map(|_| ())
    }

    /// Render `frames` (a frame spec) of a finished job again, even those that exist;
    /// returns how many frames (over all its layers) are queued.
    pub fn retry_frames(&mut self, id: u64, frames: &str) -> crate::Result<usize> {
        crate::frames::FrameSet::parse(frames)?;
        let v = self.call(&Request::RetryFrames {
            id,
            frames: frames.to_string(),
        })?;
        Ok(v.get("queued").and_then(Value::as_u64).unwrap_or(0) as usize)
    }

    /// A queued, running or paused job's new priority; returns its state.
    pub fn set_priority(&mut self, id: u64, priority: i32) -> crate::Result<JobState> {
        state_of(&self.call(&Request::SetPriority { id, priority })?)
    }

    pub fn pause(&mut self, id: u64, paused: bool) -> crate::Result<JobState> {
        let req = if paused {
            Request::Pause { id }
        } else {
            Request::Resume { id }
        };
        state_of(&self.call(&req)?)
    }

    /// Snapshot retention now; returns the removed paths.
    pub fn cleanup(&mut self) -> crate::Result<Vec<String>> {
        let v = self.call(&Request::Cleanup)?;
        let r: Removed = decode(v)?;
        Ok(r.removed
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }

    /// Forget a finished job (its queue rows and logs; never its frames).
    pub fn forget(&mut self, id: u64) -> crate::Result<()> {
        let _: Forgotten = decode(self.call(&Request::Forget { id })?)?;
        Ok(())
    }

    /// Forget finished jobs (all, or those finished more than `older_than` ago).
    pub fn prune(&mut self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let r: Forgotten = decode(self.call(&Request::Prune {
            older_than_s: older_than.map(|d| d.as_secs()),
        })?)?;
        Ok(r.forgotten)
    }

    /// The finished jobs [`Client::prune`] would forget; nothing is forgotten.
    pub fn prunable(&mut self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let r: Forgotten = decode(self.call(&Request::Prunable {
            older_than_s: older_than.map(|d| d.as_secs()),
        })?)?;
        Ok(r.forgotten)
    }

    /// The agent's status, typed.
    pub fn agent(&mut self) -> crate::Result<AgentStatus> {
        decode(self.agent_status()?)
    }

    /// The agent's status document as sent (see [`Client::agent`] for the typed one).
    pub fn agent_status(&mut self) -> crate::Result<Value> {
        self.call(&Request::AgentStatus)
    }

    /// Ask the agent to exit (renders keep running; the next client restarts it).
    pub fn shutdown(&mut self) -> crate::Result<()> {
        self.call(&Request::Shutdown).map(|_| ())
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
    let c = Client {
        opts,
        paths: paths.clone(),
        conn: None,
    };
    c.open().is_ok()
}

enum OpenError {
    Io(std::io::Error),
    Remote(ClientError),
}

/// A transport refusal (not our agent) becomes an error of its own: it must be reported,
/// never answered by starting an agent in the untrusted folder.
fn untrusted_or_io(e: std::io::Error) -> OpenError {
    #[cfg(unix)]
    if let Some(u) = crate::agent::trust::Untrusted::from_io(&e) {
        return OpenError::Remote(ClientError::Untrusted(u.to_string()));
    }
    OpenError::Io(e)
}

/// Whether an I/O error is a read/write timeout running out.
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// The request's `op` as it goes on the wire (for messages).
fn op_name(req: &Request) -> String {
    serde_json::to_value(req)
        .ok()
        .and_then(|v| v.get("op").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "request".into())
}

/// One request, one answer, each bounded by `timeout` (a `wait` request gets its own
/// `timeout_ms` on top). Strings in the answer have control characters escaped
/// ([`crate::text`]): they end up on terminals and in Maya's Script Editor.
fn roundtrip(
    c: &mut Connection,
    req: &Request,
    timeout: Duration,
) -> std::io::Result<Result<Value, ClientError>> {
    let wire = serde_json::to_value(req).map_err(std::io::Error::other)?;
    let waits = wire
        .get("timeout_ms")
        .and_then(Value::as_u64)
        .map(Duration::from_millis)
        .unwrap_or_default();
    let mut buf = serde_json::to_vec(&wire).map_err(std::io::Error::other)?;
    buf.push(b'\n');
    c.writer.set_write_timeout(Some(timeout))?;
    c.reader
        .get_ref()
        .set_read_timeout(Some(timeout.saturating_add(waits)))?;
    c.writer.write_all(&buf)?;
    c.writer.flush()?;
    let mut line = String::new();
    if c.reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the agent closed the connection",
        ));
    }
    let resp: Response = serde_json::from_str(line.trim_end()).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("bad answer from agent: {e}"),
        )
    })?;
    Ok(if resp.ok {
        let mut v = resp.result.unwrap_or(Value::Null);
        crate::text::escape_json_strings(&mut v);
        Ok(v)
    } else {
        let e = resp.error.unwrap_or(crate::protocol::WireError {
            kind: "internal".into(),
            message: "unknown error".into(),
        });
        Err(ClientError::Remote {
            kind: kind_from_name(&e.kind),
            message: crate::text::escape_controls(&e.message).into_owned(),
        })
    })
}

fn decode<T: serde::de::DeserializeOwned>(v: Value) -> crate::Result<T> {
    serde_json::from_value(v).map_err(|e| ClientError::BadAnswer(e.to_string()).into())
}

fn state_of(v: &Value) -> crate::Result<JobState> {
    decode::<StateReply>(v.clone()).map(|s| s.state)
}

/// The environment a job takes with it (moved to `client_env`; kept here for callers).
pub use crate::client_env::capture_env;

fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_reject_unknown_keys() {
        let o = ClientOptions::from_json(r#"{"autostart": false, "home": "/tmp/x"}"#).unwrap();
        assert!(!o.autostart);
        assert_eq!(o.home.as_deref(), Some(Path::new("/tmp/x")));
        let e = ClientOptions::from_json(r#"{"autostrat": false}"#).unwrap_err();
        assert!(e.to_string().contains("autostrat"), "{e}");
        assert!(ClientOptions::from_json("").unwrap().autostart);
    }

    #[test]
    fn no_agent_and_no_autostart_is_unavailable_with_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ClientOptions {
            autostart: false,
            home: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let e = Client::connect(opts).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        let endpoint = if cfg!(windows) {
            r"\\.\pipe\brm-agent-"
        } else {
            "agent.sock"
        };
        assert!(e.to_string().contains(endpoint), "{e}");
    }
}
