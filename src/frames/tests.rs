//! Tests of the frame-set contract (DESIGN §4): every example, every error, and properties
//! against a naive reference expansion.

use super::*;
use proptest::prelude::*;

fn frames(spec: &str) -> Vec<i64> {
    match FrameSet::parse(spec) {
        Ok(fs) => fs.to_vec(),
        Err(e) => panic!("{spec:?} should parse: {e}"),
    }
}

fn syntax_err(spec: &str) -> (usize, String, String) {
    match FrameSet::parse(spec) {
        Err(FrameError::Syntax {
            position,
            message,
            hint,
            ..
        }) => (position, message, hint),
        other => panic!("{spec:?} should be a syntax error, got {other:?}"),
    }
}

#[test]
fn grammar_examples() {
    assert_eq!(frames("1,5,10"), vec![1, 5, 10]);
    assert_eq!(frames("10-20"), (10..=20).collect::<Vec<_>>());
    let mut x5: Vec<i64> = (1..=96).step_by(5).collect();
    x5.push(100);
    assert_eq!(frames("1-100x5"), x5);
    assert_eq!(frames("1-100x5").len(), 21);
    assert_eq!(frames("1-10y3"), vec![2, 3, 5, 6, 8, 9]);
    assert_eq!(frames("10-1"), (1..=10).rev().collect::<Vec<_>>());
    assert_eq!(frames("10-1x4"), vec![10, 6, 2, 1]);
    assert_eq!(frames("-5-5"), (-5..=5).collect::<Vec<_>>());
    assert_eq!(frames("-10--1"), (-10..=-1).collect::<Vec<_>>());
    assert_eq!(frames("-3"), vec![-3]);
    let mut combined = vec![1];
    combined.extend(10..=20);
    combined.push(50);
    combined.extend((60..=70).step_by(2));
    assert_eq!(frames("1,10-20,50,60-70x2"), combined);
    assert_eq!(frames("1-10x20"), vec![1, 10]);
    assert_eq!(frames("10-1y3"), vec![9, 8, 6, 5, 3, 2]);
    assert_eq!(frames("5-5"), vec![5]);
    assert_eq!(frames("5-5x3"), vec![5]);
    assert_eq!(frames("1-2y1"), Vec::<i64>::new());
}

#[test]
fn whitespace_around_tokens() {
    assert_eq!(frames("  1 , 5 ,10 "), vec![1, 5, 10]);
    assert_eq!(frames("1 - 10 x 3"), vec![1, 4, 7, 10]);
    assert_eq!(frames("\t-10 - -8\n"), vec![-10, -9, -8]);
}

#[test]
fn duplicates_dropped_first_kept_in_input_order() {
    assert_eq!(frames("5,1,5,3,1"), vec![5, 1, 3]);
    assert_eq!(frames("1-10,5-15"), (1..=15).collect::<Vec<_>>());
    assert_eq!(
        frames("5-15,1-10"),
        (5..=15).chain(1..=4).collect::<Vec<_>>()
    );
    assert_eq!(frames("1-10x2,1-10"), vec![1, 3, 5, 7, 9, 10, 2, 4, 6, 8]);
    assert_eq!(frames("1-10x3,1-10y3"), vec![1, 4, 7, 10, 2, 3, 5, 6, 8, 9]);
    assert_eq!(frames("1-10,1-10,1-10x2"), (1..=10).collect::<Vec<_>>());
    assert_eq!(frames("20-1,1-20"), (1..=20).rev().collect::<Vec<_>>());
}

#[test]
fn errors_have_position_and_hint() {
    let (p, m, h) = syntax_err("1-10:2");
    assert_eq!(p, 4);
    assert!(m.contains("':'"), "{m}");
    assert!(
        h.contains("Deadline") && h.contains("fileseq") && h.contains("interleaved"),
        "{h}"
    );
    let e = FrameSet::parse("1-10:2").unwrap_err().to_string();
    assert!(
        e.starts_with("invalid frame set '1-10:2' at byte 4: ':' is not frame syntax (hint: "),
        "{e}"
    );

    assert_eq!(syntax_err("1-10x0").0, 5);
    assert!(syntax_err("1-10x0").1.contains("step 0"));
    assert!(syntax_err("1-10x-2").1.contains("negative step"));
    assert_eq!(syntax_err("1.5").0, 1);
    assert!(syntax_err("1.5-10").1.contains("decimal"));
    assert!(syntax_err("1-10x2.5").1.contains("decimal"));
    let (p, m, _) = syntax_err("1 2");
    assert_eq!(p, 2);
    assert!(m.contains("missing ','"), "{m}");
    assert_eq!(syntax_err("").0, 0);
    assert_eq!(syntax_err("   ").0, 0);
    assert!(syntax_err("").1.contains("empty"));
    assert_eq!(syntax_err("1,,2").0, 2);
    assert_eq!(syntax_err(",1").0, 0);
    assert_eq!(syntax_err("1,").0, 2);
    assert_eq!(syntax_err("-").0, 0);
    assert_eq!(syntax_err("1,-,3").0, 2);
    let (p, m, _) = syntax_err("1-");
    assert_eq!(p, 1);
    assert!(m.contains("no end"), "{m}");
    assert_eq!(syntax_err("1- ,5").0, 1);
    assert!(syntax_err(":").1.contains("':'"));
    assert!(syntax_err("1-10:").1.contains("':'"));
    assert!(syntax_err("5x2").1.contains("range"));
    assert!(syntax_err("1-10x").1.contains("missing step"));
    assert!(syntax_err("1-5-10").1.contains("two ends"));
    assert!(syntax_err("a").1.contains("'a'"));
    assert!(syntax_err("1-10X2").2.contains("lowercase"));
    assert!(syntax_err("- 5").1.contains("touch"));
    assert!(syntax_err("--5").0 == 1);
    assert_eq!(syntax_err("1,é").0, 2);
}

#[test]
fn huge_numbers_are_errors_not_panics() {
    assert!(syntax_err("9223372036854775808").1.contains("64 bits"));
    assert!(syntax_err("-9223372036854775809").1.contains("64 bits"));
    assert!(syntax_err("99999999999999999999999999999999")
        .1
        .contains("64 bits"));
    assert!(syntax_err("1-10x99999999999999999999999")
        .1
        .contains("64 bits"));
    assert_eq!(frames("9223372036854775807"), vec![i64::MAX]);
    assert_eq!(frames("-9223372036854775808"), vec![i64::MIN]);
    assert_eq!(
        frames("-9223372036854775808-9223372036854775807x18446744073709551615"),
        vec![i64::MIN, i64::MAX]
    );
    assert_eq!(
        frames("-9223372036854775808-9223372036854775807x10000000000000000000"),
        vec![
            i64::MIN,
            (i64::MIN as i128 + 10_000_000_000_000_000_000i128) as i64,
            i64::MAX
        ]
    );
    assert_eq!(
        frames("9223372036854775805-9223372036854775807"),
        vec![i64::MAX - 2, i64::MAX - 1, i64::MAX]
    );
    assert_eq!(
        frames("-9223372036854775808--9223372036854775806y2"),
        vec![i64::MIN + 1]
    );
    match FrameSet::parse("-9223372036854775808-9223372036854775807") {
        Err(FrameError::TooMany {
            count_at_least,
            cap,
        }) => {
            assert_eq!(count_at_least, u64::MAX);
            assert_eq!(cap, DEFAULT_FRAME_CAP);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        FrameSet::parse("-9223372036854775808-9223372036854775807y3"),
        Err(FrameError::TooMany { .. })
    ));
}

#[test]
fn cap_is_checked_without_expanding() {
    let fs = FrameSet::parse("1-10000000").unwrap();
    assert_eq!(fs.len(), 10_000_000);
    match FrameSet::parse("1-10000001") {
        Err(FrameError::TooMany {
            count_at_least,
            cap,
        }) => assert_eq!((count_at_least, cap), (10_000_001, 10_000_000)),
        other => panic!("{other:?}"),
    }
    assert!(FrameSet::parse_with_cap("1-10", 10).is_ok());
    assert!(matches!(
        FrameSet::parse_with_cap("1-10,11", 10),
        Err(FrameError::TooMany {
            count_at_least: 11,
            cap: 10
        })
    ));
    assert!(FrameSet::parse_with_cap("1-10,1-10,5", 10).is_ok());
    assert!(matches!(
        FrameSet::parse_with_cap("1", 0),
        Err(FrameError::TooMany { .. })
    ));
    let e = FrameSet::parse("1-100000000").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooManyFrames);
    assert!(e.to_string().contains("10000000"), "{e}");
    assert_eq!(
        FrameSet::parse("1:2").unwrap_err().kind(),
        ErrorKind::FrameSyntax
    );
}

#[test]
fn compact_examples() {
    let c = |s: &str| FrameSet::parse(s).unwrap().compact();
    assert_eq!(c("1-100x5"), "1-96x5,100");
    assert_eq!(c("1,2,3,4,5"), "1-5");
    assert_eq!(c("1,3,4,5,6"), "1,3-6");
    assert_eq!(c("10-1x4"), "10-2x4,1");
    assert_eq!(c("1-10y3"), "2-3,5-6,8-9");
    assert_eq!(c("-10--1"), "-10--1");
    assert_eq!(c("5"), "5");
    assert_eq!(c("1,3"), "1,3");
    assert_eq!(c("1,3,5"), "1-5x2");
    assert_eq!(c("-1000,0,1000"), "-1000,0,1000");
    assert_eq!(c("1-10,11-20"), "1-20");
    assert_eq!(FrameSet::default().compact(), "");
    assert_eq!(
        FrameSet::parse("1-100x5").unwrap().to_string(),
        "1-96x5,100"
    );
}

#[test]
fn paging_get_and_contains() {
    let fs = FrameSet::parse("1-100x5,3,200-190y4,-7").unwrap();
    let all = fs.to_vec();
    for off in 0..=all.len() as u64 + 2 {
        let page: Vec<i64> = fs.iter_from(off).take(7).collect();
        let want: Vec<i64> = all.iter().skip(off as usize).take(7).copied().collect();
        assert_eq!(page, want, "offset {off}");
        assert_eq!(fs.get(off), all.get(off as usize).copied());
    }
    for f in -20..220 {
        assert_eq!(fs.contains(f), all.contains(&f), "frame {f}");
    }
    assert_eq!(fs.iter().size_hint(), (all.len(), Some(all.len())));
}

#[test]
fn from_frames_keeps_first_occurrence() {
    let fs = FrameSet::from_frames([5, 1, 2, 3, 5, 9, 1, i64::MIN, i64::MAX]);
    assert_eq!(fs.to_vec(), vec![5, 1, 2, 3, 9, i64::MIN, i64::MAX]);
    assert_eq!(fs.len(), 7);
    assert_eq!(FrameSet::parse(&fs.compact()).unwrap(), fs);
    assert!(FrameSet::from_frames([]).is_empty());
}

#[test]
fn traits_use_compact_form() {
    let fs: FrameSet = "1-100x5".parse().unwrap();
    assert_eq!(serde_json::to_string(&fs).unwrap(), "\"1-96x5,100\"");
    let back: FrameSet = serde_json::from_str("\"1-96x5,100\"").unwrap();
    assert_eq!(back, fs);
    assert!(serde_json::from_str::<FrameSet>("\"1:2\"").is_err());
    assert_eq!(
        FrameSet::parse("1-3").unwrap(),
        FrameSet::from_frames([1, 2, 3])
    );
    assert_ne!(
        FrameSet::parse("1-3").unwrap(),
        FrameSet::from_frames([3, 2, 1])
    );
    assert!(format!("{fs:?}").contains("1-96x5,100"));
}

#[test]
fn long_error_messages_show_a_window() {
    let mut spec: String = (0..100).map(|i| format!("{},", i * 10)).collect();
    spec.push_str("5:6");
    let e = FrameSet::parse(&spec).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("…") && msg.contains("5:6") && msg.len() < 400,
        "{msg}"
    );
}

#[test]
fn ten_thousand_overlapping_terms_stay_correct() {
    // Every term overlaps the previous one: the slow path must still be exact.
    let spec: Vec<String> = (0..2000)
        .map(|i| format!("{}-{}", i * 3, i * 3 + 10))
        .collect();
    let fs = FrameSet::parse(&spec.join(",")).unwrap();
    assert_eq!(fs.to_vec(), (0..=1999 * 3 + 10).collect::<Vec<_>>());
    let spec: Vec<String> = (0..2000).map(|i| format!("{}-{}x3", i, i + 30)).collect();
    let fs = FrameSet::parse(&spec.join(",")).unwrap();
    assert_eq!(fs.len(), reference(&spec.join(",")).len() as u64);
}

// ---- properties against a naive reference ----

/// The spec's frames by the definitions, expanded with no cleverness.
fn reference(spec: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for term in spec.split(',') {
        let term = term.trim();
        let mut push = |f: i64| {
            if seen.insert(f) {
                out.push(f)
            }
        };
        // term forms produced by `term_strategy`: "a", "a-b", "a-bxN", "a-byN" (a, b may be negative)
        let (body, kind, step) = match term.find(['x', 'y']) {
            Some(i) => (
                &term[..i],
                &term[i..i + 1],
                term[i + 1..].parse::<i64>().unwrap(),
            ),
            None => (term, "", 1),
        };
        let dash = body
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '-')
            .map(|(i, _)| i);
        let (a, b) = match dash {
            Some(i) => (
                body[..i].parse::<i64>().unwrap(),
                body[i + 1..].parse::<i64>().unwrap(),
            ),
            None => {
                let a = body.parse::<i64>().unwrap();
                (a, a)
            }
        };
        let dir = if b >= a { 1 } else { -1 };
        let range: Vec<i64> = if dir == 1 {
            (a..=b).collect()
        } else {
            (b..=a).rev().collect()
        };
        let on_x = |f: i64| (f - a).abs() % step == 0 || f == b;
        for f in range {
            let keep = match kind {
                "y" => !on_x(f),
                _ => on_x(f),
            };
            if keep {
                push(f);
            }
        }
    }
    out
}

fn term_strategy() -> impl Strategy<Value = String> {
    (-40i64..40, -40i64..40, 0u8..4, 1i64..12).prop_map(|(a, b, kind, step)| match kind {
        0 => format!("{a}"),
        1 => format!("{a}-{b}"),
        2 => format!("{a}-{b}x{step}"),
        _ => format!("{a}-{b}y{step}"),
    })
}

fn spec_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(term_strategy(), 1..12).prop_map(|t| t.join(","))
}

fn wide_spec_strategy() -> impl Strategy<Value = String> {
    let term =
        (-300i64..300, -300i64..300, 0u8..4, 1i64..40).prop_map(|(a, b, kind, step)| match kind {
            0 => format!("{a}"),
            1 => format!("{a}-{b}"),
            2 => format!("{a}-{b}x{step}"),
            _ => format!("{a}-{b}y{step}"),
        });
    prop::collection::vec(term, 1..40).prop_map(|t| t.join(","))
}

#[test]
fn regression_merge_cascade_keeps_index_exact() {
    // A merge cascade once hid a frame from the overlap index: 12 came out twice.
    let spec = "8-3x5,-1-11,12,-2,13-0";
    assert_eq!(frames(spec), reference(spec));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_reference_wide(spec in wide_spec_strategy()) {
        let fs = FrameSet::parse(&spec).unwrap();
        let v = fs.to_vec();
        prop_assert_eq!(&v, &reference(&spec));
        prop_assert_eq!(fs.len(), v.len() as u64);
        prop_assert_eq!(FrameSet::parse(&fs.compact()).map(|f| f.to_vec()).unwrap_or_default(), v);
    }

    #[test]
    fn matches_reference(spec in spec_strategy()) {
        let fs = FrameSet::parse(&spec).unwrap();
        prop_assert_eq!(fs.to_vec(), reference(&spec));
    }

    #[test]
    fn len_counts_iter_and_no_duplicates(spec in spec_strategy()) {
        let fs = FrameSet::parse(&spec).unwrap();
        let v = fs.to_vec();
        prop_assert_eq!(fs.len(), v.len() as u64);
        prop_assert_eq!(fs.iter().count() as u64, fs.len());
        let uniq: std::collections::HashSet<i64> = v.iter().copied().collect();
        prop_assert_eq!(uniq.len(), v.len());
        for f in -45..45 {
            prop_assert_eq!(fs.contains(f), uniq.contains(&f));
        }
    }

    #[test]
    fn compact_round_trips(spec in spec_strategy()) {
        let fs = FrameSet::parse(&spec).unwrap();
        let c = fs.compact();
        prop_assert!(!c.contains('y') && !c.contains(':'));
        let back = FrameSet::parse(&c);
        if fs.is_empty() {
            prop_assert!(c.is_empty());
        } else {
            prop_assert_eq!(back.unwrap().to_vec(), fs.to_vec(), "compact {}", c);
        }
    }

    #[test]
    fn pages_match_iteration(spec in spec_strategy(), off in 0u64..200, n in 1usize..20) {
        let fs = FrameSet::parse(&spec).unwrap();
        let all = fs.to_vec();
        let page: Vec<i64> = fs.iter_from(off).take(n).collect();
        let want: Vec<i64> = all.iter().skip(off as usize).take(n).copied().collect();
        prop_assert_eq!(page, want);
    }

    #[test]
    fn from_frames_round_trips(v in prop::collection::vec(-30i64..30, 0..60)) {
        let fs = FrameSet::from_frames(v.iter().copied());
        let mut seen = std::collections::HashSet::new();
        let want: Vec<i64> = v.into_iter().filter(|f| seen.insert(*f)).collect();
        prop_assert_eq!(fs.to_vec(), want.clone());
        if !want.is_empty() {
            prop_assert_eq!(FrameSet::parse(&fs.compact()).unwrap().to_vec(), want);
        }
    }
}
