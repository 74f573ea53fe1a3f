//! Following a task's log file while the render appends to it.
//!
//! The render writes straight to the file (see the module docs of `run`), so the reader can
//! be as slow as it likes without ever slowing the render; this side only has to turn bytes
//! into lines with bounded memory, and to say exactly where it stopped so a restarted agent
//! resumes without losing or repeating a line.
//!
//! Line rules (DESIGN §3): a break is `\n`, `\r` or `\r\n` (progress bars redraw with a bare
//! `\r`; Windows tools end lines with `\r\n`); text is lossy UTF-8 (renderers print Latin-1
//! paths and binary junk); a line longer than the cap keeps its first `max_line_bytes` bytes
//! plus a marker saying how many bytes were cut, and the rest is skipped up to the next break.
//! Empty lines ended by `\r` are dropped: they are the carriage return a progress bar writes
//! before its first redraw, not content.

use std::fs::File;
use std::io::{ErrorKind as IoKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::RunError;

/// Default cap on one line's text, in bytes (before the cut marker).
pub const DEFAULT_MAX_LINE_BYTES: usize = 16 * 1024;
/// Default number of bytes one [`LogTail::read_lines`] call reads at most, so one call's
/// output (and time) stays bounded even when the reader is gigabytes behind.
pub const DEFAULT_READ_BUDGET: usize = 1 << 20;
/// Size of one `read(2)`: large enough to amortize syscalls, small enough to stay in cache.
const CHUNK: usize = 64 * 1024;

/// Tunables of a [`LogTail`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TailOptions {
    /// Longest line text kept, in bytes (at least 1).
    pub max_line_bytes: usize,
    /// Most bytes read by one `read_lines` call (at least 1).
    pub read_budget: usize,
}

impl Default for TailOptions {
    fn default() -> Self {
        TailOptions {
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            read_budget: DEFAULT_READ_BUDGET,
        }
    }
}

/// One complete line read from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TailLine {
    /// Lossy UTF-8, without its line break, at most the cap plus the cut marker.
    pub text: String,
    /// File offset just after this line's break: store it with the ingested line, and pass it
    /// to [`LogTail::open`] after a restart to continue with the next line.
    pub end_offset: u64,
}

/// Follows a growing file from a byte offset, yielding complete lines.
#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    file: Option<File>,
    opts: TailOptions,
    /// File position of the next byte to read.
    read_pos: u64,
    /// Everything before this was handed out as lines (or was a dropped empty `\r` line).
    resume: u64,
    /// Bytes of the current, unfinished line (at most `max_line_bytes`).
    pending: Vec<u8>,
    /// Bytes of the current line beyond the cap, skipped.
    cut: u64,
    /// The last byte consumed was a `\r` break: a `\n` right after it is part of that break.
    skip_lf: bool,
    at_end: bool,
    buf: Vec<u8>,
}

impl LogTail {
    /// Follows `path` from `offset` (0, or a [`TailLine::end_offset`] from before a restart)
    /// with default options. The file may not exist yet when `offset` is 0.
    pub fn open(path: &Path, offset: u64) -> Result<LogTail, RunError> {
        Self::open_with(path, offset, TailOptions::default())
    }

    /// Follows the log a new process is about to append to: its folder created, read from
    /// the file's current end (earlier attempts' lines in it are not this one's).
    pub fn open_at_end(path: &Path) -> Result<LogTail, RunError> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).map_err(|e| RunError::LogOpen {
                path: d.to_path_buf(),
                source: e,
            })?;
        }
        let offset = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Self::open(path, offset)
    }

    /// [`LogTail::open`] with explicit options.
    pub fn open_with(path: &Path, offset: u64, opts: TailOptions) -> Result<LogTail, RunError> {
        let opts = TailOptions {
            max_line_bytes: opts.max_line_bytes.max(1),
            read_budget: opts.read_budget.max(1),
        };
        let mut tail = LogTail {
            path: path.to_path_buf(),
            file: None,
            opts,
            read_pos: offset,
            resume: offset,
            pending: Vec::new(),
            cut: 0,
            skip_lf: false,
            at_end: false,
            buf: Vec::new(),
        };
        tail.try_open()?;
        Ok(tail)
    }

    /// Opens the file if it exists now, positioned at `read_pos`.
    fn try_open(&mut self) -> Result<(), RunError> {
        if self.file.is_some() {
            return Ok(());
        }
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == IoKind::NotFound => {
                if self.read_pos == 0 {
                    return Ok(());
                }
                return Err(RunError::LogMissing {
                    path: self.path.clone(),
                    offset: self.read_pos,
                });
            }
            Err(source) => {
                return Err(RunError::LogOpen {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let len = file.metadata().map_err(|e| self.read_err(e))?.len();
        if len < self.read_pos {
            return Err(RunError::LogTruncated {
                path: self.path.clone(),
                offset: self.read_pos,
                len,
            });
        }
        if self.read_pos > 0 {
            // Resuming right after a line that ended in `\r`: its `\n` may follow.
            file.seek(SeekFrom::Start(self.read_pos - 1))
                .map_err(|e| self.read_err(e))?;
            let mut prev = [0u8; 1];
            file.read_exact(&mut prev).map_err(|e| self.read_err(e))?;
            self.skip_lf = prev[0] == b'\r';
        }
        self.file = Some(file);
        Ok(())
    }

    fn read_err(&self, source: std::io::Error) -> RunError {
        RunError::LogRead {
            path: self.path.clone(),
            source,
        }
    }

    /// Reads what was appended since the last call (at most the read budget) and appends the
    /// complete lines to `out`; returns how many. A partial last line waits for its break
    /// (or [`LogTail::flush_partial`]). Returns 0 while the file does not exist yet.
    /// Call again while [`LogTail::at_end`] is false to catch up after a backlog.
    pub fn read_lines(&mut self, out: &mut Vec<TailLine>) -> Result<usize, RunError> {
        self.try_open()?;
        let Some(file) = self.file.as_mut() else {
            self.at_end = true;
            return Ok(0);
        };
        let len = match file.metadata() {
            Ok(m) => m.len(),
            Err(source) => {
                return Err(RunError::LogRead {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        if len < self.read_pos {
            return Err(RunError::LogTruncated {
                path: self.path.clone(),
                offset: self.read_pos,
                len,
            });
        }
        let before = out.len();
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut budget = self.opts.read_budget;
        self.at_end = false;
        let result = loop {
            if budget == 0 {
                break Ok(());
            }
            let want = budget.min(CHUNK);
            let Some(file) = self.file.as_mut() else {
                break Ok(());
            };
            match file.read(&mut buf[..want]) {
                Ok(0) => {
                    self.at_end = true;
                    break Ok(());
                }
                Ok(n) => {
                    budget -= n;
                    self.consume(&buf[..n], out);
                }
                Err(e) if e.kind() == IoKind::Interrupted => continue,
                Err(source) => {
                    break Err(RunError::LogRead {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        };
        self.buf = buf;
        result.map(|()| out.len() - before)
    }

    /// Splits `data` (the file bytes at `read_pos`) into lines.
    fn consume(&mut self, data: &[u8], out: &mut Vec<TailLine>) {
        let base = self.read_pos;
        let mut i = 0;
        if self.skip_lf {
            self.skip_lf = false;
            if data.first() == Some(&b'\n') {
                i = 1;
                if self.pending.is_empty() && self.cut == 0 {
                    self.resume = base + 1;
                }
            }
        }
        while i < data.len() {
            let Some(rel) = memchr::memchr2(b'\n', b'\r', &data[i..]) else {
                self.append(&data[i..]);
                break;
            };
            let j = i + rel;
            let is_cr = data[j] == b'\r';
            let mut end = j + 1;
            if is_cr {
                if end < data.len() {
                    if data[end] == b'\n' {
                        end += 1;
                    }
                } else {
                    self.skip_lf = true;
                }
            }
            let end_offset = base + end as u64;
            let line = &data[i..j];
            if self.pending.is_empty() && self.cut == 0 && line.len() <= self.opts.max_line_bytes {
                // Fast path: the whole line is in this chunk, no copy into `pending`.
                if !(line.is_empty() && is_cr) {
                    out.push(TailLine {
                        text: lossy(line),
                        end_offset,
                    });
                }
                self.resume = end_offset;
            } else {
                self.append(line);
                self.emit(end_offset, is_cr, out);
            }
            i = end;
        }
        self.read_pos = base + data.len() as u64;
    }

    /// Adds bytes to the unfinished line, keeping at most the cap and counting the rest.
    fn append(&mut self, bytes: &[u8]) {
        let room = self.opts.max_line_bytes.saturating_sub(self.pending.len());
        let keep = room.min(bytes.len());
        self.pending.extend_from_slice(&bytes[..keep]);
        self.cut += (bytes.len() - keep) as u64;
    }

    /// Hands out the unfinished line as complete, ending at `end_offset`.
    fn emit(&mut self, end_offset: u64, is_cr: bool, out: &mut Vec<TailLine>) {
        if !(self.pending.is_empty() && self.cut == 0 && is_cr) {
            let mut keep = self.pending.len();
            if self.cut > 0 {
                // Do not end a cut line with half a character.
                keep = utf8_complete_prefix(&self.pending);
                self.cut += (self.pending.len() - keep) as u64;
            }
            let mut text = lossy(&self.pending[..keep]);
            if self.cut > 0 {
                text.push_str(&format!(" … [{} bytes cut]", self.cut));
            }
            out.push(TailLine { text, end_offset });
        }
        self.pending.clear();
        self.cut = 0;
        self.resume = end_offset;
        if self.pending.capacity() > 2 * CHUNK {
            // A capped line grew the buffer to the cap: give large caps' memory back.
            self.pending.shrink_to(CHUNK);
        }
    }

    /// At process exit, once `read_lines` reached the end ([`LogTail::at_end`]): hands out a
    /// last line that has no break (renders often end without a newline). Calling it before
    /// the end would cut a line in two.
    pub fn flush_partial(&mut self, out: &mut Vec<TailLine>) {
        if !self.pending.is_empty() || self.cut > 0 {
            self.emit(self.read_pos, false, out);
        }
        self.resume = self.read_pos;
    }

    /// The resume point: every byte before it was handed out as lines. Equals the last
    /// returned line's `end_offset` (or the open offset before any line).
    pub fn offset(&self) -> u64 {
        self.resume
    }

    /// Bytes of the file consumed so far, including an unfinished line. Feed this to
    /// [`super::Watchdog::check`]: it grows while a render prints a long line or a progress
    /// bar without breaks, when `offset()` does not.
    pub fn bytes_read(&self) -> u64 {
        self.read_pos
    }

    /// Whether the last `read_lines` call reached the current end of the file (false: it
    /// stopped at the read budget; call again).
    pub fn at_end(&self) -> bool {
        self.at_end
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Text of a line: `from_utf8` first (its ASCII fast path is several times quicker than the
/// lossy decoder's, and nearly every renderer line is valid), lossy only when it is not.
fn lossy(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence.
fn utf8_complete_prefix(bytes: &[u8]) -> usize {
    let n = bytes.len();
    // Look back at most 3 bytes for the start of the last sequence.
    for back in 1..=3.min(n) {
        let b = bytes[n - back];
        if b & 0xC0 == 0x80 {
            continue; // continuation byte
        }
        let need = if b >= 0xF0 {
            4
        } else if b >= 0xE0 {
            3
        } else if b >= 0xC0 {
            2
        } else {
            1
        };
        return if need > back { n - back } else { n };
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn texts(v: &[TailLine]) -> Vec<&str> {
        v.iter().map(|l| l.text.as_str()).collect()
    }

    fn append(path: &Path, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(bytes).unwrap();
    }

    #[test]
    fn missing_file_then_growth() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        let mut t = LogTail::open(&p, 0).unwrap();
        let mut out = vec![];
        assert_eq!(t.read_lines(&mut out).unwrap(), 0);
        append(&p, b"one\ntw");
        assert_eq!(t.read_lines(&mut out).unwrap(), 1);
        append(&p, b"o\r\nthree\r50%\r\r60%\n");
        t.read_lines(&mut out).unwrap();
        assert_eq!(texts(&out), ["one", "two", "three", "50%", "60%"]);
        assert_eq!(
            out.last().unwrap().end_offset,
            std::fs::metadata(&p).unwrap().len()
        );
        assert_eq!(t.offset(), out.last().unwrap().end_offset);
    }

    #[test]
    fn crlf_split_across_reads_is_one_break_and_resume_is_exact() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        append(&p, b"a\r");
        let mut t = LogTail::open(&p, 0).unwrap();
        let mut out = vec![];
        t.read_lines(&mut out).unwrap();
        assert_eq!(texts(&out), ["a"]);
        let resume = out[0].end_offset;
        append(&p, b"\nb\n");
        // A restarted reader at the recorded offset skips the `\n` of the `\r\n` too.
        let mut t2 = LogTail::open(&p, resume).unwrap();
        let mut out2 = vec![];
        t2.read_lines(&mut out2).unwrap();
        assert_eq!(texts(&out2), ["b"]);
        t.read_lines(&mut out).unwrap();
        assert_eq!(texts(&out), ["a", "b"]);
    }

    #[test]
    fn resume_from_every_line_end_neither_loses_nor_repeats() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        let data = b"x\n\ny\r\nz\rw\r\r\nend";
        append(&p, data);
        let mut all = vec![];
        let mut t = LogTail::open(&p, 0).unwrap();
        t.read_lines(&mut all).unwrap();
        t.flush_partial(&mut all);
        assert_eq!(texts(&all), ["x", "", "y", "z", "w", "end"]);
        for k in 0..all.len() {
            let mut rest = vec![];
            let mut t = LogTail::open(&p, all[k].end_offset).unwrap();
            t.read_lines(&mut rest).unwrap();
            t.flush_partial(&mut rest);
            assert_eq!(rest, all[k + 1..].to_vec(), "resume after line {k}");
        }
    }

    #[test]
    fn long_line_is_capped_with_marker_and_budget_bounds_a_call() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        let mut data = vec![b'x'; 1000];
        data.extend_from_slice(b"\nok\n");
        append(&p, &data);
        let opts = TailOptions {
            max_line_bytes: 100,
            read_budget: 64,
        };
        let mut t = LogTail::open_with(&p, 0, opts).unwrap();
        let mut out = vec![];
        let mut calls = 0;
        loop {
            t.read_lines(&mut out).unwrap();
            calls += 1;
            if t.at_end() {
                break;
            }
        }
        assert!(calls > 10);
        assert_eq!(
            out[0].text,
            format!("{} … [900 bytes cut]", "x".repeat(100))
        );
        assert_eq!(out[0].end_offset, 1001);
        assert_eq!(out[1].text, "ok");
        assert_eq!(t.bytes_read(), 1004);
        assert_eq!(t.offset(), 1004);
    }

    #[test]
    fn cut_never_splits_a_character_and_invalid_utf8_is_lossy() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        let mut data = "aé".repeat(10).into_bytes(); // 'é' is 2 bytes
        data.extend_from_slice(b"\nbad\xff\xfeend\n");
        append(&p, &data);
        let opts = TailOptions {
            max_line_bytes: 5,
            read_budget: 1 << 20,
        };
        let mut t = LogTail::open_with(&p, 0, opts).unwrap();
        let mut out = vec![];
        t.read_lines(&mut out).unwrap();
        assert_eq!(out[0].text, "aéa … [26 bytes cut]");
        let mut t = LogTail::open(&p, out[0].end_offset).unwrap();
        let mut out = vec![];
        t.read_lines(&mut out).unwrap();
        assert_eq!(out[0].text, "bad\u{fffd}\u{fffd}end");
    }

    #[test]
    fn truncation_and_missing_file_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("task.log");
        append(&p, b"hello\nworld\n");
        let mut t = LogTail::open(&p, 0).unwrap();
        let mut out = vec![];
        t.read_lines(&mut out).unwrap();
        std::fs::write(&p, b"hi\n").unwrap();
        let e = t.read_lines(&mut out).unwrap_err();
        assert!(
            matches!(
                e,
                RunError::LogTruncated {
                    offset: 12,
                    len: 3,
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            LogTail::open(&p, 12),
            Err(RunError::LogTruncated { .. })
        ));
        let gone = dir.path().join("gone.log");
        assert!(matches!(
            LogTail::open(&gone, 5),
            Err(RunError::LogMissing { .. })
        ));
    }

    #[test]
    fn utf8_prefix() {
        assert_eq!(utf8_complete_prefix(b"abc"), 3);
        assert_eq!(utf8_complete_prefix("aé".as_bytes()), 3);
        assert_eq!(utf8_complete_prefix(&"aé".as_bytes()[..2]), 1);
        assert_eq!(utf8_complete_prefix(&"a€".as_bytes()[..3]), 1);
        assert_eq!(utf8_complete_prefix(&[0x80, 0x80, 0x80, 0x80]), 4);
    }
}
