//! A frame spec as the user wrote it, parsed once where it enters brm.
//!
//! Why both the text and the set: the text is what the artist typed, kept for the job's
//! JSON, `brm job` and the farm job (`10-1x4` stays `10-1x4`, not its compact form); the set
//! is what plans use. Before this type, a job spec carried only the text, and each of five
//! places parsed it again to check it, with the chance of checking one way and planning
//! another. Now the edges (the CLI, the C ABI, the JSON a job arrives in) parse once, and
//! everything behind them holds a spec that is known to be valid.

use std::fmt;

use super::{FrameError, FrameSet};

/// A valid frame spec: its text and its frames.
#[derive(Clone, PartialEq, Eq)]
pub struct FrameSpec {
    text: String,
    set: FrameSet,
}

impl FrameSpec {
    /// Parse `text` with the default cap (`FrameSet::parse`).
    pub fn parse(text: &str) -> Result<FrameSpec, FrameError> {
        Ok(FrameSpec {
            set: FrameSet::parse(text)?,
            text: text.to_string(),
        })
    }

    /// A spec for frames brm chose itself (a scene's range): the text is the compact form.
    pub fn from_set(set: FrameSet) -> FrameSpec {
        FrameSpec {
            text: set.compact(),
            set,
        }
    }

    /// The frames `start` to `end` every `by` (at least 1), written as a user would
    /// (`1-24`, `1-24x2`): a range brm read from a scene.
    pub fn range(start: i64, end: i64, by: u64) -> Result<FrameSpec, FrameError> {
        let by = by.max(1);
        Ok(FrameSpec {
            set: FrameSet::range(start, end, by)?,
            text: if by > 1 {
                format!("{start}-{end}x{by}")
            } else {
                format!("{start}-{end}")
            },
        })
    }

    /// What the user wrote.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The frames, in the user's order, each once.
    pub fn set(&self) -> &FrameSet {
        &self.set
    }
}

impl fmt::Debug for FrameSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FrameSpec({:?})", self.text)
    }
}

impl fmt::Display for FrameSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for FrameSpec {
    type Err = FrameError;
    fn from_str(s: &str) -> Result<FrameSpec, FrameError> {
        FrameSpec::parse(s)
    }
}

/// Written as the user's text: the job JSON keeps its old shape.
impl serde::Serialize for FrameSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Read from text and parsed: a job document with a bad frame spec is refused as a whole.
impl<'de> serde::Deserialize<'de> for FrameSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FrameSpec, D::Error> {
        let s = String::deserialize(deserializer)?;
        FrameSpec::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_users_text_and_its_frames() {
        let s = FrameSpec::parse("10-1x4").unwrap();
        assert_eq!(s.as_str(), "10-1x4");
        assert_eq!(
            s.set().to_vec(),
            vec![10, 6, 2, 1],
            "the end frame is always rendered"
        );
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""10-1x4""#);
        let back: FrameSpec = serde_json::from_str(r#""10-1x4""#).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn a_bad_spec_is_refused_at_the_edge_with_the_parsers_words() {
        let e = FrameSpec::parse("1-").unwrap_err().to_string();
        assert!(e.contains("no end frame"), "{e}");
        let e = serde_json::from_str::<FrameSpec>(r#""1-""#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no end frame"), "{e}");
    }

    #[test]
    fn a_chosen_set_is_written_compactly() {
        let s = FrameSpec::from_set(FrameSet::range(1, 24, 2).unwrap());
        assert_eq!(s.as_str(), "1-23x2,24");
    }

    #[test]
    fn a_range_reads_as_written_and_holds_the_same_frames_as_its_text() {
        for (a, b, by, text) in [(1, 24, 2, "1-24x2"), (1, 3, 1, "1-3"), (5, 1, 2, "5-1x2")] {
            let r = FrameSpec::range(a, b, by).unwrap();
            assert_eq!(r.as_str(), text);
            assert_eq!(r, FrameSpec::parse(text).unwrap());
        }
        assert!(FrameSpec::range(0, i64::MAX, 1).is_err(), "the cap applies");
    }
}
