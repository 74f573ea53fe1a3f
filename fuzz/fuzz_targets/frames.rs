//! Fuzz the frame-set parser: any input either parses or gives an error, never a panic or a
//! hang, and every parsed set keeps the contract (count, no duplicates, compact round trip).
#![no_main]

use brm::frames::{FrameError, FrameSet};
use libfuzzer_sys::fuzz_target;

/// Small, so each input runs fast even when it walks frames one by one.
const CAP: u64 = 100_000;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = std::str::from_utf8(data) else {
        return;
    };
    match FrameSet::parse_with_cap(spec, CAP) {
        Ok(fs) => check(&fs),
        Err(FrameError::Syntax { position, .. }) => assert!(position <= spec.len()),
        Err(FrameError::TooMany {
            count_at_least,
            cap,
        }) => assert!(count_at_least > cap),
    }
});

fn check(fs: &FrameSet) {
    let frames = fs.to_vec();
    assert_eq!(frames.len() as u64, fs.len());
    let mut seen = std::collections::HashSet::new();
    for &f in &frames {
        assert!(seen.insert(f), "duplicate frame {f}");
        assert!(fs.contains(f));
    }
    let compact = fs.compact();
    if frames.is_empty() {
        assert!(compact.is_empty());
    } else {
        let back = FrameSet::parse_with_cap(&compact, CAP).expect("compact form parses");
        assert_eq!(back.to_vec(), frames, "compact {compact}");
    }
    let mid = fs.len() / 2;
    assert_eq!(fs.iter_from(mid).next(), frames.get(mid as usize).copied());
    assert_eq!(
        FrameSet::from_frames(frames.iter().copied()).to_vec(),
        frames
    );
}
