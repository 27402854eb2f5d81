//! How log viewers are shown, as the reader chose: long lines wrapped, the
//! whole window used. One choice for every viewer of the page, so a new
//! search, level or line keeps it, and kept across visits.

use leptos::prelude::*;

use super::kept::{keep, kept};

const WRAP_KEY: &str = "logdeck.viewer.wrap";
const FULL_KEY: &str = "logdeck.viewer.full";
const CONTEXT_KEY: &str = "logdeck.viewer.context";

/// The choices of lines around each match, offered in the viewer.
pub const CONTEXT_CHOICES: [u32; 4] = [0, 2, 5, 10];

/// The viewers' display choices.
#[derive(Clone, Copy)]
pub struct ViewerPrefs {
    /// Long lines wrap (on unless turned off).
    pub wrap: RwSignal<bool>,
    /// The log viewer takes the whole window.
    pub full: RwSignal<bool>,
    /// Lines shown around each match of a search or level filter.
    pub context: RwSignal<u32>,
}

impl ViewerPrefs {
    /// The choices for the page, read from the browser once it runs the
    /// page (the server renders the defaults) and kept when they change.
    pub fn provide() -> ViewerPrefs {
        let prefs = ViewerPrefs {
            wrap: RwSignal::new(true),
            full: RwSignal::new(false),
            context: RwSignal::new(0),
        };
        Effect::new(move |_| {
            if let Some(n) = kept(CONTEXT_KEY).and_then(|v| v.parse().ok())
                && CONTEXT_CHOICES.contains(&n)
            {
                prefs.context.set(n);
            }
        });
        Effect::new(move |seen: Option<()>| {
            let n = prefs.context.get();
            if seen.is_some() {
                keep(CONTEXT_KEY, &n.to_string());
            }
        });
        for (signal, key) in [(prefs.wrap, WRAP_KEY), (prefs.full, FULL_KEY)] {
            Effect::new(move |_| {
                if let Some(v) = kept(key) {
                    signal.set(v == "1");
                }
            });
            Effect::new(move |seen: Option<()>| {
                let on = signal.get();
                if seen.is_some() {
                    keep(key, if on { "1" } else { "0" });
                }
            });
        }
        provide_context(prefs);
        prefs
    }

    /// The page's choices (the defaults outside a page that provides them).
    pub fn get() -> ViewerPrefs {
        use_context().unwrap_or_else(|| ViewerPrefs {
            wrap: RwSignal::new(true),
            full: RwSignal::new(false),
            context: RwSignal::new(0),
        })
    }
}
