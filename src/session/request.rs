//! The session pipe protocol (issue 13): what brm writes to a warm session's stdin, and the
//! two control lines a session prints among its render output.
//!
//! Requests are one JSON object a line, data only (a layer name or path is never code):
//! `{"op":"render","chunk":N,"output":"DIR/NAME.####","runs":[[START,END,STEP],…]}` and
//! `{"op":"quit"}`. A session prints `@brm {"event":"session_ready",…}` once the scene is
//! loaded, and `@brm {"event":"chunk_done","chunk":N,"ok":true|false[,"message":…]}` after
//! each request; frames themselves are reported by the renderer's usual lines (Blender:
//! `Saved: '…'`) or brm's `@brm frame_done` events, read by the same parsers as a cold render.
//!
//! Before `session_ready` a session lists the external files its loaded scene depends on
//! (issue 19): `@brm {"event":"dependencies","files":["/abs/path",…]}`, absolute paths,
//! folders allowed; `"complete":false` (with `"message"`) when it could not list them all.
//! A line that says `dependencies` but has no list of strings is [`Control::Unlisted`]:
//! such a session is never reused for another job (`super::deps`).

use serde::{Deserialize, Serialize};

/// One request line.
#[derive(Debug, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request<'a> {
    /// Render `runs` (arithmetic runs, each like `-s START -e END -j STEP -a`) to `output`
    /// (the image path with `#` for the padded frame number).
    Render {
        chunk: u64,
        output: &'a str,
        runs: Vec<(i64, i64, i64)>,
        /// The same output as folder, image name and padding (what Maya's scripts set).
        output_dir: &'a str,
        image_name: &'a str,
        padding: u32,
    },
    /// End the session (end of stdin means the same).
    Quit,
}

impl Request<'_> {
    /// The request as one line, newline included.
    pub fn line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| "{\"op\":\"quit\"}".into());
        s.push('\n');
        s
    }
}

/// A control line of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// The scene is loaded; requests are read from now on.
    Ready,
    /// The files the loaded scene depends on (absolute paths).
    Dependencies(Vec<std::path::PathBuf>),
    /// A `dependencies` line that does not list them (malformed or incomplete): why.
    Unlisted(String),
    /// Request `chunk` is finished (`ok: false`: the renderer raised; `message` says why).
    ChunkDone {
        chunk: u64,
        ok: bool,
        message: Option<String>,
    },
}

#[derive(Deserialize)]
struct Event {
    event: String,
    #[serde(default)]
    chunk: Option<u64>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    files: Option<serde_json::Value>,
    #[serde(default)]
    complete: Option<bool>,
}

/// A `dependencies` event's list, or why it is not one.
fn dependencies(ev: &Event) -> Control {
    if ev.complete == Some(false) {
        let why = ev.message.as_deref().unwrap_or("no reason given");
        return Control::Unlisted(format!("the session says its list is incomplete: {why}"));
    }
    let Some(serde_json::Value::Array(items)) = &ev.files else {
        return Control::Unlisted("its dependencies line has no \"files\" list".into());
    };
    let mut files = Vec::with_capacity(items.len());
    for it in items {
        match it.as_str() {
            // `//` is Blender's "relative to the .blend", not an absolute path.
            Some(p) if std::path::Path::new(p).is_absolute() && !p.starts_with("//") => {
                files.push(p.into())
            }
            _ => {
                return Control::Unlisted(format!(
                    "its dependencies line lists {it}, not an absolute path"
                ))
            }
        }
    }
    Control::Dependencies(files)
}

/// The control event of a log line, if it is one (any other line, `@brm` or not: `None`).
pub fn control_line(line: &str) -> Option<Control> {
    let json = line.trim_end().strip_prefix("@brm ")?;
    let ev: Event = serde_json::from_str(json).ok()?;
    match ev.event.as_str() {
        "session_ready" => Some(Control::Ready),
        "dependencies" => Some(dependencies(&ev)),
        "chunk_done" => Some(Control::ChunkDone {
            chunk: ev.chunk?,
            ok: ev.ok.unwrap_or(false),
            message: ev.message,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_line_of_data() {
        let r = Request::Render {
            chunk: 3,
            output: "/o/it's \"x\"; $(y).####",
            runs: vec![(1, 4, 1), (9, 9, 1)],
            output_dir: "/o",
            image_name: "it's \"x\"; $(y)",
            padding: 4,
        };
        let line = r.line();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["op"], "render");
        assert_eq!(v["output"], "/o/it's \"x\"; $(y).####");
        assert_eq!(v["runs"], serde_json::json!([[1, 4, 1], [9, 9, 1]]));
        assert_eq!(Request::Quit.line(), "{\"op\":\"quit\"}\n");
    }

    #[test]
    fn control_lines_are_recognised_and_nothing_else() {
        assert_eq!(
            control_line(r#"@brm {"event":"session_ready","scene":"/s.blend","pid":7}"#),
            Some(Control::Ready)
        );
        assert_eq!(
            control_line(r#"@brm {"event":"chunk_done","chunk":2,"ok":true}"#),
            Some(Control::ChunkDone {
                chunk: 2,
                ok: true,
                message: None
            })
        );
        assert_eq!(
            control_line(r#"@brm {"event":"chunk_done","chunk":2,"ok":false,"message":"boom"}"#),
            Some(Control::ChunkDone {
                chunk: 2,
                ok: false,
                message: Some("boom".into())
            })
        );
        assert_eq!(
            control_line(r#"@brm {"event":"frame_done","frame":4}"#),
            None
        );
        assert_eq!(control_line(r#"@brm {"event":"chunk_done"}"#), None);
        assert_eq!(control_line("Saved: '/o/s.0001.png'"), None);
        assert_eq!(control_line("@brm not json"), None);
    }

    #[test]
    fn dependency_lines_list_absolute_paths_or_say_why_not() {
        // Absolute where this test runs (a drive letter on Windows).
        let root = if cfg!(windows) { "C:/p" } else { "/p" };
        assert_eq!(
            control_line(&format!(
                r#"@brm {{"event":"dependencies","files":["{root}/tex/wood.png","{root}/lib.blend"]}}"#
            )),
            Some(Control::Dependencies(vec![
                format!("{root}/tex/wood.png").into(),
                format!("{root}/lib.blend").into()
            ]))
        );
        assert_eq!(
            control_line(r#"@brm {"event":"dependencies","files":[]}"#),
            Some(Control::Dependencies(vec![]))
        );
        let unlisted = |l: &str| match control_line(l) {
            Some(Control::Unlisted(why)) => why,
            other => panic!("{l}: {other:?}"),
        };
        assert!(unlisted(r#"@brm {"event":"dependencies"}"#).contains("no \"files\" list"));
        assert!(unlisted(r#"@brm {"event":"dependencies","files":"/a"}"#).contains("no \"files\""));
        assert!(
            unlisted(r#"@brm {"event":"dependencies","files":["//tex/a.png"]}"#)
                .contains("\"//tex/a.png\", not an absolute path")
        );
        assert!(unlisted(r#"@brm {"event":"dependencies","files":[3]}"#).contains("3, not"));
        assert!(unlisted(
            r#"@brm {"event":"dependencies","files":["/a"],"complete":false,"message":"ls failed"}"#
        )
        .contains("incomplete: ls failed"));
    }
}
