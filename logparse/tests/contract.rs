//! The parse contract, checked two ways:
//! - against a deliberately plain reference implementation of the written
//!   definition (str-based, allocating, obviously following the text);
//! - chunked parsing equals whole-log parsing for random chunkings.

use logparse::{Level, LogReport, Metric, Parser, Point, normalize, parse};
use proptest::prelude::*;

/// What the reference computes: lines, parsed, levels, duration, start,
/// series, templates.
type Reference = (
    u64,
    u64,
    [u64; 4],
    f64,
    Option<f64>,
    [Vec<Point>; 4],
    Vec<(Level, String, u64)>,
);

/// The definition, transcribed as literally as possible.
fn reference(bytes: &[u8]) -> Reference {
    let (mut lines, mut parsed, mut levels) = (0u64, 0u64, [0u64; 4]);
    let mut series: [Vec<Point>; 4] = Default::default();
    let mut templates: Vec<(Level, String, u64)> = Vec::new();
    let (mut first, mut last, mut prev, mut days): (Option<u64>, u64, u64, u64) = (None, 0, 0, 0);
    const DAY: u64 = 86_400_000_000_000;
    for (number, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let fields: Vec<&str> = line.splitn(5, '|').collect();
        if fields.len() != 5 {
            continue;
        }
        let Some(tod) = ref_time(fields[0].trim()) else {
            continue;
        };
        let level = match fields[1].trim() {
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARNING" => Level::Warning,
            "ERROR" => Level::Error,
            _ => continue,
        };
        parsed += 1;
        levels[level as usize] += 1;
        if first.is_some() && (tod as i128) < prev as i128 - (DAY / 2) as i128 {
            days += 1;
        }
        prev = tod;
        let abs = tod + days * DAY;
        let first_abs = *first.get_or_insert(abs);
        last = abs;
        let message = fields[4].trim();
        if matches!(level, Level::Warning | Level::Error) {
            let t = normalize(message);
            match templates
                .iter_mut()
                .find(|(l, s, _)| *l == level && *s == t)
            {
                Some(e) => e.2 += 1,
                None => templates.push((level, t, 1)),
            }
        }
        for &m in Metric::ALL {
            if let Some(rest) = message.strip_prefix(m.prefix())
                && let Some(Ok(v)) = rest.split_whitespace().next().map(str::parse::<f64>)
                && v.is_finite()
            {
                series[m.index()].push(Point {
                    t: (abs as f64 - first_abs as f64) / 1e9,
                    v,
                    n: number as u64 + 1,
                });
            }
        }
    }
    let duration = first.map_or(0.0, |f| (last as f64 - f as f64) / 1e9);
    templates.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then(b.0.cmp(&a.0))
            .then_with(|| a.1.cmp(&b.1))
    });
    let start = first.map(|f| f as f64 / 1e9);
    (lines, parsed, levels, duration, start, series, templates)
}

fn ref_time(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() < 10 || !s.is_ascii() {
        return None;
    }
    let (h, m, sec) = (s.get(0..2)?, s.get(3..5)?, s.get(6..8)?);
    let frac = &s[9..];
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    if b[2] != b':' || b[5] != b':' || !(b[8] == b':' || b[8] == b'.') {
        return None;
    }
    if !(digits(h) && digits(m) && digits(sec) && digits(frac) && frac.len() <= 9) {
        return None;
    }
    let (h, m, sec): (u64, u64, u64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let ns: u64 = format!("{frac:0<9}").parse().ok()?;
    Some(((h * 60 + m) * 60 + sec) * 1_000_000_000 + ns)
}

fn assert_matches_reference(bytes: &[u8]) {
    let r = parse(bytes);
    let (lines, parsed, levels, duration, start, series, templates) = reference(bytes);
    assert_eq!(r.lines, lines, "lines");
    assert_eq!(r.parsed, parsed, "parsed");
    assert_eq!(r.malformed, lines - parsed, "malformed");
    assert_eq!(r.levels, levels, "levels");
    assert_eq!(r.duration_s, duration, "duration");
    assert_eq!(r.started_s, start, "start");
    assert_eq!(r.series, series, "series");
    let got: Vec<(Level, String, u64)> = r
        .templates
        .iter()
        .map(|t| (t.level, t.template.clone(), t.count))
        .collect();
    assert_eq!(got, templates, "templates");
}

fn chunked(bytes: &[u8], cuts: &[usize], cap: usize) -> LogReport {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut p = Parser::with_line_cap(cap);
    let mut at = 0;
    for c in cuts {
        p.feed(&bytes[at..c]);
        at = c;
    }
    p.feed(&bytes[at..]);
    p.finish()
}

fn whole(bytes: &[u8], cap: usize) -> LogReport {
    let mut p = Parser::with_line_cap(cap);
    p.feed(bytes);
    p.finish()
}

/// Lines of every kind the format and real damage produce.
fn line_strategy() -> impl Strategy<Value = Vec<u8>> {
    let time = (
        0u32..24,
        0u32..60,
        0u32..60,
        1usize..10,
        any::<u32>(),
        prop::bool::ANY,
    )
        .prop_map(|(h, m, s, digits, frac, dot)| {
            let frac = format!("{:09}", frac % 1_000_000_000);
            format!(
                "{h:02}:{m:02}:{s:02}{}{}",
                if dot { '.' } else { ':' },
                &frac[..digits]
            )
        });
    let level = prop::sample::select(vec![
        "INFO", "WARNING", "ERROR", "DEBUG", "info", "WARN", "",
    ]);
    let pad = prop::sample::select(vec!["", " ", "   ", "\t", "\u{a0}"]);
    let message = prop_oneof![
        (
            prop::sample::select(vec![
                "Latency:",
                "Avg Decode Time:",
                "Average Encode Time:",
                "Average Encode Size:",
                "Longest Encode Time:",
                "Latency"
            ]),
            prop::sample::select(vec![
                " 0.031234",
                " 48211.000000",
                "0.5",
                " 1e-3 x",
                " abc",
                " inf",
                " NaN",
                "",
                " \u{3000}7",
                " -2"
            ])
        )
            .prop_map(|(a, b)| format!("{a}{b}")),
        (
            prop::sample::select(vec![
                "Dropped frame",
                "Audio queue full, skipping ID",
                "Failed to open C:\\x\\y.dll",
                "disk /var/tmp/a"
            ]),
            0u32..100_000
        )
            .prop_map(|(a, n)| format!("{a} {n} (0x{n:x})")),
        "[ -~]{0,40}",
    ];
    let good = (time, pad.clone(), level, pad, message).prop_map(|(t, p1, l, p2, msg)| {
        format!("{p1}{t}{p1} |{p2}{l:<7}{p2}| file.c          | fn:12 |{p2}{msg}{p2}").into_bytes()
    });
    prop_oneof![
        6 => good,
        1 => prop::sample::select(vec!["", " ", "\t\t", "\u{a0}\u{2003}", "\r"]).prop_map(|s| s.as_bytes().to_vec()),
        1 => "[ -~|]{0,60}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..80),
        1 => (32usize..300).prop_map(|n| {
            let mut v = b"01:02:03:456 | ERROR | a | b | Latency: 1 ".to_vec();
            v.resize(n, b'x');
            v
        }),
    ]
}

fn log_strategy() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((line_strategy(), prop::bool::weighted(0.2)), 0..40),
        prop::bool::ANY,
    )
        .prop_map(|(lines, trailing)| {
            let mut out = Vec::new();
            for (i, (l, crlf)) in lines.iter().enumerate() {
                out.extend_from_slice(l);
                if i + 1 < lines.len() || trailing {
                    out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
                }
            }
            out
        })
}

/// Cases per property: `PROPTEST_CASES` (as proptest's other tests read
/// it), else 2,000.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_chunking_gives_the_same_report(log in log_strategy(), cuts in prop::collection::vec(any::<usize>(), 0..12), cap in 64usize..160) {
        prop_assert_eq!(chunked(&log, &cuts, cap), whole(&log, cap));
    }

    #[test]
    fn byte_at_a_time_equals_whole(log in log_strategy()) {
        let cuts: Vec<usize> = (0..log.len()).collect();
        prop_assert_eq!(chunked(&log, &cuts, 1 << 20), parse(&log));
    }

    #[test]
    fn matches_the_written_definition(log in log_strategy()) {
        assert_matches_reference(&log);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let r = chunked(&bytes, &cuts, 64);
        prop_assert_eq!(r.lines, r.parsed + r.malformed);
    }
}

#[test]
fn midnight_crossing_adds_a_day() {
    // 12:00:02 -> 00:00:01 is more than 12 h back: a day passed
    let log = b"23:59:59:500 | INFO | a | b | Latency: 1\n\
                00:00:00:500 | INFO | a | b | Latency: 2\n\
                12:00:02:000 | INFO | a | b | x\n\
                00:00:01:000 | INFO | a | b | Latency: 3\n";
    let r = parse(log);
    let t: Vec<f64> = r.points(Metric::Latency).iter().map(|p| p.t).collect();
    assert_eq!(t, vec![0.0, 1.0, 86_401.5]);
    assert_eq!(r.duration_s, 86_401.5);
    assert_matches_reference(log);
}

#[test]
fn clock_stepping_back_gives_negative_times() {
    let log = b"10:00:00:000 | INFO | a | b | Latency: 1\n\
                09:59:58:500 | INFO | a | b | Latency: 2\n";
    let r = parse(log);
    assert_eq!(r.points(Metric::Latency)[1].t, -1.5);
    assert_eq!(r.duration_s, -1.5);
    assert_matches_reference(log);
}

#[test]
fn documented_example_lines() {
    let log = "21:02:13:123456 | INFO    | server_message_handler.c |              handlePongMessage:79    | Latency: 0.031234\n\
21:02:13:312904 | INFO    | videodecode.c   |           video_decoder_decode:490   | Avg Decode Time: 0.004512\n\
21:02:13:123 | INFO    | main.c          |                      SendVideo:307   | Average Encode Time: 0.006012\n\
\n\
21:02:13:123 | INFO    | main.c          |                      SendVideo:310   | Average Encode Size: 48211.000000\n\
21:02:13:123 | INFO    | main.c          |                      SendVideo:311   | Longest Encode Size: 99999.000000\n\
21:58:55:971 | WARNING | audio.c         |                    updateAudio:174   | Audio queue full, skipping ID 3416 (Queued: 6)\r\n\
  continuation of the previous message\n\
21:59:03:402211 | ERROR   | main.c          |                         update:240   | Server disconnected: 3 consecutive ping failures.\n\
21:59:04:40 | ERR";
    let r = parse(log.as_bytes());
    assert_eq!((r.lines, r.parsed, r.malformed), (9, 7, 2));
    assert_eq!(r.levels, [0, 5, 1, 1]);
    for &m in Metric::ALL {
        assert_eq!(r.points(m).len(), 1, "{m:?}");
    }
    assert_eq!(r.points(Metric::EncodeSize)[0].v, 48211.0);
    assert!((r.duration_s - (3410.278755)).abs() < 1e-9);
    assert_eq!(r.templates.len(), 2);
    assert_eq!(r.templates[0].level, Level::Error);
    assert_eq!(
        r.templates[1].template,
        "Audio queue full, skipping ID <n> (Queued: <n>)"
    );
    assert_eq!(r.templates[1].first_line, 7);
    assert_matches_reference(log.as_bytes());
}

#[test]
fn split_at_every_byte_of_a_multibyte_sequence() {
    let log = "01:00:00:1 | ERROR | a | b | caf\u{e9} \u{1F600} 42\n\u{a0}\n01:00:01:1|INFO|a|b|Latency: 0.1".as_bytes();
    let want = parse(log);
    for i in 0..=log.len() {
        let mut p = Parser::new();
        p.feed(&log[..i]);
        p.feed(&log[i..]);
        assert_eq!(p.finish(), want, "split at {i}");
    }
}

#[test]
fn lines_longer_than_the_cap_agree_between_paths() {
    let mut log = b"01:00:00:1 | ERROR | a | b | ".to_vec();
    log.extend(std::iter::repeat_n(b'y', 500));
    log.extend_from_slice(b"\r\n");
    log.extend(std::iter::repeat_n(b' ', 300));
    log.extend_from_slice(b"z\n");
    log.extend(std::iter::repeat_n(b' ', 300));
    log.extend_from_slice(b"\r\n");
    let want = whole(&log, 100);
    assert_eq!(
        want.lines, 2,
        "a line whose non-blank part is past the cap still counts"
    );
    for i in 0..=log.len() {
        assert_eq!(chunked(&log, &[i], 100), want, "split at {i}");
    }
}
