//! The job commands on the agent: `brm jobs`, `status`, `log`, `cancel`, `retry`, `pause`,
//! `resume`, `cleanup`. Every read command has `--json`.

use std::time::Duration;

use brm::client::{Client, ClientOptions};
use brm::queue::JobSummary;

fn client() -> brm::Result<Client> {
    Client::connect(ClientOptions::default())
}

fn print_json<T: serde::Serialize>(v: &T) -> brm::Result<()> {
    let s =
        serde_json::to_string_pretty(v).map_err(|e| brm::Error::InvalidArgument(e.to_string()))?;
    println!("{s}");
    Ok(())
}

fn when(ms: i64) -> String {
    if ms <= 0 {
        return "-".into();
    }
    let secs = (ms / 1000) as u64;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    format!("{h:02}:{m:02}:{s:02}Z")
}

#[derive(clap::Args)]
pub struct JobsArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn jobs(a: JobsArgs) -> brm::Result<i32> {
    let jobs = client()?.jobs()?;
    if a.json {
        print_json(&jobs)?;
        return Ok(0);
    }
    if jobs.is_empty() {
        println!("no jobs; submit one with `brm render SCENE`");
        super::farm::print_farm_jobs();
        return Ok(0);
    }
    println!(
        "{:>5}  {:<10} {:>4} {:>13}  {:>9}  {:<24}",
        "ID", "STATE", "PRI", "FRAMES", "SUBMITTED", "NAME"
    );
    for j in &jobs {
        println!(
            "{:>5}  {:<10} {:>4} {:>13}  {:>9}  {:<24}",
            j.id,
            j.state.as_str(),
            j.priority,
            format!("{}/{}", j.frames_done, j.frames_total),
            when(j.submitted_ms),
            j.name
        );
    }
    super::farm::print_farm_jobs();
    Ok(0)
}

#[derive(clap::Args)]
pub struct JobArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    #[arg(long)]
    pub json: bool,
}

pub fn status(a: JobArgs) -> brm::Result<i32> {
    let d = client()?.job(a.job)?;
    if a.json {
        print_json(&d)?;
    } else {
        print_summary(&d.summary);
        for t in &d.tasks {
            println!(
                "  task {:>3} layer {:<16} {:<10} level {:<14} frames {}/{}  attempts {}{}",
                t.index,
                t.layer,
                t.state.as_str(),
                t.level,
                t.frames_done.len(),
                t.frames.len(),
                t.attempts,
                t.error
                    .as_ref()
                    .map(|e| format!("  error: {e}"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(0)
}

fn print_summary(s: &JobSummary) {
    println!("job {} '{}': {}", s.id, s.name, s.state.as_str());
    println!(
        "  frames:  {}/{} done, {} failed ({:.0}%)",
        s.frames_done,
        s.frames_total,
        s.frames_failed,
        s.progress * 100.0
    );
    println!(
        "  tasks:   {} total, {} running, {} done, {} failed",
        s.tasks_total, s.tasks_running, s.tasks_done, s.tasks_failed
    );
    println!("  scene:   {} (snapshot {})", s.source_scene, s.scene);
    println!("  output:  {}", s.output_dir);
    println!("  log:     {}", s.log_path);
    for w in &s.warnings {
        println!("  warning: {w}");
    }
    if let Some(e) = &s.error {
        println!("  error:   {e}");
    }
}

#[derive(clap::Args)]
pub struct LogArgs {
    pub job: u64,
    /// Keep printing new lines until the job ends.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only lines after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// One JSON object per line (seq, stream, time_ms, text).
    #[arg(long)]
    pub json: bool,
}

pub fn log(a: LogArgs) -> brm::Result<i32> {
    let mut c = client()?;
    let mut after = a.after;
    loop {
        let page = c.logs(a.job, after, 5000)?;
        for l in &page.lines {
            if a.json {
                println!("{}", serde_json::to_string(l).unwrap_or_default());
            } else if l.stream == 1 {
                println!("[brm] {}", l.text);
            } else {
                println!("{}", l.text);
            }
        }
        let progressed = page.next_seq != after;
        after = page.next_seq;
        if page.complete || (!a.follow && !progressed) {
            break;
        }
        if !progressed {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(0)
}

#[derive(clap::Args)]
pub struct CancelArgs {
    pub job: u64,
    /// Milliseconds between TERM and KILL (default: the agent's, 10 s).
    #[arg(long)]
    pub grace_ms: Option<u64>,
    /// Return at once instead of waiting for the renders to be gone.
    #[arg(long)]
    pub no_wait: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn cancel(a: CancelArgs) -> brm::Result<i32> {
    let mut c = client()?;
    let mut state = c.cancel(a.job, a.grace_ms.map(Duration::from_millis))?;
    if !a.no_wait && !state.is_final() {
        let grace = Duration::from_millis(a.grace_ms.unwrap_or(10_000));
        state = c.wait(a.job, grace + Duration::from_secs(30))?;
    }
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "state": state}))?;
    } else {
        println!("job {} {}", a.job, state.as_str());
    }
    Ok(0)
}

pub fn retry(a: JobArgs) -> brm::Result<i32> {
    client()?.retry(a.job)?;
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "retried": true}))?;
    } else {
        println!("job {} queued again (unfinished frames only)", a.job);
    }
    Ok(0)
}

pub fn pause(a: JobArgs, paused: bool) -> brm::Result<i32> {
    let s = client()?.pause(a.job, paused)?;
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "state": s}))?;
    } else {
        println!("job {} {}", a.job, s.as_str());
    }
    Ok(0)
}

#[derive(clap::Args)]
pub struct CleanupArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn cleanup(a: CleanupArgs) -> brm::Result<i32> {
    let removed = client()?.cleanup()?;
    if a.json {
        print_json(&serde_json::json!({"removed": removed}))?;
    } else if removed.is_empty() {
        println!("no snapshot to remove (kept: the latest 5, those under 24 h old, those queued or running jobs use)");
    } else {
        for r in &removed {
            println!("removed {r}");
        }
    }
    Ok(0)
}
