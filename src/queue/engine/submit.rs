//! Accepting a job: inspect, resolve its programs from its environment, plan, persist.

use super::*;

impl State {
    pub(super) fn submit(&mut self, mut spec: JobSpec) -> crate::Result<u64> {
        if !spec.scene.is_file() {
            return Err(crate::Error::NotFound(format!(
                "scene {} does not exist (or is not a file); check the path",
                spec.scene.display()
            )));
        }
        if let Some(a) = spec.after {
            if !self.jobs.contains_key(&a) {
                return Err(crate::Error::NotFound(format!(
                    "--after {a}: there is no job {a} in this queue (`brm jobs` lists them)"
                )));
            }
        }
        let info = match scene::inspect(&spec.scene) {
            Ok(i) => Some(i),
            Err(e) => {
                // A .mb brm cannot read fully is still renderable when the job says what to
                // render; anything else (not a scene, unreadable) is refused now.
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
        let (kinds, mut warnings) =
            plan::select_slots(&spec.gpu, &self.cfg.report, self.cfg.reserve_gpu0)?;
        let allowed: Vec<usize> = kinds
            .iter()
            .flat_map(|k| {
                self.slots
                    .iter()
                    .enumerate()
                    .filter(move |(_, s)| match (&s.kind, k) {
                        (GpuSlot::Cpu, GpuSlot::Cpu) => true,
                        (GpuSlot::Gpu { index: a, .. }, GpuSlot::Gpu { index: b, .. }) => a == b,
                        _ => false,
                    })
            })
            .map(|(i, _)| i)
            .collect();
        if allowed.is_empty() {
            return Err(crate::Error::InvalidArgument(
                "no render slot matches the job's GPU choice on this machine; see `brm info` for the GPUs".into(),
            ));
        }
        // No --output: a Maya scene inside a Maya project renders into the project's images
        // folder (per layer), as Maya's batch render does; a .blend into the folder of its
        // Output path (the client resolved it against the artist's file); anything else into
        // a folder of its own, `renders/job-N`, so no job overwrites another's by default.
        let output_dir = match spec.output_dir.clone() {
            Some(o) => o,
            None => {
                let artist = spec.source_scene.as_ref().unwrap_or(&spec.scene);
                match (!spec.is_blend())
                    .then(|| crate::scene::workspace::images_dir(artist))
                    .flatten()
                {
                    Some(images) => images,
                    None => {
                        let next = store::next_job_id(&self.conn).map_err(self.dbe())?;
                        self.cfg.paths.default_output().join(format!("job-{next}"))
                    }
                }
            }
        };
        let tasks = plan::plan_tasks(&spec, info.as_ref(), allowed.len(), &output_dir)?;
        if tasks.is_empty() {
            return Err(
                QueueError::Empty("no renderable layer or no frame in the job".into()).into(),
            );
        }
        // Frames already in the folder (an earlier render, another job's) are overwritten:
        // never silently. Said at submit, before anything renders.
        for t in &tasks {
            let there = crate::runner::verify::find_outputs(t, &t.frames);
            if !there.is_empty() {
                warnings.push(format!(
                    "{} of the frames to render already exist in {} ({}): this job overwrites them; \
                     give another --output to keep them",
                    there.len(),
                    t.output_dir.display(),
                    frames_text(&there.keys().copied().collect::<Vec<_>>())
                ));
            }
        }
        // What inspection could not read matters for Maya scenes; a .blend is read by Blender
        // itself at render time, so its inspection notes are no news to the job.
        if let Some(i) = info.as_ref().filter(|_| !spec.is_blend()) {
            warnings.extend(i.warnings.iter().cloned());
        }
        // What the job renders with comes from its own environment; levels that cannot
        // start there are skipped with one note, and a job no level can render is refused now.
        let exes = self.job_exes(&spec);
        let all_levels = plan::levels_for(&spec);
        let source = spec
            .source_scene
            .clone()
            .unwrap_or_else(|| spec.scene.clone());
        let (usable, skipped) = plan::usable_levels(&exes, &all_levels, &source)?;
        for (l, e) in &skipped {
            warnings.push(format!("level {} skipped: {e}", method_name(*l)));
        }
        let first_level = all_levels
            .iter()
            .position(|l| usable.first() == Some(l))
            .unwrap_or(0);
        if let (Some(v), Some(have), true) = (
            &spec.maya_version,
            &exes.maya_version,
            usable.iter().any(|m| m.is_maya()),
        ) {
            if !have.starts_with(v.get(..4).unwrap_or(v)) {
                warnings.push(format!(
                    "the scene was saved by Maya {v}, but the job's environment selects Maya {have} \
                     (its MAYA_LOCATION, or no Maya {v} is installed there); rendering with Maya {have}"
                ));
            }
        }
        // Two live jobs writing the same file names overwrite each other's frames.
        for other in self.jobs.values().filter(|j| !j.state.is_final()) {
            let clash = tasks.iter().find(|t| {
                other
                    .tasks
                    .iter()
                    .any(|o| o.plan.output_dir == t.output_dir && o.plan.image_name == t.image_name)
            });
            if let Some(t) = clash {
                warnings.push(format!(
                    "job {} (still {}) writes the same files ({}/{}.*): frames may overwrite each other;                      give this job another --output",
                    other.id,
                    other.state.as_str(),
                    t.output_dir.display(),
                    t.image_name
                ));
            }
        }
        let levels = plan::levels_for(&spec);
        let name = spec.name.clone().unwrap_or_else(|| {
            let src = spec.source_scene.as_ref().unwrap_or(&spec.scene);
            src.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "job".into())
        });
        let now = now_ms();
        let spec_json = serde_json::to_string(&spec)
            .map_err(|e| crate::Error::InvalidArgument(e.to_string()))?;
        let tx = self.conn.unchecked_transaction().map_err(self.dbe())?;
        let id = store::insert_job(
            &tx,
            &JobRow {
                id: 0,
                name: name.clone(),
                spec: spec_json,
                state: JobState::Queued.as_str().into(),
                priority: spec.priority,
                submitted_ms: now,
                started_ms: 0,
                finished_ms: 0,
                error: None,
                warnings: serde_json::to_string(&warnings).unwrap_or_else(|_| "[]".into()),
                log_path: String::new(),
                log_len: 0,
                log_next_seq: 1,
                output_dir: output_dir.to_string_lossy().into_owned(),
                slots: serde_json::to_string(&allowed).unwrap_or_else(|_| "[]".into()),
            },
        )
        .map_err(self.dbe())?;
        let log_path = self.cfg.paths.logs().join(format!("job-{id}.log"));
        store::set_job_log_path(&tx, id, &log_path.to_string_lossy()).map_err(self.dbe())?;
        let mut rts = Vec::new();
        for t in tasks {
            let tid = store::insert_task(
                &tx,
                &TaskRow {
                    id: 0,
                    job_id: id,
                    idx: t.index as u32,
                    layer: t.layer.clone(),
                    layer_display: t.layer_display.clone(),
                    frames: serde_json::to_string(&t.frames).unwrap_or_else(|_| "[]".into()),
                    output_dir: t.output_dir.to_string_lossy().into_owned(),
                    image_name: t.image_name.clone(),
                    padding: t.padding,
                    state: TaskState::Queued.as_str().into(),
                    level_idx: first_level as u32,
                    retries_used: 0,
                    attempts: 0,
                    error: None,
                },
            )
            .map_err(self.dbe())?;
            rts.push(TaskRt {
                id: tid,
                plan: t,
                state: TaskState::Queued,
                level_idx: first_level,
                retries_used: 0,
                attempts: 0,
                done: BTreeMap::new(),
                error: None,
                cold: false,
                warm_chunks: 0,
            });
        }
        tx.commit().map_err(self.dbe())?;
        let log = JobLog::open(&log_path, 0, 1, true)?;
        let frames_total: usize = rts.iter().map(|t| t.plan.frames.len()).sum();
        let summary =
            format!(
            "job {id} '{name}' queued: {} task(s), {frames_total} frame(s), scene {}, levels {}",
            rts.len(),
            spec.scene.display(),
            levels.iter().map(|m| method_name(*m)).collect::<Vec<_>>().join(" → ")
        );
        self.jobs.insert(
            id,
            Job {
                id,
                name,
                spec,
                state: JobState::Queued,
                paused: false,
                cancel_requested: false,
                paused_since_ms: 0,
                paused_total_ms: 0,
                submitted_ms: now,
                started_ms: 0,
                finished_ms: 0,
                error: None,
                warnings: warnings.clone(),
                task_lines: crate::queue::tasklines::TaskLines::create(log.path()),
                log,
                log_dirty: true,
                output_dir,
                levels,
                allowed,
                tasks: rts,
                endings: Vec::new(),
                exes,
            },
        );
        self.note(id, &summary);
        if let Some(a) = self.jobs.get(&id).and_then(|j| j.spec.after) {
            self.note(id, &format!("waits for job {a}: starts once it is done"));
        }
        for w in warnings {
            self.note(id, &format!("warning: {w}"));
        }
        Ok(id)
    }
}
