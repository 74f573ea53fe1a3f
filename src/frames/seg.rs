//! [`Seg`]: one lazily stored piece of a frame set, a "grid" of arithmetic runs.
//!
//! A frame set is an ordered list of disjoint segments. A segment is `blocks` runs of `len`
//! frames spaced `step` apart, each run starting `period` after the previous one. That one
//! shape covers single frames, `a-b`, `a-bxN` (one run) and `a-byN` (many equal runs), so a
//! set never needs to expand its frames to be counted, indexed or tested for membership.
//!
//! Invariants (kept by the constructors, relied on by [`Seg::contains`] and clipping):
//! - a segment is strictly monotone in iteration order (all runs go the same direction, and
//!   each run starts past the end of the previous one: `|period| > (len - 1) * |step|`);
//! - single frame: `len == 1, blocks == 1, step == 0, period == 0`;
//!   plain run: `blocks == 1, len >= 2, step != 0, period == 0`;
//!   grid: `blocks >= 2, len >= 2`, `period` has the sign of `step`.
//!
//! Arithmetic on positions uses `i128`, so no intermediate value can overflow: every frame a
//! segment yields is an `i64` by construction.

/// See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Seg {
    pub start: i64,
    pub step: i64,
    pub len: u64,
    pub period: i64,
    pub blocks: u64,
}

impl Seg {
    pub fn single(frame: i64) -> Seg {
        Seg {
            start: frame,
            step: 0,
            len: 1,
            period: 0,
            blocks: 1,
        }
    }

    /// `len` frames from `start`, `step` apart (`len >= 1`; `step` ignored when `len == 1`).
    pub fn run(start: i64, step: i64, len: u64) -> Seg {
        debug_assert!(len >= 1);
        if len <= 1 {
            Seg::single(start)
        } else {
            debug_assert!(step != 0);
            Seg {
                start,
                step,
                len,
                period: 0,
                blocks: 1,
            }
        }
    }

    /// `blocks` runs of `len` frames; normalizes degenerate shapes to runs or single frames.
    /// `period` is only read when `blocks >= 2`.
    pub fn grid(start: i64, step: i64, len: u64, period: i64, blocks: u64) -> Seg {
        debug_assert!(len >= 1 && blocks >= 1);
        if blocks <= 1 {
            Seg::run(start, step, len)
        } else if len == 1 {
            Seg::run(start, period, blocks)
        } else {
            debug_assert!(
                (period > 0) == (step > 0)
                    && (period as i128).abs() > (len as i128 - 1) * (step as i128).abs()
            );
            Seg {
                start,
                step,
                len,
                period,
                blocks,
            }
        }
    }

    /// Number of frames (fits: constructors are only called within the frame cap).
    pub fn count(&self) -> u64 {
        self.len.saturating_mul(self.blocks)
    }

    pub fn is_single(&self) -> bool {
        self.len == 1 && self.blocks == 1
    }

    /// Every integer between its first and last frame is in it.
    pub fn is_dense(&self) -> bool {
        self.is_single() || (self.blocks == 1 && self.step.unsigned_abs() == 1)
    }

    pub fn ascending(&self) -> bool {
        self.step >= 0
    }

    /// The frame at flat index `idx` (`idx < count()`).
    pub fn at(&self, idx: u64) -> i64 {
        let (i, j) = (idx / self.len, idx % self.len);
        self.at_block(i, j)
    }

    /// The frame at run `i`, position `j` in the run.
    pub fn at_block(&self, i: u64, j: u64) -> i64 {
        let v =
            self.start as i128 + i as i128 * self.period as i128 + j as i128 * self.step as i128;
        v as i64
    }

    pub fn first(&self) -> i64 {
        self.start
    }

    pub fn last(&self) -> i64 {
        self.at_block(self.blocks - 1, self.len - 1)
    }

    /// Smallest and largest frame.
    pub fn hull(&self) -> (i64, i64) {
        let (a, b) = (self.first(), self.last());
        if a <= b {
            (a, b)
        } else {
            (b, a)
        }
    }

    pub fn contains(&self, frame: i64) -> bool {
        let mut d = frame as i128 - self.start as i128;
        if self.is_single() {
            return d == 0;
        }
        let (mut step, mut period) = (self.step as i128, self.period as i128);
        if step < 0 {
            d = -d;
            step = -step;
            period = -period;
        }
        if d < 0 {
            return false;
        }
        let (i, r) = if self.blocks == 1 {
            (0, d)
        } else {
            (d / period, d % period)
        };
        i < self.blocks as i128 && r % step == 0 && r / step < self.len as i128
    }

    /// Whether every frame of `other` is in `self`, decided arithmetically where that is cheap
    /// (`self` a single frame or a plain run); `false` means "not known", never "no".
    pub fn covers(&self, other: &Seg) -> bool {
        if other.is_single() {
            return self.contains(other.start);
        }
        if self.blocks != 1 || self.is_single() {
            return false;
        }
        let s = self.step as i128;
        self.contains(other.first())
            && self.contains(other.last())
            && (other.step as i128) % s == 0
            && (other.blocks == 1 || (other.period as i128) % s == 0)
    }

    /// Push the frames of flat indices `p..q` (`p < q <= count()`), as at most three segments.
    pub fn slice(&self, p: u64, q: u64, out: &mut Vec<Seg>) {
        debug_assert!(p < q && q <= self.count());
        if self.blocks == 1 {
            out.push(Seg::run(self.at(p), self.step, q - p));
            return;
        }
        let (i0, j0) = (p / self.len, p % self.len);
        let (i1, j1) = (q / self.len, q % self.len);
        if i0 == i1 {
            out.push(Seg::run(self.at(p), self.step, q - p));
            return;
        }
        let mut i = i0;
        if j0 > 0 {
            out.push(Seg::run(self.at(p), self.step, self.len - j0));
            i += 1;
        }
        if i1 > i {
            out.push(Seg::grid(
                self.at_block(i, 0),
                self.step,
                self.len,
                self.period,
                i1 - i,
            ));
        }
        if j1 > 0 {
            out.push(Seg::run(self.at_block(i1, 0), self.step, j1));
        }
    }

    /// Push the frames that lie in `lo..=hi`, in order (a segment is monotone, so they are
    /// one contiguous index range, found by binary search).
    pub fn clip(&self, lo: i64, hi: i64, out: &mut Vec<Seg>) {
        let n = self.count();
        let (p, q) = if self.ascending() {
            (
                partition_point(n, |k| self.at(k) < lo),
                partition_point(n, |k| self.at(k) <= hi),
            )
        } else {
            (
                partition_point(n, |k| self.at(k) > hi),
                partition_point(n, |k| self.at(k) >= lo),
            )
        };
        if p < q {
            self.slice(p, q, out);
        }
    }

    /// The runs of this segment as `(first, step, len)`, in order.
    pub fn runs(&self) -> impl Iterator<Item = (i64, i64, u64)> + '_ {
        (0..self.blocks).map(move |i| (self.at_block(i, 0), self.step, self.len))
    }

    /// `other` appended to `self` as one segment, when the shape allows it. Both must be
    /// disjoint and `other` must follow `self` in iteration order.
    pub fn merge(&self, other: &Seg) -> Option<Seg> {
        let (a, b) = (self, other);
        if a.blocks == 1 && b.blocks == 1 {
            if a.len == 1 {
                let d = b.start as i128 - a.start as i128;
                let d64 = i64::try_from(d).ok().filter(|&d| d != 0)?;
                if b.len == 1 {
                    return Some(Seg::run(a.start, d64, 2));
                }
                return (d64 == b.step).then(|| Seg::run(a.start, b.step, b.len + 1));
            }
            let next = a.last() as i128 + a.step as i128;
            if b.start as i128 == next && (b.len == 1 || b.step == a.step) {
                return Some(Seg::run(a.start, a.step, a.len.checked_add(b.len)?));
            }
            if b.len == a.len && b.step == a.step {
                let period = b.start as i128 - a.start as i128;
                let p64 = i64::try_from(period).ok()?;
                let span = (a.len as i128 - 1) * (a.step as i128).abs();
                if (p64 > 0) == (a.step > 0) && period.abs() > span {
                    return Some(Seg::grid(a.start, a.step, a.len, p64, 2));
                }
            }
            return None;
        }
        if a.blocks >= 2
            && b.len == a.len
            && b.step == a.step
            && (b.blocks == 1 || b.period == a.period)
        {
            let expect = a.start as i128 + a.blocks as i128 * a.period as i128;
            if b.start as i128 == expect {
                return Some(Seg::grid(
                    a.start,
                    a.step,
                    a.len,
                    a.period,
                    a.blocks.checked_add(b.blocks)?,
                ));
            }
        }
        None
    }
}

/// First index in `0..n` for which `pred` is false, for a `pred` that is true then false.
pub(crate) fn partition_point(n: u64, pred: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(s: &Seg) -> Vec<i64> {
        (0..s.count()).map(|k| s.at(k)).collect()
    }

    #[test]
    fn grid_yields_runs_in_order_and_membership_matches() {
        let g = Seg::grid(2, 1, 2, 3, 3); // 2,3,5,6,8,9
        assert_eq!(frames(&g), vec![2, 3, 5, 6, 8, 9]);
        for f in -2..12 {
            assert_eq!(g.contains(f), frames(&g).contains(&f), "frame {f}");
        }
        let d = Seg::grid(9, -1, 2, -3, 3); // 9,8,6,5,3,2
        assert_eq!(frames(&d), vec![9, 8, 6, 5, 3, 2]);
        for f in -2..12 {
            assert_eq!(d.contains(f), frames(&d).contains(&f), "frame {f}");
        }
    }

    #[test]
    fn clip_and_slice_keep_order() {
        let g = Seg::grid(2, 1, 2, 3, 3);
        let mut out = Vec::new();
        g.clip(3, 8, &mut out);
        let got: Vec<i64> = out.iter().flat_map(frames).collect();
        assert_eq!(got, vec![3, 5, 6, 8]);
        let d = Seg::run(10, -2, 5); // 10,8,6,4,2
        out.clear();
        d.clip(3, 8, &mut out);
        assert_eq!(
            out.iter().flat_map(frames).collect::<Vec<_>>(),
            vec![8, 6, 4]
        );
    }

    #[test]
    fn merge_builds_runs_and_grids() {
        let a = Seg::single(1);
        let b = Seg::single(2);
        let ab = a.merge(&b).unwrap();
        assert_eq!(ab, Seg::run(1, 1, 2));
        let g = ab.merge(&Seg::run(4, 1, 2)).unwrap();
        assert_eq!(frames(&g), vec![1, 2, 4, 5]);
        let g = g.merge(&Seg::run(7, 1, 2)).unwrap();
        assert_eq!(g.blocks, 3);
        assert!(Seg::single(i64::MIN)
            .merge(&Seg::single(i64::MAX))
            .is_none());
    }

    #[test]
    fn covers_is_exact_for_runs() {
        let r = Seg::run(1, 2, 50); // odd 1..99
        assert!(r.covers(&Seg::run(3, 4, 10)));
        assert!(!r.covers(&Seg::run(2, 4, 10)));
        assert!(!r.covers(&Seg::run(3, 4, 100)));
        assert!(r.covers(&Seg::grid(1, 2, 2, 10, 3)));
    }
}
