//! Fake Maya `Render.exe` for the Windows tests under Wine: the real flags of Maya's
//! command-line renderer (Autodesk, "Common flags for the command line renderer",
//! help.autodesk.com/cloudhelp/2016/ENU/Maya/files/GUID-FCB01DEF-10DF-4222-A047-AF0122782397.htm),
//! the scene as the last argument, Arnold's real log lines (the same ones, with the same
//! sources, as the Unix fake tests/fakes/maya2025/bin/Render), `<rd>\<im>.<frame>.exr` per
//! frame, and the exit codes Deadline's MayaCmd plug-in reads (206 bad command line, 211
//! renderer error).
//!
//! Test controls (environment):
//! - `BRM_FAKE_RECORD`: file to which each start appends one line
//!   `start\tpid=N\terror_mode=N\tconsole=0|1\targs=a\x1fb…` (what the tests check the start
//!   conditions with: error dialogs off, no console window, argv intact).
//! - `BRM_FAKE_CHILDREN=N`: start N helper processes (this program with `--brm-fake-child`)
//!   that ignore every console control event and sleep until killed; each appends its pid
//!   to `BRM_FAKE_PIDS`, as does the render itself.
//! - `BRM_FAKE_HANG=1`: after starting the helpers, ignore console events and never finish.
//! - `BRM_FAKE_FRAME_MS`: time per frame (default 20).
//! - `BRM_FAKE_CRASH=1`: crash with an access violation after "Starting Rendering" (what a
//!   broken plug-in does to `mayabatch.exe`); with error dialogs on, Windows would show the
//!   "stopped working" box and the process would wait behind it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const VALUE_FLAGS: &[&str] = &[
    "-r", "-rl", "-s", "-e", "-b", "-rd", "-im", "-pad", "-cam", "-proj", "-of", "-x", "-y",
    "-gpu", "-log", "-n",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--brm-fake-child") {
        brm_windows_tests::ignore_console_events();
        append_pid();
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    record(&args);
    std::process::exit(run(&args));
}

fn run(args: &[String]) -> i32 {
    let mut opts = std::collections::HashMap::<String, String>::new();
    let mut scene: Option<String> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if VALUE_FLAGS.contains(&a) {
            let Some(v) = args.get(i + 1) else {
                return usage(&format!("Flag {a} needs a value"));
            };
            opts.insert(a.trim_start_matches('-').to_string(), v.clone());
            i += 2;
        } else if i == args.len() - 1 {
            scene = Some(a.to_string());
            i += 1;
        } else {
            return usage(&format!("Invalid flag '{a}'"));
        }
    }
    let Some(scene) = scene else {
        return usage("No scene file given");
    };
    let num = |k: &str, d: i64| -> Result<i64, String> {
        match opts.get(k) {
            None => Ok(d),
            Some(v) => v
                .parse::<f64>()
                .map(|f| f as i64)
                .map_err(|_| format!("Invalid value '{v}' for flag -{k}")),
        }
    };
    let (start, end, by, pad) = match (num("s", 1), num("e", 1), num("b", 1), num("pad", 4)) {
        (Ok(s), Ok(e), Ok(b), Ok(p)) if b > 0 => (s, e, b, p as usize),
        (Err(m), ..) | (_, Err(m), ..) | (_, _, Err(m), _) | (.., Err(m)) => return usage(&m),
        _ => return usage("Invalid value for flag -b"),
    };
    if !Path::new(&scene).is_file() {
        println!("Error: Cannot find file \"{scene}\" for source statement.");
        println!("Error: Scene {scene} failed to load.");
        return 211;
    }
    let children: u32 = std::env::var("BRM_FAKE_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if children > 0 || std::env::var_os("BRM_FAKE_HANG").is_some() {
        append_pid();
    }
    for _ in 0..children {
        let exe = std::env::current_exe().expect("own path");
        std::process::Command::new(exe)
            .arg("--brm-fake-child")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start a helper");
    }
    println!("Starting Rendering {scene}");
    flush();
    if std::env::var_os("BRM_FAKE_CRASH").is_some() {
        // SAFETY: none; this is the crash.
        unsafe { std::ptr::null_mut::<u8>().add(16).write_volatile(1) };
    }
    if std::env::var_os("BRM_FAKE_HANG").is_some() {
        brm_windows_tests::ignore_console_events();
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    let rd = PathBuf::from(opts.get("rd").cloned().unwrap_or_else(|| "images".into()));
    let stem = Path::new(&scene)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let im = opts.get("im").cloned().unwrap_or(stem);
    let ms: u64 = std::env::var("BRM_FAKE_FRAME_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let frames: Vec<i64> = (start..=end).step_by(by as usize).collect();
    for frame in frames {
        let path = rd.join(format!("{im}.{frame:0pad$}.exr"));
        // docs.arnoldrenderer.com/display/A5ARP/How+to+Read+a+Render+Log
        println!(
            "00:00:00   773MB         | [mtoa.session]     Initializing at frame {frame}.000000"
        );
        // CGRU/cgru afanasy/python/parsers/maya_arnold.py sample line
        println!("00:00:02   390MB         |   100% done - 33 rays/pixel");
        std::thread::sleep(Duration::from_millis(ms));
        if let Err(e) = std::fs::create_dir_all(&rd)
            .and_then(|_| std::fs::write(&path, exr_bytes()))
        {
            println!(
                "00:00:02   391MB ERROR   | [driver_exr] can't open file `{}': {e}",
                path.display()
            );
            return 211;
        }
        // Arnold's driver line (what src/progress/arnold.rs reads)
        println!(
            "00:00:02   391MB         | [driver_exr] writing file `{}'",
            path.display()
        );
        // "render done" is matched by Deadline's MayaBatch plugin (MayaPype.py)
        println!("00:00:02   391MB         | render done in 0:00.020");
        flush();
    }
    0
}

fn usage(msg: &str) -> i32 {
    println!("Error: {msg}");
    println!("Usage: Render [options] filename");
    flush();
    206
}

fn flush() {
    let _ = std::io::stdout().flush();
}

fn append_line(var: &str, line: &str) {
    if let Some(p) = std::env::var_os(var) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

fn append_pid() {
    append_line("BRM_FAKE_PIDS", &std::process::id().to_string());
}

fn record(args: &[String]) {
    append_line(
        "BRM_FAKE_RECORD",
        &format!(
            "start\tpid={}\terror_mode={}\tconsole={}\targs={}",
            std::process::id(),
            brm_windows_tests::error_mode(),
            u8::from(brm_windows_tests::has_console_window()),
            args.join("\x1f")
        ),
    );
}

/// A whole one-pixel scan-line OpenEXR (openexr.com "OpenEXR File Layout"): brm checks
/// frames for completeness by this structure, so the fake writes what a renderer writes.
fn exr_bytes() -> Vec<u8> {
    fn attr(out: &mut Vec<u8>, name: &str, ty: &str, value: &[u8]) {
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        out.extend_from_slice(ty.as_bytes());
        out.push(0);
        out.extend_from_slice(&(value.len() as i32).to_le_bytes());
        out.extend_from_slice(value);
    }
    let mut f = vec![0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
    let mut ch = b"R\0".to_vec();
    for v in [1i32, 0, 1, 1] {
        ch.extend_from_slice(&v.to_le_bytes());
    }
    ch.push(0);
    attr(&mut f, "channels", "chlist", &ch);
    attr(&mut f, "compression", "compression", &[0]);
    attr(&mut f, "dataWindow", "box2i", &[0u8; 16]);
    attr(&mut f, "displayWindow", "box2i", &[0u8; 16]);
    attr(&mut f, "lineOrder", "lineOrder", &[0]);
    attr(&mut f, "pixelAspectRatio", "float", &1.0f32.to_le_bytes());
    attr(&mut f, "screenWindowCenter", "v2f", &[0u8; 8]);
    attr(&mut f, "screenWindowWidth", "float", &1.0f32.to_le_bytes());
    attr(&mut f, "comments", "string", b"brm fake arnold image");
    f.push(0);
    let chunk_at = (f.len() + 8) as u64;
    f.extend_from_slice(&chunk_at.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes());
    f.extend_from_slice(&2i32.to_le_bytes());
    f.extend_from_slice(&[0x00, 0x3c]);
    f
}
