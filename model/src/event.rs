//! The event feed: what happened, in the order it happened.
//!
//! At the edges an event is `{"seq", "time_ms", "topic", "payload"}`: the
//! catalog stores `topic` and `payload` in two columns, the server sends the
//! topic as the server-sent event's name and the whole event as its data.
//! Inside, the topic and its payload are one value, [`Topic`].

use serde::{Deserialize, Serialize};

use crate::{LogName, RunStatus};
use words::words;

words! {
    /// A topic's name, as the feed writes it: one per variant of [`Topic`].
    pub enum TopicName {
        /// [`RunStarted`].
        RunStarted = "run.started",
        /// [`RunFinished`].
        RunFinished = "run.finished",
        /// [`LogSealed`].
        LogSealed = "log.sealed",
        /// [`LogIndexed`].
        LogIndexed = "log.indexed",
        /// [`IndexFailed`].
        IndexFailed = "index.failed",
        /// [`RunsAdded`].
        RunsAdded = "runs.added",
    }
}

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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStarted {
    /// The new run.
    pub run_id: i64,
    /// Its name, as the table shows it.
    pub name: String,
    /// Its command line, if the producer runs one.
    pub command: Option<String>,
    /// Its `key=value` labels, in key order (as [`crate::Run::labels`]);
    /// a JSON object on the wire.
    #[serde(default, with = "pairs_as_object")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = std::collections::BTreeMap<String, String>)
    )]
    pub labels: Vec<(String, String)>,
}

/// A task run ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// Runs new to the catalog arrived from an inventory (an import, a push
/// or a source), as one event per committed batch: a page sorted newest
/// first counts them to offer "N new sessions".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsAdded {
    /// The newest of them (greatest `updated_at`, then id).
    pub run_id: i64,
    /// How many runs are new (runs updated in place are not counted).
    pub count: u64,
    /// The newest one's `updated_at`, in seconds since the Unix epoch.
    pub updated_at: i64,
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
    /// `runs.added`
    RunsAdded(RunsAdded),
}

impl Topic {
    /// Which topic this is.
    pub fn kind(&self) -> TopicName {
        match self {
            Topic::RunStarted(_) => TopicName::RunStarted,
            Topic::RunFinished(_) => TopicName::RunFinished,
            Topic::LogSealed(_) => TopicName::LogSealed,
            Topic::LogIndexed(_) => TopicName::LogIndexed,
            Topic::IndexFailed(_) => TopicName::IndexFailed,
            Topic::RunsAdded(_) => TopicName::RunsAdded,
        }
    }

    /// The topic's name, as the feed writes it.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The run the event is about; every topic names one.
    pub fn run_id(&self) -> i64 {
        match self {
            Topic::RunStarted(p) => p.run_id,
            Topic::RunFinished(p) => p.run_id,
            Topic::LogSealed(p) => p.run_id,
            Topic::LogIndexed(p) => p.run_id,
            Topic::IndexFailed(p) => p.run_id,
            Topic::RunsAdded(p) => p.run_id,
        }
    }

    /// The payload as JSON text.
    pub fn payload(&self) -> String {
        let json = match self {
            Topic::RunStarted(p) => serde_json::to_string(p),
            Topic::RunFinished(p) => serde_json::to_string(p),
            Topic::LogSealed(p) => serde_json::to_string(p),
            Topic::LogIndexed(p) => serde_json::to_string(p),
            Topic::IndexFailed(p) => serde_json::to_string(p),
            Topic::RunsAdded(p) => serde_json::to_string(p),
        };
        // Plain structs of numbers, strings and words: never fails.
        json.unwrap_or_else(|_| "null".into())
    }

    /// Reads a topic back from its name and its payload's JSON text.
    pub fn from_parts(name: &str, payload: &str) -> Result<Topic, serde_json::Error> {
        Topic::from_json(name, &serde_json::from_str(payload)?)
    }

    /// Reads a topic from its name and its payload as JSON: the edge where
    /// the feed's JSON becomes typed. (Read by hand from the JSON value,
    /// which the browser decodes anyway, rather than by one derived decoder
    /// per payload: the browser follows the feed, and its bundle stays
    /// small.)
    pub fn from_json(name: &str, p: &serde_json::Value) -> Result<Topic, serde_json::Error> {
        Topic::read(name, p).ok_or_else(|| {
            <serde_json::Error as serde::de::Error>::custom(format!("not a {name} event payload"))
        })
    }

    /// [`Topic::from_json`], `None` when the name or any field does not fit.
    fn read(name: &str, p: &serde_json::Value) -> Option<Topic> {
        let text = |f: &str| p[f].as_str().map(str::to_string);
        let log = || p["log"].as_str()?.parse::<LogName>().ok();
        let run_id = p["run_id"].as_i64()?;
        Some(match name.parse::<TopicName>().ok()? {
            TopicName::RunStarted => Topic::RunStarted(RunStarted {
                run_id,
                name: text("name")?,
                command: text("command"),
                labels: match &p["labels"] {
                    serde_json::Value::Null => Vec::new(),
                    // A JSON object's keys come sorted.
                    serde_json::Value::Object(m) => m
                        .iter()
                        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect::<Option<_>>()?,
                    _ => return None,
                },
            }),
            TopicName::RunFinished => Topic::RunFinished(RunFinished {
                run_id,
                status: p["status"].as_str()?.parse().ok()?,
                exit_code: match &p["exit_code"] {
                    serde_json::Value::Null => None,
                    v => Some(i32::try_from(v.as_i64()?).ok()?),
                },
            }),
            TopicName::LogSealed => Topic::LogSealed(LogSealed {
                run_id,
                log: log()?,
                location: text("location")?,
                lines: p["lines"].as_u64()?,
            }),
            TopicName::LogIndexed => Topic::LogIndexed(LogIndexed {
                run_id,
                log: log()?,
                lines: p["lines"].as_u64()?,
                errors: p["errors"].as_u64()?,
                warnings: p["warnings"].as_u64()?,
            }),
            TopicName::IndexFailed => Topic::IndexFailed(IndexFailed {
                run_id,
                log: log()?,
                location: text("location")?,
                reason: text("reason")?,
                attempts: p["attempts"].as_i64()?,
            }),
            TopicName::RunsAdded => Topic::RunsAdded(RunsAdded {
                run_id,
                count: p["count"].as_u64()?,
                updated_at: p["updated_at"].as_i64()?,
            }),
        })
    }
}

/// How an event is written as JSON.
#[derive(Serialize)]
struct EventOut<'a> {
    seq: i64,
    time_ms: i64,
    topic: &'a str,
    payload: &'a serde_json::value::RawValue,
}

/// How an event is read from JSON.
#[derive(Deserialize)]
struct EventIn {
    seq: i64,
    time_ms: i64,
    topic: String,
    payload: serde_json::Value,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let payload = serde_json::value::RawValue::from_string(self.topic.payload())
            .map_err(serde::ser::Error::custom)?;
        EventOut {
            seq: self.seq,
            time_ms: self.time_ms,
            topic: self.topic.name(),
            payload: &payload,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Event, D::Error> {
        let e = EventIn::deserialize(d)?;
        Ok(Event {
            seq: e.seq,
            time_ms: e.time_ms,
            topic: Topic::from_json(&e.topic, &e.payload).map_err(serde::de::Error::custom)?,
        })
    }
}

/// An event's schema: its topic's name and the payload of one of the
/// topics (written by hand, as the event is serialised by hand).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Event {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::ToSchema;
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        let payloads = AnyOfBuilder::new()
            .item(Ref::from_schema_name(RunStarted::name()))
            .item(Ref::from_schema_name(RunFinished::name()))
            .item(Ref::from_schema_name(LogSealed::name()))
            .item(Ref::from_schema_name(LogIndexed::name()))
            .item(Ref::from_schema_name(IndexFailed::name()))
            .item(Ref::from_schema_name(RunsAdded::name()));
        let integer = || ObjectBuilder::new().schema_type(Type::Integer);
        ObjectBuilder::new()
            .description(Some("Something that happened, in the order it happened"))
            .property("seq", integer().description(Some("Position in the feed")))
            .required("seq")
            .property(
                "time_ms",
                integer().description(Some("When, in ms since the epoch")),
            )
            .required("time_ms")
            .property(
                "topic",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(TopicName::WORDS.iter().copied())),
            )
            .required("topic")
            .property("payload", payloads)
            .required("payload")
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Event {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::{PartialSchema, ToSchema};
        schemas.push((RunStarted::name().into(), RunStarted::schema()));
        schemas.push((RunFinished::name().into(), RunFinished::schema()));
        schemas.push((LogSealed::name().into(), LogSealed::schema()));
        schemas.push((LogIndexed::name().into(), LogIndexed::schema()));
        schemas.push((IndexFailed::name().into(), IndexFailed::schema()));
        schemas.push((RunsAdded::name().into(), RunsAdded::schema()));
        <RunFinished as ToSchema>::schemas(schemas);
        <LogSealed as ToSchema>::schemas(schemas);
    }
}

/// `Vec<(String, String)>` as a JSON object, for labels: keys are
/// distinct and in order on the way in; the object's order on the way out.
mod pairs_as_object {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(map.into_iter().collect())
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
            r#"{"seq":7,"time_ms":9,"topic":"run.finished","payload":{"run_id":3,"status":"lost","exit_code":null}}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        let started = r#"{"seq":1,"time_ms":2,"topic":"run.started","payload":{"run_id":5,"name":"n","command":null,"labels":{"k":"v"}}}"#;
        let e: Event = serde_json::from_str(started).unwrap();
        assert_eq!(e.topic.run_id(), 5);
        assert_eq!(e.topic.name(), "run.started");
        for bad in [
            r#"{"seq":1,"time_ms":2,"topic":"run.gone","payload":{"run_id":5}}"#,
            r#"{"seq":1,"time_ms":2,"topic":"run.finished","payload":{"run_id":5,"status":"odd","exit_code":null}}"#,
            r#"{"seq":1,"time_ms":2,"topic":"run.finished","payload":{"run_id":5,"exit_code":null}}"#,
            r#"{"seq":1,"time_ms":2,"topic":"log.indexed","payload":{"run_id":5,"log":"client","lines":3}}"#,
            r#"{"seq":1,"time_ms":2,"topic":"log.sealed","payload":{"log":"output"}}"#,
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
                labels: vec![("k".to_string(), "v".to_string())],
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
            Topic::RunsAdded(RunsAdded {
                run_id: 6,
                count: 500,
                updated_at: 1_765_000_000,
            }),
        ];
        let names: Vec<&str> = all.iter().map(Topic::name).collect();
        assert_eq!(names, TopicName::WORDS);
        for t in all {
            assert_eq!(Topic::from_parts(t.name(), &t.payload()).unwrap(), t);
        }
    }
}
