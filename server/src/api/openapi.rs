//! The API's OpenAPI 3.1 description, served at `/api/openapi.json`.

use axum::Json;
use serde_json::{Value, json};

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({
        "200": {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": {"$ref": "#/components/responses/BadRequest"},
    })
}

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn int() -> Value {
    json!({"type": "integer"})
}

fn text() -> Value {
    json!({"type": "string"})
}

fn flag() -> Value {
    json!({"type": "boolean"})
}

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

/// The document.
pub fn document() -> Value {
    let run_id = path_param("id", "Connection id", int());
    let log = path_param(
        "log",
        "Which log",
        json!({"type": "string", "enum": ["client", "server", "output"]}),
    );
    let stats = json!({"type": "object", "properties": {
        "count": int(), "min": nullable("number"), "max": nullable("number"), "mean": nullable("number"),
        "p50": nullable("number"), "p95": nullable("number"), "p99": nullable("number")}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "logdeck API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs (connections) of streaming sessions, their client and server logs, metric series, log lines and analytics. Lists use keyset cursors: pass a page's `next` as `after`. Errors are `{\"error\": \"…\"}` with a 4xx/5xx status."
        },
        "paths": {
            "/api/runs": {"get": {
                "summary": "List runs", "operationId": "listRuns",
                "parameters": [
                    param("user", "Case-insensitive substring of the username", text()),
                    param("has_errors", "Only runs with ERROR lines", flag()),
                    param("missing", "Only runs missing this log: client, server, or client,server", text()),
                    param("version", "Only this protocol build", text()),
                    param("bookmarked", "Only bookmarked runs", flag()),
                    param("sort", "Order", json!({"type": "string", "enum": ["newest", "oldest", "errors", "latency_p95"], "default": "newest"})),
                    param("after", "Cursor: the previous page's next", text()),
                    param("limit", "Rows (1–500)", json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 100})),
                ],
                "responses": ok("A page of runs", schema("RunPage")),
            }},
            "/api/runs/{id}": {"get": {
                "summary": "One run with both logs and their summaries", "operationId": "getRun",
                "parameters": [run_id],
                "responses": ok("The run", json!({"type": "object"})),
            }},
            "/api/runs/{id}/bookmark": {
                "put": {"summary": "Bookmark a run, with an optional note", "operationId": "putBookmark",
                    "parameters": [run_id],
                    "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"note": text()}}}}},
                    "responses": {"204": {"description": "Bookmarked"}, "404": {"$ref": "#/components/responses/NotFound"}}},
                "delete": {"summary": "Remove a bookmark", "operationId": "deleteBookmark",
                    "parameters": [run_id],
                    "responses": {"204": {"description": "Removed"}, "404": {"$ref": "#/components/responses/NotFound"}}},
            },
            "/api/runs/{id}/logs/{log}/series": {"get": {
                "summary": "A metric's points; reduced to min/max per bucket unless full=true", "operationId": "getSeries",
                "parameters": [run_id, log,
                    param("metric", "Metric", json!({"type": "string", "enum": ["latency", "decode_time", "encode_time", "encode_size"], "default": "latency"})),
                    param("width", "Buckets when reducing (1–10000)", json!({"type": "integer", "default": 1000})),
                    param("full", "Every point", flag()),
                    param("from", "Start of the time window (s)", json!({"type": "number"})),
                    param("to", "End of the time window (s)", json!({"type": "number"}))],
                "responses": ok("The series", schema("Series")),
            }},
            "/api/runs/{id}/logs/{log}/lines": {"get": {
                "summary": "Lines of a log by line number, filtered by level and text", "operationId": "getLines",
                "parameters": [run_id, log,
                    param("from", "First line number (1-based)", int()),
                    param("limit", "Lines (1–5000)", int()),
                    param("level", "DEBUG, INFO, WARNING, ERROR (comma-separated)", text()),
                    param("q", "Case-insensitive text to look for", text())],
                "responses": ok("A page of lines", schema("LinePage")),
            }},
            "/api/runs/{id}/logs/{log}/raw": {"get": {
                "summary": "The log as stored; honours a single Range", "operationId": "getRaw",
                "parameters": [run_id, log, param("download", "Send as an attachment", flag())],
                "responses": {"200": {"description": "The log", "content": {"text/plain": {}}},
                              "206": {"description": "Part of the log"},
                              "416": {"description": "Range not satisfiable"}},
            }},
            "/api/runs/{id}/logs/{log}/live": {"get": {
                "summary": "Websocket: follow a live log. Messages (JSON): start {last_seq, sealed}, lines {lines: [{seq, t, s, x}]}, lagging {behind}, gap {from, to, reason}, sealed {last_seq, exit_code}",
                "operationId": "followLive",
                "parameters": [run_id, log, param("from", "First seq wanted (default 1)", int()), param("last", "Or: start with the last N lines", int())],
                "responses": {"101": {"description": "Switching to the websocket"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}},
            }},
            "/api/live/runs": {"post": {
                "summary": "Start a live task run (producer token required)", "operationId": "createLiveRun",
                "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {
                    "name": text(), "command": nullable("string"), "labels": {"type": "array", "items": {"type": "array", "items": text()}}}}}}},
                "responses": {"201": {"description": "The run and the log to stream into", "content": {"application/json": {"schema": {"type": "object", "properties": {"run": int(), "log": text(), "last_seq": int()}}}}},
                              "400": {"$ref": "#/components/responses/BadRequest"}, "401": {"description": "No or wrong token"}},
            }},
            "/api/live/runs/{id}/logs/{log}/ingest": {"get": {
                "summary": "Websocket for the producer (token required): server sends ready {last_seq}, then ack {seq} per lines {lines}; finish {exit_code, last_seq} seals the log (sealed {last_seq})",
                "operationId": "ingestLive", "security": [{"bearer": []}],
                "parameters": [run_id, log],
                "responses": {"101": {"description": "Switching to the websocket"}, "401": {"description": "No or wrong token"}, "404": {"$ref": "#/components/responses/NotFound"}, "409": {"description": "The run has finished"}},
            }},
            "/api/totals": {"get": {"summary": "Totals over all runs", "operationId": "getTotals",
                "responses": ok("Totals", json!({"type": "object"}))}},
            "/api/jobs": {"get": {"summary": "Indexing jobs by state and the latest failures", "operationId": "getJobs",
                "responses": ok("Job status", json!({"type": "object"}))}},
            "/api/events/stream": {"get": {"summary": "Server-sent events: every event after a seq, then new ones as they happen (SSE id = seq; Last-Event-ID resumes)", "operationId": "streamEvents",
                "parameters": [param("after", "Last seq seen (0: from the start; `now`: only new events)", text())],
                "responses": {"200": {"description": "text/event-stream; event = topic, data = the event as JSON", "content": {"text/event-stream": {}}}, "400": {"$ref": "#/components/responses/BadRequest"}}}},
            "/api/events": {"get": {"summary": "Events after a sequence number, oldest first", "operationId": "getEvents",
                "parameters": [param("after", "Last seq seen (0: from the start)", int()), param("limit", "Events (1–1000)", int())],
                "responses": ok("Events", json!({"type": "array", "items": schema("Event")}))}},
            "/api/bookmarks": {"get": {"summary": "Bookmarked runs, newest first", "operationId": "listBookmarks",
                "responses": ok("Bookmarks", json!({"type": "array"}))}},
            "/api/analytics/templates": {"get": {"summary": "Most common error or warning templates across all logs", "operationId": "topTemplates",
                "parameters": [param("level", "ERROR or WARNING", text()), param("limit", "Templates (1–500)", int())],
                "responses": ok("Templates with line and run counts", json!({"type": "array"}))}},
            "/api/analytics/errors-vs-latency": {"get": {"summary": "Error % against median latency per run, with Pearson and Spearman correlation", "operationId": "errorsVsLatency",
                "responses": ok("Points and correlations", json!({"type": "object"}))}},
            "/api/analytics/latency-histogram": {"get": {"summary": "Distribution of median latency over runs", "operationId": "latencyHistogram",
                "parameters": [param("buckets", "Buckets (1–200)", int())],
                "responses": ok("Histogram", json!({"type": "object"}))}},
            "/api/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "operationId": "metrics",
                "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {}}}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A producer token (--ingest-token)"}},
            "responses": {
                "BadRequest": {"description": "A parameter is wrong", "content": {"application/json": {"schema": schema("Error")}}},
                "NotFound": {"description": "No such thing", "content": {"application/json": {"schema": schema("Error")}}},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": text()}},
                "RunPage": {"type": "object", "properties": {"rows": {"type": "array", "items": schema("Run")}, "next": nullable("string")}},
                "Run": {"type": "object", "properties": {
                    "id": int(),
                    "kind": {"type": "string", "enum": ["connection", "task"]},
                    "status": {"type": "string", "enum": ["imported", "live", "succeeded", "failed", "lost"]},
                    "exit_code": nullable("integer"), "command": nullable("string"),
                    "output_log": nullable("string"),
                    "output_state": {"type": "string", "enum": ["missing", "pending", "indexed", "failed"]},
                    "username": nullable("string"), "ip": text(), "last_updated": text(), "updated_at": int(),
                    "version": nullable("string"), "client_log": nullable("string"), "server_log": nullable("string"),
                    "client_state": {"type": "string", "enum": ["missing", "pending", "indexed", "failed"]},
                    "server_state": {"type": "string", "enum": ["missing", "pending", "indexed", "failed"]},
                    "lines": nullable("integer"), "errors": nullable("integer"), "warnings": nullable("integer"),
                    "error_pct": nullable("number"), "latency_p50": nullable("number"), "latency_p95": nullable("number"),
                    "sparkline": {"type": "array", "items": {"type": "number"}}, "bookmarked": flag()}},
                "Series": {"type": "object", "properties": {
                    "metric": text(), "unit": text(), "total": int(), "downsampled": flag(),
                    "points": {"type": "array", "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}},
                    "stats": stats}},
                "LinePage": {"type": "object", "properties": {
                    "total": int(), "next": nullable("integer"),
                    "lines": {"type": "array", "items": {"type": "object", "properties": {"n": int(), "level": nullable("string"), "text": text()}}}}},
                "Event": {"type": "object", "properties": {"seq": int(), "time_ms": int(), "topic": text(), "payload": {}}},
            },
        },
    })
}

/// `GET /api/openapi.json`
pub async fn serve() -> Json<Value> {
    Json(document())
}
