//! Text that came from elsewhere, made safe to show.
//!
//! The agent's answers end up on terminals (the CLI) and in Maya's Script Editor. A render's
//! log, a job name or an error message can carry terminal control sequences (ESC `[`…, OSC
//! titles, BEL, backspaces, bidi overrides) that would rewrite what the user sees; echoed user
//! input can be huge. Both are neutralised here, once, for every front.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw: C0 controls other than tab and newline, DEL,
/// C1 controls, and the Unicode bidi embedding/override/isolate marks ("Trojan source").
fn is_unsafe(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written visibly (`\x1b`, `\u{202e}`); tab and newline kept.
/// Borrowed, without copying, when there is nothing to escape (the usual case).
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            let n = c as u32;
            if n <= 0xff {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escape every string inside a JSON value in place (keys included).
pub fn escape_json_strings(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(e) = escape_controls(s) {
                *s = e;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(escape_json_strings),
        Value::Object(o) => {
            if o.keys()
                .any(|k| matches!(escape_controls(k), Cow::Owned(_)))
            {
                let old = std::mem::take(o);
                for (k, mut val) in old {
                    escape_json_strings(&mut val);
                    o.insert(escape_controls(&k).into_owned(), val);
                }
            } else {
                o.values_mut().for_each(escape_json_strings);
            }
        }
        _ => {}
    }
}

/// At most `max` bytes of `s` (cut on a character boundary), with how much was left out, so
/// an error can quote user input without growing with it.
pub fn cap_echo(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} more bytes)", &s[..end], s.len() - end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences_keeps_plain_text() {
        assert!(matches!(
            escape_controls("frame 1 done\t100%"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape_controls("\u{1b}]0;pwned\u{7}\u{1b}[2Jhi\r"),
            "\\x1b]0;pwned\\x07\\x1b[2Jhi\\x0d"
        );
        assert_eq!(escape_controls("a\u{202e}b\u{9b}"), "a\\u{202e}b\\x9b");
        assert_eq!(escape_controls("two\nlines"), "two\nlines");
    }

    #[test]
    fn escapes_inside_json() {
        let mut v = serde_json::json!({"a": ["x\u{1b}[31m", 1], "k\u{7}": {"m": "\u{8}"}});
        escape_json_strings(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": ["x\\x1b[31m", 1], "k\\x07": {"m": "\\x08"}})
        );
    }

    #[test]
    fn caps_long_input_on_a_char_boundary() {
        assert_eq!(cap_echo("short", 10), "short");
        let s = "é".repeat(10);
        let c = cap_echo(&s, 5);
        assert!(c.starts_with("éé…"), "{c}");
        assert!(c.ends_with("(16 more bytes)"), "{c}");
    }
}
