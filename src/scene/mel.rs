//! A streaming tokenizer for the subset of MEL that Maya ASCII files are made of.
//!
//! Why a tokenizer and not line regexes: statements span lines (`requires` with many
//! `-nodeType` flags, `connectAttr ... \n ;`), strings contain `;`, `//` and escaped quotes
//! (script nodes hold whole MEL programs in one string), and string values may be concatenated
//! with `(` `"..."` `+` `"..."` `)`. A line-based reader gets all of these wrong.
//!
//! Why streaming: production `.ma` files reach gigabytes (mesh data). The lexer reads through a
//! buffer, yields one statement at a time, and stops storing words of a statement after
//! [`MAX_TOKENS`] (a `setAttr ".vt"` with millions of numbers costs no memory); strings are
//! always kept whole up to [`MAX_STRING`] bytes.

use std::io::{self, Read};

/// Tokens kept per statement; the rest are counted, not stored.
pub const MAX_TOKENS: usize = 256;
/// Bytes kept per quoted string; longer strings are cut (script bodies, not render settings).
pub const MAX_STRING: usize = 1 << 20;

/// One token of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A bare word: command name, flag (`-n`), number, `yes`/`no`, `(`, `+`, `)`.
    Word(String),
    /// A double-quoted string with escapes resolved.
    Str(String),
}

impl Token {
    /// The text of the token, whether word or string.
    pub fn text(&self) -> &str {
        match self {
            Token::Word(s) | Token::Str(s) => s,
        }
    }

    /// True for a word that is a flag (`-n`, `-type`), not a negative number (`-1`, `-.5`).
    pub fn is_flag(&self) -> bool {
        match self {
            Token::Word(w) => {
                let mut c = w.chars();
                c.next() == Some('-') && c.next().is_some_and(|c| c.is_ascii_alphabetic())
            }
            Token::Str(_) => false,
        }
    }
}

/// One statement: the tokens up to its `;` and the line it started on (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub line: u64,
    pub tokens: Vec<Token>,
    /// Tokens that were not stored because the statement was longer than [`MAX_TOKENS`].
    pub dropped: u64,
}

impl Statement {
    /// The command word (`createNode`, `setAttr`, ...), if the statement starts with a word.
    pub fn command(&self) -> Option<&str> {
        match self.tokens.first() {
            Some(Token::Word(w)) => Some(w),
            _ => None,
        }
    }
}

/// A lexing failure: where and what.
#[derive(Debug)]
pub enum LexError {
    Io(io::Error),
    /// A quoted string was still open at the end of the file.
    UnterminatedString {
        line: u64,
    },
}

/// Streaming statement reader over any byte source.
pub struct Lexer<R: Read> {
    src: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    line: u64,
}

impl<R: Read> Lexer<R> {
    pub fn new(src: R) -> Self {
        Lexer {
            src,
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            line: 1,
        }
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.pos = 0;
                    self.len = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(c) = b {
            self.pos += 1;
            if c == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    /// Skip to the end of the line (a `//` comment); the newline is left for the caller.
    fn skip_line(&mut self) -> io::Result<()> {
        while let Some(c) = self.peek()? {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// The next statement, or `None` at the end of the input. A final statement without `;`
    /// is returned as is (Maya always writes the `;`, hand-edited files may not).
    ///
    /// Hot loop: runs of word bytes are scanned inside the buffer and copied at once (only
    /// while the statement still stores tokens), so numbers in huge arrays cost a scan, not a
    /// per-byte call.
    // `end_word!` resets `in_word` also right before returning, where it is not read again.
    #[allow(unused_assignments)]
    pub fn next_statement(&mut self) -> Result<Option<Statement>, LexError> {
        let mut tokens: Vec<Token> = Vec::new();
        let mut dropped = 0u64;
        let mut start_line = None;
        let mut word: Vec<u8> = Vec::new();
        let mut in_word = false;

        macro_rules! end_word {
            () => {{
                if in_word {
                    if tokens.len() < MAX_TOKENS {
                        tokens.push(Token::Word(String::from_utf8_lossy(&word).into_owned()));
                    } else {
                        dropped += 1;
                    }
                    word.clear();
                    in_word = false;
                }
            }};
        }

        loop {
            if !self.fill().map_err(LexError::Io)? {
                end_word!();
                if tokens.is_empty() && dropped == 0 {
                    return Ok(None);
                }
                return Ok(Some(Statement {
                    line: start_line.unwrap_or(self.line),
                    tokens,
                    dropped,
                }));
            }
            let c = self.buf[self.pos];
            match c {
                b';' => {
                    self.pos += 1;
                    end_word!();
                    if tokens.is_empty() && dropped == 0 {
                        continue; // empty statement
                    }
                    return Ok(Some(Statement {
                        line: start_line.unwrap_or(self.line),
                        tokens,
                        dropped,
                    }));
                }
                b'"' => {
                    end_word!();
                    start_line.get_or_insert(self.line);
                    self.pos += 1;
                    let keep = tokens.len() < MAX_TOKENS;
                    let s = self.string(keep)?;
                    if keep {
                        tokens.push(Token::Str(s));
                    } else {
                        dropped += 1;
                    }
                }
                b'/' if !in_word && self.second_is_slash().map_err(LexError::Io)? => {
                    self.skip_line().map_err(LexError::Io)?;
                }
                b'\n' => {
                    end_word!();
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' => {
                    end_word!();
                    self.pos += 1;
                }
                _ => {
                    start_line.get_or_insert(self.line);
                    in_word = true;
                    let run = &self.buf[self.pos..self.len];
                    let n = run
                        .iter()
                        .position(|&b| matches!(b, b';' | b'"' | b' ' | b'\t' | b'\r' | b'\n'))
                        .unwrap_or(run.len());
                    // Keep words only while the statement stores tokens, and at a sane length.
                    if tokens.len() < MAX_TOKENS && word.len() < 4096 {
                        let take = n.min(4096 - word.len());
                        word.extend_from_slice(&run[..take]);
                    }
                    self.pos += n;
                }
            }
        }
    }

    /// At a `/`: is the next byte also `/` (a comment)? Consumes nothing when it is not.
    fn second_is_slash(&mut self) -> io::Result<bool> {
        if self.pos + 1 < self.len {
            return Ok(self.buf[self.pos + 1] == b'/');
        }
        // The second byte is in the next buffer: move the `/` to the front and read more.
        self.buf[0] = self.buf[self.pos];
        self.pos = 0;
        self.len = 1;
        let n = loop {
            match self.src.read(&mut self.buf[1..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
        }
        self.len = 1 + n;
        Ok(n > 0 && self.buf[1] == b'/')
    }

    /// Read a quoted string (opening quote consumed) with MEL escapes resolved; `keep`
    /// false skips it without storing.
    fn string(&mut self, keep: bool) -> Result<String, LexError> {
        let open_line = self.line;
        let mut out: Vec<u8> = Vec::new();
        loop {
            if !self.fill().map_err(LexError::Io)? {
                return Err(LexError::UnterminatedString { line: open_line });
            }
            // Copy the run up to the next quote or backslash at once.
            let run = &self.buf[self.pos..self.len];
            let n = run
                .iter()
                .position(|&b| b == b'"' || b == b'\\')
                .unwrap_or(run.len());
            self.line += run[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            if keep && out.len() < MAX_STRING {
                let take = n.min(MAX_STRING - out.len());
                out.extend_from_slice(&run[..take]);
            }
            self.pos += n;
            if n == run.len() {
                continue; // buffer exhausted inside the string
            }
            let c = self.buf[self.pos];
            self.pos += 1;
            if c == b'"' {
                break;
            }
            // A backslash: the escaped character may be in the next buffer.
            let Some(e) = self.bump().map_err(LexError::Io)? else {
                return Err(LexError::UnterminatedString { line: open_line });
            };
            let r = match e {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                other => other, // \" \\ and anything else: the character itself
            };
            if keep && out.len() < MAX_STRING {
                out.push(r);
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(src: &str) -> Vec<Statement> {
        let mut lx = Lexer::new(src.as_bytes());
        let mut v = Vec::new();
        while let Some(s) = lx.next_statement().unwrap() {
            v.push(s);
        }
        v
    }

    fn texts(s: &Statement) -> Vec<&str> {
        s.tokens.iter().map(|t| t.text()).collect()
    }

    #[test]
    fn statements_span_lines_and_end_at_semicolon() {
        let v = all("requires -nodeType \"a\"\n\t\t -nodeType \"b\" \"plug\" \"1.0\";\ncreateNode x -n \"y\";");
        assert_eq!(v.len(), 2);
        assert_eq!(
            texts(&v[0]),
            [
                "requires",
                "-nodeType",
                "a",
                "-nodeType",
                "b",
                "plug",
                "1.0"
            ]
        );
        assert_eq!(v[0].line, 1);
        assert_eq!(v[1].line, 3);
        assert_eq!(v[1].command(), Some("createNode"));
    }

    #[test]
    fn strings_keep_semicolons_comments_and_escapes() {
        let v = all(r#"setAttr ".b" -type "string" "a;b // c \"q\" \\ d\n";"#);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].tokens[4], Token::Str("a;b // c \"q\" \\ d\n".into()));
    }

    #[test]
    fn comments_are_skipped_outside_strings() {
        let v = all("//Maya ASCII 2023 scene\n//Name: x;y.ma\nselect -ne :time1; // trailing\n");
        assert_eq!(v.len(), 1);
        assert_eq!(texts(&v[0]), ["select", "-ne", ":time1"]);
    }

    #[test]
    fn concatenated_strings_are_tokens() {
        let v = all("setAttr \".b\" -type \"string\" (\n\t\"a\"\n\t+ \"b\");");
        assert_eq!(
            texts(&v[0]),
            ["setAttr", ".b", "-type", "string", "(", "a", "+", "b", ")"]
        );
    }

    #[test]
    fn flags_are_not_negative_numbers() {
        assert!(Token::Word("-n".into()).is_flag());
        assert!(!Token::Word("-1".into()).is_flag());
        assert!(!Token::Word("-.5".into()).is_flag());
        assert!(!Token::Str("-n".into()).is_flag());
    }

    #[test]
    fn unterminated_string_is_an_error_with_its_line() {
        let mut lx = Lexer::new("a;\nsetAttr \".x\" \"open".as_bytes());
        assert!(lx.next_statement().unwrap().is_some());
        match lx.next_statement() {
            Err(LexError::UnterminatedString { line }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn long_statements_are_capped() {
        let mut src = String::from("setAttr \".vt\"");
        for i in 0..(MAX_TOKENS + 100) {
            src.push_str(&format!(" {i}"));
        }
        src.push_str(";next;");
        let v = all(&src);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].tokens.len(), MAX_TOKENS);
        assert_eq!(v[0].dropped, 102); // "setAttr" and ".vt" count too
        assert_eq!(v[1].command(), Some("next"));
    }

    /// A reader that returns one byte per read, to cross every buffer boundary.
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn buffer_boundaries_do_not_matter() {
        let src = "// c\nselect -ne :x; // y\nsetAttr \".a\" 1 / 2;\n";
        let mut lx = Lexer::new(OneByte(src.as_bytes()));
        let mut v = Vec::new();
        while let Some(s) = lx.next_statement().unwrap() {
            v.push(s);
        }
        assert_eq!(v.len(), 2, "{v:?}");
        assert_eq!(texts(&v[1]), ["setAttr", ".a", "1", "/", "2"]);
    }

    /// Reads in chunks of a fixed size, to move buffer boundaries everywhere.
    struct Chunked<'a>(&'a [u8], usize);
    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn real_scene_lexes_the_same_at_any_chunk_size() {
        let bytes = std::fs::read(super::super::testdata("layers__layers.ma")).unwrap();
        let lex_all = |r: &mut dyn FnMut() -> Option<Statement>| {
            let mut v = Vec::new();
            while let Some(s) = r() {
                v.push(s);
            }
            v
        };
        let mut whole = Lexer::new(&bytes[..]);
        let reference = lex_all(&mut || whole.next_statement().unwrap());
        assert!(reference.len() > 500, "{}", reference.len());
        for chunk in [1usize, 2, 3, 5, 7, 64, 4099] {
            let mut lx = Lexer::new(Chunked(&bytes, chunk));
            let got = lex_all(&mut || lx.next_statement().unwrap());
            assert_eq!(got, reference, "chunk size {chunk}");
        }
    }

    #[test]
    fn escapes_across_buffer_boundaries() {
        let src = br#"setAttr ".b" -type "string" "x\"y\\z\n";"#;
        let mut lx = Lexer::new(OneByte(src));
        let st = lx.next_statement().unwrap().unwrap();
        assert_eq!(st.tokens[4], Token::Str("x\"y\\z\n".into()));
    }
}
