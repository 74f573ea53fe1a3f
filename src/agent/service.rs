//! The agent as a per-user service, so the queue resumes after a reboot or a logout/login
//! without anyone running brm first.
//!
//! `brm agent install-service` writes a systemd *user* unit (`brm-agent.service`, enabled for
//! `default.target`, i.e. started when the user's systemd instance starts: at login, or at
//! boot with `loginctl enable-linger`). Where there is no systemd user session (some studio
//! desktops, containers) it also writes an XDG autostart entry, which desktop sessions run at
//! login. Both start the same `brm` the user installed from; a second start is harmless (one
//! agent per user: the lock decides, the loser exits 0).
//!
//! Why `KillMode=process`: renders run in their own sessions and must outlive the agent (it
//! exits when idle, is restarted on upgrade, or stopped at logout). systemd's default stops a
//! unit by killing its whole control group, which would kill every render with it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The unit's file name (also what `systemctl --user status` takes).
pub const UNIT_NAME: &str = "brm-agent.service";
/// The XDG autostart entry's file name.
pub const DESKTOP_NAME: &str = "brm-agent.desktop";

/// What went wrong installing or removing the service, with the file involved.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot find the brm executable to run as the service ({0}); pass it with --exe")]
    NoExecutable(String),
    #[error(
        "no configuration folder: neither XDG_CONFIG_HOME nor HOME is set; set HOME and try again"
    )]
    NoConfigDir,
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<ServiceError> for crate::Error {
    fn from(e: ServiceError) -> crate::Error {
        match e {
            ServiceError::Io { what, path, source } => {
                crate::Error::io(format!("{what} {}", path.display()), source)
            }
            other => crate::Error::NotFound(other.to_string()),
        }
    }
}

/// Where the service files go: `$XDG_CONFIG_HOME` (default `~/.config`).
#[derive(Debug, Clone)]
pub struct ServiceDirs {
    /// `…/systemd/user`
    pub systemd_user: PathBuf,
    /// `…/autostart`
    pub autostart: PathBuf,
    /// These are the folders the user's systemd manager reads (`~/.config`): only then is it
    /// told (daemon-reload, start, disable). Elsewhere (tests, a staging folder) the files are
    /// written and nothing running is touched.
    pub managed: bool,
}

impl ServiceDirs {
    pub fn from_env() -> Result<ServiceDirs, ServiceError> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .map(|h| PathBuf::from(h).join(".config"))
            })
            .ok_or(ServiceError::NoConfigDir)?;
        let default = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config"));
        let mut dirs = ServiceDirs::under(&config);
        dirs.managed = default.is_some_and(|d| d == config);
        Ok(dirs)
    }

    /// The folders under `config`, not announced to systemd (see `managed`).
    pub fn under(config: &Path) -> ServiceDirs {
        ServiceDirs {
            systemd_user: config.join("systemd").join("user"),
            autostart: config.join("autostart"),
            managed: false,
        }
    }

    pub fn unit(&self) -> PathBuf {
        self.systemd_user.join(UNIT_NAME)
    }

    /// The `systemctl --user enable` symlink, made by hand so enabling works without a
    /// running user manager (first install over ssh, containers).
    pub fn wants_link(&self) -> PathBuf {
        self.systemd_user
            .join("default.target.wants")
            .join(UNIT_NAME)
    }

    pub fn desktop(&self) -> PathBuf {
        self.autostart.join(DESKTOP_NAME)
    }
}

/// How to install.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The `brm` to run; default: the running executable.
    pub exe: Option<PathBuf>,
    /// Write the XDG autostart entry even when a systemd user session exists.
    pub force_autostart: bool,
    /// Do not ask systemd to start the unit now.
    pub no_start: bool,
}

/// What `install` did, for the CLI to report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Installed {
    pub exe: PathBuf,
    pub unit: PathBuf,
    pub autostart: Option<PathBuf>,
    /// A systemd user manager answered (`daemon-reload` ran).
    pub systemd_session: bool,
    /// `systemctl --user start` succeeded.
    pub started: bool,
    /// Things the user should know (a failed systemctl call, linger).
    pub notes: Vec<String>,
}

/// The brm settings the service passes to the agent: every `BRM_*` variable set now, so the
/// agent started at login uses the same queue (`BRM_HOME`), Maya roots, slots and GPU rules as
/// the shell the artist installed from. The systemd user manager's environment has none.
pub fn settings_from_env() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, val)| Some((k.into_string().ok()?, val.into_string().ok()?)))
        .filter(|(k, _)| k.starts_with("BRM_") && k != "BRM_AGENT")
        .collect();
    v.sort();
    v
}

/// The systemd user unit for `exe` with `env` (see [`settings_from_env`]).
pub fn unit_text(exe: &Path, env: &[(String, String)]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "# Written by `brm agent install-service` (brm {}); remove it with\n\
         # `brm agent uninstall-service`. Starts the per-user brm agent when your systemd user\n\
         # instance starts (login; boot with `loginctl enable-linger`), so queued renders go on\n\
         # and interrupted ones re-render their missing frames.\n",
        crate::VERSION
    ));
    s.push_str("[Unit]\n");
    s.push_str("Description=brm render agent (per-user render queue)\n");
    s.push_str("Documentation=man:systemd.service(5)\n\n");
    s.push_str("[Service]\n");
    s.push_str("Type=simple\n");
    s.push_str(&format!(
        "ExecStart={} agent serve\n",
        systemd_quote(&exe.to_string_lossy())
    ));
    for (k, v) in env {
        s.push_str(&format!(
            "Environment={}\n",
            systemd_quote(&format!("{k}={v}"))
        ));
    }
    s.push_str(
        "# Renders run in their own sessions and outlive the agent: stop only the agent.\n\
         KillMode=process\n\
         # The agent exits 0 by itself when idle (BRM_AGENT_IDLE_S); restart only on a crash.\n\
         Restart=on-failure\n\
         RestartSec=5\n\n",
    );
    s.push_str("[Install]\nWantedBy=default.target\n");
    s
}

/// The XDG autostart entry (Desktop Entry Specification 1.5, "Autostart"): `brm agent
/// start`, which starts the agent detached and returns (a no-op when one runs).
pub fn desktop_text(exe: &Path, env: &[(String, String)]) -> String {
    let mut args: Vec<String> = Vec::new();
    if !env.is_empty() {
        args.push("/usr/bin/env".into());
        args.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
    }
    args.push(exe.to_string_lossy().into_owned());
    args.push("agent".into());
    args.push("start".into());
    let exec: Vec<String> = args.iter().map(|a| desktop_exec_arg(a)).collect();
    format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=brm render agent\n\
         Comment=Resumes your queued brm renders after login (written by brm agent install-service)\n\
         Exec={}\n\
         Terminal=false\n\
         NoDisplay=true\n\
         X-GNOME-Autostart-enabled=true\n",
        exec.join(" ")
    )
}

/// Quote one word for a unit file (systemd.syntax(7), systemd.service(5) "Command lines"):
/// `%` is a specifier and `$` a variable reference in both ExecStart= and Environment=.
fn systemd_quote(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    let plain = !escaped.is_empty()
        && escaped
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%$".contains(c));
    if plain {
        return escaped;
    }
    let mut q = String::from("\"");
    for c in escaped.chars() {
        match c {
            '\\' => q.push_str("\\\\"),
            '"' => q.push_str("\\\""),
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Quote one argument of a desktop entry's `Exec` (Desktop Entry Specification, "The Exec
/// key"): reserved characters need double quotes, inside which `"`, `` ` ``, `$` and `\` are
/// backslash-escaped; `%` is a field code (`%%`); then the value's own string escaping doubles
/// every backslash.
fn desktop_exec_arg(arg: &str) -> String {
    let arg = arg.replace('%', "%%");
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    let quoted = if plain {
        arg
    } else {
        let mut q = String::from("\"");
        for c in arg.chars() {
            if "\"`$\\".contains(c) {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    };
    quoted.replace('\\', "\\\\")
}

/// Is there a systemd user manager to talk to? (`systemctl --user` answers.)
pub fn systemd_user_session() -> bool {
    if !Path::new("/run/systemd/system").is_dir() {
        return false;
    }
    Command::new("systemctl")
        .args(["--user", "show-environment"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn systemctl(args: &[&str]) -> Result<(), String> {
    let out = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("systemctl --user {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "systemctl --user {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), ServiceError> {
    let io = |what, source| ServiceError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("creating the folder of", e))?;
    }
    // Write beside, then rename: a half-written unit is never loaded.
    let tmp = path.with_extension("tmp-brm");
    std::fs::write(&tmp, text).map_err(|e| io("writing", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io("writing", e))
}

fn the_executable(explicit: Option<&Path>) -> Result<PathBuf, ServiceError> {
    let exe = match explicit {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()
            .map_err(|e| ServiceError::NoExecutable(format!("the running program: {e}")))?,
    };
    let exe = exe
        .canonicalize()
        .map_err(|e| ServiceError::NoExecutable(format!("{}: {e}", exe.display())))?;
    if !exe.is_file() {
        return Err(ServiceError::NoExecutable(format!(
            "{} is not a file",
            exe.display()
        )));
    }
    Ok(exe)
}

/// Write (or rewrite: install is idempotent, e.g. after moving the module) the unit, enable
/// it, and add the autostart entry where no systemd user session exists.
pub fn install(dirs: &ServiceDirs, opts: &InstallOptions) -> Result<Installed, ServiceError> {
    let exe = the_executable(opts.exe.as_deref())?;
    let env = settings_from_env();
    write_file(&dirs.unit(), &unit_text(&exe, &env))?;
    let link = dirs.wants_link();
    let io = |what, source| ServiceError::Io {
        what,
        path: link.clone(),
        source,
    };
    if let Some(d) = link.parent() {
        std::fs::create_dir_all(d).map_err(|e| io("creating the folder of", e))?;
    }
    let _ = std::fs::remove_file(&link);
    symlink(&Path::new("..").join(UNIT_NAME), &link).map_err(|e| io("enabling (symlink)", e))?;

    let session = dirs.managed && systemd_user_session();
    let mut notes = Vec::new();
    let mut started = false;
    if session {
        if let Err(e) = systemctl(&["daemon-reload"]) {
            notes.push(e);
        } else if !opts.no_start {
            match systemctl(&["start", UNIT_NAME]) {
                Ok(()) => started = true,
                Err(e) => notes.push(e),
            }
        }
        notes.push(
            "to start the agent at boot without logging in: loginctl enable-linger $USER"
                .to_string(),
        );
    }
    let autostart = if !session || opts.force_autostart {
        write_file(&dirs.desktop(), &desktop_text(&exe, &env))?;
        if !session {
            notes.push(
                "no systemd user session here: the desktop session starts the agent at login \
                 through the autostart entry"
                    .to_string(),
            );
        }
        Some(dirs.desktop())
    } else {
        None
    };
    Ok(Installed {
        exe,
        unit: dirs.unit(),
        autostart,
        systemd_session: session,
        started,
        notes,
    })
}

/// Remove the unit, its enable link and the autostart entry; returns the files removed. The
/// running agent (and its renders) keep running: `brm agent stop` stops the agent.
pub fn uninstall(dirs: &ServiceDirs) -> Result<Vec<PathBuf>, ServiceError> {
    let session = dirs.managed && systemd_user_session();
    if session {
        let _ = systemctl(&["disable", UNIT_NAME]);
    }
    let mut removed = Vec::new();
    for p in [dirs.wants_link(), dirs.unit(), dirs.desktop()] {
        match std::fs::remove_file(&p) {
            Ok(()) => removed.push(p),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ServiceError::Io {
                    what: "removing",
                    path: p,
                    source: e,
                })
            }
        }
    }
    if session {
        let _ = systemctl(&["daemon-reload"]);
    }
    // The folders install made for these files go too when nothing else is in them
    // (`remove_dir` refuses a folder that is not empty; the config folder itself stays).
    if !removed.is_empty() {
        let folders = [
            dirs.wants_link().parent().map(Path::to_path_buf),
            Some(dirs.systemd_user.clone()),
            dirs.systemd_user.parent().map(Path::to_path_buf),
            Some(dirs.autostart.clone()),
        ];
        for d in folders.into_iter().flatten() {
            if std::fs::remove_dir(&d).is_ok() {
                removed.push(d);
            }
        }
    }
    Ok(removed)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "user services are systemd/XDG (Linux) only",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_quotes_paths_and_escapes_specifiers() {
        let env = vec![("BRM_HOME".to_string(), "/home/a b/100%".to_string())];
        let u = unit_text(Path::new("/opt/my maya/brm/bin/brm"), &env);
        assert!(
            u.contains("ExecStart=\"/opt/my maya/brm/bin/brm\" agent serve\n"),
            "{u}"
        );
        assert!(
            u.contains("Environment=\"BRM_HOME=/home/a b/100%%\"\n"),
            "{u}"
        );
        assert!(u.contains("KillMode=process\n"));
        assert!(u.contains("WantedBy=default.target\n"));
        let plain = unit_text(Path::new("/opt/brm/bin/brm"), &[]);
        assert!(plain.contains("ExecStart=/opt/brm/bin/brm agent serve\n"));
        assert!(!plain.contains("Environment="));
    }

    #[test]
    fn desktop_exec_quotes_per_the_spec() {
        assert_eq!(desktop_exec_arg("/opt/brm/bin/brm"), "/opt/brm/bin/brm");
        assert_eq!(desktop_exec_arg("/a b/brm"), "\"/a b/brm\"");
        // "$" inside quotes is escaped once for Exec, and the backslash doubled for the value.
        assert_eq!(desktop_exec_arg("/x$y"), "\"/x\\\\$y\"");
        assert_eq!(desktop_exec_arg("50%"), "50%%");
        let d = desktop_text(
            Path::new("/opt/brm/bin/brm"),
            &[("BRM_HOME".into(), "/h".into())],
        );
        assert!(
            d.contains("Exec=/usr/bin/env BRM_HOME=/h /opt/brm/bin/brm agent start\n"),
            "{d}"
        );
    }
}
