//! Small, allocation-free text helpers shared by the parsers.

use std::path::PathBuf;

/// Declares a lazily built, reused substring searcher (`memchr::memmem::Finder`): built once
/// per process, never per line.
macro_rules! finder {
    ($name:ident, $needle:expr) => {
        static $name: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
    };
}
pub(crate) use finder;

/// Byte offset of `finder`'s needle in `line`.
#[inline]
pub(crate) fn find(finder: &memchr::memmem::Finder<'_>, line: &str) -> Option<usize> {
    finder.find(line.as_bytes())
}

/// The text after the first occurrence of the needle.
#[inline]
pub(crate) fn after<'a>(finder: &memchr::memmem::Finder<'_>, line: &'a str) -> Option<&'a str> {
    let at = find(finder, line)?;
    line.get(at + finder.needle().len()..)
}

/// A leading (optionally negative) integer, after any spaces or tabs.
pub(crate) fn leading_int(s: &str) -> Option<i64> {
    let s = s.trim_start_matches([' ', '\t']);
    let bytes = s.as_bytes();
    let (neg, start) = match bytes.first() {
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let mut end = start;
    let mut value: i64 = 0;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        value = value
            .checked_mul(10)?
            .checked_add(i64::from(bytes[end] - b'0'))?;
        end += 1;
    }
    if end == start {
        return None;
    }
    Some(if neg { -value } else { value })
}

/// A leading decimal number such as `45`, `45.5`, `1.000000`, after spaces or tabs.
pub(crate) fn leading_float(s: &str) -> Option<f64> {
    let s = s.trim_start_matches([' ', '\t']);
    let bytes = s.as_bytes();
    let mut end = 0;
    if bytes.first() == Some(&b'-') {
        end = 1;
    }
    let digits_start = end;
    while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
        end += 1;
    }
    if end == digits_start {
        return None;
    }
    s[..end].trim_end_matches('.').parse().ok()
}

/// A frame number written as a float (`7.000000`, `-3.0`): whole frames only.
pub(crate) fn leading_frame(s: &str) -> Option<i64> {
    let f = leading_float(s)?;
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Some(f as i64)
    } else {
        None
    }
}

/// The number just before a `%` sign ending at `pct_at` (exclusive), e.g. `  45% done`.
pub(crate) fn number_before(line: &str, pct_at: usize) -> Option<f32> {
    let head = line.get(..pct_at)?.trim_end_matches([' ', '\t']);
    let bytes = head.as_bytes();
    let mut start = bytes.len();
    while start > 0 && (bytes[start - 1].is_ascii_digit() || bytes[start - 1] == b'.') {
        start -= 1;
    }
    if start == bytes.len() {
        return None;
    }
    let v: f32 = head[start..].trim_start_matches('.').parse().ok()?;
    (0.0..=100.0).contains(&v).then_some(v)
}

/// `a/b` at the start of `s` (after spaces) as a percentage.
pub(crate) fn ratio_percent(s: &str) -> Option<f32> {
    let s = s.trim_start_matches([' ', '\t']);
    let slash = s.find('/')?;
    let a = leading_int(&s[..slash])?;
    let b = leading_int(&s[slash + 1..])?;
    if b <= 0 || a < 0 || a > b {
        return None;
    }
    Some((a as f64 * 100.0 / b as f64) as f32)
}

/// A path written between quotes (`'…'`, `"…"`, or Arnold's `` `…' ``) at the start of `s`,
/// or else the rest of the line, trimmed.
pub(crate) fn quoted_path(s: &str) -> Option<PathBuf> {
    let s = s.trim();
    let mut chars = s.chars();
    let open = chars.next()?;
    let close = match open {
        '\'' => '\'',
        '"' => '"',
        '`' => '\'',
        _ => {
            return (!s.is_empty()).then(|| PathBuf::from(s));
        }
    };
    let rest = &s[open.len_utf8()..];
    let end = rest.find(close)?;
    let path = &rest[..end];
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// `H:MM:SS`, `MM:SS.ss` or `HH:MM:SS.ss` to whole seconds.
pub(crate) fn clock_seconds(s: &str) -> Option<u64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(s.len());
    let s = &s[..end];
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    for part in s.split(':') {
        let v: f64 = part.parse().ok()?;
        total = total * 60.0 + v;
    }
    Some(total.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(leading_int(" 12 (1/3)"), Some(12));
        assert_eq!(leading_int("-4"), Some(-4));
        assert_eq!(leading_int("x"), None);
        assert_eq!(leading_int("99999999999999999999999"), None);
        assert_eq!(leading_frame("7.000000"), Some(7));
        assert_eq!(leading_frame("7.5"), None);
        assert_eq!(number_before("|   45% done", 6), Some(45.0));
        assert_eq!(number_before("R90000  100%", 11), Some(100.0));
        assert_eq!(number_before("no%", 2), None);
        assert_eq!(
            ratio_percent(" 126/135 (14,0)"),
            Some(126.0 * 100.0 / 135.0)
        );
        assert_eq!(ratio_percent("3/0"), None);
    }

    #[test]
    fn paths_and_clocks() {
        assert_eq!(
            quoted_path(" '/a b/c.exr' in 0.1s"),
            Some(PathBuf::from("/a b/c.exr"))
        );
        assert_eq!(quoted_path("`/x/y.exr'"), Some(PathBuf::from("/x/y.exr")));
        assert_eq!(
            quoted_path("\"C:/r/x.exr\""),
            Some(PathBuf::from("C:/r/x.exr"))
        );
        assert_eq!(
            quoted_path(" /plain/path.exr "),
            Some(PathBuf::from("/plain/path.exr"))
        );
        assert_eq!(quoted_path("''"), None);
        assert_eq!(clock_seconds("00:00.14 | Mem"), Some(0));
        assert_eq!(clock_seconds("01:30.60"), Some(91));
        assert_eq!(clock_seconds("1:00:00"), Some(3600));
        assert_eq!(clock_seconds("abc"), None);
    }
}
