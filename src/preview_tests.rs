//! Tests of `preview`: real files written and read back with the `image` crate.

use super::*;

fn png(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 40, 200]));
    img.save(path).unwrap();
}

#[test]
fn a_big_frame_is_scaled_to_the_preview_width_and_a_small_one_kept() {
    let d = tempfile::tempdir().unwrap();
    let frame = d.path().join("shot.0001.png");
    png(&frame, 1920, 1080);
    let dest = d.path().join("p/beauty.png");
    make(&frame, &dest).unwrap();
    let p = image::open(&dest).unwrap();
    assert_eq!((p.width(), p.height()), (256, 144));
    let small = d.path().join("small.png");
    png(&small, 40, 20);
    make(&small, &dest).unwrap();
    let p = image::open(&dest).unwrap();
    assert_eq!((p.width(), p.height()), (40, 20));
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(d.path().join("p"))
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn an_exr_frame_is_tone_mapped_not_clipped() {
    let d = tempfile::tempdir().unwrap();
    let frame = d.path().join("shot.0001.exr");
    // Scene-linear: 0 (black), 1 (mid-grey after tone mapping), 100 (a highlight).
    let img = image::Rgba32FImage::from_fn(3, 1, |x, _| {
        let v = [0.0f32, 1.0, 100.0][x as usize];
        image::Rgba([v, v, v, 1.0])
    });
    image::DynamicImage::ImageRgba32F(img)
        .save_with_format(&frame, image::ImageFormat::OpenExr)
        .unwrap();
    let dest = d.path().join("beauty.png");
    make(&frame, &dest).unwrap();
    let p = image::open(&dest).unwrap().to_rgba8();
    let v: Vec<u8> = (0..3).map(|x| p.get_pixel(x, 0)[0]).collect();
    assert_eq!(v[0], 0);
    assert!(
        (180..=195).contains(&v[1]),
        "1.0 maps to about 0.5 in sRGB: {v:?}"
    );
    assert!(
        v[2] > v[1] && v[2] < 255,
        "a highlight is kept below white: {v:?}"
    );
    assert_eq!(p.get_pixel(0, 0)[3], 255);
}

#[test]
fn a_damaged_frame_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let frame = d.path().join("shot.0001.png");
    std::fs::write(&frame, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let e = make(&frame, &d.path().join("x.png")).unwrap_err();
    assert!(e.to_string().contains("shot.0001.png"), "{e}");
}

#[test]
fn the_worker_keeps_the_latest_per_layer_and_forget_removes_them() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("previews");
    let pv = Previews::start(root.clone());
    let f1 = d.path().join("a.0001.png");
    let f2 = d.path().join("a.0002.png");
    png(&f1, 10, 10);
    png(&f2, 12, 10);
    pv.request(7, "beauty", 1, &f1);
    pv.request(7, "fx", 2, &f2);
    let t0 = std::time::Instant::now();
    while pv.of_job(7).len() < 2 {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(30),
            "no previews made"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let latest = pv.latest(7).unwrap();
    assert_eq!((latest.layer.as_str(), latest.frame), ("fx", 2));
    assert!(root.join("job-7/beauty.png").is_file() && root.join("job-7/fx.png").is_file());
    assert!(pv.latest(8).is_none());
    // A new agent finds them again.
    let again = Previews::start(root.clone());
    assert_eq!(again.of_job(7).len(), 2);
    pv.forget(7);
    assert!(pv.latest(7).is_none() && !root.join("job-7").exists());
}
