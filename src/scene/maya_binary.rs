//! Maya Binary (`.mb`) inspection, best effort.
//!
//! A `.mb` file is IFF: `FOR8` (64-bit sizes, Maya 2014 and later) or `FOR4` (32-bit, before).
//! Layout as found in the shared test scene (Maya 2023, `FOR8`):
//! - a chunk is a 4-byte tag, 4 unused bytes, a big-endian u64 size, then the data; a leaf's
//!   data is padded so the next chunk starts 8-byte aligned *relative to the leaf's start*;
//!   a group (`FOR8`/`LIS8`/`CAT8`) has a 4-byte type after its size, then children, and is
//!   not padded. `FOR4` files: tag, u32 size, data padded to 4 (classic IFF).
//! - `FOR8 HEAD`: `VERS` (Maya version), `TUNI` (time unit), `TDUR` (ticks per second,
//!   141120000 since Maya 2019; 6000 before), `PLUG` (required plugin: name, version, flags).
//! - one group per node, typed by a 4-character code (`RNDL` renderLayer, `RNLM`
//!   renderLayerManager, `DCAM` camera; plugin nodes use numeric ids) whose first child
//!   `CREA` holds a flag byte, the name and the parent name; attribute chunks follow (`DBLE`
//!   number, `STR ` string: attribute name, NUL, one flag byte, value).
//! - `SLCT` groups: `select -ne :node` then its attributes (render globals live here).
//! - `CWFL` chunks: connections (flag byte, source plug, destination plug).
//! - time attributes are stored as integer ticks (`:time1.o` 537 is 3157560000 at 141120000
//!   ticks/s, 24 fps), converted to frames here.
//!
//! Plugin node types (Render Setup collections and overrides) have numeric ids, so per-layer
//! frame overrides are not read from `.mb`: the result carries a warning that details are
//! partial, and an unreadable file is an error that says to save as `.ma`.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::model::{is_interesting_type, Model, Value};
use super::{RequiredPlugin, SceneError, SceneFormat, SceneInfo};

/// The warning every `.mb` result carries.
pub const PARTIAL_WARNING: &str = "Maya Binary inspection is partial (layers, renderer, frame range, cameras, plugins; no Render Setup per-layer overrides); save the scene as Maya ASCII (.ma) for full inspection";

/// Nesting limit: real files nest 2-3 deep.
const MAX_DEPTH: usize = 32;
/// Largest chunk brm reads into memory (attribute values it needs are tiny).
const MAX_READ: u64 = 1 << 20;

/// Inspect a `.mb` file (reads headers and small chunks, seeks over the rest).
pub fn inspect(path: &Path) -> Result<SceneInfo, SceneError> {
    let f = File::open(path).map_err(|e| SceneError::read(path, e))?;
    let len = f.metadata().map_err(|e| SceneError::read(path, e))?.len();
    parse(BufReader::new(f), len, path)
}

/// Inspect `.mb` bytes from any seekable reader of `len` bytes.
pub fn parse<R: Read + Seek>(r: R, len: u64, path: &Path) -> Result<SceneInfo, SceneError> {
    let err = |reason: String| SceneError::MayaBinary {
        path: path.to_path_buf(),
        reason,
    };
    let mut iff = Iff {
        r,
        wide: true,
        path,
    };
    let mut magic = [0u8; 4];
    iff.read_at(0, &mut magic)?;
    iff.wide = match &magic {
        b"FOR8" => true,
        b"FOR4" => false,
        _ => {
            return Err(err(format!(
                "it does not start with an IFF FOR8/FOR4 header (found {:?})",
                String::from_utf8_lossy(&magic)
            )))
        }
    };
    let top = iff.header(0, len)?;
    let mut ty = [0u8; 4];
    iff.read_at(top.body, &mut ty)?;
    if &ty != b"Maya" {
        return Err(err(format!(
            "the IFF form is {:?}, not \"Maya\"",
            String::from_utf8_lossy(&ty)
        )));
    }
    let mut st = State {
        model: Model::default(),
        ticks_per_second: 6000.0,
        time_unit: None,
        current: None,
        version: None,
    };
    iff.walk(top.body + 4, top.end, 1, &mut st, GroupKind::Top)?;

    let mut info = SceneInfo::empty(path, SceneFormat::Mb);
    // Convert tick-valued time attributes of the globals to frames.
    let fps = st
        .time_unit
        .as_deref()
        .and_then(fps_of_unit)
        .unwrap_or(24.0);
    let per_frame = st.ticks_per_second / fps;
    if let Some(g) = st.model.lookup_or_globals("defaultRenderGlobals") {
        for attr in ["fs", "ef"] {
            let v = st.model.nodes[g].attrs.get(attr).cloned();
            if let Some(Value::Num(raw)) = v {
                st.model
                    .set_attr(g, attr, Value::Num(time_value(raw, per_frame)));
            }
        }
    }
    st.model.time_unit = st.time_unit.clone();
    st.model.fill(&mut info);
    info.warnings.insert(0, PARTIAL_WARNING.to_string());
    Ok(info)
}

/// Frames per second of a Maya time unit name.
fn fps_of_unit(unit: &str) -> Option<f64> {
    Some(match unit {
        "game" => 15.0,
        "film" => 24.0,
        "pal" => 25.0,
        "ntsc" => 30.0,
        "show" => 48.0,
        "palf" => 50.0,
        "ntscf" => 60.0,
        other => other.strip_suffix("fps")?.parse().ok()?,
    })
}

/// A time attribute's raw 8 bytes, read as f64: integer ticks stored in the same bytes show up
/// as tiny denormals; a plain double (some writers) is used as frames.
fn time_value(raw_as_f64: f64, ticks_per_frame: f64) -> f64 {
    if raw_as_f64.is_normal() && raw_as_f64.abs() > 1e-6 && raw_as_f64.abs() < 1e9 {
        return raw_as_f64;
    }
    let ticks = raw_as_f64.to_bits() as i64;
    let frames = ticks as f64 / ticks_per_frame;
    (frames * 1000.0).round() / 1000.0
}

#[derive(Clone, Copy, PartialEq)]
enum GroupKind {
    Top,
    Head,
    /// A node group; the Maya type when brm keeps nodes of it.
    Node(Option<&'static str>),
    Select,
    Other,
}

struct State {
    model: Model,
    ticks_per_second: f64,
    time_unit: Option<String>,
    /// The node receiving attribute chunks (inside a node group or after `SLCT`).
    current: Option<usize>,
    /// Maya version from the header (`VERS`).
    version: Option<String>,
}

struct Header {
    tag: [u8; 4],
    body: u64,
    end: u64,
    /// Where the next sibling starts.
    next: u64,
}

struct Iff<'p, R> {
    r: R,
    wide: bool,
    path: &'p Path,
}

impl<R: Read + Seek> Iff<'_, R> {
    fn err(&self, reason: String) -> SceneError {
        SceneError::MayaBinary {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    fn read_at(&mut self, off: u64, buf: &mut [u8]) -> Result<(), SceneError> {
        self.r
            .seek(SeekFrom::Start(off))
            .map_err(|e| SceneError::read(self.path, e))?;
        self.r.read_exact(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                self.err(format!("the file is cut short at byte {off}"))
            } else {
                SceneError::read(self.path, e)
            }
        })
    }

    /// Read the chunk header at `off`, checked against the parent's `end`.
    fn header(&mut self, off: u64, end: u64) -> Result<Header, SceneError> {
        let hlen: u64 = if self.wide { 16 } else { 8 };
        if off + hlen > end {
            return Err(self.err(format!(
                "a chunk header at byte {off} runs past its container"
            )));
        }
        let mut h = [0u8; 16];
        self.read_at(off, &mut h[..hlen as usize])?;
        let tag = [h[0], h[1], h[2], h[3]];
        let size = if self.wide {
            u64::from_be_bytes([h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]])
        } else {
            u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as u64
        };
        let body = off + hlen;
        let data_end = body
            .checked_add(size)
            .filter(|&e| e <= end)
            .ok_or_else(|| {
                self.err(format!(
                    "chunk {:?} at byte {off} claims {size} bytes, past the end of its container",
                    String::from_utf8_lossy(&tag)
                ))
            })?;
        let align: u64 = if self.wide { 8 } else { 4 };
        let next = if self.is_group(&tag) && self.wide {
            data_end
        } else {
            let total = hlen + size;
            (off + total.div_ceil(align) * align).min(end)
        };
        Ok(Header {
            tag,
            body,
            end: data_end,
            next,
        })
    }

    fn is_group(&self, tag: &[u8; 4]) -> bool {
        if self.wide {
            matches!(tag, b"FOR8" | b"LIS8" | b"CAT8" | b"PROP")
        } else {
            matches!(tag, b"FOR4" | b"LIS4" | b"CAT4" | b"PROP")
        }
    }

    fn walk(
        &mut self,
        start: u64,
        end: u64,
        depth: usize,
        st: &mut State,
        kind: GroupKind,
    ) -> Result<(), SceneError> {
        if depth > MAX_DEPTH {
            return Err(self.err("chunks nest deeper than any Maya file does".into()));
        }
        let hlen: u64 = if self.wide { 16 } else { 8 };
        let mut off = start;
        let mut first = true;
        while off + hlen <= end {
            let h = self.header(off, end)?;
            if self.is_group(&h.tag) {
                let mut ty = [0u8; 4];
                if h.body + 4 > h.end {
                    return Err(self.err(format!("group at byte {off} has no type")));
                }
                self.read_at(h.body, &mut ty)?;
                let child_kind = match &ty {
                    b"HEAD" => GroupKind::Head,
                    b"SLCT" => GroupKind::Select,
                    b"CONN" | b"CONS" | b"DELT" | b"REFS" => GroupKind::Other,
                    code => GroupKind::Node(node_type_of(code)),
                };
                // A node's attributes stay inside its group.
                let saved = st.current.take();
                self.walk(h.body + 4, h.end, depth + 1, st, child_kind)?;
                st.current = saved;
            } else {
                self.leaf(&h, st, kind, first)?;
            }
            first = false;
            if h.next <= off {
                break;
            }
            off = h.next;
        }
        Ok(())
    }

    fn data(&mut self, h: &Header) -> Result<Option<Vec<u8>>, SceneError> {
        let size = h.end - h.body;
        if size > MAX_READ {
            return Ok(None);
        }
        let mut buf = vec![0u8; size as usize];
        self.read_at(h.body, &mut buf)?;
        Ok(Some(buf))
    }

    fn leaf(
        &mut self,
        h: &Header,
        st: &mut State,
        kind: GroupKind,
        first: bool,
    ) -> Result<(), SceneError> {
        match (&h.tag, kind) {
            (b"VERS", GroupKind::Head) => st.version = self.data(h)?.map(|d| cstr(&d, 0).0),
            (b"TUNI", GroupKind::Head) => st.time_unit = self.data(h)?.map(|d| cstr(&d, 0).0),
            (b"TDUR", GroupKind::Head) => {
                if let Some(t) = self
                    .data(h)?
                    .and_then(|d| cstr(&d, 0).0.trim().parse::<f64>().ok())
                {
                    if t > 0.0 {
                        st.ticks_per_second = t;
                    }
                }
            }
            (b"PLUG", GroupKind::Head) => {
                if let Some(d) = self.data(h)? {
                    let (name, i) = cstr(&d, 0);
                    let (version, i) = cstr(&d, i);
                    let (flags, _) = cstr(&d, i);
                    if !name.is_empty() && name != "maya" {
                        st.model.requires.push(RequiredPlugin {
                            name,
                            version: (!version.is_empty()).then_some(version),
                            node_types: node_types_of(&flags),
                        });
                    }
                }
            }
            (b"CREA", GroupKind::Node(ty)) if first => {
                // Flag byte, name, parent (optional), then a binary UUID.
                st.current = None;
                if let (Some(ty), Some(d)) = (ty, self.data(h)?) {
                    let (name, i) = cstr(&d, 1.min(d.len()));
                    // Flag bit 0x80 is set on nodes written without a parent (transforms at
                    // the root, dependency nodes); shapes carry their transform's name.
                    let has_parent = d.first().is_some_and(|f| f & 0x80 == 0)
                        && d.get(i).is_some_and(|b| b.is_ascii_graphic());
                    let parent = has_parent
                        .then(|| cstr(&d, i).0)
                        .filter(|p| !p.is_empty() && p.chars().all(|c| !c.is_control()));
                    if !name.is_empty() && is_interesting_type(ty) {
                        st.current = Some(st.model.add_node(&name, ty, parent.as_deref()));
                    }
                }
            }
            (b"SLCT", GroupKind::Select) => {
                if let Some(d) = self.data(h)? {
                    let (name, _) = cstr(&d, 0);
                    st.current = st.model.lookup_or_globals(&name);
                }
            }
            (b"CWFL", _) => {
                if let Some(d) = self.data(h)? {
                    let (src, i) = cstr(&d, 1.min(d.len()));
                    let (dst, _) = cstr(&d, i);
                    if !src.is_empty() && !dst.is_empty() {
                        st.model.connect(&src, &dst);
                    }
                }
            }
            (b"DBLE", _) | (b"STR ", _) if st.current.is_some() => {
                if let (Some(node), Some(d)) = (st.current, self.data(h)?) {
                    let (attr, i) = cstr(&d, 0);
                    let i = i + 1; // flag byte
                    let value = if &h.tag == b"STR " {
                        Some(Value::Str(cstr(&d, i.min(d.len())).0))
                    } else {
                        d.get(i..i + 8).map(|b| {
                            let mut a = [0u8; 8];
                            a.copy_from_slice(b);
                            Value::Num(f64::from_be_bytes(a))
                        })
                    };
                    if let Some(v) = value {
                        if !attr.is_empty() {
                            st.model.set_attr(node, &attr, v);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The Maya node type of a node group's 4-character code, for the types brm reads.
fn node_type_of(code: &[u8; 4]) -> Option<&'static str> {
    Some(match code {
        b"RNDL" => "renderLayer",
        b"RNLM" => "renderLayerManager",
        b"DCAM" => "camera",
        _ => return None,
    })
}

/// A NUL-terminated string at `i`; returns it and the index after the NUL.
fn cstr(d: &[u8], i: usize) -> (String, usize) {
    let rest = d.get(i..).unwrap_or(&[]);
    let n = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    (String::from_utf8_lossy(&rest[..n]).into_owned(), i + n + 1)
}

/// The `-nodeType "x"` values of a PLUG chunk's flag text.
fn node_types_of(flags: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut parts = flags.split_whitespace();
    while let Some(p) = parts.next() {
        if p == "-nodeType" || p == "-nt" {
            if let Some(v) = parts.next() {
                out.push(v.trim_matches('"').to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testdata;
    use super::*;
    use std::io::Cursor;

    #[test]
    fn real_maya_2023_binary() {
        let info = inspect(&testdata("layers__scene_file_to_reference.mb")).unwrap();
        eprintln!("{}", super::super::to_json(&info));
        assert_eq!(info.format, SceneFormat::Mb);
        assert_eq!(info.renderer.as_deref(), Some("arnold"));
        assert_eq!(info.layers.len(), 1);
        assert_eq!(info.layers[0].node, "defaultRenderLayer");
        assert_eq!(info.layers[0].name, "masterLayer");
        assert!(!info.layers[0].from_reference);
        assert_eq!(info.cameras, ["persp"]);
        let names: Vec<_> = info
            .required_plugins
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["stereoCamera", "mtoa"]);
        assert_eq!(
            info.required_plugins[1].node_types,
            ["aiOptions", "aiAOVDriver", "aiAOVFilter"]
        );
        assert_eq!(info.warnings[0], PARTIAL_WARNING);
    }

    #[test]
    fn ticks_convert_to_frames() {
        // :time1.o in the test file: 537 frames at 141120000 ticks/s, film.
        let raw = f64::from_bits(3_157_560_000u64);
        assert_eq!(time_value(raw, 141_120_000.0 / 24.0), 537.0);
        // Pre-2019 files: 6000 ticks/s, 250 per film frame.
        assert_eq!(time_value(f64::from_bits(250 * 1001), 250.0), 1001.0);
        assert_eq!(time_value(12.0, 250.0), 12.0);
        assert_eq!(fps_of_unit("ntsc"), Some(30.0));
        assert_eq!(fps_of_unit("23.976fps"), Some(23.976));
        assert_eq!(fps_of_unit("bogus"), None);
    }

    /// Build a FOR8 chunk (leaf padded to 8 from its start; group unpadded).
    fn leaf8(tag: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend([0u8; 4]);
        v.extend((data.len() as u64).to_be_bytes());
        v.extend(data);
        while !v.len().is_multiple_of(8) {
            v.push(0);
        }
        v
    }
    fn group8(ty: &[u8; 4], children: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = ty
            .iter()
            .copied()
            .chain(children.iter().flatten().copied())
            .collect();
        let mut v = b"FOR8".to_vec();
        v.extend([0u8; 4]);
        v.extend((body.len() as u64).to_be_bytes());
        v.extend(body);
        v
    }

    #[test]
    fn synthetic_for8_with_layers_globals_and_ticks() {
        let mut fs = b"fs\0 ".to_vec();
        fs.extend((1001u64 * 5_880_000).to_be_bytes());
        let mut ef = b"ef\0 ".to_vec();
        ef.extend((1100u64 * 5_880_000).to_be_bytes());
        let mut an = b"an\0 ".to_vec();
        an.extend(1.0f64.to_be_bytes());
        let mut rndr = b"rndr\0 ".to_vec();
        rndr.extend(0.0f64.to_be_bytes());
        let file = group8(
            b"Maya",
            &[
                group8(
                    b"HEAD",
                    &[
                        leaf8(b"VERS", b"2024"),
                        leaf8(b"TUNI", b"film"),
                        leaf8(b"TDUR", b"141120000"),
                    ],
                ),
                group8(b"RNLM", &[leaf8(b"CREA", b"\x80renderLayerManager\0")]),
                group8(b"RNDL", &[leaf8(b"CREA", b"\x80defaultRenderLayer\0")]),
                group8(
                    b"RNDL",
                    &[leaf8(b"CREA", b"\x80rs_fx\0"), leaf8(b"DBLE", &rndr)],
                ),
                group8(
                    b"SLCT",
                    &[
                        leaf8(b"SLCT", b":defaultRenderGlobals\0"),
                        leaf8(b"STR ", b"ren\0 redshift\0"),
                        leaf8(b"DBLE", &fs),
                        leaf8(b"DBLE", &ef),
                        leaf8(b"DBLE", &an),
                    ],
                ),
                group8(
                    b"CONN",
                    &[
                        leaf8(b"CWFL", b"\0renderLayerManager.rlmi[1]\0rs_fx.rlid\0"),
                        leaf8(b"CWFL", b"\0rs_fx.msg\0fx.lrl\0"),
                    ],
                ),
            ],
        );
        let len = file.len() as u64;
        let info = parse(Cursor::new(file), len, Path::new("x.mb")).unwrap();
        assert_eq!(info.renderer.as_deref(), Some("redshift"));
        assert_eq!(
            (info.start_frame, info.end_frame),
            (Some(1001.0), Some(1100.0))
        );
        assert_eq!(info.animation, Some(true));
        assert_eq!(info.layers.len(), 2);
        assert_eq!(
            (info.layers[1].name.as_str(), info.layers[1].node.as_str()),
            ("fx", "rs_fx")
        );
        assert!(!info.layers[1].renderable);
    }

    #[test]
    fn synthetic_for4() {
        fn leaf4(tag: &[u8; 4], data: &[u8]) -> Vec<u8> {
            let mut v = tag.to_vec();
            v.extend((data.len() as u32).to_be_bytes());
            v.extend(data);
            while !v.len().is_multiple_of(4) {
                v.push(0);
            }
            v
        }
        fn group4(ty: &[u8; 4], children: &[Vec<u8>]) -> Vec<u8> {
            let body: Vec<u8> = ty
                .iter()
                .copied()
                .chain(children.iter().flatten().copied())
                .collect();
            let mut v = b"FOR4".to_vec();
            v.extend((body.len() as u32).to_be_bytes());
            v.extend(body);
            v
        }
        let file = group4(
            b"Maya",
            &[
                group4(
                    b"HEAD",
                    &[
                        leaf4(b"VERS", b"2012"),
                        leaf4(b"PLUG", b"Mayatomr\x002012.0m\0"),
                    ],
                ),
                group4(b"RNDL", &[leaf4(b"CREA", b"\x80defaultRenderLayer\0")]),
                group4(
                    b"SLCT",
                    &[
                        leaf4(b"SLCT", b":defaultRenderGlobals\0"),
                        leaf4(b"STR ", b"ren\0 mentalRay\0"),
                    ],
                ),
            ],
        );
        let len = file.len() as u64;
        let info = parse(Cursor::new(file), len, Path::new("old.mb")).unwrap();
        assert_eq!(info.renderer.as_deref(), Some("mentalRay"));
        assert_eq!(info.required_plugins[0].name, "Mayatomr");
        assert_eq!(info.required_plugins[0].version.as_deref(), Some("2012.0m"));
    }

    #[test]
    fn unreadable_binaries_say_save_as_ma() {
        for bytes in [
            &b"not iff at all"[..],
            b"FOR8\0\0\0\0\0\0\0\0\0\0\xff\xffMaya",
            b"FOR8\0\0\0\0\0\0\0\0\0\0\0\x04Nope",
        ] {
            let len = bytes.len() as u64;
            let e = parse(Cursor::new(bytes.to_vec()), len, Path::new("bad.mb")).unwrap_err();
            assert!(matches!(e, SceneError::MayaBinary { .. }), "{e}");
            assert!(
                e.to_string().contains("save the scene as Maya ASCII"),
                "{e}"
            );
        }
        // Cut in the middle of the real file.
        let full = std::fs::read(testdata("layers__scene_file_to_reference.mb")).unwrap();
        let cut = full[..full.len() / 2].to_vec();
        let e = parse(
            Cursor::new(cut),
            (full.len() / 2) as u64,
            Path::new("cut.mb"),
        )
        .unwrap_err();
        assert!(matches!(e, SceneError::MayaBinary { .. }), "{e}");
    }
}
