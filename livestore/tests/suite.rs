//! One suite, run on the embedded store and on a real Redis
//! (`LOGDECK_TEST_REDIS`, default `redis://127.0.0.1:6379`).

use std::time::Duration;

use livestore::{
    EmbeddedStore, Line, LiveError, LiveStore, LogKey, Progress, RedisStore, Stream, testing,
};

/// A store under test that can be "restarted": opened again on the same data.
enum Harness {
    Embedded(tempfile::TempDir),
    Redis { url: String, prefix: String },
}

impl Harness {
    fn embedded() -> Harness {
        Harness::Embedded(tempfile::tempdir().unwrap())
    }

    /// `None` when Redis is not there (the test skips, see `testenv`).
    async fn redis() -> Option<Harness> {
        Some(Harness::Redis {
            url: testing::redis().await?,
            prefix: testing::unique_prefix("store"),
        })
    }

    async fn open(&self) -> LiveStore {
        match self {
            Harness::Embedded(dir) => LiveStore::Embedded(EmbeddedStore::open(dir.path()).unwrap()),
            Harness::Redis { url, prefix } => LiveStore::Redis(
                RedisStore::connect(url, prefix)
                    .await
                    .unwrap_or_else(|e| panic!("redis at {url}: {e}")),
            ),
        }
    }
}

impl Drop for Harness {
    /// Removes the test's keys from Redis.
    fn drop(&mut self) {
        if let Harness::Redis { prefix, .. } = self {
            testing::drop_keys(prefix);
        }
    }
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$name(super::Harness::embedded()).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn redis() {
                if let Some(h) = super::Harness::redis().await {
                    super::$name(h).await
                }
            }
        }
    )*};
}

on_both!(
    duplicates_are_dropped_and_the_ack_is_the_highest_seq,
    a_hole_is_refused,
    reads_any_range_past_the_in_memory_tail,
    a_sealed_log_takes_no_more_lines,
    removal_keeps_the_progress_and_wakes_watchers,
    a_restart_keeps_every_acknowledged_line,
    racing_resends_store_each_line_once,
    followers_each_get_every_line_once_in_order,
);

fn key() -> LogKey {
    LogKey::new(42, "output").unwrap()
}

fn line(seq: u64) -> Line {
    Line {
        seq,
        time_us: 1_700_000_000_000_000 + seq as i64,
        stream: if seq.is_multiple_of(3) {
            Stream::Err
        } else {
            Stream::Out
        },
        // Text the formats must keep exactly: separators, Unicode, empty.
        text: match seq % 4 {
            0 => String::new(),
            1 => format!("line {seq} | ü ✓ \t tab"),
            2 => format!("{seq}-0 looks like an id"),
            _ => "x".repeat((seq % 200) as usize),
        },
    }
}

fn lines(a: u64, b: u64) -> Vec<Line> {
    (a..=b).map(line).collect()
}

async fn duplicates_are_dropped_and_the_ack_is_the_highest_seq(h: Harness) {
    let s = h.open().await;
    assert_eq!(s.progress(&key()).await.unwrap(), None);
    let a = s.append(&key(), &lines(1, 5)).await.unwrap();
    assert_eq!((a.last_seq, a.added), (5, 5));
    let a = s.append(&key(), &lines(3, 8)).await.unwrap();
    assert_eq!((a.last_seq, a.added), (8, 3));
    let a = s.append(&key(), &lines(1, 8)).await.unwrap();
    assert_eq!((a.last_seq, a.added), (8, 0));
    assert_eq!(s.read(&key(), 1, 100).await.unwrap(), lines(1, 8));
    assert_eq!(
        s.progress(&key()).await.unwrap(),
        Some(Progress {
            last_seq: 8,
            sealed: false,
            removed: false
        })
    );
    // Batches that are not consecutive are refused before touching the store.
    let mut odd = lines(9, 10);
    odd.swap(0, 1);
    assert!(matches!(
        s.append(&key(), &odd).await,
        Err(LiveError::Unordered(_))
    ));
}

async fn a_hole_is_refused(h: Harness) {
    let s = h.open().await;
    s.append(&key(), &lines(1, 3)).await.unwrap();
    match s.append(&key(), &lines(5, 6)).await {
        Err(LiveError::Gap {
            expected: 4,
            got: 5,
            ..
        }) => {}
        other => panic!("expected a gap error, got {other:?}"),
    }
    assert_eq!(s.progress(&key()).await.unwrap().unwrap().last_seq, 3);
    assert_eq!(s.read(&key(), 1, 100).await.unwrap(), lines(1, 3));
}

async fn reads_any_range_past_the_in_memory_tail(h: Harness) {
    let s = h.open().await;
    // More lines than any in-memory tail holds, so reads hit the store.
    for a in (1..=12_000).step_by(1000) {
        s.append(&key(), &lines(a, a + 999)).await.unwrap();
    }
    // Start following so the Redis store has its in-memory tail too.
    let _rx = s.watch(&key()).await.unwrap();
    s.append(&key(), &lines(12_001, 12_100)).await.unwrap();
    for (from, max, want) in [
        (1, 10, lines(1, 10)),
        (0, 3, lines(1, 3)),
        (4500, 7, lines(4500, 4506)),
        (11_990, 500, lines(11_990, 12_100)),
        (12_095, 10, lines(12_095, 12_100)),
        (12_101, 10, vec![]),
        (20_000, 10, vec![]),
        (5, 0, vec![]),
    ] {
        assert_eq!(
            s.read(&key(), from, max).await.unwrap(),
            want,
            "from {from} max {max}"
        );
    }
    assert_eq!(s.read(&key(), 1, 20_000).await.unwrap(), lines(1, 12_100));
}

async fn a_sealed_log_takes_no_more_lines(h: Harness) {
    let s = h.open().await;
    s.append(&key(), &lines(1, 4)).await.unwrap();
    let p = s.seal(&key()).await.unwrap();
    assert!(p.sealed && p.last_seq == 4);
    assert!(matches!(
        s.append(&key(), &lines(5, 5)).await,
        Err(LiveError::Sealed(_))
    ));
    // A resend of stored lines is still acknowledged.
    assert_eq!(s.append(&key(), &lines(2, 4)).await.unwrap().last_seq, 4);
    assert_eq!(s.seal(&key()).await.unwrap(), p);
    assert_eq!(s.read(&key(), 1, 10).await.unwrap(), lines(1, 4));
    // Sealing a log that never had a line is allowed (a program with no output).
    let empty = LogKey::new(43, "output").unwrap();
    let p = s.seal(&empty).await.unwrap();
    assert!(p.sealed && p.last_seq == 0);
    assert!(s.read(&empty, 1, 10).await.unwrap().is_empty());
}

async fn removal_keeps_the_progress_and_wakes_watchers(h: Harness) {
    let s = h.open().await;
    s.append(&key(), &lines(1, 50)).await.unwrap();
    assert!(
        s.remove(&key()).await.is_err(),
        "an unsealed log cannot be removed"
    );
    let mut rx = s.watch(&key()).await.unwrap();
    s.seal(&key()).await.unwrap();
    s.remove(&key()).await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|p| p.removed))
        .await
        .expect("watchers learn of the removal")
        .unwrap();
    let want = Progress {
        last_seq: 50,
        sealed: true,
        removed: true,
    };
    assert_eq!(s.progress(&key()).await.unwrap(), Some(want));
    assert!(s.read(&key(), 1, 10).await.unwrap().is_empty());
    s.remove(&key()).await.unwrap();
    drop(s);
    let again = h.open().await;
    assert_eq!(again.progress(&key()).await.unwrap(), Some(want));
}

async fn a_restart_keeps_every_acknowledged_line(h: Harness) {
    let s = h.open().await;
    s.append(&key(), &lines(1, 700)).await.unwrap();
    let other = LogKey::new(42, "client").unwrap();
    s.append(&other, &lines(1, 3)).await.unwrap();
    s.seal(&other).await.unwrap();
    drop(s);
    let s = h.open().await;
    assert_eq!(s.progress(&key()).await.unwrap().unwrap().last_seq, 700);
    assert_eq!(s.read(&key(), 1, 1000).await.unwrap(), lines(1, 700));
    assert!(s.progress(&other).await.unwrap().unwrap().sealed);
    // Appending goes on from where it was.
    assert_eq!(s.append(&key(), &lines(650, 710)).await.unwrap().added, 10);
    assert_eq!(s.read(&key(), 695, 100).await.unwrap(), lines(695, 710));
}

async fn racing_resends_store_each_line_once(h: Harness) {
    let s = h.open().await;
    // Four "connections" of one producer resend overlapping batches at once.
    let mut tasks = Vec::new();
    for t in 0..4u64 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut from = 1;
            while from <= 2000 {
                let to = (from + 37 + t * 11).min(2000);
                match s.append(&key(), &lines(from, to)).await {
                    Ok(a) => from = a.last_seq + 1,
                    // Another connection is behind this one's batch start.
                    Err(LiveError::Gap { expected, .. }) => from = expected,
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.read(&key(), 1, 5000).await.unwrap(), lines(1, 2000));
}

async fn followers_each_get_every_line_once_in_order(h: Harness) {
    let s = h.open().await;
    const N: u64 = 20_000;
    let mut readers = Vec::new();
    for _ in 0..5 {
        let s = s.clone();
        readers.push(tokio::spawn(async move {
            let mut rx = s.watch(&key()).await.unwrap();
            let mut got = Vec::new();
            let mut next = 1;
            loop {
                let batch = s.read(&key(), next, 1000).await.unwrap();
                if let Some(last) = batch.last() {
                    next = last.seq + 1;
                    got.extend(batch);
                    continue;
                }
                if rx.borrow_and_update().sealed && next > rx.borrow().last_seq {
                    return got;
                }
                tokio::time::timeout(Duration::from_secs(20), rx.changed())
                    .await
                    .expect("progress within 20 s")
                    .unwrap();
            }
        }));
    }
    let mut seq = 1;
    while seq <= N {
        let to = (seq + 250).min(N);
        s.append(&key(), &lines(seq, to)).await.unwrap();
        seq = to + 1;
    }
    s.seal(&key()).await.unwrap();
    let want = lines(1, N);
    for r in readers {
        let got = r.await.unwrap();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "a follower got different lines");
    }
}

/// The embedded store cuts off an append that a crash left half-written,
/// and goes on from the last whole line.
#[tokio::test]
async fn embedded_drops_a_torn_end() {
    let dir = tempfile::tempdir().unwrap();
    let s = EmbeddedStore::open(dir.path()).unwrap();
    let store = LiveStore::Embedded(s);
    store.append(&key(), &lines(1, 10)).await.unwrap();
    drop(store);
    let path = dir.path().join("42.output.live");
    let whole = std::fs::read(&path).unwrap();
    // Half of a further record.
    let mut torn = whole.clone();
    torn.extend_from_slice(&[40, 0, 0, 0, 1, 2, 3, 4, b'L', 11]);
    std::fs::write(&path, &torn).unwrap();
    let store = LiveStore::Embedded(EmbeddedStore::open(dir.path()).unwrap());
    assert_eq!(store.progress(&key()).await.unwrap().unwrap().last_seq, 10);
    assert_eq!(std::fs::read(&path).unwrap(), whole);
    assert_eq!(
        store.append(&key(), &lines(11, 12)).await.unwrap().last_seq,
        12
    );
    assert_eq!(store.read(&key(), 1, 100).await.unwrap(), lines(1, 12));
    // A file that is not a live log is an error, not an empty log.
    std::fs::write(dir.path().join("7.output.live"), b"something else entirely").unwrap();
    let other = LogKey::new(7, "output").unwrap();
    assert!(matches!(
        store.progress(&other).await,
        Err(LiveError::Corrupt { .. })
    ));
}
