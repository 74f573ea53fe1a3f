//! Frame order and chunking: which frames each task renders.
//!
//! A task is one renderer process, and starting one costs a scene load (seconds for Blender,
//! 30–120 s for a production Maya scene), so chunks must be large enough to amortize it; but
//! a chunk is also the unit of progress, cancel and retry, so not too large. The automatic
//! rule ([`auto_chunk_size`]) spreads a layer's frames evenly over the GPU slots and caps a
//! chunk at [`MAX_AUTO_CHUNK`] frames; it never plans one process per frame unless there are
//! at least as many idle slots as frames (then a frame per slot is the fastest plan).

use std::collections::VecDeque;

/// The largest chunk the automatic rule makes: at 50 frames a re-render after a crash loses
/// at most one chunk, and a cancel frees the slot within one frame (the process is killed).
pub const MAX_AUTO_CHUNK: usize = 50;

/// Frames per task when the user gives none: `ceil(frames / slots)`, at most
/// [`MAX_AUTO_CHUNK`], at least 1. One slot and ≤ 50 frames → one task.
pub fn auto_chunk_size(frames: usize, slots: usize) -> usize {
    let slots = slots.max(1);
    frames.div_ceil(slots).clamp(1, MAX_AUTO_CHUNK)
}

/// Reorder frames coarse to fine: first, last, middle, then the middles of each half
/// (quarters), eighths, … (breadth-first bisection of positions). Every frame appears once.
pub fn interleave(frames: &[i64]) -> Vec<i64> {
    let n = frames.len();
    if n <= 2 {
        return frames.to_vec();
    }
    let mut out = Vec::with_capacity(n);
    out.push(frames[0]);
    out.push(frames[n - 1]);
    let mut queue = VecDeque::from([(0usize, n - 1)]);
    while let Some((lo, hi)) = queue.pop_front() {
        let mid = lo + (hi - lo) / 2;
        if mid > lo && mid < hi {
            out.push(frames[mid]);
            queue.push_back((lo, mid));
            queue.push_back((mid, hi));
        }
    }
    out
}

/// Contiguous slices of `frames` of `size` frames (the last may be shorter).
pub fn chunk(frames: &[i64], size: usize) -> Vec<Vec<i64>> {
    frames.chunks(size.max(1)).map(<[i64]>::to_vec).collect()
}

/// Split `frames` (in the given order) into arithmetic runs `(start, end, step)` with
/// `step > 0` only: what `Render -s -e -b` and `blender -s -e -j` can express. Greedy: a run
/// grows while the next frame continues its step.
pub fn arithmetic_runs(frames: &[i64]) -> Vec<(i64, i64, i64)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let start = frames[i];
        let mut end = start;
        let mut step = 1;
        let next_step = frames
            .get(i + 1)
            .and_then(|&n| n.checked_sub(start))
            .filter(|&s| s > 0);
        if let Some(s) = next_step {
            step = s;
            end = frames[i + 1];
            i += 2;
            while i < frames.len() && frames[i].checked_sub(end) == Some(step) {
                end = frames[i];
                i += 1;
            }
        } else {
            i += 1;
        }
        runs.push((start, end, step));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_chunk_rule() {
        assert_eq!(auto_chunk_size(24, 1), 24, "1 slot, <= 50 frames: one task");
        assert_eq!(auto_chunk_size(50, 1), 50);
        assert_eq!(auto_chunk_size(51, 1), 50);
        assert_eq!(auto_chunk_size(200, 1), 50);
        assert_eq!(auto_chunk_size(24, 3), 8);
        assert_eq!(auto_chunk_size(25, 3), 9);
        assert_eq!(
            auto_chunk_size(2, 4),
            1,
            "more slots than frames: a frame per slot"
        );
        assert_eq!(auto_chunk_size(1, 0), 1);
        assert_eq!(auto_chunk_size(0, 2), 1);
        // Never one process per frame with fewer slots than frames.
        for frames in 2..300 {
            for slots in 1..frames {
                assert!(
                    auto_chunk_size(frames, slots) > 1,
                    "{frames} frames {slots} slots"
                );
            }
        }
    }

    #[test]
    fn interleave_is_coarse_to_fine_permutation() {
        let f: Vec<i64> = (1..=9).collect();
        assert_eq!(interleave(&f), vec![1, 9, 5, 3, 7, 2, 4, 6, 8]);
        let f: Vec<i64> = (1..=100).collect();
        let o = interleave(&f);
        assert_eq!(&o[..5], &[1, 100, 50, 25, 75]);
        let mut sorted = o.clone();
        sorted.sort();
        assert_eq!(sorted, f);
        assert_eq!(interleave(&[5]), vec![5]);
        assert_eq!(interleave(&[5, 3]), vec![5, 3]);
        assert_eq!(interleave(&[]), Vec::<i64>::new());
        // Works on any order (a stepped or descending set), by position.
        assert_eq!(interleave(&[10, 8, 6, 4, 2]), vec![10, 2, 6, 8, 4]);
    }

    #[test]
    fn chunks_are_contiguous_slices() {
        let f: Vec<i64> = (1..=7).collect();
        assert_eq!(chunk(&f, 3), vec![vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
        assert_eq!(chunk(&f, 10), vec![f.clone()]);
        assert_eq!(chunk(&f, 0), f.iter().map(|&x| vec![x]).collect::<Vec<_>>());
    }

    #[test]
    fn arithmetic_runs_of_frames() {
        assert_eq!(arithmetic_runs(&[1, 6, 11, 16]), vec![(1, 16, 5)]);
        assert_eq!(
            arithmetic_runs(&[1, 2, 3, 5, 7, 9]),
            vec![(1, 3, 1), (5, 9, 2)]
        );
        assert_eq!(arithmetic_runs(&[4]), vec![(4, 4, 1)]);
        assert_eq!(
            arithmetic_runs(&[3, 2, 1]),
            vec![(3, 3, 1), (2, 2, 1), (1, 1, 1)]
        );
        assert_eq!(
            arithmetic_runs(&[-5, -3, -1, 10]),
            vec![(-5, -1, 2), (10, 10, 1)]
        );
        assert_eq!(arithmetic_runs(&[]), vec![]);
        assert_eq!(
            arithmetic_runs(&[i64::MIN, i64::MAX, 0]),
            vec![(i64::MIN, i64::MIN, 1), (i64::MAX, i64::MAX, 1), (0, 0, 1)]
        );
    }
}
