//! OpenCue: one cjsl-1.15 job spec (the DTD is Cuebot's
//! `cuebot/src/main/resources/public/dtd/cjsl-1.15.dtd`): one job, one layer per render
//! layer whose frame range is that layer's brm task indices (chunk 1: RQD substitutes
//! `#IFRAME#` in the command and sets `CUE_IFRAME`), cores, GPUs and GPU memory, service
//! tags, the job file in the environment, and a `Post` layer depending on every layer.
//! Show, shot, job and layer names meet Cuebot's rules (≥ 3 characters of `[A-Za-z0-9_.-]`).
//!
//! Launched through pycue (`opencue.api.launchSpec`, package `opencue-pycue`) when
//! `CUEBOT_HOSTS` is set; otherwise written, with the command that launches it.

use std::path::{Path, PathBuf};

use super::engine::{Export, ExportOptions, FarmEngine};
use super::job::safe_name;
use super::record::EngineJob;
use super::{tool, FarmError, FarmJob};

/// Escape text for XML character data and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 has no way to write other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The OpenCue command line: Cuebot runs it through RQD, which splits it like a shell, so
/// each argument is single-quoted.
fn cmd_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a == "#IFRAME#" {
                a.clone()
            } else {
                super::slurm::sh_quote(a)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The submitting user as the OS knows them (the password database on Unix, not `$USER`,
/// which a launcher may unset or change; `USERNAME` on Windows).
fn user() -> String {
    #[cfg(unix)]
    {
        // SAFETY: getpwuid returns a pointer into static storage (or NULL); the name is
        // copied out at once, on this one thread's call.
        let name = unsafe {
            let pw = libc::getpwuid(libc::getuid());
            if pw.is_null() || (*pw).pw_name.is_null() {
                None
            } else {
                Some(
                    std::ffi::CStr::from_ptr((*pw).pw_name)
                        .to_string_lossy()
                        .into_owned(),
                )
            }
        };
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            return safe_name(&n);
        }
    }
    std::env::var("USERNAME")
        .or_else(|_| std::env::var("USER"))
        .map(|u| safe_name(&u))
        .unwrap_or_else(|_| "brm".into())
}

/// The show (Deadline-style `--pool` doubles as the OpenCue show; OpenCue's default show
/// is `testing`).
pub fn show(job: &FarmJob) -> String {
    safe_name(job.pool.as_deref().unwrap_or("testing"))
}

/// The job name as Cuebot will call it: `show-shot-user_name`.
pub fn full_job_name(job: &FarmJob) -> String {
    format!(
        "{}-{}-{}_{}",
        show(job),
        safe_name(&job.name),
        user(),
        job_name(job)
    )
}

fn job_name(job: &FarmJob) -> String {
    safe_name(&format!("{}_{}", job.id, job.name))
}

/// The spec XML.
pub fn spec(job: &FarmJob) -> String {
    let r = &job.resources;
    let e = xml_escape;
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\"?>\n");
    x.push_str("<!DOCTYPE spec PUBLIC \"SPI Cue Specification Language\" \"http://localhost:8080/spcue/dtd/cjsl-1.15.dtd\">\n");
    x.push_str(&format!(
        "<!-- brm farm job {} of {}, written by brm {} -->\n",
        e(&job.id),
        e(&job.source_scene.display().to_string()).replace("--", "- -"),
        crate::VERSION
    ));
    x.push_str("<spec>\n");
    x.push_str(&format!("  <show>{}</show>\n", e(&show(job))));
    x.push_str(&format!("  <shot>{}</shot>\n", e(&safe_name(&job.name))));
    x.push_str(&format!("  <user>{}</user>\n", e(&user())));
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    x.push_str(&format!("  <uid>{}</uid>\n", unsafe { libc::getuid() }));
    x.push_str(&format!("  <job name=\"{}\">\n", e(&job_name(job))));
    x.push_str("    <paused>False</paused>\n");
    // Cuebot priorities are positive; brm's 0 is "normal".
    x.push_str(&format!(
        "    <priority>{}</priority>\n",
        (job.priority.max(0) as i64) + 1
    ));
    x.push_str(&format!(
        "    <maxretries>{}</maxretries>\n",
        job.spec.max_retries
    ));
    x.push_str("    <env>\n");
    x.push_str(&format!(
        "      <key name=\"BRM_FARM_JOB\">{}</key>\n",
        e(&job.file().display().to_string())
    ));
    x.push_str("    </env>\n");
    x.push_str("    <layers>\n");
    let layer = |x: &mut String, name: &str, kind: &str, cmd: &str, range: &str, gpus: bool| {
        x.push_str(&format!(
            "      <layer name=\"{}\" type=\"{kind}\">\n",
            e(name)
        ));
        x.push_str(&format!("        <cmd>{}</cmd>\n", e(cmd)));
        x.push_str(&format!("        <range>{}</range>\n", e(range)));
        x.push_str("        <chunk>1</chunk>\n");
        x.push_str(&format!(
            "        <cores>{}</cores>\n",
            r.cpus_per_task.max(1)
        ));
        if let Some(m) = r.memory_mb {
            x.push_str(&format!("        <memory>{m}m</memory>\n"));
        }
        if gpus && r.gpus_per_task > 0 {
            x.push_str(&format!("        <gpus>{}</gpus>\n", r.gpus_per_task));
            if let Some(m) = r.gpu_memory_mb {
                x.push_str(&format!("        <gpu_memory>{m}m</gpu_memory>\n"));
            }
        }
        if let Some(t) = r.time_limit_s {
            x.push_str(&format!(
                "        <timeout>{}</timeout>\n",
                t.div_ceil(60).max(1)
            ));
        }
        if let Some(g) = &job.group {
            x.push_str(&format!("        <tags>{}</tags>\n", e(g)));
        }
        x.push_str("        <services>\n");
        x.push_str(&format!(
            "          <service>{}</service>\n",
            if gpus && r.gpus_per_task > 0 {
                "gpu"
            } else {
                "shell"
            }
        ));
        x.push_str("        </services>\n");
        x.push_str("      </layer>\n");
    };
    for l in &job.layers {
        let (first, last) = l.range();
        layer(
            &mut x,
            &l.safe_name,
            "Render",
            &cmd_line(&job.node_argv(Some("#IFRAME#"))),
            &format!("{first}-{last}"),
            true,
        );
    }
    if job.post_task {
        layer(
            &mut x,
            "brm_post",
            "Post",
            &cmd_line(&job.post_argv()),
            "1-1",
            false,
        );
    }
    x.push_str("    </layers>\n");
    x.push_str("  </job>\n");
    if job.post_task {
        x.push_str("  <depends>\n");
        let full = e(&full_job_name(job));
        for l in &job.layers {
            x.push_str("    <depend type=\"LAYER_ON_LAYER\" anyframe=\"False\">\n");
            x.push_str(&format!("      <depjob>{full}</depjob>\n"));
            x.push_str("      <deplayer>brm_post</deplayer>\n");
            x.push_str(&format!("      <onjob>{full}</onjob>\n"));
            x.push_str(&format!("      <onlayer>{}</onlayer>\n", e(&l.safe_name)));
            x.push_str("    </depend>\n");
        }
        x.push_str("  </depends>\n");
    }
    x.push_str("</spec>\n");
    x
}

/// Write `<job_dir>/opencue/job.xml`.
pub fn emit(job: &FarmJob) -> Result<PathBuf, FarmError> {
    let dir = job.job_dir.join("opencue");
    std::fs::create_dir_all(&dir)
        .map_err(|e| FarmError::io("cannot create the OpenCue folder", &dir, e))?;
    let p = dir.join("job.xml");
    super::write_shared(&p, spec(job).as_bytes())
        .map_err(|e| FarmError::io("cannot write", &p, e))?;
    Ok(p)
}

/// pycue's launcher: reads the spec file named in argv (never spliced into code).
const LAUNCH_PY: &str = "import sys, opencue\nfor j in opencue.api.launchSpec(open(sys.argv[1]).read()):\n    print('JOB=' + str(j))\n";

/// How to launch a written spec by hand.
pub fn launch_hint(spec: &Path) -> String {
    format!(
        "CUEBOT_HOSTS=<your cuebot> python3 -c {} {}   # or open it in CueSubmit",
        super::slurm::sh_quote(LAUNCH_PY),
        super::slurm::sh_quote(&spec.display().to_string())
    )
}

/// Whether pycue can launch here: `CUEBOT_HOSTS` is set.
pub fn available() -> bool {
    std::env::var_os("CUEBOT_HOSTS").is_some_and(|v| !v.is_empty())
}

/// Launch through pycue; returns the job names Cuebot made.
pub fn submit(spec: &Path) -> Result<Vec<EngineJob>, FarmError> {
    let o = tool::run_ok(
        "python3",
        &["-c".into(), LAUNCH_PY.into(), spec.display().to_string()],
        "install Python 3 and `pip install opencue-pycue`",
    )?;
    Ok(o.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("JOB="))
        .map(|id| EngineJob {
            layer: "job".into(),
            id: id.trim().to_string(),
        })
        .collect())
}

/// OpenCue behind the farm's one engine trait: a cjsl spec launched through pycue; status
/// and cancel stay in CueGUI / cueadmin.
pub struct OpenCue;

impl OpenCue {
    fn export_of(spec: &Path) -> Export {
        Export {
            files: vec![spec.to_path_buf()],
            commands: vec![launch_hint(spec)],
        }
    }
}

impl FarmEngine for OpenCue {
    fn name(&self) -> &'static str {
        "opencue"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["cue"]
    }

    fn available(&self) -> bool {
        available()
    }

    fn export(&self, job: &FarmJob, _: &ExportOptions) -> Result<Export, FarmError> {
        Ok(OpenCue::export_of(&emit(job)?))
    }

    fn submit(
        &self,
        job: &FarmJob,
        _: &ExportOptions,
    ) -> Result<(Export, Vec<EngineJob>), FarmError> {
        let spec = emit(job)?;
        let ids = submit(&spec)?;
        Ok((OpenCue::export_of(&spec), ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("a<b & \"c\"'"),
            "a&lt;b &amp; &quot;c&quot;&apos;"
        );
        assert_eq!(xml_escape("x\u{1}y"), "x y");
    }

    #[test]
    fn each_argument_stays_one_word_for_rqd() {
        let c = cmd_line(&["/a b/brm".into(), "--task".into(), "#IFRAME#".into()]);
        assert_eq!(c, "'/a b/brm' --task #IFRAME#");
    }
}
