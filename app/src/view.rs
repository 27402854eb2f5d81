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
    /// Reads the state from query parameters (unknown or bad values are
    /// ignored: a hand-edited link still opens).
    pub fn from_pairs<'a>(get: impl Fn(&str) -> Option<String> + 'a) -> View {
        let flag = |k: &str| get(k).is_some_and(|v| v == "1" || v == "true");
        let text = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let missing = text("missing").unwrap_or_default();
        View {
            user: text("user").unwrap_or_default(),
            template: get("template")
                .filter(|t| !t.trim().is_empty())
                .map(|template| TemplateRef {
                    level: text("template_level")
                        .and_then(|l| l.to_ascii_uppercase().parse().ok())
                        .filter(|l| *l == Level::Warning)
                        .unwrap_or(Level::Error),
                    template,
                }),
            has_errors: flag("has_errors"),
            missing_client: missing.split(',').any(|m| m.parse() == Ok(LogName::Client)),
            missing_server: missing.split(',').any(|m| m.parse() == Ok(LogName::Server)),
            bookmarked: flag("bookmarked"),
            version: text("version"),
            outliers: flag("outliers"),
            sort: text("sort")
                .and_then(|s| s.parse().ok())
                .unwrap_or_default(),
            run: text("run").and_then(|r| r.parse().ok()).filter(|r| *r > 0),
            log: text("log").and_then(|l| l.parse().ok()),
            line: text("line").and_then(|l| l.parse().ok()).filter(|l| *l > 0),
            level: text("level").and_then(|l| l.to_ascii_uppercase().parse().ok()),
            find: text("find").unwrap_or_default(),
            zoom: text("zoom").and_then(|z| {
                let (a, b) = z.split_once('_')?;
                let (a, b): (f64, f64) = (a.parse().ok()?, b.parse().ok()?);
                (a.is_finite() && b.is_finite() && a < b).then_some((a, b))
            }),
            page: match (text("history"), text("page").as_deref()) {
                (Some(user), _) => Page::History(user),
                (None, Some("builds")) => Page::Builds,
                _ => Page::Runs,
            },
            baseline: text("baseline"),
        }
    }

    /// The query string (without `?`) that restores this state; defaults
    /// are left out.
    pub fn to_query(&self) -> String {
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
            pairs.push(("has_errors", "1".into()));
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
            pairs.push(("bookmarked", "1".into()));
        }
        if let Some(v) = &self.version {
            pairs.push(("version", v.clone()));
        }
        if self.outliers {
            pairs.push(("outliers", "1".into()));
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
        let q = list.to_query();
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

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> View {
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
        View::from_pairs(move |k| pairs.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone()))
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
            "/api/runs/export?format=csv&user=ann&has_errors=1&sort=oldest"
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
    fn bad_values_are_ignored() {
        let v = parse("run=abc&sort=sideways&line=-4&log=middle&zoom=5_1&level=LOUD");
        assert_eq!(v, View::default());
    }
}
