//! `brm log JOB [--follow] [--notes] [--tail N] [--task N]`: a job's log without the flood.
//! `--notes` asks the agent for brm's own notes only (it skips render output on its side, so
//! this is cheap however much Blender printed); `--task` keeps one task's lines; `--tail`
//! keeps the last N lines (then `--follow` goes on from there, like `tail -n N -f`).

use std::collections::VecDeque;
use std::time::Duration;

use brm::protocol::jobs::LogRecord;

use super::jobs::client;

#[derive(clap::Args)]
pub struct LogArgs {
    /// The job id (from `brm jobs`).
    pub job: u64,
    /// Keep printing new lines until the job ends.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Only brm's own notes (starts, retries, fallbacks, frames verified, errors).
    #[arg(long, short = 'n')]
    pub notes: bool,
    /// Only the last N lines (of what the other filters keep).
    #[arg(long, value_name = "N")]
    pub tail: Option<usize>,
    /// Only the lines of task N (the task numbers of `brm status`).
    #[arg(long, value_name = "N")]
    pub task: Option<u32>,
    /// Only lines after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// One JSON object per line (seq, stream, time_ms, text).
    #[arg(long)]
    pub json: bool,
}

fn print(l: &LogRecord, json: bool) {
    if json {
        outln!("{}", serde_json::to_string(l).unwrap_or_default());
    } else if l.stream == 1 {
        outln!("[brm] {}", l.text);
    } else {
        outln!("{}", l.text);
    }
}

pub fn run(a: LogArgs) -> brm::Result<i32> {
    let mut c = client()?;
    let stream = a.notes.then_some(1);
    // Ask for the job first: a wrong id is "no job N", not an empty log.
    c.status(a.job)?;
    let mut after = a.after;
    let mut tail: Option<VecDeque<LogRecord>> =
        a.tail.map(|n| VecDeque::with_capacity(n.min(10_000)));
    loop {
        let page = c.logs_filtered(a.job, after, 5000, stream, a.task)?;
        for l in page.lines.iter() {
            match (&mut tail, a.tail) {
                (Some(t), Some(n)) => {
                    if n > 0 {
                        if t.len() == n {
                            t.pop_front();
                        }
                        t.push_back(l.clone());
                    }
                }
                _ => print(l, a.json),
            }
        }
        let progressed = page.next_seq != after;
        after = page.next_seq;
        if !progressed || page.complete {
            // Caught up: the tail so far is printed, later lines stream as they come.
            if let Some(t) = tail.take() {
                for l in &t {
                    print(l, a.json);
                }
            }
        }
        if page.complete || (!a.follow && !progressed) {
            break;
        }
        if !progressed {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    Ok(0)
}
