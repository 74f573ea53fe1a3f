//! Previews of verified frames: a small PNG (at most [`WIDTH`] pixels wide) of the latest
//! frame of each job and layer, so an artist looks instead of reading (`brm status`, the
//! Batch Render window, the end-of-job notification).
//!
//! Why a worker thread with a bounded queue: a preview must never slow the render or the
//! engine's tick. The engine only [`Previews::request`]s (never blocks: a full queue drops
//! the request, and a later frame of the same layer replaces it anyway); one thread at a
//! lowered priority decodes (the `image` crate: PNG, JPEG, TIFF, OpenEXR; EXR tone-mapped),
//! scales and writes `<state>/previews/job-N/<layer>.png` atomically. Decoding is bounded
//! ([`MAX_DECODE_BYTES`]), so a 16K EXR cannot take the agent's memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

/// The preview's width in pixels (smaller frames are kept at their size).
pub const WIDTH: u32 = 256;
/// Requests waiting for the worker; more are dropped.
const QUEUE: usize = 8;
/// The most memory one decode may allocate.
pub const MAX_DECODE_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("cannot read {path} for a preview: {message}")]
    Decode { path: PathBuf, message: String },
    #[error("cannot write the preview {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Make the preview of `frame` at `dest` (a PNG, written to a temporary name and renamed,
/// so a reader never sees half a file).
pub fn make(frame: &Path, dest: &Path) -> Result<(), PreviewError> {
    let err = |message: String| PreviewError::Decode {
        path: frame.to_path_buf(),
        message,
    };
    let mut reader = image::ImageReader::open(frame)
        .map_err(|e| err(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| err(e.to_string()))?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| err(e.to_string()))?;
    let scaled = if img.width() > WIDTH {
        let h = ((img.height() as u64 * WIDTH as u64) / img.width().max(1) as u64).max(1) as u32;
        img.thumbnail(WIDTH, h)
    } else {
        img
    };
    let rgba = display_rgba(&scaled);
    if let Some(d) = dest.parent() {
        std::fs::create_dir_all(d).map_err(|e| PreviewError::Write {
            path: dest.to_path_buf(),
            source: e,
        })?;
    }
    let tmp = dest.with_extension(format!("tmp{}", std::process::id()));
    rgba.save_with_format(&tmp, image::ImageFormat::Png)
        .map_err(|e| PreviewError::Write {
            path: dest.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
    std::fs::rename(&tmp, dest).map_err(|e| PreviewError::Write {
        path: dest.to_path_buf(),
        source: e,
    })
}

/// 8-bit sRGB for a screen. Float images (EXR, float TIFF) are scene-linear: tone-mapped
/// (Reinhard, `x / (1 + x)`, keeping highlights from clipping) and encoded to sRGB;
/// integer images are display-referred already and only converted.
fn display_rgba(img: &image::DynamicImage) -> image::RgbaImage {
    use image::DynamicImage as D;
    match img {
        D::ImageRgb32F(_) | D::ImageRgba32F(_) => {
            let f = img.to_rgba32f();
            let mut out = image::RgbaImage::new(f.width(), f.height());
            for (o, p) in out.pixels_mut().zip(f.pixels()) {
                let c = |v: f32| {
                    let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                    let t = v / (1.0 + v);
                    let s = if t <= 0.003_130_8 {
                        12.92 * t
                    } else {
                        1.055 * t.powf(1.0 / 2.4) - 0.055
                    };
                    (s * 255.0).round().clamp(0.0, 255.0) as u8
                };
                let a = (p[3].clamp(0.0, 1.0) * 255.0).round() as u8;
                *o = image::Rgba([c(p[0]), c(p[1]), c(p[2]), a]);
            }
            out
        }
        _ => img.to_rgba8(),
    }
}

/// The latest preview of one job and layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    pub layer: String,
    pub frame: i64,
    pub path: PathBuf,
    /// The frame file it was made from (None when an earlier agent made it).
    pub source: Option<PathBuf>,
    /// Order of making (the latest of a job is the one made last).
    seq: u64,
}

/// The previews of every job: the worker and what it made.
pub struct Previews {
    root: PathBuf,
    tx: Option<SyncSender<Request>>,
    made: Arc<Mutex<Made>>,
}

#[derive(Default)]
struct Made {
    seq: u64,
    latest: HashMap<(u64, String), Latest>,
}

struct Request {
    job: u64,
    layer: String,
    frame: i64,
    file: PathBuf,
}

impl Previews {
    /// Previews under `root` (`<state>/previews`), with the worker thread started; the ones
    /// already on disk (an agent restart) are known again.
    pub fn start(root: PathBuf) -> Previews {
        let made = Arc::new(Mutex::new(Made::default()));
        scan(&root, &made);
        let (tx, rx) = sync_channel::<Request>(QUEUE);
        let worker_made = Arc::clone(&made);
        let worker_root = root.clone();
        let spawned = std::thread::Builder::new()
            .name("brm-previews".into())
            .spawn(move || {
                crate::run::lower_thread_priority();
                for r in rx {
                    let dest = path_of(&worker_root, r.job, &r.layer);
                    match make(&r.file, &dest) {
                        Ok(()) => {
                            if let Ok(mut m) = worker_made.lock() {
                                m.seq += 1;
                                let seq = m.seq;
                                m.latest.insert(
                                    (r.job, r.layer.clone()),
                                    Latest {
                                        layer: r.layer,
                                        frame: r.frame,
                                        path: dest,
                                        source: Some(r.file),
                                        seq,
                                    },
                                );
                            }
                        }
                        Err(e) => eprintln!("brm previews: {e}"),
                    }
                }
            });
        Previews {
            root,
            tx: spawned.ok().map(|_| tx),
            made,
        }
    }

    /// Ask for a preview of `file` (frame `frame` of `job`'s `layer`). Never blocks.
    pub fn request(&self, job: u64, layer: &str, frame: i64, file: &Path) {
        let Some(tx) = &self.tx else {
            return;
        };
        let r = Request {
            job,
            layer: layer.to_string(),
            frame,
            file: file.to_path_buf(),
        };
        match tx.try_send(r) {
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// The latest preview of `job` (over its layers), if one was made.
    pub fn latest(&self, job: u64) -> Option<Latest> {
        let m = self.made.lock().ok()?;
        m.latest
            .iter()
            .filter(|((j, _), _)| *j == job)
            .map(|(_, l)| l.clone())
            .max_by_key(|l| l.seq)
    }

    /// The latest preview of each layer of `job`, in layer order.
    pub fn of_job(&self, job: u64) -> Vec<Latest> {
        let Ok(m) = self.made.lock() else {
            return Vec::new();
        };
        let mut v: Vec<Latest> = m
            .latest
            .iter()
            .filter(|((j, _), _)| *j == job)
            .map(|(_, l)| l.clone())
            .collect();
        v.sort_by(|a, b| a.layer.cmp(&b.layer));
        v
    }

    /// Remove a job's previews (the job is forgotten).
    pub fn forget(&self, job: u64) {
        if let Ok(mut m) = self.made.lock() {
            m.latest.retain(|(j, _), _| *j != job);
        }
        let _ = std::fs::remove_dir_all(self.root.join(format!("job-{job}")));
    }
}

/// `<root>/job-N/<layer>.png`; the layer's name made safe for a file name (`_` for the
/// job's only output).
fn path_of(root: &Path, job: u64, layer: &str) -> PathBuf {
    let safe: String = layer
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = if safe.is_empty() {
        "_".to_string()
    } else {
        safe
    };
    root.join(format!("job-{job}")).join(format!("{name}.png"))
}

/// The previews an earlier agent made (layer names as their file names; frame unknown, 0).
fn scan(root: &Path, made: &Mutex<Made>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let Ok(mut m) = made.lock() else {
        return;
    };
    let mut found = Vec::new();
    for d in rd.flatten() {
        let Some(job) = d
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("job-"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "png") {
                let layer = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .map(|s| if s == "_" { "" } else { s })
                    .unwrap_or_default()
                    .to_string();
                let mtime = f.metadata().and_then(|m| m.modified()).ok();
                found.push((mtime, job, layer, p));
            }
        }
    }
    found.sort_by_key(|f| f.0);
    for (_, job, layer, path) in found {
        m.seq += 1;
        let seq = m.seq;
        m.latest.insert(
            (job, layer.clone()),
            Latest {
                layer,
                frame: 0,
                path,
                source: None,
                seq,
            },
        );
    }
}

#[cfg(test)]
#[path = "preview_tests.rs"]
mod tests;
