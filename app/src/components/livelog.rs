//! A task's output as it is produced: follows the live websocket (backlog,
//! then lines as they arrive, then `sealed`), keeps the view at the end
//! while following, pauses when the reader scrolls up and counts what
//! arrived meanwhile. Colours from ANSI codes are shown; the text is only
//! ever text. After the run is archived the same address serves the same
//! lines with the same numbers, so permalinks keep working.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;

use super::format::group_thousands;
use super::logview::{FindBox, LINE_H, LevelChips, LineRow, OVERSCAN, VIEW_H};
use super::nav::Nav;
use super::virtual_list::VirtualList;
use super::wrap::{Wrap, mark_matches, text_width, wrapped_lines};
use crate::stream::{LogSocket, open_log, save_text};
use model::live::{Line, Stream, ViewerMsg, close};
use model::output::{self as ansi, Styled};
use model::{Backoff, Level};

/// Lines kept in the page; older ones are let go (download has them all
/// while nothing was let go; the archived log always has).
const KEEP: usize = 200_000;
/// Columns the time takes beside a line when times are shown
/// (`HH:MM:SS.mmm`, its padding and one spare).
const TIME_COLS: usize = 14;
/// Longest wait between reconnection attempts.
const MAX_RETRY_MS: u64 = 10_000;

/// One received line, with what the filters need.
#[derive(Clone, Debug, PartialEq)]
struct Rec {
    seq: u64,
    time_us: i64,
    err: bool,
    text: String,
    level: Option<Level>,
    /// Columns the text takes on screen (escapes taken out), for wrapping.
    width: usize,
}

impl From<Line> for Rec {
    fn from(w: Line) -> Rec {
        let level = ansi::line_level(&w.text, true);
        let width = if w.text.contains('\x1b') {
            text_width(&ansi::strip(&w.text))
        } else {
            text_width(&w.text)
        };
        Rec {
            width,
            seq: w.seq,
            time_us: w.time_us,
            err: w.stream == Stream::Err,
            text: w.text,
            level,
        }
    }
}

impl Rec {
    /// The text as shown: terminal escapes taken out.
    fn plain(&self) -> std::borrow::Cow<'_, str> {
        if self.text.contains('\x1b') {
            ansi::strip(&self.text).into()
        } else {
            self.text.as_str().into()
        }
    }

    /// Screen lines the text takes wrapped at `cols` columns (the width
    /// answers for most lines without a look at the text).
    fn lines_at(&self, cols: usize) -> u32 {
        if self.width <= cols {
            1
        } else {
            wrapped_lines(&self.plain(), cols)
        }
    }
}

/// Where the connection stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Opening the websocket.
    Connecting,
    /// Receiving; the log is still being written.
    Following,
    /// Every line has arrived; the run ended with this exit code.
    Sealed(Option<i32>),
    /// The connection dropped; trying again.
    Reconnecting(String),
    /// Cannot be followed (no such log).
    Failed(String),
}

/// What has arrived over the viewer websocket, and where the connection
/// stands: the protocol's side of the live log.
#[derive(Clone, Copy)]
struct Received {
    /// The lines kept in the page, in seq order.
    lines: RwSignal<Vec<Rec>>,
    /// Lines let go from the front (beyond [`KEEP`]).
    dropped: RwSignal<usize>,
    phase: RwSignal<Phase>,
    /// Lines the server could not deliver, and failed downloads.
    gaps: RwSignal<Vec<String>>,
    /// How far behind the end of the log the viewer is, when it lags.
    lagging: RwSignal<Option<u64>>,
    /// The seq wanted next.
    next: StoredValue<u64>,
    /// Waits between reconnections since the last successful start.
    retries: StoredValue<Backoff>,
}

impl Received {
    fn new() -> Received {
        Received {
            lines: RwSignal::new(Vec::new()),
            dropped: RwSignal::new(0),
            phase: RwSignal::new(Phase::Connecting),
            gaps: RwSignal::new(Vec::new()),
            lagging: RwSignal::new(None),
            next: StoredValue::new(1),
            retries: StoredValue::new(reconnect_backoff()),
        }
    }

    /// Takes in one message: lines already received are dropped (a resend
    /// after a reconnection), so every line is kept once, in order.
    /// `follow` learns of lines let go from the front.
    fn apply(
        self,
        m: ViewerMsg,
        follow: Follow,
        on_batch: Option<Callback<Vec<String>>>,
        on_sealed: Callback<Option<i32>>,
    ) {
        match m {
            ViewerMsg::Start { .. } => {
                self.retries.update_value(Backoff::reset);
                self.phase.set(Phase::Following);
            }
            ViewerMsg::Lines { lines: batch } => {
                let Some(last) = batch.last().map(|l| l.seq) else {
                    return;
                };
                let from = self.next.get_value();
                if last < from {
                    return;
                }
                let fresh: Vec<Rec> = batch
                    .into_iter()
                    .filter(|l| l.seq >= from)
                    .map(Rec::from)
                    .collect();
                self.next.set_value(last + 1);
                if let Some(cb) = on_batch {
                    cb.run(fresh.iter().map(|r| r.text.clone()).collect());
                }
                self.lines.update(|all| {
                    all.extend(fresh);
                    if all.len() > KEEP {
                        let cut = all.len() - KEEP + KEEP / 10;
                        all.drain(..cut);
                        self.dropped.update(|d| *d += cut);
                        follow.let_go(cut);
                    }
                });
            }
            ViewerMsg::Gap { from, to, reason } => {
                self.next.set_value(to + 1);
                self.gaps
                    .update(|g| g.push(format!("lines {from}–{to} are unavailable: {reason}")));
            }
            ViewerMsg::Lagging { behind } => self.lagging.set(Some(behind)),
            ViewerMsg::Sealed { exit_code, .. } => {
                self.lagging.set(None);
                self.phase.set(Phase::Sealed(exit_code));
                on_sealed.run(exit_code);
            }
        }
    }

    fn sealed(&self) -> bool {
        self.phase.with(|p| matches!(p, Phase::Sealed(_)))
    }
}

/// Following the end of the log: while on, the view stays at the end as
/// lines arrive; the reader moving up pauses it, reaching the end resumes.
#[derive(Clone, Copy)]
struct Follow {
    on: RwSignal<bool>,
    /// Lines received when following stopped: the rest are "new".
    seen: RwSignal<usize>,
    /// Where the view was last put or seen, to tell the reader's moves
    /// from the browser's.
    last_top: StoredValue<f64>,
    /// A permalinked line not yet shown.
    pending_line: StoredValue<Option<u64>>,
    list: VirtualList,
}

impl Follow {
    fn new(line: Option<u64>, list: VirtualList) -> Follow {
        Follow {
            on: RwSignal::new(line.is_none()),
            seen: RwSignal::new(0),
            last_top: StoredValue::new(0.0),
            pending_line: StoredValue::new(line),
            list,
        }
    }

    /// Stops following; the `received` lines so far count as seen.
    fn pause(self, received: usize) {
        self.on.set(false);
        self.seen.set(received);
    }

    /// `cut` lines were let go from the front.
    fn let_go(self, cut: usize) {
        self.seen.update(|s| *s = s.saturating_sub(cut));
    }

    /// Keeps the view at the end of `count` lines while following, unless
    /// the reader moved up since (and its scroll event is still to come).
    fn stick(self, count: usize, received: usize) {
        if !self.on.get_untracked() || self.list.scroller.get().is_none() {
            return;
        }
        if self
            .list
            .top()
            .is_some_and(|t| t < self.last_top.get_value() - 1.0)
        {
            self.pause(received);
            self.list.measure();
            return;
        }
        self.list.scroll_to_end(count);
        self.remember_top();
    }

    fn remember_top(self) {
        self.last_top.set_value(self.list.top().unwrap_or_default());
    }

    /// Shows the permalinked line once it is among `lines`.
    fn show_pending(self, lines: &[Rec]) {
        let Some(want) = self.pending_line.get_value() else {
            return;
        };
        let pos = lines.iter().position(|r| r.seq == want);
        if let (Some(i), Some(_)) = (pos, self.list.scroller.get()) {
            self.list.show_third(i);
            self.remember_top();
            self.pending_line.set_value(None);
        }
    }

    /// The reader scrolled: up pauses, to the end resumes.
    fn on_scroll(self, received: usize) {
        let Some(top) = self.list.top() else {
            return;
        };
        let following = self.on.get_untracked();
        if top < self.last_top.get_value() - 1.0 && following {
            self.pause(received);
        } else if self.list.at_end() && !following && self.pending_line.get_value().is_none() {
            self.on.set(true);
        }
        self.last_top.set_value(top);
        self.list.measure();
    }

    fn jump_to_end(self) {
        self.on.set(true);
        self.list.scroll_to_bottom();
        self.remember_top();
    }

    /// Lines that arrived since following stopped.
    fn unseen(self, received: usize) -> usize {
        if self.on.get() {
            0
        } else {
            received.saturating_sub(self.seen.get())
        }
    }
}

/// Which of the lines pass the URL's level and text filters, by index;
/// `None` when nothing is filtered.
fn matching(lines: RwSignal<Vec<Rec>>) -> Memo<Option<Vec<usize>>> {
    let nav = Nav::get();
    let filter = Memo::new(move |_| nav.view.with(|v| (v.level, v.find.to_lowercase())));
    Memo::new(move |_| {
        let (level, find) = filter.get();
        if level.is_none() && find.is_empty() {
            return None;
        }
        Some(lines.with(|all| {
            all.iter()
                .enumerate()
                .filter(|(_, r)| level.is_none_or(|l| r.level == Some(l)))
                .filter(|(_, r)| {
                    find.is_empty() || ansi::strip(&r.text).to_lowercase().contains(&find)
                })
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        }))
    })
}

/// Saves the lines received so far as `run-ID.log`.
fn download(id: i64, got: Received) {
    let text = got.lines.with_untracked(|all| {
        let mut s = String::with_capacity(all.iter().map(|r| r.text.len() + 1).sum());
        for r in all {
            s.push_str(&r.text);
            s.push('\n');
        }
        s
    });
    if let Err(e) = save_text(&format!("run-{id}.log"), &text) {
        got.gaps.update(|g| g.push(format!("download failed: {e}")));
    }
}

/// The output of task run `id`; `on_sealed` is told when its end arrives.
/// Every line is received once, in order, across reconnections.
#[component]
pub fn LiveLog(
    id: i64,
    #[prop(into)] on_sealed: Callback<Option<i32>>,
    /// Told the text of each batch of new lines, in order.
    #[prop(optional)]
    on_batch: Option<Callback<Vec<String>>>,
) -> impl IntoView {
    let nav = Nav::get();
    let got = Received::new();
    let list = VirtualList::new(LINE_H, VIEW_H, OVERSCAN);
    let follow = Follow::new(nav.view.with_untracked(|v| v.line), list);
    let show_times = RwSignal::new(false);
    let received = move || got.lines.with_untracked(Vec::len);

    // The connection lives as long as this effect (in the browser only).
    Effect::new(move |_| {
        let conn = Rc::new(Conn {
            id,
            socket: RefCell::new(None),
            alive: Cell::new(true),
        });
        conn.open(got.next, got.retries, got.phase, move |m| {
            got.apply(m, follow, on_batch, on_sealed)
        });
        ConnGuard(conn)
    });
    let shown = matching(got.lines);
    let count = move || {
        shown
            .with(|s| s.as_ref().map(Vec::len))
            .unwrap_or_else(|| got.lines.with(Vec::len))
    };
    // Long lines wrap (on by default). Each row's height follows from the
    // text's width, so the rows' ends are set before following sticks to
    // the end of them.
    let wrap = Wrap::new(list);
    let cols = Signal::derive(move || wrap.cols(if show_times.get() { TIME_COLS } else { 0 }));
    Effect::new(move |_| {
        let n = count();
        match cols.get() {
            0 => list.set_lines(None),
            c => {
                let rows: Vec<u32> = got.lines.with(|all| {
                    shown.with(|s| match s {
                        None => all.iter().map(|r| r.lines_at(c)).collect(),
                        Some(idx) => idx.iter().map(|&i| all[i].lines_at(c)).collect(),
                    })
                });
                list.set_lines(Some(&rows));
            }
        }
        follow.stick(n, received());
    });
    Effect::new(move |_| got.lines.with(|l| follow.show_pending(l)));
    let visible = move || {
        got.lines.with(|all| {
            shown.with(|s| match s {
                None => all[list.range(all.len())].to_vec(),
                Some(idx) => idx[list.range(idx.len())]
                    .iter()
                    .map(|&i| all[i].clone())
                    .collect(),
            })
        })
    };
    // A wheel turned up pauses at once, before lines arriving can move the
    // view back down.
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        if ev.delta_y() < 0.0 && follow.on.get_untracked() {
            follow.pause(received());
        }
    };
    let unseen = move || follow.unseen(got.lines.with(Vec::len));

    view! {
        <section class="logview livelog" data-testid="livelog">
            <LiveHeader id got follow show_times wrap/>
            <p class="muted small" data-testid="live-count">
                {move || {
                    let n = got.lines.with(Vec::len);
                    let mut s = format!("{} lines", group_thousands(n as i64));
                    if shown.with(Option::is_some) {
                        s.push_str(&format!(", {} match", group_thousands(count() as i64)));
                    }
                    let d = got.dropped.get();
                    if d > 0 {
                        s.push_str(&format!(" (the first {} let go here; the download of the archived log has them)", group_thousands(d as i64)));
                    }
                    s
                }}
                {move || got.lagging.get().map(|b| view! { <span class="warn">{format!(" · {} lines behind, catching up", group_thousands(b as i64))}</span> })}
            </p>
            {move || got.gaps.with(|g| g.iter().map(|m| view! { <p class="error" role="alert">{m.clone()}</p> }).collect_view())}
            <div class="lines-wrap">
                <div class="lines" class:wrap=wrap.on node_ref=list.scroller on:scroll=move |_| follow.on_scroll(received()) on:wheel=on_wheel data-testid="live-lines">
                    <div style:height=move || list.pad_before(count())></div>
                    <For each=visible key=|r| r.seq children=move |r| view! { <OutLine rec=r id show_times cols/> }/>
                    <div style:height=move || list.pad_after(count())></div>
                    {move || (count() == 0).then(|| view! {
                        <p class="muted empty">{move || match (got.phase.get(), got.lines.with(Vec::is_empty)) {
                            (Phase::Sealed(_), true) => "The run printed nothing.",
                            (_, true) => "Waiting for output…",
                            _ => "No line matches.",
                        }}</p>
                    })}
                </div>
                {move || (unseen() > 0).then(|| view! {
                    <button class="new-lines" data-testid="new-lines" on:click=move |_| follow.jump_to_end()>
                        {move || format!("{} new lines ↓", group_thousands(unseen() as i64))}
                    </button>
                })}
            </div>
        </section>
    }
}

/// The live log's bar: where the connection stands, the filters, times,
/// follow or pause, download.
#[component]
fn LiveHeader(
    id: i64,
    got: Received,
    follow: Follow,
    show_times: RwSignal<bool>,
    wrap: Wrap,
) -> impl IntoView {
    let status = move || match got.phase.get() {
        Phase::Connecting => ("connecting", "Connecting…".to_string()),
        Phase::Following => ("following", "Live".to_string()),
        Phase::Sealed(Some(c)) => ("sealed", format!("Ended · exit code {c}")),
        Phase::Sealed(None) => ("sealed", "Ended".to_string()),
        Phase::Reconnecting(why) => ("reconnecting", why),
        Phase::Failed(why) => ("failed", format!("Cannot follow this log: {why}")),
    };
    // Once the log has ended there is nothing to pause: the button only
    // goes to the end.
    let toggle_follow = move |_| {
        if follow.on.get_untracked() && !got.sealed() {
            follow.pause(got.lines.with_untracked(Vec::len));
        } else {
            follow.jump_to_end();
        }
    };
    view! {
        <header class="logview-head">
            <h3>"output"</h3>
            <span class=move || format!("live-state {}", status().0) data-testid="live-state" role="status">{move || status().1}</span>
            // Screen readers hear how many lines have arrived (politely,
            // between other speech), not every line.
            <span class="visually-hidden" aria-live="polite" data-testid="live-announce">
                {move || format!("{} lines received", group_thousands((got.dropped.get() + got.lines.with(Vec::len)) as i64))}
            </span>
            <LevelChips/>
            <FindBox placeholder="Find in the output…"/>
            <label class="small"><input type="checkbox" data-testid="times" prop:checked=move || show_times.get() on:change=move |ev| show_times.set(event_target_checked(&ev))/>" times"</label>
            {wrap.button()}
            <button data-testid="follow" on:click=toggle_follow>{move || match (follow.on.get(), got.sealed()) {
                (_, true) => "Go to end",
                (true, false) => "Pause",
                (false, false) => "Follow",
            }}</button>
            <button data-testid="download" on:click=move |_| download(id, got) title="Save the lines received so far">"Download"</button>
        </header>
    }
}

/// The websocket of one viewer, reopened from the next wanted line after a
/// drop, until the log is sealed or the view goes away.
struct Conn {
    id: i64,
    socket: RefCell<Option<LogSocket>>,
    alive: Cell<bool>,
}

impl Conn {
    fn open(
        self: &Rc<Self>,
        next: StoredValue<u64>,
        retries: StoredValue<Backoff>,
        phase: RwSignal<Phase>,
        on_msg: impl Fn(ViewerMsg) + Copy + 'static,
    ) {
        if !self.alive.get() {
            return;
        }
        let path = format!(
            "/api/runs/{}/logs/output/live?from={}",
            self.id,
            next.get_value()
        );
        let me = Rc::clone(self);
        let on_close = move |code: u16, reason: String| {
            if !me.alive.get() || matches!(phase.get_untracked(), Phase::Sealed(_)) {
                return;
            }
            if code == close::NOT_FOUND || code == close::BAD_MESSAGE {
                phase.set(Phase::Failed(reason));
                return;
            }
            let wait = retries
                .try_update_value(|b| b.fail())
                .unwrap_or(Duration::from_millis(MAX_RETRY_MS));
            let why = if reason.is_empty() {
                "connection lost".to_string()
            } else {
                reason
            };
            phase.set(Phase::Reconnecting(format!(
                "{why}; reconnecting in {:.1} s",
                wait.as_secs_f64()
            )));
            let again = Rc::clone(&me);
            set_timeout(move || again.open(next, retries, phase, on_msg), wait);
        };
        match open_log(&path, on_msg, on_close) {
            Ok(s) => *self.socket.borrow_mut() = Some(s),
            Err(e) => phase.set(Phase::Failed(e)),
        }
    }
}

/// Closes the connection when the view goes away (and breaks the cycle
/// between the socket and its callbacks).
struct ConnGuard(Rc<Conn>);

impl Drop for ConnGuard {
    fn drop(&mut self) {
        self.0.alive.set(false);
        self.0.socket.borrow_mut().take();
    }
}

#[component]
fn OutLine(rec: Rec, id: i64, show_times: RwSignal<bool>, cols: Signal<usize>) -> impl IntoView {
    let find = Nav::get().view.with_untracked(|v| v.find.clone());
    // The text as shown, in stretches of one terminal style each, matches
    // of the search marked within them.
    let (mut text, mut segs) = (String::new(), Vec::new());
    for run in ansi::parse(&rec.text) {
        mark_matches(&run.text, &find, &classes(&run), text.len(), &mut segs);
        text.push_str(&run.text);
    }
    view! {
        <LineRow n=rec.seq level=rec.level run=id log=None stderr=rec.err
            time=(clock(rec.time_us), show_times) cols text segs/>
    }
}

/// How the live log waits to reconnect: from half a second to
/// [`MAX_RETRY_MS`], seeded per page so viewers cut off together come back
/// apart.
fn reconnect_backoff() -> Backoff {
    #[cfg(feature = "hydrate")]
    let seed = (web_sys::js_sys::Math::random() * 9.0e15) as u64;
    #[cfg(not(feature = "hydrate"))]
    let seed = 0;
    Backoff::new(
        Duration::from_millis(500),
        Duration::from_millis(MAX_RETRY_MS),
        seed,
    )
}

/// CSS classes for a run's style (`ansi-fg-1 ansi-bold` …); empty when plain.
fn classes(s: &Styled) -> String {
    let mut c = Vec::new();
    if let Some(f) = s.fg {
        c.push(format!("ansi-fg-{f}"));
    }
    if let Some(b) = s.bg {
        c.push(format!("ansi-bg-{b}"));
    }
    for (on, name) in [
        (s.bold, "ansi-bold"),
        (s.dim, "ansi-dim"),
        (s.italic, "ansi-italic"),
        (s.underline, "ansi-underline"),
    ] {
        if on {
            c.push(name.to_string());
        }
    }
    c.join(" ")
}

/// `HH:MM:SS.mmm` (UTC) of microseconds since the epoch.
fn clock(us: i64) -> String {
    let ms = us.div_euclid(1000);
    let day_ms = ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_style_becomes_classes() {
        let runs = model::output::parse("\x1b[1;92mok\x1b[0m plain");
        assert_eq!(super::classes(&runs[0]), "ansi-fg-10 ansi-bold");
        assert_eq!(super::classes(&runs[1]), "");
    }

    #[test]
    fn clock_reads_utc() {
        assert_eq!(super::clock(1_700_000_000_123_456), "22:13:20.123");
        assert_eq!(super::clock(0), "00:00:00.000");
    }
}
