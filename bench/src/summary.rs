//! The figures of a `logdeck bench` run, kept per engine and printed at
//! the end as one table, each beside its goal.

use crate::catalog::Engine;

/// What a figure must be to meet its goal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Under this value.
    Below(f64),
    /// At least this value.
    AtLeast(f64),
    /// Reported only.
    None,
}

impl Goal {
    fn met(self, value: f64) -> Option<bool> {
        match self {
            Goal::Below(g) => Some(value < g),
            Goal::AtLeast(g) => Some(value >= g),
            Goal::None => None,
        }
    }

    fn text(self, unit: &str) -> String {
        match self {
            Goal::Below(g) => format!("< {}{unit}", number(g)),
            Goal::AtLeast(g) => format!(">= {}{unit}", number(g)),
            Goal::None => "-".into(),
        }
    }
}

/// One measured figure.
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: String,
    pub value: f64,
    /// Printed after the value and the goal (" ms", " s", " %", " MB").
    pub unit: &'static str,
    pub goal: Goal,
}

/// The figures of one engine, in the order they were measured.
#[derive(Debug, Default)]
pub struct Figures(Vec<Figure>);

impl Figures {
    pub fn add(&mut self, name: impl Into<String>, value: f64, unit: &'static str, goal: Goal) {
        self.0.push(Figure {
            name: name.into(),
            value,
            unit,
            goal,
        });
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|f| f.name == name).map(|f| f.value)
    }
}

/// The figures of every engine measured.
#[derive(Debug, Default)]
pub struct Summary(Vec<(Engine, Figures)>);

/// The figure the engines' indexing times are compared on.
pub const INDEX_SECONDS: &str = "index 1,000 logs beside the runs (median pass)";

impl Summary {
    /// The figures of `engine`, to be filled.
    pub fn engine(&mut self, engine: Engine) -> &mut Figures {
        self.0.push((engine, Figures::default()));
        &mut self.0.last_mut().expect("just pushed").1
    }

    /// Prints every figure beside its goal, one column per engine, and
    /// PostgreSQL's indexing time against SQLite's when both ran.
    pub fn print(&self) {
        let mut names: Vec<(&str, &'static str, Goal)> = Vec::new();
        for (_, figures) in &self.0 {
            for f in &figures.0 {
                if !names.iter().any(|(n, _, _)| *n == f.name) {
                    names.push((&f.name, f.unit, f.goal));
                }
            }
        }
        println!();
        print!("{:<72} {:>12}", "figure", "goal");
        for (engine, _) in &self.0 {
            print!(" {:>16}", engine.name());
        }
        println!();
        let (mut met, mut missed) = (0, 0);
        for (name, unit, goal) in names {
            print!("{name:<72} {:>12}", goal.text(unit));
            for (_, figures) in &self.0 {
                let cell = match figures.0.iter().find(|f| f.name == name) {
                    None => "-".to_string(),
                    Some(f) => {
                        let verdict = match f.goal.met(f.value) {
                            Some(true) => {
                                met += 1;
                                " ok"
                            }
                            Some(false) => {
                                missed += 1;
                                " MISSED"
                            }
                            None => "",
                        };
                        format!("{}{unit}{verdict}", number(f.value))
                    }
                };
                print!(" {cell:>16}");
            }
            println!();
        }
        let seconds = |e: Engine| {
            self.0
                .iter()
                .find(|(engine, _)| *engine == e)
                .and_then(|(_, f)| f.get(INDEX_SECONDS))
        };
        if let (Some(sqlite), Some(pg)) = (seconds(Engine::Sqlite), seconds(Engine::Postgres)) {
            let ratio = pg / sqlite;
            let ok = ratio <= 1.5;
            if ok {
                met += 1;
            } else {
                missed += 1;
            }
            println!(
                "{:<72} {:>12} {:>16}",
                "indexing time, PostgreSQL against SQLite",
                "<= 1.5x",
                format!("{ratio:.2}x{}", if ok { " ok" } else { " MISSED" })
            );
        }
        println!("goals met: {met}, missed: {missed}");
    }
}

/// A value with the precision its size needs.
fn number(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
