//! The client side of the agent: connect (starting the agent when needed), send requests.
//!
//! Every front — the CLI, the C ABI and so the Maya plugin — talks to the per-user agent
//! through this. If the agent is not running, the client starts it (like ssh-agent/sccache)
//! and waits for its socket; if the agent dies between calls, the next call reconnects and
//! starts a new one, which re-attaches to the renders that kept running.

mod detach;
mod error;
mod options;
mod start;
pub mod upgrade;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::ErrorKind;
use crate::ipc::transport::{self, Conn};
use crate::paths::Paths;
use crate::plan::JobSpec;
use crate::protocol::jobs::{JobDetail, JobState, JobSummary, LogPage};
use crate::protocol::replies::{
    AgentStatus, Done, Forgotten, FramesQueued, HelloReply, Removed, StateReply, Stopping,
    Submitted,
};
use crate::protocol::{kind_from_name, Request, Response, PROTOCOL_VERSION};

pub use error::ClientError;
pub use options::ClientOptions;
pub use start::agent_running;

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
        let mut c = Client::unconnected(opts, paths);
        c.ensure_connected()?;
        Ok(c)
    }

    /// A client that has not connected yet.
    fn unconnected(opts: ClientOptions, paths: Paths) -> Client {
        Client {
            opts,
            paths,
            conn: None,
        }
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
                // Only the upgrade check reads it: an answer it cannot read means "no upgrade",
                // never a failed connection (as before the reply was typed).
                let hello: HelloReply = decode(v).unwrap_or_default();
                upgrade::after_hello(&self.paths, &self.opts, &hello);
                Ok(c)
            }
            Ok(Err(e)) => Err(OpenError::Remote(e)),
            Err(e) => Err(OpenError::Io(e)),
        }
    }

    /// Send a request and decode its answer as `R`, the request's reply type (the table in
    /// [`crate::protocol::replies`]); the one place an answer is decoded.
    pub fn call<R: serde::de::DeserializeOwned>(&mut self, req: &Request) -> crate::Result<R> {
        decode(self.call_raw(req)?)
    }

    /// Send a request; on a broken connection (agent restarted or killed) reconnect — which
    /// may start a new agent — and send it once more. The answer as sent: only the transport
    /// sees it untyped.
    fn call_raw(&mut self, req: &Request) -> crate::Result<Value> {
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

    /// Submit a job, prepared by [`crate::submit::prepare`] (checked, the scene snapshotted,
    /// the environment captured); a refused job leaves no snapshot behind.
    pub fn submit(&mut self, spec: JobSpec) -> crate::Result<u64> {
        let crate::submit::Prepared { spec, snapshot } = crate::submit::prepare(spec, &self.paths)?;
        let refused = |e: crate::Error| -> crate::Error {
            match &snapshot {
                Some(made) => made.refused(e),
                None => e,
            }
        };
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
        self.call(&Request::Jobs)
    }

    pub fn job(&mut self, id: u64) -> crate::Result<JobDetail> {
        self.call(&Request::Job { id })
    }

    pub fn status(&mut self, id: u64) -> crate::Result<JobSummary> {
        self.call(&Request::Status { id })
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
        self.call(&Request::Logs {
            id,
            after_seq,
            max,
            stream,
            task,
        })
    }

    /// Wait for the job to finish; `Timeout` error when it has not within `timeout`.
    pub fn wait(&mut self, id: u64, timeout: Duration) -> crate::Result<JobState> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(Duration::from_secs(30));
            match self.call::<StateReply>(&Request::Wait {
                id,
                timeout_ms: slice.as_millis() as u64,
            }) {
                Ok(r) => return Ok(r.state),
                Err(e) if e.kind() == ErrorKind::Timeout && Instant::now() < deadline => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn cancel(&mut self, id: u64, grace: Option<Duration>) -> crate::Result<JobState> {
        self.state_after(&Request::Cancel {
            id,
            grace_ms: grace.map(|g| g.as_millis() as u64),
        })
    }

    pub fn retry(&mut self, id: u64) -> crate::Result<()> {
        self.call::<Done>(&Request::Retry { id }).map(|_| ())
    }

    /// Render `frames` (parsed by the caller, at its edge) of a finished job again, even
    /// those that exist; returns how many frames (over all its layers) are queued.
    pub fn retry_frames(
        &mut self,
        id: u64,
        frames: &crate::frames::FrameSpec,
    ) -> crate::Result<usize> {
        let r: FramesQueued = self.call(&Request::RetryFrames {
            id,
            frames: frames.as_str().to_string(),
        })?;
        Ok(r.queued)
    }

    /// A queued, running or paused job's new priority; returns its state.
    pub fn set_priority(&mut self, id: u64, priority: i32) -> crate::Result<JobState> {
        self.state_after(&Request::SetPriority { id, priority })
    }

    pub fn pause(&mut self, id: u64, paused: bool) -> crate::Result<JobState> {
        let req = if paused {
            Request::Pause { id }
        } else {
            Request::Resume { id }
        };
        self.state_after(&req)
    }

    /// The job's state after a request answered with [`StateReply`].
    fn state_after(&mut self, req: &Request) -> crate::Result<JobState> {
        self.call::<StateReply>(req).map(|r| r.state)
    }

    /// Snapshot retention now; returns the removed paths.
    pub fn cleanup(&mut self) -> crate::Result<Vec<String>> {
        let r: Removed = self.call(&Request::Cleanup)?;
        Ok(r.removed
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect())
    }

    /// Forget a finished job (its queue rows and logs; never its frames).
    pub fn forget(&mut self, id: u64) -> crate::Result<()> {
        let _: Forgotten = self.call(&Request::Forget { id })?;
        Ok(())
    }

    /// Forget finished jobs (all, or those finished more than `older_than` ago).
    pub fn prune(&mut self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let r: Forgotten = self.call(&Request::Prune {
            older_than_s: older_than.map(|d| d.as_secs()),
        })?;
        Ok(r.forgotten)
    }

    /// The finished jobs [`Client::prune`] would forget; nothing is forgotten.
    pub fn prunable(&mut self, older_than: Option<Duration>) -> crate::Result<Vec<u64>> {
        let r: Forgotten = self.call(&Request::Prunable {
            older_than_s: older_than.map(|d| d.as_secs()),
        })?;
        Ok(r.forgotten)
    }

    /// The agent's status: its slots and what runs on them.
    pub fn agent_status(&mut self) -> crate::Result<AgentStatus> {
        self.call(&Request::AgentStatus)
    }

    /// Ask the agent to exit (renders keep running; the next client restarts it).
    pub fn shutdown(&mut self) -> crate::Result<()> {
        self.call::<Stopping>(&Request::Shutdown).map(|_| ())
    }
}

enum OpenError {
    Io(std::io::Error),
    Remote(ClientError),
}

/// A transport refusal (not our agent) becomes an error of its own: it must be reported,
/// never answered by starting an agent in the untrusted folder.
fn untrusted_or_io(e: std::io::Error) -> OpenError {
    #[cfg(unix)]
    if let Some(u) = crate::ipc::trust::Untrusted::from_io(&e) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
