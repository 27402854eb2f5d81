//! The dashboard's state, all of it in the URL's query string, so reload,
//! back and shared links restore the same view.

use model::{ExportFormat, Level, LogName, RunQuery, Sort, TemplateRef};

/// What the page's main area shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Page {
    /// The run table and the selected run.
    #[default]
    Runs,
    /// Every protocol build, compared (`page=builds`).
    Builds,
    /// One user's sessions over time (`history=NAME`).
    History(String),
    /// Producer tokens and the audit trail, for admins (`page=admin`).
    Admin,
}

/// Everything the page shows that a link should restore.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// Search: a piece of a username, the start of an IP, or an id.
    pub user: String,
    /// Only runs with this error or warning template.
    pub template: Option<TemplateRef>,
    /// Only runs with errors.
    pub has_errors: bool,
    /// Only runs missing their client log.
    pub missing_client: bool,
    /// Only runs missing their server log.
    pub missing_server: bool,
    /// Only bookmarked runs.
    pub bookmarked: bool,
    /// Only this protocol build.
    pub version: Option<String>,
    /// Only sessions that are outliers of their build.
    pub outliers: bool,
    /// Order of the table.
    pub sort: Sort,
    /// The selected run.
    pub run: Option<i64>,
    /// The log open in the viewer.
    pub log: Option<LogName>,
    /// The line selected in the viewer.
    pub line: Option<u64>,
    /// Level shown in the viewer (`ERROR`, `WARNING`…), or all.
    pub level: Option<Level>,
    /// Text searched in the viewer.
    pub find: String,
    /// Chart time window (seconds since the log's start).
    pub zoom: Option<(f64, f64)>,
    /// What the main area shows.
    pub page: Page,
    /// The build the builds view compares every other with (else each
    /// with the one before it).
    pub baseline: Option<String>,
}

impl View {
    /// Reads the state from query parameters (bad values are ignored, so a
    /// hand-edited link still opens; [`View::ignored`] says which).
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<String> + 'a) -> View {
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let flag = |k: &str| text(k).and_then(|v| parse::flag(&v)).unwrap_or(false);
        let missing = text("missing").unwrap_or_default();
        let missing = parse::missing(&missing).unwrap_or_default();
        View {
            user: text("user").unwrap_or_default(),
            template: get("template")
                .filter(|t| !t.trim().is_empty())
                .map(|template| TemplateRef {
                    level: text("template_level")
                        .and_then(|l| parse::template_level(&l))
                        .unwrap_or(Level::Error),
                    template,
                }),
            has_errors: flag("has_errors"),
            missing_client: missing.contains(&LogName::Client),
            missing_server: missing.contains(&LogName::Server),
            bookmarked: flag("bookmarked"),
            version: text("version"),
            outliers: flag("outliers"),
            sort: text("sort")
                .and_then(|s| s.parse().ok())
                .unwrap_or_default(),
            run: text("run").and_then(|r| parse::positive(&r)),
            log: text("log").and_then(|l| l.parse().ok()),
            line: text("line")
                .and_then(|l| parse::positive(&l))
                .map(|l: i64| l as u64),
            level: text("level").and_then(|l| l.to_ascii_uppercase().parse().ok()),
            find: text("find").unwrap_or_default(),
            zoom: text("zoom").and_then(|z| parse::zoom(&z)),
            page: match (text("history"), text("page").as_deref()) {
                (Some(user), _) => Page::History(user),
                (None, Some("builds")) => Page::Builds,
                (None, Some("admin")) => Page::Admin,
                _ => Page::Runs,
            },
            baseline: text("baseline"),
        }
    }

    /// The parameters of a link that were given but not understood, each as
    /// `key=value` with what was expected, in a fixed order: the page
    /// says what it ignored rather than quietly showing something else.
    pub fn ignored(get: impl Fn(&str) -> Option<String>) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        for (key, check, expected) in parse::CHECKS {
            let Some(raw) = get(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            else {
                continue;
            };
            if !check(&raw) {
                let shown: String = raw.chars().take(40).collect();
                out.push((format!("{key}={shown}"), *expected));
            }
        }
        out
    }

    /// The query string (without `?`) that restores this state; defaults
    /// are left out.
    pub fn to_query(&self) -> String {
        self.query_with("1")
    }

    /// [`View::to_query`] with flags written as `on` (the page's own URL
    /// writes `1`; the API takes `true`).
    fn query_with(&self, on: &str) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.user.is_empty() {
            pairs.push(("user", self.user.clone()));
        }
        if let Some(t) = &self.template {
            pairs.push(("template", t.template.clone()));
            if t.level != Level::Error {
                pairs.push(("template_level", t.level.as_str().into()));
            }
        }
        if self.has_errors {
            pairs.push(("has_errors", on.into()));
        }
        let mut missing = String::new();
        for (on, log) in [
            (self.missing_client, LogName::Client),
            (self.missing_server, LogName::Server),
        ] {
            if on {
                if !missing.is_empty() {
                    missing.push(',');
                }
                missing.push_str(log.as_str());
            }
        }
        if !missing.is_empty() {
            pairs.push(("missing", missing));
        }
        if self.bookmarked {
            pairs.push(("bookmarked", on.into()));
        }
        if let Some(v) = &self.version {
            pairs.push(("version", v.clone()));
        }
        if self.outliers {
            pairs.push(("outliers", on.into()));
        }
        if self.sort != Sort::default() {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if let Some(r) = self.run {
            pairs.push(("run", r.to_string()));
        }
        if let Some(l) = self.log {
            pairs.push(("log", l.as_str().into()));
        }
        if let Some(l) = self.line {
            pairs.push(("line", l.to_string()));
        }
        if let Some(l) = &self.level {
            pairs.push(("level", l.as_str().into()));
        }
        if !self.find.is_empty() {
            pairs.push(("find", self.find.clone()));
        }
        if let Some((a, b)) = self.zoom {
            pairs.push(("zoom", format!("{a:.3}_{b:.3}")));
        }
        match &self.page {
            Page::Runs => {}
            Page::Builds => pairs.push(("page", "builds".into())),
            Page::Admin => pairs.push(("page", "admin".into())),
            Page::History(user) => pairs.push(("history", user.clone())),
        }
        if let Some(b) = &self.baseline {
            pairs.push(("baseline", b.clone()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The path and query of this state.
    pub fn href(&self) -> String {
        let q = self.to_query();
        if q.is_empty() {
            "/".into()
        } else {
            format!("/?{q}")
        }
    }

    /// The link to this state after `change` (for an `<a href>` that works
    /// before the app has started, and that a click turns into `Nav::push`).
    pub fn href_after(&self, change: impl FnOnce(&mut View)) -> String {
        let mut v = self.clone();
        change(&mut v);
        v.href()
    }

    /// The export of every run this state lists (its filters, search and
    /// sort), as a file in `format`.
    pub fn export_href(&self, format: ExportFormat) -> String {
        let list = View {
            user: self.user.clone(),
            template: self.template.clone(),
            has_errors: self.has_errors,
            missing_client: self.missing_client,
            missing_server: self.missing_server,
            bookmarked: self.bookmarked,
            version: self.version.clone(),
            outliers: self.outliers,
            sort: self.sort,
            ..View::default()
        };
        let q = list.query_with("true");
        let sep = if q.is_empty() { "" } else { "&" };
        format!("/api/runs/export?format={format}{sep}{q}")
    }

    /// The run list this state shows, from `after`.
    pub fn run_query(&self, after: Option<String>, limit: u32) -> RunQuery {
        RunQuery {
            user: (!self.user.is_empty()).then(|| self.user.clone()),
            template: self.template.clone(),
            has_errors: self.has_errors,
            missing_client: self.missing_client,
            missing_server: self.missing_server,
            version: self.version.clone(),
            bookmarked: self.bookmarked,
            outliers: self.outliers,
            sort: self.sort,
            after,
            limit,
        }
    }
}

/// What a query value keeps as it is: letters, digits and `-_.~,@` (the
/// last two keep lists and usernames readable in the address bar).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',')
    .remove(b'@');

/// The readings of the parameters that are not free text.
mod parse {
    use model::{Level, LogName, Sort};

    /// A flag: `1`/`true` on, `0`/`false` off.
    pub fn flag(v: &str) -> Option<bool> {
        match v {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }
    }

    /// A template's level: only errors and warnings have templates.
    pub fn template_level(v: &str) -> Option<Level> {
        v.to_ascii_uppercase()
            .parse()
            .ok()
            .filter(|l| matches!(l, Level::Error | Level::Warning))
    }

    /// `client`, `server` or both, comma-separated.
    pub fn missing(v: &str) -> Option<Vec<LogName>> {
        v.split(',')
            .map(|m| {
                m.trim()
                    .parse()
                    .ok()
                    .filter(|l| matches!(l, LogName::Client | LogName::Server))
            })
            .collect()
    }

    /// A whole number from 1.
    pub fn positive(v: &str) -> Option<i64> {
        v.parse().ok().filter(|n| *n > 0)
    }

    /// A chart window `FROM_TO` in seconds.
    pub fn zoom(z: &str) -> Option<(f64, f64)> {
        let (a, b) = z.split_once('_')?;
        let (a, b): (f64, f64) = (a.parse().ok()?, b.parse().ok()?);
        (a.is_finite() && b.is_finite() && a < b).then_some((a, b))
    }

    /// Each parameter with a form, how to check it, and what it must be.
    pub(super) type Check = (&'static str, fn(&str) -> bool, &'static str);

    pub(super) const CHECKS: &[Check] = &[
        (
            "sort",
            |v| v.parse::<Sort>().is_ok(),
            "an order: newest, oldest, errors or latency_p95",
        ),
        ("run", |v| positive(v).is_some(), "a run id"),
        (
            "log",
            |v| v.parse::<LogName>().is_ok(),
            "a log: client, server or output",
        ),
        ("line", |v| positive(v).is_some(), "a line number"),
        (
            "level",
            |v| v.to_ascii_uppercase().parse::<Level>().is_ok(),
            "a level: ERROR, WARNING, INFO or DEBUG",
        ),
        (
            "template_level",
            |v| template_level(v).is_some(),
            "ERROR or WARNING",
        ),
        (
            "missing",
            |v| missing(v).is_some(),
            "client, server or both",
        ),
        ("has_errors", |v| flag(v).is_some(), "1 or 0"),
        ("bookmarked", |v| flag(v).is_some(), "1 or 0"),
        ("outliers", |v| flag(v).is_some(), "1 or 0"),
        ("zoom", |v| zoom(v).is_some(), "a window FROM_TO in seconds"),
        (
            "page",
            |v| matches!(v, "builds" | "runs" | "admin"),
            "builds, runs or admin",
        ),
    ];
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of each parameter of query string `q`, decoded.
    fn lookup(q: &str) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = q
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                let v = percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap();
                (k.to_string(), v.into_owned())
            })
            .collect();
        move |k| pairs.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone())
    }

    fn parse(q: &str) -> View {
        View::from_pairs(lookup(q))
    }

    #[test]
    fn round_trips_through_the_query_string() {
        let v = View {
            user: "noah smith&co".into(),
            template: Some(TemplateRef {
                level: Level::Warning,
                template: "decode <*> took <*> ms: 50% & more".into(),
            }),
            has_errors: true,
            missing_client: true,
            bookmarked: true,
            version: Some("1A32".into()),
            sort: Sort::LatencyP95,
            run: Some(28770),
            log: Some(LogName::Server),
            line: Some(120),
            level: Some(Level::Error),
            find: "disk full".into(),
            zoom: Some((1.5, 20.25)),
            outliers: true,
            page: Page::Builds,
            baseline: Some("1A 32".into()),
            ..View::default()
        };
        assert_eq!(parse(&v.to_query()), v);
        let h = View {
            page: Page::History("Noah Smith & co".into()),
            ..View::default()
        };
        assert_eq!(parse(&h.to_query()), h);
        assert_eq!(View::default().href(), "/");
    }

    #[test]
    fn an_export_takes_the_list_s_parameters_only() {
        let v = parse("user=ann&has_errors=1&sort=oldest&run=5&log=client&line=9&find=x");
        assert_eq!(
            v.export_href(ExportFormat::Csv),
            "/api/runs/export?format=csv&user=ann&has_errors=true&sort=oldest"
        );
        assert_eq!(
            View::default().export_href(ExportFormat::Jsonl),
            "/api/runs/export?format=jsonl"
        );
    }

    #[test]
    fn a_template_is_an_error_unless_it_says_warning() {
        let v = parse("template=disk%20full&template_level=info");
        assert_eq!(v.template.as_ref().map(|t| t.level), Some(Level::Error));
        assert_eq!(v.to_query(), "template=disk%20full");
        let v = parse("template_level=WARNING");
        assert_eq!(v.template, None);
    }

    #[test]
    fn bad_values_are_ignored_and_named() {
        let q = "run=abc&sort=sideways&line=-4&log=middle&zoom=5_1&level=LOUD&has_errors=yes&missing=client,nope&page=x";
        let v = parse(q);
        assert_eq!(v, View::default());
        let ignored: Vec<String> = View::ignored(lookup(q))
            .into_iter()
            .map(|(kv, _)| kv)
            .collect();
        assert_eq!(
            ignored,
            [
                "sort=sideways",
                "run=abc",
                "log=middle",
                "line=-4",
                "level=LOUD",
                "missing=client,nope",
                "has_errors=yes",
                "zoom=5_1",
                "page=x"
            ]
        );
        // Good values, and free text, are not named.
        let good = "sort=oldest&run=7&log=server&level=error&has_errors=0&missing=server&user=%25&page=builds";
        assert!(View::ignored(lookup(good)).is_empty());
    }
}
