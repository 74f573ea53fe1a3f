//! The agent protocol: newline-delimited JSON requests and responses over the per-user
//! socket. The first request of a connection is `hello`, which checks the protocol version so
//! a client and an agent from different brm releases fail with a clear message instead of
//! misreading each other.
//!
//! Every message is typed: [`Request`] (client → agent), [`replies`] and [`jobs`] (agent →
//! client). The job documents are the protocol's own types; the queue produces them.

pub mod jobs;
pub mod replies;
pub mod schema;

use serde::{Deserialize, Serialize};

use crate::error::ErrorKind;
use crate::plan::JobSpec;

/// Bumped on any incompatible change of the messages below.
pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    Hello {
        protocol: u32,
        client: String,
    },
    Submit {
        spec: Box<JobSpec>,
    },
    Jobs,
    Job {
        id: u64,
    },
    Status {
        id: u64,
    },
    Logs {
        id: u64,
        after_seq: u64,
        max: u32,
        /// Only this stream (0 render output, 1 brm's notes); absent = all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stream: Option<u32>,
        /// Only the lines of this task (`brm log --task N`); absent = the whole job.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<u32>,
    },
    Wait {
        id: u64,
        timeout_ms: u64,
    },
    Cancel {
        id: u64,
        grace_ms: Option<u64>,
    },
    Retry {
        id: u64,
    },
    /// Render chosen frames of a finished job again (`brm retry N --frames`).
    RetryFrames {
        id: u64,
        frames: String,
    },
    /// A queued or running job's new priority (`brm priority N P`).
    SetPriority {
        id: u64,
        priority: i32,
    },
    Pause {
        id: u64,
    },
    Resume {
        id: u64,
    },
    Cleanup,
    /// Forget one finished job (rows and logs; never its frames).
    Forget {
        id: u64,
    },
    /// Forget finished jobs: all, or those finished more than `older_than_s` ago.
    Prune {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        older_than_s: Option<u64>,
    },
    /// The finished jobs `prune` would forget (nothing is forgotten): `brm jobs --prune
    /// --dry-run` and the confirmation. Its own request, so an older agent refuses it
    /// rather than pruning.
    Prunable {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        older_than_s: Option<u64>,
    },
    AgentStatus,
    Shutdown,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// An error as it crosses the socket: its kind (for codes) and its message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WireError {
    pub kind: String,
    pub message: String,
}

impl Response {
    pub fn ok(v: serde_json::Value) -> Response {
        Response {
            ok: true,
            result: Some(v),
            error: None,
        }
    }
    pub fn err(kind: ErrorKind, message: impl Into<String>) -> Response {
        Response {
            ok: false,
            result: None,
            error: Some(WireError {
                kind: kind_name(kind).into(),
                message: message.into(),
            }),
        }
    }
}

pub fn kind_name(k: ErrorKind) -> &'static str {
    match k {
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::FrameSyntax => "frame_syntax",
        ErrorKind::TooManyFrames => "too_many_frames",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::RendererUnavailable => "renderer_unavailable",
        ErrorKind::Io => "io",
        ErrorKind::Protocol => "protocol",
        ErrorKind::JobFailed => "job_failed",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Internal => "internal",
    }
}

pub fn kind_from_name(s: &str) -> ErrorKind {
    match s {
        "invalid_argument" => ErrorKind::InvalidArgument,
        "frame_syntax" => ErrorKind::FrameSyntax,
        "too_many_frames" => ErrorKind::TooManyFrames,
        "not_found" => ErrorKind::NotFound,
        "unavailable" => ErrorKind::Unavailable,
        "renderer_unavailable" => ErrorKind::RendererUnavailable,
        "io" => ErrorKind::Io,
        "protocol" => ErrorKind::Protocol,
        "job_failed" => ErrorKind::JobFailed,
        "timeout" => ErrorKind::Timeout,
        "unsupported" => ErrorKind::Unsupported,
        _ => ErrorKind::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_tagged_json() {
        let r = Request::Logs {
            id: 3,
            after_seq: 10,
            max: 100,
            stream: None,
            task: None,
        };
        let s = serde_json::to_string(&r).unwrap();
        assert_eq!(s, r#"{"op":"logs","id":3,"after_seq":10,"max":100}"#);
        let back: Request = serde_json::from_str(&s).unwrap();
        assert!(matches!(
            back,
            Request::Logs {
                id: 3,
                after_seq: 10,
                max: 100,
                stream: None,
                task: None
            }
        ));
        // Older clients that send no stream are still understood.
        let old: Request =
            serde_json::from_str(r#"{"op":"logs","id":1,"after_seq":0,"max":5}"#).unwrap();
        assert!(matches!(old, Request::Logs { stream: None, .. }));
    }

    #[test]
    fn every_kind_survives_the_wire() {
        for k in [
            ErrorKind::InvalidArgument,
            ErrorKind::FrameSyntax,
            ErrorKind::TooManyFrames,
            ErrorKind::NotFound,
            ErrorKind::Unavailable,
            ErrorKind::RendererUnavailable,
            ErrorKind::Io,
            ErrorKind::Protocol,
            ErrorKind::JobFailed,
            ErrorKind::Timeout,
            ErrorKind::Unsupported,
            ErrorKind::Internal,
        ] {
            assert_eq!(kind_from_name(kind_name(k)), k);
        }
    }
}
