//! The charts of a streaming session's log as it is streamed: its lines are
//! parsed in the browser as they arrive, and the two metrics of that log
//! (client: latency and decode time; server: encode time and size) grow.

use leptos::prelude::*;
use logparse::{Metric, Parser};

use super::chart::{Chart, Crosshair, Unit, time_domain};
use super::format::group_thousands;
use model::series::series_of;
use model::{LogName, Series};

/// Points drawn per chart at most (min and max kept per bucket).
const WIDTH: usize = 1200;

/// The metrics a session log carries: title, metric, unit.
fn metrics_of(session: LogName) -> [(&'static str, Metric, Unit); 2] {
    match session {
        LogName::Server => [
            ("Encode time", Metric::EncodeTime, Unit::Millis),
            ("Encode size", Metric::EncodeSize, Unit::Bytes),
        ],
        _ => [
            ("Latency", Metric::Latency, Unit::Millis),
            ("Decode time", Metric::DecodeTime, Unit::Millis),
        ],
    }
}

/// A session log's metrics, parsed from its lines as they arrive.
#[derive(Clone, Copy)]
pub struct LiveSeries {
    session: LogName,
    parser: StoredValue<Parser>,
    series: [RwSignal<Option<Series>>; 2],
}

impl LiveSeries {
    /// Empty series of `session`'s metrics.
    pub fn new(session: LogName) -> LiveSeries {
        LiveSeries {
            session,
            parser: StoredValue::new(Parser::new()),
            series: [RwSignal::new(None), RwSignal::new(None)],
        }
    }

    /// Parses more lines and updates the charts.
    pub fn feed(&self, lines: &[String]) {
        self.parser.update_value(|p| {
            for l in lines {
                p.feed(l.as_bytes());
                p.feed(b"\n");
            }
        });
        for (i, (_, metric, _)) in metrics_of(self.session).into_iter().enumerate() {
            let series = self.parser.with_value(|p| to_series(metric, p));
            self.series[i].set(Some(series));
        }
    }
}

fn to_series(metric: Metric, p: &Parser) -> Series {
    series_of(metric, p.points(metric), WIDTH, false, (None, None))
}

/// The two charts of a streamed session log.
#[component]
pub fn LiveCharts(series: LiveSeries) -> impl IntoView {
    let zoom = RwSignal::new(None::<(f64, f64)>);
    let sigs = series.series;
    let domain = Memo::new(move |_| time_domain(zoom.get(), sigs.iter().map(|s| s.get())));
    let cross = Crosshair {
        clock: None,
        hover: RwSignal::new(None),
        domain,
        zoom: Callback::new(move |w: (f64, f64)| zoom.set(Some(w))),
    };
    let slots = metrics_of(series.session)
        .into_iter()
        .zip(sigs)
        .map(|((title, metric, unit), sig)| {
            let prefix = metric.prefix();
            let key = metric.as_str();
            let has_points = Memo::new(move |_| sig.with(|s| s.as_ref().is_some_and(|s| s.total > 0)));
            let total = move || sig.with(|s| s.as_ref().map_or(0, |s| s.total));
            let latest = move || {
                sig.with(|s| s.as_ref().and_then(|s| s.points.last().map(|p| unit.show(p[1]))))
                    .unwrap_or_default()
            };
            view! {
                {move || if has_points.get() {
                    view! {
                        <div class="chart-slot">
                            <Chart title unit series=Signal::from(sig) cross/>
                            <dl class="chart-stats">
                                <div><dt>"points"</dt><dd data-testid=format!("live-points-{key}")>{move || group_thousands(total() as i64)}</dd></div>
                                <div><dt>"latest"</dt><dd>{latest}</dd></div>
                            </dl>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="chart-missing"><strong>{title}</strong><p class="muted">{format!("Waiting for “{prefix}” lines…")}</p></div>
                    }.into_any()
                }}
            }
        })
        .collect_view();
    view! {
        <section class="charts" data-testid="live-charts">
            <div class="chart-tools">
                <span class="muted small">{format!("Live {} session charts, from the lines as they arrive; drag to zoom.", series.session.as_str())}</span>
                {move || zoom.get().map(|_| view! { <button on:click=move |_| zoom.set(None)>"Reset zoom"</button> })}
            </div>
            {slots}
        </section>
    }
}
