//! Log pipeline benchmark (DESIGN §8): a child writing N bytes of lines "through brm" vs the
//! same child writing straight to a file, and the peak memory of the supervising process.
//!
//! "Through brm" is exactly what the agent does: `Child::spawn` with stdout+stderr appended to
//! the task log, while this process follows the log with `LogTail` and pushes every line into
//! a `LineRing`. "Direct" spawns the same child the same way but the child opens its output
//! file itself (no shell) and this process only waits.
//!
//! The child is this binary re-executed with `--child-writer` (a Python writer would measure
//! Python). Environment: `BRM_BENCH_BYTES` (default 1 GiB), `BRM_BENCH_RUNS` (default 3,
//! alternating direct/supervised; the best run of each is compared), `BRM_BENCH_DIR` (default
//! the system temp dir). Run: `cargo bench --bench log_pipeline` or
//! `scripts/bench-log-pipeline.sh`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brm::run::{Child, CommandSpec, LineRing, LogTail, Stream};

/// Line window the agent keeps per task for live viewers (see `LineRing`).
const RING_LINES: usize = 10_000;
const RING_BYTES: usize = 8 << 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child-writer") {
        let bytes: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
        child_writer(bytes, args.get(3).map(PathBuf::from));
        return;
    }
    let bytes: u64 = env_num("BRM_BENCH_BYTES", 1 << 30);
    let runs: u64 = env_num("BRM_BENCH_RUNS", 3).max(1);
    let base = std::env::var_os("BRM_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("brm-bench-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    let exe = std::env::current_exe().expect("current_exe");

    let rss_before = peak_rss_kib();
    let mut direct = Vec::new();
    let mut piped = Vec::new();
    let mut piped_low = Vec::new();
    for run in 0..runs {
        direct.push(run_direct(&exe, &dir, bytes, run));
        piped.push(run_supervised(&exe, &dir, bytes, run, false));
        piped_low.push(run_supervised(&exe, &dir, bytes, run, true));
    }
    let _ = std::fs::remove_dir_all(&dir);
    let rss_after = peak_rss_kib();

    let best = |v: &[Sample], f: fn(&Sample) -> f64| v.iter().map(f).fold(f64::INFINITY, f64::min);
    let median = |v: &[Sample], f: fn(&Sample) -> f64| {
        let mut x: Vec<f64> = v.iter().map(f).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    let mib = bytes as f64 / (1 << 20) as f64;
    let gib = bytes as f64 / (1u64 << 30) as f64;
    let lines = piped.last().map_or(0, |s| s.lines);
    let (d_best, d_med) = (best(&direct, |s| s.child_s), median(&direct, |s| s.child_s));

    println!("log pipeline: {mib:.0} MiB of 100-byte lines ({lines} lines), {runs} run(s) of each mode, interleaved");
    println!();
    println!("| mode | child wall best (s) | child wall median (s) | MiB/s (best) | ratio best | ratio median | all lines ingested, best (s) | writer CPU (s/GiB) | supervisor CPU (s/GiB) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rows: [(&str, &[Sample]); 3] = [
        ("direct to file (child opens it)", &direct),
        ("through brm: spawn → log file → LogTail → LineRing", &piped),
        ("same, ingest thread `lower_thread_priority()`", &piped_low),
    ];
    let mut ratios = Vec::new();
    for (name, v) in rows {
        let (b, m) = (best(v, |s| s.child_s), median(v, |s| s.child_s));
        let ingest = if std::ptr::eq(v, direct.as_slice()) {
            "–".to_string()
        } else {
            format!("{:.3}", best(v, |s| s.total_s))
        };
        println!(
            "| {name} | {b:.3} | {m:.3} | {:.0} | {:.2} | {:.2} | {ingest} | {:.2} | {:.2} |",
            mib / b,
            d_best / b,
            d_med / m,
            median(v, |s| s.child_cpu) / gib,
            median(v, |s| s.self_cpu) / gib
        );
        ratios.push(d_best / b);
    }
    println!();
    for run in 0..runs as usize {
        println!(
            "run {run}: direct {:.3} s | brm {:.3} s (ingested {:.3} s) | brm, low-priority ingest {:.3} s (ingested {:.3} s)",
            direct[run].child_s,
            piped[run].child_s,
            piped[run].total_s,
            piped_low[run].child_s,
            piped_low[run].total_s
        );
    }
    match (rss_before, rss_after) {
        (Some(b), Some(a)) => println!(
            "peak RSS of the supervising process: {:.1} MiB (before the runs: {:.1} MiB)",
            a as f64 / 1024.0,
            b as f64 / 1024.0
        ),
        _ => println!("peak RSS: not available on this platform"),
    }
    let ratio = ratios[1].max(ratios[2]);
    println!(
        "target: throughput ratio (best runs) >= 0.80 -> {} ({ratio:.2})",
        if ratio >= 0.8 { "met" } else { "NOT met" }
    );
}

struct Sample {
    /// Spawn to observed exit of the writer.
    child_s: f64,
    /// Spawn to the last line being in the ring (supervised only; = child_s for direct).
    total_s: f64,
    lines: u64,
    /// CPU seconds (user + system) of the writer and of this supervising process.
    child_cpu: f64,
    self_cpu: f64,
}

fn writer_cmd(exe: &Path, bytes: u64, out: Option<&Path>) -> CommandSpec {
    let mut args = vec!["--child-writer".to_string(), bytes.to_string()];
    if let Some(p) = out {
        args.push(p.to_string_lossy().into_owned());
    }
    CommandSpec::new(exe).args(args)
}

fn run_direct(exe: &Path, dir: &Path, bytes: u64, run: u64) -> Sample {
    let out = dir.join(format!("direct-{run}.out"));
    let log = dir.join(format!("direct-{run}.log"));
    let cpu0 = cpu_times();
    let start = Instant::now();
    let mut child = Child::spawn(&writer_cmd(exe, bytes, Some(&out)), &log).expect("spawn writer");
    loop {
        if let Some(e) = child.try_wait().expect("try_wait") {
            assert!(e.success(), "writer failed: {e}");
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let t = start.elapsed().as_secs_f64();
    assert!(std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) >= bytes);
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&log);
    let (child_cpu, self_cpu) = cpu_delta(cpu0);
    Sample {
        child_s: t,
        total_s: t,
        lines: 0,
        child_cpu,
        self_cpu,
    }
}

/// Spawns the writer on this thread, then follows its log on a separate ingest thread (as the
/// agent does), optionally at lowered priority.
fn run_supervised(exe: &Path, dir: &Path, bytes: u64, run: u64, low_priority: bool) -> Sample {
    let log = dir.join(format!("supervised-{run}.log"));
    let cpu0 = cpu_times();
    let start = Instant::now();
    let child = Child::spawn(&writer_cmd(exe, bytes, None), &log).expect("spawn writer");
    let (child_s, total_s, lines, offset) = std::thread::scope(|scope| {
        scope
            .spawn(|| ingest(child, &log, start, low_priority))
            .join()
            .expect("ingest thread")
    });
    let (child_cpu, self_cpu) = cpu_delta(cpu0);
    let len = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    assert!(
        len >= bytes && offset == len,
        "ingested to {offset} of {len}"
    );
    let _ = std::fs::remove_file(&log);
    Sample {
        child_s,
        total_s,
        lines,
        child_cpu,
        self_cpu,
    }
}

/// The agent's loop for one task: read new lines, push them into the ring, poll the child,
/// sleep briefly when caught up. Returns (child exit s, all ingested s, lines, tail offset).
fn ingest(
    mut child: Child,
    log: &Path,
    start: Instant,
    low_priority: bool,
) -> (f64, f64, u64, u64) {
    if low_priority {
        brm::run::lower_thread_priority();
    }
    let mut tail = LogTail::open(log, 0).expect("open tail");
    let mut ring = LineRing::new(RING_LINES, RING_BYTES);
    let mut batch = Vec::new();
    let mut child_s = None;
    let mut lines = 0u64;
    loop {
        batch.clear();
        tail.read_lines(&mut batch).expect("read_lines");
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        for l in batch.drain(..) {
            ring.push(Stream::Output, now_ms, l.text);
            lines += 1;
        }
        if child_s.is_none() {
            if let Some(e) = child.try_wait().expect("try_wait") {
                assert!(e.success(), "writer failed: {e}");
                child_s = Some(start.elapsed().as_secs_f64());
                continue; // one more pass reads what was written before the exit
            }
        }
        if tail.at_end() {
            if child_s.is_some() {
                break;
            }
            // Caught up with a live writer: poll like the agent does.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    batch.clear();
    tail.flush_partial(&mut batch);
    lines += batch.len() as u64;
    let total_s = start.elapsed().as_secs_f64();
    std::hint::black_box(&ring);
    (child_s.unwrap_or(total_s), total_s, lines, tail.offset())
}

/// The child: writes `bytes` (rounded up to whole lines) of numbered 100-byte lines, through a
/// 64 KiB buffer, to stdout or to `out` (opened by the child itself).
fn child_writer(bytes: u64, out: Option<PathBuf>) {
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::fs::File::create(p).expect("create output")),
        None => stdout_file(),
    };
    let mut w = std::io::BufWriter::with_capacity(64 << 10, sink);
    let filler = "render progress: sample tile block ".repeat(3);
    let mut written = 0u64;
    let mut n = 0u64;
    let mut line = String::with_capacity(128);
    while written < bytes {
        line.clear();
        use std::fmt::Write as _;
        let _ = write!(line, "{n:012} ");
        line.push_str(&filler[..99 - line.len()]);
        line.push('\n');
        w.write_all(line.as_bytes()).expect("write");
        written += line.len() as u64;
        n += 1;
    }
    w.flush().expect("flush");
}

#[cfg(unix)]
fn stdout_file() -> Box<dyn Write> {
    use std::os::fd::FromRawFd;
    // SAFETY: nothing else in this short-lived child uses fd 1; taking ownership of it gives
    // a plain unbuffered file (std's stdout is line-buffered: one write(2) per line).
    Box::new(unsafe { std::fs::File::from_raw_fd(1) })
}

#[cfg(not(unix))]
fn stdout_file() -> Box<dyn Write> {
    Box::new(std::io::stdout())
}

/// (children, self) CPU seconds so far, user + system; zeros where unavailable.
fn cpu_times() -> (f64, f64) {
    #[cfg(unix)]
    {
        let get = |who| {
            // SAFETY: getrusage fills the struct we pass.
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            if unsafe { libc::getrusage(who, &mut ru) } != 0 {
                return 0.0;
            }
            let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            tv(ru.ru_utime) + tv(ru.ru_stime)
        };
        (get(libc::RUSAGE_CHILDREN), get(libc::RUSAGE_SELF))
    }
    #[cfg(not(unix))]
    {
        (0.0, 0.0)
    }
}

fn cpu_delta(before: (f64, f64)) -> (f64, f64) {
    let now = cpu_times();
    (now.0 - before.0, now.1 - before.1)
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set of this process in KiB (Linux `VmHWM`, else `getrusage` max RSS).
fn peak_rss_kib() -> Option<u64> {
    #[cfg(target_os = "linux")]
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = s.lines().find(|l| l.starts_with("VmHWM:")) {
            return line.split_whitespace().nth(1).and_then(|v| v.parse().ok());
        }
    }
    #[cfg(unix)]
    {
        // SAFETY: getrusage fills the struct we pass.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } == 0 {
            let raw = ru.ru_maxrss as u64;
            // macOS reports bytes, Linux KiB.
            return Some(if cfg!(target_os = "macos") {
                raw / 1024
            } else {
                raw
            });
        }
    }
    None
}
