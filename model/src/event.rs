//! The event feed: what happened, in the order it happened.
//!
//! At the edges an event is `{"seq", "time_ms", "topic", "payload"}`: the
//! catalog stores `topic` and `payload` in two columns, the server sends the
//! topic as the server-sent event's name and the whole event as its data.
//! Inside, the topic and its payload are one value, [`Topic`].

use serde::{Deserialize, Serialize};

use crate::{LogName, RunStatus};

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the feed; strictly increasing.
    pub seq: i64,
    /// When, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// What happened, with its details.
    pub topic: Topic,
}

/// A producer created a task run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStarted {
    /// The new run.
    pub run_id: i64,
    /// Its name, as the table shows it.
    pub name: String,
    /// Its command line, if the producer runs one.
    pub command: Option<String>,
    /// Its `key=value` labels, by key.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// A task run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFinished {
    /// The run.
    pub run_id: i64,
    /// How it ended.
    pub status: RunStatus,
    /// The program's exit code, if it exited with one.
    pub exit_code: Option<i32>,
}

/// A task's output is complete and archived; its indexing is queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSealed {
    /// The run.
    pub run_id: i64,
    /// Which log.
    pub log: LogName,
    /// Where it was archived.
    pub location: String,
    /// Lines in it.
    pub lines: u64,
}

/// A log was indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogIndexed {
    /// The run.
    pub run_id: i64,
    /// Which log.
    pub log: LogName,
    /// Counted lines.
    pub lines: u64,
    /// ERROR lines.
    pub errors: u64,
    /// WARNING lines.
    pub warnings: u64,
}

/// A log's indexing failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFailed {
    /// The run.
    pub run_id: i64,
    /// Which log.
    pub log: LogName,
    /// Where it was read from.
    pub location: String,
    /// Why it failed.
    pub reason: String,
    /// Attempts made.
    pub attempts: i64,
}

/// What happened: the topic and its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Topic {
    /// `run.started`
    RunStarted(RunStarted),
    /// `run.finished`
    RunFinished(RunFinished),
    /// `log.sealed`
    LogSealed(LogSealed),
    /// `log.indexed`
    LogIndexed(LogIndexed),
    /// `index.failed`
    IndexFailed(IndexFailed),
}

impl Topic {
    /// Every topic's name, as the feed writes it.
    pub const NAMES: [&'static str; 5] = [
        "run.started",
        "run.finished",
        "log.sealed",
        "log.indexed",
        "index.failed",
    ];

    /// The topic's name (one of [`Topic::NAMES`]).
    pub fn name(&self) -> &'static str {
        let i = match self {
            Topic::RunStarted(_) => 0,
            Topic::RunFinished(_) => 1,
            Topic::LogSealed(_) => 2,
            Topic::LogIndexed(_) => 3,
            Topic::IndexFailed(_) => 4,
        };
        Topic::NAMES[i]
    }

    /// The run the event is about; every topic names one.
    pub fn run_id(&self) -> i64 {
        match self {
            Topic::RunStarted(p) => p.run_id,
            Topic::RunFinished(p) => p.run_id,
            Topic::LogSealed(p) => p.run_id,
            Topic::LogIndexed(p) => p.run_id,
            Topic::IndexFailed(p) => p.run_id,
        }
    }

    /// The payload as JSON.
    pub fn payload(&self) -> serde_json::Value {
        let v = match self {
            Topic::RunStarted(p) => serde_json::to_value(p),
            Topic::RunFinished(p) => serde_json::to_value(p),
            Topic::LogSealed(p) => serde_json::to_value(p),
            Topic::LogIndexed(p) => serde_json::to_value(p),
            Topic::IndexFailed(p) => serde_json::to_value(p),
        };
        // Plain structs of numbers, strings and words: never fails.
        v.unwrap_or(serde_json::Value::Null)
    }

    /// Reads a topic back from its name and payload.
    pub fn from_parts(name: &str, payload: serde_json::Value) -> Result<Topic, serde_json::Error> {
        use serde_json::from_value as read;
        Ok(match name {
            "run.started" => Topic::RunStarted(read(payload)?),
            "run.finished" => Topic::RunFinished(read(payload)?),
            "log.sealed" => Topic::LogSealed(read(payload)?),
            "log.indexed" => Topic::LogIndexed(read(payload)?),
            "index.failed" => Topic::IndexFailed(read(payload)?),
            other => {
                return Err(<serde_json::Error as serde::de::Error>::custom(format!(
                    "unknown event topic {other:?}"
                )));
            }
        })
    }
}

/// How an event travels as JSON.
#[derive(Serialize, Deserialize)]
struct EventJson {
    seq: i64,
    time_ms: i64,
    topic: String,
    payload: serde_json::Value,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EventJson {
            seq: self.seq,
            time_ms: self.time_ms,
            topic: self.topic.name().to_string(),
            payload: self.topic.payload(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        let e = EventJson::deserialize(d)?;
        Ok(Event {
            seq: e.seq,
            time_ms: e.time_ms,
            topic: Topic::from_parts(&e.topic, e.payload).map_err(serde::de::Error::custom)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_keep_their_wire_shape() {
        let e = Event {
            seq: 7,
            time_ms: 9,
            topic: Topic::RunFinished(RunFinished {
                run_id: 3,
                status: RunStatus::Lost,
                exit_code: None,
            }),
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"seq":7,"time_ms":9,"topic":"run.finished","payload":{"exit_code":null,"run_id":3,"status":"lost"}}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        let started = r#"{"seq":1,"time_ms":2,"topic":"run.started","payload":{"run_id":5,"name":"n","command":null,"labels":{"k":"v"}}}"#;
        let e: Event = serde_json::from_str(started).unwrap();
        assert_eq!(e.topic.run_id(), 5);
        assert_eq!(e.topic.name(), "run.started");
        for bad in [
            r#"{"seq":1,"time_ms":2,"topic":"run.gone","payload":{"run_id":5}}"#,
            r#"{"seq":1,"time_ms":2,"topic":"run.finished","payload":{"run_id":5,"status":"odd","exit_code":null}}"#,
        ] {
            assert!(serde_json::from_str::<Event>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_topic_reads_back_from_its_parts() {
        let all = [
            Topic::RunStarted(RunStarted {
                run_id: 1,
                name: "n".into(),
                command: Some("c".into()),
                labels: [("k".to_string(), "v".to_string())].into(),
            }),
            Topic::RunFinished(RunFinished {
                run_id: 2,
                status: RunStatus::Failed,
                exit_code: Some(3),
            }),
            Topic::LogSealed(LogSealed {
                run_id: 3,
                log: LogName::Output,
                location: "file:///x".into(),
                lines: 4,
            }),
            Topic::LogIndexed(LogIndexed {
                run_id: 4,
                log: LogName::Client,
                lines: 5,
                errors: 1,
                warnings: 0,
            }),
            Topic::IndexFailed(IndexFailed {
                run_id: 5,
                log: LogName::Server,
                location: "s3://b/k".into(),
                reason: "gone".into(),
                attempts: 3,
            }),
        ];
        let names: Vec<&str> = all.iter().map(Topic::name).collect();
        assert_eq!(names, Topic::NAMES);
        for t in all {
            assert_eq!(Topic::from_parts(t.name(), t.payload()).unwrap(), t);
        }
    }
}
