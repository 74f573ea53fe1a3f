//! Building a frame set without expanding it: duplicates are dropped as terms arrive.
//!
//! Why this shape: a 10,000-term spec must parse in well under a millisecond and `1-10000000`
//! must not allocate ten million frames.
//!
//! - Specs are usually written in order, so a term outside the bounds of everything seen so
//!   far is appended at once as one segment; the spans of such segments are indexed only when
//!   a later term falls inside the bounds (no second list: a queue of spans cost 3x in page
//!   faults on the 10,000-term benchmark). Such a segment is not merged with its neighbours
//!   before it is indexed, so its span never covers a gap between terms (which would push
//!   unrelated later terms onto the slow path).
//! - Two interval sets (merged, sorted) then answer "could this term touch anything seen
//!   before?" in O(log n). `dense` holds stretches where *every* integer is already in the set
//!   (from `a-b` terms and single frames): a new term is clipped to the gaps between them
//!   arithmetically. `sparse` holds the spans of stepped terms (`a-bxN`, `a-byN`).
//! - A piece that falls in a sparse span is checked against the segments there: skipped when
//!   one of them covers it arithmetically, otherwise walked frame by frame (bounded by the
//!   frame cap).

use std::collections::BTreeMap;

use super::seg::Seg;
use super::FrameError;

/// Disjoint, non-adjacent closed intervals, keyed by start.
#[derive(Default)]
pub(crate) struct IntervalSet {
    map: BTreeMap<i64, i64>,
}

impl IntervalSet {
    pub fn intersects(&self, lo: i64, hi: i64) -> bool {
        self.map
            .range(..=hi)
            .next_back()
            .is_some_and(|(_, &h)| h >= lo)
    }

    pub fn insert(&mut self, lo: i64, hi: i64) {
        let (mut lo, mut hi) = (lo, hi);
        if let Some((&l, &h)) = self.map.range(..=lo).next_back() {
            if h as i128 + 1 >= lo as i128 {
                if h >= hi {
                    return;
                }
                lo = l;
            }
        }
        let upper = (hi as i128 + 1).min(i64::MAX as i128) as i64;
        // Entries are disjoint: only those starting in lo..=hi+1 touch the new one.
        while let Some((&l, &h)) = self.map.range(lo..=upper).next() {
            self.map.remove(&l);
            hi = hi.max(h);
        }
        self.map.insert(lo, hi);
    }

    /// The parts of `lo..=hi` not covered, ascending.
    pub fn gaps(&self, lo: i64, hi: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut cursor = lo as i128;
        if let Some((_, &h)) = self.map.range(..lo).next_back() {
            cursor = cursor.max(h as i128 + 1);
        }
        for (&l, &h) in self.map.range(lo..=hi) {
            if l as i128 > cursor {
                out.push((cursor as i64, l - 1));
            }
            cursor = cursor.max(h as i128 + 1);
        }
        if cursor <= hi as i128 {
            out.push((cursor as i64, hi));
        }
        out
    }
}

/// Accumulates the disjoint segments of a frame set, in order, within a frame cap.
pub(crate) struct Builder {
    cap: u64,
    total: u64,
    segs: Vec<Seg>,
    dense: IntervalSet,
    sparse: IntervalSet,
    /// Lowest and highest frame seen so far (`None` before the first term).
    bounds: Option<(i64, i64)>,
    /// `segs[..indexed]` have their spans in `dense`/`sparse`.
    indexed: usize,
    /// New segments never merge into `segs[..merge_floor]`: set so a term appended on the fast
    /// path stays one segment with the term's exact span until it is indexed.
    merge_floor: usize,
}

impl Builder {
    pub fn new(cap: u64) -> Builder {
        Builder {
            cap,
            total: 0,
            segs: Vec::new(),
            dense: IntervalSet::default(),
            sparse: IntervalSet::default(),
            bounds: None,
            indexed: 0,
            merge_floor: 0,
        }
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    pub fn finish(self) -> Vec<Seg> {
        self.segs
    }

    fn too_many(&self, count_at_least: u64) -> FrameError {
        FrameError::TooMany {
            count_at_least,
            cap: self.cap,
        }
    }

    /// Append frames known to be new, merging with the previous segments where the shape
    /// allows (down to `merge_floor`).
    fn push(&mut self, seg: Seg) -> Result<(), FrameError> {
        let total = self
            .total
            .checked_add(seg.count())
            .ok_or_else(|| self.too_many(u64::MAX))?;
        if total > self.cap {
            return Err(self.too_many(total));
        }
        self.total = total;
        let mut seg = seg;
        while self.segs.len() > self.merge_floor {
            let Some(last) = self.segs.last() else { break };
            match last.merge(&seg) {
                Some(m) => {
                    seg = m;
                    self.segs.pop();
                }
                None => break,
            }
        }
        self.segs.push(seg);
        Ok(())
    }

    /// A frame that is known not to be in the set yet (used by `from_frames`).
    pub fn push_new_frame(&mut self, frame: i64) -> Result<(), FrameError> {
        self.push(Seg::single(frame))
    }

    /// Add one term's frames (an "atom": a run, a grid or a frame), dropping those already in.
    /// `raw` is the atom's frame count before dedup, checked against the cap first.
    pub fn add(&mut self, atom: Seg) -> Result<(), FrameError> {
        if atom.count() > self.cap {
            return Err(self.too_many(atom.count()));
        }
        let (lo, hi) = atom.hull();
        let outside = match self.bounds {
            None => true,
            Some((blo, bhi)) => hi < blo || lo > bhi,
        };
        self.bounds = Some(match self.bounds {
            None => (lo, hi),
            Some((blo, bhi)) => (blo.min(lo), bhi.max(hi)),
        });
        if outside {
            self.merge_floor = self.segs.len();
            return self.push(atom);
        }
        // Segments appended since the last indexing are whole terms: their spans are exact.
        for s in &self.segs[self.indexed..] {
            let (slo, shi) = s.hull();
            if s.is_dense() {
                self.dense.insert(slo, shi);
            } else {
                self.sparse.insert(slo, shi);
            }
        }
        // From here on every segment is indexed by its term's span, so merging may widen a
        // segment's own span freely.
        self.indexed = self.segs.len();
        self.merge_floor = 0;
        if !self.dense.intersects(lo, hi) && !self.sparse.intersects(lo, hi) {
            self.push(atom)?;
        } else {
            let mut pieces = Vec::new();
            if self.dense.intersects(lo, hi) {
                let mut gaps = self.dense.gaps(lo, hi);
                if !atom.ascending() {
                    gaps.reverse();
                }
                for (glo, ghi) in gaps {
                    atom.clip(glo, ghi, &mut pieces);
                }
            } else {
                pieces.push(atom);
            }
            for piece in pieces {
                let (plo, phi) = piece.hull();
                if self.sparse.intersects(plo, phi) {
                    self.add_overlapping(piece)?;
                } else {
                    self.push(piece)?;
                }
            }
        }
        if atom.is_dense() {
            self.dense.insert(lo, hi);
        } else {
            self.sparse.insert(lo, hi);
        }
        // Every segment pushed above lies within the span just inserted.
        self.indexed = self.segs.len();
        Ok(())
    }

    /// The slow path: `piece` lies where stepped terms were seen.
    fn add_overlapping(&mut self, piece: Seg) -> Result<(), FrameError> {
        let (plo, phi) = piece.hull();
        let cands: Vec<Seg> = self
            .segs
            .iter()
            .filter(|s| {
                let (lo, hi) = s.hull();
                lo <= phi && hi >= plo
            })
            .copied()
            .collect();
        if cands.is_empty() {
            return self.push(piece);
        }
        if cands.iter().any(|c| c.covers(&piece)) {
            return Ok(());
        }
        for (first, step, len) in piece.runs() {
            let mut f = first;
            for k in 0..len {
                if k > 0 {
                    f += step;
                }
                if !cands.iter().any(|c| c.contains(f)) {
                    self.push(Seg::single(f))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_set_merges_and_reports_gaps() {
        let mut s = IntervalSet::default();
        s.insert(10, 20);
        s.insert(30, 40);
        assert!(s.intersects(15, 25));
        assert!(!s.intersects(21, 29));
        assert_eq!(s.gaps(0, 50), vec![(0, 9), (21, 29), (41, 50)]);
        assert_eq!(s.gaps(12, 35), vec![(21, 29)]);
        s.insert(21, 29);
        assert_eq!(s.gaps(0, 50), vec![(0, 9), (41, 50)]);
        s.insert(i64::MIN, i64::MIN + 5);
        s.insert(i64::MAX - 5, i64::MAX);
        assert!(s.intersects(i64::MAX, i64::MAX));
        assert_eq!(
            s.gaps(i64::MIN, i64::MIN + 7),
            vec![(i64::MIN + 6, i64::MIN + 7)]
        );
        assert!(s.gaps(i64::MAX - 3, i64::MAX).is_empty());
    }
}
