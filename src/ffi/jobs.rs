//! C ABI for jobs: the client handle, the job-spec builder, submit, status, logs, wait,
//! cancel, retry and snapshot cleanup. Thin wrappers over [`crate::client::Client`].

use std::ffi::{c_char, CString};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use super::{
    arg_mut, arg_ref, arg_str, brm_result, check_out, guard, to_c_string, write_out, FfiError,
};
use crate::client::{Client, ClientOptions};
use crate::frames::FrameSpec;
use crate::plan::{GpuChoice, JobSpec, Method, Order};
use crate::protocol::jobs::{JobSummary, LogRecord};

/// A connection to the per-user agent. Safe to use from several threads (calls serialize).
pub struct brm_client {
    inner: Mutex<Client>,
}

/// A job description being built with the `brm_job_spec_set_*` functions.
pub struct brm_job_spec {
    pub(crate) spec: JobSpec,
    /// Variables set with `brm_job_spec_set_env`, applied on top of the captured environment.
    pub(crate) extra_env: Vec<(String, String)>,
}

/// A page of log lines returned by `brm_poll_logs`.
pub struct brm_log_batch {
    lines: Vec<(LogRecord, CString)>,
    next_seq: u64,
    complete: bool,
}

/// States of a job (`brm_job_info.state`, `brm_wait`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum brm_job_state {
    BRM_JOB_QUEUED = 0,
    BRM_JOB_RUNNING = 1,
    BRM_JOB_DONE = 2,
    BRM_JOB_FAILED = 3,
    BRM_JOB_CANCELLED = 4,
    BRM_JOB_PAUSED = 5,
}

/// A job's status. The caller sets `struct_size = sizeof(brm_job_info)` before the call, so
/// later versions can grow the struct without breaking older callers.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct brm_job_info {
    pub struct_size: u32,
    pub job_id: u64,
    /// A `brm_job_state` value.
    pub state: u32,
    pub frames_total: u64,
    pub frames_done: u64,
    pub frames_failed: u64,
    /// 0..1
    pub progress: f64,
    pub tasks_total: u32,
    pub tasks_running: u32,
    pub tasks_done: u32,
    pub tasks_failed: u32,
    /// Unix milliseconds; 0 = not yet.
    pub submitted_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    /// Seconds until the job is done (measured frame times, renderer percent); -1 = unknown.
    /// Added in ABI 1 additively: callers built before it pass a smaller `struct_size`.
    pub eta_s: i64,
}

/// One log line, borrowed from its `brm_log_batch` (valid until the batch is freed).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct brm_log_line {
    pub seq: u64,
    /// 0 = renderer output (stdout and stderr), 1 = brm's own notes.
    pub stream: u32,
    /// Unix milliseconds when brm read the line.
    pub time_ms: i64,
    /// NUL-terminated UTF-8 text, `text_len` bytes without the NUL.
    pub text: *const c_char,
    pub text_len: usize,
}

pub(super) fn with_client<T>(
    c: &brm_client,
    f: impl FnOnce(&mut Client) -> crate::Result<T>,
) -> Result<T, FfiError> {
    let mut guard = c.inner.lock().map_err(|_| {
        FfiError::new(
            brm_result::BRM_ERR_INTERNAL,
            "client lock poisoned by an earlier panic; free this client and make a new one",
        )
    })?;
    f(&mut guard).map_err(FfiError::from)
}

/// Connect to the per-user agent, starting it when it is not running.
///
/// `options_json` may be NULL (defaults) or a JSON object with optional keys `autostart`
/// (bool, default true), `agent_path` (the `brm` executable; default `BRM_AGENT`, else beside
/// the library), `home` (like `BRM_HOME`), `connect_timeout_ms`, `request_timeout_ms` (the
/// longest wait for any answer, default `BRM_REQUEST_TIMEOUT_MS` or 30000: a stopped agent
/// gives `BRM_ERR_UNAVAILABLE` instead of blocking). Free with `brm_client_free`.
///
/// # Safety
/// `options_json` NULL or a NUL-terminated string; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_client_new(
    options_json: *const c_char,
    out: *mut *mut brm_client,
) -> brm_result {
    guard(|| {
        check_out(out, "out")?;
        let opts = if options_json.is_null() {
            ClientOptions::default()
        } else {
            ClientOptions::from_json(arg_str(options_json, "options_json")?)?
        };
        let client = Client::connect(opts)?;
        write_out(
            out,
            Box::into_raw(Box::new(brm_client {
                inner: Mutex::new(client),
            })),
        );
        Ok(())
    })
}

/// Free a client (NULL is a no-op). Renders keep running in the agent.
///
/// # Safety
/// `c` NULL or a client from `brm_client_new`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn brm_client_free(c: *mut brm_client) {
    if !c.is_null() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(Box::from_raw(c))));
    }
}

/// A new, empty job spec: no scene yet, all layers, the scene's frames, GPU auto, method auto.
///
/// # Safety
/// `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_new(out: *mut *mut brm_job_spec) -> brm_result {
    guard(|| {
        check_out(out, "out")?;
        let spec = brm_job_spec {
            spec: JobSpec::new(PathBuf::new()),
            extra_env: Vec::new(),
        };
        write_out(out, Box::into_raw(Box::new(spec)));
        Ok(())
    })
}

/// Free a job spec (NULL is a no-op).
///
/// # Safety
/// `s` NULL or a spec from `brm_job_spec_new`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_free(s: *mut brm_job_spec) {
    if !s.is_null() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(Box::from_raw(s))));
    }
}

unsafe fn set_str(
    s: *mut brm_job_spec,
    v: *const c_char,
    what: &str,
    f: impl FnOnce(&mut brm_job_spec, &str) -> Result<(), FfiError>,
) -> brm_result {
    guard(|| {
        let spec = arg_mut(s, "spec")?;
        let v = arg_str(v, what)?;
        f(spec, v)
    })
}

fn non_empty(v: &str, what: &str) -> Result<(), FfiError> {
    if v.trim().is_empty() {
        Err(FfiError::invalid(format!("{what} is empty; pass a value")))
    } else {
        Ok(())
    }
}

/// The scene to render (`.ma`, `.mb`, `.blend`). Unless it is already a brm snapshot,
/// `brm_submit` snapshots it first, so the file may keep changing afterwards.
///
/// # Safety
/// `s` a live spec; `path` a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_scene(
    s: *mut brm_job_spec,
    path: *const c_char,
) -> brm_result {
    set_str(s, path, "path", |s, v| {
        non_empty(v, "scene path")?;
        s.spec.scene = PathBuf::from(v);
        Ok(())
    })
}

/// The artist's own scene when `set_scene` names a snapshot (used for `<Scene>` in names).
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_source_scene(
    s: *mut brm_job_spec,
    path: *const c_char,
) -> brm_result {
    set_str(s, path, "path", |s, v| {
        non_empty(v, "source scene path")?;
        s.spec.source_scene = Some(PathBuf::from(v));
        Ok(())
    })
}

/// A display name for the job.
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_name(
    s: *mut brm_job_spec,
    name: *const c_char,
) -> brm_result {
    set_str(s, name, "name", |s, v| {
        s.spec.name = Some(v.to_string());
        Ok(())
    })
}

/// Add a render layer (Render Setup name, `rs_` node name, or "masterLayer"). None added =
/// all renderable layers.
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_add_layer(
    s: *mut brm_job_spec,
    layer: *const c_char,
) -> brm_result {
    set_str(s, layer, "layer", |s, v| {
        non_empty(v, "layer name")?;
        if !s.spec.layers.iter().any(|l| l == v) {
            s.spec.layers.push(v.to_string());
        }
        Ok(())
    })
}

/// The frames, in brm's frame-set syntax (`1-100x5,200`); checked now.
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_frames(
    s: *mut brm_job_spec,
    spec: *const c_char,
) -> brm_result {
    set_str(s, spec, "spec", |s, v| {
        s.spec.frames = Some(FrameSpec::parse(v)?);
        Ok(())
    })
}

/// GPU choice: "auto" (idle card with most free memory, GPU 0 left to the artist), "cpu",
/// an index ("1"), a list ("1,2") or a UUID ("GPU-…").
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_gpu(
    s: *mut brm_job_spec,
    gpu: *const c_char,
) -> brm_result {
    set_str(s, gpu, "gpu", |s, v| {
        s.spec.gpu = v
            .parse::<GpuChoice>()
            .map_err(|e| FfiError::from(crate::Error::from(e)))?;
        Ok(())
    })
}

/// Method: "auto", "mayapy-custom", "render", "mayapy-basic" or "blender".
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_method(
    s: *mut brm_job_spec,
    method: *const c_char,
) -> brm_result {
    set_str(s, method, "method", |s, v| {
        s.spec.method = v
            .parse::<Method>()
            .map_err(|e| FfiError::from(crate::Error::from(e)))?;
        Ok(())
    })
}

/// Renderer name as Maya knows it ("arnold", "redshift", "vray", "renderman", "mayaSoftware",
/// "mayaHardware2"); default: the scene's current renderer.
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_renderer(
    s: *mut brm_job_spec,
    renderer: *const c_char,
) -> brm_result {
    set_str(s, renderer, "renderer", |s, v| {
        non_empty(v, "renderer")?;
        s.spec.renderer = Some(v.to_string());
        Ok(())
    })
}

/// Output directory (layer subfolders are made inside).
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_output_dir(
    s: *mut brm_job_spec,
    dir: *const c_char,
) -> brm_result {
    set_str(s, dir, "dir", |s, v| {
        non_empty(v, "output directory")?;
        s.spec.output_dir = Some(PathBuf::from(v));
        Ok(())
    })
}

/// Camera to render (default: the scene's renderable camera).
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_camera(
    s: *mut brm_job_spec,
    camera: *const c_char,
) -> brm_result {
    set_str(s, camera, "camera", |s, v| {
        non_empty(v, "camera")?;
        s.spec.camera = Some(v.to_string());
        Ok(())
    })
}

/// Frames per task (0 = automatic: a few tasks per slot, never one process per frame).
///
/// # Safety
/// `s` a live spec.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_chunk_size(
    s: *mut brm_job_spec,
    frames: u32,
) -> brm_result {
    guard(|| {
        arg_mut(s, "spec")?.spec.chunk_size = (frames > 0).then_some(frames);
        Ok(())
    })
}

/// Priority: higher runs first; equal priorities run in submission order.
///
/// # Safety
/// `s` a live spec.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_priority(
    s: *mut brm_job_spec,
    priority: i32,
) -> brm_result {
    guard(|| {
        arg_mut(s, "spec")?.spec.priority = priority;
        Ok(())
    })
}

/// Render order: "sequential" (default) or "interleaved" (coarse to fine).
///
/// # Safety
/// As `brm_job_spec_set_scene`.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_order(
    s: *mut brm_job_spec,
    order: *const c_char,
) -> brm_result {
    set_str(s, order, "order", |s, v| {
        s.spec.order = v
            .parse::<Order>()
            .map_err(|e| FfiError::from(crate::Error::from(e)))?;
        Ok(())
    })
}

/// Timeouts in seconds: a task's maximum run time and its maximum log silence (0 = none).
///
/// # Safety
/// `s` a live spec.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_timeouts(
    s: *mut brm_job_spec,
    task_timeout_s: u64,
    silence_timeout_s: u64,
) -> brm_result {
    guard(|| {
        let s = arg_mut(s, "spec")?;
        s.spec.task_timeout_s = (task_timeout_s > 0).then_some(task_timeout_s);
        s.spec.silence_timeout_s = (silence_timeout_s > 0).then_some(silence_timeout_s);
        Ok(())
    })
}

/// Set an environment variable for the render, on top of this process's environment (which
/// travels with the job, minus display/session variables).
///
/// # Safety
/// `s` a live spec; `name`, `value` NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn brm_job_spec_set_env(
    s: *mut brm_job_spec,
    name: *const c_char,
    value: *const c_char,
) -> brm_result {
    guard(|| {
        let s = arg_mut(s, "spec")?;
        let name = arg_str(name, "name")?;
        let value = arg_str(value, "value")?;
        if name.is_empty() || name.contains('=') {
            return Err(FfiError::invalid(format!(
                "environment variable name '{name}' is empty or contains '='"
            )));
        }
        s.extra_env.retain(|(k, _)| k != name);
        s.extra_env.push((name.to_string(), value.to_string()));
        Ok(())
    })
}

/// Submit a job; `*out_job_id` receives its id.
///
/// # Safety
/// `c`, `s` live handles; `out_job_id` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_submit(
    c: *mut brm_client,
    s: *const brm_job_spec,
    out_job_id: *mut u64,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let s = arg_ref(s, "spec")?;
        check_out(out_job_id, "out_job_id")?;
        if s.spec.scene.as_os_str().is_empty() {
            return Err(FfiError::invalid(
                "the job spec has no scene; call brm_job_spec_set_scene first",
            ));
        }
        let mut spec = s.spec.clone();
        let mut env = crate::submit::env::capture_env();
        for (k, v) in &s.extra_env {
            env.retain(|(ek, _)| ek != k);
            env.push((k.clone(), v.clone()));
        }
        spec.env = env;
        let id = with_client(c, |cl| cl.submit(spec))?;
        write_out(out_job_id, id);
        Ok(())
    })
}

fn info_of(s: &JobSummary) -> brm_job_info {
    brm_job_info {
        struct_size: std::mem::size_of::<brm_job_info>() as u32,
        job_id: s.id,
        state: s.state.code(),
        frames_total: s.frames_total,
        frames_done: s.frames_done,
        frames_failed: s.frames_failed,
        progress: s.progress,
        tasks_total: s.tasks_total,
        tasks_running: s.tasks_running,
        tasks_done: s.tasks_done,
        tasks_failed: s.tasks_failed,
        submitted_ms: s.submitted_ms,
        started_ms: s.started_ms,
        finished_ms: s.finished_ms,
        eta_s: s.eta_s.map_or(-1, |e| i64::try_from(e).unwrap_or(i64::MAX)),
    }
}

/// A job's status. Set `out->struct_size = sizeof(brm_job_info)` first; smaller values
/// (an older caller) get only the fields that fit.
///
/// # Safety
/// `c` a live client; `out` valid for `out->struct_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn brm_job_status(
    c: *mut brm_client,
    job_id: u64,
    out: *mut brm_job_info,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        check_out(out, "out")?;
        let size = (*out).struct_size as usize;
        let min = std::mem::offset_of!(brm_job_info, state) + std::mem::size_of::<u32>();
        if size < min {
            return Err(FfiError::invalid(format!(
                "out->struct_size is {size}; set it to sizeof(brm_job_info) ({})",
                std::mem::size_of::<brm_job_info>()
            )));
        }
        let s = with_client(c, |cl| cl.status(job_id))?;
        let info = info_of(&s);
        let n = size.min(std::mem::size_of::<brm_job_info>());
        std::ptr::copy_nonoverlapping(&info as *const brm_job_info as *const u8, out as *mut u8, n);
        (*out).struct_size = n as u32;
        Ok(())
    })
}

/// All jobs as a JSON array (free with `brm_string_free`).
///
/// # Safety
/// `c` a live client; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_jobs_json(c: *mut brm_client, out: *mut *mut c_char) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        check_out(out, "out")?;
        let jobs = with_client(c, |cl| cl.jobs())?;
        let s = serde_json::to_string(&jobs)
            .map_err(|e| FfiError::new(brm_result::BRM_ERR_INTERNAL, e.to_string()))?;
        write_out(out, to_c_string(&s));
        Ok(())
    })
}

/// One job in detail as JSON: status, `log_path`, `output_dir`, tasks, `frames_done_list`,
/// `frames_missing`, `files` (free with `brm_string_free`).
///
/// # Safety
/// `c` a live client; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_job_json(
    c: *mut brm_client,
    job_id: u64,
    out: *mut *mut c_char,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        check_out(out, "out")?;
        let job = with_client(c, |cl| cl.job(job_id))?;
        let s = serde_json::to_string(&job)
            .map_err(|e| FfiError::new(brm_result::BRM_ERR_INTERNAL, e.to_string()))?;
        write_out(out, to_c_string(&s));
        Ok(())
    })
}

/// Log lines of a job with `seq > after_seq`, at most `max_lines` (non-blocking; an empty
/// batch when nothing is new). Pass `brm_log_batch_next_seq` as `after_seq` next time: no
/// line is lost or repeated, also across agent restarts.
///
/// # Safety
/// `c` a live client; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_poll_logs(
    c: *mut brm_client,
    job_id: u64,
    after_seq: u64,
    max_lines: u32,
    out: *mut *mut brm_log_batch,
) -> brm_result {
    brm_poll_logs_stream(c, job_id, after_seq, max_lines, BRM_LOG_ALL_STREAMS, out)
}

/// Every stream, for `brm_poll_logs_stream`.
pub const BRM_LOG_ALL_STREAMS: u32 = u32::MAX;

/// Like `brm_poll_logs`, only the lines of `stream`: 0 the render's output, 1 brm's own notes
/// (task started, fallback, retries, verification), `BRM_LOG_ALL_STREAMS` all. The batch's
/// next sequence number moves past the lines left out, so following brm's notes never
/// transfers a render's flood of output.
///
/// # Safety
/// `c` a live client; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_poll_logs_stream(
    c: *mut brm_client,
    job_id: u64,
    after_seq: u64,
    max_lines: u32,
    stream: u32,
    out: *mut *mut brm_log_batch,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        check_out(out, "out")?;
        if max_lines == 0 {
            return Err(FfiError::invalid(
                "max_lines is 0; ask for at least one line",
            ));
        }
        let filter = match stream {
            0 | 1 => Some(stream),
            BRM_LOG_ALL_STREAMS => None,
            other => {
                return Err(FfiError::invalid(format!(
                    "stream {other} does not exist; use 0 (render output), 1 (brm's notes) or BRM_LOG_ALL_STREAMS"
                )))
            }
        };
        let page = with_client(c, |cl| cl.logs_of(job_id, after_seq, max_lines, filter))?;
        let lines = page
            .lines
            .into_iter()
            .map(|l| {
                let text = CString::new(l.text.replace('\0', "\u{FFFD}")).unwrap_or_default();
                (l, text)
            })
            .collect();
        let batch = brm_log_batch {
            lines,
            next_seq: page.next_seq,
            complete: page.complete,
        };
        write_out(out, Box::into_raw(Box::new(batch)));
        Ok(())
    })
}

/// Number of lines in a batch (0 for NULL).
///
/// # Safety
/// `b` NULL or a live batch.
#[no_mangle]
pub unsafe extern "C" fn brm_log_batch_len(b: *const brm_log_batch) -> usize {
    b.as_ref().map(|b| b.lines.len()).unwrap_or(0)
}

/// Line `i` of a batch; its text stays valid until the batch is freed.
///
/// # Safety
/// `b` a live batch; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_log_batch_line(
    b: *const brm_log_batch,
    i: usize,
    out: *mut brm_log_line,
) -> brm_result {
    guard(|| {
        let b = arg_ref(b, "batch")?;
        check_out(out, "out")?;
        let (rec, text) = b.lines.get(i).ok_or_else(|| {
            FfiError::invalid(format!(
                "line index {i} is out of range (batch has {} lines)",
                b.lines.len()
            ))
        })?;
        write_out(
            out,
            brm_log_line {
                seq: rec.seq,
                stream: rec.stream,
                time_ms: rec.time_ms,
                text: text.as_ptr(),
                text_len: text.as_bytes().len(),
            },
        );
        Ok(())
    })
}

/// The `after_seq` to pass to the next `brm_poll_logs` (0 for NULL).
///
/// # Safety
/// `b` NULL or a live batch.
#[no_mangle]
pub unsafe extern "C" fn brm_log_batch_next_seq(b: *const brm_log_batch) -> u64 {
    b.as_ref().map(|b| b.next_seq).unwrap_or(0)
}

/// True when the job has finished and this batch reached the end of its log.
///
/// # Safety
/// `b` NULL or a live batch.
#[no_mangle]
pub unsafe extern "C" fn brm_log_batch_complete(b: *const brm_log_batch) -> bool {
    b.as_ref().map(|b| b.complete).unwrap_or(false)
}

/// Free a batch (NULL is a no-op).
///
/// # Safety
/// `b` NULL or a batch from `brm_poll_logs`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn brm_log_batch_free(b: *mut brm_log_batch) {
    if !b.is_null() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(Box::from_raw(b))));
    }
}

/// Wait up to `timeout_ms` for the job to finish; `*out_state` gets its final state.
/// Returns `BRM_ERR_TIMEOUT` if it is still going (keep GUI threads' timeouts short).
///
/// # Safety
/// `c` a live client; `out_state` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_wait(
    c: *mut brm_client,
    job_id: u64,
    timeout_ms: u32,
    out_state: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let state = with_client(c, |cl| {
            cl.wait(job_id, Duration::from_millis(timeout_ms as u64))
        })?;
        if !out_state.is_null() {
            write_out(out_state, state.code());
        }
        Ok(())
    })
}

/// Cancel a job: TERM to its renders' process groups, KILL after `grace_ms` (0 = the
/// agent's default). Idempotent: cancelling a finished job succeeds and changes nothing.
///
/// # Safety
/// `c` a live client.
#[no_mangle]
pub unsafe extern "C" fn brm_cancel(c: *mut brm_client, job_id: u64, grace_ms: u32) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let grace = (grace_ms > 0).then(|| Duration::from_millis(grace_ms as u64));
        with_client(c, |cl| cl.cancel(job_id, grace))?;
        Ok(())
    })
}

/// Queue a failed or cancelled job's unfinished frames again.
///
/// # Safety
/// `c` a live client.
#[no_mangle]
pub unsafe extern "C" fn brm_retry(c: *mut brm_client, job_id: u64) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        with_client(c, |cl| cl.retry(job_id))?;
        Ok(())
    })
}

/// Apply snapshot retention now (keep the latest 5, delete older than 24 h, never one a
/// queued or running job uses); `*out_removed` (may be NULL) gets how many were deleted.
///
/// # Safety
/// `c` a live client; `out_removed` NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn brm_cleanup_snapshots(
    c: *mut brm_client,
    out_removed: *mut u32,
) -> brm_result {
    guard(|| {
        let c = arg_ref(c, "client")?;
        let removed = with_client(c, |cl| cl.cleanup())?;
        if !out_removed.is_null() {
            write_out(out_removed, removed.len() as u32);
        }
        Ok(())
    })
}
