//! One log of a run: its metric series, its lines, its raw bytes.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use logparse::Metric;
use model::{Level, LinePage, LogLine, LogName, Series};
use serde::Deserialize;
use utoipa::IntoParams;

use super::param::{Levels, Text};
use super::path::RunLog;
use super::query::{Int, NoParams, Query, from_text_opt};
use crate::problem::{ApiResult, ErrorBody, Problem};
use crate::state::AppState;

/// Widest reduced series a client may ask for.
const MAX_WIDTH: i64 = 10_000;

/// The location of a run's log, or why there is none.
async fn location(s: &AppState, RunLog { id, log: name }: RunLog) -> ApiResult<String> {
    let detail = s
        .catalog
        .run(id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no run {id}")))?;
    detail
        .run
        .log(name)
        .0
        .map(str::to_string)
        .ok_or_else(|| Problem::not_found(format!("run {id} has no {} log", name.as_str())))
}

/// Parameters of the series endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// The metric (default `latency`).
    #[serde(deserialize_with = "from_text_opt")]
    #[param(inline)]
    metric: Option<Metric>,
    /// Buckets when reducing (min and max kept per bucket).
    #[param(inline)]
    width: Width,
    /// Every point, not reduced.
    full: bool,
    /// Start of the time window, seconds from the first parsed line.
    from: Option<f64>,
    /// End of the time window.
    to: Option<f64>,
}

/// Buckets of a reduced series.
type Width = Int<1, MAX_WIDTH, 1000>;

/// `GET /api/runs/{id}/logs/{log}/series?metric=latency[&width=800|&full=true][&from=&to=]`
#[utoipa::path(get, path = "/api/runs/{id}/logs/{log}/series", operation_id = "log_series",
    summary = "A metric's points; reduced to min/max per bucket unless full=true",
    params(RunLog, SeriesParams),
    responses((status = 200, description = "The series (no points when `to` is before `from`)", body = Series),
        (status = 404, description = "No run has this id, it has no such log, or the log is not in its store", body = ErrorBody),
        (status = 413, description = "The log is larger than the server reads whole", body = ErrorBody),
        (status = 502, description = "The log's store failed", body = ErrorBody),
        (status = 504, description = "The log's store did not answer in time", body = ErrorBody),))]
pub async fn series(
    State(s): State<AppState>,
    path: RunLog,
    Query(p): Query<SeriesParams>,
) -> ApiResult<Json<Series>> {
    let loc = location(&s, path).await?;
    let parsed = s.logs.get(&loc).await?;
    Ok(Json(series_of(
        &parsed.report,
        p.metric.unwrap_or_default(),
        p.width.0 as usize,
        p.full,
        p.from,
        p.to,
    )))
}

/// A metric's points of a parsed log, as [`model::series::series_of`] reduces
/// them.
pub fn series_of(
    report: &logparse::LogReport,
    metric: Metric,
    width: usize,
    full: bool,
    from: Option<f64>,
    to: Option<f64>,
) -> Series {
    model::series::series_of(metric, report.points(metric), width, full, (from, to))
}

/// Parameters of the lines endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct LineParams {
    /// First line number (1-based).
    #[param(inline)]
    from: LineNumber,
    /// Lines.
    #[param(inline)]
    limit: LineCount,
    /// Levels to keep: `DEBUG`, `INFO`, `WARNING`, `ERROR`, comma-separated.
    #[param(inline)]
    level: Option<Levels>,
    /// Case-insensitive text to look for.
    #[param(inline)]
    q: Option<FindText>,
    /// Lines shown before and after each line the level or text filter
    /// keeps (marked `context`), as `grep -C` does.
    #[param(inline)]
    context: ContextLines,
}

/// Text a `lines` request looks for, up to 1,000 characters.
type FindText = Text<1000>;

/// Lines of context around a match.
type ContextLines = Int<0, 50, 0>;
/// A line number.
type LineNumber = Int<1, { i64::MAX }, 1>;
/// Lines in one answer.
type LineCount = Int<1, 5000, 200>;

/// `GET /api/runs/{id}/logs/{log}/lines?from=1&limit=200[&level=ERROR,WARNING][&q=text]`
#[utoipa::path(get, path = "/api/runs/{id}/logs/{log}/lines", operation_id = "log_lines",
    summary = "Lines of a log by line number, filtered by level and text",
    params(RunLog, LineParams),
    responses((status = 200, description = "A page of lines", body = LinePage),
        (status = 404, description = "No run has this id, it has no such log, or the log is not in its store", body = ErrorBody),
        (status = 413, description = "The log is larger than the server reads whole", body = ErrorBody),
        (status = 502, description = "The log's store failed", body = ErrorBody),
        (status = 504, description = "The log's store did not answer in time", body = ErrorBody)))]
pub async fn lines(
    State(s): State<AppState>,
    path: RunLog,
    Query(p): Query<LineParams>,
) -> ApiResult<Json<LinePage>> {
    let find = Find {
        from: p.from.0 as usize,
        limit: p.limit.0 as usize,
        levels: p.level.unwrap_or_default().0,
        needle: p.q.map(|Text(q)| q.to_lowercase()),
        program_output: path.log == LogName::Output,
        context: p.context.0 as usize,
    };
    let loc = location(&s, path).await?;
    let parsed = match s.logs.get(&loc).await {
        Ok(parsed) => parsed,
        Err(e) if matches!(*e, logstore::StoreError::TooLarge { .. }) => {
            return Ok(Json(find.paged(&s, &loc).await?));
        }
        Err(e) => return Err(e.into()),
    };
    if find.needle.is_none() && find.levels.is_empty() {
        return Ok(Json(find.page_of(&parsed)));
    }
    // A search may read every line of a big log: it runs on the blocking
    // pool, a few at a time, so health checks and pages stay fast.
    let _turn = s.scans.acquire().await.map_err(|_| Problem {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "the server is stopping".into(),
    })?;
    let page = tokio::task::spawn_blocking(move || find.page_of(&parsed))
        .await
        .map_err(|e| Problem {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: crate::problem::incident("searching a log", &e),
        })?;
    Ok(Json(page))
}

/// What a `lines` request asks for.
struct Find {
    from: usize,
    limit: usize,
    levels: Vec<Level>,
    /// Lower case.
    needle: Option<String>,
    program_output: bool,
    /// Lines of context around each kept line (only with a filter).
    context: usize,
}

/// Picks the lines of a page one at a time, in order: those the filters
/// keep, and with `context`, up to that many lines before and after each,
/// marked as context. Each line is answered at most once.
struct Picker<'a> {
    find: &'a Find,
    /// Lines read since the last one answered, at most `context` of them.
    before: std::collections::VecDeque<LogLine>,
    /// Lines still to answer as context after the last match.
    after: usize,
}

impl<'a> Picker<'a> {
    fn new(find: &'a Find) -> Picker<'a> {
        Picker {
            find,
            before: Default::default(),
            after: 0,
        }
    }

    /// Reads line `n`, adding to `out` what it brings. A line is copied
    /// only when it is answered or may be (as context).
    fn read(&mut self, n: usize, raw: &[u8], out: &mut Vec<LogLine>) {
        let find = self.find;
        let text = String::from_utf8_lossy(raw);
        let level = model::output::line_level(&text, find.program_output);
        let line = |context: bool| LogLine {
            n: n as u64,
            level,
            text: text.to_string(),
            context,
        };
        let filtered = find.needle.is_some() || !find.levels.is_empty();
        if find.keeps(&text, level) {
            out.extend(self.before.drain(..));
            out.push(line(false));
            self.after = if filtered { find.context } else { 0 };
        } else if self.after > 0 {
            self.after -= 1;
            out.push(line(true));
        } else if find.context > 0 && filtered {
            if self.before.len() == find.context {
                self.before.pop_front();
            }
            self.before.push_back(line(true));
        }
    }

    /// Whether the page should read on: under its limit, or owing the
    /// context after its last match.
    fn wants_more(&self, out: &[LogLine]) -> bool {
        out.len() < self.find.limit || self.after > 0
    }
}

impl Find {
    /// Whether a line with `text` and `level` passes the filters.
    fn keeps(&self, text: &str, level: Option<Level>) -> bool {
        let keep_level = self.levels.is_empty() || level.is_some_and(|l| self.levels.contains(&l));
        keep_level
            && self
                .needle
                .as_ref()
                .is_none_or(|q| text.to_lowercase().contains(q.as_str()))
    }

    /// The page of a log held in memory.
    fn page_of(&self, parsed: &crate::logcache::CachedLog) -> LinePage {
        let total = parsed.line_count();
        let mut out = Vec::with_capacity(self.limit.min(total));
        let mut pick = Picker::new(self);
        let mut n = self.from;
        while n <= total && pick.wants_more(&out) {
            pick.read(n, parsed.line(n).unwrap_or_default(), &mut out);
            n += 1;
        }
        LinePage {
            total: total as u64,
            lines: out,
            next: (n <= total).then_some(n as u64),
        }
    }

    /// The page of a log over the whole-log limit, read from its store a
    /// page at a time from the start (time grows with `from`; memory does
    /// not).
    async fn paged(&self, s: &AppState, loc: &str) -> ApiResult<LinePage> {
        let total = s.live.archived_lines(&s.stores, loc).await? as usize;
        let mut pager = crate::archive::Pager::lines(s.stores.clone(), loc).await?;
        let mut out = Vec::new();
        let mut pick = Picker::new(self);
        let mut n = 0;
        while pick.wants_more(&out) {
            let Some(line) = pager.line().await? else {
                break;
            };
            n += 1;
            if n >= self.from {
                let line = line.strip_suffix(b"\r").unwrap_or(&line);
                pick.read(n, line, &mut out);
            }
        }
        let next = n.max(self.from - 1) + 1;
        Ok(LinePage {
            total: total as u64,
            lines: out,
            next: (next <= total).then_some(next as u64),
        })
    }
}

/// A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range of an object of `size`.
fn parse_range(value: &str, size: u64) -> Option<std::ops::Range<u64>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        return Some(size.saturating_sub(n)..size);
    }
    let start: u64 = a.parse().ok()?;
    let end = if b.is_empty() {
        size
    } else {
        b.parse::<u64>().ok()?.saturating_add(1).min(size)
    };
    (start < end).then_some(start..end)
}

/// Parameters of the raw endpoint.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct RawParams {
    /// Answer as an attachment (the browser saves it).
    download: bool,
}

/// `GET /api/runs/{id}/logs/{log}/raw[?download=true]`: the log as stored,
/// streamed, with single-range requests honoured.
#[utoipa::path(get, path = "/api/runs/{id}/logs/{log}/raw", operation_id = "raw_log",
    summary = "The log as stored; honours a single Range",
    params(RunLog, RawParams),
    responses((status = 200, description = "The log", content_type = "text/plain"),
        (status = 206, description = "Part of the log (a `Range` of one span was sent)", content_type = "text/plain"),
        (status = 404, description = "No run has this id, it has no such log, or the log is not in its store", body = ErrorBody),
        (status = 416, description = "The `Range` sent lies outside the log", body = ErrorBody),
        (status = 502, description = "The log's store failed", body = ErrorBody),
        (status = 504, description = "The log's store did not answer in time", body = ErrorBody)))]
pub async fn raw(
    State(s): State<AppState>,
    path: RunLog,
    headers: HeaderMap,
    Query(p): Query<RawParams>,
) -> ApiResult<Response> {
    let download = p.download;
    let loc = location(&s, path).await?;
    let wanted = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (status, read) = match wanted {
        // Streamed a chunk at a time: no size limit applies.
        None => (StatusCode::OK, s.stores.open_streaming(&loc).await?),
        Some(r) => {
            // The size is needed to read suffix ranges; a HEAD-like open of
            // zero bytes learns it without reading.
            let size = s.stores.open(&loc, Some(0..0)).await?.size;
            match parse_range(&r, size) {
                Some(range) => (
                    StatusCode::PARTIAL_CONTENT,
                    s.stores.open(&loc, Some(range)).await?,
                ),
                None => {
                    let mut res = Problem {
                        status: StatusCode::RANGE_NOT_SATISFIABLE,
                        message: format!("range {r:?} does not fit the log's {size} bytes"),
                    }
                    .into_response();
                    res.headers_mut().insert(
                        header::CONTENT_RANGE,
                        HeaderValue::from_str(&format!("bytes */{size}")).expect("ascii"),
                    );
                    return Ok(res);
                }
            }
        }
    };
    let len = read.range.end - read.range.start;
    let mut res = Response::new(Body::from_stream(
        read.stream.map(|c| c.map_err(std::io::Error::other)),
    ));
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let v = format!(
            "bytes {}-{}/{}",
            read.range.start,
            read.range.end - 1,
            read.size
        );
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&v).expect("ascii"),
        );
    }
    if download {
        let file = format!("run{}-{}.log", path.id, path.log);
        let v = format!(
            "attachment; filename=\"{}\"",
            file.replace(
                |c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-',
                "_"
            )
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&v).expect("ascii"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100), Some(90..100));
        assert_eq!(parse_range("bytes=-5", 100), Some(95..100));
        assert_eq!(parse_range("bytes=50-500", 100), Some(50..100));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=9-3", 100), None);
    }
}

/// `PUT /api/runs/{id}/logs/{log}/retry`
///
/// A `PUT`, not a `POST`: a page on another site cannot send it without the
/// browser asking this server first (a preflight it does not grant).
#[utoipa::path(put, path = "/api/runs/{id}/logs/{log}/retry", operation_id = "retry_log", summary = "Index again a log whose indexing failed",
    description = "Queues the log's indexing job again with its attempts reset; the log and its run read `pending` until a worker takes it. 409 when the log's indexing has not failed; 429 (with `Retry-After`) within 10 s of the log's last retry.",
    params(RunLog),
    responses((status = 202, description = "Queued again"),
        (status = 404, description = "No run has this id, or it has no such log", body = ErrorBody),
        (status = 409, description = "The log's indexing has not failed", body = ErrorBody),
        (status = 429, description = "The log was retried less than 10 s ago", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait")))))]
pub async fn retry(
    State(s): State<AppState>,
    caller: crate::auth::Caller,
    path: RunLog,
    _: Query<NoParams>,
) -> ApiResult<Response> {
    // The run and its log exist (else 404), whatever became of the job.
    location(&s, path).await?;
    let RunLog { id, log } = path;
    let not_failed = || Problem {
        status: StatusCode::CONFLICT,
        message: format!("the {log} log of run {id} has not failed indexing: nothing to retry"),
    };
    if s.retried.contains_key(&(id, log)) {
        // Queued or being indexed still: say so, rather than "later".
        let failed = s.catalog.run(id).await?.is_some_and(|d| {
            d.logs
                .iter()
                .any(|l| l.name == log && l.state == model::LogState::Failed)
        });
        if !failed {
            return Err(not_failed());
        }
        let wait = crate::state::RETRY_COOLDOWN.as_secs();
        let mut res = Problem {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "the {log} log of run {id} was retried less than {wait} s ago; try again later"
            ),
        }
        .into_response();
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(res);
    }
    if s.catalog.retry_job(id, log, catalog::now_ms()).await? {
        s.retried.insert((id, log), ()).await;
        s.indexer.wake();
        caller
            .record(
                &s,
                model::AuditAction::Retry,
                Some(format!("run {id} {log}")),
                None,
            )
            .await;
        Ok(StatusCode::ACCEPTED.into_response())
    } else {
        Err(not_failed())
    }
}
