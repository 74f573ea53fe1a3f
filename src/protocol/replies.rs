//! The typed answers of the agent protocol, one per request that is not answered with a
//! job document ([`super::jobs`]). Both ends use these types: the agent serializes them,
//! clients (the CLI, the C ABI and through it the Maya plug-in) deserialize them, so no
//! front guesses a JSON shape. The wire format is what protocol 1 always sent.
//!
//! Which request gets which answer:
//!
//! | request | reply |
//! |---|---|
//! | `hello` | [`HelloReply`] |
//! | `submit` | [`Submitted`] |
//! | `jobs` | `Vec<`[`JobSummary`](super::jobs::JobSummary)`>` |
//! | `job` | [`JobDetail`](super::jobs::JobDetail) |
//! | `status` | [`JobSummary`](super::jobs::JobSummary) |
//! | `logs` | [`LogPage`](super::jobs::LogPage) |
//! | `wait`, `cancel`, `set_priority`, `pause`, `resume` | [`StateReply`] |
//! | `retry` | [`Done`] |
//! | `retry_frames` | [`FramesQueued`] |
//! | `cleanup` | [`Removed`] |
//! | `forget`, `prune`, `prunable` | [`Forgotten`] |
//! | `agent_status` | [`AgentStatus`] |
//! | `shutdown` | [`Stopping`] |
//!
//! Answers an older agent may send with fewer fields (the upgrade path talks to the first
//! release's agent) take defaults for what it lacks, so decoding them never fails on a
//! field added since.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::jobs::JobState;

/// Answer to `hello`: what the client's upgrade check reads (an older agent is restarted).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct HelloReply {
    pub protocol: u32,
    /// The agent's brm version.
    pub agent: String,
    pub pid: u32,
}

/// Answer to `submit`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Submitted {
    pub id: u64,
}

/// Answer to `wait`, `cancel`, `pause`, `resume`: the job's state afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StateReply {
    pub state: JobState,
}

/// Answer to `retry_frames`: how many frames (over all the job's layers) are queued again.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct FramesQueued {
    #[serde(default)]
    pub queued: usize,
}

/// Answer to `cleanup`: the snapshots removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Removed {
    #[serde(default)]
    pub removed: Vec<PathBuf>,
}

/// Answer to `forget` and `prune`: the job ids forgotten (`prunable`: that would be).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Forgotten {
    #[serde(default)]
    pub forgotten: Vec<u64>,
}

/// Answer to `shutdown`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stopping {
    pub stopping: bool,
}

/// Answer to `retry` (nothing to say beyond success).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Done {}

/// Answer to `agent_status`. Every field has a default: the upgrade waiter reads this from
/// whichever (older) agent runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
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
        assert_eq!(
            serde_json::to_string(&FramesQueued { queued: 3 }).unwrap(),
            r#"{"queued":3}"#
        );
        assert_eq!(serde_json::to_string(&Done {}).unwrap(), "{}");
        assert_eq!(
            serde_json::to_string(&HelloReply {
                protocol: 1,
                agent: "0.1.0".into(),
                pid: 9
            })
            .unwrap(),
            r#"{"protocol":1,"agent":"0.1.0","pid":9}"#
        );
    }

    #[test]
    fn an_older_agents_status_decodes_with_defaults() {
        // The first release's agent: no connections, idle, sessions or runner state.
        let st: AgentStatus = serde_json::from_str(
            r#"{"pid":5,"version":"0.1.0","protocol":1,"uptime_s":2,
                "slots":[{"slot":0,"kind":"cpu","running":{"job":3,"task":0,"pid":6,"level":"render"}}]}"#,
        )
        .unwrap();
        assert_eq!(st.pid, 5);
        assert!(!st.idle);
        assert_eq!(st.slots[0].running.as_ref().map(|r| r.job), Some(3));
        let h: HelloReply = serde_json::from_str(r#"{"protocol":1}"#).unwrap();
        assert_eq!(h.agent, "");
    }
}
