//! `logdeck sample` and first start of `logdeck serve`, as a user runs them.

mod common;

use std::path::PathBuf;

use common::{assert_fails_with, logdeck, temp_dir as temp};

#[test]
fn sample_is_deterministic_and_reports_what_it_wrote() {
    let (a, b) = (temp("a"), temp("b"));
    for dir in [&a, &b] {
        let out = logdeck()
            .args([
                "sample",
                "--connections",
                "25",
                "--seed",
                "9",
                "--quiet",
                "--out",
            ])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("wrote 25 connections"), "{stdout}");
    }
    let inv = |d: &PathBuf| std::fs::read(d.join("inventory.json")).unwrap();
    assert_eq!(inv(&a), inv(&b));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&inv(&a)).unwrap();
    assert_eq!(entries.len(), 25);
    for field in [
        "connection_id",
        "username",
        "ip",
        "last_updated",
        "version",
        "client_logs",
        "server_logs",
    ] {
        assert!(entries[0].get(field).is_some(), "{field}");
    }
}

#[test]
fn serve_reports_an_unreachable_catalog_and_a_bad_store() {
    let dir = temp("bad-backends");
    let out = logdeck()
        .args([
            "serve",
            "--no-sample",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open the catalog at postgres://nobody@127.0.0.1:1/none"),
        "{stderr}"
    );
    // Why, at once: not a pool's "timed out" after its acquire timeout.
    assert!(stderr.contains("Connection refused"), "{stderr}");

    let out = logdeck()
        .args([
            "serve",
            "--no-sample",
            "--listen",
            "127.0.0.1:0",
            "--store",
            "ftp://example.com/logs",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad --store \"ftp://example.com/logs\""),
        "{stderr}"
    );
    assert!(stderr.contains("unsupported scheme"), "{stderr}");
}

#[test]
fn serve_refuses_an_open_address_without_a_way_to_sign_in() {
    let dir = temp("open");
    for (args, says) in [
        (vec![], "--auth oidc to sign them in"),
        (
            vec!["--auth", "proxy"],
            "--auth proxy needs --trusted-proxy",
        ),
        (vec!["--auth", "oidc"], "--auth oidc needs --oidc-issuer"),
    ] {
        assert_fails_with(
            logdeck()
                .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
                .arg(&dir)
                .args(args),
            says,
        );
    }
}

#[test]
fn serve_reports_a_broken_inventory() {
    let dir = temp("broken");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("inventory.json"), b"{not json").unwrap();
    assert_fails_with(
        logdeck()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir),
        "could be imported (line 1: not an inventory entry",
    );
}
