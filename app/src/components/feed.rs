//! The page's one event feed: opened with the first list's `event_seq` and
//! kept open while the reader searches and filters (each list used to open
//! its own). The table that is showing gets each event; the header's totals
//! are read again at most every [`TOTALS_EVERY_MS`] while events arrive.

use std::time::Duration;

use leptos::prelude::*;
use model::Event;

use crate::stream::{EventFeed, open_events};

/// Least time between two readings of the totals caused by events.
const TOTALS_EVERY_MS: u64 = 2000;

/// The feed, who listens, and when the totals should be read again.
#[derive(Clone, Copy)]
pub struct Feed {
    /// The open feed (dropping it closes it). Only in the browser: local
    /// storage is tied to one thread, and the server renders on several.
    source: Option<StoredValue<Option<EventFeed>, LocalStorage>>,
    /// The table's handler, under the token of the list that set it.
    handler: StoredValue<Option<(u64, Callback<Event>)>>,
    tokens: StoredValue<u64>,
    /// Whether a reading of the totals is already planned.
    planned: StoredValue<bool>,
    /// Bumped when the totals should be read again.
    pub totals: RwSignal<u64>,
}

impl Feed {
    /// Makes the page's feed (not yet open) and provides it.
    pub fn provide() -> Feed {
        let feed = Feed {
            source: cfg!(feature = "hydrate").then(|| StoredValue::new_local(None)),
            handler: StoredValue::new(None),
            tokens: StoredValue::new(0),
            planned: StoredValue::new(false),
            totals: RwSignal::new(0),
        };
        provide_context(feed);
        feed
    }

    pub fn get() -> Feed {
        expect_context::<Feed>()
    }

    /// Makes `on_event` the handler of events until the calling component
    /// is dropped, and opens the feed after `event_seq` if it is not open
    /// (a list that replaces another keeps the feed: no event between the
    /// two is lost, and one its first page already holds is read again,
    /// which is harmless).
    pub fn listen(self, event_seq: i64, on_event: Callback<Event>) {
        let token = self.tokens.get_value() + 1;
        self.tokens.set_value(token);
        self.handler.set_value(Some((token, on_event)));
        // The next list may set its handler before this one is dropped.
        on_cleanup(move || {
            self.handler.update_value(|h| {
                if h.as_ref().is_some_and(|(t, _)| *t == token) {
                    *h = None;
                }
            })
        });
        let Some(source) = self.source else { return };
        if source.with_value(Option::is_some) {
            return;
        }
        let on = move |e: Event| {
            self.plan_totals();
            if let Some((_, h)) = self.handler.get_value() {
                h.run(e);
            }
        };
        match open_events(event_seq, on) {
            Ok(f) => source.set_value(Some(f)),
            Err(e) => leptos::logging::warn!("no live updates: {e}"),
        }
    }

    /// Reads the totals again after [`TOTALS_EVERY_MS`], unless that is
    /// already planned.
    fn plan_totals(self) {
        if self.planned.get_value() {
            return;
        }
        self.planned.set_value(true);
        set_timeout(
            move || {
                self.planned.set_value(false);
                self.totals.update(|n| *n += 1);
            },
            Duration::from_millis(TOTALS_EVERY_MS),
        );
    }
}
