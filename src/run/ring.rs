//! A bounded window of recent log lines for live viewers (`brm_poll_logs`, the CLI's follow).
//!
//! The log *file* is the complete record; the ring only serves "what's new since seq N" cheaply
//! and must never grow with the render's output volume. It is bounded both in lines and in
//! bytes (one 16 KiB line costs as much as a thousand short ones). When a viewer falls behind
//! further than the ring reaches, [`LineRing::lines_after`] tells it where the window starts so
//! it can say "N lines skipped" (or read the file) instead of silently missing lines.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Where a log line comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum Stream {
    /// The renderer's stdout and stderr (one file: their interleaving is kept).
    Output = 0,
    /// brm's own notes about the task (started, fallback, cancelled, timeouts...).
    Brm = 1,
}

/// One line as viewers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Position in the task's (or job's) line sequence; starts at 1, no gaps.
    pub seq: u64,
    pub stream: Stream,
    /// When brm ingested the line, Unix milliseconds.
    pub time_ms: i64,
    pub text: String,
}

/// Bookkeeping cost of a line beyond its text, so a ring of empty lines is bounded too.
const LINE_OVERHEAD: usize = 32;

fn cost(text: &str) -> usize {
    text.len() + LINE_OVERHEAD
}

/// A bounded ring of [`LogLine`]s with contiguous sequence numbers.
#[derive(Debug)]
pub struct LineRing {
    lines: VecDeque<LogLine>,
    max_lines: usize,
    max_bytes: usize,
    bytes: usize,
    next_seq: u64,
    dropped: u64,
}

impl LineRing {
    /// A ring keeping at most `max_lines` lines and about `max_bytes` bytes of text (the newest
    /// line is always kept, even if it alone is larger). Both are at least 1.
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        Self::with_next_seq(max_lines, max_bytes, 1)
    }

    /// Like [`LineRing::new`] but numbering continues at `next_seq`: a restarted agent keeps
    /// the sequence it already handed to viewers, so their `after_seq` stays meaningful.
    pub fn with_next_seq(max_lines: usize, max_bytes: usize, next_seq: u64) -> Self {
        LineRing {
            lines: VecDeque::new(),
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
            bytes: 0,
            next_seq: next_seq.max(1),
            dropped: 0,
        }
    }

    /// Appends a line and returns its sequence number; evicts the oldest lines over capacity.
    pub fn push(&mut self, stream: Stream, time_ms: i64, text: String) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.bytes += cost(&text);
        self.lines.push_back(LogLine {
            seq,
            stream,
            time_ms,
            text,
        });
        while self.lines.len() > 1
            && (self.lines.len() > self.max_lines || self.bytes > self.max_bytes)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= cost(&old.text);
                self.dropped += 1;
            }
        }
        seq
    }

    /// Up to `max` lines with `seq > after_seq`, oldest first, and the oldest seq still held
    /// (`next_seq()` when empty). If `first_available_seq > after_seq + 1`, the caller missed
    /// `first_available_seq - after_seq - 1` lines that were evicted.
    pub fn lines_after(&self, after_seq: u64, max: usize) -> (Vec<LogLine>, u64) {
        let first = self.first_seq();
        let start_seq = after_seq.saturating_add(1).max(first);
        let skip = (start_seq - first) as usize;
        let out = self.lines.iter().skip(skip).take(max).cloned().collect();
        (out, first)
    }

    /// The lines held with `seq > after_seq`, oldest first, without copying them (for callers
    /// that filter, e.g. only brm's own notes).
    pub fn iter_after(&self, after_seq: u64) -> impl Iterator<Item = &LogLine> + '_ {
        let first = self.first_seq();
        let start_seq = after_seq.saturating_add(1).max(first);
        self.lines.iter().skip((start_seq - first) as usize)
    }

    /// The oldest seq held, or `next_seq()` if the ring is empty.
    pub fn first_seq(&self) -> u64 {
        self.lines.front().map_or(self.next_seq, |l| l.seq)
    }

    /// The seq the next pushed line gets (so `next_seq() - 1` is the newest line's).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// How many lines were evicted to respect the bounds since the ring was made.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Approximate bytes held (text plus a fixed per-line overhead).
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqs_are_contiguous_and_lines_after_pages() {
        let mut r = LineRing::new(10, 1 << 20);
        for i in 0..5 {
            assert_eq!(r.push(Stream::Output, i, format!("l{i}")), i as u64 + 1);
        }
        let (v, first) = r.lines_after(0, 2);
        assert_eq!(first, 1);
        assert_eq!(v.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![1, 2]);
        let (v, _) = r.lines_after(2, 100);
        assert_eq!(
            v.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["l2", "l3", "l4"]
        );
        let (v, first) = r.lines_after(5, 100);
        assert!(v.is_empty());
        assert_eq!(first, 1);
        let (v, _) = r.lines_after(u64::MAX, 100);
        assert!(v.is_empty());
    }

    #[test]
    fn line_bound_evicts_and_counts() {
        let mut r = LineRing::new(3, 1 << 20);
        for i in 0..10 {
            r.push(Stream::Brm, 0, format!("{i}"));
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.dropped(), 7);
        let (v, first) = r.lines_after(2, 100);
        assert_eq!(first, 8, "viewer at 2 can tell it missed 3..=7");
        assert_eq!(v.iter().map(|l| l.seq).collect::<Vec<_>>(), vec![8, 9, 10]);
    }

    #[test]
    fn byte_bound_evicts_but_keeps_newest() {
        let mut r = LineRing::new(1000, 200);
        for _ in 0..10 {
            r.push(Stream::Output, 0, "x".repeat(50));
        }
        assert!(r.bytes() <= 200);
        assert_eq!(r.len(), 2);
        r.push(Stream::Output, 0, "y".repeat(10_000));
        assert_eq!(r.len(), 1, "a huge line alone is kept");
        assert_eq!(r.first_seq(), 11);
    }

    #[test]
    fn continues_numbering() {
        let mut r = LineRing::with_next_seq(4, 1000, 41);
        assert_eq!(r.lines_after(0, 10), (vec![], 41));
        assert_eq!(r.push(Stream::Output, 1, "a".into()), 41);
    }
}
