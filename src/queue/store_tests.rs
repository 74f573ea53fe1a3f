//! Tests of the queue database (`store`): schema, migrations, refusals.

use super::*;

fn job(state: &str, finished_ms: i64, spec: &str) -> JobRow {
    JobRow {
        id: 0,
        name: "j".into(),
        spec: spec.into(),
        state: state.into(),
        priority: 0,
        submitted_ms: 1,
        started_ms: 0,
        finished_ms,
        error: None,
        warnings: "[]".into(),
        log_path: String::new(),
        log_len: 0,
        log_next_seq: 1,
        output_dir: "/o".into(),
        slots: "[]".into(),
    }
}

#[test]
fn a_new_database_is_complete_private_and_reopens() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("brm.sqlite3");
    drop(open(&p).unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    drop(open(&p).unwrap());
    assert!(std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().contains(".new-")));
}

#[test]
fn empty_or_schemaless_files_are_refused_and_left_alone() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("brm.sqlite3");
    std::fs::write(&p, b"").unwrap();
    let e = open(&p).unwrap_err().to_string();
    assert!(e.contains("damaged") && e.contains("0 bytes"), "{e}");
    assert!(e.contains("BRM_MOVE_DAMAGED_DB=1"), "{e}");
    assert_eq!(std::fs::metadata(&p).unwrap().len(), 0);
    // A valid SQLite file without brm's schema is not a queue either.
    let other = t.path().join("other.sqlite3");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE x (a);")
        .unwrap();
    let e = open(&other).unwrap_err().to_string();
    assert!(e.contains("no brm schema"), "{e}");
}

#[test]
fn job_ids_continue_above_existing_logs() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("logs")).unwrap();
    std::fs::write(t.path().join("logs/job-7.log"), b"old").unwrap();
    std::fs::create_dir(t.path().join("logs/job-9")).unwrap();
    let conn = open(&t.path().join("brm.sqlite3")).unwrap();
    let id = insert_job(&conn, &job("queued", 0, "{}")).unwrap();
    assert_eq!(id, 10);
}

#[test]
fn ended_jobs_lose_their_environment_after_retention() {
    let t = tempfile::tempdir().unwrap();
    let conn = open(&t.path().join("brm.sqlite3")).unwrap();
    let spec = r#"{"scene":"/s.ma","env":[["TOKEN","hunter2"]]}"#;
    let done = insert_job(&conn, &job("done", 1_000, spec)).unwrap();
    let running = insert_job(&conn, &job("running", 0, spec)).unwrap();
    let recent = insert_job(&conn, &job("failed", i64::MAX / 2, spec)).unwrap();
    for (id, at) in [(done, 1_000i64), (recent, i64::MAX / 2)] {
        conn.execute(
            "UPDATE jobs SET finished_ms = ?2 WHERE id = ?1",
            params![id as i64, at],
        )
        .unwrap();
    }
    let n =
        super::super::env_retention::scrub(&conn, std::time::Duration::from_secs(3600)).unwrap();
    assert_eq!(n, 1);
    let spec_of = |id: u64| -> String {
        conn.query_row("SELECT spec FROM jobs WHERE id = ?1", [id as i64], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert!(!spec_of(done).contains("hunter2"), "{}", spec_of(done));
    assert!(spec_of(done).contains("\"env\":[]"), "{}", spec_of(done));
    assert!(spec_of(running).contains("hunter2"));
    assert!(spec_of(recent).contains("hunter2"));
}
