//! Frame sets (DESIGN §4): parse, count, expand lazily, compact.
//!
//! Grammar: `1,5,10` · `10-20` · `1-100x5` (step; always includes the last frame) ·
//! `1-10y3` (the range minus the `x3` set) · `10-1`, `10-1x4` (descending) · `-5-5`,
//! `-10--1` (negative frames) · any of these joined by commas. Duplicates are dropped, the
//! first occurrence kept, and iteration follows the order of the spec.
//!
//! Why lazy: frame sets come from people and from scene ranges, and a typo like
//! `1-100000000` must be refused by a cap (counted arithmetically, never by expanding),
//! while `1-10000000` must cost a few bytes, not 80 MB. A [`FrameSet`] is a list of disjoint
//! arithmetic segments (see `seg.rs`), deduplicated as terms arrive (see `build.rs`).
//!
//! Why `:` is an error: it means "step" in Deadline and "interleave" in fileseq; guessing
//! would render the wrong frames. Render order is a job option (`--order interleaved`).

mod build;
mod compact;
mod parse;
mod seg;
mod spec;

use std::fmt;
use std::sync::OnceLock;

use crate::error::{ErrorKind, Kind};

use build::Builder;
use seg::Seg;
pub use spec::FrameSpec;

/// The frame-count cap of [`FrameSet::parse`]: ten million frames.
pub const DEFAULT_FRAME_CAP: u64 = 10_000_000;

/// Errors of this module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The spec does not follow the grammar. `position` is a byte offset into `spec`.
    #[error("invalid frame set '{}' at byte {position}: {message} (hint: {hint})", excerpt(.spec, *.position))]
    Syntax {
        spec: String,
        position: usize,
        message: String,
        hint: String,
    },
    /// The spec has more frames than the cap (known without expanding it).
    #[error(
        "the frame set has at least {count_at_least} frames, more than the limit of {cap} \
         (hint: check the range for a typo or split the job; `brm frames --cap N` checks a set against another limit)"
    )]
    TooMany { count_at_least: u64, cap: u64 },
}

impl Kind for FrameError {
    fn kind(&self) -> ErrorKind {
        match self {
            FrameError::Syntax { .. } => ErrorKind::FrameSyntax,
            FrameError::TooMany { .. } => ErrorKind::TooManyFrames,
        }
    }
}

impl crate::error::ModuleError for FrameError {}

/// The spec for an error message: whole when short, else a window around `position`.
fn excerpt(spec: &str, position: usize) -> String {
    const WINDOW: usize = 30;
    if spec.len() <= 2 * WINDOW + 10 {
        return spec.to_owned();
    }
    let mut lo = position.saturating_sub(WINDOW);
    while !spec.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (position + WINDOW).min(spec.len());
    while !spec.is_char_boundary(hi) {
        hi += 1;
    }
    let pre = if lo > 0 { "…" } else { "" };
    let post = if hi < spec.len() { "…" } else { "" };
    format!("{pre}{}{post}", &spec[lo..hi])
}

/// An ordered set of frames without duplicates, stored as arithmetic segments.
///
/// Equality compares the frames in order (not the storage). `Display` and serde use the
/// compact form; `FromStr` and `Deserialize` parse with [`DEFAULT_FRAME_CAP`].
#[derive(Clone, Default)]
pub struct FrameSet {
    segs: Vec<Seg>,
    /// `ends[i]`: number of frames in `segs[..=i]`, for O(log n) paging.
    ends: Vec<u64>,
    /// Built on the first `contains`: segments sorted by their lowest frame.
    index: OnceLock<HullIndex>,
}

#[derive(Clone)]
struct HullIndex {
    /// (lowest frame, highest frame, segment), sorted by lowest frame.
    hulls: Vec<(i64, i64, usize)>,
    /// `max_hi[i]`: the highest frame among `hulls[..=i]`.
    max_hi: Vec<i64>,
}

impl FrameSet {
    /// Parse a spec with the default cap of [`DEFAULT_FRAME_CAP`] frames.
    pub fn parse(spec: &str) -> Result<FrameSet, FrameError> {
        FrameSet::parse_with_cap(spec, DEFAULT_FRAME_CAP)
    }

    /// Parse a spec, refusing it (`FrameError::TooMany`) when it has more than `cap` frames.
    pub fn parse_with_cap(spec: &str, cap: u64) -> Result<FrameSet, FrameError> {
        let mut b = Builder::new(cap);
        parse::parse_into(spec, &mut b)?;
        Ok(FrameSet::from_segs(b.finish()))
    }

    /// The frames `start` to `end` (either way round: counting down when `start > end`), every
    /// `by` (at least 1), with the default cap: a scene's range, without writing a spec only
    /// to parse it again.
    pub fn range(start: i64, end: i64, by: u64) -> Result<FrameSet, FrameError> {
        let mut b = Builder::new(DEFAULT_FRAME_CAP);
        parse::stepped(start, end, by.max(1), &mut b)?;
        Ok(FrameSet::from_segs(b.finish()))
    }

    /// The set of `frames`, in their order, duplicates dropped (first occurrence kept).
    pub fn from_frames<I: IntoIterator<Item = i64>>(frames: I) -> FrameSet {
        let mut seen = std::collections::HashSet::new();
        let mut b = Builder::new(u64::MAX);
        for f in frames {
            if seen.insert(f) {
                // Cannot fail: the cap is u64::MAX and a set never holds more than 2^64 - 1.
                let _ = b.push_new_frame(f);
            }
        }
        FrameSet::from_segs(b.finish())
    }

    fn from_segs(segs: Vec<Seg>) -> FrameSet {
        let mut total = 0u64;
        let ends = segs
            .iter()
            .map(|s| {
                total = total.saturating_add(s.count());
                total
            })
            .collect();
        FrameSet {
            segs,
            ends,
            index: OnceLock::new(),
        }
    }

    /// Number of frames, without expanding.
    pub fn len(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frames in spec order, duplicates dropped.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0)
    }

    /// The frames from position `offset` on (in iteration order); empty past the end.
    pub fn iter_from(&self, offset: u64) -> Iter<'_> {
        let total = self.len();
        if offset >= total {
            return Iter {
                segs: &[],
                seg: 0,
                i: 0,
                j: 0,
                block_first: 0,
                cur: 0,
                remaining: 0,
            };
        }
        let seg = self.ends.partition_point(|&e| e <= offset);
        let before = if seg == 0 { 0 } else { self.ends[seg - 1] };
        let s = &self.segs[seg];
        let k = offset - before;
        let (i, j) = (k / s.len, k % s.len);
        let block_first = s.at_block(i, 0);
        Iter {
            segs: &self.segs,
            seg,
            i,
            j,
            block_first,
            cur: s.at_block(i, j),
            remaining: total - offset,
        }
    }

    /// The frame at position `index` in iteration order.
    pub fn get(&self, index: u64) -> Option<i64> {
        self.iter_from(index).next()
    }

    /// All frames, in order.
    pub fn to_vec(&self) -> Vec<i64> {
        let mut v = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        v.extend(self.iter());
        v
    }

    /// Whether `frame` is in the set (O(log n) for the usual, non-interleaved sets).
    pub fn contains(&self, frame: i64) -> bool {
        let index = self.index.get_or_init(|| {
            let mut hulls: Vec<(i64, i64, usize)> = self
                .segs
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let (lo, hi) = s.hull();
                    (lo, hi, k)
                })
                .collect();
            hulls.sort_unstable();
            let mut m = i64::MIN;
            let max_hi = hulls
                .iter()
                .map(|h| {
                    m = m.max(h.1);
                    m
                })
                .collect();
            HullIndex { hulls, max_hi }
        });
        let mut k = index.hulls.partition_point(|h| h.0 <= frame);
        while k > 0 {
            k -= 1;
            if index.max_hi[k] < frame {
                return false;
            }
            let (_, hi, s) = index.hulls[k];
            if hi >= frame && self.segs[s].contains(frame) {
                return true;
            }
        }
        false
    }

    /// The compact spec: `a`, `a-b`, `a-bxN` (b on the step) joined by commas; parses back to
    /// the same frames in the same order, also in fileseq and Deadline. `1-100x5` gives
    /// `1-96x5,100`.
    pub fn compact(&self) -> String {
        let mut c = compact::Compactor::new();
        for s in &self.segs {
            for (first, step, len) in s.runs() {
                c.push_run(first, step, len);
            }
        }
        c.finish()
    }
}

/// Iterator over a [`FrameSet`]'s frames (see [`FrameSet::iter`]).
pub struct Iter<'a> {
    segs: &'a [Seg],
    seg: usize,
    /// Run index and position in the run of the next frame.
    i: u64,
    j: u64,
    block_first: i64,
    cur: i64,
    remaining: u64,
}

impl Iterator for Iter<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            let s = &self.segs[self.seg];
            if self.j < s.len {
                let f = self.cur;
                self.j += 1;
                if self.j < s.len {
                    self.cur = self.cur.wrapping_add(s.step);
                }
                self.remaining -= 1;
                return Some(f);
            }
            self.i += 1;
            if self.i < s.blocks {
                self.block_first = self.block_first.wrapping_add(s.period);
            } else {
                self.seg += 1;
                self.i = 0;
                self.block_first = self.segs[self.seg].start;
            }
            self.j = 0;
            self.cur = self.block_first;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match usize::try_from(self.remaining) {
            Ok(n) => (n, Some(n)),
            Err(_) => (usize::MAX, None),
        }
    }
}

impl PartialEq for FrameSet {
    fn eq(&self, other: &FrameSet) -> bool {
        self.len() == other.len() && (self.segs == other.segs || self.iter().eq(other.iter()))
    }
}

impl Eq for FrameSet {}

impl fmt::Debug for FrameSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FrameSet({:?}, len {})", self.compact(), self.len())
    }
}

impl fmt::Display for FrameSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.compact())
    }
}

impl std::str::FromStr for FrameSet {
    type Err = FrameError;
    fn from_str(s: &str) -> Result<FrameSet, FrameError> {
        FrameSet::parse(s)
    }
}

impl serde::Serialize for FrameSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.compact())
    }
}

impl<'de> serde::Deserialize<'de> for FrameSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FrameSet, D::Error> {
        let s = String::deserialize(deserializer)?;
        FrameSet::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
