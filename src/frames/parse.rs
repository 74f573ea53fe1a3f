//! The frame-set grammar (DESIGN §4), read in one pass over the bytes.
//!
//! ```text
//! spec  := term ("," term)*            whitespace allowed around every token
//! term  := frame | frame "-" frame [("x" | "y") step]
//! frame := ["-"] digits                 64-bit, the sign touching the digits
//! step  := digits                       1 or more
//! ```
//! `a-bxN` is a, a±N, … and ALWAYS b; `a-byN` is a..b minus the frames of `a-bxN`.
//! Every error names the byte position and says what to write instead.

use super::build::Builder;
use super::seg::Seg;
use super::FrameError;

const COLON_HINT: &str =
    "':' means a step in Deadline and interleave in fileseq, so brm does not guess: \
write 1-100x5 for every 5th frame, and use the job's --order interleaved to render coarse to fine";
const EXAMPLES: &str = "frame sets look like 1,5,10 or 10-20 or 1-100x5 or 1-10y3";

struct Parser<'a> {
    spec: &'a str,
    b: &'a [u8],
    pos: usize,
}

pub(crate) fn parse_into(spec: &str, builder: &mut Builder) -> Result<(), FrameError> {
    let mut p = Parser {
        spec,
        b: spec.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    if p.pos == p.b.len() {
        return Err(p.err(0, "the frame set is empty", EXAMPLES));
    }
    loop {
        p.skip_ws();
        match p.peek() {
            None => {
                return Err(p.err(
                    p.pos,
                    "nothing after the last ','",
                    "remove the trailing comma",
                ))
            }
            Some(b',') => {
                return Err(p.err(p.pos, "empty part between commas", "remove the extra comma"))
            }
            _ => {}
        }
        p.term(builder)?;
        p.skip_ws();
        match p.peek() {
            None => return Ok(()),
            Some(b',') => p.pos += 1,
            Some(_) => return Err(p.unexpected_after_term()),
        }
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn err(
        &self,
        position: usize,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> FrameError {
        FrameError::Syntax {
            spec: self.spec.to_owned(),
            position,
            message: message.into(),
            hint: hint.into(),
        }
    }

    fn char_at(&self, pos: usize) -> char {
        self.spec
            .get(pos..)
            .and_then(|s| s.chars().next())
            .unwrap_or('?')
    }

    /// An error for a character where a frame number should start.
    fn not_a_number(&self) -> FrameError {
        let pos = self.pos;
        match self.peek() {
            None => self.err(pos, "a frame number is missing at the end", EXAMPLES),
            Some(b',') => self.err(pos, "a frame number is missing before ','", EXAMPLES),
            Some(b':') => self.err(pos, "':' is not frame syntax", COLON_HINT),
            Some(b'.') => self.err(
                pos,
                "decimal frames are not supported",
                "frames are whole numbers: write 1-10, not 1.5-10",
            ),
            Some(b'x' | b'y' | b'X' | b'Y') => self.err(
                pos,
                "a step needs a range before it",
                "write the range first: 1-100x5",
            ),
            Some(b'+') => self.err(
                pos,
                "'+' is not frame syntax",
                "write frames without a plus sign: 5, not +5",
            ),
            Some(_) => self.err(
                pos,
                format!("'{}' is not a frame number", self.char_at(pos)),
                EXAMPLES,
            ),
        }
    }

    /// The error for what follows a complete term when it is not ',' or the end.
    fn unexpected_after_term(&self) -> FrameError {
        let pos = self.pos;
        match self.peek() {
            Some(b':') => self.err(pos, "':' is not frame syntax", COLON_HINT),
            Some(b'0'..=b'9') => self.err(
                pos,
                "missing ',' between frames",
                "separate frames with commas: 1,2 (not 1 2)",
            ),
            Some(b'-') => self.err(
                pos,
                "a range has exactly two ends",
                "split it with commas: 1-5,8-10",
            ),
            Some(b'.') => self.err(
                pos,
                "decimal frames are not supported",
                "frames are whole numbers: write 1-10, not 1.5-10",
            ),
            Some(b'x' | b'y') => self.err(
                pos,
                "a step needs a range before it",
                "write the range first: 1-100x5",
            ),
            Some(b'X' | b'Y') => self.err(
                pos,
                format!("'{}' is not frame syntax", self.char_at(pos)),
                "steps use a lowercase letter: 1-100x5 or 1-10y3",
            ),
            _ => self.err(
                pos,
                format!("'{}' is not frame syntax", self.char_at(pos)),
                EXAMPLES,
            ),
        }
    }

    /// `["-"] digits`, overflow-checked.
    fn frame(&mut self) -> Result<i64, FrameError> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(match self.peek() {
                    None | Some(b',') => self.err(start, "'-' without a frame number", EXAMPLES),
                    Some(b' ' | b'\t' | b'\n' | b'\r') => self.err(
                        start,
                        "a minus sign must touch its number",
                        "write negative frames as -5, without a space",
                    ),
                    _ => self.not_a_number(),
                });
            }
        } else if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.not_a_number());
        }
        let mut v: u64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(c - b'0')))
                .ok_or_else(|| self.too_big(start))?;
            self.pos += 1;
        }
        if self.peek() == Some(b'.') {
            return Err(self.err(
                self.pos,
                "decimal frames are not supported",
                "frames are whole numbers: write 1-10, not 1.5-10",
            ));
        }
        let v = if negative { -(v as i128) } else { v as i128 };
        i64::try_from(v).map_err(|_| self.too_big(start))
    }

    fn too_big(&self, start: usize) -> FrameError {
        self.err(
            start,
            "frame number does not fit in 64 bits",
            "frames must lie between -9223372036854775808 and 9223372036854775807",
        )
    }

    /// The step after `x`/`y` of the range `a-b`: digits, at least 1.
    fn step(&mut self, letter: char, a: i64, b: i64) -> Result<u64, FrameError> {
        let start = self.pos;
        match self.peek() {
            Some(b'0'..=b'9') => {}
            Some(b'-') => {
                // The hint fits the range: a descending one already counts down.
                let digits: String = self.spec[start + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let n = if digits.is_empty() {
                    "2".into()
                } else {
                    digits
                };
                let hint = if a > b {
                    format!("{a}-{b} already counts down; write the step without a sign: {a}-{b}{letter}{n}")
                } else {
                    format!("a step is always positive; to count down, swap the ends: {b}-{a}{letter}{n}")
                };
                return Err(self.err(start, "negative step", hint));
            }
            None | Some(b',') => {
                return Err(self.err(
                    start,
                    format!("missing step after '{letter}'"),
                    "write the step: 1-100x5",
                ))
            }
            Some(_) => {
                return Err(self.err(
                    start,
                    format!("'{}' is not a step", self.char_at(start)),
                    "write the step as a whole number: 1-100x5",
                ))
            }
        }
        let mut v: u128 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            v = v * 10 + u128::from(c - b'0');
            if v > u128::from(u64::MAX) {
                return Err(self.err(start, "step does not fit in 64 bits", "use a smaller step"));
            }
            self.pos += 1;
        }
        if self.peek() == Some(b'.') {
            return Err(self.err(
                self.pos,
                "decimal steps are not supported",
                "steps are whole numbers: 1-100x5",
            ));
        }
        if v == 0 {
            return Err(self.err(start, "step 0", "use a step of 1 or more: 1-100x5"));
        }
        Ok(v as u64)
    }

    fn term(&mut self, builder: &mut Builder) -> Result<(), FrameError> {
        let a = self.frame()?;
        self.skip_ws();
        if self.peek() != Some(b'-') {
            return builder.add(Seg::single(a));
        }
        let dash = self.pos;
        self.pos += 1;
        self.skip_ws();
        if matches!(self.peek(), None | Some(b',')) {
            return Err(self.err(
                dash,
                format!("the range '{a}-' has no end frame"),
                format!("write both ends: {a}-100"),
            ));
        }
        let b = self.frame()?;
        self.skip_ws();
        match self.peek() {
            Some(c @ (b'x' | b'y')) => {
                self.pos += 1;
                self.skip_ws();
                let step = self.step(c as char, a, b)?;
                if c == b'x' {
                    stepped(a, b, step, builder)
                } else {
                    inverted(a, b, step, builder)
                }
            }
            _ => stepped(a, b, 1, builder),
        }
    }
}

/// `a-bxN`: a, a±N, … and always b.
pub(super) fn stepped(a: i64, b: i64, step: u64, builder: &mut Builder) -> Result<(), FrameError> {
    let span = (b as i128 - a as i128).unsigned_abs(); // < 2^64
    let dir: i128 = if b >= a { 1 } else { -1 };
    let n = span / step as u128 + 1; // frames on the step, a included
    if n > u128::from(builder.cap()) {
        return Err(FrameError::TooMany {
            count_at_least: n.min(u64::MAX as u128) as u64,
            cap: builder.cap(),
        });
    }
    if n == 1 {
        builder.add(Seg::single(a))?;
    } else {
        // n >= 2 means step <= span / 1 < 2^64; n >= 3 means step < 2^63 and fits i64.
        if n == 2 {
            builder.add(Seg::single(a))?;
            builder.add(Seg::single((a as i128 + dir * step as i128) as i64))?;
        } else {
            builder.add(Seg::run(a, (dir * step as i128) as i64, n as u64))?;
        }
    }
    if !span.is_multiple_of(step as u128) {
        builder.add(Seg::single(b))?;
    }
    Ok(())
}

/// `a-byN`: the frames of a..b that `a-bxN` does not have.
fn inverted(a: i64, b: i64, step: u64, builder: &mut Builder) -> Result<(), FrameError> {
    let span = (b as i128 - a as i128).unsigned_abs();
    let dir: i128 = if b >= a { 1 } else { -1 };
    let k = step as u128;
    if k == 1 || span == 0 {
        return Ok(());
    }
    // Full runs: distances i*k+1 ..= i*k+k-1, all before b.
    let full = span / k;
    if full > 0 {
        let count = full * (k - 1);
        if count > u128::from(builder.cap()) {
            return Err(FrameError::TooMany {
                count_at_least: count.min(u64::MAX as u128) as u64,
                cap: builder.cap(),
            });
        }
        let first = (a as i128 + dir) as i64;
        // period = k fits i64 whenever there are 2+ runs (2k <= span < 2^64)
        let period = if full >= 2 {
            (dir * k as i128) as i64
        } else {
            0
        };
        builder.add(Seg::grid(
            first,
            dir as i64,
            (k - 1) as u64,
            period,
            full as u64,
        ))?;
    }
    // Tail: distances full*k+1 ..= span-1.
    let tail_first = full * k + 1;
    if tail_first < span {
        let len = span - tail_first;
        builder.add(Seg::run(
            (a as i128 + dir * tail_first as i128) as i64,
            dir as i64,
            len as u64,
        ))?;
    }
    Ok(())
}
