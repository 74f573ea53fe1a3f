//! Is a frame file whole? A renderer that crashes (or a disk that fills) while writing leaves
//! a fresh, non-empty, truncated file: it must not count as a rendered frame.
//!
//! Each format is judged by its own structure, from its header and its tail only (a few
//! KiB read, never a decode: verification runs for every frame of every job):
//!
//! - PNG: the signature, and the file ends with the `IEND` chunk (PNG spec §11.2.5: the last
//!   chunk; its 12 bytes are fixed: length 0, `IEND`, CRC `AE 42 60 82`).
//! - JPEG: starts with SOI (`FF D8`) and ends with EOI (`FF D9`, ITU T.81 B.2.1); trailing
//!   zero padding some writers add is allowed.
//! - OpenEXR: the magic number, the header(s), then the offset table (one `u64` per chunk;
//!   OpenEXR file layout §"Offset Tables"): every chunk starts inside the file, and the last
//!   chunk's stored data size ends inside it. Renderers write the table first and fill it
//!   in at the end, so a truncated or unfinished file has offsets of 0 or past its end.
//! - TIFF: the header's first IFD and every IFD after it, and every strip or tile
//!   (`StripOffsets`/`StripByteCounts`, `TileOffsets`/`TileByteCounts`) lie inside the file.
//!
//! Any other format (or one this reader does not know well enough, e.g. BigTIFF, deep EXR):
//! [`Completeness::Unknown`], and the frame counts as before (non-empty and written by this
//! attempt). Why hand-written rather than a decoder crate: the checks need only offsets and
//! end markers, a decoder would read every pixel; each check is a few dozen lines with its
//! structure cited above.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// What the structure of a frame file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// The format's own markers say the file is whole.
    Complete,
    /// Not a format checked here; only "non-empty" is known.
    Unknown,
    /// Cut short or unfinished; the text says what is wrong.
    Incomplete(String),
}

/// How much of a file's head is read to find EXR headers or a TIFF IFD.
const HEAD: usize = 64 * 1024;

/// Judge the file at `path` (see the module doc). An unreadable file is incomplete.
pub fn check(path: &Path) -> Completeness {
    match check_inner(path) {
        Ok(c) => c,
        Err(e) => Completeness::Incomplete(format!("cannot be read ({e})")),
    }
}

fn check_inner(path: &Path) -> std::io::Result<Completeness> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut head = vec![0u8; HEAD.min(len as usize)];
    f.read_exact(&mut head)?;
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        let tail = read_tail(&mut f, len, 12)?;
        return Ok(if tail == b"\0\0\0\0IEND\xaeB`\x82" {
            Completeness::Complete
        } else {
            Completeness::Incomplete("the PNG does not end with its IEND chunk".into())
        });
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let tail = read_tail(&mut f, len, 4096)?;
        let end = tail
            .iter()
            .rposition(|&b| b != 0)
            .map(|i| i + 1)
            .unwrap_or(0);
        return Ok(if end >= 2 && tail[end - 2..end] == [0xFF, 0xD9] {
            Completeness::Complete
        } else {
            Completeness::Incomplete("the JPEG does not end with its EOI marker".into())
        });
    }
    if head.starts_with(&[0x76, 0x2F, 0x31, 0x01]) {
        return exr(&mut f, &head, len);
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return tiff(&mut f, head[0] == b'I', len);
    }
    Ok(Completeness::Unknown)
}

fn read_tail(f: &mut File, len: u64, n: u64) -> std::io::Result<Vec<u8>> {
    let n = n.min(len);
    f.seek(SeekFrom::Start(len - n))?;
    let mut buf = vec![0u8; n as usize];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_at(f: &mut File, at: u64, n: usize) -> std::io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0u8; n];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

fn incomplete(why: impl Into<String>) -> std::io::Result<Completeness> {
    Ok(Completeness::Incomplete(why.into()))
}

// ------------------------------------------------------------------------------ OpenEXR

/// What the offset table needs from one part's header.
#[derive(Default)]
struct ExrPart {
    data_window: Option<(i32, i32, i32, i32)>,
    compression: Option<u8>,
    /// Tile size and level mode byte.
    tiles: Option<(u32, u32, u8)>,
    chunk_count: Option<i32>,
    deep: bool,
}

/// Reads attributes (`name\0type\0size value`) from `head` at `*pos` until the header's
/// terminating zero byte; `None` when the header runs past what was read.
fn exr_header(head: &[u8], pos: &mut usize, long_names: bool) -> Option<ExrPart> {
    let _ = long_names;
    let mut part = ExrPart::default();
    loop {
        if *head.get(*pos)? == 0 {
            *pos += 1;
            return Some(part);
        }
        let name_end = *pos + head.get(*pos..)?.iter().position(|&b| b == 0)?;
        let name = &head[*pos..name_end];
        let type_start = name_end + 1;
        let type_end = type_start + head.get(type_start..)?.iter().position(|&b| b == 0)?;
        let ty = &head[type_start..type_end];
        let size = i32::from_le_bytes(head.get(type_end + 1..type_end + 5)?.try_into().ok()?);
        let v0 = type_end + 5;
        let value = head.get(v0..v0.checked_add(usize::try_from(size).ok()?)?)?;
        let i32_at = |i: usize| -> Option<i32> {
            Some(i32::from_le_bytes(value.get(i..i + 4)?.try_into().ok()?))
        };
        match (name, ty) {
            (b"dataWindow", b"box2i") => {
                part.data_window = Some((i32_at(0)?, i32_at(4)?, i32_at(8)?, i32_at(12)?));
            }
            (b"compression", _) => part.compression = value.first().copied(),
            (b"tiles", b"tiledesc") => {
                part.tiles = Some((i32_at(0)? as u32, i32_at(4)? as u32, *value.get(8)?));
            }
            (b"chunkCount", _) => part.chunk_count = i32_at(0),
            (b"type", _) => part.deep = value.starts_with(b"deep"),
            _ => {}
        }
        *pos = v0 + value.len();
    }
}

/// Scan lines per chunk of each compression (OpenEXR "Compression" table).
fn exr_lines_per_chunk(compression: u8) -> Option<u64> {
    Some(match compression {
        0..=2 => 1,       // NONE, RLE, ZIPS
        3 | 5 => 16,      // ZIP, PXR24
        4 | 6 | 7 => 32,  // PIZ, B44, B44A
        8 => 32,          // DWAA
        9 => 256,         // DWAB
        _ => return None, // unknown: count not computable
    })
}

/// Chunks of one part when the header has no `chunkCount` (single-part files).
fn exr_chunks(part: &ExrPart) -> Option<u64> {
    if let Some(n) = part.chunk_count {
        return u64::try_from(n).ok();
    }
    let (x0, y0, x1, y1) = part.data_window?;
    let w = u64::try_from(i64::from(x1) - i64::from(x0) + 1).ok()?;
    let h = u64::try_from(i64::from(y1) - i64::from(y0) + 1).ok()?;
    match part.tiles {
        None => Some(h.div_ceil(exr_lines_per_chunk(part.compression?)?)),
        Some((tx, ty, mode)) => {
            let (tx, ty) = (u64::from(tx.max(1)), u64::from(ty.max(1)));
            let round_up = mode >> 4 == 1;
            let level = |size: u64, l: u32| -> u64 {
                let d = 1u64 << l.min(63);
                (if round_up { size.div_ceil(d) } else { size / d }).max(1)
            };
            let levels = |size: u64| -> u32 {
                // floor or ceil of log2(size), plus one.
                let fl = 63 - size.max(1).leading_zeros();
                let l = if round_up && !size.is_power_of_two() {
                    fl + 1
                } else {
                    fl
                };
                l + 1
            };
            let tiles = |lw: u64, lh: u64| lw.div_ceil(tx) * lh.div_ceil(ty);
            match mode & 0x0F {
                0 => Some(tiles(w, h)),
                1 => Some(
                    (0..levels(w.max(h)))
                        .map(|l| tiles(level(w, l), level(h, l)))
                        .sum(),
                ),
                2 => {
                    let mut n = 0;
                    for ly in 0..levels(h) {
                        for lx in 0..levels(w) {
                            n += tiles(level(w, lx), level(h, ly));
                        }
                    }
                    Some(n)
                }
                _ => None,
            }
        }
    }
}

fn exr(f: &mut File, head: &[u8], len: u64) -> std::io::Result<Completeness> {
    let Some(version) = head
        .get(4..8)
        .map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
    else {
        return incomplete("the EXR is cut short inside its header");
    };
    let (tiled_single, long_names, deep, multipart) = (
        version & 0x200 != 0,
        version & 0x400 != 0,
        version & 0x800 != 0,
        version & 0x1000 != 0,
    );
    let mut pos = 8;
    let mut parts = Vec::new();
    loop {
        let Some(p) = exr_header(head, &mut pos, long_names) else {
            if head.len() as u64 == len {
                return incomplete("the EXR is cut short inside its header");
            }
            return Ok(Completeness::Unknown); // a header larger than what was read
        };
        parts.push(p);
        if !multipart {
            break;
        }
        match head.get(pos) {
            Some(0) => {
                pos += 1;
                break;
            }
            Some(_) => {}
            None => return incomplete("the EXR is cut short inside its headers"),
        }
    }
    if deep || parts.iter().any(|p| p.deep) {
        return Ok(Completeness::Unknown);
    }
    if tiled_single && parts[0].tiles.is_none() {
        return incomplete("the EXR says it is tiled but has no tile description");
    }
    let mut counts = Vec::new();
    for p in &parts {
        match exr_chunks(p) {
            Some(n) if n <= 1 << 26 => counts.push(n),
            _ => return Ok(Completeness::Unknown),
        }
    }
    let total: u64 = counts.iter().sum();
    let table_end = pos as u64 + total * 8;
    if table_end > len {
        return incomplete("the EXR is cut short inside its offset table");
    }
    let table = read_at(f, pos as u64, (total * 8) as usize)?;
    let mut last: Option<(u64, usize)> = None;
    let mut i = 0usize;
    for (part, &n) in counts.iter().enumerate() {
        for _ in 0..n {
            let o = u64::from_le_bytes(table[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            i += 1;
            if o < table_end || o >= len {
                return incomplete(format!(
                    "the EXR's offset table points outside the file (chunk at {o}, file of {len} bytes)"
                ));
            }
            if last.is_none_or(|(lo, _)| o > lo) {
                last = Some((o, part));
            }
        }
    }
    // The chunk that starts last must end inside the file: its header (part number when
    // multi-part; y, or the tile's four coordinates) then its data size.
    if let Some((o, part)) = last {
        let tiled = parts[part].tiles.is_some();
        let size_at = o + if multipart { 4 } else { 0 } + if tiled { 16 } else { 4 };
        if size_at + 4 > len {
            return incomplete("the EXR's last chunk is cut short");
        }
        let b = read_at(f, size_at, 4)?;
        let size = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if size_at + 4 + size > len {
            return incomplete(format!(
                "the EXR's last chunk ends past the end of the file ({} of {size} bytes there)",
                len - (size_at + 4)
            ));
        }
    }
    Ok(Completeness::Complete)
}

// --------------------------------------------------------------------------------- TIFF

fn tiff(f: &mut File, little: bool, len: u64) -> std::io::Result<Completeness> {
    let u16_of = |b: &[u8]| {
        if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        }
    };
    let u32_of = |b: &[u8]| {
        if little {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        }
    };
    if len < 8 {
        return incomplete("the TIFF is cut short inside its header");
    }
    let mut ifd = u64::from(u32_of(&read_at(f, 4, 4)?));
    let mut seen = 0;
    while ifd != 0 {
        seen += 1;
        if seen > 1024 {
            return Ok(Completeness::Unknown); // a loop of IFDs: not ours to judge
        }
        if ifd + 2 > len {
            return incomplete("the TIFF's image directory lies past the end of the file");
        }
        let n = u64::from(u16_of(&read_at(f, ifd, 2)?));
        if ifd + 2 + n * 12 + 4 > len {
            return incomplete("the TIFF's image directory is cut short");
        }
        let entries = read_at(f, ifd + 2, (n * 12 + 4) as usize)?;
        // Every value stored outside its entry (arrays, rationals, strings) lies inside the
        // file: writers often put them last, after the image data.
        for e in entries[..(n * 12) as usize].chunks(12) {
            let width: u64 = match u16_of(&e[2..4]) {
                1 | 2 | 6 | 7 => 1,
                3 | 8 => 2,
                4 | 9 | 11 => 4,
                5 | 10 | 12 => 8,
                _ => 0,
            };
            let bytes = u64::from(u32_of(&e[4..8])) * width;
            if bytes > 4 && u64::from(u32_of(&e[8..12])) + bytes > len {
                return incomplete(format!(
                    "the TIFF's tag {} has its value past the end of the file",
                    u16_of(&e[0..2])
                ));
            }
        }
        let mut values = |tag: u16| -> std::io::Result<Option<Vec<u64>>> {
            for e in entries[..(n * 12) as usize].chunks(12) {
                if u16_of(&e[0..2]) != tag {
                    continue;
                }
                let (ty, count) = (u16_of(&e[2..4]), u64::from(u32_of(&e[4..8])));
                let width = match ty {
                    3 => 2,
                    4 => 4,
                    _ => return Ok(None),
                };
                let bytes = count * width;
                let raw = if bytes <= 4 {
                    e[8..8 + bytes as usize].to_vec()
                } else {
                    let at = u64::from(u32_of(&e[8..12]));
                    if at + bytes > len || count > 1 << 24 {
                        return Ok(Some(vec![u64::MAX]));
                    }
                    read_at(f, at, bytes as usize)?
                };
                return Ok(Some(
                    raw.chunks(width as usize)
                        .map(|c| {
                            if width == 2 {
                                u64::from(u16_of(c))
                            } else {
                                u64::from(u32_of(c))
                            }
                        })
                        .collect(),
                ));
            }
            Ok(None)
        };
        let pairs = [(273u16, 279u16), (324, 325)];
        for (off_tag, count_tag) in pairs {
            let (Some(offs), Some(counts)) = (values(off_tag)?, values(count_tag)?) else {
                continue;
            };
            if offs.contains(&u64::MAX) || counts.contains(&u64::MAX) {
                return incomplete("the TIFF's strip table lies past the end of the file");
            }
            for (o, c) in offs.iter().zip(&counts) {
                if o.saturating_add(*c) > len {
                    return incomplete(format!(
                        "the TIFF's image data ends past the end of the file (at {}, file of {len} bytes)",
                        o.saturating_add(*c)
                    ));
                }
            }
        }
        let next = &entries[(n * 12) as usize..];
        ifd = u64::from(u32_of(next));
    }
    Ok(Completeness::Complete)
}

#[cfg(test)]
#[path = "complete_tests.rs"]
mod tests;
