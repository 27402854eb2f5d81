//! `logdeck run` and `logdeck tail` as processes against a `logdeck serve`
//! process: output passed through, exit codes kept, signals forwarded,
//! several tails printing identical bytes.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{assert_fails_with, logdeck, temp_dir};

/// The producers' token of these tests' servers.
const TOKEN: &str = "ldk_3f9c2a7be10d4c5f8a6b9e0d1c2f3a4b";

struct Serve {
    child: Child,
    url: String,
    dir: std::path::PathBuf,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(name: &str) -> Serve {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir(name);
    let child = logdeck()
        .args([
            "serve",
            "--no-sample",
            "--workers",
            "0",
            "--ingest-token",
            TOKEN,
        ])
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&dir)
        .env("LOGDECK_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "logdeck serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Serve {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    }
}

/// GETs `path` from the server and decodes its JSON.
fn get_json(url: &str, path: &str) -> serde_json::Value {
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(&mut s, &mut body).unwrap();
    let json = &body[body.find("\r\n\r\n").unwrap() + 4..];
    // The body may be chunked; the first '{' starts the JSON.
    let json = &json[json.find('{').unwrap()..json.rfind('}').unwrap() + 1];
    serde_json::from_str(json).unwrap()
}

fn newest_run(url: &str) -> i64 {
    get_json(url, "/api/runs?limit=1")["rows"][0]["id"]
        .as_i64()
        .unwrap()
}

#[test]
fn run_passes_output_through_and_keeps_the_exit_code() {
    let s = serve("run-exit");
    let out = logdeck()
        .args([
            "run", "--quiet", "--token", TOKEN, "--server", &s.url, "--label", "k=v", "--",
        ])
        .args([
            "sh",
            "-c",
            "echo out-1; echo err-1 >&2; printf 'ü\\r\\n'; exit 7",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out-1\nü\r\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err-1\n");
    let run = newest_run(&s.url);

    // Three tails at once print the same bytes: every line, once.
    let tails: Vec<_> = (0..3)
        .map(|_| {
            logdeck()
                .args(["tail", "--seq", "--server", &s.url, &run.to_string()])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Vec<u8>> = tails
        .into_iter()
        .map(|t| {
            let o = t.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            o.stdout
        })
        .collect();
    assert!(outputs.iter().all(|o| *o == outputs[0]));
    let text = String::from_utf8(outputs[0].clone()).unwrap();
    let mut lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start().split_once(' ').map_or(l, |x| x.1))
        .collect();
    lines.sort_unstable();
    let mut want = vec!["err-1", "out-1", "ü"];
    want.sort_unstable();
    assert_eq!(lines, want, "{text}");

    // --last and a bad run id.
    let last = logdeck()
        .args(["tail", "-n", "1", "--server", &s.url, &run.to_string()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&last.stdout).lines().count(), 1);
    let missing = logdeck()
        .args(["tail", "--server", &s.url, "999"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no live log 999/output"));
}

#[test]
fn a_session_run_is_labelled_with_its_log_and_connection() {
    let s = serve("run-session");
    let out = logdeck()
        .args([
            "run",
            "-q",
            "--token",
            TOKEN,
            "--server",
            &s.url,
            "--session",
            "server",
            "--connection",
            "28770",
            "--",
            "echo",
            "hi",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = newest_run(&s.url);
    let detail = get_json(&s.url, &format!("/api/runs/{run}"));
    assert_eq!(
        detail["run"]["labels"],
        serde_json::json!([["connection", "28770"], ["session", "server"]])
    );
    // Only client or server.
    let bad = logdeck()
        .args(["run", "--token", TOKEN, "--session", "middle", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--session"));
}

#[test]
fn serve_refuses_a_guessable_token() {
    let dir = temp_dir("weak-token");
    for (flag, env) in [(Some("e2e-token"), None), (None, Some("ok-ish,tok"))] {
        let mut cmd = logdeck();
        cmd.args([
            "serve",
            "--no-sample",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(&dir);
        if let Some(t) = flag {
            cmd.args(["--ingest-token", t]);
        }
        if let Some(t) = env {
            cmd.env("LOGDECK_INGEST_TOKENS", t);
        }
        let out = assert_fails_with(&mut cmd, "at least 128 bits of entropy");
        assert_eq!(out.status.code(), Some(2), "a usage error");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_streams_stdin_and_refuses_a_wrong_token() {
    let s = serve("run-stdin");
    let mut child = logdeck()
        .args([
            "run", "-q", "--stdin", "--name", "piped", "--token", TOKEN, "--server", &s.url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"alpha\nbeta\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"alpha\nbeta\n");
    let run = newest_run(&s.url);
    let tail = logdeck()
        .args(["tail", "--server", &s.url, &format!("{run}/output")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&tail.stdout), "alpha\nbeta\n");

    // A wrong token: the program still runs and its code is kept; the
    // refusal is reported.
    let out = logdeck()
        .args([
            "run", "--token", "nope", "--server", &s.url, "--", "sh", "-c", "exit 4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong token"));
}

#[test]
fn sigterm_reaches_the_program() {
    let s = serve("run-term");
    let mut child = logdeck()
        .args(["run", "-q", "--token", TOKEN, "--server", &s.url, "--"])
        .args([
            "sh",
            "-c",
            "trap 'echo got-term; exit 143' TERM; echo ready; while :; do sleep 0.05; done",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: kill(2) on our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "got-term\n");
    assert_eq!(child.wait().unwrap().code(), Some(143));
}

#[test]
fn created_tokens_work_until_revoked() {
    let s = serve("run-token");
    let dir = s.dir.clone();
    let created = logdeck()
        .args(["token", "create", "ci-runner", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(token.starts_with("ldk_"), "{token}");
    let again = logdeck()
        .args(["token", "create", "ci-runner", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let list = logdeck()
        .args(["token", "list", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).starts_with("ci-runner\t"));
    assert!(!String::from_utf8_lossy(&list.stdout).contains(&token));

    let run = |token: &str| {
        logdeck()
            .args([
                "run", "-q", "--token", token, "--server", &s.url, "--", "echo", "hi",
            ])
            .output()
            .unwrap()
    };
    let ok = run(&token);
    assert!(ok.status.success());
    assert!(
        ok.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let revoked = logdeck()
        .args(["token", "revoke", "ci-runner", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(revoked.status.success());
    let refused = run(&token);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("wrong token"));
}
