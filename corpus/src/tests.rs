//! Crate-level tests: determinism, proportions, the line format of every
//! generated log, damage, midnight crossings, degraded sessions, sizes.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::damage::Damage;
use crate::inventory::{self, ConnPlan};
use crate::layout::{DAY_US, Layout, Precision};
use crate::logs::{self, Side};
use crate::{Config, INVENTORY_FILE, InventoryEntry, LOGS_DIR, MAX_LOG_BYTES, generate, large_log};

/// What the checker learnt from one well-formed line.
#[derive(Debug)]
struct Line<'a> {
    tod_us: i64,
    precision: Precision,
    level: &'a str,
    layout: Layout,
    message: &'a str,
}

/// `inner` is `%-Ns` (left-aligned, at least `width` wide) of a non-empty word.
fn left(inner: &str, width: usize) -> Option<&str> {
    let c = inner.trim_end_matches(' ');
    (!c.is_empty() && !c.starts_with(' ') && inner.len() == width.max(c.len())).then_some(c)
}

/// `inner` is `%Ns` (right-aligned) of a non-empty word.
fn right(inner: &str, width: usize) -> Option<&str> {
    let c = inner.trim_start_matches(' ');
    (!c.is_empty() && !c.ends_with(' ') && inner.len() == width.max(c.len())).then_some(c)
}

/// A field between separators: `" x "` -> `"x"` (exactly one space each side kept out).
fn spaced(field: &str) -> Option<&str> {
    field.strip_prefix(' ')?.strip_suffix(' ')
}

/// Checks one line against `TIME | LEVEL | FILE | FUNCTION:LINE | MESSAGE`
/// in one of the three layouts (allocation-free: it runs on every line).
fn check_line(line: &str) -> Result<Line<'_>, &'static str> {
    let mut it = line.splitn(5, '|');
    let mut f = [""; 5];
    for slot in &mut f {
        *slot = it.next().ok_or("fewer than 5 fields")?;
    }
    // TIME
    let t = f[0]
        .strip_suffix(' ')
        .ok_or("time not followed by a space")?;
    let b = t.as_bytes();
    let precision = match b.len() {
        12 => Precision::Millis,
        15 => Precision::Micros,
        _ => return Err("time length"),
    };
    if b[2] != b':' || b[5] != b':' || b[8] != b':' {
        return Err("time separators");
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, &'static str> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return Err("time digits");
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Ok(v)
    };
    let (h, m, s, frac) = (num(0..2)?, num(3..5)?, num(6..8)?, num(9..b.len())?);
    if h > 23 || m > 59 || s > 59 {
        return Err("time out of range");
    }
    let frac_us = if precision == Precision::Millis {
        frac * 1000
    } else {
        frac
    };
    let tod_us = ((h * 60 + m) * 60 + s) * 1_000_000 + frac_us;
    // LEVEL
    let level = spaced(f[1])
        .and_then(|x| left(x, 7))
        .ok_or("level padding")?;
    if !matches!(level, "INFO" | "WARNING" | "ERROR" | "DEBUG") {
        return Err("unknown level");
    }
    // FILE
    let file_in = spaced(f[2]).ok_or("file spacing")?;
    let (file, wide) = if file_in.len() >= 35 && file_in.ends_with(' ') {
        (left(file_in, 35).ok_or("file padding")?, true)
    } else {
        (left(file_in, 15).ok_or("file padding")?, false)
    };
    if !file.ends_with(".c") || file.contains(' ') {
        return Err("file name");
    }
    // FUNCTION:LINE
    let inner = spaced(f[3]).ok_or("location spacing")?;
    let (func_p, line_p) = inner.rsplit_once(':').ok_or("location without ':'")?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    let layout = if wide {
        left(func_p, 30)
            .zip(left(line_p, 5))
            .filter(|(_, l)| digits(l))
            .ok_or("newest location padding")?;
        Layout::Newest
    } else if func_p.starts_with(' ') || (func_p.len() >= 30 && line_p.ends_with(' ')) {
        right(func_p, 30)
            .zip(left(line_p, 5))
            .filter(|(_, l)| digits(l))
            .ok_or("middle location padding")?;
        Layout::Middle
    } else if !func_p.is_empty() && !func_p.contains(' ') && digits(line_p) {
        Layout::Oldest
    } else {
        return Err("location padding");
    };
    // MESSAGE
    let message = f[4]
        .strip_prefix(' ')
        .ok_or("message not preceded by a space")?;
    if message.len() > 1000 {
        return Err("message longer than 1000 bytes");
    }
    Ok(Line {
        tod_us,
        precision,
        level,
        layout,
        message,
    })
}

fn is_metric(msg: &str) -> bool {
    [
        "Latency: ",
        "Avg Decode Time: ",
        "Average Encode",
        "Longest Encode",
    ]
    .iter()
    .any(|p| msg.starts_with(p))
}

/// What a well-formed log contained.
#[derive(Default, Debug)]
struct LogFacts {
    lines: usize,
    blank: usize,
    midnight: usize,
    /// Lines per level: DEBUG, INFO, WARNING, ERROR.
    levels: [usize; 4],
    layouts: Vec<Layout>,
    precisions: Vec<Precision>,
    latencies: Vec<f64>,
    errors: usize,
}

/// Checks a whole undamaged log; panics with the file name and line on error.
fn check_log(name: &str, bytes: &[u8]) -> LogFacts {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"));
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{name}: no final newline"
    );
    let mut facts = LogFacts::default();
    let mut prev: Option<i64> = None;
    let mut prev_metric = false;
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            assert!(
                prev_metric,
                "{name}:{}: blank line not after a metric line",
                i + 1
            );
            facts.blank += 1;
            prev_metric = false;
            continue;
        }
        let l = check_line(line).unwrap_or_else(|e| panic!("{name}:{}: {e}: {line:?}", i + 1));
        if let Some(p) = prev.filter(|p| l.tod_us < *p) {
            assert!(
                p - l.tod_us > DAY_US / 2,
                "{name}:{}: time goes backwards",
                i + 1
            );
            facts.midnight += 1;
        }
        prev = Some(l.tod_us);
        prev_metric = is_metric(l.message);
        facts.lines += 1;
        let k = match l.level {
            "DEBUG" => 0,
            "INFO" => 1,
            "WARNING" => 2,
            _ => 3,
        };
        facts.levels[k] += 1;
        if !facts.layouts.contains(&l.layout) {
            facts.layouts.push(l.layout);
        }
        if !facts.precisions.contains(&l.precision) {
            facts.precisions.push(l.precision);
        }
        if let Some(v) = l.message.strip_prefix("Latency: ") {
            facts.latencies.push(
                v.parse()
                    .unwrap_or_else(|_| panic!("{name}:{}: latency {v:?}", i + 1)),
            );
        }
        if l.level == "ERROR" {
            facts.errors += 1;
        }
    }
    facts
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corpus-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn render(seed: u64, plan: &ConnPlan, side: Side) -> Vec<u8> {
    let tl = logs::timeline(seed, plan);
    let (mut buf, mut scratch) = (Vec::new(), Vec::new());
    logs::render(seed, plan, &tl, side, &mut buf, &mut scratch);
    buf
}

#[test]
fn tiny_corpora() {
    for connections in [0, 1, 3] {
        let dir = temp_dir(&format!("tiny{connections}"));
        let summary = generate(
            &Config {
                connections,
                seed: 1,
            },
            &dir,
            |_, _| {},
        )
        .unwrap();
        assert_eq!(summary.connections, connections);
        let inv: Vec<InventoryEntry> =
            serde_json::from_slice(&std::fs::read(dir.join(INVENTORY_FILE)).unwrap()).unwrap();
        assert_eq!(inv.len(), connections);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn the_line_checker_can_fail() {
    let good = "21:02:13:123 | INFO    | main.c          |                      SendVideo:307   | Average Encode Time: 0.006012";
    assert_eq!(check_line(good).unwrap().layout, Layout::Middle);
    for bad in [
        "21:02:13.123 | INFO    | main.c          |                      SendVideo:307   | x",
        "21:02:13:123 | INFO   | main.c          |                      SendVideo:307   | x",
        "21:02:13:123 | INFO    | main.c         |                      SendVideo:307   | x",
        "21:02:13:123 | INFO    | main.c          |                     SendVideo:307   | x",
        "21:02:13:123 | NOTICE  | main.c          | SendVideo:307 | x",
        "25:02:13:123 | INFO    | main.c          | SendVideo:307 | x",
        "    at SendVideo (main.c:307)",
    ] {
        assert!(check_line(bad).is_err(), "{bad}");
    }
}

#[test]
fn deterministic_inventory_and_logs() {
    let config = Config {
        connections: 300,
        seed: 7,
    };
    let a = inventory::plan(&config);
    let b = inventory::plan(&config);
    assert_eq!(crate::inventory(&config), crate::inventory(&config));
    for k in [0, 1, 17, 150, 299] {
        assert_eq!(a[k].entry, b[k].entry);
        for side in [Side::Server, Side::Client] {
            let x = render(config.seed, &a[k], side);
            assert_eq!(x, render(config.seed, &b[k], side));
            assert!(
                side == Side::Client || a[k].server_damage == Some(Damage::Empty) || !x.is_empty()
            );
        }
    }
    let other = inventory::plan(&Config { seed: 8, ..config });
    assert_ne!(
        a.iter().map(|p| &p.entry).collect::<Vec<_>>(),
        other.iter().map(|p| &p.entry).collect::<Vec<_>>()
    );
    let (x, y) = (
        render(7, &a[3], Side::Server),
        render(8, &other[3], Side::Server),
    );
    assert_ne!(x, y);
    assert_eq!(large_log(5, 200_000), large_log(5, 200_000));

    // generate() twice: byte-identical trees.
    let small = Config {
        connections: 40,
        seed: 3,
    };
    let (d1, d2) = (temp_dir("det1"), temp_dir("det2"));
    let s1 = generate(&small, &d1, |_, _| {}).unwrap();
    let s2 = generate(&small, &d2, |_, _| {}).unwrap();
    assert_eq!(s1, s2);
    let mut names: Vec<String> = crate::inventory(&small)
        .into_iter()
        .flat_map(|e| [e.server_logs, e.client_logs])
        .flatten()
        .map(|n| format!("{LOGS_DIR}/{n}"))
        .collect();
    names.push(INVENTORY_FILE.to_string());
    assert_eq!(names.len(), s1.files + 1);
    for n in &names {
        assert_eq!(
            std::fs::read(d1.join(n)).unwrap(),
            std::fs::read(d2.join(n)).unwrap(),
            "{n}"
        );
    }
    std::fs::remove_dir_all(&d1).unwrap();
    std::fs::remove_dir_all(&d2).unwrap();
    assert_ne!(large_log(5, 200_000), large_log(7, 200_000));
}

#[test]
fn inventory_proportions_and_shape() {
    let inv = crate::inventory(&Config::default());
    assert_eq!(inv.len(), 1000);
    let share =
        |f: &dyn Fn(&InventoryEntry) -> bool| inv.iter().filter(|e| f(e)).count() as f64 / 1000.0;
    let no_client = share(&|e| e.client_logs.is_none());
    let no_server = share(&|e| e.server_logs.is_none());
    let no_user = share(&|e| e.username.is_none());
    let no_version = share(&|e| e.version.is_none());
    assert!(
        (0.75..=0.87).contains(&no_client),
        "no client log: {no_client}"
    );
    assert!(
        (0.005..=0.04).contains(&no_server),
        "no server log: {no_server}"
    );
    assert!((0.07..=0.15).contains(&no_user), "no username: {no_user}");
    assert!(
        (0.005..=0.07).contains(&no_version),
        "no version: {no_version}"
    );

    let mut ids: Vec<u64> = inv.iter().map(|e| e.connection_id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "ids descending");
    assert!(ids.windows(2).any(|w| w[0] - w[1] > 1), "ids have gaps");
    ids.dedup();
    assert_eq!(ids.len(), 1000);

    let stamp = |s: &str| -> (u32, u32, u32, u32, u32) {
        let b = s.as_bytes();
        assert!(
            s.len() == 17 && b[2] == b'/' && b[5] == b'/' && &s[10..12] == ", " && b[14] == b':',
            "{s}"
        );
        let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap();
        (n(6..10), n(0..2), n(3..5), n(12..14), n(15..17))
    };
    let stamps: Vec<_> = inv.iter().map(|e| stamp(&e.last_updated)).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] >= w[1]),
        "last_updated descending"
    );
    let months: std::collections::BTreeSet<_> = stamps.iter().map(|s| (s.0, s.1)).collect();
    assert!(months.len() >= 3, "spread over months: {months:?}");

    let mut users: HashMap<&str, usize> = HashMap::new();
    for e in &inv {
        if let Some(u) = &e.username {
            assert!(u.contains('@') && u.contains('.'), "{u}");
            *users.entry(u).or_default() += 1;
        }
        let octets: Vec<u32> = e.ip.split('.').map(|o| o.parse().unwrap()).collect();
        assert!(
            octets.len() == 4 && octets.iter().all(|o| *o < 256),
            "{}",
            e.ip
        );
        if let Some(v) = &e.version {
            assert_eq!(v.len(), 16, "{v}");
        }
        let id = e.connection_id;
        if let Some(c) = &e.client_logs {
            assert_eq!(c, &format!("client{id}.txt"));
        }
        if let Some(s) = &e.server_logs {
            assert_eq!(s, &format!("server{id}.txt"));
        }
    }
    assert!(
        (100..=200).contains(&users.len()),
        "distinct users: {}",
        users.len()
    );
    assert!(users.values().any(|n| *n >= 10), "some heavy users");
    let versions: std::collections::BTreeSet<_> =
        inv.iter().filter_map(|e| e.version.as_deref()).collect();
    assert!((6..=8).contains(&versions.len()), "{versions:?}");
}

#[test]
fn large_log_size_and_format() {
    let log = large_log(1, 10_000_000);
    let n = log.len() as f64;
    assert!((9_000_000.0..=11_000_000.0).contains(&n), "{n}");
    let facts = check_log("large_log(1)", &log);
    assert_eq!(
        facts.precisions,
        vec![Precision::Micros],
        "odd seed: client style"
    );
    assert_eq!(facts.layouts.len(), 3, "layouts mixed: {:?}", facts.layouts);
    assert!(
        facts.levels.iter().all(|n| *n > 0),
        "all levels occur: {:?}",
        facts.levels
    );
    assert!(facts.latencies.len() > 10_000);
    let server = large_log(2, 1_000_000);
    let facts = check_log("large_log(2)", &server);
    assert_eq!(
        facts.precisions,
        vec![Precision::Millis],
        "even seed: server style"
    );
    assert!(String::from_utf8_lossy(&server).contains("Average Encode Size: "));
}

#[test]
fn generate_default_corpus() {
    let config = Config::default();
    let dir = temp_dir("default");
    let mut calls = 0;
    let summary = generate(&config, &dir, |done, total| {
        calls += 1;
        assert_eq!((done, total), (calls, 1000));
    })
    .unwrap();
    assert_eq!(calls, 1000);

    let written: Vec<InventoryEntry> =
        serde_json::from_slice(&std::fs::read(dir.join(INVENTORY_FILE)).unwrap()).unwrap();
    assert_eq!(written, crate::inventory(&config));
    let plans = inventory::plan(&config);

    let mut files = 0;
    let mut bytes = std::fs::metadata(dir.join(INVENTORY_FILE)).unwrap().len();
    let mut layouts = Vec::new();
    let mut precisions = Vec::new();
    let mut levels = [0usize; 4];
    let (mut midnight, mut blank) = (0, 0);
    let mut damaged: HashMap<&'static str, usize> = HashMap::new();
    // Per client log: (degraded, mean latency, errors).
    let mut clients: Vec<(bool, f64, usize)> = Vec::new();
    for plan in &plans {
        let tl = logs::timeline(config.seed, plan);
        for (name, damage, side) in [
            (&plan.entry.server_logs, plan.server_damage, Side::Server),
            (&plan.entry.client_logs, plan.client_damage, Side::Client),
        ] {
            let Some(name) = name else { continue };
            let data = std::fs::read(dir.join(LOGS_DIR).join(name)).unwrap();
            files += 1;
            bytes += data.len() as u64;
            assert!(
                data.len() <= MAX_LOG_BYTES,
                "{name} is larger than the rotation size"
            );
            match damage {
                None => {
                    let facts = check_log(name, &data);
                    assert!(facts.lines > 10, "{name}: only {} lines", facts.lines);
                    let expected = if side == Side::Server {
                        Precision::Millis
                    } else {
                        Precision::Micros
                    };
                    assert_eq!(facts.precisions, vec![expected], "{name}");
                    assert_eq!(
                        facts.layouts,
                        vec![logs::style(plan.build, side).layout],
                        "{name}"
                    );
                    layouts.extend(facts.layouts);
                    precisions.extend(facts.precisions);
                    for (total, n) in levels.iter_mut().zip(facts.levels) {
                        *total += n;
                    }
                    midnight += facts.midnight;
                    blank += facts.blank;
                    if side == Side::Client && !facts.latencies.is_empty() {
                        let mean =
                            facts.latencies.iter().sum::<f64>() / facts.latencies.len() as f64;
                        clients.push((tl.degraded, mean, facts.errors));
                    }
                }
                Some(Damage::Empty) => {
                    assert!(data.is_empty(), "{name}");
                    *damaged.entry("empty").or_default() += 1;
                }
                Some(Damage::Crlf) => {
                    let n = data.iter().filter(|b| **b == b'\n').count();
                    assert!(
                        n > 0 && data.windows(2).filter(|w| w == b"\r\n").count() == n,
                        "{name}"
                    );
                    *damaged.entry("crlf").or_default() += 1;
                }
                Some(Damage::InvalidUtf8) => {
                    assert!(std::str::from_utf8(&data).is_err(), "{name}");
                    *damaged.entry("utf8").or_default() += 1;
                }
                Some(Damage::Truncated) => {
                    assert!(!data.is_empty() && !data.ends_with(b"\n"), "{name}");
                    *damaged.entry("truncated").or_default() += 1;
                }
                Some(Damage::Continuation) => {
                    let text = String::from_utf8(data).unwrap();
                    assert!(
                        text.lines().any(|l| !l.is_empty() && !l.contains('|')),
                        "{name}"
                    );
                    *damaged.entry("continuation").or_default() += 1;
                }
            }
        }
    }
    assert_eq!(summary.files, files);
    assert_eq!(summary.bytes, bytes);
    assert_eq!(summary.connections, 1000);
    assert!(
        (60e6..300e6).contains(&(bytes as f64)),
        "total size {bytes}"
    );

    for l in [Layout::Oldest, Layout::Middle, Layout::Newest] {
        assert!(layouts.contains(&l), "{l:?} never occurs");
    }
    assert!(precisions.contains(&Precision::Millis) && precisions.contains(&Precision::Micros));
    assert!(midnight >= 1, "no log crosses midnight");
    assert!(blank > 0, "old builds' blank lines");
    let [debug, info, warn, err] = levels;
    assert!(
        warn * 20 < info && err < warn && err > 50 && debug > 0,
        "{levels:?}"
    );
    for kind in ["empty", "crlf", "utf8", "truncated", "continuation"] {
        let n = damaged.get(kind).copied().unwrap_or(0);
        assert!((1..=8).contains(&n), "{kind}: {n} damaged files");
    }

    // Degraded sessions: higher latency and more errors.
    let mean = |deg: bool, f: &dyn Fn(&(bool, f64, usize)) -> f64| {
        let v: Vec<f64> = clients.iter().filter(|c| c.0 == deg).map(f).collect();
        assert!(
            v.len() >= 5,
            "too few {} client logs",
            if deg { "degraded" } else { "healthy" }
        );
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(true, &|c| c.1) > 1.5 * mean(false, &|c| c.1),
        "latency of degraded sessions"
    );
    assert!(
        mean(true, &|c| c.2 as f64) > 3.0 * mean(false, &|c| c.2 as f64),
        "errors of degraded sessions"
    );

    std::fs::remove_dir_all(&dir).unwrap();
}
