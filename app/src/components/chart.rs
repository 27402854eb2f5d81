//! A metric chart drawn with plotters on a canvas in the browser, with a
//! crosshair shared by every chart of the run, hover values in clock time,
//! zoom by dragging across it, and a click (or Enter) on a point that opens
//! the log line it was read from.

use leptos::prelude::*;

use super::format::{bytes, ms};
use model::Series;

/// Height of a chart in CSS pixels.
pub const HEIGHT: u32 = 140;

/// How a metric's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Seconds, shown in milliseconds.
    Millis,
    /// Bytes.
    Bytes,
}

impl Unit {
    /// A value as text.
    pub fn show(self, v: f64) -> String {
        match self {
            Unit::Millis => ms(v),
            Unit::Bytes => bytes(v),
        }
    }

    /// The factor from stored values to the axis (ms or KiB).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn scale(self) -> f64 {
        match self {
            Unit::Millis => 1000.0,
            Unit::Bytes => 1.0 / 1024.0,
        }
    }

    /// The unit of the axis (ms or KiB).
    pub fn axis(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Bytes => "KiB",
        }
    }
}

/// Time window and pointer position shared by the charts of one run. Times
/// are seconds on the run's axis: since its earliest log's first line.
#[derive(Clone, Copy)]
pub struct Crosshair {
    /// The axis's zero as a time of day (seconds since midnight UTC), when
    /// every charted log's start is known; else times are shown as seconds
    /// from each log's first line.
    pub clock: Option<f64>,
    /// Pointer time, if over a chart.
    pub hover: RwSignal<Option<f64>>,
    /// Time range of the x axis.
    pub domain: Memo<(f64, f64)>,
    /// Called with a dragged-over range to zoom into.
    pub zoom: Callback<(f64, f64)>,
}

/// The x range of a run's charts: the zoom window, else from the earliest
/// first point to the latest last point of the series loaded (at least one
/// second wide), else `(0, 1)`.
pub fn time_domain(
    zoom: Option<(f64, f64)>,
    series: impl Iterator<Item = Option<Series>>,
) -> (f64, f64) {
    if let Some(z) = zoom {
        return z;
    }
    let (lo, hi) = series.flatten().fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        match (s.points.first(), s.points.last()) {
            (Some(a), Some(b)) => (lo.min(a[0]), hi.max(b[0])),
            _ => (lo, hi),
        }
    });
    if lo <= hi {
        (lo, hi.max(lo + 1.0))
    } else {
        (0.0, 1.0)
    }
}

/// Puts the logs of one run on one clock. `starts` holds, for each charted
/// log, the time of day its first line was written (seconds since midnight
/// UTC). Answers the axis's zero as a time of day and each log's offset
/// from it (seconds to add to its points), or `None` when a start is
/// unknown. Logs whose starts are more than twelve hours apart are taken to
/// straddle midnight, as the parser reads a log that crosses it.
pub fn one_clock(starts: &[Option<f64>]) -> Option<(f64, Vec<f64>)> {
    const DAY: f64 = 86_400.0;
    let known: Vec<f64> = starts.iter().copied().collect::<Option<_>>()?;
    let first = *known.first()?;
    // Each start relative to the first, within half a day either side.
    let rel: Vec<f64> = known
        .iter()
        .map(|s| {
            let d = (s - first).rem_euclid(DAY);
            if d > DAY / 2.0 { d - DAY } else { d }
        })
        .collect();
    let low = rel.iter().copied().fold(f64::INFINITY, f64::min);
    let zero = (first + low).rem_euclid(DAY);
    Some((zero, rel.iter().map(|r| r - low).collect()))
}

/// A time on a run's axis as text: a time of day (`21:02:13.4`, tenths only
/// when `tenths`) on a known clock, else seconds from the log's start.
pub fn clock_text(clock: Option<f64>, t: f64, tenths: bool) -> String {
    match clock {
        Some(zero) => {
            let s = (zero + t).rem_euclid(86_400.0);
            // The time part of the day's first second plus `s`.
            let day = model::time::utc(s.floor() as i64);
            let hms = day.get(11..).unwrap_or(&day);
            if tenths {
                let d = ((s - s.floor()) * 10.0).floor() as u64;
                format!("{hms}.{d}")
            } else {
                hms.to_string()
            }
        }
        None if tenths => format!("+{t:.1} s"),
        None => format!("+{t:.0} s"),
    }
}

/// An axis tick as text without needless decimals: `30`, `2.5`, `0.25`
/// (ticks fall on round values, so three decimals are enough).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn tick(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The point of `points` (sorted by time) nearest to time `t`: its index.
pub fn nearest(points: &[[f64; 2]], t: f64) -> Option<usize> {
    let i = points.partition_point(|p| p[0] < t);
    [i.checked_sub(1), Some(i)]
        .into_iter()
        .flatten()
        .filter(|&j| j < points.len())
        .min_by(|&a, &b| {
            (points[a][0] - t)
                .abs()
                .total_cmp(&(points[b][0] - t).abs())
        })
}

/// What a chart shows, in words, for a screen reader: the points, the
/// time they span and the median, p95 and maximum of the values.
pub fn describe(title: &str, unit: Unit, points: &[[f64; 2]], clock: Option<f64>) -> String {
    if points.is_empty() {
        return format!("{title}: no points");
    }
    let mut v: Vec<f64> = points
        .iter()
        .map(|p| p[1])
        .filter(|v| v.is_finite())
        .collect();
    if v.is_empty() {
        return format!("{title}: no finite values");
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "{title}: {} points from {} to {}{}; median {}, p95 {}, max {}",
        points.len(),
        clock_text(clock, points[0][0], false),
        clock_text(clock, points[points.len() - 1][0], false),
        if clock.is_some() { " UTC" } else { "" },
        unit.show(at(0.5)),
        unit.show(at(0.95)),
        unit.show(v[v.len() - 1]),
    )
}

/// One chart: the series drawn, a crosshair line, the hovered value. With
/// `on_pick`, a click on the chart (or Enter while it has focus; the arrow
/// keys step from point to point) hands over the line number of the point
/// nearest in time.
#[component]
pub fn Chart(
    title: &'static str,
    unit: Unit,
    series: Signal<Option<Series>>,
    cross: Crosshair,
    #[prop(optional)] on_pick: Option<Callback<u64>>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    // Pixel span of the plotting area, from the last draw: (x0, x1).
    let area = RwSignal::new((0.0_f64, 1.0_f64));
    let drag = RwSignal::new(None::<(f64, f64)>);

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let domain = cross.domain.get();
        let data = series.get();
        if let (Some(el), Some(s)) = (canvas.get(), data)
            && let Some(span) = draw::draw(&el, &s.points, domain, unit, cross.clock)
        {
            area.set(span);
        }
    });

    let to_t = move |x: f64| {
        let (x0, x1) = area.get_untracked();
        let (t0, t1) = cross.domain.get_untracked();
        t0 + (x - x0) / (x1 - x0).max(1.0) * (t1 - t0)
    };
    let to_x = move |t: f64| {
        let (x0, x1) = area.get();
        let (t0, t1) = cross.domain.get();
        if t1 <= t0 {
            x0
        } else {
            x0 + (t - t0) / (t1 - t0) * (x1 - x0)
        }
    };
    // The point nearest the pointer: its index in the series.
    let hovered = move || {
        let t = cross.hover.get()?;
        series.with(|s| nearest(&s.as_ref()?.points, t))
    };
    let point = move |i: usize| series.with(|s| s.as_ref().and_then(|s| s.points.get(i).copied()));
    let line_of =
        move |i: usize| series.with_untracked(|s| s.as_ref().and_then(|s| s.lines.get(i).copied()));
    let pick = move |i: Option<usize>| {
        if let (Some(cb), Some(n)) = (on_pick, i.and_then(line_of)) {
            cb.run(n);
        }
    };
    let step = move |by: isize| {
        let len = series.with_untracked(|s| s.as_ref().map_or(0, |s| s.points.len()));
        if len == 0 {
            return;
        }
        let (t0, t1) = cross.domain.get_untracked();
        let i = match cross.hover.get_untracked() {
            Some(t) => series
                .with_untracked(|s| nearest(s.as_ref().map_or(&[][..], |s| &s.points[..]), t))
                .map_or(0, |i| (i as isize + by).clamp(0, len as isize - 1) as usize),
            None => series.with_untracked(|s| {
                s.as_ref()
                    .map_or(0, |s| s.points.partition_point(|p| p[0] < t0))
            }),
        };
        if let Some(p) = point(i).filter(|p| p[0] >= t0 && p[0] <= t1) {
            cross.hover.set(Some(p[0]));
        }
    };
    let offset_x = |ev: &leptos::ev::MouseEvent| ev.offset_x() as f64;
    let hint = if on_pick.is_some() {
        "; click a point, or press Enter on it, to open its log line"
    } else {
        ""
    };

    view! {
        <figure class="chart" class:pickable=on_pick.is_some() data-testid=format!("chart-{}", title.to_lowercase().replace(' ', "-"))>
            <figcaption>
                <span class="chart-title">{title} <span class="chart-unit">{format!(" · {}", unit.axis())}</span></span>
                <span class="chart-hover mono" data-testid="hover-value">
                    {move || hovered().and_then(point).map(|p| format!("{}  {}", clock_text(cross.clock, p[0], true), unit.show(p[1])))}
                </span>
            </figcaption>
            <div class="chart-body">
                <canvas
                    node_ref=canvas
                    height=HEIGHT
                    role="img"
                    tabindex="0"
                    aria-label=move || series.with(|s| describe(title, unit, s.as_ref().map_or(&[][..], |s| &s.points[..]), cross.clock) + hint)
                    data-points=move || series.with(|s| s.as_ref().map_or(0, |s| s.points.len()))
                    on:mousemove=move |ev| {
                        let x = offset_x(&ev);
                        cross.hover.set(Some(to_t(x)));
                        drag.update(|d| if let Some(d) = d { d.1 = x; });
                    }
                    on:mouseleave=move |_| { cross.hover.set(None); drag.set(None); }
                    on:mousedown=move |ev| { let x = offset_x(&ev); drag.set(Some((x, x))); }
                    on:mouseup=move |_| {
                        match drag.get_untracked() {
                            Some((a, b)) if (a - b).abs() > 4.0 => {
                                let (ta, tb) = (to_t(a.min(b)), to_t(a.max(b)));
                                cross.zoom.run((ta, tb));
                            }
                            Some((a, _)) => {
                                let t = to_t(a);
                                pick(series.with_untracked(|s| nearest(s.as_ref().map_or(&[][..], |s| &s.points[..]), t)));
                            }
                            None => {}
                        }
                        drag.set(None);
                    }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "ArrowLeft" => { ev.prevent_default(); step(-1); }
                        "ArrowRight" => { ev.prevent_default(); step(1); }
                        "Enter" | " " => {
                            ev.prevent_default();
                            if cross.hover.get_untracked().is_none() { step(0); }
                            pick(hovered());
                        }
                        _ => {}
                    }
                    on:blur=move |_| cross.hover.set(None)
                ></canvas>
                {move || cross.hover.get().map(|t| {
                    let x = to_x(t);
                    view! { <div class="crosshair" style:left=format!("{x:.1}px")></div> }
                })}
                {move || drag.get().filter(|(a, b)| (a - b).abs() > 1.0).map(|(a, b)| view! {
                    <div class="drag-zoom" style:left=format!("{:.1}px", a.min(b)) style:width=format!("{:.1}px", (a - b).abs())></div>
                })}
            </div>
        </figure>
    }
}

/// Drawing, in the browser only.
#[cfg(feature = "hydrate")]
pub mod draw {
    use plotters::prelude::*;
    use plotters_canvas::CanvasBackend;
    use wasm_bindgen::JsCast;

    use super::Unit;

    fn dark() -> bool {
        web_sys::window()
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches())
    }

    /// Draws `points` over `domain` on `canvas` (sized to its box) and
    /// returns the plotting area's x pixel span. Records the time taken in
    /// the canvas's `data-draw-ms`.
    pub fn draw(
        canvas: &web_sys::HtmlCanvasElement,
        points: &[[f64; 2]],
        domain: (f64, f64),
        unit: Unit,
        clock: Option<f64>,
    ) -> Option<(f64, f64)> {
        let perf = web_sys::window().and_then(|w| w.performance());
        let started = perf.as_ref().map_or(0.0, |p| p.now());
        // Setting the size also clears the canvas for this draw.
        let width = canvas.client_width().max(200) as u32;
        canvas.set_width(width);
        let backend = CanvasBackend::with_canvas_object(canvas.clone())?;
        let root = backend.into_drawing_area();
        let (fg, grid, line) = if dark() {
            (
                RGBColor(200, 205, 215),
                RGBColor(55, 60, 70),
                RGBColor(110, 170, 255),
            )
        } else {
            (
                RGBColor(70, 75, 85),
                RGBColor(228, 231, 236),
                RGBColor(30, 100, 210),
            )
        };
        root.fill(&TRANSPARENT).ok()?;
        let scale = unit.scale();
        let (t0, t1) = if domain.1 > domain.0 {
            domain
        } else {
            (domain.0, domain.0 + 1.0)
        };
        let visible = points.iter().filter(|p| p[0] >= t0 && p[0] <= t1);
        let (lo, hi) = visible.fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p[1] * scale), hi.max(p[1] * scale))
        });
        let (lo, hi) = if lo > hi {
            (0.0, 1.0)
        } else if hi - lo < 1e-9 {
            (lo - 0.5, hi + 0.5)
        } else {
            (
                lo.min(0.0).max(lo - (hi - lo) * 0.05),
                hi + (hi - lo) * 0.05,
            )
        };
        let font = ("sans-serif", 11).into_font().color(&fg);
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(20)
            .y_label_area_size(44)
            .build_cartesian_2d(t0..t1, lo..hi)
            .ok()?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .light_line_style(grid)
            .bold_line_style(grid)
            .axis_style(fg)
            .label_style(font)
            .x_labels(6)
            .y_labels(4)
            .x_label_formatter(&|t| super::clock_text(clock, *t, false))
            .y_label_formatter(&|v| super::tick(*v))
            .draw()
            .ok()?;
        // A pause in the metric (no lines for a while) is a gap, not a ramp.
        let inside: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p[0] >= t0 && p[0] <= t1)
            .map(|p| (p[0], p[1] * scale))
            .collect();
        let gap = gap_threshold(&inside);
        let mut start = 0;
        for i in 1..=inside.len() {
            if i == inside.len() || inside[i].0 - inside[i - 1].0 > gap {
                chart
                    .draw_series(LineSeries::new(
                        inside[start..i].iter().copied(),
                        line.stroke_width(1),
                    ))
                    .ok()?;
                start = i;
            }
        }
        root.present().ok()?;
        let (xr, _) = chart.plotting_area().get_pixel_range();
        if let Some(p) = perf {
            let _ = canvas
                .unchecked_ref::<web_sys::Element>()
                .set_attribute("data-draw-ms", &format!("{:.2}", p.now() - started));
        }
        Some((f64::from(xr.start), f64::from(xr.end)))
    }

    /// Spacing above which consecutive points are not joined: ten times the
    /// median spacing, and at least two seconds.
    fn gap_threshold(points: &[(f64, f64)]) -> f64 {
        if points.len() < 3 {
            return f64::INFINITY;
        }
        let mut d: Vec<f64> = points.windows(2).map(|w| w[1].0 - w[0].0).collect();
        let mid = d.len() / 2;
        let (_, m, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
        (*m * 10.0).max(2.0)
    }

    /// Draws `n` synthetic points on a detached canvas `reps` times and
    /// returns the mean milliseconds per draw: the chart's own benchmark.
    pub fn bench(n: usize, reps: usize) -> f64 {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return f64::NAN;
        };
        let Ok(el) = doc.create_element("canvas") else {
            return f64::NAN;
        };
        let canvas: web_sys::HtmlCanvasElement = el.unchecked_into();
        canvas.set_width(900);
        canvas.set_height(super::HEIGHT);
        let _ = doc.body().map(|b| b.append_child(&canvas));
        let points: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 * 0.5;
                [
                    t,
                    0.03 + 0.01 * (t * 0.1).sin() + if i % 997 == 0 { 0.2 } else { 0.0 },
                ]
            })
            .collect();
        let perf = web_sys::window().and_then(|w| w.performance());
        let started = perf.as_ref().map_or(0.0, |p| p.now());
        for _ in 0..reps.max(1) {
            draw(
                &canvas,
                &points,
                (0.0, n as f64 * 0.5),
                Unit::Millis,
                Some(0.0),
            );
        }
        let took = perf.map_or(f64::NAN, |p| p.now() - started);
        canvas.remove();
        took / reps.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::{Unit, clock_text, describe, nearest, one_clock, tick};

    #[test]
    fn logs_share_one_clock() {
        // The server log began 5 s before the client log.
        let (zero, off) = one_clock(&[Some(75_605.0), Some(75_600.0)]).unwrap();
        assert_eq!((zero, &off[..]), (75_600.0, &[5.0, 0.0][..]));
        assert_eq!(clock_text(Some(zero), off[0] + 1.25, true), "21:00:06.2");
        // Across midnight: 23:59:58 and 00:00:03 are 5 s apart.
        let (zero, off) = one_clock(&[Some(3.0), Some(86_398.0)]).unwrap();
        assert_eq!((zero, off), (86_398.0, vec![5.0, 0.0]));
        assert_eq!(clock_text(Some(zero), 2.0, false), "00:00:00");
        // One log alone; a start not known leaves the clock unknown.
        assert_eq!(one_clock(&[Some(10.0)]), Some((10.0, vec![0.0])));
        assert_eq!(one_clock(&[Some(10.0), None]), None);
        assert_eq!(clock_text(None, 75.94, true), "+75.9 s");
    }

    #[test]
    fn ticks_have_no_needless_decimals() {
        assert_eq!(tick(30.0), "30");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(1200.0), "1200");
    }

    #[test]
    fn the_nearest_point_in_time() {
        let pts = [[0.0, 1.0], [1.0, 1.0], [3.0, 1.0]];
        assert_eq!(nearest(&pts, -5.0), Some(0));
        assert_eq!(nearest(&pts, 1.9), Some(1));
        assert_eq!(nearest(&pts, 2.1), Some(2));
        assert_eq!(nearest(&pts, 9.0), Some(2));
        assert_eq!(nearest(&[], 1.0), None);
    }

    #[test]
    fn a_chart_is_described_by_its_figures() {
        let pts: Vec<[f64; 2]> = (0..=100).map(|i| [i as f64, i as f64 / 1000.0]).collect();
        assert_eq!(
            describe("Latency", Unit::Millis, &pts, None),
            "Latency: 101 points from +0 s to +100 s; median 50.0 ms, p95 95.0 ms, max 100 ms"
        );
        assert_eq!(
            describe("Latency", Unit::Millis, &pts, Some(3600.0)),
            "Latency: 101 points from 01:00:00 to 01:01:40 UTC; median 50.0 ms, p95 95.0 ms, max 100 ms"
        );
        assert_eq!(
            describe("Latency", Unit::Millis, &[], None),
            "Latency: no points"
        );
        assert_eq!(
            describe("Size", Unit::Bytes, &[[0.0, f64::NAN]], None),
            "Size: no finite values"
        );
    }
}
