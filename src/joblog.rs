//! A job's log: one file of numbered lines, plus the recent lines in memory.
//!
//! Its own module, below the queue, because the farm reads the same records (`brm task run`
//! writes them on a node, `brm farm log` follows them) without the local engine.
//!
//! Renders write raw output to per-attempt files; the engine ingests them line by line into
//! the job log, giving each line the next sequence number. The file's length and the next
//! number are committed to SQLite together with each attempt's ingested offset, after the file
//! is flushed: a restarted agent truncates the file back to the committed length and
//! re-ingests from the committed offsets, so clients never see a line lost or repeated.
//!
//! Record format, one per line: `seq \t stream \t time_ms \t text`.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, Kind};
use crate::protocol::jobs::{now_ms, LogPage, LogRecord};
use crate::run::{LineRing, LogLine, Stream};

/// A job log that cannot be opened, written or read: which file, and what the system said.
#[derive(Debug, thiserror::Error)]
#[error("job log {path}: {message}")]
pub struct JobLogError {
    pub path: PathBuf,
    pub message: String,
}

impl Kind for JobLogError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Io
    }
}

impl crate::error::ModuleError for JobLogError {}

/// How many recent lines stay in memory for fast polling.
const RING_LINES: usize = 20_000;
/// ... and at most this many bytes of them (bounded memory whatever the log volume).
const RING_BYTES: usize = 4 << 20;

pub struct JobLog {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    len: u64,
    ring: LineRing,
    /// `(seq, byte offset of that line)` every [`INDEX_EVERY`] lines, so reading old lines
    /// seeks instead of scanning the file from the start (a follower far behind a flood
    /// would otherwise cost O(n²)). Filled as lines are appended; for lines written before
    /// this process opened the file, built by one scan when first needed.
    index: Vec<(u64, u64)>,
    /// Lines below this seq are covered by `index` (1 = nothing indexed yet).
    indexed_to: u64,
}

/// Index granularity in lines.
const INDEX_EVERY: u64 = 4096;

impl JobLog {
    /// Open for appending, cut back to the committed `len`, continuing at `next_seq`. With
    /// `warm`, the file's tail is loaded into memory (live jobs); finished jobs are served
    /// from the file, so a long history costs no memory.
    pub fn open(
        path: &Path,
        committed_len: u64,
        next_seq: u64,
        warm: bool,
    ) -> Result<JobLog, JobLogError> {
        let err = |e: std::io::Error| JobLogError {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(err)?;
        let actual = file.metadata().map_err(err)?.len();
        if actual > committed_len {
            file.set_len(committed_len).map_err(err)?;
        }
        let len = actual.min(committed_len);
        let next_seq = next_seq.max(1);
        let mut log = JobLog {
            path: path.to_path_buf(),
            file,
            pending: Vec::new(),
            len,
            ring: LineRing::with_next_seq(RING_LINES, RING_BYTES, next_seq),
            index: Vec::new(),
            indexed_to: if len == 0 { next_seq } else { 1 },
        };
        // Warm the ring with the file's tail so recent polls after a restart stay in memory.
        if warm && len > 0 {
            let start = next_seq.saturating_sub(RING_LINES as u64 + 1);
            let recs = log.read_file_after(start, RING_LINES)?;
            if let Some(first) = recs.first() {
                let mut ring = LineRing::with_next_seq(RING_LINES, RING_BYTES, first.seq);
                for rec in recs {
                    ring.push(stream_of(rec.stream), rec.time_ms, rec.text);
                }
                if ring.next_seq() == next_seq {
                    log.ring = ring;
                }
            }
        }
        Ok(log)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append a line; returns its sequence number. Buffered until [`JobLog::flush`].
    pub fn append(&mut self, stream: Stream, text: &str) -> u64 {
        let seq = self.ring.next_seq();
        let time_ms = now_ms();
        // Keep the record one line: the splitter never passes \n or \r, but brm's own notes
        // could, so replace them.
        let text: String = if text.contains(['\n', '\r']) {
            text.replace(['\n', '\r'], " ")
        } else {
            text.to_owned()
        };
        let before = self.pending.len();
        if seq % INDEX_EVERY == 1 && self.indexed_to == seq {
            self.index.push((seq, self.len));
        }
        if self.indexed_to == seq {
            self.indexed_to = seq + 1;
        }
        let _ = writeln!(self.pending, "{seq}\t{}\t{time_ms}\t{text}", stream as u32);
        self.len += (self.pending.len() - before) as u64;
        self.ring.push(stream, time_ms, text)
    }

    /// Write buffered lines to the file. Call before committing `len()`/`next_seq()`.
    pub fn flush(&mut self) -> Result<(), JobLogError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        if let Err(e) = self.file.write_all(&self.pending) {
            // A write that failed half way (a full disk) must leave no partial batch in the
            // file: the next flush writes the whole batch again, and clients would read its
            // first lines twice. Cut back to what was there; keep the batch for the retry.
            let flushed = self.len - self.pending.len() as u64;
            let _ = self.file.set_len(flushed);
            return Err(JobLogError {
                path: self.path.clone(),
                message: e.to_string(),
            });
        }
        self.pending.clear();
        Ok(())
    }

    /// Drop the in-memory lines (the job finished); later polls read the file.
    pub fn release_memory(&mut self) {
        self.ring = LineRing::with_next_seq(1, 1, self.ring.next_seq());
    }

    /// Keep new lines in memory again (a finished job was retried).
    pub fn keep_in_memory(&mut self) {
        if self.ring.len() <= 1 {
            self.ring = LineRing::with_next_seq(RING_LINES, RING_BYTES, self.ring.next_seq());
        }
    }

    /// Flush when more than `limit` bytes are buffered (bounded memory under a flood; the
    /// committed length in SQLite still lags behind, which a restart handles).
    pub fn flush_if_over(&mut self, limit: usize) -> Result<(), JobLogError> {
        if self.pending.len() > limit {
            self.flush()?;
        }
        Ok(())
    }

    /// Bytes in the file once flushed.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn next_seq(&self) -> u64 {
        self.ring.next_seq()
    }

    /// Lines with `seq > after_seq`, at most `max`, only of `stream` when given. Served from
    /// memory when recent enough, else from the file. With a filter, `next_seq` moves past the
    /// lines skipped, so a follower of brm's notes never re-reads a flood of render output.
    pub fn lines_after(
        &mut self,
        after_seq: u64,
        max: usize,
        stream: Option<u32>,
    ) -> Result<LogPage, JobLogError> {
        let newest = self.ring.next_seq() - 1;
        let keep = |code: u32| stream.is_none_or(|s| s == code);
        let (lines, scanned_to) = if after_seq.saturating_add(1) >= self.ring.first_seq() {
            let mut out = Vec::new();
            let mut last = after_seq.min(newest);
            for l in self.ring.iter_after(after_seq) {
                if out.len() >= max {
                    break;
                }
                last = l.seq;
                if keep(l.stream as u32) {
                    out.push(record_of(l.clone()));
                }
            }
            (out, last)
        } else {
            self.flush()?;
            let (recs, last) = self.read_file_filtered(after_seq, max, stream)?;
            (recs, last.max(after_seq.min(newest)))
        };
        Ok(LogPage {
            lines,
            next_seq: scanned_to,
            complete: false,
        })
    }

    fn read_file_filtered(
        &mut self,
        after_seq: u64,
        max: usize,
        stream: Option<u32>,
    ) -> Result<(Vec<LogRecord>, u64), JobLogError> {
        if stream.is_none() {
            let recs = self.read_file_after(after_seq, max)?;
            let last = recs.last().map(|r| r.seq).unwrap_or(after_seq);
            return Ok((recs, last));
        }
        // Scan in pages, keeping only the wanted stream; stop at `max` kept lines, or after
        // 100,000 scanned (the engine's lock is held: the caller simply asks again).
        let mut out = Vec::new();
        let mut pos = after_seq;
        for _ in 0..10 {
            let page = self.read_file_after(pos, 10_000)?;
            let Some(last) = page.last().map(|r| r.seq) else {
                break;
            };
            for r in page {
                pos = r.seq;
                if Some(r.stream) == stream {
                    out.push(r);
                    if out.len() >= max {
                        return Ok((out, pos));
                    }
                }
            }
            pos = last;
        }
        Ok((out, pos))
    }

    fn read_file_after(
        &mut self,
        after_seq: u64,
        max: usize,
    ) -> Result<Vec<LogRecord>, JobLogError> {
        let path = self.path.clone();
        let err = |e: std::io::Error| JobLogError {
            path: path.clone(),
            message: e.to_string(),
        };
        self.ensure_index().map_err(err)?;
        let on_disk = self.len - self.pending.len() as u64;
        let (_, start) = self
            .index
            .iter()
            .take_while(|(seq, _)| *seq <= after_seq.saturating_add(1))
            .last()
            .copied()
            .unwrap_or((1, 0));
        let mut f = File::open(&self.path).map_err(err)?;
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(start)).map_err(err)?;
        read_records(
            BufReader::new(f).take_bytes(on_disk.saturating_sub(start)),
            after_seq,
            max,
        )
        .map_err(err)
    }

    /// Index the lines a previous agent wrote (one scan, the first time old lines are read).
    fn ensure_index(&mut self) -> std::io::Result<()> {
        if self.indexed_to >= self.ring.next_seq() {
            return Ok(());
        }
        self.flush()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut r = BufReader::new(File::open(&self.path)?).take_bytes(self.len);
        let mut index = Vec::new();
        let (mut offset, mut buf) = (0u64, Vec::new());
        loop {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf)?;
            if n == 0 || buf.last() != Some(&b'\n') {
                break;
            }
            let seq = buf
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .fold(0u64, |a, b| a * 10 + (b - b'0') as u64);
            if seq % INDEX_EVERY == 1 {
                index.push((seq, offset));
            }
            offset += n as u64;
        }
        self.index = index;
        self.indexed_to = self.ring.next_seq();
        Ok(())
    }
}

fn stream_of(code: u32) -> Stream {
    if code == Stream::Brm as u32 {
        Stream::Brm
    } else {
        Stream::Output
    }
}

fn record_of(l: LogLine) -> LogRecord {
    LogRecord {
        seq: l.seq,
        stream: l.stream as u32,
        time_ms: l.time_ms,
        text: l.text,
    }
}

/// Read records with `seq > after_seq` from a job log file (also used without an engine, e.g.
/// by `brm log` on a finished job).
pub fn read_records<R: BufRead>(
    mut r: R,
    after_seq: u64,
    max: usize,
) -> std::io::Result<Vec<LogRecord>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while out.len() < max {
        buf.clear();
        if r.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        if buf.last() != Some(&b'\n') {
            break; // a torn last record: not committed
        }
        buf.pop();
        let line = String::from_utf8_lossy(&buf);
        let mut parts = line.splitn(4, '\t');
        let (Some(seq), Some(stream), Some(time), Some(text)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(seq) = seq.parse::<u64>() else {
            continue;
        };
        if seq <= after_seq {
            continue;
        }
        out.push(LogRecord {
            seq,
            stream: stream.parse().unwrap_or(0),
            time_ms: time.parse().unwrap_or(0),
            text: text.to_owned(),
        });
    }
    Ok(out)
}

trait TakeBytes: Sized {
    fn take_bytes(self, n: u64) -> std::io::Take<Self>;
}
impl<R: std::io::Read> TakeBytes for R {
    fn take_bytes(self, n: u64) -> std::io::Take<Self> {
        std::io::Read::take(self, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 9.5: a flush that fails half way on a full disk (a real ENOSPC: a small tmpfs,
    /// so root) must leave no partial batch: the retry wrote the batch whole again after its
    /// first lines, and clients read those sequence numbers twice.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_flush_failing_half_way_leaves_no_partial_batch() {
        // SAFETY: getuid cannot fail.
        if unsafe { libc::getuid() } != 0 {
            assert!(
                std::env::var_os("CI").is_none(),
                "needs root to mount a tmpfs for a real ENOSPC"
            );
            eprintln!("SKIPPED: needs root to mount a tmpfs");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount(8)")
            .success();
        assert!(ok, "mount tmpfs");
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(self.0).status();
            }
        }
        let _unmount = Unmount(dir.path());
        let p = dir.path().join("job.log");
        let mut log = JobLog::open(&p, 0, 1, true).unwrap();
        // Fill the disk, then free two pages: room for part of the batch only.
        let filler = dir.path().join("filler");
        {
            let mut f = File::create(&filler).unwrap();
            let block = vec![0u8; 4096];
            while f.write(&block).is_ok_and(|n| n > 0) {}
            let len = f.metadata().unwrap().len();
            f.set_len(len - 8192).unwrap();
        }
        let text = "x".repeat(90);
        for _ in 0..200 {
            log.append(Stream::Output, &text);
        }
        assert!(log.flush().is_err(), "20 KB cannot fit in 8 KiB");
        assert_eq!(
            std::fs::metadata(&p).unwrap().len(),
            0,
            "no partial batch left"
        );
        std::fs::remove_file(&filler).unwrap();
        log.flush().unwrap();
        let seqs: Vec<u64> = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            seqs,
            (1..=200).collect::<Vec<u64>>(),
            "every line once, in order"
        );
        assert_eq!(std::fs::metadata(&p).unwrap().len(), log.len());
    }

    #[test]
    fn restart_truncates_to_committed_length_and_keeps_numbering() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("job.log");
        let mut log = JobLog::open(&p, 0, 1, true).unwrap();
        log.append(Stream::Output, "one");
        log.append(Stream::Brm, "two");
        log.flush().unwrap();
        let (len, next) = (log.len(), log.next_seq());
        log.append(Stream::Output, "uncommitted");
        log.flush().unwrap();
        drop(log);
        let mut log = JobLog::open(&p, len, next, true).unwrap();
        assert_eq!(log.next_seq(), 3);
        let seq = log.append(Stream::Output, "three");
        assert_eq!(seq, 3);
        log.flush().unwrap();
        let page = log.lines_after(0, 10, None).unwrap();
        let texts: Vec<_> = page.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["one", "two", "three"]);
        assert_eq!(page.next_seq, 3);
    }

    #[test]
    fn old_lines_come_from_the_file_when_the_ring_has_moved_on() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("job.log");
        let mut log = JobLog::open(&p, 0, 1, true).unwrap();
        for i in 0..(RING_LINES + 100) {
            log.append(Stream::Output, &format!("line {i}"));
        }
        log.flush().unwrap();
        let page = log.lines_after(5, 3, None).unwrap();
        assert_eq!(page.lines[0].seq, 6);
        assert_eq!(page.lines[0].text, "line 5");
        assert_eq!(page.lines.len(), 3);
        // Far into the file, through the index built while appending...
        let page = log.lines_after(9000, 2, None).unwrap();
        assert_eq!(page.lines[0].text, "line 9000");
        // ...and through the index a reopened log builds from the file.
        let (len, next) = (log.len(), log.next_seq());
        drop(log);
        let mut log = JobLog::open(&p, len, next, false).unwrap();
        for at in [0u64, 4095, 4096, 4097, 12_345, 20_099] {
            let page = log.lines_after(at, 1, None).unwrap();
            assert_eq!(page.lines[0].seq, at + 1);
            assert_eq!(page.lines[0].text, format!("line {at}"));
        }
    }

    #[test]
    fn a_stream_filter_skips_other_lines_and_moves_next_seq_past_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("job.log");
        let mut log = JobLog::open(&p, 0, 1, true).unwrap();
        log.append(Stream::Brm, "start");
        for i in 0..100 {
            log.append(Stream::Output, &format!("out {i}"));
        }
        log.append(Stream::Brm, "done");
        let page = log.lines_after(0, 1, Some(1)).unwrap();
        assert_eq!(
            page.lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>(),
            ["start"]
        );
        assert_eq!(page.next_seq, 1);
        let page = log.lines_after(1, 10, Some(1)).unwrap();
        assert_eq!(
            page.lines
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>(),
            ["done"]
        );
        assert_eq!(page.next_seq, 102, "the 100 output lines were skipped over");
        let page = log.lines_after(0, 1000, Some(1)).unwrap();
        assert_eq!(page.lines.len(), 2);
        assert_eq!(page.next_seq, 102);
        log.release_memory();
        let page = log.lines_after(0, 1000, Some(1)).unwrap();
        assert_eq!(page.lines.len(), 2, "same answer from the file");
        assert_eq!(page.next_seq, 102);
    }
}
