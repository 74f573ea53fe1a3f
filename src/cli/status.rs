//! `brm status JOB`: one job in words a TD reads at a glance — state, frames (with the ones
//! still to do or missing in compact form), times, ETA, output folders, and one line per task
//! whose counts add up to the job's.

use brm::frames::FrameSet;
use brm::protocol::jobs::{JobDetail, JobState};

use super::fmt;
use super::jobs::{client, print_json};

#[derive(clap::Args)]
pub struct StatusArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// Print the job as JSON (summary, tasks, frame lists, ETA in seconds or null).
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: StatusArgs) -> brm::Result<i32> {
    let d = client()?.job(a.job)?;
    if a.json {
        print_json(&d)?;
    } else {
        for l in render(&d, brm::protocol::jobs::now_ms()) {
            outln!("{l}");
        }
    }
    Ok(0)
}

/// The text of `brm status`, one entry per line (no trailing spaces).
pub fn render(d: &JobDetail, now_ms: i64) -> Vec<String> {
    let s = &d.summary;
    let mut out = vec![format!("job {} '{}': {}", s.id, s.name, s.state.as_str())];
    let eta = match s.state {
        JobState::Running => format!(", ETA {}", fmt::eta(s.eta_s)),
        JobState::Paused => ", ETA unknown while paused".into(),
        _ => String::new(),
    };
    out.push(format!(
        "  frames:   {}/{} done, {} failed ({:.0}%){eta}",
        s.frames_done,
        s.frames_total,
        s.frames_failed,
        s.progress * 100.0
    ));
    let todo = frames_not_done(d);
    if !todo.is_empty() {
        let label = if s.state.is_final() {
            "missing: "
        } else {
            "to do:   "
        };
        out.push(format!(
            "  {label} {}",
            FrameSet::from_frames(todo).compact()
        ));
    }
    out.push(format!("  times:    {}", times(s, now_ms)));
    if let Some(a) = s.after {
        out.push(format!(
            "  after:    job {a}{}",
            if s.state == JobState::Queued {
                " (waits for it to be done)"
            } else {
                ""
            }
        ));
    }
    out.push(format!(
        "  tasks:    {} total, {} running, {} done, {} failed",
        s.tasks_total, s.tasks_running, s.tasks_done, s.tasks_failed
    ));
    if s.source_scene == s.scene {
        out.push(format!("  scene:    {}", s.source_scene));
    } else {
        out.push(format!(
            "  scene:    {} (snapshot {})",
            s.source_scene, s.scene
        ));
    }
    let dirs = if s.output_dirs.is_empty() {
        vec![s.output_dir.clone()]
    } else {
        s.output_dirs.clone()
    };
    for (i, dir) in dirs.iter().enumerate() {
        out.push(format!(
            "  {}{dir}",
            if i == 0 { "output:   " } else { "          " }
        ));
    }
    out.push(format!("  log:      {}", s.log_path));
    if d.previews.len() > 1 {
        for (i, p) in d.previews.iter().enumerate() {
            out.push(format!(
                "  {}{} ({})",
                if i == 0 { "previews: " } else { "          " },
                p.path,
                fmt::layer(&p.layer)
            ));
        }
    } else if let Some(p) = &s.preview {
        out.push(format!("  preview:  {p}"));
    }
    for w in &s.warnings {
        out.push(format!("  warning:  {w}"));
    }
    if let Some(e) = &s.error {
        out.push(format!("  error:    {e}"));
    }
    for t in &d.tasks {
        let mut line = format!(
            "  task {:>3}  {:<20} {:<9} {:>5}/{:<5} frames  level {}  attempts {}",
            t.index,
            fmt::layer(&t.layer),
            t.state.as_str(),
            t.frames_finished.max(t.frames_done.len() as u64),
            t.frames.len(),
            t.level,
            t.attempts
        );
        if t.warm_chunks > 0 {
            line.push_str(&format!(" ({} warm)", t.warm_chunks));
        }
        if t.state == brm::protocol::jobs::TaskState::Running {
            line.push_str(&format!("  ETA {}", fmt::eta(t.eta_s)));
        }
        if let Some(e) = &t.error {
            line.push_str(&format!("  error: {e}"));
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// Submitted, started, ended, and how long it ran (or has been running).
fn times(s: &brm::protocol::jobs::JobSummary, now_ms: i64) -> String {
    let mut t = format!("submitted {}", fmt::datetime(s.submitted_ms));
    if s.started_ms > 0 {
        t.push_str(&format!(
            ", started {}",
            fmt::time_after(s.started_ms, s.submitted_ms)
        ));
        let end = if s.finished_ms > 0 {
            t.push_str(&format!(
                ", ended {}",
                fmt::time_after(s.finished_ms, s.started_ms)
            ));
            s.finished_ms
        } else {
            now_ms
        };
        // Time paused does not count: the clock stops while the job is paused.
        let paused_now = if s.paused_since_ms > 0 {
            (end - s.paused_since_ms).max(0)
        } else {
            0
        };
        let ran = (end - s.started_ms - s.paused_total_ms - paused_now).max(0);
        let secs = (ran / 1000) as u64;
        if s.paused_since_ms > 0 && s.finished_ms == 0 {
            t.push_str(&format!(
                ", paused for {} (rendered for {} before)",
                fmt::duration((paused_now / 1000) as u64),
                fmt::duration(secs)
            ));
        } else {
            let verb = if s.finished_ms > 0 {
                "took"
            } else {
                "running for"
            };
            t.push_str(&format!(", {verb} {}", fmt::duration(secs)));
        }
    } else if s.finished_ms > 0 {
        t.push_str(&format!(
            ", ended {} before starting",
            fmt::time_after(s.finished_ms, s.submitted_ms)
        ));
    } else {
        t.push_str(", not started yet");
    }
    t
}

/// Frames of the job neither verified on disk nor reported finished by a running render,
/// in job order (so "to do" and the done count agree).
fn frames_not_done(d: &JobDetail) -> Vec<i64> {
    let mut v = Vec::new();
    for t in &d.tasks {
        let done: std::collections::HashSet<i64> = t
            .frames_done
            .iter()
            .chain(&t.frames_reported)
            .copied()
            .collect();
        v.extend(t.frames.iter().copied().filter(|f| !done.contains(f)));
    }
    v
}
