//! Persistence of the queue in SQLite: jobs, tasks, attempts, frame results.
//!
//! The engine keeps its working model in memory and writes every change through to here in
//! transactions, so the queue survives agent and machine restarts. Logs stay in files; the
//! database only references them (and the byte offsets already ingested, for re-attach).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::QueueError;

/// Schema versions, applied in order. Never edit a released step: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    r#"
    CREATE TABLE jobs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        name          TEXT NOT NULL,
        spec          TEXT NOT NULL,
        state         TEXT NOT NULL,
        priority      INTEGER NOT NULL,
        submitted_ms  INTEGER NOT NULL,
        started_ms    INTEGER NOT NULL DEFAULT 0,
        finished_ms   INTEGER NOT NULL DEFAULT 0,
        error         TEXT,
        warnings      TEXT NOT NULL DEFAULT '[]',
        log_path      TEXT NOT NULL,
        log_len       INTEGER NOT NULL DEFAULT 0,
        log_next_seq  INTEGER NOT NULL DEFAULT 1,
        output_dir    TEXT NOT NULL,
        slots         TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE tasks (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id        INTEGER NOT NULL REFERENCES jobs(id),
        idx           INTEGER NOT NULL,
        layer         TEXT NOT NULL,
        layer_display TEXT NOT NULL,
        frames        TEXT NOT NULL,
        output_dir    TEXT NOT NULL,
        image_name    TEXT NOT NULL,
        padding       INTEGER NOT NULL,
        state         TEXT NOT NULL,
        level_idx     INTEGER NOT NULL DEFAULT 0,
        retries_used  INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        error         TEXT
    );
    CREATE INDEX tasks_job ON tasks(job_id);
    CREATE TABLE attempts (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id       INTEGER NOT NULL REFERENCES tasks(id),
        job_id        INTEGER NOT NULL,
        level         TEXT NOT NULL,
        frames        TEXT NOT NULL,
        slot          INTEGER NOT NULL,
        commands      TEXT NOT NULL,
        cmd_index     INTEGER NOT NULL DEFAULT 0,
        pid           INTEGER NOT NULL DEFAULT 0,
        start_time    INTEGER NOT NULL DEFAULT 0,
        log_path      TEXT NOT NULL,
        log_offset    INTEGER NOT NULL DEFAULT 0,
        state         TEXT NOT NULL,
        exit_code     INTEGER,
        started_ms    INTEGER NOT NULL,
        finished_ms   INTEGER NOT NULL DEFAULT 0,
        error         TEXT
    );
    CREATE INDEX attempts_task ON attempts(task_id);
    CREATE TABLE frames (
        task_id       INTEGER NOT NULL,
        job_id        INTEGER NOT NULL,
        frame         INTEGER NOT NULL,
        files         TEXT NOT NULL,
        attempt_id    INTEGER NOT NULL,
        PRIMARY KEY (task_id, frame)
    );
    CREATE INDEX frames_job ON frames(job_id);
    "#,
    // 2: issue 9.2/9.3: the files an attempt found before it started (only files it writes
    // count), and a cancel persisted before any signal (when, with which grace).
    r#"
    ALTER TABLE attempts ADD COLUMN baseline TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN cancel_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN cancel_grace_ms INTEGER NOT NULL DEFAULT 0;
    "#,
    // 3: issue 22.10: how long a job has been paused, so its clock stops while it is.
    r#"
    ALTER TABLE jobs ADD COLUMN paused_since_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN paused_total_ms INTEGER NOT NULL DEFAULT 0;
    "#,
];

/// Open (creating and migrating) the queue database.
///
/// A new database is built under a temporary name and renamed into place once its schema is
/// complete, so an existing file that is empty or has no schema is never one of ours half
/// made: it is damaged, and refused (see [`refuse_damaged`]) rather than silently replaced
/// by an empty queue whose job 1 would overwrite the old job 1's log. The file is kept 0600:
/// it holds each job's environment.
pub fn open(path: &Path) -> Result<Connection, QueueError> {
    let db_err = |e: rusqlite::Error| QueueError::Database {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut fresh = std::fs::symlink_metadata(path).is_err();
    if !fresh {
        if let Err(detail) = health(path) {
            if !move_damaged_requested() {
                return Err(refuse_damaged(path, &detail));
            }
            move_aside(path, &detail)?;
            fresh = true;
        }
    }
    if fresh {
        create_fresh(path)?;
    }
    let conn = Connection::open(path).map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db_err)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db_err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(db_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(db_err)?;
    migrate(&conn).map_err(db_err)?;
    keep_private(path);
    if let Some(logs) = path.parent().map(|d| d.join("logs")) {
        reserve_ids_above_logs(&conn, &logs).map_err(db_err)?;
    }
    super::env_retention::scrub(&conn, super::env_retention::retention_from_env())
        .map_err(db_err)?;
    Ok(conn)
}

/// `BRM_MOVE_DAMAGED_DB=1`: the user asked to move a damaged database aside and start over.
fn move_damaged_requested() -> bool {
    crate::config::move_damaged_db()
}

/// What is wrong with an existing database file, if anything. Opened read-write but never
/// created, so a WAL left by a killed agent is recovered as usual rather than taken for
/// damage; nothing is written to a damaged file.
fn health(path: &Path) -> Result<(), String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("cannot read it: {e}"))?
        .len();
    if len == 0 {
        return Err("the file is empty (0 bytes)".into());
    }
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if version == 0 {
        return Err("it has no brm schema (not a brm queue, or overwritten)".into());
    }
    let check: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check != "ok" {
        return Err(format!("SQLite integrity check: {check}"));
    }
    Ok(())
}

fn refuse_damaged(path: &Path, detail: &str) -> QueueError {
    // A log left beside an emptied file (see `Engine::abandon_database`) holds part of the
    // queue; SQLite would replay it into any file put at this path, a restored backup too.
    let wal = with_suffix(path, "-wal");
    let wal_note = match std::fs::metadata(&wal) {
        Ok(m) if m.len() > 0 => format!(
            " Its write-ahead log {} ({} bytes) is kept beside it: move it away too before \
             restoring a backup, or SQLite applies it to the restored file.",
            wal.display(),
            m.len()
        ),
        _ => String::new(),
    };
    QueueError::Database {
        path: path.to_path_buf(),
        message: format!(
            "the queue database is damaged ({detail}). brm will not start on it and has left it \
             untouched; renders already running go on, their logs and frames are safe. Restore \
             {} from a backup, or start over with an empty queue, keeping the damaged file \
             beside it for inspection: `brm agent stop; BRM_MOVE_DAMAGED_DB=1 brm agent start` \
             (it is renamed to {}.damaged-<time>; job ids continue after the old logs).{wal_note}",
            path.display(),
            path.display()
        ),
    }
}

/// Rename a damaged database (and its WAL and shared-memory files) aside, never delete it.
fn move_aside(path: &Path, detail: &str) -> Result<(), QueueError> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(path, suffix);
        if std::fs::symlink_metadata(&from).is_err() {
            continue;
        }
        let to = with_suffix(path, &format!("{suffix}.damaged-{stamp}"));
        std::fs::rename(&from, &to).map_err(|e| QueueError::Database {
            path: path.to_path_buf(),
            message: format!(
                "cannot move the damaged {} aside to {}: {e}",
                from.display(),
                to.display()
            ),
        })?;
        eprintln!(
            "brm: moved the damaged queue file {} to {} ({detail}) as asked by BRM_MOVE_DAMAGED_DB",
            from.display(),
            to.display()
        );
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    std::path::PathBuf::from(s)
}

/// Build a new database with the full schema under a temporary name, then rename it in.
fn create_fresh(path: &Path) -> Result<(), QueueError> {
    let tmp = with_suffix(path, &format!(".new-{}", std::process::id()));
    let db_err = |e: rusqlite::Error| QueueError::Database {
        path: path.to_path_buf(),
        message: format!("creating a new queue database: {e}"),
    };
    let _ = std::fs::remove_file(&tmp);
    {
        let conn = Connection::open(&tmp).map_err(db_err)?;
        keep_private(&tmp);
        migrate(&conn).map_err(db_err)?;
        conn.close().map_err(|(_, e)| db_err(e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| QueueError::Database {
        path: path.to_path_buf(),
        message: format!(
            "creating a new queue database (renaming {} into place): {e}",
            tmp.display()
        ),
    })
}

/// Mode 0600 on the database and its side files: they hold the jobs' environments.
fn keep_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let f = with_suffix(path, suffix);
            if let Ok(m) = std::fs::metadata(&f) {
                if m.permissions().mode() & 0o077 != 0 {
                    let _ = std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600));
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Job ids are never reused while a job's log exists (a database moved aside, or restored
/// from an older backup): the next id is above every `job-N.log` / `job-N/` in `logs`.
fn reserve_ids_above_logs(conn: &Connection, logs: &Path) -> rusqlite::Result<()> {
    let Ok(dir) = std::fs::read_dir(logs) else {
        return Ok(());
    };
    let highest = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let rest = name.strip_prefix("job-")?;
            let num = rest.strip_suffix(".log").unwrap_or(rest);
            num.parse::<i64>().ok()
        })
        .max()
        .unwrap_or(0);
    if highest == 0 {
        return Ok(());
    }
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0)",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    let max_id: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM jobs", [], |r| r.get(0))?;
    if highest > current.max(max_id) {
        let tx = conn.unchecked_transaction()?;
        tx.execute("DELETE FROM sqlite_sequence WHERE name = 'jobs'", [])?;
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('jobs', ?1)",
            params![highest],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        // A newer brm wrote this database; refuse rather than corrupt it.
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "queue database schema {version} is newer than this brm understands ({known}); \
             use the newer brm, or move the database away"
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// A job row as stored.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: u64,
    pub name: String,
    pub spec: String,
    pub state: String,
    pub priority: i32,
    pub submitted_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub error: Option<String>,
    pub warnings: String,
    pub log_path: String,
    pub log_len: u64,
    pub log_next_seq: u64,
    pub output_dir: String,
    pub slots: String,
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: u64,
    pub job_id: u64,
    pub idx: u32,
    pub layer: String,
    pub layer_display: String,
    pub frames: String,
    pub output_dir: String,
    pub image_name: String,
    pub padding: u32,
    pub state: String,
    pub level_idx: u32,
    pub retries_used: u32,
    pub attempts: u32,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub id: u64,
    pub task_id: u64,
    pub job_id: u64,
    pub level: String,
    pub frames: String,
    pub slot: u32,
    pub commands: String,
    pub cmd_index: u32,
    pub pid: u32,
    pub start_time: u64,
    pub log_path: String,
    pub log_offset: u64,
    pub state: String,
    pub started_ms: i64,
}

#[derive(Debug, Clone)]
pub struct FrameRow {
    pub task_id: u64,
    pub frame: i64,
    pub files: String,
}

/// The id the next [`insert_job`] gives (ids are AUTOINCREMENT: above every id ever used,
/// and above the logs' ids, see `reserve_ids_above_logs`). Only the engine inserts jobs,
/// under its lock, so the answer holds until its next insert.
pub fn next_job_id(conn: &Connection) -> rusqlite::Result<u64> {
    let seq: i64 = conn.query_row(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0)",
        [],
        |r| r.get(0),
    )?;
    let max_id: i64 = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM jobs", [], |r| r.get(0))?;
    Ok((seq.max(max_id) + 1) as u64)
}

pub fn insert_job(conn: &Connection, j: &JobRow) -> rusqlite::Result<u64> {
    conn.execute(
        "INSERT INTO jobs (name, spec, state, priority, submitted_ms, warnings, log_path, output_dir, slots)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![j.name, j.spec, j.state, j.priority, j.submitted_ms, j.warnings, j.log_path, j.output_dir, j.slots],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

pub fn set_job_log_path(conn: &Connection, id: u64, log_path: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET log_path = ?2 WHERE id = ?1",
        params![id as i64, log_path],
    )?;
    Ok(())
}

pub fn insert_task(conn: &Connection, t: &TaskRow) -> rusqlite::Result<u64> {
    conn.execute(
        "INSERT INTO tasks (job_id, idx, layer, layer_display, frames, output_dir, image_name, padding, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            t.job_id as i64, t.idx, t.layer, t.layer_display, t.frames, t.output_dir, t.image_name, t.padding, t.state
        ],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

pub fn update_job(
    conn: &Connection,
    id: u64,
    state: &str,
    started_ms: i64,
    finished_ms: i64,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET state = ?2, started_ms = ?3, finished_ms = ?4, error = ?5 WHERE id = ?1",
        params![id as i64, state, started_ms, finished_ms, error],
    )?;
    Ok(())
}

pub fn update_job_log(
    conn: &Connection,
    id: u64,
    log_len: u64,
    next_seq: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET log_len = ?2, log_next_seq = ?3 WHERE id = ?1",
        params![id as i64, log_len as i64, next_seq as i64],
    )?;
    Ok(())
}

pub fn update_task(
    conn: &Connection,
    id: u64,
    state: &str,
    level_idx: u32,
    retries_used: u32,
    attempts: u32,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tasks SET state = ?2, level_idx = ?3, retries_used = ?4, attempts = ?5, error = ?6 WHERE id = ?1",
        params![id as i64, state, level_idx, retries_used, attempts, error],
    )?;
    Ok(())
}

pub fn insert_attempt(conn: &Connection, a: &AttemptRow) -> rusqlite::Result<u64> {
    conn.execute(
        "INSERT INTO attempts (task_id, job_id, level, frames, slot, commands, cmd_index, pid, start_time, log_path, log_offset, state, started_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            a.task_id as i64, a.job_id as i64, a.level, a.frames, a.slot, a.commands, a.cmd_index, a.pid,
            a.start_time as i64, a.log_path, a.log_offset as i64, a.state, a.started_ms
        ],
    )?;
    Ok(conn.last_insert_rowid() as u64)
}

/// The attempt's [`crate::runner::verify::Baseline`], as JSON (empty: none taken).
pub fn set_attempt_baseline(conn: &Connection, id: u64, json: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE attempts SET baseline = ?2 WHERE id = ?1",
        params![id as i64, json],
    )?;
    Ok(())
}

pub fn attempt_baseline(conn: &Connection, id: u64) -> rusqlite::Result<String> {
    conn.query_row(
        "SELECT baseline FROM attempts WHERE id = ?1",
        params![id as i64],
        |r| r.get(0),
    )
}

/// Persist a cancel (when it was asked, the TERM → KILL grace) before any signal is sent,
/// so the agent that runs next carries it on to KILL.
pub fn set_job_cancel(
    conn: &Connection,
    id: u64,
    cancel_ms: i64,
    grace_ms: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET cancel_ms = ?2, cancel_grace_ms = ?3 WHERE id = ?1",
        params![id as i64, cancel_ms, grace_ms],
    )?;
    Ok(())
}

/// Jobs with a persisted cancel: id → (when asked, grace), both in ms.
pub fn job_cancels(conn: &Connection) -> rusqlite::Result<HashMap<u64, (i64, i64)>> {
    let mut st =
        conn.prepare("SELECT id, cancel_ms, cancel_grace_ms FROM jobs WHERE cancel_ms > 0")?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)? as u64, (r.get(1)?, r.get(2)?)))
    })?;
    rows.collect()
}

/// Persist a job's pause clock: since when it is paused (0: not), and the time it spent
/// paused before.
pub fn set_job_pause(
    conn: &Connection,
    id: u64,
    since_ms: i64,
    total_ms: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET paused_since_ms = ?2, paused_total_ms = ?3 WHERE id = ?1",
        params![id as i64, since_ms, total_ms],
    )?;
    Ok(())
}

/// Every job's pause clock: id → (paused since, total paused before), in ms.
pub fn job_pauses(conn: &Connection) -> rusqlite::Result<HashMap<u64, (i64, i64)>> {
    let mut st = conn.prepare("SELECT id, paused_since_ms, paused_total_ms FROM jobs")?;
    let rows = st.query_map([], |r| {
        Ok((r.get::<_, i64>(0)? as u64, (r.get(1)?, r.get(2)?)))
    })?;
    rows.collect()
}

/// Record the process currently running for an attempt (one attempt may run several commands).
pub fn update_attempt_process(
    conn: &Connection,
    id: u64,
    cmd_index: u32,
    pid: u32,
    start_time: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE attempts SET cmd_index = ?2, pid = ?3, start_time = ?4 WHERE id = ?1",
        params![id as i64, cmd_index, pid, start_time as i64],
    )?;
    Ok(())
}

pub fn update_attempt_offset(conn: &Connection, id: u64, offset: u64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE attempts SET log_offset = ?2 WHERE id = ?1",
        params![id as i64, offset as i64],
    )?;
    Ok(())
}

pub fn finish_attempt(
    conn: &Connection,
    id: u64,
    state: &str,
    exit_code: Option<i32>,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE attempts SET state = ?2, exit_code = ?3, error = ?4, finished_ms = ?5 WHERE id = ?1",
        params![id as i64, state, exit_code, error, crate::protocol::jobs::now_ms()],
    )?;
    Ok(())
}

pub fn record_frame(
    conn: &Connection,
    task_id: u64,
    job_id: u64,
    frame: i64,
    files: &str,
    attempt_id: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO frames (task_id, job_id, frame, files, attempt_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![task_id as i64, job_id as i64, frame, files, attempt_id as i64],
    )?;
    Ok(())
}

/// Forget that `frames` of a task were rendered (`brm retry --frames`: they render again).
pub fn forget_frames(conn: &Connection, task_id: u64, frames: &[i64]) -> rusqlite::Result<()> {
    let mut st = conn.prepare("DELETE FROM frames WHERE task_id = ?1 AND frame = ?2")?;
    for f in frames {
        st.execute(params![task_id as i64, f])?;
    }
    Ok(())
}

/// A job's new priority, in its row and in its stored spec (which a restart reads).
pub fn set_job_priority(
    conn: &Connection,
    id: u64,
    priority: i32,
    spec: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET priority = ?2, spec = ?3 WHERE id = ?1",
        params![id as i64, priority, spec],
    )?;
    Ok(())
}

pub fn load_jobs(conn: &Connection) -> rusqlite::Result<Vec<JobRow>> {
    let mut st = conn.prepare(
        "SELECT id, name, spec, state, priority, submitted_ms, started_ms, finished_ms, error, warnings,
                log_path, log_len, log_next_seq, output_dir, slots FROM jobs ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(JobRow {
            id: r.get::<_, i64>(0)? as u64,
            name: r.get(1)?,
            spec: r.get(2)?,
            state: r.get(3)?,
            priority: r.get(4)?,
            submitted_ms: r.get(5)?,
            started_ms: r.get(6)?,
            finished_ms: r.get(7)?,
            error: r.get(8)?,
            warnings: r.get(9)?,
            log_path: r.get(10)?,
            log_len: r.get::<_, i64>(11)? as u64,
            log_next_seq: r.get::<_, i64>(12)? as u64,
            output_dir: r.get(13)?,
            slots: r.get(14)?,
        })
    })?;
    rows.collect()
}

pub fn load_tasks(conn: &Connection) -> rusqlite::Result<Vec<TaskRow>> {
    let mut st = conn.prepare(
        "SELECT id, job_id, idx, layer, layer_display, frames, output_dir, image_name, padding, state,
                level_idx, retries_used, attempts, error FROM tasks ORDER BY job_id, idx",
    )?;
    let rows = st.query_map([], |r| {
        Ok(TaskRow {
            id: r.get::<_, i64>(0)? as u64,
            job_id: r.get::<_, i64>(1)? as u64,
            idx: r.get(2)?,
            layer: r.get(3)?,
            layer_display: r.get(4)?,
            frames: r.get(5)?,
            output_dir: r.get(6)?,
            image_name: r.get(7)?,
            padding: r.get(8)?,
            state: r.get(9)?,
            level_idx: r.get(10)?,
            retries_used: r.get(11)?,
            attempts: r.get(12)?,
            error: r.get(13)?,
        })
    })?;
    rows.collect()
}

/// Attempts that were running when the previous agent stopped.
pub fn load_running_attempts(conn: &Connection) -> rusqlite::Result<Vec<AttemptRow>> {
    let mut st = conn.prepare(
        "SELECT id, task_id, job_id, level, frames, slot, commands, cmd_index, pid, start_time, log_path,
                log_offset, state, started_ms FROM attempts WHERE state = 'running' ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(AttemptRow {
            id: r.get::<_, i64>(0)? as u64,
            task_id: r.get::<_, i64>(1)? as u64,
            job_id: r.get::<_, i64>(2)? as u64,
            level: r.get(3)?,
            frames: r.get(4)?,
            slot: r.get(5)?,
            commands: r.get(6)?,
            cmd_index: r.get(7)?,
            pid: r.get(8)?,
            start_time: r.get::<_, i64>(9)? as u64,
            log_path: r.get(10)?,
            log_offset: r.get::<_, i64>(11)? as u64,
            state: r.get(12)?,
            started_ms: r.get(13)?,
        })
    })?;
    rows.collect()
}

pub fn load_frames(conn: &Connection) -> rusqlite::Result<Vec<FrameRow>> {
    let mut st =
        conn.prepare("SELECT task_id, frame, files FROM frames ORDER BY task_id, frame")?;
    let rows = st.query_map([], |r| {
        Ok(FrameRow {
            task_id: r.get::<_, i64>(0)? as u64,
            frame: r.get(1)?,
            files: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// Total attempts ever made for a task (kept for reporting).
pub fn count_attempts(conn: &Connection, task_id: u64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM attempts WHERE task_id = ?1",
        params![task_id as i64],
        |r| r.get(0),
    )
    .optional()
    .map(|v| v.unwrap_or(0))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
