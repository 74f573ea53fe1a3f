//! The module graph: imports run only downward, and no files import each other in a circle.
//!
//! `docs/ARCHITECTURE.md` draws the crate's top-level modules as layers (the block after
//! "module layers"). This test reads that drawing and the sources, and fails when
//! - a module of `src/lib.rs` is missing from the drawing (or the drawing names one that is
//!   gone), so the picture stays true;
//! - a module imports one on its own layer or a layer above it ("running back up");
//! - files import each other in a circle (a child using its parent's items is not one: the
//!   parent declares the child).
//!
//! What counts as an import: every `crate::a::b` path and `use crate::{…}` item in non-test
//! code, and `super::` paths. Test code (`#[cfg(test)]` items, `tests.rs`, `*_tests.rs`) may
//! reach anywhere, as tests do. Plain text scanning, no parser: the sources follow rustfmt.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A file's module path below the crate root: `src/queue/engine/mod.rs` = ["queue", "engine"].
type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn mod_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn is_test_file(file: &Path) -> bool {
    let stem = file.file_stem().unwrap().to_string_lossy();
    stem == "tests" || stem.ends_with("_tests")
}

/// Removes `//` comments (to the end of the line) and every item marked `#[cfg(test)]`.
fn non_test_code(text: &str) -> String {
    let no_comments: String = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let b = no_comments.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while let Some(k) = no_comments[i..].find("#[cfg(test)]") {
        let start = i + k;
        out.push_str(&no_comments[i..start]);
        // The item ends at its `;` (a `mod x;`, a `use`) or at the brace matching its first `{`.
        let mut j = start + "#[cfg(test)]".len();
        let mut depth = 0usize;
        while j < b.len() {
            match b[j] {
                b';' if depth == 0 => break,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        i = (j + 1).min(b.len());
    }
    out.push_str(&no_comments[i..]);
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The lower-case `a::b::c` path starting at `s` (stops at the first non-module segment).
fn module_segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let n = rest.find(|c: char| !ident_char(c)).unwrap_or(rest.len());
        let seg = &rest[..n];
        if seg.is_empty() || !seg.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
            break;
        }
        segs.push(seg.to_string());
        if !rest[n..].starts_with("::") {
            break;
        }
        rest = &rest[n + 2..];
    }
    segs
}

/// Every module path the code names from `crate::` (including each item of a
/// `use crate::a::{b, c::d}` group) or from `super::` (resolved against `me`).
fn referenced_paths(code: &str, me: &ModPath) -> Vec<ModPath> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| ident_char(c)) {
            continue; // `mycrate::`
        }
        let after = &code[i + "crate::".len()..];
        let base = module_segments(after);
        out.push(base.clone());
        // A group: `crate::a::{b, c::{d, e}}` names a::b, a::c, …
        let mut prefix_len = 0;
        for s in &base {
            prefix_len += s.len() + 2;
        }
        let tail = &after[prefix_len.min(after.len())..];
        if tail.starts_with('{') {
            let end = tail.find(';').unwrap_or(tail.len());
            for item in tail[1..end].split([',', '{', '}']) {
                let item = item.trim();
                let mut p = base.clone();
                p.extend(module_segments(item));
                out.push(p);
            }
        }
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with(|c: char| ident_char(c) || c == ':') {
            continue; // `super::super::` is counted once, from its first `super`
        }
        let mut rest = &code[i..];
        let mut base: ModPath = me[..me.len().saturating_sub(1)].to_vec();
        rest = &rest["super::".len()..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        base.extend(module_segments(rest));
        out.push(base);
    }
    out
}

/// The longest known module path that `path` starts with.
fn resolve(path: &ModPath, known: &BTreeSet<ModPath>) -> Option<ModPath> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| known.contains(p))
}

/// The layers drawn in docs/ARCHITECTURE.md, bottom first: the indented lines of the first
/// code block after the "module layers" marker, top line = highest layer, modules split by `·`.
fn drawn_layers() -> Vec<Vec<String>> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/ARCHITECTURE.md")).unwrap();
    let at = doc
        .find("<!-- module layers")
        .expect("docs/ARCHITECTURE.md lost its `<!-- module layers -->` drawing");
    let block = &doc[at..];
    let open = block.find("```").unwrap() + 3;
    let body = &block[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let close = body.find("```").unwrap();
    let mut layers: Vec<Vec<String>> = body[..close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('│') && !l.starts_with('▼'))
        .map(|l| {
            l.split('·')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .collect();
    layers.reverse();
    layers
}

fn lib_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect()
}

struct Graph {
    /// File module → the file modules it imports (ancestors left out).
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

fn graph() -> Graph {
    let src = Path::new(ROOT).join("src");
    let libs = lib_modules();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut code = BTreeMap::new();
    for f in files {
        let m = mod_path(&src, &f);
        if m.is_empty() || !libs.contains(&m[0]) || is_test_file(&f) {
            continue; // lib.rs, the binary (main.rs, cli/), test files
        }
        code.insert(m, non_test_code(&std::fs::read_to_string(&f).unwrap()));
    }
    let known: BTreeSet<ModPath> = code.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    for (m, text) in &code {
        let mut to = BTreeSet::new();
        for p in referenced_paths(text, m) {
            if let Some(t) = resolve(&p, &known) {
                if t != *m && !m.starts_with(&t) {
                    to.insert(t);
                }
            }
        }
        edges.insert(m.clone(), to);
    }
    Graph { edges }
}

#[test]
fn the_drawing_names_every_module_once() {
    let drawn: Vec<String> = drawn_layers().into_iter().flatten().collect();
    let set: BTreeSet<String> = drawn.iter().cloned().collect();
    assert_eq!(set.len(), drawn.len(), "a module is drawn twice: {drawn:?}");
    let libs = lib_modules();
    let missing: Vec<_> = libs.difference(&set).collect();
    let gone: Vec<_> = set.difference(&libs).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "docs/ARCHITECTURE.md's module layers are out of date: not drawn {missing:?}, \
         drawn but not in src/lib.rs {gone:?}"
    );
}

#[test]
fn imports_run_only_downward() {
    let layer_of: BTreeMap<String, usize> = drawn_layers()
        .into_iter()
        .enumerate()
        .flat_map(|(i, l)| l.into_iter().map(move |m| (m, i)))
        .collect();
    let mut upward = Vec::new();
    for (from, tos) in graph().edges {
        for to in tos {
            let (a, b) = (&from[0], &to[0]);
            if a == b {
                continue;
            }
            let (Some(la), Some(lb)) = (layer_of.get(a), layer_of.get(b)) else {
                continue; // reported by the_drawing_names_every_module_once
            };
            if lb >= la {
                upward.push(format!("{} -> {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run sideways or back up the layers of docs/ARCHITECTURE.md \
         (move the item down, or redraw the layers if the design changed):\n  {}",
        upward.join("\n  ")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let g = graph();
    // Tarjan's strongly connected components.
    struct T<'a> {
        g: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on: BTreeSet<&'a ModPath>,
        next: usize,
        circles: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a ModPath) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut c = Vec::new();
            loop {
                let w = t.stack.pop().unwrap();
                t.on.remove(w);
                c.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                c.sort();
                t.circles.push(c);
            }
        }
    }
    let mut t = T {
        g: &g.edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        circles: Vec::new(),
    };
    for v in g.edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    assert!(
        t.circles.is_empty(),
        "files that import each other in a circle: {:?}",
        t.circles
    );
}

#[test]
fn the_scanner_sees_groups_super_and_skips_test_code() {
    let me: ModPath = vec!["queue".into(), "engine".into(), "warm".into()];
    let code = non_test_code(
        "use crate::plan::{self, exes::Executables, Method};\n\
         use super::super::store;\n\
         fn f() { crate::run::spawn(); } // crate::ffi::x\n\
         #[cfg(test)]\nmod tests { use crate::farm::x; }\n\
         #[cfg(test)]\nuse crate::client::{a, b};\n",
    );
    let paths: BTreeSet<String> = referenced_paths(&code, &me)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    for want in ["plan", "plan::exes", "queue::store", "run::spawn"] {
        assert!(paths.contains(want), "{want} not in {paths:?}");
    }
    for not in ["ffi", "farm", "client"] {
        assert!(
            !paths.iter().any(|p| p.starts_with(not)),
            "{not} in {paths:?}"
        );
    }
}
