//! Cost of a warm session's dependency check (issue 19): a scene with N textures (default
//! 1,000 small files) is checked before every reuse of its session. Measures one
//! `Dependencies::first_change` (a `stat` of each file), median of R runs.
//! Environment: `BRM_BENCH_FILES` (default 1000), `BRM_BENCH_RUNS` (default 50).
//! Run: `cargo bench --bench warm_deps` (scripts/bench-warm.sh runs it too).

use std::time::Instant;

use brm::session::Dependencies;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env_num("BRM_BENCH_FILES", 1000);
    let runs = env_num("BRM_BENCH_RUNS", 50).max(1);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<_> = (0..n)
        .map(|i| {
            let p = dir.path().join(format!("tex_{i:04}.png"));
            std::fs::write(&p, [i as u8; 64]).expect("write texture");
            p
        })
        .collect();
    let t0 = Instant::now();
    let deps = Dependencies::record(paths);
    let record = t0.elapsed();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        assert!(deps.first_change().is_none());
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "dependency check of {n} files: record {:.2} ms, check median {:.2} ms (min {:.2}, max {:.2}) over {runs} runs",
        record.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
