//! Every `BRM_*` setting, read in one place.
//!
//! Why one module: settings read ad hoc across the crate drift apart (two defaults for one
//! knob, a name typed two ways) and no one can list them. Each setting is a function here that
//! says its name, its default and what it is for; the rest of the crate calls these and never
//! `std::env::var("BRM_…")` itself.
//!
//! Most settings are the agent's own (slots, tick, grace). Some also make sense in a *job's*
//! environment, because the job's environment decides which programs render it
//! (`BRM_MAYA_ROOTS`, `BRM_BLENDER`): those take an [`Env`] so the caller says whose
//! environment is read.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// Whose environment a setting is read from: the process's, or a job's captured one.
#[derive(Clone, Copy)]
pub enum Env<'a> {
    /// This process (`std::env`).
    Process,
    /// A job's captured environment (`JobSpec::env`), names compared case-sensitively as on
    /// Unix (and case-insensitively on Windows, where variable names are).
    Job(&'a [(String, String)]),
}

impl Env<'_> {
    /// The value of `name`, `None` when unset or empty (an empty value means "not set" for
    /// every setting brm reads).
    pub fn get(&self, name: &str) -> Option<OsString> {
        match self {
            Env::Process => std::env::var_os(name).filter(|v| !v.is_empty()),
            Env::Job(vars) => vars
                .iter()
                .rev()
                .find(|(k, _)| {
                    if cfg!(windows) {
                        k.eq_ignore_ascii_case(name)
                    } else {
                        k == name
                    }
                })
                .map(|(_, v)| OsString::from(v))
                .filter(|v| !v.is_empty()),
        }
    }

    fn num(&self, name: &str, default: u64) -> u64 {
        self.get(name)
            .and_then(|v| v.to_str().and_then(|s| s.trim().parse().ok()))
            .unwrap_or(default)
    }

    fn flag(&self, name: &str) -> bool {
        self.get(name)
            .and_then(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
            .is_some_and(|s| s == "1" || s == "true" || s == "yes")
    }
}

/// The user's home folder (`HOME`; Windows `USERPROFILE`), for `~` in paths given to brm.
pub fn home_dir() -> Option<PathBuf> {
    let var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    Env::Process.get(var).map(PathBuf::from)
}

/// `BRM_HOME`: one root for all of brm's per-user files (tests, studios moving them).
pub fn home() -> Option<PathBuf> {
    Env::Process.get("BRM_HOME").map(PathBuf::from)
}

/// `BRM_SNAPSHOT_DIR`: where scene snapshots go (default: a per-user temp folder).
pub fn snapshot_dir() -> Option<PathBuf> {
    Env::Process.get("BRM_SNAPSHOT_DIR").map(PathBuf::from)
}

/// `BRM_AGENT`: the `brm` executable to start as the agent.
pub fn agent_exe() -> Option<PathBuf> {
    Env::Process.get("BRM_AGENT").map(PathBuf::from)
}

/// `BRM_AGENT_IDLE_S` (default 900): the agent exits after this long idle; 0 = never.
pub fn agent_idle() -> Duration {
    match Env::Process.num("BRM_AGENT_IDLE_S", 900) {
        0 => Duration::MAX,
        s => Duration::from_secs(s),
    }
}

/// `BRM_RESERVE_GPU0` (default 1): GPU 0 is the artist's; batch uses 1+ unless asked.
/// `BRM_JOB_RETENTION_DAYS` (30): finished jobs and their logs older than this are
/// forgotten when the agent starts; 0 keeps them forever. Rendered frames are never removed.
/// Fractions are allowed (0.5 = 12 h).
pub fn job_retention() -> Option<Duration> {
    let days = Env::Process
        .get("BRM_JOB_RETENTION_DAYS")
        .and_then(|v| v.to_str().and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|d| d.is_finite() && *d >= 0.0)
        .unwrap_or(30.0);
    (days > 0.0).then(|| Duration::from_secs_f64((days * 86_400.0).min(1e15)))
}

/// `BRM_NOTIFY` (1): a desktop notification when a job ends; `0`, `false` or `no` turns it
/// off. Read from the agent's environment and from the job's (the submitter's).
pub fn notify(env: Env<'_>) -> bool {
    env.get("BRM_NOTIFY")
        .and_then(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
        .is_none_or(|s| !matches!(s.as_str(), "0" | "false" | "no" | "off"))
}

pub fn reserve_gpu0() -> bool {
    Env::Process.num("BRM_RESERVE_GPU0", 1) != 0
}

/// `BRM_TASKS_PER_GPU` (default 1, at least 1): renders at once on one GPU.
pub fn tasks_per_gpu() -> u32 {
    Env::Process.num("BRM_TASKS_PER_GPU", 1).clamp(1, 64) as u32
}

/// `BRM_CPU_SLOTS` (default 1, at least 1): renders at once on the CPU.
pub fn cpu_slots() -> u32 {
    Env::Process.num("BRM_CPU_SLOTS", 1).clamp(1, 1024) as u32
}

/// `BRM_CANCEL_GRACE_MS` (default 10000): TERM → KILL grace of a cancel.
pub fn cancel_grace() -> Duration {
    Duration::from_millis(Env::Process.num("BRM_CANCEL_GRACE_MS", 10_000))
}

/// `BRM_TICK_MS` (default 25, at least 1): how often the engine polls running renders.
pub fn tick() -> Duration {
    Duration::from_millis(Env::Process.num("BRM_TICK_MS", 25).max(1))
}

/// `BRM_SCRIPTS_DIR`: where brm's mayapy render scripts live (default: found beside the
/// executable, else the source tree).
pub fn scripts_dir() -> Option<PathBuf> {
    Env::Process.get("BRM_SCRIPTS_DIR").map(PathBuf::from)
}

/// `BRM_NVIDIA_SMI`: the `nvidia-smi` to run instead of the one on PATH.
pub fn nvidia_smi() -> Option<PathBuf> {
    Env::Process.get("BRM_NVIDIA_SMI").map(PathBuf::from)
}

/// `BRM_NO_NVML=1`: skip NVML so the `nvidia-smi` path is used (tests).
pub fn no_nvml() -> bool {
    Env::Process.flag("BRM_NO_NVML")
}

/// `BRM_MAYA_ROOTS` in `env`: folders holding `mayaYYYY` installs, an OS path list.
pub fn maya_roots(env: Env<'_>) -> Option<Vec<PathBuf>> {
    env.get("BRM_MAYA_ROOTS")
        .map(|v| std::env::split_paths(&v).collect())
}

/// `BRM_BLENDER` in `env`: the Blender executable.
pub fn blender(env: Env<'_>) -> Option<PathBuf> {
    env.get("BRM_BLENDER").map(PathBuf::from)
}

/// `BRM_FARM_SCENES`: the shared folder farm submits copy scenes and job files into (every
/// node must read it); `--scene-dir` wins.
pub fn farm_scenes() -> Option<PathBuf> {
    Env::Process.get("BRM_FARM_SCENES").map(PathBuf::from)
}

/// `BRM_FARM_BRM`: the brm program farm nodes run (default: this brm's own path, right for a
/// shared install).
pub fn farm_brm() -> Option<PathBuf> {
    Env::Process.get("BRM_FARM_BRM").map(PathBuf::from)
}

/// `BRM_FARM_PATH_MAP`: path mapping rules `FROM=TO;FROM=TO` for farm jobs.
pub fn farm_path_map() -> Option<String> {
    Env::Process
        .get("BRM_FARM_PATH_MAP")
        .and_then(|v| v.into_string().ok())
}

/// `BRM_FARM_ENV_KEEP`: the studio's additions to what travels to the farm (names or `*`
/// patterns, comma- or colon-separated; `farm::envfilter`). Credentials never travel.
pub fn farm_env_keep() -> Option<String> {
    Env::Process
        .get("BRM_FARM_ENV_KEEP")
        .and_then(|v| v.into_string().ok())
}

/// `BRM_REQUEST_TIMEOUT_MS` (default 30000, 0 = default): the client's limit per request.
pub fn request_timeout_ms() -> u64 {
    match Env::Process.num("BRM_REQUEST_TIMEOUT_MS", 30_000) {
        0 => 30_000,
        v => v,
    }
}

/// `BRM_ENV_RETENTION_H` (default 24; 0 = at the next agent start): hours after a job ended
/// before its stored environment is dropped.
pub fn env_retention() -> Duration {
    Duration::from_secs(
        Env::Process
            .num("BRM_ENV_RETENTION_H", 24)
            .saturating_mul(3600),
    )
}

/// `BRM_MOVE_DAMAGED_DB=1`: move a damaged queue database aside and start over.
pub fn move_damaged_db() -> bool {
    Env::Process
        .get("BRM_MOVE_DAMAGED_DB")
        .is_some_and(|v| v.to_str().is_some_and(|s| s.trim() == "1"))
}

/// `BRM_TASK`: the farm task a node renders (`brm task run`), set by hand or by a wrapper
/// when no engine variable says it (`farm::assign` asks the engine's first).
pub const FARM_TASK: &str = "BRM_TASK";

/// `BRM_TASK_GPUS`: the GPUs a farm task renders on, over whatever the engine assigned;
/// empty = no GPU (CPU).
pub const FARM_TASK_GPUS: &str = "BRM_TASK_GPUS";

/// [`FARM_TASK`] as an index (unreadable = not set). Read through the node's lookup of the
/// engine's variables (the process environment, or a map in tests), so it is weighed
/// against them from the same source.
pub fn farm_task(lookup: &dyn Fn(&str) -> Option<String>) -> Option<usize> {
    lookup(FARM_TASK).and_then(|v| v.trim().parse().ok())
}

/// [`FARM_TASK_GPUS`] as given (through the node's lookup, as [`farm_task`]). Unlike the
/// other settings an empty value counts: it means "no GPU", as `CUDA_VISIBLE_DEVICES=` does.
pub fn farm_task_gpus(lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    lookup(FARM_TASK_GPUS)
}

/// The names above, for `brm info` and the docs.
pub const SETTINGS: &[&str] = &[
    "BRM_HOME",
    "BRM_SNAPSHOT_DIR",
    "BRM_AGENT",
    "BRM_AGENT_IDLE_S",
    "BRM_RESERVE_GPU0",
    "BRM_TASKS_PER_GPU",
    "BRM_CPU_SLOTS",
    "BRM_CANCEL_GRACE_MS",
    "BRM_TICK_MS",
    "BRM_SCRIPTS_DIR",
    "BRM_NVIDIA_SMI",
    "BRM_NO_NVML",
    "BRM_MAYA_ROOTS",
    "BRM_BLENDER",
    "BRM_FARM_SCENES",
    "BRM_FARM_BRM",
    "BRM_FARM_PATH_MAP",
    "BRM_FARM_ENV_KEEP",
    "BRM_REQUEST_TIMEOUT_MS",
    "BRM_ENV_RETENTION_H",
    "BRM_MOVE_DAMAGED_DB",
];

/// `BRM_WARM_SESSIONS` (default on; `0` turns them off for the whole agent): render chunks
/// in warm sessions that load a scene once (issue 13). A job opts out with `--cold`.
pub fn warm_sessions() -> bool {
    !matches!(
        Env::Process
            .get("BRM_WARM_SESSIONS")
            .and_then(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
            .as_deref(),
        Some("0") | Some("false") | Some("no") | Some("off")
    )
}

/// `BRM_WARM_IDLE_S` (default 300): an idle warm session ends after this long (it holds the
/// scene in memory and its slot); a slot another scene needs ends it at once.
pub fn warm_idle() -> Duration {
    Duration::from_secs(Env::Process.num("BRM_WARM_IDLE_S", 300))
}

/// `BRM_WARM_MAX_RSS_MB` (default: no limit): a warm session whose resident memory grows
/// past this is killed and its chunk's remaining frames re-run cold (a leak across chunks
/// must not take the workstation down).
pub fn warm_max_rss() -> Option<u64> {
    match Env::Process.num("BRM_WARM_MAX_RSS_MB", 0) {
        0 => None,
        mb => Some(mb.saturating_mul(1024 * 1024)),
    }
}

/// `BRM_RENDER_NICE` (default 10, 0 = off, at most 19): the nice value workstation renders
/// and warm sessions start at, with the lowest best-effort I/O priority (Linux) or
/// `BELOW_NORMAL_PRIORITY_CLASS` (Windows), so the artist's own programs stay responsive
/// while layers render (issue 20). Farm nodes (`brm task run`) never lower their renders.
/// The value only: the process layer (`run::RenderPriority::background`) turns it into a
/// priority, so configuration stays below the code it configures.
pub fn render_nice() -> u32 {
    Env::Process.num("BRM_RENDER_NICE", 10).min(19) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_environment_is_read_last_wins_and_empty_is_unset() {
        let vars = vec![
            ("BRM_BLENDER".to_string(), "/a/blender".to_string()),
            ("BRM_BLENDER".to_string(), "/b/blender".to_string()),
            ("BRM_MAYA_ROOTS".to_string(), String::new()),
        ];
        let env = Env::Job(&vars);
        assert_eq!(blender(env), Some(PathBuf::from("/b/blender")));
        assert_eq!(maya_roots(env), None);
        assert_eq!(blender(Env::Job(&[])), None);
    }

    #[test]
    fn a_farm_task_and_its_gpus_come_from_the_nodes_lookup() {
        let lookup = |k: &str| match k {
            "BRM_TASK" => Some(" 4 ".to_string()),
            "BRM_TASK_GPUS" => Some(String::new()),
            _ => None,
        };
        assert_eq!(farm_task(&lookup), Some(4));
        assert_eq!(
            farm_task_gpus(&lookup).as_deref(),
            Some(""),
            "empty = no GPU"
        );
        let unreadable = |k: &str| (k == "BRM_TASK").then(|| "x".to_string());
        assert_eq!(farm_task(&unreadable), None);
        assert_eq!(farm_task_gpus(&unreadable), None);
    }

    #[test]
    fn numbers_fall_back_to_their_default_when_unreadable() {
        let vars = vec![("X_NUM".to_string(), "not a number".to_string())];
        assert_eq!(Env::Job(&vars).num("X_NUM", 7), 7);
        let vars = vec![("X_NUM".to_string(), " 12 ".to_string())];
        assert_eq!(Env::Job(&vars).num("X_NUM", 7), 12);
    }
}
