//! How long a finished job keeps the environment it was submitted with.
//!
//! A job carries the submitting session's environment (licence servers, plug-in paths — and
//! whatever secrets the session held) because its renders need it, and a `brm retry` soon
//! after needs it again. Past that it is only a liability in the database, so once a job has
//! ended (done, failed, cancelled) and its retention has passed, the stored environment is
//! dropped. A retry after that renders with the agent's own environment.

use std::time::Duration;

use rusqlite::{params, Connection};

/// `BRM_ENV_RETENTION_H` (hours after a job ended; default 24; 0 = drop at the next start).
pub fn retention_from_env() -> Duration {
    crate::config::env_retention()
}

/// Drop the stored environment of every job that ended longer than `retention` ago; returns
/// how many jobs were scrubbed. Runs when the queue is opened (each agent start).
pub fn scrub(conn: &Connection, retention: Duration) -> rusqlite::Result<usize> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let before = now_ms.saturating_sub(retention.as_millis().min(i64::MAX as u128) as i64);
    conn.execute(
        "UPDATE jobs SET spec = json_set(spec, '$.env', json('[]'))
         WHERE state IN ('done', 'failed', 'cancelled')
           AND finished_ms > 0 AND finished_ms <= ?1
           AND json_valid(spec)
           AND COALESCE(json_array_length(spec, '$.env'), 0) > 0",
        params![before],
    )
}
