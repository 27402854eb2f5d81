//! The analytics strip: most common errors across all logs, errors against
//! median latency with their correlation, and bookmarks.

use leptos::prelude::*;

use super::format::{group_thousands, ms};
use super::nav::Nav;
use crate::client::get_json;
use model::{Bookmark, ErrorsVsLatency, TopTemplate};

/// Three cards under the header.
#[component]
pub fn Analytics() -> impl IntoView {
    let open = RwSignal::new(true);
    view! {
        <section class="analytics" class:collapsed=move || !open.get() data-testid="analytics">
            <button class="link toggle" on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "▾ Analytics" } else { "▸ Analytics" }}
            </button>
            <Show when=move || open.get()>
                <div class="cards">
                    <TopErrors/>
                    <Scatter/>
                    <Bookmarks/>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn TopErrors() -> impl IntoView {
    let top = LocalResource::new(|| {
        get_json::<Vec<TopTemplate>>("/api/analytics/templates?level=ERROR&limit=8".into())
    });
    view! {
        <div class="card" data-testid="top-errors">
            <h3>"Most common errors"</h3>
            {move || match top.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(t)) if t.is_empty() => view! { <p class="muted">"No errors in the indexed logs yet."</p> }.into_any(),
                Some(Ok(t)) => view! {
                    <ol class="top">
                        {t.into_iter().map(|t| { let title = t.template.clone(); view! {
                            <li title=title>
                                <span class="count mono">{group_thousands(t.count)}</span>
                                <span class="tmpl">{t.template}</span>
                                <span class="muted small">{format!("{} runs", group_thousands(t.runs))}</span>
                            </li>
                        }}).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Scatter() -> impl IntoView {
    let nav = Nav::get();
    let data = LocalResource::new(|| {
        get_json::<ErrorsVsLatency>("/api/analytics/errors-vs-latency".into())
    });
    let r = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.2}"));
    view! {
        <div class="card" data-testid="scatter">
            <h3>"Errors vs median latency"</h3>
            {move || match data.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(d)) if d.points.is_empty() => view! { <p class="muted">"No run has both an error rate and a latency yet."</p> }.into_any(),
                Some(Ok(d)) => {
                    let (w, h) = (260.0, 120.0);
                    let xmax = d.points.iter().map(|p| p.error_pct).fold(0.0_f64, f64::max).max(1e-9);
                    let ymax = d.points.iter().map(|p| p.latency_p50).fold(0.0_f64, f64::max).max(1e-9);
                    let dots = d.points.iter().map(|p| {
                        let id = p.run_id;
                        let (x, y) = (4.0 + p.error_pct / xmax * (w - 8.0), h - 4.0 - p.latency_p50 / ymax * (h - 8.0));
                        view! {
                            <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.2" on:click=move |_| nav.push(|v| v.run = Some(id))>
                                <title>{format!("run {id}: {:.2}% errors, {}", p.error_pct, ms(p.latency_p50))}</title>
                            </circle>
                        }
                    }).collect_view();
                    view! {
                        <svg class="scatter" viewBox=format!("0 0 {w} {h}") role="img" aria-label="error percentage against median latency per run">
                            <line x1="4" y1=h - 4.0 x2=w y2=h - 4.0 class="axis"/>
                            <line x1="4" y1="0" x2="4" y2=h - 4.0 class="axis"/>
                            {dots}
                        </svg>
                        <p class="small">
                            {format!("{} runs · x: error % (max {:.1}%) · y: median latency (max {})", group_thousands(d.runs as i64), xmax, ms(ymax))}
                            <br/>
                            <span data-testid="correlation">{format!("Pearson r = {} · Spearman ρ = {}", r(d.pearson), r(d.spearman))}</span>
                        </p>
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn Bookmarks() -> impl IntoView {
    let nav = Nav::get();
    // Refreshed whenever the selected run changes (bookmarks are set there).
    let list = LocalResource::new(move || {
        nav.view.with(|v| v.run);
        get_json::<Vec<Bookmark>>("/api/bookmarks".into())
    });
    view! {
        <div class="card" data-testid="bookmarks">
            <h3>"Bookmarks"</h3>
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(b)) if b.is_empty() => view! { <p class="muted">"No bookmarks. Open a run and press “Bookmark”."</p> }.into_any(),
                Some(Ok(b)) => view! {
                    <ul class="marks">
                        {b.into_iter().map(|b| {
                            let id = b.run_id;
                            view! {
                                <li><button class="link mono" on:click=move |_| nav.push(|v| v.run = Some(id))>{id}</button>
                                    " " <span class="muted">{b.note}</span></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}
