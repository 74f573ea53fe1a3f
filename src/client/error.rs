//! What can go wrong talking to the agent, each with what to do about it.

use std::path::PathBuf;

use crate::error::{ErrorKind, Kind};

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
