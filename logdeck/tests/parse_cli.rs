//! `logdeck parse` as a user runs it.

mod common;

use common::{assert_fails_with, logdeck, temp_dir};

fn write_temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = temp_dir(&format!("parse-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const LOG: &str = "21:02:13:123456 | INFO    | a.c | f:1 | Latency: 0.030\n\
21:02:13:623456 | INFO    | a.c | f:1 | Latency: 0.050\n\
\n\
21:02:14:123456 | WARNING | a.c | f:1 | Ping received no response: 7\r\n\
not a log line\n\
21:02:15:123456 | ERROR   | a.c | f:1 | Server disconnected: 3 consecutive ping failures.\n\
21:02:15:200000 | INFO    | a.c | f:1 | Latency: 0.100";

#[test]
fn json_lines_follow_the_contract() {
    let a = write_temp("a.txt", LOG.as_bytes());
    let empty = write_temp("empty.txt", b"");
    let out = logdeck()
        .args(["parse", "--json"])
        .arg(&a)
        .arg(&empty)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let objs: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 2);
    let j = &objs[0];
    assert_eq!(j["file"], a.display().to_string());
    assert_eq!(
        (
            j["lines"].as_u64(),
            j["parsed"].as_u64(),
            j["malformed"].as_u64()
        ),
        (Some(6), Some(5), Some(1))
    );
    assert_eq!(
        j["levels"],
        serde_json::json!({"DEBUG": 0, "INFO": 3, "WARNING": 1, "ERROR": 1})
    );
    assert!((j["duration_s"].as_f64().unwrap() - 2.076544).abs() < 1e-9);
    let lat = &j["metrics"]["latency"];
    assert_eq!(lat["count"], 3);
    assert_eq!(lat["min"], 0.03);
    assert_eq!(lat["max"], 0.1);
    assert_eq!(lat["p50"], 0.05);
    assert!((lat["p95"].as_f64().unwrap() - 0.095).abs() < 1e-12);
    assert!(lat.get("points").is_none());
    let dec = &j["metrics"]["decode_time"];
    assert_eq!(dec["count"], 0);
    for k in ["min", "max", "mean", "p50", "p95", "p99"] {
        assert!(dec[k].is_null(), "{k}");
    }
    assert_eq!(
        j["top_errors"][0]["template"],
        "Server disconnected: <n> consecutive ping failures."
    );
    assert_eq!(objs[1]["lines"], 0);
    assert_eq!(objs[1]["duration_s"], 0.0);
}

#[test]
fn series_adds_points() {
    let a = write_temp("s.txt", LOG.as_bytes());
    let out = logdeck()
        .args(["parse", "--json", "--series"])
        .arg(&a)
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        j["metrics"]["latency"]["points"],
        serde_json::json!([[0.0, 0.03], [0.5, 0.05], [2.076544, 0.1]])
    );
    assert_eq!(j["metrics"]["encode_size"]["points"], serde_json::json!([]));
}

#[test]
fn unreadable_files_fail_after_the_others_are_reported() {
    let a = write_temp("ok.txt", LOG.as_bytes());
    let out = assert_fails_with(
        logdeck()
            .args(["parse", "--json", "/no/such/file.txt"])
            .arg(&a),
        "/no/such/file.txt: cannot open",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn text_output_and_help() {
    let a = write_temp("t.txt", LOG.as_bytes());
    let out = logdeck().arg("parse").arg(&a).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("lines 6  parsed 5  malformed 1"), "{text}");
    assert!(text.contains("Server disconnected: <n> consecutive ping failures."));
    let help = logdeck().arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for cmd in ["serve", "sample", "parse"] {
        assert!(help.contains(cmd), "{help}");
    }
}
