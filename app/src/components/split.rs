//! The bar between the run table and an open run: dragged (or moved with
//! the arrow keys when focused) it sets the table's share of the width,
//! which the browser keeps across visits. A double click, or `Home`, puts
//! it back. On a phone the run is a sheet over the table and there is no
//! bar.

use leptos::prelude::*;

use super::kept::{keep, kept};

/// Where the browser keeps the table's share.
const STORAGE_KEY: &str = "logdeck.split";
/// The table's share of the width, in percent, before the reader moves it.
pub const DEFAULT: f64 = 46.0;
/// The narrowest and widest the table gets, in percent.
pub const MIN: f64 = 25.0;
pub const MAX: f64 = 75.0;
/// How far an arrow key moves the bar, in percent.
const STEP: f64 = 2.0;

/// A share within [`MIN`, `MAX`] (nonsense gives the default).
pub fn clamp(pct: f64) -> f64 {
    if pct.is_finite() {
        pct.clamp(MIN, MAX)
    } else {
        DEFAULT
    }
}

/// Pixels from the table's right edge to the middle of the bar (the gap
/// and half the bar, as the stylesheet's `.splitter`).
const TO_BAR_MIDDLE: f64 = 9.0;

/// The share that puts the middle of the bar under the pointer at `x`,
/// for a table that starts at `left` in a row `width` wide (its content
/// box; all in pixels).
pub fn at_pointer(x: f64, left: f64, width: f64) -> f64 {
    if width <= 0.0 {
        return DEFAULT;
    }
    clamp((x - TO_BAR_MIDDLE - left) / width * 100.0)
}

/// The share after `key` is pressed on the bar, if the key moves it.
pub fn after_key(pct: f64, key: &str) -> Option<f64> {
    match key {
        "ArrowLeft" => Some(clamp(pct - STEP)),
        "ArrowRight" => Some(clamp(pct + STEP)),
        "Home" => Some(DEFAULT),
        _ => None,
    }
}

/// The table's share, shared by the page (which sizes the table with it)
/// and the bar.
#[derive(Clone, Copy)]
pub struct Split(pub RwSignal<f64>);

impl Split {
    /// The default on the server and until the app starts, then what the
    /// browser kept.
    pub fn provide() -> Split {
        let split = Split(RwSignal::new(DEFAULT));
        Effect::new(move |_| {
            if let Some(pct) = kept(STORAGE_KEY).and_then(|t| t.parse::<f64>().ok()) {
                split.0.set(clamp(pct));
            }
        });
        split
    }

    /// As CSS for the table's width (`--split` on the page's main area).
    pub fn css(self) -> String {
        format!("{:.1}%", self.0.get())
    }

    /// Sets the share and keeps it; the page's parts that size themselves
    /// to the window (the log's wrapping, the table's window of rows) are
    /// told the layout changed.
    fn set(self, pct: f64, settle: bool) {
        self.0.set(clamp(pct));
        if settle {
            keep(STORAGE_KEY, &format!("{:.1}", self.0.get_untracked()));
            layout_changed();
        }
    }
}

/// Sends a window `resize` event: what listens for the window's size also
/// follows the bar.
fn layout_changed() {
    #[cfg(feature = "hydrate")]
    if let Ok(ev) = leptos::web_sys::Event::new("resize") {
        let _ = window().dispatch_event(&ev);
    }
}

/// Where the table starts and how wide the row the bar divides is, from
/// an event on the bar (the page's main area without its padding, which
/// is the table's left offset on either side).
#[cfg(feature = "hydrate")]
fn row_of(ev: &leptos::ev::PointerEvent) -> Option<(f64, f64)> {
    use leptos::wasm_bindgen::JsCast;
    let bar = ev.target()?.dyn_into::<leptos::web_sys::Element>().ok()?;
    let main = bar.parent_element()?.get_bounding_client_rect();
    let table = bar.previous_element_sibling()?.get_bounding_client_rect();
    let pad = table.left() - main.left();
    Some((table.left(), main.width() - 2.0 * pad))
}

#[cfg(not(feature = "hydrate"))]
fn row_of(_ev: &leptos::ev::PointerEvent) -> Option<(f64, f64)> {
    None
}

/// The bar itself: a focusable `separator` with its value for assistive
/// technology.
#[component]
pub fn Splitter(split: Split) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_down = move |ev: leptos::ev::PointerEvent| {
        use leptos::wasm_bindgen::JsCast;
        if ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
        {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        dragging.set(true);
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        if !dragging.get_untracked() {
            return;
        }
        if let Some((left, width)) = row_of(&ev) {
            split.set(at_pointer(f64::from(ev.client_x()), left, width), false);
        }
    };
    let on_up = move |_: leptos::ev::PointerEvent| {
        if dragging.get_untracked() {
            dragging.set(false);
            split.set(split.0.get_untracked(), true);
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(pct) = after_key(split.0.get_untracked(), &ev.key()) {
            ev.prevent_default();
            split.set(pct, true);
        }
    };
    view! {
        <div
            class="splitter"
            class:dragging=dragging
            data-testid="splitter"
            role="separator"
            tabindex="0"
            aria-orientation="vertical"
            aria-label="Width of the run table"
            aria-valuemin=MIN
            aria-valuemax=MAX
            aria-valuenow=move || format!("{:.0}", split.0.get())
            title="Drag to share the width between the table and the run (double click: back to the default)"
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=on_up
            on:keydown=on_key
            on:dblclick=move |_| split.set(DEFAULT, true)
        ></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_stays_within_its_bounds() {
        assert_eq!(clamp(10.0), MIN);
        assert_eq!(clamp(90.0), MAX);
        assert_eq!(clamp(f64::NAN), DEFAULT);
        assert_eq!(clamp(f64::INFINITY), DEFAULT);
        assert_eq!(at_pointer(609.0, 100.0, 1000.0), 50.0);
        assert_eq!(at_pointer(0.0, 100.0, 1000.0), MIN);
        assert_eq!(at_pointer(5000.0, 100.0, 1000.0), MAX);
        assert_eq!(at_pointer(300.0, 0.0, 0.0), DEFAULT);
    }

    #[test]
    fn arrow_keys_move_the_bar_and_home_puts_it_back() {
        assert_eq!(after_key(50.0, "ArrowLeft"), Some(48.0));
        assert_eq!(after_key(50.0, "ArrowRight"), Some(52.0));
        assert_eq!(after_key(MAX, "ArrowRight"), Some(MAX));
        assert_eq!(after_key(30.0, "Home"), Some(DEFAULT));
        assert_eq!(after_key(30.0, "Enter"), None);
    }
}
