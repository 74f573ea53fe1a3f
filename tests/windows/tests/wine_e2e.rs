//! brm.exe end to end on Windows (run under Wine by scripts/test-wine.sh; on a real Windows
//! the same `cargo test --target x86_64-pc-windows-gnu` runs them natively).
//!
//! Real brm.exe, real named pipe, real Job Objects, real processes; Maya is the fake
//! `Render.exe` / `mayapy.exe` of this package, installed where Autodesk installs Maya
//! (`C:\Program Files\Autodesk\Maya2025\bin`) so brm's own lookup has to find it. Each test
//! has its own BRM_HOME, hence its own agent and pipe.

#![cfg(windows)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use brm_windows_tests::process_running;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");
const FAKE_RENDER: &str = env!("CARGO_BIN_EXE_Render");
const FAKE_MAYAPY: &str = env!("CARGO_BIN_EXE_mayapy");

/// A path cargo gave as a Unix path (it runs on Linux) as the Windows path Wine maps it to
/// (`Z:` is the Unix root); Windows paths pass unchanged.
fn win(p: &str) -> PathBuf {
    if p.starts_with('/') {
        PathBuf::from(format!("Z:{}", p.replace('/', "\\")))
    } else {
        PathBuf::from(p)
    }
}

fn brm_exe() -> PathBuf {
    match std::env::var("BRM_WINE_BRM") {
        Ok(p) if !p.is_empty() => win(&p),
        _ => win(MANIFEST).join(r"..\..\target\x86_64-pc-windows-gnu\debug\brm.exe"),
    }
}

/// The fake Maya 2025, installed in Program Files once per run (a render of another test may
/// be running it: a file in use cannot be replaced on Windows).
fn install_fake_maya() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let program_files =
            std::env::var("ProgramFiles").unwrap_or_else(|_| r"C:\Program Files".into());
        let bin = Path::new(&program_files).join(r"Autodesk\Maya2025\bin");
        std::fs::create_dir_all(&bin).unwrap();
        for (src, name) in [(FAKE_RENDER, "Render.exe"), (FAKE_MAYAPY, "mayapy.exe")] {
            let dst = bin.join(name);
            let fresh = std::fs::read(win(src)).unwrap();
            if std::fs::read(&dst).is_ok_and(|old| old == fresh) {
                continue;
            }
            std::fs::write(&dst, fresh)
                .unwrap_or_else(|e| panic!("installing {}: {e}", dst.display()));
        }
        bin
    })
    .clone()
}

/// A fresh folder whose path has spaces and non-ASCII characters (scene and outputs live
/// there: the UTF-16 paths have to survive brm, the agent, the command line and the render).
fn fresh_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("brm wine ünïcødé {test} {}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Env {
    dir: PathBuf,
    vars: Vec<(String, String)>,
}

impl Env {
    fn new(test: &str) -> Env {
        install_fake_maya();
        let dir = fresh_dir(test);
        let home = dir.join("home");
        let vars = [
            ("BRM_HOME", home.display().to_string()),
            ("BRM_AGENT", brm_exe().display().to_string()),
            ("BRM_NO_NVML", "1".into()),
            (
                "BRM_NVIDIA_SMI",
                dir.join("no-nvidia-smi.exe").display().to_string(),
            ),
            ("BRM_AGENT_IDLE_S", "60".into()),
            ("BRM_TICK_MS", "10".into()),
            ("BRM_CANCEL_GRACE_MS", "1000".into()),
            (
                "BRM_FAKE_RECORD",
                dir.join("record.txt").display().to_string(),
            ),
            ("BRM_FAKE_PIDS", dir.join("pids.txt").display().to_string()),
            ("MAYA_LOCATION", String::new()),
            ("BRM_MAYA_ROOTS", String::new()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Env { dir, vars }
    }

    fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(ek, _)| ek != k);
        self.vars.push((k.into(), v.into()));
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(brm_exe());
        c.args(args).stdin(Stdio::null());
        for (k, v) in &self.vars {
            if v.is_empty() {
                c.env_remove(k);
            } else {
                c.env(k, v);
            }
        }
        c
    }

    fn brm(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.brm(args);
        assert!(
            o.status.success(),
            "brm.exe {args:?} failed ({:?}):\n{}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Submits a render of the shared cube scene, copied under a non-ASCII path with spaces.
    fn submit_cube(&self, frames: &str) -> (u64, PathBuf) {
        self.submit_cube_with(frames, "render")
    }

    fn submit_cube_with(&self, frames: &str, method: &str) -> (u64, PathBuf) {
        let scene_dir = self.dir.join("Szène 01");
        std::fs::create_dir_all(&scene_dir).unwrap();
        let scene = scene_dir.join("cube shot ü.ma");
        std::fs::copy(
            win(MANIFEST).join(r"..\..\..\shared\testdata\maya\cube__cube.ma"),
            &scene,
        )
        .expect("the shared test scene ../shared/testdata/maya/cube__cube.ma");
        let out = self.dir.join("renders ø");
        let text = self.ok(&[
            "render",
            scene.to_str().unwrap(),
            "--frames",
            frames,
            "--gpu",
            "cpu",
            "--method",
            method,
            "-o",
            out.to_str().unwrap(),
            "--json",
        ]);
        (
            json_u64(&text, "id").unwrap_or_else(|| panic!("no id in {text}")),
            out,
        )
    }

    fn state(&self, id: u64) -> String {
        let text = self.ok(&["status", &id.to_string(), "--json"]);
        json_str(&text, "state").unwrap_or_else(|| panic!("no state in {text}"))
    }

    fn wait_state(&self, id: u64, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let st = self.state(id);
            if ["done", "failed", "cancelled"].contains(&st.as_str()) || Instant::now() > deadline {
                return st;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn records(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("record.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn pids(&self) -> Vec<u32> {
        std::fs::read_to_string(self.dir.join("pids.txt"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.brm(&["agent", "stop"]);
    }
}

/// The value after `"key":` in JSON text, as a number (no JSON library in this package).
fn json_u64(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn json_str(text: &str, key: &str) -> Option<String> {
    let rest = &text[text.find(&format!("\"{key}\""))? + key.len() + 2..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

#[test]
fn frames_and_info_run_and_find_maya_in_program_files() {
    let env = Env::new("info");
    assert_eq!(
        env.ok(&["frames", "1-100x5", "--compact"]).trim(),
        "1-96x5,100"
    );
    let info = env.ok(&["info", "--json"]);
    let render = r#""C:\\Program Files\\Autodesk\\Maya2025\\bin\\Render.exe""#;
    let mayapy = r#""C:\\Program Files\\Autodesk\\Maya2025\\bin\\mayapy.exe""#;
    assert!(
        info.contains(render),
        "Render.exe not found in Program Files:\n{info}"
    );
    assert!(
        info.contains(mayapy),
        "mayapy.exe not found in Program Files:\n{info}"
    );
}

#[test]
fn agent_start_with_captured_output_returns_at_once_and_the_agent_outlives_it() {
    let env = Env::new("start");
    let mut cmd = env.cmd(&["agent", "start"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let (tx, rx) = std::sync::mpsc::channel();
    let t0 = Instant::now();
    std::thread::spawn(move || {
        let _ = tx.send(cmd.output());
    });
    // output() returns only when every copy of the pipe's write end is closed: before the
    // fix the detached agent held one until its idle exit (60 s here).
    let out = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("`brm agent start` with captured output did not return within 30 s")
        .unwrap();
    let took = t0.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    // The starter is gone; the agent answers on its pipe.
    let status = env.ok(&["agent", "status"]);
    assert!(status.contains("running"), "{status}");
    env.ok(&["agent", "stop"]);
}

#[test]
fn a_job_renders_through_the_agent_on_the_named_pipe() {
    let env = Env::new("render");
    let (id, out) = env.submit_cube("1-4");
    let st = env.wait_state(id, Duration::from_secs(90));
    let log = String::from_utf8_lossy(&env.brm(&["log", &id.to_string()]).stdout).into_owned();
    assert_eq!(st, "done", "job log:\n{log}");
    let mut images: Vec<String> = walk(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "exr"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    images.sort();
    assert_eq!(images.len(), 4, "{images:?} under {}", out.display());
    assert!(
        images[0].ends_with(".0001.exr") && images[3].ends_with(".0004.exr"),
        "{images:?}"
    );

    let jobs = env.ok(&["jobs"]);
    assert!(jobs.contains(&id.to_string()), "{jobs}");

    let starts = env.records();
    assert!(!starts.is_empty(), "the fake Render.exe never started");
    for line in &starts {
        let field = |k: &str| {
            line.split('\t')
                .find_map(|f| f.strip_prefix(&format!("{k}=")))
                .unwrap_or_default()
                .to_string()
        };
        let mode: u32 = field("error_mode").parse().unwrap();
        let quiet =
            brm_windows_tests::SEM_FAILCRITICALERRORS | brm_windows_tests::SEM_NOGPFAULTERRORBOX;
        if brm_windows_tests::under_wine() && mode & quiet != quiet {
            // Wine 8.0 starts every process with error mode 0: it does not implement the
            // inheritance Windows documents (checked with a two-line CreateProcess probe).
            // brm setting the mode on the agent is checked by its unit tests; that the render
            // inherits it only a real Windows shows (docs/ARCHITECTURE.md, "What Wine proves").
            eprintln!(
                "note: under Wine the render's error mode is {mode:#x} (Wine does not inherit it)"
            );
        } else {
            assert_eq!(
                mode & (brm_windows_tests::SEM_FAILCRITICALERRORS
                    | brm_windows_tests::SEM_NOGPFAULTERRORBOX),
                brm_windows_tests::SEM_FAILCRITICALERRORS
                    | brm_windows_tests::SEM_NOGPFAULTERRORBOX,
                "the render inherited error mode {mode:#x}: error dialogs could block it"
            );
        }
        assert_eq!(
            field("console"),
            "0",
            "the render has a console window: {line}"
        );
        let args: Vec<String> = field("args").split('\x1f').map(str::to_string).collect();
        let scene = args.last().unwrap();
        // The render reads the snapshot brm took, in this user's temp folder (BRM_HOME here).
        assert!(
            scene.contains("brm wine ünïcødé") && scene.ends_with(".ma"),
            "scene argument mangled: {scene:?}"
        );
        let rd = args
            .iter()
            .position(|a| a == "-rd")
            .map(|i| &args[i + 1])
            .unwrap();
        assert!(rd.contains("renders ø"), "output argument mangled: {rd:?}");
    }
}

#[test]
fn cancel_ends_every_process_of_the_job_also_helpers_that_ignore_close_events() {
    let mut env = Env::new("cancel");
    env.set("BRM_FAKE_CHILDREN", "3");
    env.set("BRM_FAKE_HANG", "1");
    let (id, _) = env.submit_cube("1-10");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.pids().len() < 4 {
        assert!(
            Instant::now() < deadline,
            "the fake render and its 3 helpers did not start: {:?}",
            env.pids()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pids = env.pids();
    assert!(pids.iter().all(|&p| process_running(p)), "{pids:?}");
    env.ok(&["cancel", &id.to_string()]);
    let st = env.wait_state(id, Duration::from_secs(60));
    assert_eq!(st, "cancelled");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: Vec<u32> = pids
            .iter()
            .copied()
            .filter(|&p| process_running(p))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "processes of the cancelled job still run: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_render_that_crashes_fails_its_task_instead_of_waiting_behind_a_dialog() {
    let mut env = Env::new("crash");
    env.set("BRM_FAKE_CRASH", "1");
    let t0 = Instant::now();
    let (id, _) = env.submit_cube("1-2");
    let st = env.wait_state(id, Duration::from_secs(90));
    let log = String::from_utf8_lossy(&env.brm(&["log", &id.to_string()]).stdout).into_owned();
    assert_eq!(st, "failed", "job log:\n{log}");
    assert!(
        t0.elapsed() < Duration::from_secs(60),
        "took {:?}",
        t0.elapsed()
    );
}

#[test]
fn renders_go_on_when_the_agent_is_killed_and_a_new_agent_finishes_the_job() {
    let mut env = Env::new("reattach");
    env.set("BRM_FAKE_FRAME_MS", "700");
    let (id, out) = env.submit_cube("1-6");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.records().is_empty() {
        assert!(Instant::now() < deadline, "the render did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = env.ok(&["agent", "status", "--json"]);
    let agent = json_u64(&status, "pid").unwrap_or_else(|| panic!("no pid in {status}")) as u32;
    let render = env.records()[0]
        .split('\t')
        .find_map(|f| f.strip_prefix("pid="))
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap();
    assert!(
        brm_windows_tests::kill_process(agent),
        "could not end the agent {agent}"
    );
    assert!(process_running(render), "the render died with the agent");
    // The next call starts a new agent, which finds the render by pid and start time.
    let st = env.wait_state(id, Duration::from_secs(90));
    let log = String::from_utf8_lossy(&env.brm(&["log", &id.to_string()]).stdout).into_owned();
    assert_eq!(st, "done", "job log:\n{log}");
    let images = walk(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "exr"))
        .count();
    assert_eq!(images, 6);
    assert_eq!(
        env.records().len(),
        1,
        "the render was started again: {:?}",
        env.records()
    );
}

#[test]
fn auto_falls_back_from_a_broken_mayapy_exe_to_render_exe() {
    let env = Env::new("auto");
    let (id, out) = env.submit_cube_with("1-3", "auto");
    let st = env.wait_state(id, Duration::from_secs(90));
    let log = String::from_utf8_lossy(&env.brm(&["log", &id.to_string()]).stdout).into_owned();
    assert_eq!(st, "done", "job log:\n{log}");
    let images = walk(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "exr"))
        .count();
    assert_eq!(images, 3, "job log:\n{log}");
    assert!(
        log.contains(r"Maya2025\bin\mayapy.exe") && log.contains("falling back to render"),
        "no fallback from mayapy.exe in the job log:\n{log}"
    );
}

#[test]
fn cancel_after_an_agent_restart_still_ends_the_helpers_through_the_named_job() {
    let mut env = Env::new("reattach cancel");
    env.set("BRM_FAKE_CHILDREN", "2");
    env.set("BRM_FAKE_HANG", "1");
    let (id, _) = env.submit_cube("1-10");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.pids().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the render and its helpers did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pids = env.pids();
    let status = env.ok(&["agent", "status", "--json"]);
    let agent = json_u64(&status, "pid").unwrap() as u32;
    assert!(brm_windows_tests::kill_process(agent));
    assert!(
        pids.iter().all(|&p| process_running(p)),
        "the render died with the agent"
    );
    // A new agent starts, re-attaches to the render, and cancels it: the whole job.
    env.ok(&["cancel", &id.to_string()]);
    assert_eq!(env.wait_state(id, Duration::from_secs(60)), "cancelled");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: Vec<u32> = pids
            .iter()
            .copied()
            .filter(|&p| process_running(p))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "processes of the cancelled job still run: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn renders_do_not_inherit_the_agent_log_handle() {
    use std::os::windows::fs::OpenOptionsExt;
    let mut env = Env::new("inherit");
    env.set("BRM_FAKE_HANG", "1");
    let (id, _) = env.submit_cube("1-2");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.pids().is_empty() {
        assert!(Instant::now() < deadline, "the render did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let render = env.pids()[0];
    env.ok(&["agent", "stop"]);
    let log = env.dir.join(r"home\state\agent.log");
    // With the agent gone, only a render that inherited the agent's stdout still holds its log:
    // an exclusive open (no sharing) fails with a sharing violation then.
    let deadline = Instant::now() + Duration::from_secs(20);
    let exclusive = loop {
        match std::fs::OpenOptions::new()
            .append(true)
            .share_mode(0)
            .open(&log)
        {
            Ok(f) => break Ok(f),
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => break Err(e),
        }
    };
    assert!(process_running(render), "the render stopped with the agent");
    let held = exclusive.as_ref().err().map(|e| e.to_string());
    drop(exclusive);
    env.ok(&["cancel", &id.to_string()]);
    assert_eq!(env.wait_state(id, Duration::from_secs(60)), "cancelled");
    assert_eq!(
        held,
        None,
        "the render holds the agent's log {}",
        log.display()
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
