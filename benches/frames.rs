//! Frame-set parsing speed (DESIGN §8: ≥ 100× fileseq on a 10,000-term spec).
//!
//! `cargo bench --bench frames` times `FrameSet::parse(spec)` + `len()` and prints ns/op.
//! The spec is read from the file named by `BRM_BENCH_SPEC` (scripts/bench-frames.sh writes
//! one and times fileseq on the very same text), or generated here the same way: 10,000
//! ascending, non-overlapping terms mixing `a`, `a-b` and `a-bxN` with `b` on the step —
//! syntax that brm and fileseq read identically.
//! std::time only: no harness, no timed assertions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use brm::frames::FrameSet;

/// The same generator as scripts/bench-frames.sh (a 64-bit LCG, so both sides agree).
fn generate(terms: usize) -> String {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let mut cursor: u64 = 1;
    let mut parts = Vec::with_capacity(terms);
    for _ in 0..terms {
        let start = cursor + 1 + next() % 5;
        match next() % 3 {
            0 => {
                parts.push(format!("{start}"));
                cursor = start;
            }
            1 => {
                let step = 2 + next() % 9;
                let count = 2 + next() % 19;
                let end = start + step * (count - 1);
                parts.push(format!("{start}-{end}x{step}"));
                cursor = end;
            }
            _ => {
                let end = start + 1 + next() % 50;
                parts.push(format!("{start}-{end}"));
                cursor = end;
            }
        }
    }
    parts.join(",")
}

fn main() {
    let spec = match std::env::var_os("BRM_BENCH_SPEC") {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(s) => s.trim().to_owned(),
            Err(e) => {
                eprintln!("bench frames: cannot read BRM_BENCH_SPEC {path:?}: {e}");
                std::process::exit(2);
            }
        },
        None => generate(10_000),
    };
    let terms = spec.split(',').count();
    let count = match FrameSet::parse(&spec) {
        Ok(fs) => fs.len(),
        Err(e) => {
            eprintln!("bench frames: spec does not parse: {e}");
            std::process::exit(2);
        }
    };

    // Warm up, then take the best of several ~200 ms batches (least disturbed by the
    // machine's other work).
    let run = |n: u32| {
        let t = Instant::now();
        for _ in 0..n {
            let fs = FrameSet::parse(black_box(&spec)).ok();
            black_box(fs.map(|f| f.len()));
        }
        t.elapsed()
    };
    let mut n = 1u32;
    while run(n) < Duration::from_millis(50) {
        n *= 2;
    }
    let per_batch = n * 4;
    let best = (0..7)
        .map(|_| run(per_batch).as_nanos() / per_batch as u128)
        .min()
        .unwrap_or(0);
    println!("frames: parse+len of a {terms}-term spec ({} bytes, {count} frames): {best} ns/op (best of 7 x {per_batch})", spec.len());
    println!("RESULT brm_ns_per_op={best} terms={terms} frames={count}");
}
