//! Snapshot benchmark (DESIGN §8: "snapshot of 1 GiB ≤ 1.2× `cp`"), plus `.ma` inspection
//! throughput on a large synthetic scene.
//!
//! One run measures both sides as a ratio: `SnapshotStore::snapshot` of an N-byte scene vs the
//! system `cp` of the same file into the same directory, alternating, best of R runs each (the
//! page cache and a shared disk make single runs noisy). Environment: `BRM_BENCH_BYTES`
//! (default 1 GiB), `BRM_BENCH_RUNS` (default 6), `BRM_BENCH_DIR` (default the system temp
//! dir). Run: `cargo bench --bench snapshot`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use brm::scene::{self, SnapshotStore};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Write `bytes` of incompressible-ish data (xorshift) to `path`.
fn make_file(path: &Path, bytes: u64) {
    let mut f = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(path).expect("create input"),
    );
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).expect("write input");
        left -= n as u64;
    }
    f.flush().expect("flush input");
}

/// A Maya ASCII scene of about `bytes`: the shared layers scene's header and render setup
/// around many meshes with big vertex arrays (what makes production `.ma` files large).
fn make_ma(path: &Path, bytes: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create .ma"));
    writeln!(f, "//Maya ASCII 2024 scene\nrequires maya \"2024\";\ncurrentUnit -l centimeter -a degree -t film;").unwrap();
    let row: String = (0..60)
        .map(|i| format!(" {:.6}", i as f64 * 0.731))
        .collect();
    let mut written = 0u64;
    let mut n = 0;
    while written < bytes {
        let mut block = format!("createNode mesh -n \"mesh{n}Shape\" -p \"mesh{n}\";\n\tsetAttr -s 4000 \".vt[0:3999]\"\n");
        for _ in 0..200 {
            block.push_str("\t\t");
            block.push_str(&row);
            block.push('\n');
        }
        block.push_str("\t\t;\n");
        f.write_all(block.as_bytes()).unwrap();
        written += block.len() as u64;
        n += 1;
    }
    writeln!(
        f,
        "createNode renderLayerManager -n \"renderLayerManager\";\ncreateNode renderLayer -n \"defaultRenderLayer\";\n\
         createNode renderLayer -n \"rs_beauty\";\ncreateNode renderSetupLayer -n \"beauty\";\n\
         select -ne :defaultRenderGlobals;\n\tsetAttr \".ren\" -type \"string\" \"arnold\";\n\
         connectAttr \"renderLayerManager.rlmi[0]\" \"defaultRenderLayer.rlid\";\n\
         connectAttr \"renderLayerManager.rlmi[1]\" \"rs_beauty.rlid\";\nconnectAttr \"rs_beauty.msg\" \"beauty.lrl\";"
    )
    .unwrap();
    f.flush().unwrap();
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let bytes = env_num("BRM_BENCH_BYTES", 1 << 30);
    let runs = env_num("BRM_BENCH_RUNS", 6).max(1);
    let base = std::env::var_os("BRM_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = base.join(format!("brm-bench-snapshot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the bench directory");
    let input = dir.join("input.ma");
    make_file(&input, bytes);
    let store = SnapshotStore::new(dir.join("snapshots"));
    let cp_dir = dir.join("cp");
    std::fs::create_dir_all(&cp_dir).unwrap();

    let (mut snap_best, mut cp_best) = (f64::INFINITY, f64::INFINITY);
    // Alternate which side goes first: the first copy of a pair pays for writing back the
    // previous pair's dirty pages.
    let snap_once = || {
        let t = Instant::now();
        let snap = store.snapshot(&input).expect("snapshot");
        let s = t.elapsed().as_secs_f64();
        std::fs::remove_file(&snap).unwrap();
        s
    };
    let cp_once = |run: u64| {
        let target = cp_dir.join(format!("copy{run}.ma"));
        let t = Instant::now();
        let status = Command::new("cp")
            .arg(&input)
            .arg(&target)
            .status()
            .expect("run cp");
        let c = t.elapsed().as_secs_f64();
        assert!(status.success(), "cp failed");
        std::fs::remove_file(&target).unwrap();
        c
    };
    for run in 0..runs {
        let (s, c) = if run % 2 == 0 {
            let s = snap_once();
            (s, cp_once(run))
        } else {
            let c = cp_once(run);
            (snap_once(), c)
        };
        println!("run {run}: snapshot {s:.3} s, cp {c:.3} s");
        snap_best = snap_best.min(s);
        cp_best = cp_best.min(c);
    }
    let gib = bytes as f64 / (1u64 << 30) as f64;
    println!(
        "snapshot of {gib:.2} GiB: best {snap_best:.3} s vs cp {cp_best:.3} s: ratio {:.2} (target <= 1.2)",
        snap_best / cp_best
    );
    std::fs::remove_file(&input).unwrap();

    // Inspection throughput on a large .ma (a quarter of the snapshot size, at least 64 MiB).
    let ma_bytes = (bytes / 4).max(64 << 20);
    let ma = dir.join("big.ma");
    make_ma(&ma, ma_bytes);
    let size = std::fs::metadata(&ma).unwrap().len();
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let t = Instant::now();
        let info = scene::inspect(&ma).expect("inspect");
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(info.layers.len(), 2);
    }
    println!(
        "inspect .ma of {:.0} MiB: best {best:.3} s ({:.0} MiB/s)",
        size as f64 / (1 << 20) as f64,
        size as f64 / (1 << 20) as f64 / best
    );
    let _ = std::fs::remove_dir_all(&dir);
}
