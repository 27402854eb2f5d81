//! The table's view as a file: every run its filters, search and sort
//! select, as CSV or JSON Lines.
//!
//! The answer is streamed a page of the list at a time (the same keyset
//! pages `GET /api/runs` serves), so an export of a million runs holds one
//! page in memory, and the first rows leave before the last are read. A
//! failure after the first bytes cannot change the status any more: the
//! transfer is cut off (the client sees an incomplete download, never a
//! short file that looks whole) and the server logs why.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use model::{ExportFormat, Run, RunQuery};
use utoipa::IntoParams;

use super::runs::RunParams;
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Runs read per page while exporting.
const EXPORT_PAGE: u32 = model::MAX_PAGE;

/// `format`, beside the list's own parameters, as [`split_format`] reads
/// it.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
struct FormatParam {
    /// `csv` (default) or `jsonl`.
    #[param(inline)]
    #[allow(dead_code)]
    format: Option<ExportFormat>,
}

/// The parameters of an export: the list's, without `limit` (an export
/// has every row, and refuses one), and `format`.
pub struct ExportParams;

impl IntoParams for ExportParams {
    fn into_params(
        place: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        let mut params = RunParams::into_params(&place);
        params.retain(|p| p.name != "limit");
        params.extend(FormatParam::into_params(&place));
        params
    }
}

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "kind",
    "status",
    "exit_code",
    "username",
    "ip",
    "updated_at_utc",
    "last_updated",
    "version",
    "client_log",
    "server_log",
    "lines",
    "errors",
    "warnings",
    "error_pct",
    "latency_p50_s",
    "latency_p95_s",
];

/// `GET /api/runs/export`
#[utoipa::path(get, path = "/api/runs/export", summary = "Every run of a view, as CSV or JSON Lines, streamed",
    description = "Takes the parameters of `GET /api/runs` (its filters, search and sort; `after` starts after a cursor) and `format`. `limit` is not taken: an export has every row.",
    params(ExportParams),
    responses(
        (status = 200, description = "The runs, streamed", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 409, description = "`after` is a cursor of another order", body = crate::problem::ErrorBody)))]
pub async fn export(State(s): State<AppState>, uri: axum::http::Uri) -> ApiResult<Response> {
    let (format, rest) = split_format(super::query::pairs(uri.query().unwrap_or_default())?)?;
    if rest.iter().any(|(k, _)| k == "limit") {
        return Err(Problem::bad_request(
            "limit: an export has every row of the view; leave limit out",
        ));
    }
    let params: RunParams = super::query::from_pairs(&rest)?;
    let mut query: RunQuery = params.into();
    query.limit = EXPORT_PAGE;
    // The first page is read before answering, so a bad cursor or a
    // catalog that is down is a proper error status.
    let first = s.catalog.list_runs(&query).await?;
    let stream = futures::stream::unfold(
        Some((s, query, Some(first), true)),
        move |state| async move {
            let (s, mut query, page, head) = state?;
            let page = match page {
                Some(p) => p,
                None => match s.catalog.list_runs(&query).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e, "export cut off: a page of runs could not be read");
                        return Some((Err(std::io::Error::other(e.to_string())), None));
                    }
                },
            };
            let bytes = render(format, &page.rows, head);
            let next = page.next.map(|after| {
                query.after = Some(after);
                (s, query, None, false)
            });
            Some((Ok::<_, std::io::Error>(Bytes::from(bytes)), next))
        },
    );
    // Ended stays ended however often the body is polled after the end.
    let stream = futures::StreamExt::fuse(stream);
    let (kind, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Jsonl => ("application/x-ndjson", "jsonl"),
    };
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"logdeck-runs.{ext}\""))
            .expect("a fixed ASCII header"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Takes `format` out of a query's pairs; the rest are the list's.
fn split_format(
    mut pairs: Vec<(String, String)>,
) -> ApiResult<(ExportFormat, Vec<(String, String)>)> {
    let format = match pairs.iter().position(|(k, _)| k == "format") {
        None => ExportFormat::default(),
        Some(i) => match pairs.remove(i).1.as_str() {
            "" => {
                return Err(Problem::bad_request(
                    "format has no value; leave the parameter out for its default",
                ));
            }
            v => v
                .parse()
                .map_err(|e| Problem::bad_request(format!("format {e}")))?,
        },
    };
    Ok((format, pairs))
}

/// One page of runs in `format`; `head` adds the CSV header row.
pub fn render(format: ExportFormat, rows: &[Run], head: bool) -> Vec<u8> {
    match format {
        ExportFormat::Jsonl => {
            let mut out = Vec::with_capacity(rows.len() * 400);
            for r in rows {
                serde_json::to_writer(&mut out, r).expect("a run serialises");
                out.push(b'\n');
            }
            out
        }
        ExportFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::with_capacity(rows.len() * 200));
            let write = |w: &mut csv::Writer<Vec<u8>>, rec: &[String]| {
                w.write_record(rec).expect("writing to memory");
            };
            if head {
                write(&mut w, &CSV_COLUMNS.map(String::from));
            }
            let opt = |v: &Option<String>| v.as_deref().map(text).unwrap_or_default();
            let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let real = |v: Option<f64>| v.map(|n| n.to_string()).unwrap_or_default();
            for r in rows {
                let rec: [String; 17] = [
                    r.id.to_string(),
                    r.kind.to_string(),
                    r.status.to_string(),
                    num(r.exit_code),
                    opt(&r.username),
                    text(&r.ip),
                    utc(r.updated_at),
                    text(&r.last_updated),
                    opt(&r.version),
                    opt(&r.client_log),
                    opt(&r.server_log),
                    num(r.lines),
                    num(r.errors),
                    num(r.warnings),
                    real(r.error_pct),
                    real(r.latency_p50),
                    real(r.latency_p95),
                ];
                write(&mut w, &rec);
            }
            w.into_inner().expect("writing to memory")
        }
    }
}

/// A text cell a spreadsheet will not run: one that starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return (a formula to Excel, LibreOffice and
/// Google Sheets) gets a `'` before it, OWASP's rule for CSV injection.
/// Numbers are written by the export itself and never pass through here.
fn text(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// ISO 8601 UTC, or nothing when the source's time could not be read (0).
fn utc(secs: i64) -> String {
    if secs == 0 {
        String::new()
    } else {
        model::time::iso(secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: i64, username: &str) -> Run {
        serde_json::from_value(serde_json::json!({
            "id": id, "kind": "connection", "status": "imported", "exit_code": null,
            "command": null, "labels": [], "username": username, "ip": "10.0.0.1",
            "last_updated": "written, oddly", "updated_at": 1_760_445_005,
            "version": null, "client_log": "s3://b/c.log", "server_log": null,
            "client_state": "indexed", "server_state": "missing", "output_log": null,
            "output_state": "missing", "lines": 10, "errors": 1, "warnings": 0,
            "error_pct": 10.0, "latency_p50": 0.031, "latency_p95": null,
            "sparkline": [], "bookmarked": false
        }))
        .unwrap()
    }

    #[test]
    fn csv_quotes_what_needs_it_and_reads_back_as_written() {
        let hostile = "a,b \"q\"\nnext=line\u{0}日本";
        let out = render(ExportFormat::Csv, &[run(7, hostile), run(8, "")], true);
        let mut r = csv::Reader::from_reader(&out[..]);
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][0], "7");
        assert_eq!(&rows[0][4], hostile);
        assert_eq!(&rows[0][6], "2025-10-14T12:30:05Z");
        assert_eq!(&rows[0][7], "written, oddly");
        assert_eq!(&rows[0][16], "", "no p95 is an empty cell");
        assert_eq!(&rows[1][4], "");
        // No header on later pages.
        let later = render(ExportFormat::Csv, &[run(9, "x")], false);
        assert!(later.starts_with(b"9,"));
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        for (name, cell) in [
            ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK("),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("noah=smith", "noah=smith"),
        ] {
            let out = render(ExportFormat::Csv, &[run(7, name)], false);
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(&out[..]);
            let row = r.records().next().unwrap().unwrap();
            assert!(row[4].starts_with(cell), "{name:?} -> {:?}", &row[4]);
            assert!(
                row[4].ends_with(&name[name.len().min(3)..]),
                "{:?}",
                &row[4]
            );
        }
        // Numbers stay numbers, negative ones too.
        let mut r = run(7, "x");
        r.exit_code = Some(-9);
        let out = render(ExportFormat::Csv, &[r], false);
        assert!(String::from_utf8(out).unwrap().contains(",-9,"));
    }

    #[test]
    fn json_lines_are_one_run_per_line() {
        let out = render(ExportFormat::Jsonl, &[run(1, "a\nb"), run(2, "c")], false);
        let lines: Vec<&[u8]> = out
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 2);
        let back: Run = serde_json::from_slice(lines[0]).unwrap();
        assert_eq!(back, run(1, "a\nb"));
    }

    #[test]
    fn format_is_read_apart_from_the_list_parameters() {
        let split = |q: &str| split_format(crate::api::query::pairs(q)?);
        let (f, rest) = split("user=a&format=jsonl&sort=oldest").unwrap();
        assert_eq!(f, ExportFormat::Jsonl);
        assert_eq!(
            rest,
            [
                ("user".into(), "a".into()),
                ("sort".into(), "oldest".into())
            ]
        );
        assert_eq!(split("").unwrap().0, ExportFormat::Csv);
        assert!(split("format=xml").is_err());
        assert!(split("format=csv&format=csv").is_err());
    }
}
