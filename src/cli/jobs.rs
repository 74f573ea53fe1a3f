//! The job commands on the agent: `brm jobs`, `status`, `log`, `cancel`, `retry`, `pause`,
//! `resume`, `cleanup`. Every read command has `--json`.

use std::time::Duration;

use super::fmt;

use brm::client::{Client, ClientOptions};
use brm::protocol::jobs::{JobState, JobSummary};

pub(crate) fn client() -> brm::Result<Client> {
    Client::connect(ClientOptions::default())
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> brm::Result<()> {
    let s =
        serde_json::to_string_pretty(v).map_err(|e| brm::Error::InvalidArgument(e.to_string()))?;
    outln!("{s}");
    Ok(())
}

#[derive(clap::Args)]
pub struct JobsArgs {
    /// Print the jobs as a JSON array (one summary per job).
    #[arg(long)]
    pub json: bool,
    /// Forget finished jobs (done, failed, cancelled) and their logs; rendered frames stay.
    /// Queued, running and paused jobs are never touched.
    #[arg(long)]
    pub prune: bool,
    /// With --prune: only jobs that finished more than DAYS days ago.
    #[arg(long, value_name = "DAYS", requires = "prune")]
    pub older_than: Option<u64>,
    /// With --prune: list the jobs it would forget, forget nothing.
    #[arg(long, requires = "prune")]
    pub dry_run: bool,
    /// With --prune: forget without asking (needed when brm cannot ask: no terminal).
    #[arg(long, short = 'y', requires = "prune")]
    pub yes: bool,
    /// Also list this user's farm jobs (`brm farm list` has them alone); with --json an
    /// object `{"jobs": [...], "farm": [...]}` instead of the plain array.
    #[arg(long)]
    pub farm: bool,
}

/// `brm jobs --prune`: list what would go, ask on a terminal (or take `--yes`), forget.
fn prune(a: &JobsArgs) -> brm::Result<i32> {
    let age = a
        .older_than
        .map(|d| Duration::from_secs(d.saturating_mul(86_400)));
    let mut c = client()?;
    if a.dry_run || !a.yes {
        let would = c.prunable(age)?;
        if a.dry_run {
            if a.json {
                print_json(&serde_json::json!({ "would_forget": would }))?;
            } else if would.is_empty() {
                outln!("no finished job to forget");
            } else {
                outln!(
                    "would forget {} finished job(s) (--dry-run: nothing forgotten):",
                    would.len()
                );
                print_listed(&mut c, &would)?;
            }
            return Ok(0);
        }
        if would.is_empty() {
            if a.json {
                print_json(&serde_json::json!({ "forgotten": [] }))?;
            } else {
                outln!("no finished job to forget");
            }
            return Ok(0);
        }
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() || a.json {
            return Err(brm::Error::InvalidArgument(format!(
                "--prune would forget {} finished job(s) ({}) and their logs; add --yes to \
                 forget them without asking, or --dry-run to list them",
                would.len(),
                brm::frames::FrameSet::from_frames(would.iter().map(|&i| i as i64)).compact()
            )));
        }
        errln!(
            "these {} finished job(s) and their logs would be forgotten (their frames stay):",
            would.len()
        );
        print_listed(&mut c, &would)?;
        errln!("forget them? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            outln!("nothing forgotten");
            return Ok(0);
        }
    }
    let ids = c.prune(age)?;
    if a.json {
        print_json(&serde_json::json!({ "forgotten": ids }))?;
    } else if ids.is_empty() {
        outln!("no finished job to forget");
    } else {
        let list: Vec<String> = ids.iter().map(u64::to_string).collect();
        outln!(
            "forgot {} finished job(s): {} (their frames stay where they were rendered)",
            ids.len(),
            list.join(", ")
        );
    }
    Ok(0)
}

/// The table rows of the jobs `ids` (those still known).
fn print_listed(c: &mut Client, ids: &[u64]) -> brm::Result<()> {
    let all = c.jobs()?;
    let listed: Vec<JobSummary> = all.into_iter().filter(|j| ids.contains(&j.id)).collect();
    for l in table(&listed) {
        errln!("{l}");
    }
    Ok(())
}

pub fn jobs(a: JobsArgs) -> brm::Result<i32> {
    if a.prune {
        return prune(&a);
    }
    let jobs = client()?.jobs()?;
    if a.json {
        if a.farm {
            let farm = brm::farm::record::FarmRecord::list(&brm::paths::Paths::from_env());
            print_json(&serde_json::json!({ "jobs": jobs, "farm": farm }))?;
        } else {
            print_json(&jobs)?;
        }
        return Ok(0);
    }
    if jobs.is_empty() {
        outln!("no jobs; submit one with `brm render SCENE`");
    } else {
        for l in table(&jobs) {
            outln!("{l}");
        }
    }
    if a.farm {
        super::farm::print_farm_jobs();
    }
    Ok(0)
}

/// The `brm jobs` table: SUBMITTED with its date, no trailing spaces (NAME is last).
pub fn table(jobs: &[JobSummary]) -> Vec<String> {
    let row = |id: &str, st: &str, pri: &str, fr: &str, sub: &str, eta: &str, name: &str| {
        format!("{id:>5}  {st:<9}  {pri:>4}  {fr:>13}  {sub:<19}  {eta:>8}  {name}")
            .trim_end()
            .to_string()
    };
    let mut out = vec![row(
        "ID",
        "STATE",
        "PRI",
        "FRAMES",
        "SUBMITTED",
        "ETA",
        "NAME",
    )];
    for j in jobs {
        let eta = match j.state {
            JobState::Running => fmt::eta(j.eta_s),
            _ => "-".into(),
        };
        out.push(row(
            &j.id.to_string(),
            j.state.as_str(),
            &j.priority.to_string(),
            &format!("{}/{}", j.frames_done, j.frames_total),
            &fmt::datetime(j.submitted_ms),
            &eta,
            &j.name,
        ));
    }
    out
}

#[derive(clap::Args)]
pub struct JobArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct CancelArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// Milliseconds between TERM and KILL (default: the agent's, 10 s).
    #[arg(long)]
    pub grace_ms: Option<u64>,
    /// Return at once instead of waiting for the renders to be gone.
    #[arg(long)]
    pub no_wait: bool,
    /// Print the job's state afterwards as JSON.
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
        outln!("job {} {}", a.job, state.as_str());
    }
    Ok(0)
}

/// `brm forget JOB`: drop a finished job and its logs from the queue.
pub fn forget(a: JobArgs) -> brm::Result<i32> {
    client()?.forget(a.job)?;
    if a.json {
        print_json(&serde_json::json!({"forgotten": [a.job]}))?;
    } else {
        outln!(
            "job {} forgotten (its logs are removed; its frames stay where they were rendered)",
            a.job
        );
    }
    Ok(0)
}

#[derive(clap::Args)]
pub struct RetryArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// Render these frames again, e.g. 5,9-12, whether their files exist or not (every
    /// layer of the job that has them); the job may have ended done, failed or cancelled.
    #[arg(long, short = 'f', allow_hyphen_values = true)]
    pub frames: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn retry(a: RetryArgs) -> brm::Result<i32> {
    let mut c = client()?;
    if let Some(frames) = &a.frames {
        // Parsed once, here at the edge.
        let frames = brm::frames::FrameSpec::parse(frames)?;
        let n = c.retry_frames(a.job, &frames)?;
        if a.json {
            print_json(&serde_json::json!({"id": a.job, "retried": true, "frames_queued": n}))?;
        } else {
            outln!(
                "job {} queued again: frames {} ({n} frame(s) over its layers; existing files are overwritten)",
                a.job,
                frames.set().compact()
            );
        }
        return Ok(0);
    }
    c.retry(a.job)?;
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "retried": true}))?;
    } else {
        outln!("job {} queued again (unfinished frames only)", a.job);
    }
    Ok(0)
}

#[derive(clap::Args)]
pub struct PriorityArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// The new priority: higher runs first (default of a new job: 0; negative is allowed).
    #[arg(allow_hyphen_values = true)]
    pub priority: i32,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn priority(a: PriorityArgs) -> brm::Result<i32> {
    let s = client()?.set_priority(a.job, a.priority)?;
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "priority": a.priority, "state": s}))?;
    } else {
        outln!(
            "job {} priority {} ({}; tasks not started yet go by it)",
            a.job,
            a.priority,
            s.as_str()
        );
    }
    Ok(0)
}

pub fn pause(a: JobArgs, paused: bool) -> brm::Result<i32> {
    let s = client()?.pause(a.job, paused)?;
    if a.json {
        print_json(&serde_json::json!({"id": a.job, "state": s}))?;
    } else {
        outln!("job {} {}", a.job, s.as_str());
    }
    Ok(0)
}

#[derive(clap::Args)]
pub struct CleanupArgs {
    /// Print the removed snapshots as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn cleanup(a: CleanupArgs) -> brm::Result<i32> {
    let removed = client()?.cleanup()?;
    if a.json {
        print_json(&serde_json::json!({"removed": removed}))?;
    } else if removed.is_empty() {
        outln!("no snapshot to remove (kept: the latest 5, those under 24 h old, those queued or running jobs use)");
    } else {
        for r in &removed {
            outln!("removed {r}");
        }
    }
    Ok(0)
}
