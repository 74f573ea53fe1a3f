//! The farm engines behind one trait (issue 23, item 5), and the one list of them.
//!
//! `brm farm submit|status|cancel` ask the engine of a job through [`FarmEngine`] and never
//! name an engine themselves, so adding a farm engine is one module implementing the trait
//! and one line in [`ENGINES`]; its name, aliases and capabilities come from the trait.
//! The engine-neutral job file is all an engine reads; what it writes and how it talks to its
//! scheduler stay in its own module.

use std::path::PathBuf;

use super::record::{EngineJob, FarmState};
use super::{deadline, opencue, openjd, slurm, FarmError, FarmJob};

/// Every farm engine brm writes for, in the order help texts list them.
pub const ENGINES: &[&dyn FarmEngine] = &[
    &slurm::Slurm,
    &deadline::Deadline,
    &opencue::OpenCue,
    &openjd::OpenJd,
];

/// The engine called `name` (its own name or an alias, any case, surrounding blanks
/// ignored).
pub fn lookup(name: &str) -> Option<&'static dyn FarmEngine> {
    let t = name.trim().to_ascii_lowercase();
    ENGINES
        .iter()
        .copied()
        .find(|e| e.name() == t || e.aliases().contains(&t.as_str()))
}

/// The engines' names, for messages (`slurm, deadline, opencue, openjd`).
pub fn names() -> String {
    ENGINES
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an export needs beyond the job file.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportOptions {
    /// Deadline: a CommandLine job running `brm task run` instead of Deadline's MayaBatch.
    pub deadline_commandline: bool,
}

/// What an engine wrote for a job.
#[derive(Clone, Debug, Default)]
pub struct Export {
    /// Every file written, in the order a submit lists them.
    pub files: Vec<PathBuf>,
    /// How to submit them by hand.
    pub commands: Vec<String>,
}

/// One farm engine: how a job file becomes the engine's files, and how brm asks its
/// scheduler (where it has one brm can reach).
pub trait FarmEngine: Sync {
    /// Its name in job files, records and `--engine` (lowercase, stable: job files carry it).
    fn name(&self) -> &'static str;

    /// Other names `--engine` accepts.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether it has a scheduler brm submits to. Without one (an OpenJD bundle) the written
    /// files are the whole hand-off, and their missing tool is no warning.
    fn has_scheduler(&self) -> bool {
        true
    }

    /// Whether its submit tool can be used here (else the files are written, not submitted).
    fn available(&self) -> bool {
        false
    }

    /// Write the engine's files for the job.
    fn export(&self, job: &FarmJob, opts: &ExportOptions) -> Result<Export, FarmError>;

    /// Write the engine's files, then hand them to its scheduler: the engine's job ids.
    /// Asked only when [`FarmEngine::has_scheduler`] and [`FarmEngine::available`].
    fn submit(
        &self,
        job: &FarmJob,
        opts: &ExportOptions,
    ) -> Result<(Export, Vec<EngineJob>), FarmError> {
        let _ = (job, opts);
        Err(FarmError::Invalid(format!(
            "{} jobs are not submitted by brm",
            self.name()
        )))
    }

    /// The engine's word for each task of a submitted job (by task index); None when it
    /// cannot be asked from here.
    fn task_states(&self, job: &FarmJob, ids: &[EngineJob]) -> Option<Vec<Option<String>>> {
        let _ = (job, ids);
        None
    }

    /// The engine's state words in brm's terms.
    fn state_of(&self) -> fn(&str) -> FarmState {
        |_| FarmState::Unknown
    }

    /// Whether `brm farm submit --wait` can follow its jobs (it answers
    /// [`FarmEngine::task_states`]).
    fn can_follow(&self) -> bool {
        false
    }

    /// Stop a submitted job. Idempotent.
    fn cancel(&self, ids: &[EngineJob]) -> Result<(), FarmError> {
        let _ = ids;
        Err(FarmError::Invalid(format!(
            "cancel {} jobs in the engine's own tools (CueGUI / cueadmin, Deadline Cloud monitor); brm cannot reach it here",
            self.name()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_or_alias_is_claimed_twice() {
        let mut seen = std::collections::BTreeSet::new();
        for e in ENGINES {
            for n in std::iter::once(e.name()).chain(e.aliases().iter().copied()) {
                assert!(seen.insert(n), "{n} claimed twice");
                assert_eq!(n, n.to_ascii_lowercase(), "names are lowercase");
            }
        }
    }

    #[test]
    fn names_and_aliases_find_their_engine() {
        assert_eq!(names(), "slurm, deadline, opencue, openjd");
        for (n, want) in [
            ("slurm", "slurm"),
            (" Deadline ", "deadline"),
            ("cue", "opencue"),
            ("deadline-cloud", "openjd"),
            ("open-job-description", "openjd"),
        ] {
            assert_eq!(lookup(n).map(|e| e.name()), Some(want), "{n}");
        }
        assert!(lookup("tractor").is_none());
    }

    #[test]
    fn job_files_carry_the_engine_by_its_own_name() {
        use super::super::Engine;
        let e: Engine = "cue".parse().unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"opencue\"");
        let back: Engine = serde_json::from_str("\"opencue\"").unwrap();
        assert_eq!(back, e);
        assert!(serde_json::from_str::<Engine>("\"cue\"").is_err());
        let err = "tractor".parse::<Engine>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown farm engine \"tractor\"; use one of: slurm, deadline, opencue, openjd"
        );
    }

    #[test]
    fn only_schedulers_brm_reaches_are_followed() {
        let follow: Vec<_> = ENGINES
            .iter()
            .filter(|e| e.can_follow())
            .map(|e| e.name())
            .collect();
        assert_eq!(follow, ["slurm"]);
        let bundles: Vec<_> = ENGINES
            .iter()
            .filter(|e| !e.has_scheduler())
            .map(|e| e.name())
            .collect();
        assert_eq!(bundles, ["openjd"]);
    }
}
