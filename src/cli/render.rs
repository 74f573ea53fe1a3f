//! `brm render SCENE …`: submit a job to the agent; with `--wait`, follow it to the end with
//! a progress bar on a terminal (plain lines otherwise) and say where the frames are.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use brm::client::{Client, ClientOptions};
use brm::frames::FrameSpec;
use brm::plan::{GpuChoice, JobSpec, Method, Order};
use brm::protocol::jobs::JobState;

/// What to render and how: the flags `brm render` and `brm farm submit` share, turned into
/// a job spec in one place (`spec`). Flags that mean something only on the workstation (or
/// only on the farm) live in `RenderArgs` (or the farm's `SubmitArgs`).
#[derive(clap::Args)]
pub struct JobArgs {
    /// The scene: .ma/.mb render with Maya, .blend with Blender. It is snapshotted first.
    pub scene: PathBuf,
    /// Render layer (repeatable; default: all renderable layers).
    #[arg(long = "layer", short = 'l')]
    pub layers: Vec<String>,
    /// Frames, e.g. 1-100x5,200 (default: the scene's range).
    #[arg(long, short = 'f', allow_hyphen_values = true)]
    pub frames: Option<String>,
    /// auto | mayapy-custom | render | mayapy-basic | blender
    #[arg(long, default_value = "auto")]
    pub method: String,
    /// Renderer (default: the scene's).
    #[arg(long)]
    pub renderer: Option<String>,
    /// Camera to render.
    #[arg(long)]
    pub camera: Option<String>,
    /// Frames per task (default: automatic).
    #[arg(long)]
    pub chunk: Option<u32>,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub priority: i32,
    /// sequential | interleaved (coarse to fine)
    #[arg(long, default_value = "sequential")]
    pub order: String,
    /// Maximum seconds per task.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Maximum seconds without log output before a task counts as stalled.
    #[arg(long)]
    pub silence_timeout: Option<u64>,
    /// Retries of the remaining frames after a task fails part-way.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Job name (default: the scene's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Image name pattern (tokens <Scene>, <RenderLayer>, <Camera>).
    #[arg(long)]
    pub image_pattern: Option<String>,
    /// Print the job id (or, with --wait, the final job) as JSON.
    #[arg(long)]
    pub json: bool,
}

impl JobArgs {
    /// The job spec these flags ask for, with the GPU choice and output folder of the
    /// command's own flags. Every value is checked here, before anything is submitted.
    pub fn spec(&self, gpu: &str, output: Option<PathBuf>) -> brm::Result<JobSpec> {
        let mut spec = JobSpec::new(self.scene.clone());
        spec.name = self.name.clone();
        spec.layers = self.layers.clone();
        spec.gpu = gpu.parse::<GpuChoice>()?;
        spec.method = self.method.parse::<Method>()?;
        spec.renderer = self.renderer.clone();
        spec.camera = self.camera.clone();
        spec.output_dir = output;
        spec.image_pattern = self.image_pattern.clone();
        spec.chunk_size = self.chunk.filter(|c| *c > 0);
        spec.priority = self.priority;
        spec.order = self.order.parse::<Order>()?;
        spec.task_timeout_s = self.timeout;
        spec.silence_timeout_s = self.silence_timeout;
        spec.max_retries = self.retries;
        // Parsed once, here at the edge; everything behind holds the parsed spec.
        spec.frames = self.frames.as_deref().map(FrameSpec::parse).transpose()?;
        Ok(spec)
    }
}

/// `brm render`: the shared flags and those of a workstation render.
#[derive(clap::Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub job: JobArgs,
    /// GPU: N, N,M, a UUID, auto (idle card with most free memory; GPU 0 is left to the artist) or cpu.
    #[arg(long, default_value = "auto")]
    pub gpu: String,
    /// Output directory (default: for a .blend, the folder of its Output path (`//` = beside
    /// the artist's .blend) unless that is Blender's default /tmp/; for a Maya scene inside a
    /// project with a workspace.mel, the project's images folder; else a folder of the job's
    /// own, `renders/job-N` in brm's state folder. Printed at submit, with a warning when
    /// frames there will be overwritten).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Never render in a warm session: every chunk starts its own renderer and loads the
    /// scene itself (default: chunks reuse a session that has this scene loaded).
    #[arg(long)]
    pub cold: bool,
    /// Follow the job until it ends.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: print the renderer's output too, not only brm's notes.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Start only once job N is done (it fails, saying why, if job N fails or is cancelled).
    #[arg(long, value_name = "N")]
    pub after: Option<u64>,
}

pub fn run(a: RenderArgs) -> brm::Result<i32> {
    let mut spec = a.job.spec(&a.gpu, a.output.clone())?;
    spec.cold = a.cold;
    spec.after = a.after;
    let mut client = Client::connect(ClientOptions::default())?;
    let id = client.submit(spec)?;
    // Say where the frames go (the default is not obvious: the Maya project's images folder,
    // else brm's renders folder), before any waiting.
    let json = a.job.json;
    if !json {
        if let Ok(s) = client.status(id) {
            let dirs = if s.output_dirs.is_empty() {
                vec![s.output_dir.clone()]
            } else {
                s.output_dirs.clone()
            };
            for d in dirs {
                errln!("job {id}: frames go to {d}");
            }
            // Frames it will overwrite, another live job writing the same files: said now,
            // before anything renders (machine-wide warnings are said once, elsewhere).
            for w in s
                .warnings
                .iter()
                .filter(|w| w.contains("overwrite") || w.contains("writes the same files"))
            {
                errln!("warning: {w}");
            }
        }
    }
    if !a.wait {
        if json {
            outln!("{}", serde_json::json!({ "id": id }));
        } else {
            outln!("{id}");
            errln!(
                "job {id} submitted; follow it with `brm log {id} --follow` or `brm status {id}`"
            );
        }
        return Ok(0);
    }
    follow(&mut client, id, a.verbose, json)
}

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Ctrl-C while following stops the *following*, not the render (it belongs to the agent).
fn catch_interrupt() {
    #[cfg(unix)]
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        );
    }
}

/// Follow a job to its end: log lines, a progress bar on a terminal, a closing summary.
/// Returns 0 when every frame rendered, 1 otherwise.
pub fn follow(client: &mut Client, id: u64, verbose: bool, json: bool) -> brm::Result<i32> {
    catch_interrupt();
    let tty = std::io::stderr().is_terminal() && !json;
    let bar = if tty {
        let b = indicatif::ProgressBar::new(1);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} job {prefix} [{bar:30}] {pos}/{len} frames  elapsed {elapsed_precise}  {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix(id.to_string());
        Some(b)
    } else {
        None
    };
    let mut after = 0u64;
    let mut last_done = u64::MAX;
    loop {
        // Without --verbose only brm's notes are shown: ask for those alone, so following a
        // render that prints gigabytes costs nothing.
        let page = client.logs_of(id, after, 1000, (!verbose).then_some(1))?;
        for l in &page.lines {
            if l.stream == 1 || verbose {
                let text = if l.stream == 1 {
                    format!("[brm] {}", l.text)
                } else {
                    l.text.clone()
                };
                match &bar {
                    Some(b) => b.println(text),
                    None if !json => errln!("{text}"),
                    None => {}
                }
            }
        }
        let progressed = page.next_seq != after;
        after = page.next_seq;
        let s = client.status(id)?;
        if let Some(b) = &bar {
            b.set_length(s.frames_total.max(1));
            b.set_position(s.frames_done);
            b.set_message(match s.state {
                JobState::Running => format!("ETA {}", super::fmt::eta(s.eta_s)),
                st => st.as_str().to_string(),
            });
        } else if s.frames_done != last_done && !json {
            errln!(
                "job {id}: {}/{} frames ({})",
                s.frames_done,
                s.frames_total,
                s.state.as_str()
            );
        }
        last_done = s.frames_done;
        if s.state.is_final() && page.complete {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            break;
        }
        if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            if let Some(b) = &bar {
                b.abandon();
            }
            errln!(
                "stopped following job {id}; it goes on in the brm agent. \
                 Follow it again with `brm log {id} --follow`, stop it with `brm cancel {id}`"
            );
            return Ok(130);
        }
        if !progressed {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let detail = client.job(id)?;
    let s = &detail.summary;
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&detail).unwrap_or_default()
        );
    } else {
        outln!(
            "job {id} {}: {}/{} frames rendered into {}",
            s.state.as_str(),
            detail.frames_done_list.len(),
            s.frames_total,
            s.output_dir
        );
        for t in &detail.tasks {
            let layer = super::fmt::layer(&t.layer);
            outln!(
                "  task {} {layer}: {} ({}/{} frames) in {}",
                t.index,
                t.state.as_str(),
                t.frames_done.len(),
                t.frames.len(),
                t.output_dir
            );
        }
        if !detail.frames_missing.is_empty() {
            outln!(
                "  missing frames: {}",
                brm::frames::FrameSet::from_frames(detail.frames_missing.iter().copied()).compact()
            );
        }
        if let Some(e) = &s.error {
            outln!("  error: {e}");
        }
        outln!("  log: {}", s.log_path);
    }
    Ok(if s.state == JobState::Done { 0 } else { 1 })
}
