//! `logdeck import`, as a user runs it.

mod common;

use common::{logdeck, temp_dir};

#[test]
fn imports_csv_reports_bad_rows_by_line_and_reimports_as_updates() {
    let dir = temp_dir("import");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("inventory.csv");
    std::fs::write(
        &csv,
        "connection_id,username,ip,last_updated,version,client_logs,server_logs\n\
         1,a@example.com,1.1.1.1,\"06/30/2020, 21:02\",V1,client1.txt,server1.txt\n\
         two,b@example.com,2.2.2.2,,,,\n\
         3,c@example.com,3.3.3.3,\"06/30/2020, 21:05\",V1,,server3.txt\n\
         4,d@example.com,4.4.4.4,\"31/12/2020, 10:00\",,,\n",
    )
    .unwrap();
    let run = || {
        logdeck()
            .args(["import", "--quiet", "--data-dir"])
            .arg(&dir)
            .arg(&csv)
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("skipped line 3: connection_id \"two\" is not an integer"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped line 5: last_updated \"31/12/2020, 10:00\""),
        "{stderr}"
    );
    assert!(stdout.contains("imported 2 runs"), "{stdout}");
    assert!(stdout.contains("2 new, 0 updated, 2 skipped"), "{stdout}");
    assert!(stdout.contains("3 logs queued for indexing"), "{stdout}");
    assert!(dir.join("catalog.db").exists());

    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 new, 2 updated"), "{stdout}");
    assert!(stdout.contains("0 logs queued"), "{stdout}");
}

#[test]
fn an_unreadable_file_or_inventory_fails_clearly() {
    let dir = temp_dir("import-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let out = logdeck()
        .args(["import", "--data-dir"])
        .arg(&dir)
        .arg(dir.join("nope.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let broken = dir.join("broken.json");
    std::fs::write(&broken, "[{\"connection_id\": 1},").unwrap();
    let out = logdeck()
        .args(["import", "--data-dir"])
        .arg(&dir)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a valid JSON array"), "{stderr}");
}
