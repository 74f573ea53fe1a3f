//! Scheduling benchmarks (DESIGN §8), on the real engine with real processes:
//! - 1,000 no-op tasks on 4 slots: per-task overhead of brm over spawning the same program
//!   directly with 4 workers (target ≤ 2 ms);
//! - submit-to-spawn latency, p50/p99 (target p50 ≤ 10 ms), scene already a snapshot.
//!
//! The "renderer" is this binary re-executed as a no-op Blender (it writes the frame files
//! brm then verifies). Run: `cargo bench --bench scheduling` (or scripts/bench.sh).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brm::detect::{detect, DetectOptions};
use brm::paths::Paths;
use brm::plan::{GpuChoice, JobSpec, Method};
use brm::protocol::jobs::JobState;
use brm::queue::{Engine, EngineConfig};

fn main() {
    if std::env::var_os("BRM_BENCH_NOOP").is_some() {
        noop_renderer();
        return;
    }
    become_like_the_agent();
    let tasks: usize = std::env::var("BRM_BENCH_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let submits: usize = std::env::var("BRM_BENCH_SUBMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let tmp = tempdir();
    let exe = std::env::current_exe().expect("current exe");
    std::env::set_var("BRM_BENCH_NOOP", "1");
    std::env::set_var("BRM_BLENDER", &exe);
    std::env::set_var("BRM_NO_NVML", "1");
    std::env::set_var("BRM_NVIDIA_SMI", tmp.join("none"));
    std::env::set_var("BRM_CPU_SLOTS", "4");
    let spawnlog = tmp.join("spawns.log");
    std::env::set_var("BRM_BENCH_SPAWNLOG", &spawnlog);

    let paths = Paths::under(&tmp.join("home"));
    let report = Arc::new(detect(&DetectOptions::from_env()));
    let engine = Engine::open(EngineConfig::from_env(paths.clone(), report)).expect("engine");
    let ticker = engine.start();
    std::fs::create_dir_all(&paths.snapshots).unwrap();
    let scene = paths.snapshots.join("bench.blend");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shot.blend"),
        &scene,
    )
    .unwrap();

    // 1. 1,000 no-op tasks on 4 slots.
    let out = tmp.join("out-brm");
    let t0 = Instant::now();
    let id = engine
        .submit(spec(&scene, &format!("1-{tasks}"), Some(1), &out))
        .expect("submit");
    let state = engine.wait(id, Duration::from_secs(600)).expect("wait");
    let brm_wall = t0.elapsed();
    assert_eq!(state, JobState::Done, "bench job did not finish cleanly");

    // Baseline: the same program, same frames, 4 workers spawning directly.
    let direct_out = tmp.join("out-direct");
    std::fs::create_dir_all(&direct_out).unwrap();
    let next = std::sync::atomic::AtomicUsize::new(1);
    let t1 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let f = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if f > tasks {
                    break;
                }
                let st = Command::new(&exe)
                    .args(["-b", scene.to_str().unwrap(), "-o"])
                    .arg(direct_out.join("shot.####"))
                    .args(["-f", &f.to_string()])
                    .env_remove("BRM_BENCH_SPAWNLOG")
                    .stdout(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(st.success());
            });
        }
    });
    let direct_wall = t1.elapsed();
    let overhead_ms =
        (brm_wall.as_secs_f64() - direct_wall.as_secs_f64()) * 4.0 / tasks as f64 * 1000.0;

    // 2. Submit-to-spawn latency, one 1-frame job at a time.
    let _ = std::fs::remove_file(&spawnlog);
    let mut submitted = Vec::with_capacity(submits);
    for i in 0..submits {
        let out = tmp.join(format!("lat-{i}"));
        let t = now_ns();
        let id = engine
            .submit(spec(&scene, "1", None, &out))
            .expect("submit");
        submitted.push(t);
        engine.wait(id, Duration::from_secs(60)).expect("wait");
    }
    let spawned: Vec<u128> = std::fs::read_to_string(&spawnlog)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(spawned.len(), submits);
    let mut lat: Vec<f64> = submitted
        .iter()
        .zip(&spawned)
        .map(|(s, p)| (*p as f64 - *s as f64) / 1e6)
        .collect();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize];
    engine.stop();
    let _ = ticker.join();

    println!("| benchmark | brm | direct | result | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| {tasks} no-op tasks, 4 slots | {:.3} s | {:.3} s | {:.3} ms overhead/task | ≤ 2 ms |",
        brm_wall.as_secs_f64(),
        direct_wall.as_secs_f64(),
        overhead_ms
    );
    println!(
        "| submit→spawn ({submits} jobs, includes the renderer's exec) | p50 {:.2} ms | | p99 {:.2} ms | p50 ≤ 10 ms |",
        pct(0.5),
        pct(0.99)
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The engine runs inside `brm agent`, which leads its own session without a terminal and
/// holds no inheritable descriptor (cargo hands benches its jobserver pipes). Host it the same.
fn become_like_the_agent() {
    // SAFETY: setsid and fcntl on our own descriptors.
    unsafe {
        libc::setsid();
        for fd in 3..1024 {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}

fn spec(scene: &Path, frames: &str, chunk: Option<u32>, out: &Path) -> JobSpec {
    let mut s = JobSpec::new(scene.to_path_buf());
    s.frames = Some(frames.parse().expect("a valid frame spec"));
    s.chunk_size = chunk;
    s.gpu = GpuChoice::Cpu;
    s.method = Method::Blender;
    s.output_dir = Some(out.to_path_buf());
    s.max_retries = 0;
    // Per-task overhead against starting the same processes directly: one process per task,
    // never a warm session (the no-op "Blender" does not speak the session protocol).
    s.cold = true;
    s
}

fn now_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("brm-bench-sched-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A Blender that renders nothing: writes each frame's file as `-o` and `-f` say.
fn noop_renderer() {
    if let Some(p) = std::env::var_os("BRM_BENCH_SPAWNLOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
        {
            let _ = writeln!(f, "{}", now_ns());
        }
    }
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--version") {
        println!("Blender 3.4.1");
        return;
    }
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(pattern), Some(frames)) = (value("-o"), value("-f")) else {
        return;
    };
    for f in frames.split(',') {
        let Ok(n) = f.parse::<i64>() else { continue };
        let path = pattern.replace("####", &format!("{n:04}")) + ".png";
        if let Some(d) = Path::new(&path).parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let _ = std::fs::write(&path, b"x");
        println!("Fra:{n} Mem:1M | Saved: '{path}'");
    }
}
