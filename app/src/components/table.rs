//! The run table: virtualised (only rows in view are in the DOM) and
//! endless (the next page is fetched before the user reaches the end).

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::columns::{ColumnChooser, Columns};
use super::detail::StatusBadge;
use super::format::{Time, group_thousands, ms, pct};
use super::nav::Nav;
use super::virtual_list::VirtualList;
use crate::api::list_runs;
use crate::client::get_json;
use model::{
    ExportFormat, LogName, LogState, MatchCount, Run, RunDetail, RunKind, RunPage, RunStatus, Sort,
    Topic,
};

/// Height of one row in pixels (as the stylesheet's `table.runs td`).
const ROW_H: f64 = 34.0;
/// Rows in the first page (rendered by the server).
const FIRST_PAGE: u32 = 100;
/// Rows per page after the first.
const PAGE: u32 = 200;
/// Rows rendered beyond each edge of the viewport.
const OVERSCAN: usize = 12;
/// Fetch the next page when the end is this many rows away.
const PREFETCH: usize = 150;
/// Viewport height assumed before the browser measures it.
const DEFAULT_VIEWPORT: f64 = 720.0;

/// The loaded rows, shared with the keyboard handler.
#[derive(Clone, Copy)]
pub struct Rows {
    first: RwSignal<Vec<Run>>,
    more: RwSignal<Vec<Run>>,
}

impl Rows {
    /// Rows loaded so far.
    pub fn len(&self) -> usize {
        self.first.with(Vec::len) + self.more.with(Vec::len)
    }

    /// Whether nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn slice(&self, a: usize, b: usize) -> Vec<(usize, Run)> {
        let n_first = self.first.with(Vec::len);
        let mut out = Vec::with_capacity(b.saturating_sub(a));
        if a < n_first {
            self.first.with(|rows| {
                out.extend(
                    rows[a..b.min(n_first)]
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(i, r)| (a + i, r)),
                );
            });
        }
        let (ma, mb) = (a.max(n_first) - n_first, b.saturating_sub(n_first));
        if ma < mb {
            self.more.with(|m| {
                let mb = mb.min(m.len());
                if ma < mb {
                    out.extend(
                        m[ma..mb]
                            .iter()
                            .cloned()
                            .enumerate()
                            .map(|(i, r)| (n_first + ma + i, r)),
                    );
                }
            });
        }
        out
    }

    /// Position of run `id` among the loaded rows.
    pub fn position(&self, id: i64) -> Option<usize> {
        let in_first = self
            .first
            .with_untracked(|rows| rows.iter().position(|r| r.id == id));
        in_first.or_else(|| {
            let n_first = self.first.with_untracked(Vec::len);
            self.more
                .with_untracked(|m| m.iter().position(|r| r.id == id))
                .map(|i| i + n_first)
        })
    }

    /// The run at `i`.
    pub fn at(&self, i: usize) -> Option<Run> {
        self.slice(i, i + 1).pop().map(|(_, r)| r)
    }

    /// Replaces the loaded row of `run`'s id; `false` if it is not loaded.
    fn update(&self, run: &Run) -> bool {
        let mut found = false;
        for list in [self.first, self.more] {
            if found {
                break;
            }
            let at = list.with_untracked(|rows| rows.iter().position(|r| r.id == run.id));
            if let Some(i) = at {
                list.update(|rows| rows[i] = run.clone());
                found = true;
            }
        }
        found
    }
}

/// Runs, newest first (or as sorted), filtered as the URL says.
#[component]
pub fn RunTable() -> impl IntoView {
    let nav = Nav::get();
    let filter = Memo::new(move |_| nav.view.with(|v| v.run_query(None, FIRST_PAGE)));
    let first_res = Resource::new(move || filter.get(), list_runs);
    Columns::provide();
    view! {
        <section class="runs-pane" aria-label="Runs">
            <Transition fallback=|| view! { <p class="table-state muted">"Loading runs…"</p> }>
                {move || Suspend::new(async move {
                    match first_res.await {
                        Ok(page) => view! { <TableBody page/> }.into_any(),
                        Err(e) => view! {
                            <p class="table-state error" role="alert">{format!("Could not load runs: {e}")}</p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The pages after the first: where the next one starts, whether one is
/// loading, and why the last one failed.
#[derive(Clone, Copy)]
struct Pages {
    /// The first page's cursor (rendered by the server).
    first_next: StoredValue<Option<String>>,
    /// The latest page's cursor; `None` while only the first is loaded.
    next: RwSignal<Option<Option<String>>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl Pages {
    fn new(first_next: Option<String>) -> Pages {
        Pages {
            first_next: StoredValue::new(first_next),
            next: RwSignal::new(None),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Where the next page starts; `None` after the last.
    fn cursor(&self) -> Option<String> {
        match self.next.get() {
            Some(n) => n,
            None => self.first_next.get_value(),
        }
    }

    fn has_more(&self) -> bool {
        self.cursor().is_some()
    }

    /// Fetches the next page into `rows`, unless one is loading or none is
    /// left.
    fn load_more(self, nav: Nav, rows: Rows) {
        let Some(after) = self.cursor() else { return };
        if self.loading.get_untracked() {
            return;
        }
        self.loading.set(true);
        self.error.set(None);
        let query = nav.view.get_untracked().run_query(Some(after), PAGE);
        spawn_local(async move {
            match list_runs(query).await {
                Ok(page) => {
                    rows.more.update(|m| m.extend(page.rows));
                    self.next.set(Some(page.next));
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
            self.loading.set(false);
        });
    }
}

/// Runs that arrived from an inventory after the list was loaded, and
/// match it: offered above a newest-first list as "N new sessions" rather
/// than pushed in while the reader reads.
#[derive(Clone, Copy)]
struct Arrivals {
    /// The new rows, newest first (at most a first page of them).
    rows: RwSignal<Vec<Run>>,
    /// Whether a count is planned or running.
    planned: StoredValue<bool>,
}

/// Least time between two counts of new runs while they keep arriving.
const ARRIVALS_EVERY_MS: u64 = 1500;

impl Arrivals {
    fn new() -> Arrivals {
        Arrivals {
            rows: RwSignal::new(Vec::new()),
            planned: StoredValue::new(false),
        }
    }

    /// Counts, after [`ARRIVALS_EVERY_MS`], the runs of the list's query
    /// newer than its top row and not loaded (one count at a time).
    fn plan(self, nav: Nav, rows: Rows) {
        if self.planned.get_value() {
            return;
        }
        self.planned.set_value(true);
        set_timeout(
            move || {
                let query = nav.view.get_untracked().run_query(None, FIRST_PAGE);
                spawn_local(async move {
                    if let Ok(page) = list_runs(query).await {
                        let top = rows.at(0).map(|r| (r.updated_at, r.id));
                        let new: Vec<Run> = page
                            .rows
                            .into_iter()
                            .filter(|r| top.is_none_or(|t| (r.updated_at, r.id) > t))
                            .filter(|r| rows.position(r.id).is_none())
                            .collect();
                        self.rows.set(new);
                    }
                    self.planned.set_value(false);
                });
            },
            std::time::Duration::from_millis(ARRIVALS_EVERY_MS),
        );
    }

    /// Puts the new rows on top: in view when the reader is at the top,
    /// above the rows in view (which stay where they are) otherwise.
    fn show(self, rows: Rows, list: VirtualList) {
        let new = self.rows.get_untracked();
        if new.is_empty() {
            return;
        }
        let n = new.len();
        rows.first.update(|r| {
            r.splice(0..0, new);
        });
        list.shift(n);
        self.rows.set(Vec::new());
    }
}

/// "N new sessions" above the list, while there are any.
#[component]
fn NewRuns(arrivals: Arrivals, rows: Rows, list: VirtualList) -> impl IntoView {
    move || {
        let n = arrivals.rows.with(Vec::len);
        (n > 0).then(|| {
            let more = if n >= FIRST_PAGE as usize { "+" } else { "" };
            let noun = if n == 1 { "session" } else { "sessions" };
            view! {
                <button class="new-runs" data-testid="new-runs" aria-live="polite"
                    on:click=move |_| arrivals.show(rows, list)>
                    {format!("\u{2191} {n}{more} new {noun}")}
                    <span class="muted">" \u{2014} show them"</span>
                </button>
            }
        })
    }
}

/// Follows the page's event feed (opened from `event_seq` if it is not
/// open yet): a run the feed names is read again and its row replaced; in
/// the unfiltered newest-first list a new task run goes on top, and the rows
/// in view stay where they are; runs that arrive from an inventory are
/// counted for a newest-first list and offered ([`Arrivals`]).
fn follow_feed(
    rows: Rows,
    list: VirtualList,
    event_seq: i64,
    default_view: bool,
    arrivals: Arrivals,
) {
    let nav = Nav::get();
    let on_event = move |e: model::Event| {
        if let Topic::RunsAdded(_) = e.topic {
            if nav.view.with_untracked(|v| v.sort == Sort::Newest) {
                arrivals.plan(nav, rows);
            }
            return;
        }
        let id = e.topic.run_id();
        let started = matches!(e.topic, Topic::RunStarted(_));
        spawn_local(async move {
            let Ok(d) = get_json::<RunDetail>(format!("/api/runs/{id}")).await else {
                return;
            };
            if rows.update(&d.run) || !started || !default_view {
                return;
            }
            rows.first.update(|r| r.insert(0, d.run));
            list.shift(1);
        });
    };
    super::feed::Feed::get().listen(event_seq, Callback::new(on_event));
}

/// The rows of one filter: the first page as rendered by the server, then
/// pages fetched as the reader scrolls.
#[component]
fn TableBody(page: RunPage) -> impl IntoView {
    let nav = Nav::get();
    let event_seq = page.event_seq;
    let matches = page.matches;
    let empty = page.rows.is_empty();
    let pages = Pages::new(page.next.clone());
    let rows = Rows {
        first: RwSignal::new(page.rows),
        more: RwSignal::new(Vec::new()),
    };
    provide_context(rows);

    let list = VirtualList::new(ROW_H, DEFAULT_VIEWPORT, OVERSCAN);
    Effect::new(move |_| list.measure());
    // Removed with the list: a resize after the list was replaced (another
    // filter, another page) must not reach it.
    let resize = window_event_listener(leptos::ev::resize, move |_| list.measure());
    on_cleanup(move || resize.remove());

    // Fetch ahead of the reader.
    Effect::new(move |_| {
        let (_, end) = list.window();
        if end + PREFETCH > rows.len()
            && pages.has_more()
            && !pages.loading.get()
            && pages.error.get().is_none()
        {
            pages.load_more(nav, rows);
        }
    });

    // Keep the selected row in view when it changes by keyboard.
    let selected = Memo::new(move |_| nav.view.with(|v| v.run));
    // The head of the table sticks to the top of the scrolled element: a
    // row is kept clear of it, and of the bottom edge.
    provide_context(ScrollTo(Callback::new(move |i: usize| {
        let head = list
            .scroller
            .get_untracked()
            .and_then(|el| el.query_selector("thead").ok().flatten())
            .map_or(0.0, |h| f64::from(h.client_height()));
        list.keep_in_view_below(i, head)
    })));

    // New and finished runs, and logs indexed, show without a reload.
    let default_view = nav.view.with_untracked(|v| {
        v.run_query(None, 1)
            == model::RunQuery {
                limit: 1,
                ..Default::default()
            }
    });
    let arrivals = Arrivals::new();
    follow_feed(rows, list, event_seq, default_view, arrivals);

    let visible = move || {
        let r = list.range(rows.len());
        rows.slice(r.start, r.end)
    };
    let top_pad = move || list.pad_before(rows.len());
    let bottom_pad = move || list.pad_after(rows.len());

    let p95 = Memo::new(move |_| nav.view.with(|v| v.sort == Sort::LatencyP95));
    let latency_label = Signal::derive(move || {
        if p95.get() {
            "p95 latency"
        } else {
            "p50 latency"
        }
    });
    let cols = expect_context::<Columns>();
    let beside = Memo::new(move |_| nav.view.with(|v| v.run.is_some()));
    let filtered = nav.view.with_untracked(|v| {
        v.run_query(None, 1)
            != model::RunQuery {
                limit: 1,
                ..Default::default()
            }
    });
    view! {
            <NewRuns arrivals rows list/>
            <div
                class="table-scroll"
                node_ref=list.scroller
                data-testid="table-scroll"
                on:scroll=move |_| list.measure()
            >
                <table class=move || cols.hidden(beside.get()).classes() data-testid="runs">
                    <thead>
                        <tr>
                            <th class="num k-id">"connection"</th>
                            <th class="k-user">"user"</th>
                            <th class="k-ip">"ip"</th>
                            <SortHeader label="last updated (UTC)" by=[Sort::Newest, Sort::Oldest] class="k-time"/>
                            <th class="k-version">"version"</th>
                            <th class="k-client">"client log"</th>
                            <th class="k-server">"server log"</th>
                            <SortHeader label="errors" by=[Sort::Errors, Sort::Errors] num=true class="k-errors"/>
                            <th class="num k-warnings">"warnings"</th>
                            <SortHeader label=latency_label by=[Sort::LatencyP95, Sort::LatencyP95] num=true class="k-lat"/>
                            <th class="k-spark">"latency"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr class="spacer" aria-hidden="true" style:height=top_pad></tr>
                        <For
                            each=visible
                            key=|(i, r)| (*i, r.id, r.bookmarked, r.client_state, r.server_state, r.status, r.output_state, r.lines)
                            children=move |(_, r)| view! { <Row run=r selected=selected p95=p95/> }
                        />
                        <tr class="spacer" aria-hidden="true" style:height=bottom_pad></tr>
                    </tbody>
                </table>
                {empty.then(|| view! {
                    <p class="table-state empty" data-testid="empty">
                        {if filtered { "No run matches these filters." } else { "No runs yet. Import an inventory with `logdeck import FILE`." }}
                    </p>
                })}
            </div>
            <super::Keys/>
            <TableFooter rows pages matches cols beside/>
    }
}

/// How many rows are loaded, whether more are coming, and a retry when
/// loading failed.
#[component]
fn TableFooter(
    rows: Rows,
    pages: Pages,
    matches: Option<MatchCount>,
    cols: Columns,
    beside: Memo<bool>,
) -> impl IntoView {
    let nav = Nav::get();
    // The whole list's size, for an unfiltered list (a filtered one has its
    // count of matches).
    let all = expect_context::<super::header::PageTotals>().0;
    let of_all = move || {
        if matches.is_some() {
            return String::new();
        }
        match all.get() {
            Some(Ok(t)) => format!("of {} runs", group_thousands(t.connections)),
            _ => String::new(),
        }
    };
    view! {
        <footer class="table-footer">
            // How many runs the search or filters found, over the whole list.
            // An estimate says so, and how it was made.
            {matches.map(|m| {
                let title = m.estimate.then_some(
                    "An estimate from this page and a fixed sample of the whole catalog; counting every match would take longer than the page",
                );
                view! {
                    <strong class="matches" class:estimate=m.estimate data-testid="matches" title=title>
                        {m.to_string()}
                    </strong>
                }
            })}
            <span class="muted" data-testid="shown">
                {move || format!("{} loaded{}", group_thousands(rows.len() as i64), if pages.has_more() { "" } else { " (all)" })}
            </span>
            <span class="muted" data-testid="of-all">{of_all}</span>
            {move || pages.loading.get().then(|| view! { <span class="muted" data-testid="loading">"loading more…"</span> })}
            <ColumnChooser cols beside/>
            // Every row of this view as a file, streamed by the server.
            <span class="export">
                "Export "
                <a href=move || nav.view.with(|v| v.export_href(ExportFormat::Csv)) download="" rel="external" data-testid="export-csv">"CSV"</a>
                " · "
                <a href=move || nav.view.with(|v| v.export_href(ExportFormat::Jsonl)) download="" rel="external" data-testid="export-jsonl">"JSON Lines"</a>
            </span>
            {move || pages.error.get().map(|e| view! {
                <span class="error" role="alert">{format!("Could not load more: {e} ")}
                    <button on:click=move |_| { pages.error.set(None); pages.load_more(nav, rows); }>"Retry"</button>
                </span>
            })}
        </footer>
    }
}

/// Scrolls the table so row `i` is visible.
#[derive(Clone, Copy)]
pub struct ScrollTo(pub Callback<usize>);

#[component]
fn Row(run: Run, selected: Memo<Option<i64>>, p95: Memo<bool>) -> impl IntoView {
    let nav = Nav::get();
    let id = run.id;
    let is_selected = move || selected.get() == Some(id);
    let errors = count_cell(run.errors, run.lines);
    let warnings = count_cell(run.warnings, run.lines);
    // The column shows the latency the table is sorted by.
    let (p50, p95v) = (run.latency_p50, run.latency_p95);
    let latency = move || {
        if p95.get() { p95v } else { p50 }
            .map(ms)
            .unwrap_or_else(|| "—".into())
    };
    let version = run.version.clone();
    let open = move |v: &mut crate::view::View| {
        v.run = Some(id);
        v.log = None;
        v.line = None;
        v.zoom = None;
    };
    let href = nav.view.with_untracked(|v| v.href_after(open));
    // A session's user leads to their history (a task's name does not).
    let history = run
        .username
        .clone()
        .filter(|u| run.kind != RunKind::Task && !u.trim().is_empty())
        .map(|user| {
            let to = move |v: &mut crate::view::View| {
                v.page = crate::view::Page::History(user.clone());
                v.run = None;
            };
            let href = nav.view.with_untracked(|v| v.href_after(to.clone()));
            view! {
                <a class="to-history" href=href title="Their history" aria-label="Their history" data-testid="to-history"
                    on:click=move |ev| { ev.prevent_default(); ev.stop_propagation(); nav.push(to.clone()) }>"↗"</a>
            }
        });
    view! {
        <tr
            data-connection=id
            class:selected=is_selected
            aria-selected=move || is_selected().to_string()
            on:click=move |_| nav.push(open)
        >
            // A link: Tab reaches each row, and before the app starts a
            // click opens the run from the server.
            <td class="num mono k-id"><a class="row-link" href=href on:click=|ev| ev.prevent_default()>{id}</a> {run.bookmarked.then(|| view! { <span class="star" title="bookmarked">"★"</span> })}</td>
            <td class="ellipsis k-user" title=run.username.clone()>
                {(run.kind == RunKind::Task).then(|| view! { <StatusBadge status=run.status exit_code=run.exit_code/> " " })}
                {run.outlier.map(|m| view! { <span class="badge outlier" data-testid="outlier-badge" title=format!("outlier of its build on {}", m.label())>"outlier"</span> " " })}
                {run.username.clone().unwrap_or_else(|| "—".into())}
                {history}
            </td>
            <td class="mono k-ip" title=run.ip.clone()>{run.ip.clone()}</td>
            <td class="mono k-time"><Time secs=run.updated_at written=run.last_updated.clone()/></td>
            <td class="mono ellipsis k-version" title=version.clone()>{version.clone().unwrap_or_else(|| "—".into())}</td>
            {if run.kind == RunKind::Task {
                view! { <td colspan="2" class="k-client k-server"><OutputCell run=run.clone()/></td> }.into_any()
            } else {
                view! {
                    <td class="k-client"><LogCell run=id name=LogName::Client location=run.client_log.clone() state=run.client_state/></td>
                    <td class="k-server"><LogCell run=id name=LogName::Server location=run.server_log.clone() state=run.server_state/></td>
                }
                .into_any()
            }}
            <td class="num k-errors" class:hot={run.errors.unwrap_or(0) > 0} data-testid="errors">{errors}</td>
            <td class="num k-warnings">{warnings}</td>
            <td class="num mono k-lat" data-testid="latency">{latency}</td>
            <td class="k-spark"><Sparkline values=run.sparkline.clone()/></td>
        </tr>
    }
}

/// A column header that sorts the table: a link (it works before the app
/// starts) that sorts by `by[0]`, or by `by[1]` when already sorted by
/// `by[0]` (newest ⇄ oldest).
#[component]
fn SortHeader(
    #[prop(into)] label: Signal<&'static str>,
    by: [Sort; 2],
    #[prop(optional)] num: bool,
    class: &'static str,
) -> impl IntoView {
    let nav = Nav::get();
    let current = Memo::new(move |_| nav.view.with(|v| v.sort));
    // From the view itself, not the memo: the link follows the view, and
    // when the view changes to another page this header (and its memo) is
    // dropped while the link may still be computed once.
    let next = move |now: Sort| if now == by[0] { by[1] } else { by[0] };
    let aria = move || match current.get() {
        s if s == by[0] => "descending",
        s if s == by[1] => "ascending",
        _ => "none",
    };
    let arrow = move || match aria() {
        "descending" => " ↓",
        "ascending" => " ↑",
        _ => "",
    };
    view! {
        <th class=class class:num=num aria-sort=aria>
            <a
                class="sort-link"
                href=move || nav.view.with(|v| { let to = next(v.sort); v.href_after(|v| v.sort = to) })
                title="Sort by this column"
                on:click=move |ev| { ev.prevent_default(); nav.push(|v| v.sort = next(v.sort)) }
            >
                {move || label.get()}{arrow}
            </a>
        </th>
    }
}

/// `12 (0.4%)` (the share of lines in its own span, which phones leave
/// out), or a dash before indexing.
fn count_cell(n: Option<i64>, lines: Option<i64>) -> impl IntoView {
    let share = match (n, lines) {
        (Some(n), Some(l)) if l > 0 => Some(format!(" ({})", pct(n as f64 * 100.0 / l as f64))),
        _ => None,
    };
    let count = n.map_or_else(|| "—".into(), group_thousands);
    view! { {count} {share.map(|s| view! { <span class="pct">{s}</span> })} }
}

/// A task's output: streaming, being archived, or its archived log.
#[component]
fn OutputCell(run: Run) -> impl IntoView {
    match (&run.output_log, run.status) {
        (Some(loc), _) => view! {
            <LogCell run=run.id name=LogName::Output location=Some(loc.clone()) state=run.output_state/>
        }
        .into_any(),
        (None, RunStatus::Live) => view! { <span class="muted small">"output streaming…"</span> }.into_any(),
        (None, _) => view! { <span class="muted small">"archiving output…"</span> }.into_any(),
    }
}

/// A link to a log, or a clear badge when it is missing or failed.
#[component]
pub fn LogCell(
    run: i64,
    name: LogName,
    location: Option<String>,
    state: LogState,
) -> impl IntoView {
    match (location, state) {
        // Many connections never upload one of their logs: a quiet mark,
        // explained on hover, not an alarm on most rows.
        (None, _) | (_, LogState::Missing) => view! {
            <span class="absent" title=format!(
                "no {} log: this connection did not upload one (the \u{201c}no {} log\u{201d} filter lists them)",
                name.as_str(),
                name.as_str()
            )>"none"</span>
        }
        .into_any(),
        (Some(loc), LogState::Failed) => view! {
            <span class="badge failed" title=format!("{loc} could not be indexed")>"failed"</span>
        }
        .into_any(),
        // Named by the inventory, not in its store yet: expected, not lost.
        (Some(loc), LogState::Awaited) => view! {
            <span class="badge awaited" data-testid="awaited" title=format!(
                "{loc} is not uploaded yet; the server looks for it again, with backoff, until its wait for late logs ends"
            )>"not yet uploaded"</span>
        }
        .into_any(),
        (Some(loc), state) => {
            let href = format!("/api/runs/{run}/logs/{}/raw", name.as_str());
            let shown = loc.rsplit('/').next().unwrap_or(&loc).to_string();
            view! {
                <a class="log-link" href=href target="_blank" rel="noopener" title=loc.clone() on:click=|ev| ev.stop_propagation()>{shown}</a>
                {(state == LogState::Pending).then(|| view! { <span class="muted small">" indexing…"</span> })}
            }
            .into_any()
        }
    }
}

/// Latency over the session as a tiny line.
#[component]
fn Sparkline(values: Vec<f32>) -> impl IntoView {
    if values.len() < 2 {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    let (lo, hi) = values
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (w, h) = (80.0_f32, 20.0_f32);
    let step = w / (values.len() - 1) as f32;
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f32 * step,
                h - 2.0 - (v - lo) / span * (h - 4.0)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg class="spark" viewBox="0 0 80 20" width="80" height="20" aria-hidden="true">
            <polyline points=points fill="none" stroke="currentColor" stroke-width="1.2"/>
        </svg>
    }
    .into_any()
}
