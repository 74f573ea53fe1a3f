//! The compact form of a frame set: a short spec that every common tool reads the same way.
//!
//! Only `a`, `a-b` and `a-bxN` with `b` ON the step are written, joined by commas. fileseq,
//! Deadline and brm agree on those (they disagree on `:`, on `y`, and on whether `a-bxN`
//! includes an off-step `b`), so `1-100x5` prints as `1-96x5,100`. Frames are grouped into
//! arithmetic runs in iteration order; a pair is held back one frame so `1,3,4,5,6` becomes
//! `1,3-6` and `2,3,5,6` becomes `2-3,5-6`.
//!
//! Values are `i128` inside: the gap between two `i64` frames can exceed `i64`.

use std::fmt::Write;

enum State {
    Empty,
    One(i128),
    Pair(i128, i128),
    /// A pair broken by a third frame: whether the pair or the (second, third) pair starts a
    /// run depends on the next frame.
    PairPlus(i128, i128, i128),
    /// First frame, step, count (>= 3).
    Run(i128, i128, u64),
}

pub(crate) struct Compactor {
    out: String,
    state: State,
}

impl Compactor {
    pub fn new() -> Compactor {
        Compactor {
            out: String::new(),
            state: State::Empty,
        }
    }

    pub fn push_frame(&mut self, f: i64) {
        let f = f as i128;
        self.state = match std::mem::replace(&mut self.state, State::Empty) {
            State::Empty => State::One(f),
            State::One(a) => State::Pair(a, f),
            State::Pair(a, b) if f - b == b - a => State::Run(a, b - a, 3),
            State::Pair(a, b) => State::PairPlus(a, b, f),
            State::PairPlus(a, b, c) if f - c == c - b => {
                self.emit_one(a);
                State::Run(b, c - b, 3)
            }
            State::PairPlus(a, b, c) => {
                self.emit_pair(a, b);
                State::Pair(c, f)
            }
            State::Run(s, st, n) if f == s + st * n as i128 => State::Run(s, st, n + 1),
            State::Run(s, st, n) => {
                self.emit_run(s, st, n);
                State::One(f)
            }
        };
    }

    /// `n` frames from `start`, `step` apart: the same as `n` calls to `push_frame`, but once
    /// the current run has this step (after at most four frames) the rest extends it in O(1).
    pub fn push_run(&mut self, start: i64, step: i64, n: u64) {
        for k in 0..n {
            self.push_frame((start as i128 + step as i128 * k as i128) as i64);
            if let State::Run(_, st, count) = &mut self.state {
                if *st == step as i128 {
                    *count += n - 1 - k;
                    return;
                }
            }
        }
    }

    pub fn finish(mut self) -> String {
        match std::mem::replace(&mut self.state, State::Empty) {
            State::Empty => {}
            State::One(a) => self.emit_one(a),
            State::Pair(a, b) => self.emit_pair(a, b),
            State::PairPlus(a, b, c) => {
                self.emit_pair(a, b);
                self.emit_one(c);
            }
            State::Run(s, st, n) => self.emit_run(s, st, n),
        }
        self.out
    }

    fn sep(&mut self) {
        if !self.out.is_empty() {
            self.out.push(',');
        }
    }

    fn emit_one(&mut self, a: i128) {
        self.sep();
        let _ = write!(self.out, "{a}");
    }

    fn emit_pair(&mut self, a: i128, b: i128) {
        self.sep();
        let sep = if (b - a).abs() == 1 { '-' } else { ',' };
        let _ = write!(self.out, "{a}{sep}{b}");
    }

    fn emit_run(&mut self, s: i128, st: i128, n: u64) {
        self.sep();
        let last = s + st * (n as i128 - 1);
        if st.abs() == 1 {
            let _ = write!(self.out, "{s}-{last}");
            return;
        }
        let range = format!("{s}-{last}x{}", st.abs());
        if n <= 5 {
            let list: Vec<String> = (0..n as i128).map(|k| (s + st * k).to_string()).collect();
            let list = list.join(",");
            if list.len() < range.len() {
                self.out.push_str(&list);
                return;
            }
        }
        self.out.push_str(&range);
    }
}
