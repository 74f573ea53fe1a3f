//! Slurm: one array job per layer over its task indices (`--array=FIRST-LAST`, so
//! `SLURM_ARRAY_TASK_ID` *is* brm's task index), `--gres=gpu:N` (Slurm then sets each task's
//! `CUDA_VISIBLE_DEVICES`), CPUs, memory, partition, time limit; the post task depends on
//! every layer (`--dependency=afterany:…`). Submitted with `sbatch --parsable`, followed with
//! `squeue`, cancelled with `scancel` (Slurm 22.05 man pages: sbatch(1), squeue(1), scancel(1)).
//!
//! The batch scripts are plain `#SBATCH` files a TD can edit and `sbatch` by hand; each only
//! `exec`s `brm task run` (the render itself is started by brm, never by a shell).

use std::path::PathBuf;

use super::engine::{Export, ExportOptions, FarmEngine};
use super::record::EngineJob;
use super::taskstate::FarmState;
use super::tool;
use super::{FarmError, FarmJob};

const INSTALL: &str = "install the Slurm client (Debian: apt-get install slurm-client) and set SLURM_CONF, or submit the written .sbatch files from a machine that has it";

/// Quote for a POSIX shell script line.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// What was written for Slurm.
#[derive(Clone, Debug)]
pub struct SlurmFiles {
    /// One batch script per layer, in layer order.
    pub layers: Vec<PathBuf>,
    pub post: Option<PathBuf>,
    /// The commands that submit them (also written to `submit.sh` beside them).
    pub commands: Vec<String>,
}

fn header(job: &FarmJob, name: &str) -> Vec<String> {
    let r = &job.resources;
    let mut h = vec![
        "#!/bin/sh".to_string(),
        format!(
            "# brm farm job {} ({}), written by brm {}; edit and re-submit with sbatch.",
            job.id,
            job.name,
            crate::VERSION
        ),
        format!("#SBATCH --job-name={name}"),
        format!("#SBATCH --cpus-per-task={}", r.cpus_per_task.max(1)),
        format!(
            "#SBATCH --output={}/slurm-%x-%A_%a.out",
            job.log_dir.display()
        ),
        "#SBATCH --open-mode=append".to_string(),
    ];
    if let Some(m) = r.memory_mb {
        h.push(format!("#SBATCH --mem={m}M"));
    }
    if let Some(t) = r.time_limit_s {
        h.push(format!("#SBATCH --time={}", t.div_ceil(60).max(1)));
    }
    if let Some(p) = job.partition.as_ref().or(job.pool.as_ref()) {
        h.push(format!("#SBATCH --partition={p}"));
    }
    // A lower priority is a positive nice value (raising priority needs an operator).
    if job.priority < 0 {
        h.push(format!("#SBATCH --nice={}", -(job.priority as i64)));
    }
    h
}

fn script_name(job: &FarmJob, layer: &str) -> String {
    format!("{}.{}.{}", job.id, job.name, layer)
}

/// Write the batch scripts (under `<job_dir>/slurm/`).
pub fn emit(job: &FarmJob) -> Result<SlurmFiles, FarmError> {
    let dir = job.job_dir.join("slurm");
    std::fs::create_dir_all(&dir)
        .map_err(|e| FarmError::io("cannot create the Slurm folder", &dir, e))?;
    let mut files = SlurmFiles {
        layers: Vec::new(),
        post: None,
        commands: Vec::new(),
    };
    for (i, l) in job.layers.iter().enumerate() {
        let (first, last) = l.range();
        let mut s = header(job, &script_name(job, &l.safe_name));
        s.push(format!("#SBATCH --array={first}-{last}"));
        if job.resources.gpus_per_task > 0 {
            s.push(format!(
                "#SBATCH --gres=gpu:{}",
                job.resources.gpus_per_task
            ));
        }
        s.push(format!(
            "# layer {:?}: tasks {first}-{last}; SLURM_ARRAY_TASK_ID is brm's task index",
            l.display
        ));
        s.push(format!(
            "exec {}",
            job.node_argv(None)
                .iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        let p = dir.join(format!("layer-{i}-{}.sbatch", l.safe_name));
        write(&p, &s)?;
        files.commands.push(format!(
            "sbatch --parsable {}",
            sh_quote(&p.display().to_string())
        ));
        files.layers.push(p);
    }
    if job.post_task {
        let mut s = header(job, &script_name(job, "post"));
        s[4] = format!("#SBATCH --output={}/slurm-%x-%j.out", job.log_dir.display());
        s.push(format!(
            "exec {}",
            job.post_argv()
                .iter()
                .map(|a| sh_quote(a))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        let p = dir.join("post.sbatch");
        write(&p, &s)?;
        files.commands.push(format!(
            "sbatch --parsable --dependency=afterany:<each layer's job id, joined by :> {}",
            sh_quote(&p.display().to_string())
        ));
        files.post = Some(p);
    }
    write(
        &dir.join("submit.txt"),
        &std::iter::once("# Submit by hand (from a machine with the Slurm client):".to_string())
            .chain(files.commands.iter().cloned())
            .collect::<Vec<_>>(),
    )?;
    Ok(files)
}

fn write(p: &std::path::Path, lines: &[String]) -> Result<(), FarmError> {
    super::write_shared(p, (lines.join("\n") + "\n").as_bytes())
        .map_err(|e| FarmError::io("cannot write", p, e))
}

/// Whether `sbatch` can be used here.
pub fn available() -> bool {
    tool::find("sbatch").is_some()
}

/// Submit every layer, then the post task depending on them.
pub fn submit(job: &FarmJob, files: &SlurmFiles) -> Result<Vec<EngineJob>, FarmError> {
    let mut ids = Vec::new();
    for (l, p) in job.layers.iter().zip(&files.layers) {
        let o = tool::run_ok(
            "sbatch",
            &["--parsable".into(), p.display().to_string()],
            INSTALL,
        )?;
        // --parsable prints "jobid" or "jobid;cluster".
        let id = o.stdout.trim().split(';').next().unwrap_or("").to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(FarmError::Tool {
                tool: "sbatch".into(),
                message: format!("unexpected output {:?} (wanted a job id)", o.stdout.trim()),
            });
        }
        ids.push(EngineJob {
            layer: l.safe_name.clone(),
            id,
        });
    }
    if let Some(p) = &files.post {
        let dep = ids
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>()
            .join(":");
        let o = tool::run_ok(
            "sbatch",
            &[
                "--parsable".into(),
                format!("--dependency=afterany:{dep}"),
                p.display().to_string(),
            ],
            INSTALL,
        )?;
        ids.push(EngineJob {
            layer: "post".into(),
            id: o.stdout.trim().split(';').next().unwrap_or("").to_string(),
        });
    }
    Ok(ids)
}

/// Slurm's job state words (squeue(1) "JOB STATE CODES") in brm's terms.
pub fn state_of(s: &str) -> FarmState {
    match s.trim() {
        "PENDING" | "CONFIGURING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED"
        | "RESV_DEL_HOLD" | "SUSPENDED" | "STOPPED" => FarmState::Queued,
        "RUNNING" | "COMPLETING" | "SIGNALING" | "STAGE_OUT" | "RESIZING" => FarmState::Running,
        "COMPLETED" => FarmState::Done,
        "CANCELLED" | "PREEMPTED" | "REVOKED" => FarmState::Cancelled,
        "FAILED" | "TIMEOUT" | "NODE_FAIL" | "OUT_OF_MEMORY" | "BOOT_FAIL" | "DEADLINE"
        | "SPECIAL_EXIT" => FarmState::Failed,
        _ => FarmState::Unknown,
    }
}

/// The Slurm state of each task of the job (by task index), from
/// `squeue -h -r --states=all -j IDS -o %i|%T`. None when Slurm does not know the jobs
/// (any more: finished jobs stay visible for `MinJobAge`) or squeue is missing.
pub fn task_states(job: &FarmJob, ids: &[EngineJob]) -> Option<Vec<Option<String>>> {
    let layer_ids: Vec<&EngineJob> = ids.iter().filter(|e| e.layer != "post").collect();
    if layer_ids.is_empty() || tool::find("squeue").is_none() {
        return None;
    }
    let list = layer_ids
        .iter()
        .map(|e| e.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let o = tool::run(
        "squeue",
        &[
            "-h".into(),
            "-r".into(),
            "--states=all".into(),
            "-j".into(),
            list,
            "-o".into(),
            "%i|%T".into(),
        ],
        INSTALL,
    )
    .ok()?;
    if !o.ok {
        return None;
    }
    let mut states: Vec<Option<String>> = vec![None; job.tasks.len()];
    let mut any = false;
    for line in o.stdout.lines() {
        let Some((id, st)) = line.trim().split_once('|') else {
            continue;
        };
        // "123_4" = array task 4 of job 123; still pending ranges print "123_[4-7]".
        let Some((jid, task)) = id.split_once('_') else {
            continue;
        };
        if !layer_ids.iter().any(|e| e.id == jid) {
            continue;
        }
        let task = task.trim_matches(['[', ']']);
        let (a, b) = match task.split_once('-') {
            Some((a, b)) => (
                a.parse::<usize>().ok(),
                b.split('%').next().and_then(|b| b.parse::<usize>().ok()),
            ),
            None => (task.parse().ok(), task.parse().ok()),
        };
        if let (Some(a), Some(b)) = (a, b) {
            let end = b.min(job.tasks.len().saturating_sub(1));
            for s in states.iter_mut().take(end + 1).skip(a) {
                *s = Some(st.to_string());
                any = true;
            }
        }
    }
    any.then_some(states)
}

/// `scancel` every engine job of the farm job (idempotent: Slurm ignores finished ones).
pub fn cancel(ids: &[EngineJob]) -> Result<(), FarmError> {
    if ids.is_empty() {
        return Ok(());
    }
    let args: Vec<String> = ids.iter().map(|e| e.id.clone()).collect();
    tool::run_ok("scancel", &args, INSTALL).map(|_| ())
}

/// Slurm behind the farm's one engine trait: array jobs through `sbatch`, states from
/// `squeue`, `scancel` to stop.
pub struct Slurm;

impl Slurm {
    fn export_of(f: &SlurmFiles) -> Export {
        Export {
            files: f.layers.iter().cloned().chain(f.post.clone()).collect(),
            commands: f.commands.clone(),
        }
    }
}

impl FarmEngine for Slurm {
    fn name(&self) -> &'static str {
        "slurm"
    }

    fn available(&self) -> bool {
        available()
    }

    fn export(&self, job: &FarmJob, _: &ExportOptions) -> Result<Export, FarmError> {
        Ok(Slurm::export_of(&emit(job)?))
    }

    fn submit(
        &self,
        job: &FarmJob,
        _: &ExportOptions,
    ) -> Result<(Export, Vec<EngineJob>), FarmError> {
        let f = emit(job)?;
        let ids = submit(job, &f)?;
        Ok((Slurm::export_of(&f), ids))
    }

    fn task_states(&self, job: &FarmJob, ids: &[EngineJob]) -> Option<Vec<Option<String>>> {
        task_states(job, ids)
    }

    fn state_of(&self) -> fn(&str) -> FarmState {
        state_of
    }

    fn can_follow(&self) -> bool {
        true
    }

    fn cancel(&self, ids: &[EngineJob]) -> Result<(), FarmError> {
        cancel(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_brm_words() {
        assert_eq!(state_of("PENDING"), FarmState::Queued);
        assert_eq!(state_of("RUNNING"), FarmState::Running);
        assert_eq!(state_of("COMPLETED"), FarmState::Done);
        assert_eq!(state_of("CANCELLED"), FarmState::Cancelled);
        assert_eq!(state_of("OUT_OF_MEMORY"), FarmState::Failed);
    }

    #[test]
    fn quoting_keeps_one_argument() {
        assert_eq!(sh_quote("/a/b.json"), "/a/b.json");
        assert_eq!(sh_quote("it's $x"), "'it'\\''s $x'");
    }
}
