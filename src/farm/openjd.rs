//! OpenJD (Open Job Description, Deadline Cloud's job format): a job template
//! (`jobtemplate-2023-09`) with one step per layer whose task parameter `Task` ranges over
//! that layer's task indices, GPU host requirements, and a post step depending on every
//! layer; written as a job bundle (`template.json` + `parameter_values.json`) that
//! `deadline bundle submit DIR` takes, and that `openjd check` / `openjd run` validate and
//! run locally. Path mapping rules are written as `path_mapping.json` (`pathmapping-1.0`).
//!
//! References: the OpenJD specification, "Template Schemas" (2023-09: parameterDefinitions,
//! steps, parameterSpace.taskParameterDefinitions, hostRequirements.amounts with
//! `amount.worker.gpu`, `amount.worker.gpu.memory`, `amount.worker.vcpu`,
//! `amount.worker.memory`; script.actions.onRun with command/args/timeout; dependencies
//! with dependsOn) and "How Jobs Are Run" (path mapping, `pathmapping-1.0`); Deadline Cloud
//! "Job bundles" (template.json, parameter_values.json with `parameterValues`).

use std::path::PathBuf;

use serde_json::{json, Value};

use super::engine::{Export, ExportOptions, FarmEngine};
use super::{FarmError, FarmJob};

/// What was written.
#[derive(Clone, Debug)]
pub struct OpenJdFiles {
    pub bundle: PathBuf,
    pub template: PathBuf,
    pub params: PathBuf,
    /// The same values as a plain map, for `openjd run -p file://…`.
    pub run_params: PathBuf,
    pub path_mapping: Option<PathBuf>,
    pub files: Vec<PathBuf>,
    pub commands: Vec<String>,
}

fn amounts(job: &FarmJob) -> Vec<Value> {
    let r = &job.resources;
    let mut a = vec![json!({"name": "amount.worker.vcpu", "min": r.cpus_per_task.max(1)})];
    if let Some(m) = r.memory_mb {
        a.push(json!({"name": "amount.worker.memory", "min": m}));
    }
    if r.gpus_per_task > 0 {
        a.push(json!({"name": "amount.worker.gpu", "min": r.gpus_per_task}));
        if let Some(m) = r.gpu_memory_mb {
            a.push(json!({"name": "amount.worker.gpu.memory", "min": m}));
        }
    }
    a
}

fn action(job: &FarmJob, args: Vec<String>) -> Value {
    let mut a = json!({
        "command": "{{Param.BrmExe}}",
        "args": args,
    });
    if let Some(t) = job.resources.time_limit_s {
        a["timeout"] = json!(t.max(1));
    }
    json!({"actions": {"onRun": a}})
}

/// The job template (see the module doc).
pub fn template(job: &FarmJob) -> Value {
    let node_args = |post: bool| {
        let mut a: Vec<String> = vec![
            "task".into(),
            "run".into(),
            "--job".into(),
            "{{Param.JobFile}}".into(),
        ];
        if post {
            a.push("--post".into());
        } else {
            a.extend(["--task".into(), "{{Task.Param.Task}}".into()]);
        }
        a
    };
    let mut steps: Vec<Value> = job
        .layers
        .iter()
        .map(|l| {
            let (first, last) = l.range();
            json!({
                "name": l.safe_name,
                "description": format!("brm layer {:?}: tasks {first}-{last} (frames chunked by brm)", l.display),
                "parameterSpace": {
                    "taskParameterDefinitions": [
                        {"name": "Task", "type": "INT", "range": format!("{first}-{last}")}
                    ]
                },
                "hostRequirements": {"amounts": amounts(job)},
                "script": action(job, node_args(false)),
            })
        })
        .collect();
    if job.post_task {
        steps.push(json!({
            "name": "brm_post",
            "dependencies": job.layers.iter().map(|l| json!({"dependsOn": l.safe_name})).collect::<Vec<_>>(),
            "script": action(job, node_args(true)),
        }));
    }
    json!({
        "specificationVersion": "jobtemplate-2023-09",
        "name": format!("{} {}", job.id, job.name),
        "description": format!("brm farm job {} of {}", job.id, job.source_scene.display()),
        "parameterDefinitions": [
            {
                "name": "JobFile",
                "type": "PATH",
                "objectType": "FILE",
                "dataFlow": "IN",
                "description": "The brm farm job file (brm-farm-job.json)",
                // PATH defaults are relative to the template's folder (the bundle sits in
                // the job folder).
                "default": format!("../{}", super::FARM_JOB_FILE),
            },
            {
                "name": "OutputDir",
                "type": "PATH",
                "objectType": "DIRECTORY",
                "dataFlow": "OUT",
                "description": "Where the frames and the task logs go (brm's job file names them; for asset sync)",
            },
            {
                "name": "BrmExe",
                "type": "STRING",
                "description": "The brm program on the workers",
                "default": job.brm.display().to_string(),
            }
        ],
        "steps": steps,
    })
}

/// The `pathmapping-1.0` rules of the job's path mapping.
pub fn path_mapping(job: &FarmJob) -> Value {
    json!({
        "version": "pathmapping-1.0",
        "path_mapping_rules": job.path_map.iter().map(|r| json!({
            "source_path_format": if r.from_is_windows() { "WINDOWS" } else { "POSIX" },
            "source_path": r.from,
            "destination_path": r.to,
        })).collect::<Vec<_>>(),
    })
}

fn write_json(p: &std::path::Path, v: &Value) -> Result<(), FarmError> {
    let text = serde_json::to_string_pretty(v).map_err(|e| FarmError::Invalid(e.to_string()))?;
    super::write_shared(p, (text + "\n").as_bytes())
        .map_err(|e| FarmError::io("cannot write", p, e))
}

/// Write the job bundle under `<job_dir>/openjd/`.
pub fn emit(job: &FarmJob) -> Result<OpenJdFiles, FarmError> {
    let dir = job.job_dir.join("openjd");
    std::fs::create_dir_all(&dir)
        .map_err(|e| FarmError::io("cannot create the OpenJD bundle folder", &dir, e))?;
    let template = dir.join("template.json");
    write_json(&template, &self::template(job))?;
    let params = dir.join("parameter_values.json");
    write_json(
        &params,
        &json!({"parameterValues": [
            {"name": "JobFile", "value": job.file().display().to_string()},
            {"name": "OutputDir", "value": job.spec.output_dir.clone().unwrap_or_default().display().to_string()},
            {"name": "BrmExe", "value": job.brm.display().to_string()},
        ]}),
    )?;
    // `openjd run -p file://…` takes a plain name → value map.
    let run_params = dir.join("openjd_run_params.json");
    write_json(
        &run_params,
        &json!({
            "JobFile": job.file().display().to_string(),
            "OutputDir": job.spec.output_dir.clone().unwrap_or_default().display().to_string(),
            "BrmExe": job.brm.display().to_string(),
        }),
    )?;
    let mut files = vec![template.clone(), params.clone(), run_params.clone()];
    let mut run = format!(
        "openjd run {} -p file://{}",
        super::slurm::sh_quote(&template.display().to_string()),
        super::slurm::sh_quote(&run_params.display().to_string()),
    );
    let path_mapping = if job.path_map.is_empty() {
        None
    } else {
        let p = dir.join("path_mapping.json");
        write_json(&p, &path_mapping(job))?;
        run.push_str(&format!(
            " --path-mapping-rules file://{}",
            super::slurm::sh_quote(&p.display().to_string())
        ));
        files.push(p.clone());
        Some(p)
    };
    let commands = vec![
        format!(
            "deadline bundle submit {}   # Deadline Cloud",
            super::slurm::sh_quote(&dir.display().to_string())
        ),
        format!("{run}   # run every step here, with the openjd CLI"),
    ];
    Ok(OpenJdFiles {
        bundle: dir,
        template,
        params,
        run_params,
        path_mapping,
        files,
        commands,
    })
}

/// OpenJD behind the farm's one engine trait: a job bundle, the whole hand-off (submitted
/// with Deadline Cloud's or the openjd CLI, never by brm).
pub struct OpenJd;

impl FarmEngine for OpenJd {
    fn name(&self) -> &'static str {
        "openjd"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["deadline-cloud", "open-job-description"]
    }

    fn has_scheduler(&self) -> bool {
        false
    }

    fn export(&self, job: &FarmJob, _: &ExportOptions) -> Result<Export, FarmError> {
        let f = emit(job)?;
        Ok(Export {
            files: f.files,
            commands: f.commands,
        })
    }
}
