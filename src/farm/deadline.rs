//! Deadline 10: per layer a `job_info.job` and a `plugin_info.job` (`Key=Value` lines),
//! grouped by `BatchName`, for Deadline's own MayaBatch plug-in — or, with
//! `--deadline-commandline`, a CommandLine job that runs `brm task run` (Blender scenes
//! always use that: Deadline's MayaBatch renders Maya only). Submitted through
//! `deadlinecommand JOB_INFO PLUGIN_INFO` when it is on PATH (its output holds
//! `Result=Success` and `JobID=…`); otherwise written, with the exact commands printed.
//!
//! Only documented keys are written (Deadline 10 documentation):
//! - Job info ("Manual Job Submission" → "Job Info File"): `Plugin`, `Name`, `BatchName`,
//!   `Comment`, `Pool`, `Group`, `Priority`, `Frames`, `ChunkSize`, `TaskTimeoutMinutes`,
//!   `OutputDirectory0`, `OutputFilename0`, `JobDependencies`, `EnvironmentKeyValue0…`.
//! - MayaBatch plug-in info ("Maya" plug-in guide → "Manual Submission"): `Version`,
//!   `SceneFile`, `ProjectPath`, `OutputFilePath`, `OutputFilePrefix`, `Renderer`,
//!   `RenderLayer`, `UsingRenderLayers`, `Camera`, `GPUsPerTask`, `GPUsSelectDevices`,
//!   `StrictErrorChecking`.
//! - CommandLine plug-in info ("Command Line" plug-in guide): `Executable`, `Arguments`
//!   (with the `<STARTFRAME>` token), `StartupDirectory`, `Shell`, `ShellExecute`.
//!
//! `DEADLINE_KEYS` lists them all; the tests check every written key against it.

use std::path::{Path, PathBuf};

use super::engine::{Export, ExportOptions, FarmEngine};
use super::record::EngineJob;
use super::{tool, FarmError, FarmJob};
use crate::frames::FrameSet;
use crate::plan::GpuChoice;

const INSTALL: &str = "install the Deadline 10 client on this machine (deadlinecommand on PATH), or submit the written files with the Deadline Monitor (Submit → Manual Job Submission)";

/// Every key brm writes, by file, as documented (see the module doc).
pub const JOB_INFO_KEYS: &[&str] = &[
    "Plugin",
    "Name",
    "BatchName",
    "Comment",
    "Pool",
    "Group",
    "Priority",
    "Frames",
    "ChunkSize",
    "TaskTimeoutMinutes",
    "OutputDirectory0",
    "OutputFilename0",
    "JobDependencies",
    "EnvironmentKeyValue",
];
pub const MAYA_PLUGIN_KEYS: &[&str] = &[
    "Version",
    "SceneFile",
    "ProjectPath",
    "OutputFilePath",
    "OutputFilePrefix",
    "Renderer",
    "RenderLayer",
    "UsingRenderLayers",
    "Camera",
    "GPUsPerTask",
    "GPUsSelectDevices",
    "StrictErrorChecking",
];
pub const COMMANDLINE_PLUGIN_KEYS: &[&str] = &[
    "Executable",
    "Arguments",
    "StartupDirectory",
    "Shell",
    "ShellExecute",
];

/// What was written.
#[derive(Clone, Debug)]
pub struct DeadlineFiles {
    /// `(job_info, plugin_info)` per layer.
    pub layers: Vec<(PathBuf, PathBuf)>,
    /// The post job (CommandLine), whose `JobDependencies` is filled at submit.
    pub post: Option<(PathBuf, PathBuf)>,
    pub files: Vec<PathBuf>,
    pub commands: Vec<String>,
}

fn write_kv(p: &Path, kv: &[(String, String)]) -> Result<(), FarmError> {
    let text: String = kv
        .iter()
        // One line per key: a value never carries a line break into the next key.
        .map(|(k, v)| format!("{k}={}\n", v.replace(['\n', '\r'], " ")))
        .collect();
    super::write_shared(p, text.as_bytes()).map_err(|e| FarmError::io("cannot write", p, e))
}

fn kv(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

fn job_info(job: &FarmJob, plugin: &str, name: &str) -> Vec<(String, String)> {
    let mut j = vec![
        kv("Plugin", plugin),
        kv("Name", name),
        kv("BatchName", format!("{} {}", job.id, job.name)),
        kv(
            "Comment",
            format!("brm farm job {} ({})", job.id, job.file().display()),
        ),
        // Deadline priorities are 0-100, 50 the default; brm's 0 is "normal".
        kv("Priority", (50 + job.priority).clamp(0, 100)),
    ];
    if let Some(p) = &job.pool {
        j.push(kv("Pool", p));
    }
    if let Some(g) = &job.group {
        j.push(kv("Group", g));
    }
    if let Some(t) = job.resources.time_limit_s {
        j.push(kv("TaskTimeoutMinutes", t.div_ceil(60).max(1)));
    }
    j
}

/// Write the files under `<job_dir>/deadline/`.
pub fn emit(job: &FarmJob, commandline: bool) -> Result<DeadlineFiles, FarmError> {
    let dir = job.job_dir.join("deadline");
    std::fs::create_dir_all(&dir)
        .map_err(|e| FarmError::io("cannot create the Deadline folder", &dir, e))?;
    let maya = !commandline && !job.spec.is_blend();
    let mut out = DeadlineFiles {
        layers: Vec::new(),
        post: None,
        files: Vec::new(),
        commands: Vec::new(),
    };
    for (i, l) in job.layers.iter().enumerate() {
        let name = format!("{} {} {}", job.id, job.name, l.safe_name);
        let first = &job.tasks[l.tasks[0]];
        let (mut j, p) = if maya {
            // Deadline's MayaBatch renders the layer's frames itself, chunked by Deadline.
            let frames: Vec<i64> = l
                .tasks
                .iter()
                .flat_map(|t| job.tasks[*t].frames.iter().copied())
                .collect();
            let mut j = job_info(job, "MayaBatch", &name);
            j.push(kv("Frames", FrameSet::from_frames(frames).compact()));
            j.push(kv("ChunkSize", job.spec.chunk_size.unwrap_or(10)));
            let mut p = vec![
                kv(
                    "Version",
                    job.spec
                        .maya_version
                        .clone()
                        .unwrap_or_else(|| "2025".into()),
                ),
                kv("SceneFile", job.spec.scene.display()),
                kv("OutputFilePath", first.output_dir.display()),
                kv("OutputFilePrefix", &first.image_name),
                kv("RenderLayer", &first.layer),
                kv("UsingRenderLayers", 1),
                kv("GPUsPerTask", job.resources.gpus_per_task),
                kv("StrictErrorChecking", "True"),
            ];
            if let GpuChoice::Indices(ix) = &job.spec.gpu {
                p.push(kv(
                    "GPUsSelectDevices",
                    ix.iter().map(u32::to_string).collect::<Vec<_>>().join(","),
                ));
            }
            if let Some(r) = &first.renderer {
                p.push(kv("Renderer", r));
            }
            if let Some(c) = &job.spec.camera {
                p.push(kv("Camera", c));
            }
            if let Some(pr) = &job.spec.project {
                p.push(kv("ProjectPath", pr.display()));
            }
            (j, p)
        } else {
            // One Deadline "frame" per brm task: <STARTFRAME> is the task index.
            let (a, b) = l.range();
            let mut j = job_info(job, "CommandLine", &name);
            j.push(kv("Frames", format!("{a}-{b}")));
            j.push(kv("ChunkSize", 1));
            let argv = job.node_argv(Some("<STARTFRAME>"));
            let p = vec![
                kv("Executable", &argv[0]),
                kv(
                    "Arguments",
                    argv[1..]
                        .iter()
                        .map(|a| quote_arg(a))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                kv("StartupDirectory", job.job_dir.display()),
                kv("Shell", "default"),
                kv("ShellExecute", "False"),
            ];
            (j, p)
        };
        j.push(kv("OutputDirectory0", first.output_dir.display()));
        j.push(kv(
            "OutputFilename0",
            format!(
                "{}.{}.png",
                first.image_name,
                "#".repeat(first.padding.max(1) as usize)
            ),
        ));
        j.push(kv(
            "EnvironmentKeyValue0",
            format!("BRM_FARM_JOB={}", job.file().display()),
        ));
        let ji = dir.join(format!("layer-{i}-{}.job_info.job", l.safe_name));
        let pi = dir.join(format!("layer-{i}-{}.plugin_info.job", l.safe_name));
        write_kv(&ji, &j)?;
        write_kv(&pi, &p)?;
        out.commands.push(format!(
            "deadlinecommand {} {}",
            super::slurm::sh_quote(&ji.display().to_string()),
            super::slurm::sh_quote(&pi.display().to_string())
        ));
        out.files.extend([ji.clone(), pi.clone()]);
        out.layers.push((ji, pi));
    }
    if job.post_task {
        let ji = dir.join("post.job_info.job");
        let pi = dir.join("post.plugin_info.job");
        let mut j = job_info(job, "CommandLine", &format!("{} {} post", job.id, job.name));
        j.push(kv("Frames", 0));
        j.push(kv("JobDependencies", ""));
        write_kv(&ji, &j)?;
        let argv = job.post_argv();
        write_kv(
            &pi,
            &[
                kv("Executable", &argv[0]),
                kv(
                    "Arguments",
                    argv[1..]
                        .iter()
                        .map(|a| quote_arg(a))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                kv("Shell", "default"),
                kv("ShellExecute", "False"),
            ],
        )?;
        out.commands.push(format!(
            "deadlinecommand {} {}   # after setting JobDependencies= to the layers' JobIDs, comma-separated",
            super::slurm::sh_quote(&ji.display().to_string()),
            super::slurm::sh_quote(&pi.display().to_string())
        ));
        out.files.extend([ji.clone(), pi.clone()]);
        out.post = Some((ji, pi));
    }
    Ok(out)
}

/// Deadline's CommandLine plug-in splits `Arguments` like a Windows command line: quote an
/// argument with spaces in double quotes.
fn quote_arg(a: &str) -> String {
    if a.is_empty() || a.contains([' ', '\t', '"']) {
        format!("\"{}\"", a.replace('"', "\\\""))
    } else {
        a.to_string()
    }
}

/// Whether `deadlinecommand` is on PATH.
pub fn available() -> bool {
    tool::find("deadlinecommand").is_some()
}

/// The `JobID=` of deadlinecommand's submission output (with `Result=Success`).
pub fn parse_job_id(stdout: &str) -> Option<String> {
    if !stdout.lines().any(|l| l.trim() == "Result=Success") {
        return None;
    }
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("JobID="))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn submit_one(ji: &Path, pi: &Path) -> Result<String, FarmError> {
    let o = tool::run_ok(
        "deadlinecommand",
        &[ji.display().to_string(), pi.display().to_string()],
        INSTALL,
    )?;
    parse_job_id(&o.stdout).ok_or_else(|| FarmError::Tool {
        tool: "deadlinecommand".into(),
        message: format!(
            "no Result=Success / JobID= in its output: {}",
            o.stdout.trim().chars().take(2000).collect::<String>()
        ),
    })
}

/// Submit every layer, then the post job depending on them.
pub fn submit(job: &FarmJob, f: &DeadlineFiles) -> Result<Vec<EngineJob>, FarmError> {
    let mut ids = Vec::new();
    for (l, (ji, pi)) in job.layers.iter().zip(&f.layers) {
        ids.push(EngineJob {
            layer: l.safe_name.clone(),
            id: submit_one(ji, pi)?,
        });
    }
    if let Some((ji, pi)) = &f.post {
        let text = std::fs::read_to_string(ji).map_err(|e| FarmError::io("cannot read", ji, e))?;
        let deps = ids
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let text = text.replace("JobDependencies=\n", &format!("JobDependencies={deps}\n"));
        super::write_shared(ji, text.as_bytes())
            .map_err(|e| FarmError::io("cannot write", ji, e))?;
        ids.push(EngineJob {
            layer: "post".into(),
            id: submit_one(ji, pi)?,
        });
    }
    Ok(ids)
}

/// Stop a farm job: `deadlinecommand -SuspendJob ID` for each (its running tasks are
/// requeued and stopped; the job stays, resumable from the Monitor).
pub fn cancel(ids: &[EngineJob]) -> Result<(), FarmError> {
    for e in ids {
        tool::run_ok(
            "deadlinecommand",
            &["-SuspendJob".into(), e.id.clone()],
            INSTALL,
        )?;
    }
    Ok(())
}

/// Deadline behind the farm's one engine trait: job/plugin info files through
/// `deadlinecommand`, suspended to stop.
pub struct Deadline;

impl Deadline {
    fn export_of(f: &DeadlineFiles) -> Export {
        Export {
            files: f.files.clone(),
            commands: f.commands.clone(),
        }
    }
}

impl FarmEngine for Deadline {
    fn name(&self) -> &'static str {
        "deadline"
    }

    fn available(&self) -> bool {
        available()
    }

    fn export(&self, job: &FarmJob, opts: &ExportOptions) -> Result<Export, FarmError> {
        Ok(Deadline::export_of(&emit(job, opts.deadline_commandline)?))
    }

    fn submit(
        &self,
        job: &FarmJob,
        opts: &ExportOptions,
    ) -> Result<(Export, Vec<EngineJob>), FarmError> {
        let f = emit(job, opts.deadline_commandline)?;
        let ids = submit(job, &f)?;
        Ok((Deadline::export_of(&f), ids))
    }

    fn cancel(&self, ids: &[EngineJob]) -> Result<(), FarmError> {
        cancel(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_id_needs_success() {
        let ok = "Submitting to Repository: /mnt/repo\nResult=Success\nJobID=5f1e2d3c4b5a69788796a5b4\nThe job was submitted successfully.\n";
        assert_eq!(
            parse_job_id(ok).as_deref(),
            Some("5f1e2d3c4b5a69788796a5b4")
        );
        assert_eq!(parse_job_id("Result=Failure\nJobID=x\n"), None);
    }

    #[test]
    fn arguments_with_spaces_stay_one() {
        assert_eq!(quote_arg("/a b/c.json"), "\"/a b/c.json\"");
        assert_eq!(quote_arg("<STARTFRAME>"), "<STARTFRAME>");
    }
}
