//! Telling the person who submitted a job that it ended: a freedesktop desktop notification
//! (`org.freedesktop.Notifications.Notify` on the session bus) where a session bus exists.
//! Off with `BRM_NOTIFY=0`, in the agent's environment or in the job's (the submitter's).
//!
//! The call goes through `gdbus` (GLib, present on every Linux desktop brm targets), else
//! `notify-send` (libnotify): no D-Bus library is linked into the agent for one message a
//! job. No shell is used; every value is one argument. Sending never blocks the engine (a
//! thread waits for the tool, at most [`TOOL_TIMEOUT`]) and never fails a job.
//!
//! Notify's signature (Desktop Notifications Specification 1.2, "org.freedesktop.
//! Notifications.Notify"): `(app_name s, replaces_id u, app_icon s, summary s, body s,
//! actions as, hints a{sv}, expire_timeout i) → u`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long the notification tool may take before it is killed.
const TOOL_TIMEOUT: Duration = Duration::from_secs(10);

/// One notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
    /// A failure: urgency "critical" (stays until dismissed on most desktops).
    pub critical: bool,
    /// A picture to show with it (the job's latest preview), where the notification
    /// service shows images (the `image-path` hint of the Desktop Notifications spec).
    pub image: Option<PathBuf>,
}

/// Whether notifications are on for a job submitted with `job_env`, and a session bus is
/// there to carry them.
pub fn enabled(job_env: &[(String, String)]) -> bool {
    crate::config::notify(crate::config::Env::Process)
        && crate::config::notify(crate::config::Env::Job(job_env))
        && session_bus_present()
}

fn session_bus_present() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()) {
        return true;
    }
    // systemd's per-user bus, which GLib finds on its own.
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(|d| Path::new(&d).join("bus").exists())
        .unwrap_or(false)
}

/// A GVariant text literal of `s` (what `gdbus call` parses for an `s` argument).
fn gvariant_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    })
}

/// The command that shows `n`, by the first tool found.
pub fn command(n: &Notice) -> Option<Command> {
    command_with(n, on_path("gdbus"), on_path("notify-send"))
}

/// [`command`] with the tools given (`gdbus` first, else `notify-send`).
fn command_with(
    n: &Notice,
    gdbus: Option<PathBuf>,
    notify_send: Option<PathBuf>,
) -> Option<Command> {
    if let Some(gdbus) = gdbus {
        let urgency = if n.critical { 2 } else { 1 };
        let mut c = Command::new(gdbus);
        c.args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.Notifications",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--method",
            "org.freedesktop.Notifications.Notify",
            // Typed literals: gdbus guesses `int32` for a bare 0 when it cannot introspect.
            "\"brm\"",
            "uint32 0",
            "\"\"",
        ])
        .arg(gvariant_string(&n.summary))
        .arg(gvariant_string(&n.body))
        .arg("@as []")
        .arg(match &n.image {
            Some(img) => format!(
                "{{\"urgency\": <byte {urgency}>, \"image-path\": <{}>}}",
                gvariant_string(&format!("file://{}", img.display()))
            ),
            None => format!("{{\"urgency\": <byte {urgency}>}}"),
        })
        .arg(if n.critical { "int32 0" } else { "int32 10000" });
        return Some(c);
    }
    let send = notify_send?;
    let mut c = Command::new(send);
    c.args([
        "--app-name=brm",
        "-u",
        if n.critical { "critical" } else { "normal" },
    ]);
    if let Some(img) = &n.image {
        c.arg(format!("--hint=string:image-path:file://{}", img.display()));
    }
    c.arg("--").arg(&n.summary).arg(&n.body);
    Some(c)
}

/// Show `n` in the background; problems are reported on the agent's stderr only.
pub fn send(n: Notice) {
    let Some(mut cmd) = command(&n) else {
        return;
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let spawned = std::thread::Builder::new()
        .name("brm-notify".into())
        .spawn(move || {
            let Ok(mut child) = cmd.spawn() else {
                return;
            };
            let deadline = Instant::now() + TOOL_TIMEOUT;
            loop {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => return,
                    Ok(None) if Instant::now() > deadline => {
                        let _ = child.kill();
                        let _ = child.wait();
                        return;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        });
    if let Err(e) = spawned {
        eprintln!("brm: could not start the notification thread: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_travels_as_the_image_path_hint() {
        let n = Notice {
            summary: "brm: job 3 'shot' done".into(),
            body: "24/24 frames".into(),
            critical: false,
            image: Some(PathBuf::from(
                "/home/a/.local/state/brm/previews/job-3/beauty.png",
            )),
        };
        let args = |c: Command| -> String {
            c.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let g = args(command_with(&n, Some("gdbus".into()), None).unwrap());
        assert!(
            g.contains(
                "\"image-path\": <\"file:///home/a/.local/state/brm/previews/job-3/beauty.png\">"
            ),
            "{g}"
        );
        let s = args(command_with(&n, None, Some("notify-send".into())).unwrap());
        assert!(
            s.contains("--hint=string:image-path:file:///home/a/.local/state/brm/previews/job-3/beauty.png"),
            "{s}"
        );
        let plain = Notice { image: None, ..n };
        assert!(
            !args(command_with(&plain, Some("gdbus".into()), None).unwrap()).contains("image-path")
        );
    }

    #[test]
    fn strings_become_gvariant_literals() {
        assert_eq!(gvariant_string("job 'a' \"b\"\\"), r#""job 'a' \"b\"\\""#);
        assert_eq!(gvariant_string("x\ny"), r#""x\ny""#);
    }
}
