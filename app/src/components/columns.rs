//! Which of the table's optional columns show: chosen by the reader, one
//! choice for the full-width table and one for the table beside an open
//! run, kept in the browser (`localStorage`) across visits. The id, user,
//! time and errors columns always show; on a phone only they do.

use leptos::prelude::*;

use super::kept::{keep, kept};

/// A column the reader may hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Ip,
    Version,
    Client,
    Server,
    Warnings,
    Latency,
    Spark,
}

impl Col {
    pub const ALL: [Col; 7] = [
        Col::Ip,
        Col::Version,
        Col::Client,
        Col::Server,
        Col::Warnings,
        Col::Latency,
        Col::Spark,
    ];

    /// The suffix of its cells' class (`k-ip`) and its name when stored.
    pub fn key(self) -> &'static str {
        match self {
            Col::Ip => "ip",
            Col::Version => "version",
            Col::Client => "client",
            Col::Server => "server",
            Col::Warnings => "warnings",
            Col::Latency => "lat",
            Col::Spark => "spark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Col::Ip => "ip",
            Col::Version => "version",
            Col::Client => "client log",
            Col::Server => "server log",
            Col::Warnings => "warnings",
            Col::Latency => "latency",
            Col::Spark => "latency sparkline",
        }
    }

    fn index(self) -> usize {
        Col::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// Hidden columns, one flag per [`Col::ALL`] entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden([bool; 7]);

impl Hidden {
    /// Nothing hidden: the full-width default.
    pub const WIDE: Hidden = Hidden([false; 7]);
    /// Beside a run: ip, version, both logs and the sparkline hidden.
    pub const BESIDE: Hidden = Hidden([true, true, true, true, false, false, true]);

    pub fn has(self, c: Col) -> bool {
        self.0[c.index()]
    }

    pub fn toggled(mut self, c: Col) -> Hidden {
        self.0[c.index()] = !self.0[c.index()];
        self
    }

    /// The table's classes: `runs hide-ip hide-version …`.
    pub fn classes(self) -> String {
        let mut s = String::from("runs");
        for c in Col::ALL.into_iter().filter(|c| self.has(*c)) {
            s.push_str(" hide-");
            s.push_str(c.key());
        }
        s
    }

    /// As stored: the hidden columns' keys, comma-separated.
    fn store(self) -> String {
        Col::ALL
            .into_iter()
            .filter(|c| self.has(*c))
            .map(Col::key)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// From [`Hidden::store`]'s text; unknown keys are skipped.
    fn load(text: &str) -> Hidden {
        let mut h = Hidden([false; 7]);
        for key in text.split(',') {
            if let Some(c) = Col::ALL.into_iter().find(|c| c.key() == key) {
                h.0[c.index()] = true;
            }
        }
        h
    }
}

/// The two choices, stored as `wide=…;beside=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub wide: Hidden,
    pub beside: Hidden,
}

impl Default for Choice {
    fn default() -> Self {
        Choice {
            wide: Hidden::WIDE,
            beside: Hidden::BESIDE,
        }
    }
}

/// Where the browser keeps the choice.
const STORAGE_KEY: &str = "logdeck.columns";

impl Choice {
    fn store(self) -> String {
        format!("wide={};beside={}", self.wide.store(), self.beside.store())
    }

    /// Reads a stored choice; a part that is missing keeps its default.
    fn load(text: &str) -> Choice {
        let mut c = Choice::default();
        for part in text.split(';') {
            match part.split_once('=') {
                Some(("wide", v)) => c.wide = Hidden::load(v),
                Some(("beside", v)) => c.beside = Hidden::load(v),
                _ => {}
            }
        }
        c
    }
}

/// The reader's choice, shared by the table and its chooser.
#[derive(Clone, Copy)]
pub struct Columns(pub RwSignal<Choice>);

impl Columns {
    /// Provides the choice: the defaults on the server and until the app
    /// starts, then what the browser kept.
    pub fn provide() -> Columns {
        let cols = Columns(RwSignal::new(Choice::default()));
        Effect::new(move |_| {
            if let Some(text) = kept(STORAGE_KEY) {
                cols.0.set(Choice::load(&text));
            }
        });
        provide_context(cols);
        cols
    }

    /// The columns hidden now (`beside`: a run is open).
    pub fn hidden(self, beside: bool) -> Hidden {
        self.0.with(|c| if beside { c.beside } else { c.wide })
    }

    fn toggle(self, beside: bool, col: Col) {
        self.0.update(|c| {
            let h = if beside { &mut c.beside } else { &mut c.wide };
            *h = h.toggled(col);
        });
        keep(STORAGE_KEY, &self.0.get_untracked().store());
    }
}

/// A menu of checkboxes, one per optional column, for the layout showing.
#[component]
pub fn ColumnChooser(cols: Columns, beside: Memo<bool>) -> impl IntoView {
    view! {
        <details class="columns" data-testid="columns">
            <summary>{move || if beside.get() { "Columns beside a run" } else { "Columns" }}</summary>
            <div class="columns-menu" role="group" aria-label="Columns shown">
                {Col::ALL.into_iter().map(|c| view! {
                    <label>
                        <input
                            type="checkbox"
                            data-col=c.key()
                            prop:checked=move || !cols.hidden(beside.get()).has(c)
                            on:change=move |_| cols.toggle(beside.get_untracked(), c)
                        />
                        {c.label()}
                    </label>
                }).collect_view()}
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_reads_back() {
        let c = Choice {
            wide: Hidden::WIDE.toggled(Col::Spark).toggled(Col::Ip),
            beside: Hidden::BESIDE.toggled(Col::Version),
        };
        assert_eq!(c.store(), "wide=ip,spark;beside=ip,client,server,spark");
        assert_eq!(Choice::load(&c.store()), c);
        assert_eq!(Choice::load(""), Choice::default());
        assert_eq!(
            Choice::load("beside=;junk;wide=nope,lat").wide.classes(),
            "runs hide-lat"
        );
        assert_eq!(Choice::load("beside=").beside, Hidden([false; 7]));
    }

    #[test]
    fn the_defaults_keep_the_key_columns_beside_a_run() {
        assert_eq!(
            Hidden::BESIDE.classes(),
            "runs hide-ip hide-version hide-client hide-server hide-spark"
        );
        assert_eq!(Hidden::WIDE.classes(), "runs");
    }
}
