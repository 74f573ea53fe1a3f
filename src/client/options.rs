//! How a front reaches the agent: the options of [`super::Client::connect`].

use std::path::PathBuf;

use serde::Deserialize;

use super::ClientError;
use crate::paths::Paths;

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

    pub(super) fn paths(&self) -> Paths {
        match &self.home {
            Some(h) => Paths::under(h),
            None => Paths::from_env(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn options_parse_and_reject_unknown_keys() {
        let o = ClientOptions::from_json(r#"{"autostart": false, "home": "/tmp/x"}"#).unwrap();
        assert!(!o.autostart);
        assert_eq!(o.home.as_deref(), Some(Path::new("/tmp/x")));
        let e = ClientOptions::from_json(r#"{"autostrat": false}"#).unwrap_err();
        assert!(e.to_string().contains("autostrat"), "{e}");
        assert!(ClientOptions::from_json("").unwrap().autostart);
    }
}
