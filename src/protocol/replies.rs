//! The typed answers of the agent protocol, one per request that is not answered with a
//! job document ([`super::jobs`]). Both ends use these types: the agent serializes them,
//! clients (the CLI, the C ABI and through it the Maya plug-in) deserialize them, so no
//! front guesses a JSON shape. The wire format is what protocol 1 always sent.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::jobs::JobState;

/// Answer to `hello`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelloReply {
    pub protocol: u32,
    /// The agent's brm version.
    pub agent: String,
    pub pid: u32,
}

/// Answer to `submit`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Submitted {
    pub id: u64,
}

/// Answer to `wait`, `cancel`, `pause`, `resume`: the job's state afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateReply {
    pub state: JobState,
}

/// Answer to `cleanup`: the snapshots removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removed {
    #[serde(default)]
    pub removed: Vec<PathBuf>,
}

/// Answer to `forget` and `prune`: the job ids forgotten (`prunable`: that would be).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forgotten {
    #[serde(default)]
    pub forgotten: Vec<u64>,
}

/// Answer to `shutdown`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stopping {
    pub stopping: bool,
}

/// Answer to `retry` (nothing to say beyond success).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Done {}

/// Answer to `agent_status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentStatus {
    pub pid: u32,
    pub version: String,
    pub protocol: u32,
    pub uptime_s: u64,
    pub connections: u64,
    pub idle: bool,
    pub slots: Vec<SlotStatus>,
}

/// One render slot of the agent and what runs on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotStatus {
    pub slot: usize,
    /// "cpu" or "gpu N".
    pub kind: String,
    pub running: Option<SlotRun>,
    /// The warm session kept on this slot (idle, or rendering `running`), issue 13.
    #[serde(default)]
    pub session: Option<SlotSession>,
}

/// A warm session on a slot: one renderer that keeps a scene loaded between chunks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotSession {
    pub id: u64,
    pub pid: u32,
    /// "idle" or "rendering".
    pub state: String,
    /// The scene file it loaded (a snapshot).
    pub scene: String,
    pub layer: String,
    /// Chunks it rendered to the end so far.
    pub chunks: u32,
    /// Jobs it rendered for.
    pub jobs: Vec<u64>,
    /// Seconds it has been idle (0 while rendering).
    pub idle_s: u64,
}

/// The attempt on a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotRun {
    pub job: u64,
    pub task: usize,
    pub pid: u32,
    /// Method level ("render", "mayapy-custom", …).
    pub level: String,
    /// The attempt runner's state ("running", "cancelling", …).
    #[serde(default)]
    pub state: String,
    /// The warm session this attempt renders in (`None`: a cold render).
    #[serde(default)]
    pub warm_session: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_keep_the_protocol_1_wire_shapes() {
        assert_eq!(
            serde_json::to_string(&Submitted { id: 7 }).unwrap(),
            r#"{"id":7}"#
        );
        assert_eq!(
            serde_json::to_string(&StateReply {
                state: JobState::Running
            })
            .unwrap(),
            r#"{"state":"running"}"#
        );
        let r: Removed = serde_json::from_str(r#"{"removed":["/a"]}"#).unwrap();
        assert_eq!(r.removed, vec![PathBuf::from("/a")]);
        let old: Removed = serde_json::from_str("{}").unwrap();
        assert!(old.removed.is_empty());
        // An agent before the runner state field still decodes.
        let s: SlotRun =
            serde_json::from_str(r#"{"job":1,"task":0,"pid":5,"level":"render"}"#).unwrap();
        assert_eq!(s.state, "");
    }
}
