//! Unit tests of [`super::check`] on files built byte by byte after each format's layout;
//! `tests/frame_complete.rs` checks the same on files Blender writes.

use super::*;

fn attr(out: &mut Vec<u8>, name: &str, ty: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    out.extend_from_slice(ty.as_bytes());
    out.push(0);
    out.extend_from_slice(&(value.len() as i32).to_le_bytes());
    out.extend_from_slice(value);
}

fn box2i(x0: i32, y0: i32, x1: i32, y1: i32) -> Vec<u8> {
    [x0, y0, x1, y1]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

/// A scan-line EXR, `height` lines of one chunk each (NONE compression), 8 data bytes a line.
fn scanline_exr(height: i32) -> Vec<u8> {
    let mut f = vec![0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0];
    attr(
        &mut f,
        "channels",
        "chlist",
        b"R\0\x01\0\0\0\0\0\0\0\x01\0\0\0\x01\0\0\0\0",
    );
    attr(&mut f, "compression", "compression", &[0]);
    attr(&mut f, "dataWindow", "box2i", &box2i(0, 0, 1, height - 1));
    attr(
        &mut f,
        "displayWindow",
        "box2i",
        &box2i(0, 0, 1, height - 1),
    );
    attr(&mut f, "lineOrder", "lineOrder", &[0]);
    f.push(0);
    let table_at = f.len();
    f.resize(table_at + 8 * height as usize, 0);
    for y in 0..height {
        let at = f.len() as u64;
        f[table_at + 8 * y as usize..table_at + 8 * y as usize + 8]
            .copy_from_slice(&at.to_le_bytes());
        f.extend_from_slice(&y.to_le_bytes());
        f.extend_from_slice(&8i32.to_le_bytes());
        f.extend_from_slice(&[7u8; 8]);
    }
    f
}

/// A tiled, mip-mapped EXR (rounding down): 8×4 pixels in 4×4 tiles → levels 8×4 (2 tiles),
/// 4×2 (1), 2×1 (1), 1×1 (1): 5 chunks.
fn tiled_mipmap_exr() -> Vec<u8> {
    let mut f = vec![0x76, 0x2F, 0x31, 0x01, 2, 0x02, 0, 0];
    attr(&mut f, "compression", "compression", &[0]);
    attr(&mut f, "dataWindow", "box2i", &box2i(0, 0, 7, 3));
    let mut td = Vec::new();
    td.extend_from_slice(&4u32.to_le_bytes());
    td.extend_from_slice(&4u32.to_le_bytes());
    td.push(1); // MIPMAP_LEVELS, ROUND_DOWN
    attr(&mut f, "tiles", "tiledesc", &td);
    f.push(0);
    let table_at = f.len();
    f.resize(table_at + 8 * 5, 0);
    for i in 0..5usize {
        let at = f.len() as u64;
        f[table_at + 8 * i..table_at + 8 * i + 8].copy_from_slice(&at.to_le_bytes());
        f.extend_from_slice(&[0u8; 16]); // tile x, y, level x, level y
        f.extend_from_slice(&4i32.to_le_bytes());
        f.extend_from_slice(&[1u8; 4]);
    }
    f
}

fn write(d: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = d.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn is_incomplete(c: &Completeness) -> bool {
    matches!(c, Completeness::Incomplete(_))
}

#[test]
fn a_whole_scanline_exr_is_complete_and_every_cut_of_it_is_not() {
    let d = tempfile::tempdir().unwrap();
    let full = scanline_exr(6);
    assert_eq!(check(&write(&d, "a.exr", &full)), Completeness::Complete);
    for cut in [4, 9, 40, full.len() / 2, full.len() - 1] {
        let c = check(&write(&d, "cut.exr", &full[..cut]));
        assert!(is_incomplete(&c), "cut at {cut} of {}: {c:?}", full.len());
    }
}

#[test]
fn an_exr_whose_offset_table_was_never_filled_in_is_incomplete() {
    let d = tempfile::tempdir().unwrap();
    let mut f = scanline_exr(4);
    let table_at = f.len() - 4 * 16 - 4 * 8;
    f[table_at + 24..table_at + 32].copy_from_slice(&0u64.to_le_bytes());
    match check(&write(&d, "zero.exr", &f)) {
        Completeness::Incomplete(why) => assert!(why.contains("offset table"), "{why}"),
        c => panic!("{c:?}"),
    }
}

#[test]
fn tiled_mipmapped_exr_chunks_are_counted_per_level() {
    let d = tempfile::tempdir().unwrap();
    let full = tiled_mipmap_exr();
    assert_eq!(check(&write(&d, "t.exr", &full)), Completeness::Complete);
    assert!(is_incomplete(&check(&write(
        &d,
        "t2.exr",
        &full[..full.len() - 2]
    ))));
}

#[test]
fn png_and_jpeg_need_their_end_markers() {
    let d = tempfile::tempdir().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0, 0, 0, 0, b'I', b'D', b'A', b'T', 1, 2, 3, 4]);
    let whole = [png.clone(), b"\0\0\0\0IEND\xaeB`\x82".to_vec()].concat();
    assert_eq!(check(&write(&d, "a.png", &whole)), Completeness::Complete);
    assert!(is_incomplete(&check(&write(&d, "b.png", &png))));
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
    assert_eq!(check(&write(&d, "a.jpg", &jpeg)), Completeness::Complete);
    let padded = [&jpeg[..], &[0, 0]].concat();
    assert_eq!(check(&write(&d, "p.jpg", &padded)), Completeness::Complete);
    assert!(is_incomplete(&check(&write(&d, "b.jpg", &jpeg[..6]))));
}

#[test]
fn tiff_strips_must_lie_inside_the_file() {
    let d = tempfile::tempdir().unwrap();
    // Little-endian TIFF: header, then one IFD at 8 with StripOffsets=26, StripByteCounts=6.
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes());
    for (tag, value) in [(273u16, 38u32), (279, 6)] {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&4u16.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(t.len(), 38);
    t.extend_from_slice(&[9u8; 6]);
    assert_eq!(check(&write(&d, "a.tif", &t)), Completeness::Complete);
    assert!(is_incomplete(&check(&write(&d, "b.tif", &t[..40]))));
    assert!(is_incomplete(&check(&write(&d, "c.tif", &t[..20]))));
}

#[test]
fn other_formats_are_unknown_and_unreadable_files_incomplete() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(
        check(&write(&d, "a.iff", b"FORM....")),
        Completeness::Unknown
    );
    assert!(is_incomplete(&check(&d.path().join("missing.exr"))));
}
