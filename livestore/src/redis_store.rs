//! The Redis Streams live store.
//!
//! Each log is a stream `PREFIX:RUN:NAME` whose entry ids are `SEQ-0`, plus a
//! hash `PREFIX:RUN:NAME:m` holding the last seq and the sealed/removed flags.
//! Appends run as one script, so deciding what is new and adding it is atomic
//! even when two server processes receive the same producer's resend. Sealing
//! adds a marker entry `LAST-1` and removal a marker `LAST-2` (then trims
//! everything before it), so blocked readers wake up for both.
//!
//! In each process one task per followed log runs `XREAD BLOCK` on its own
//! connection, keeps the newest lines in memory and tells the watchers; all
//! viewers of that log in the process share it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{AsyncConnectionConfig, Client, Script, Value};
use tokio::sync::watch;

use crate::tail::Tail;
use crate::{Appended, Line, LiveError, LogKey, Progress, Stream};

/// Lines of each followed log kept in memory.
const TAIL_LINES: usize = 4096;
/// How long one `XREAD` blocks before the follower checks it is still wanted.
const BLOCK_MS: u64 = 2000;
/// How long Redis keeps a removed (archived) log's marker and flags, for
/// viewers that were reading when it went.
const REMOVED_TTL_S: u64 = 24 * 3600;
/// How long Redis keeps a sealed log that was never removed (its archiving
/// kept failing): long enough for every retry, not for ever.
const SEALED_TTL_S: u64 = 30 * 24 * 3600;

const APPEND: &str = r"
local last = redis.call('HGET', KEYS[2], 'last') or '0'
local sealed = redis.call('HGET', KEYS[2], 'sealed') == '1'
local n = tonumber(last)
local added = 0
for i = 1, #ARGV, 4 do
  local seq = tonumber(ARGV[i])
  if seq > n then
    if seq ~= n + 1 then return {2, last, added} end
    if sealed then return {1, last, added} end
    redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 't', ARGV[i + 1], 's', ARGV[i + 2], 'x', ARGV[i + 3])
    n = seq
    last = ARGV[i]
    added = added + 1
  end
end
if added > 0 then redis.call('HSET', KEYS[2], 'last', last) end
return {0, last, added}
";

const SEAL: &str = r"
local last = redis.call('HGET', KEYS[2], 'last') or '0'
if redis.call('HGET', KEYS[2], 'sealed') ~= '1' then
  redis.call('HSET', KEYS[2], 'sealed', '1', 'last', last)
  redis.call('XADD', KEYS[1], last .. '-1', 'sealed', '1')
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return last
";

const REMOVE: &str = r"
if redis.call('HGET', KEYS[2], 'sealed') ~= '1' then return 0 end
if redis.call('HGET', KEYS[2], 'removed') ~= '1' then
  local last = redis.call('HGET', KEYS[2], 'last') or '0'
  redis.call('XADD', KEYS[1], last .. '-2', 'removed', '1')
  redis.call('XTRIM', KEYS[1], 'MINID', last .. '-2')
  redis.call('HSET', KEYS[2], 'removed', '1')
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1
";

/// The Redis store. Cheap to clone; clones share connections and followers.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    conn: ConnectionManager,
    prefix: String,
    append: Script,
    seal: Script,
    remove: Script,
    followers: Mutex<HashMap<LogKey, Arc<Follower>>>,
}

/// The one reader of a log in this process.
struct Follower {
    tx: watch::Sender<Progress>,
    tail: Mutex<Tail>,
    /// Highest seq appended through this process: reads up to it go to
    /// Redis even before the reader has seen it (read-your-writes).
    appended: std::sync::atomic::AtomicU64,
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`); keys start with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, LiveError> {
        let client = Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(10)))
            .set_number_of_retries(2);
        let mut conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                conn,
                prefix: prefix.to_owned(),
                append: Script::new(APPEND),
                seal: Script::new(SEAL),
                remove: Script::new(REMOVE),
                followers: Mutex::new(HashMap::new()),
            }),
        })
    }

    fn stream_key(&self, key: &LogKey) -> String {
        format!("{}:{}:{}", self.inner.prefix, key.run(), key.name())
    }

    fn meta_key(&self, key: &LogKey) -> String {
        format!("{}:{}:{}:m", self.inner.prefix, key.run(), key.name())
    }

    pub(crate) async fn append(&self, key: &LogKey, batch: &[Line]) -> Result<Appended, LiveError> {
        let mut inv = self.inner.append.prepare_invoke();
        inv.key(self.stream_key(key)).key(self.meta_key(key));
        for line in batch {
            inv.arg(line.seq)
                .arg(line.time_us)
                .arg(&[line.stream.code()][..])
                .arg(line.text.as_bytes());
        }
        let mut conn = self.inner.conn.clone();
        let (status, last, added): (u8, u64, usize) = inv.invoke_async(&mut conn).await?;
        if let Some(f) = self
            .inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            f.appended
                .fetch_max(last, std::sync::atomic::Ordering::Release);
        }
        match status {
            0 => Ok(Appended {
                last_seq: last,
                added,
            }),
            1 => Err(LiveError::Sealed(key.to_string())),
            _ => Err(LiveError::Gap {
                log: key.to_string(),
                expected: last + 1,
                got: batch
                    .iter()
                    .map(|l| l.seq)
                    .find(|&s| s > last)
                    .unwrap_or(last + 1),
            }),
        }
    }

    pub(crate) async fn progress(&self, key: &LogKey) -> Result<Option<Progress>, LiveError> {
        let mut conn = self.inner.conn.clone();
        let (last, sealed, removed): (Option<u64>, Option<String>, Option<String>) =
            redis::cmd("HMGET")
                .arg(self.meta_key(key))
                .arg("last")
                .arg("sealed")
                .arg("removed")
                .query_async(&mut conn)
                .await?;
        if last.is_none() && sealed.is_none() {
            return Ok(None);
        }
        Ok(Some(Progress {
            last_seq: last.unwrap_or(0),
            sealed: sealed.as_deref() == Some("1"),
            removed: removed.as_deref() == Some("1"),
        }))
    }

    pub(crate) async fn read(
        &self,
        key: &LogKey,
        from: u64,
        max: usize,
    ) -> Result<Vec<Line>, LiveError> {
        let follower = self
            .inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned();
        if let Some(f) = follower {
            // Followers at the end are answered from memory: the watchers of
            // this process hear of new lines once this reader has them.
            let known = *f.tx.borrow();
            let seen = known
                .last_seq
                .max(f.appended.load(std::sync::atomic::Ordering::Acquire));
            if known.last_seq > 0 && from > seen && !known.removed {
                return Ok(Vec::new());
            }
            if let Some(lines) = f
                .tail
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(from, max)
            {
                return Ok(lines);
            }
        }
        let mut conn = self.inner.conn.clone();
        // One more than asked: a seal marker may sit among them.
        let reply: Value = redis::cmd("XRANGE")
            .arg(self.stream_key(key))
            .arg(format!("{from}-0"))
            .arg("+")
            .arg("COUNT")
            .arg(max + 1)
            .query_async(&mut conn)
            .await?;
        let mut lines = Vec::with_capacity(max);
        for entry in entries(key, reply)? {
            if let Entry::Line(line) = entry {
                lines.push(line);
            }
        }
        lines.truncate(max);
        Ok(lines)
    }

    pub(crate) async fn watch(&self, key: &LogKey) -> Result<watch::Receiver<Progress>, LiveError> {
        // Viewers of a log this process already follows share its reader;
        // only the first one asks Redis where the log stands.
        if let Some(f) = self
            .inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Ok(f.tx.subscribe());
        }
        let start = self.progress(key).await?.unwrap_or_default();
        let mut followers = self
            .inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(f) = followers.get(key) {
            return Ok(f.tx.subscribe());
        }
        let follower = Arc::new(Follower {
            tx: watch::channel(start).0,
            appended: std::sync::atomic::AtomicU64::new(start.last_seq),
            tail: Mutex::new(Tail::new(TAIL_LINES)),
        });
        let rx = follower.tx.subscribe();
        followers.insert(key.clone(), follower.clone());
        drop(followers);
        if !start.removed {
            tokio::spawn(self.clone().follow(key.clone(), follower, start));
        }
        Ok(rx)
    }

    /// The reader task of one log: blocks on new entries, feeds the tail and
    /// tells the watchers; ends when the log is removed or nobody watches.
    async fn follow(self, key: LogKey, follower: Arc<Follower>, start: Progress) {
        let stream = self.stream_key(&key);
        let mut progress = start;
        let mut last_id = format!("{}-{}", start.last_seq, if start.sealed { 1 } else { 0 });
        let mut conn = None;
        loop {
            if conn.is_none() {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(3)))
                    .set_response_timeout(Some(Duration::from_millis(BLOCK_MS + 5000)));
                match self
                    .inner
                    .client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                {
                    Ok(c) => conn = Some(c),
                    Err(e) => {
                        tracing::warn!(log = %key, error = %e, "live reader cannot reach redis; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        if self.unfollow_if_unwatched(&key) {
                            return;
                        }
                        continue;
                    }
                }
            }
            let c = conn.as_mut().expect("connected above");
            let reply: Result<Value, _> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(TAIL_LINES)
                .arg("BLOCK")
                .arg(BLOCK_MS)
                .arg("STREAMS")
                .arg(&stream)
                .arg(&last_id)
                .query_async(c)
                .await;
            let reply = match reply {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(log = %key, error = %e, "live reader lost redis; reconnecting");
                    conn = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            let found = match xread_entries(&key, reply) {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(log = %key, error = %e, "unreadable redis stream entry");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            if found.is_empty() {
                if self.unfollow_if_unwatched(&key) {
                    return;
                }
                continue;
            }
            let mut lines = Vec::new();
            for entry in found {
                match entry {
                    Entry::Line(line) => {
                        last_id = format!("{}-0", line.seq);
                        progress.last_seq = line.seq;
                        lines.push(line);
                    }
                    Entry::Sealed(last) => {
                        last_id = format!("{last}-1");
                        progress.sealed = true;
                    }
                    Entry::Removed => progress.removed = true,
                }
            }
            {
                let mut tail = follower.tail.lock().unwrap_or_else(|e| e.into_inner());
                if progress.removed {
                    tail.clear();
                } else {
                    tail.push(&lines);
                }
            }
            follower.tx.send_replace(progress);
            if progress.removed {
                self.inner
                    .followers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key);
                return;
            }
        }
    }

    /// Drops the follower of `key` if no one watches it any more.
    fn unfollow_if_unwatched(&self, key: &LogKey) -> bool {
        let mut followers = self
            .inner
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match followers.get(key) {
            Some(f) if f.tx.receiver_count() == 0 => {
                followers.remove(key);
                true
            }
            Some(_) => false,
            None => true,
        }
    }

    pub(crate) async fn seal(&self, key: &LogKey) -> Result<Progress, LiveError> {
        let mut conn = self.inner.conn.clone();
        let _: String = self
            .inner
            .seal
            .key(self.stream_key(key))
            .key(self.meta_key(key))
            .arg(SEALED_TTL_S)
            .invoke_async(&mut conn)
            .await?;
        Ok(self.progress(key).await?.unwrap_or_default())
    }

    pub(crate) async fn remove(&self, key: &LogKey) -> Result<(), LiveError> {
        let mut conn = self.inner.conn.clone();
        let done: i64 = self
            .inner
            .remove
            .key(self.stream_key(key))
            .key(self.meta_key(key))
            .arg(REMOVED_TTL_S)
            .invoke_async(&mut conn)
            .await?;
        if done == 1 {
            Ok(())
        } else {
            Err(LiveError::Corrupt {
                log: key.to_string(),
                what: "only a sealed log can be removed".into(),
            })
        }
    }
}

/// A stream entry.
enum Entry {
    Line(Line),
    Sealed(u64),
    Removed,
}

/// The entries of an `XREAD` reply (nil on timeout).
fn xread_entries(key: &LogKey, reply: Value) -> Result<Vec<Entry>, LiveError> {
    match reply {
        Value::Nil => Ok(Vec::new()),
        Value::Array(streams) => {
            let mut out = Vec::new();
            for s in streams {
                let Value::Array(mut pair) = s else {
                    return Err(bad(key, "XREAD reply is not [key, entries]"));
                };
                if pair.len() != 2 {
                    return Err(bad(key, "XREAD reply is not [key, entries]"));
                }
                out.extend(entries(key, pair.pop().expect("two"))?);
            }
            Ok(out)
        }
        Value::Map(streams) => {
            let mut out = Vec::new();
            for (_, v) in streams {
                out.extend(entries(key, v)?);
            }
            Ok(out)
        }
        _ => Err(bad(key, "unexpected XREAD reply")),
    }
}

/// The entries of an `XRANGE` reply.
fn entries(key: &LogKey, reply: Value) -> Result<Vec<Entry>, LiveError> {
    let Value::Array(items) = reply else {
        return Err(bad(key, "stream entries are not an array"));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Value::Array(mut parts) = item else {
            return Err(bad(key, "stream entry is not [id, fields]"));
        };
        if parts.len() != 2 {
            return Err(bad(key, "stream entry is not [id, fields]"));
        }
        let fields = parts.pop().expect("two");
        let id = parts.pop().expect("two");
        let id = text(&id).ok_or_else(|| bad(key, "stream entry id is not text"))?;
        let (seq, kind) = id
            .split_once('-')
            .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u8>().ok()?)))
            .ok_or_else(|| bad(key, "stream entry id is not SEQ-N"))?;
        let fields = match fields {
            Value::Array(f) => f,
            _ => return Err(bad(key, "stream entry fields are not an array")),
        };
        let field = |name: &str| -> Option<&[u8]> {
            fields
                .chunks_exact(2)
                .find(|kv| bytes(&kv[0]) == Some(name.as_bytes()))
                .and_then(|kv| bytes(&kv[1]))
        };
        out.push(match kind {
            0 => {
                let time_us = field("t")
                    .and_then(|t| std::str::from_utf8(t).ok()?.parse().ok())
                    .ok_or_else(|| bad(key, "line without a time"))?;
                let stream = field("s")
                    .and_then(|s| Stream::from_code(*s.first()?))
                    .ok_or_else(|| bad(key, "line without a stream"))?;
                let text = field("x").ok_or_else(|| bad(key, "line without text"))?;
                Entry::Line(Line {
                    seq,
                    time_us,
                    stream,
                    text: String::from_utf8_lossy(text).into_owned(),
                })
            }
            1 => Entry::Sealed(seq),
            _ => Entry::Removed,
        });
    }
    Ok(out)
}

fn bytes(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

fn text(v: &Value) -> Option<&str> {
    std::str::from_utf8(bytes(v)?).ok()
}

fn bad(key: &LogKey, what: &str) -> LiveError {
    LiveError::Corrupt {
        log: key.to_string(),
        what: what.to_owned(),
    }
}
