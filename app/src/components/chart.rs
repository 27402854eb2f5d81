//! A metric chart drawn with plotters on a canvas in the browser, with a
//! crosshair shared by every chart of the run, hover values, and zoom by
//! dragging across it.

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

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn axis(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Bytes => "KiB",
        }
    }
}

/// Time window and pointer position shared by the charts of one run.
#[derive(Clone, Copy)]
pub struct Crosshair {
    /// Pointer time (seconds since the log's start), if over a chart.
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

/// What a chart shows, in words, for a screen reader: the points, the
/// time they span and the median, p95 and maximum of the values.
pub fn describe(title: &str, unit: Unit, points: &[[f64; 2]]) -> String {
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
        "{title}: {} points from {:.0} s to {:.0} s; median {}, p95 {}, max {}",
        points.len(),
        points[0][0],
        points[points.len() - 1][0],
        unit.show(at(0.5)),
        unit.show(at(0.95)),
        unit.show(v[v.len() - 1]),
    )
}

/// One chart: the series drawn, a crosshair line, the hovered value.
#[component]
pub fn Chart(
    title: &'static str,
    unit: Unit,
    series: Signal<Option<Series>>,
    cross: Crosshair,
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
            && let Some(span) = draw::draw(&el, &s.points, domain, unit)
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
    let hovered_value = move || {
        let t = cross.hover.get()?;
        series.with(|s| {
            let pts = &s.as_ref()?.points;
            let i = pts.partition_point(|p| p[0] < t);
            let best = [i.checked_sub(1), Some(i)]
                .into_iter()
                .flatten()
                .filter_map(|j| pts.get(j))
                .min_by(|a, b| (a[0] - t).abs().total_cmp(&(b[0] - t).abs()))?;
            Some(*best)
        })
    };
    let offset_x = |ev: &leptos::ev::MouseEvent| ev.offset_x() as f64;

    view! {
        <figure class="chart" data-testid=format!("chart-{}", title.to_lowercase().replace(' ', "-"))>
            <figcaption>
                <span class="chart-title">{title}</span>
                <span class="chart-hover mono" data-testid="hover-value">
                    {move || hovered_value().map(|p| format!("t={:.1}s  {}", p[0], unit.show(p[1])))}
                </span>
            </figcaption>
            <div class="chart-body">
                <canvas
                    node_ref=canvas
                    height=HEIGHT
                    role="img"
                    aria-label=move || series.with(|s| describe(title, unit, s.as_ref().map_or(&[][..], |s| &s.points[..])))
                    data-points=move || series.with(|s| s.as_ref().map_or(0, |s| s.points.len()))
                    on:mousemove=move |ev| {
                        let x = offset_x(&ev);
                        cross.hover.set(Some(to_t(x)));
                        drag.update(|d| if let Some(d) = d { d.1 = x; });
                    }
                    on:mouseleave=move |_| { cross.hover.set(None); drag.set(None); }
                    on:mousedown=move |ev| { let x = offset_x(&ev); drag.set(Some((x, x))); }
                    on:mouseup=move |_| {
                        if let Some((a, b)) = drag.get_untracked()
                            && (a - b).abs() > 4.0
                        {
                            let (ta, tb) = (to_t(a.min(b)), to_t(a.max(b)));
                            cross.zoom.run((ta, tb));
                        }
                        drag.set(None);
                    }
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
            .y_label_area_size(52)
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
            .x_label_formatter(&|t| format!("{t:.0}s"))
            .y_label_formatter(&|v| format!("{v:.1} {}", unit.axis()))
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
            draw(&canvas, &points, (0.0, n as f64 * 0.5), Unit::Millis);
        }
        let took = perf.map_or(f64::NAN, |p| p.now() - started);
        canvas.remove();
        took / reps.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::{Unit, describe};

    #[test]
    fn a_chart_is_described_by_its_figures() {
        let pts: Vec<[f64; 2]> = (0..=100).map(|i| [i as f64, i as f64 / 1000.0]).collect();
        assert_eq!(
            describe("Latency", Unit::Millis, &pts),
            "Latency: 101 points from 0 s to 100 s; median 50.0 ms, p95 95.0 ms, max 100 ms"
        );
        assert_eq!(describe("Latency", Unit::Millis, &[]), "Latency: no points");
        assert_eq!(
            describe("Size", Unit::Bytes, &[[0.0, f64::NAN]]),
            "Size: no finite values"
        );
    }
}
