//! The attempt runner on its own: no agent, no SQLite, no queue. What a farm node
//! (`brm task run`) or a warm session hosts. A real Blender renders a real chunk.

use std::path::Path;
use std::time::{Duration, Instant};

use brm::plan::{self, Executables, GpuSlot, JobSpec, Method};
use brm::runner::{AttemptRunner, AttemptSpec, AttemptState, Sink};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[derive(Default)]
struct Collect {
    lines: Vec<String>,
    notes: Vec<String>,
    started: Vec<(usize, u32, u64)>,
}

impl Sink for Collect {
    fn line(&mut self, text: &str) {
        self.lines.push(text.to_string());
    }
    fn note(&mut self, text: &str) {
        self.notes.push(text.to_string());
    }
    fn started(&mut self, cmd_index: usize, pid: u32, start_time: u64) {
        self.started.push((cmd_index, pid, start_time));
    }
}

/// The job's environment resolves the programs (here: this test's own environment, as a
/// client would capture it).
fn exes_for(spec: &JobSpec) -> Executables {
    let report = brm::detect::detect(&brm::detect::DetectOptions::from_env());
    Executables::for_job(
        &spec.env,
        None,
        &report,
        &Path::new(ROOT).join("maya_plugin/scripts"),
        &Path::new(ROOT).join("scripts/blender"),
    )
}

/// What an attempt of these `commands` runs, logged to `log_path`, watched without limits.
fn attempt(
    level: Method,
    renderer: Option<&str>,
    frames: Vec<i64>,
    commands: Vec<brm::run::CommandSpec>,
    log_path: std::path::PathBuf,
) -> AttemptSpec {
    AttemptSpec {
        level,
        renderer: renderer.map(str::to_string),
        frames,
        commands,
        log_path,
        task_timeout: None,
        silence_timeout: None,
        priority: brm::run::RenderPriority::NORMAL,
    }
}

fn run_to_end(r: &mut AttemptRunner, sink: &mut Collect, limit: Duration) -> Vec<AttemptState> {
    let deadline = Instant::now() + limit;
    let mut seen = vec![r.state()];
    loop {
        let st = r.poll(sink).expect("poll");
        if seen.last() != Some(&st) {
            seen.push(st);
        }
        if st == AttemptState::Exited {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "the render did not end: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_blender_chunk_renders_with_no_agent_and_no_database() {
    let out = tempfile::tempdir().unwrap();
    let mut spec = JobSpec::new(Path::new(ROOT).join("examples/shot.blend"));
    spec.layers = vec!["beauty".into()];
    spec.frames = Some("1-3".parse().unwrap());
    spec.env = brm::submit::env::capture_env();
    let exes = exes_for(&spec);
    exes.check_level(Method::Blender)
        .expect("blender is needed: run scripts/ensure-blender.sh");
    let tasks = plan::plan_tasks(&spec, None, 1, &out.path().join("images")).unwrap();
    let task = &tasks[0];
    let commands = plan::command_for(
        &spec,
        task,
        &task.frames,
        Method::Blender,
        &GpuSlot::Cpu,
        &exes,
        out.path(),
    )
    .unwrap();
    let mut sink = Collect::default();
    let mut runner = AttemptRunner::launch(
        AttemptSpec {
            task_timeout: Some(Duration::from_secs(300)),
            ..attempt(
                Method::Blender,
                Some("blender"),
                task.frames.clone(),
                commands,
                out.path().join("logs/attempt.log"),
            )
        },
        None,
        &mut sink,
    )
    .unwrap();
    assert_eq!(sink.started.len(), 1);
    let states = run_to_end(&mut runner, &mut sink, Duration::from_secs(300));
    assert_eq!(states, vec![AttemptState::Running, AttemptState::Exited]);
    // Progress came from Blender's own lines.
    assert_eq!(
        runner
            .tracker()
            .reported()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![1, 2, 3],
        "{:#?}",
        sink.lines
    );
    let mut endings = Vec::new();
    let outcome = runner.verify(task, &mut endings);
    assert_eq!(runner.state(), AttemptState::Verified);
    assert!(outcome.missing.is_empty(), "{outcome:?}");
    assert_eq!(outcome.found.len(), 3);
    assert!(outcome.fatal.is_none() && !outcome.cancelled);
    assert!(sink.notes.iter().any(|n| n.starts_with("running: ")));
    assert!(runner.offset() > 0);
}

#[test]
fn a_fatal_line_stops_a_runner_on_its_own() {
    let out = tempfile::tempdir().unwrap();
    let mut spec = JobSpec::new(Path::new(ROOT).join("examples/shot.blend"));
    spec.layers = vec!["nosuch".into()];
    spec.frames = Some("1-2".parse().unwrap());
    spec.env = brm::submit::env::capture_env();
    let exes = exes_for(&spec);
    let tasks = plan::plan_tasks(&spec, None, 1, &out.path().join("images")).unwrap();
    let task = &tasks[0];
    let commands = plan::command_for(
        &spec,
        task,
        &task.frames,
        Method::Blender,
        &GpuSlot::Cpu,
        &exes,
        out.path(),
    )
    .unwrap();
    let mut sink = Collect::default();
    let mut runner = AttemptRunner::launch(
        attempt(
            Method::Blender,
            None,
            task.frames.clone(),
            commands,
            out.path().join("attempt.log"),
        ),
        None,
        &mut sink,
    )
    .unwrap();
    run_to_end(&mut runner, &mut sink, Duration::from_secs(120));
    let outcome = runner.verify(task, &mut Vec::new());
    let fatal = outcome.fatal.expect("the setup script's fatal line");
    assert!(fatal.contains("no view layer 'nosuch'"), "{fatal}");
    assert_eq!(outcome.missing, vec![1, 2]);
}

/// A cancel stops the attempt, not only its current command: a command that ends cleanly
/// (exit 0) on the cancel's TERM must not let the next command of the attempt start (the
/// runner once started `Render`'s next arithmetic run after a cancel).
#[test]
fn a_cancelled_attempt_starts_no_further_command() {
    let out = tempfile::tempdir().unwrap();
    let marker = out.path().join("second-ran");
    let first = brm::run::CommandSpec::new("/bin/sh").args([
        "-c",
        "trap 'echo stopped; exit 0' TERM; echo first; while :; do sleep 0.05; done",
    ]);
    let second = brm::run::CommandSpec::new("/bin/sh").args([
        "-c".to_string(),
        format!("echo second > '{}'", marker.display()),
    ]);
    let mut sink = Collect::default();
    let mut runner = AttemptRunner::launch(
        attempt(
            Method::Render,
            None,
            vec![1, 2],
            vec![first, second],
            out.path().join("attempt.log"),
        ),
        None,
        &mut sink,
    )
    .unwrap();
    // Wait until the first command runs (and so has its trap set).
    let deadline = Instant::now() + Duration::from_secs(30);
    while !sink.lines.iter().any(|l| l == "first") {
        runner.poll(&mut sink).unwrap();
        assert!(Instant::now() < deadline, "the first command never printed");
        std::thread::sleep(Duration::from_millis(20));
    }
    runner.cancel(Duration::from_secs(10));
    let states = run_to_end(&mut runner, &mut sink, Duration::from_secs(30));
    assert!(states.contains(&AttemptState::Cancelling), "{states:?}");
    assert!(!marker.exists(), "the second command ran after the cancel");
    assert_eq!(sink.started.len(), 1, "{:#?}", sink.notes);
    let outcome = runner.verify(&plan_task(out.path()), &mut Vec::new());
    assert!(outcome.cancelled);
    assert_eq!(outcome.reason, "cancelled");
}

/// A task whose outputs go nowhere this test writes (only the outcome's words matter).
fn plan_task(dir: &Path) -> plan::Task {
    let mut spec = JobSpec::new(Path::new(ROOT).join("examples/shot.blend"));
    spec.frames = Some("1-2".parse().unwrap());
    plan::plan_tasks(&spec, None, 2, &dir.join("images"))
        .unwrap()
        .remove(0)
}
