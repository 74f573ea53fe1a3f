//! The `@brm {json}` lines of brm's own mayapy scripts (`maya_plugin/scripts/`).
//!
//! Protocol (CONTRACTS.md, schema 1), one JSON object per line, on stdout:
//! `@brm {"event":"frame_start","frame":7}`,
//! `@brm {"event":"frame_done","frame":7,"files":["/abs/out/beauty/shot010.0007.exr"]}`,
//! `@brm {"event":"error","message":"...","fatal":true}`,
//! and, optionally, `@brm {"event":"progress","percent":42.5}`.
//! Unknown events and malformed JSON are ignored: a stray line must never fail a render.

use std::path::PathBuf;

use serde::Deserialize;

use super::{LogParser, ProgressEvent};

const PREFIX: &str = "@brm ";

/// The JSON after `@brm `, when `line` is a brm line. Leading whitespace is tolerated (some
/// hosts indent or prefix stdout); nothing else before the marker is.
pub(crate) fn brm_payload(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    trimmed.strip_prefix(PREFIX)
}

#[derive(Deserialize)]
struct Message {
    event: String,
    #[serde(default)]
    frame: Option<f64>,
    #[serde(default)]
    files: Vec<PathBuf>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    fatal: Option<bool>,
    #[serde(default)]
    percent: Option<f32>,
}

/// Parses `@brm` lines only (other lines give nothing).
#[derive(Debug, Default)]
pub struct BrmLineParser {}

impl BrmLineParser {
    pub fn new() -> Self {
        BrmLineParser {}
    }

    pub(crate) fn feed_payload(&mut self, json: &str, out: &mut Vec<ProgressEvent>) {
        let Ok(msg) = serde_json::from_str::<Message>(json) else {
            return;
        };
        let frame = msg
            .frame
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
            .map(|f| f as i64);
        match msg.event.as_str() {
            "frame_start" => {
                if let Some(frame) = frame {
                    out.push(ProgressEvent::FrameStarted { frame });
                }
            }
            "frame_done" => out.push(ProgressEvent::FrameFinished {
                frame,
                files: msg.files,
            }),
            "file_saved" => {
                for path in msg.files {
                    out.push(ProgressEvent::FileSaved { path });
                }
            }
            "progress" => {
                if let Some(p) = msg.percent.filter(|p| (0.0..=100.0).contains(p)) {
                    out.push(ProgressEvent::Percent { percent: p });
                }
            }
            "error" if msg.fatal.unwrap_or(false) => out.push(ProgressEvent::Fatal {
                reason: msg
                    .message
                    .unwrap_or_else(|| "the render script reported a fatal error".to_string()),
            }),
            _ => {}
        }
    }
}

impl LogParser for BrmLineParser {
    fn feed(&mut self, line: &str, out: &mut Vec<ProgressEvent>) {
        if let Some(json) = brm_payload(line) {
            self.feed_payload(json, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Vec<ProgressEvent> {
        let mut out = Vec::new();
        BrmLineParser::new().feed(line, &mut out);
        out
    }

    #[test]
    fn contract_lines() {
        // The exact lines of CONTRACTS.md.
        assert_eq!(
            parse(r#"@brm {"event":"frame_start","frame":7}"#),
            vec![ProgressEvent::FrameStarted { frame: 7 }]
        );
        assert_eq!(
            parse(
                r#"@brm {"event":"frame_done","frame":7,"files":["/abs/out/beauty/shot010.0007.exr"]}"#
            ),
            vec![ProgressEvent::FrameFinished {
                frame: Some(7),
                files: vec![PathBuf::from("/abs/out/beauty/shot010.0007.exr")]
            }]
        );
        assert_eq!(
            parse(r#"@brm {"event":"error","message":"no such layer","fatal":true}"#),
            vec![ProgressEvent::Fatal {
                reason: "no such layer".into()
            }]
        );
    }

    #[test]
    fn tolerant_of_noise() {
        assert!(parse(r#"@brm {"event":"error","message":"x","fatal":false}"#).is_empty());
        assert!(parse("@brm {not json").is_empty());
        assert!(parse(r#"@brm {"event":"something_new"}"#).is_empty());
        assert!(parse(r#"say @brm {"event":"frame_start","frame":1}"#).is_empty());
        assert!(parse(r#"@brm {"event":"frame_start","frame":1.5}"#).is_empty());
        assert_eq!(
            parse(r#"   @brm {"event":"frame_start","frame":-3}"#),
            vec![ProgressEvent::FrameStarted { frame: -3 }]
        );
        assert_eq!(
            parse(r#"@brm {"event":"progress","percent":42.5}"#),
            vec![ProgressEvent::Percent { percent: 42.5 }]
        );
    }
}
