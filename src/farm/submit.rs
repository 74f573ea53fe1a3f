//! `brm farm submit`: a job spec becomes a farm job — scene copied to the shared folder,
//! tasks planned, the job file and the engine's files written, then submitted through the
//! engine's own tool (or, with `--dry-run` or without the tool, the exact command printed).

use std::path::PathBuf;

use super::engine::ExportOptions;
use super::job::{safe_name, DEFAULT_FARM_CHUNK};
use super::pathmap::{self, PathRule};
use super::record::{EngineJob, FarmRecord, FarmStatus};
use super::{Engine, FarmError, FarmJob, Resources};
use crate::paths::Paths;
use crate::plan::{self, JobSpec};

/// How a farm submit is done (beyond the render flags in the spec).
#[derive(Clone, Debug)]
pub struct SubmitOptions {
    pub engine: Engine,
    /// Shared folder for scene copies and job files (`--scene-dir`, `BRM_FARM_SCENES`).
    pub scene_dir: Option<PathBuf>,
    /// Write everything into this folder, submit nothing.
    pub dry_run: Option<PathBuf>,
    pub resources: Resources,
    pub pool: Option<String>,
    pub group: Option<String>,
    pub partition: Option<String>,
    pub post_task: bool,
    pub path_map: Vec<PathRule>,
    /// The brm nodes run (default `BRM_FARM_BRM`, else this program).
    pub brm: Option<PathBuf>,
    /// Deadline: a CommandLine job running `brm task run` instead of Deadline's MayaBatch.
    pub deadline_commandline: bool,
}

impl SubmitOptions {
    pub fn new(engine: Engine) -> Self {
        SubmitOptions {
            engine,
            scene_dir: None,
            dry_run: None,
            resources: Resources::default(),
            pool: None,
            group: None,
            partition: None,
            post_task: false,
            path_map: Vec::new(),
            brm: None,
            deadline_commandline: false,
        }
    }
}

/// What a submit did.
#[derive(Clone, Debug)]
pub struct Submitted {
    pub record: FarmRecord,
    pub job: FarmJob,
    /// Every file written (job file, engine files, scene copy).
    pub files: Vec<PathBuf>,
    /// How to submit by hand (when nothing was submitted) or what was run.
    pub commands: Vec<String>,
    pub warnings: Vec<String>,
    /// The names of the submitter's variables that travel with the job, and of those that
    /// stayed behind (never their values).
    pub env_kept: Vec<String>,
    pub env_dropped: Vec<String>,
}

/// Plan, write and (unless dry) submit a farm job.
pub fn submit(mut spec: JobSpec, opts: &SubmitOptions, paths: &Paths) -> crate::Result<Submitted> {
    let mut warnings = Vec::new();
    spec.scene = crate::submit::checks::expand_tilde(&spec.scene, "scene")?;
    if let Some(o) = &spec.output_dir {
        spec.output_dir = Some(crate::submit::checks::expand_tilde(o, "output folder")?);
    }
    if !spec.scene.is_file() {
        return Err(crate::Error::NotFound(format!(
            "scene {} does not exist (or is not a file); check the path",
            spec.scene.display()
        )));
    }
    // The scene itself may be anywhere this machine reads (a Maya snapshot in brm's own
    // folder included): it is copied to the shared folder, which is checked below.
    let source = pathmap::absolute(&spec.scene);
    let info = match crate::scene::inspect(&source) {
        Ok(i) => Some(i),
        Err(e) => {
            let partial = crate::error::Kind::kind(&e) == crate::ErrorKind::Unsupported;
            if !partial || (spec.layers.is_empty() && spec.frames.is_none()) {
                return Err(e.into());
            }
            None
        }
    };
    if spec.renderer.is_none() {
        spec.renderer = info.as_ref().and_then(|i| i.renderer.clone());
    }
    if spec.maya_version.is_none() {
        spec.maya_version = info.as_ref().and_then(|i| i.maya_version.clone());
    }
    let dry = opts.dry_run.is_some();
    let id = FarmRecord::allocate_id(paths)?;
    let job_dir = match (&opts.dry_run, &opts.scene_dir) {
        (Some(d), _) => pathmap::absolute(d),
        (None, Some(d)) => pathmap::absolute(d).join(&id),
        (None, None) => match crate::config::farm_scenes() {
            Some(d) => pathmap::absolute(&d).join(&id),
            None => return Err(FarmError::NoSceneDir.into()),
        },
    };
    if let Some(w) = pathmap::check_shared("shared scene folder", &job_dir, paths)? {
        warnings.push(w);
    }
    let copy = pathmap::copy_scene(&source, &job_dir.join("scene"))?;
    let mut files = vec![copy.clone()];
    // The artist's own scene names the job and the `<Scene>` token (the Maya plug-in submits
    // a snapshot and names the artist's file as the source).
    let artist = spec
        .source_scene
        .clone()
        .map(|p| pathmap::absolute(&p))
        .unwrap_or_else(|| source.clone());
    spec.source_scene = Some(artist.clone());
    spec.scene = copy;
    let output = spec
        .output_dir
        .clone()
        .map(|o| pathmap::absolute(&o))
        .unwrap_or_else(|| job_dir.join("renders"));
    if let Some(w) = pathmap::check_shared("output folder", &output, paths)? {
        warnings.push(w);
    }
    spec.output_dir = Some(output.clone());
    if spec.chunk_size.is_none() {
        spec.chunk_size = Some(DEFAULT_FARM_CHUNK);
    }
    if spec.env.is_empty() {
        spec.env = crate::submit::env::capture_env();
    }
    // Only what a render needs travels; credentials and the session never (`envfilter`).
    let travel = super::envfilter::filter(&spec.env, crate::config::farm_env_keep().as_deref());
    spec.env = travel.kept.clone();
    let tasks = plan::plan_tasks(&spec, info.as_ref(), 1, &output)?;
    if tasks.is_empty() {
        return Err(crate::Error::InvalidArgument(
            "no renderable layer or no frame in the job".into(),
        ));
    }
    let name = safe_name(&spec.name.clone().unwrap_or_else(|| {
        artist
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "job".into())
    }));
    let brm = opts
        .brm
        .clone()
        .or_else(crate::config::farm_brm)
        .or_else(|| std::env::current_exe().ok())
        .unwrap_or_else(|| PathBuf::from("brm"));
    let layers = FarmJob::layers_of(&tasks);
    let job = FarmJob {
        schema: super::FARM_JOB_SCHEMA,
        id: id.clone(),
        name: name.clone(),
        engine: opts.engine,
        created_ms: crate::protocol::jobs::now_ms(),
        source_scene: artist,
        log_dir: output.join("brm-logs").join(&id),
        priority: spec.priority,
        spec,
        tasks,
        layers,
        resources: opts.resources.clone(),
        pool: opts.pool.clone(),
        group: opts.group.clone(),
        partition: opts.partition.clone(),
        post_task: opts.post_task,
        path_map: opts.path_map.clone(),
        brm,
        job_dir,
    };
    std::fs::create_dir_all(&job.log_dir)
        .map_err(|e| FarmError::io("cannot create the task log folder", &job.log_dir, e))?;
    files.push(job.save()?);
    let mut record = FarmRecord {
        id,
        name,
        engine: opts.engine,
        job_file: job.file(),
        engine_ids: Vec::new(),
        submitted_ms: job.created_ms,
        submitted: false,
    };
    let engine = opts.engine.get();
    let export_opts = ExportOptions {
        deadline_commandline: opts.deadline_commandline,
    };
    let export = if !dry && engine.has_scheduler() && engine.available() {
        let (export, ids) = engine.submit(&job, &export_opts)?;
        record.engine_ids = ids;
        record.submitted = true;
        export
    } else {
        engine.export(&job, &export_opts)?
    };
    files.extend(export.files);
    let commands = export.commands;
    if !dry && !record.submitted && engine.has_scheduler() {
        warnings.push(format!(
            "the {} tools are not installed here: nothing was submitted; submit the written files with the commands below",
            opts.engine
        ));
    }
    record.save(paths)?;
    Ok(Submitted {
        record,
        job,
        files,
        commands,
        warnings,
        env_kept: travel.kept.into_iter().map(|(k, _)| k).collect(),
        env_dropped: travel.dropped,
    })
}

/// The state of a farm job: the engine's view where it can be asked, and the outputs.
pub fn status(paths: &Paths, name: &str) -> crate::Result<FarmStatus> {
    let (rec, job) = FarmRecord::find(paths, name)?;
    let job = node_view(&job);
    let engine = rec.engine.get();
    let states = if rec.submitted {
        engine.task_states(&job, &rec.engine_ids)
    } else {
        None
    };
    let state_of = engine.state_of();
    Ok(super::record::status_of(&rec, &job, states, state_of))
}

/// Cancel a farm job through its engine. Idempotent.
pub fn cancel(paths: &Paths, name: &str) -> crate::Result<FarmRecord> {
    let (rec, _) = FarmRecord::find(paths, name)?;
    if !rec.submitted {
        return Err(FarmError::Invalid(format!(
            "farm job {} was only written, never submitted: there is nothing to cancel",
            rec.id
        ))
        .into());
    }
    rec.engine.get().cancel(&rec.engine_ids)?;
    Ok(rec)
}

/// The job as the workstation sees it: path mapping is for nodes only.
fn node_view(job: &FarmJob) -> FarmJob {
    job.clone()
}

/// Engine job ids as one short string (`123,124`).
pub fn ids_text(ids: &[EngineJob]) -> String {
    ids.iter()
        .map(|e| e.id.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
