//! Protocol builds as populations of sessions (migration 9): each build's
//! per-session figures kept as [`Binned`] counts, recomputed from its runs'
//! columns when a log of one of them is indexed, and compared at request
//! time at the cost of the bins. A build's recomputation also sets the
//! outlier flag of each of its runs.
//!
//! Invariants: a build is `dirty` from the moment a change to one of its
//! runs commits until a recomputation that started after it ends (the
//! flag is cleared before the runs are read, so a change during a
//! recomputation leaves it dirty again); a report and a run's outlier note
//! read `builds` rows only, never the runs of a build.

use std::collections::HashMap;

use model::{
    BuildMeasure, BuildReport, BuildsReport, Comparison, Measure, MeasureAxis, OutlierNote,
    PopulationRules, Verdict,
};
use popstats::{BIN_RATIO, Binned, Spread, bin_value, holm, rank_test_binned};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::sql::Sql;
use crate::{Catalog, CatalogError};

/// Bars in a measure's small multiple.
pub const BARS: usize = 24;

/// A build's figures as stored (`builds.figures`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Figures {
    /// In [`Measure::ALL`]'s order.
    measures: Vec<StoredMeasure>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredMeasure {
    measure: Measure,
    binned: Binned,
    /// For the outlier measures: where the build's sessions lie.
    spread: Option<StoredSpread>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct StoredSpread {
    median: f64,
    mad: f64,
    scale: f64,
    n: u64,
}

impl From<Spread> for StoredSpread {
    fn from(s: Spread) -> Self {
        StoredSpread {
            median: s.median,
            mad: s.mad,
            scale: s.scale,
            n: s.n as u64,
        }
    }
}

impl StoredSpread {
    fn spread(self) -> Spread {
        Spread {
            median: self.median,
            mad: self.mad,
            scale: self.scale,
            n: self.n as usize,
        }
    }
}

impl Figures {
    fn of(&self, m: Measure) -> Option<&StoredMeasure> {
        self.measures.iter().find(|s| s.measure == m)
    }
}

fn parse_figures(text: Option<String>) -> Result<Figures, CatalogError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(|e| CatalogError::Corrupt(format!("build figures: {e}")))
        .map(Option::unwrap_or_default)
}

/// `version IN (…)` of the runs `ids`: their builds become dirty (before
/// an import rewrites them, so a run moved to another build leaves its old
/// build dirty too).
pub(crate) async fn mark_runs_changed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        backend,
        "UPDATE builds SET dirty = 1 WHERE dirty = 0 AND version IN \
         (SELECT version FROM runs WHERE id IN (",
    );
    q.list(ids.iter().copied());
    q.push("))");
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Makes sure builds `versions` exist, and marks them dirty.
pub(crate) async fn mark_versions_changed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    versions: &[&str],
) -> Result<(), sqlx::Error> {
    if versions.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(backend, "INSERT INTO builds (version) VALUES ");
    q.values(versions.iter(), |t, v| {
        t.bind(v.to_string());
    });
    q.push(" ON CONFLICT (version) DO NOTHING");
    q.execute(&mut **tx).await?;
    let mut q = Sql::new(
        backend,
        "UPDATE builds SET dirty = 1 WHERE dirty = 0 AND version IN (",
    );
    q.list(versions.iter().map(|v| v.to_string()));
    q.push(")");
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Marks the build of run `run_id` dirty (a log of it was indexed). Only
/// a clean build's row is written, so indexing many runs of one build
/// waits on that row once per recomputation, not once per log.
pub(crate) async fn mark_run_changed(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    run_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE builds SET dirty = 1 WHERE dirty = 0 AND version = \
         (SELECT version FROM runs WHERE id = $1)",
    )
    .bind(run_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A run's figures as a recomputation reads them.
struct Session {
    id: i64,
    at: i64,
    values: [Option<f64>; 9],
    outlier: Option<String>,
    score: Option<f64>,
    measured: bool,
}

/// The outlier flag of a session against its build's spreads: the measure
/// with the highest score at or above the threshold.
fn outlier_of(
    values: &[Option<f64>; 9],
    spreads: &[(usize, Spread)],
    rules: &PopulationRules,
) -> Option<(Measure, f64)> {
    let mut best: Option<(Measure, f64)> = None;
    for &(i, spread) in spreads {
        let Some(v) = values[i] else { continue };
        let score = spread.score(v);
        if score >= rules.outlier_score && best.is_none_or(|b| score > b.1) {
            best = Some((Measure::ALL[i], score));
        }
    }
    // Scores are stored as REAL; an infinite one (a spread of 0) is kept
    // as the largest finite value.
    best.map(|(m, s)| (m, s.min(f64::MAX)))
}

/// Outlier flags written by one statement on PostgreSQL (and in one
/// transaction on both engines). Every flag written there is a new version
/// of its run in each of the table's indexes (the flag is in the predicate
/// of the outlier orders' indexes); a statement per flag also paid a round
/// trip and a plan for each: at 1M runs, 2,000 flags took 1.4 s one by one
/// and 0.39 s in one statement. SQLite, in this process, pays neither, and
/// was slower with the list (every build of 1M runs recomputed in
/// 15.7–16.0 s, against 11.3–11.9 s a flag at a time; its plan was not
/// looked at): it writes a statement per flag.
const FLAGS_PER_STATEMENT: usize = 2000;

/// `UPDATE runs … FROM (VALUES …)` setting the outlier flag (or none) of
/// each run in `flags`. The values are cast, so that a column of NULLs
/// still has a type on PostgreSQL.
fn write_flags(backend: crate::Backend, flags: &[(i64, Option<(Measure, f64)>)]) -> Sql {
    let mut q = Sql::new(
        backend,
        "UPDATE runs SET outlier = v.column2, outlier_score = v.column3 FROM (VALUES ",
    );
    for (i, (id, flag)) in flags.iter().enumerate() {
        q.push(if i == 0 { "(CAST(" } else { ", (CAST(" });
        q.bind(*id).push(" AS BIGINT), ");
        match flag {
            Some((m, score)) => {
                q.push("CAST(")
                    .bind(m.as_str().to_string())
                    .push(" AS TEXT), CAST(")
                    .bind(*score)
                    .push(" AS DOUBLE PRECISION))");
            }
            None => {
                q.push("CAST(NULL AS TEXT), CAST(NULL AS DOUBLE PRECISION))");
            }
        }
    }
    q.push(") AS v WHERE runs.id = v.column1");
    q
}

impl Catalog {
    /// Builds whose figures are out of date: a run of theirs changed, or
    /// their outliers were flagged with another threshold.
    pub async fn stale_builds(&self, rules: &PopulationRules) -> Result<Vec<String>, CatalogError> {
        let rows = sqlx::query(
            "SELECT version FROM builds WHERE dirty = 1 OR scored_with IS NULL \
             OR scored_with <> $1 ORDER BY version",
        )
        .bind(rules.outlier_score)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get("version").map_err(Into::into))
            .collect()
    }

    /// Recomputes every stale build once; returns how many.
    pub async fn refresh_builds(
        &self,
        rules: &PopulationRules,
        now_ms: i64,
    ) -> Result<usize, CatalogError> {
        let stale = self.stale_builds(rules).await?;
        for v in &stale {
            self.refresh_build(v, rules, now_ms).await?;
        }
        Ok(stale.len())
    }

    /// Recomputes build `version` from its runs: its figures, and the
    /// outlier flag of each run (written only where it changes).
    pub async fn refresh_build(
        &self,
        version: &str,
        rules: &PopulationRules,
        now_ms: i64,
    ) -> Result<(), CatalogError> {
        // Clean first: a change committed from here on dirties it again.
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE builds SET dirty = 0, scored_with = $1 WHERE version = $2")
            .bind(rules.outlier_score)
            .bind(version.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;

        let columns: Vec<&str> = Measure::ALL.iter().map(|m| m.column()).collect();
        let rows = sqlx::query(&format!(
            "SELECT id, updated_at, {}, outlier, outlier_score, \
             (CASE WHEN lines IS NULL THEN 0 ELSE 1 END) AS measured \
             FROM runs WHERE version = $1",
            columns.join(", ")
        ))
        .bind(version.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut values = [None; 9];
            for (i, c) in columns.iter().enumerate() {
                values[i] = r.try_get::<Option<f64>, _>(*c)?.filter(|v| v.is_finite());
            }
            sessions.push(Session {
                id: r.try_get("id")?,
                at: r.try_get("updated_at")?,
                values,
                outlier: r.try_get("outlier")?,
                score: r.try_get("outlier_score")?,
                measured: r.try_get::<i32, _>("measured")? == 1,
            });
        }

        let mut figures = Figures::default();
        let mut spreads = Vec::new();
        for (i, &m) in Measure::ALL.iter().enumerate() {
            let values: Vec<f64> = sessions.iter().filter_map(|s| s.values[i]).collect();
            let spread = Measure::OUTLIER
                .contains(&m)
                .then(|| Spread::of(&values))
                .flatten();
            if let Some(s) = spread
                && s.n as u64 >= rules.min_sessions
            {
                spreads.push((i, s));
            }
            figures.measures.push(StoredMeasure {
                measure: m,
                binned: Binned::of(&values),
                spread: spread.map(StoredSpread::from),
            });
        }

        let mut changed = Vec::new();
        let mut outliers = 0u64;
        for s in &sessions {
            let flag = outlier_of(&s.values, &spreads, rules);
            outliers += u64::from(flag.is_some());
            let same = match (&flag, &s.outlier, s.score) {
                (None, None, _) => true,
                (Some((m, score)), Some(was), Some(was_score)) => {
                    m.as_str() == was && (score - was_score).abs() <= 1e-9 * score.abs()
                }
                _ => false,
            };
            if !same {
                changed.push((s.id, flag));
            }
        }

        let text = serde_json::to_string(&figures)
            .map_err(|e| CatalogError::Corrupt(format!("build figures: {e}")))?;
        let first_seen = sessions.iter().map(|s| s.at).min();
        let measured = sessions.iter().filter(|s| s.measured).count() as i64;
        for chunk in changed.chunks(FLAGS_PER_STATEMENT) {
            let mut tx = self.begin_write().await?;
            match self.backend {
                crate::Backend::Postgres => {
                    write_flags(self.backend, chunk).execute(&mut *tx).await?;
                }
                crate::Backend::Sqlite => {
                    for flag in chunk {
                        write_flags(self.backend, std::slice::from_ref(flag))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            tx.commit().await?;
        }
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(self.backend, "UPDATE builds SET first_seen = ");
        match first_seen {
            Some(t) => q.bind(t),
            None => q.push("NULL"),
        };
        q.push(", sessions = ")
            .bind(sessions.len() as i64)
            .push(", measured = ")
            .bind(measured)
            .push(", outliers = ")
            .bind(outliers as i64)
            .push(", figures = ")
            .bind(text)
            .push(", computed_ms = ")
            .bind(now_ms)
            .push(" WHERE version = ")
            .bind(version.to_string());
        q.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every build with a session, each compared with `baseline` (or,
    /// without one, with the build first seen before it).
    pub async fn builds_report(
        &self,
        baseline: Option<&str>,
        rules: &PopulationRules,
    ) -> Result<BuildsReport, CatalogError> {
        let builds = self.stored_builds().await?;
        let updating: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM builds WHERE dirty = 1 OR scored_with IS NULL \
             OR scored_with <> $1",
        )
        .bind(rules.outlier_score)
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?;
        let picked = match baseline.map(str::trim).filter(|b| !b.is_empty()) {
            None => None,
            Some(b) => Some(builds.iter().position(|s| s.version == b).ok_or_else(|| {
                CatalogError::NotFound(format!("baseline: no build {b:?} has a session"))
            })?),
        };
        let base_of: Vec<Option<usize>> = (0..builds.len())
            .map(|i| match picked {
                Some(p) if p != i => Some(p),
                Some(_) => None,
                None => i.checked_sub(1),
            })
            .collect();
        let (comparisons, tested) = compare(&builds, &base_of, rules);
        let axes: Vec<MeasureAxis> = Measure::ALL
            .iter()
            .map(|&m| axis(m, builds.iter().map(|b| b.binned(m))))
            .collect();
        let mut out: Vec<BuildReport> = builds
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let base = base_of[i].map(|j| &builds[j]);
                report_of(b, i, base, &comparisons, &axes, rules)
            })
            .collect();
        // Worse first, then the newest.
        out.sort_by(|a, b| {
            (b.verdict == Verdict::Worse)
                .cmp(&(a.verdict == Verdict::Worse))
                .then(b.first_seen.cmp(&a.first_seen))
                .then(a.version.cmp(&b.version))
        });
        Ok(BuildsReport {
            baseline: picked.map(|p| builds[p].version.clone()),
            rules: *rules,
            comparisons: tested,
            builds: out,
            axes,
            updating: updating.max(0) as u64,
        })
    }

    /// Every build with a session, first seen first, as its row keeps it.
    async fn stored_builds(&self) -> Result<Vec<StoredBuild>, CatalogError> {
        let rows = sqlx::query(
            "SELECT version, first_seen, sessions, measured, outliers, figures \
             FROM builds WHERE sessions > 0 ORDER BY first_seen, version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredBuild {
                    version: r.try_get("version")?,
                    first_seen: r.try_get::<Option<i64>, _>("first_seen")?.unwrap_or(0),
                    sessions: r.try_get::<i64, _>("sessions")?.max(0) as u64,
                    measured: r.try_get::<i64, _>("measured")?.max(0) as u64,
                    outliers: r.try_get::<i64, _>("outliers")?.max(0) as u64,
                    figures: parse_figures(r.try_get("figures")?)?,
                })
            })
            .collect()
    }

    /// Why run `id` is an outlier, from its build's stored spread; `None`
    /// when it is not one (or its build has not been recomputed since).
    pub(crate) async fn outlier_note(
        &self,
        run: &model::Run,
    ) -> Result<Option<OutlierNote>, CatalogError> {
        let (Some(measure), Some(version)) = (run.outlier, run.version.as_ref()) else {
            return Ok(None);
        };
        // The run's value and its build's figures, in one read.
        let row = sqlx::query(&format!(
            "SELECT runs.{} AS v, builds.figures AS figures FROM runs \
             JOIN builds ON builds.version = runs.version WHERE runs.id = $1",
            measure.column()
        ))
        .bind(run.id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(value) = row.try_get::<Option<f64>, _>("v")? else {
            return Ok(None);
        };
        let figures = parse_figures(row.try_get("figures")?)?;
        let Some(spread) = figures.of(measure).and_then(|f| f.spread) else {
            return Ok(None);
        };
        Ok(Some(OutlierNote {
            measure,
            value,
            score: spread.spread().score(value).min(f64::MAX),
            median: spread.median,
            version: version.clone(),
        }))
    }
}

/// A measure's axis over every build: [`BARS`] bars evenly spaced on the
/// log scale from the lowest bin any build has to the highest, after a bar
/// of zeros when some build has one.
fn axis<'a>(measure: Measure, all: impl Iterator<Item = &'a Binned> + Clone) -> MeasureAxis {
    let lo = all
        .clone()
        .filter(|b| !b.counts.is_empty())
        .map(|b| b.first)
        .min();
    let hi = all
        .clone()
        .filter(|b| !b.counts.is_empty())
        .map(|b| b.first + b.counts.len() as i32)
        .max();
    let zeros = all.clone().any(|b| b.zero > 0);
    let mut edges = Vec::new();
    if zeros {
        edges.push(0.0);
    }
    if let (Some(lo), Some(hi)) = (lo, hi) {
        let span = f64::from(hi - lo);
        for j in 0..=BARS {
            edges.push(BIN_RATIO.powf(f64::from(lo) + span * j as f64 / BARS as f64));
        }
    } else if zeros {
        edges.push(0.0);
    }
    MeasureAxis { measure, edges }
}

/// `b`'s counts on `axis`'s bars.
fn bars(b: &Binned, axis: &MeasureAxis) -> Vec<u64> {
    if axis.edges.len() < 2 {
        return Vec::new();
    }
    let n = axis.edges.len() - 1;
    let mut out = vec![0u64; n];
    let zeros = axis.edges[0] == 0.0;
    if zeros {
        out[0] += b.zero;
    }
    let logs: Vec<f64> = axis.edges[usize::from(zeros)..]
        .iter()
        .map(|e| e.ln())
        .collect();
    for (i, &c) in b.counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let v = bin_value(b.first + i as i32).ln();
        // The bar whose range holds the bin's centre.
        let j = logs
            .partition_point(|e| *e <= v)
            .clamp(1, logs.len().max(2) - 1)
            - 1;
        out[j + usize::from(zeros)] += c;
    }
    out
}

/// A build as [`Catalog::builds_report`] reads it.
struct StoredBuild {
    version: String,
    first_seen: i64,
    sessions: u64,
    measured: u64,
    outliers: u64,
    figures: Figures,
}

impl StoredBuild {
    /// The binned values of `m` (none when the build has no figures yet).
    fn binned(&self, m: Measure) -> &Binned {
        static EMPTY: Binned = Binned::EMPTY;
        self.figures.of(m).map_or(&EMPTY, |f| &f.binned)
    }
}

/// The rank test of every build against its baseline (`base_of`) on every
/// measure both have enough sessions of, Holm-adjusted across all of them:
/// the comparisons by (build, measure index), and how many tests were made.
fn compare(
    builds: &[StoredBuild],
    base_of: &[Option<usize>],
    rules: &PopulationRules,
) -> (HashMap<(usize, usize), Comparison>, u64) {
    let mut tests = Vec::new(); // (build, measure index, test, median change)
    for (i, b) in builds.iter().enumerate() {
        let Some(other) = base_of[i].map(|j| &builds[j]) else {
            continue;
        };
        if b.measured < rules.min_sessions || other.measured < rules.min_sessions {
            continue;
        }
        for (k, &m) in Measure::ALL.iter().enumerate() {
            let (x, y) = (b.binned(m), other.binned(m));
            if x.n() < rules.min_sessions || y.n() < rules.min_sessions {
                continue;
            }
            if let (Some(t), Some(mx), Some(my)) =
                (rank_test_binned(x, y), x.quantile(0.5), y.quantile(0.5))
            {
                tests.push((i, k, t, mx - my));
            }
        }
    }
    let adjusted = holm(&tests.iter().map(|t| t.2.p).collect::<Vec<_>>());
    let comparisons = tests
        .iter()
        .zip(&adjusted)
        .map(|(&(i, k, test, change), &adj)| {
            let significant = adj <= rules.alpha;
            let comparison = Comparison {
                p: test.p,
                p_adjusted: adj,
                cliffs_delta: test.cliffs_delta,
                median_change: change,
                worse: significant && test.cliffs_delta >= rules.min_delta,
                better: significant && test.cliffs_delta <= -rules.min_delta,
            };
            ((i, k), comparison)
        })
        .collect();
    (comparisons, tests.len() as u64)
}

/// Build `i`'s report: each measure's figures and bars on the common axes,
/// its comparison with `base`, and the verdict.
fn report_of(
    b: &StoredBuild,
    i: usize,
    base: Option<&StoredBuild>,
    comparisons: &HashMap<(usize, usize), Comparison>,
    axes: &[MeasureAxis],
    rules: &PopulationRules,
) -> BuildReport {
    let measures: Vec<BuildMeasure> = Measure::ALL
        .iter()
        .enumerate()
        .map(|(k, &m)| {
            let x = b.binned(m);
            BuildMeasure {
                measure: m,
                sessions: x.n(),
                median: x.quantile(0.5),
                p95: x.quantile(0.95),
                bars: bars(x, &axes[k]),
                comparison: comparisons.get(&(i, k)).copied(),
            }
        })
        .collect();
    let verdict = match base {
        None => Verdict::Baseline,
        Some(base) if b.measured < rules.min_sessions || base.measured < rules.min_sessions => {
            Verdict::TooFew
        }
        Some(_) => {
            let cmp = || measures.iter().filter_map(|m| m.comparison);
            if cmp().any(|c| c.worse) {
                Verdict::Worse
            } else if cmp().any(|c| c.better) {
                Verdict::Better
            } else {
                Verdict::Same
            }
        }
    };
    BuildReport {
        version: b.version.clone(),
        first_seen: b.first_seen,
        sessions: b.sessions,
        measured: b.measured,
        outliers: b.outliers,
        baseline: base.map(|s| s.version.clone()),
        verdict,
        measures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_hold_every_session_once() {
        let a = Binned::of(&[0.0, 0.01, 0.02, 0.05, 1.0, 1.0]);
        let b = Binned::of(&[0.03, 2.0]);
        let ax = axis(Measure::LatencyP95, [&a, &b].into_iter());
        assert_eq!(ax.edges.len(), BARS + 2);
        assert_eq!(ax.edges[0], 0.0);
        let (ba, bb) = (bars(&a, &ax), bars(&b, &ax));
        assert_eq!(ba.iter().sum::<u64>(), 6);
        assert_eq!(bb.iter().sum::<u64>(), 2);
        assert_eq!(ba[0], 1);
        assert_eq!(ba.len(), BARS + 1);
        // The highest value lands in the last bar, the lowest in the first.
        assert_eq!(*bb.last().unwrap(), 1);
        assert_eq!(ba[1], 1);
        let none = axis(Measure::SizeP95, [&Binned::default()].into_iter());
        assert!(none.edges.is_empty());
        assert!(bars(&a, &none).is_empty());
    }

    #[test]
    fn the_highest_score_past_the_threshold_names_the_outlier() {
        let rules = PopulationRules::default();
        let s = |median: f64, scale: f64| Spread {
            median,
            mad: scale / popstats::NORMAL_MAD,
            scale,
            n: 100,
        };
        let spreads = [
            (1, s(0.06, 0.01)),
            (3, s(0.004, 0.001)),
            (7, s(1000.0, 0.0)),
        ];
        let mut v = [None; 9];
        assert_eq!(outlier_of(&v, &spreads, &rules), None);
        v[1] = Some(0.12); // 6 above
        v[3] = Some(0.012); // 8 above
        let (m, score) = outlier_of(&v, &spreads, &rules).unwrap();
        assert_eq!(m, Measure::DecodeP95);
        assert!((score - 8.0).abs() < 1e-9);
        v[7] = Some(1001.0); // a spread of 0: infinitely far, stored finite
        assert_eq!(
            outlier_of(&v, &spreads, &rules),
            Some((Measure::SizeP95, f64::MAX))
        );
        v = [None; 9];
        v[1] = Some(0.0); // far below is not an outlier
        assert_eq!(outlier_of(&v, &spreads, &rules), None);
    }
}
