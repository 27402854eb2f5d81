//! How long a narrowed list is when counting it would cost more than its
//! first page.
//!
//! A list that walks an order's index testing each run (a common search
//! term, or a filter with its own partial index) finds its first page
//! within the first few hundred or thousand entries of that walk; counting
//! every match would read all of them. So the count is estimated in two
//! parts. The head of the walk, through the page's last row, is known
//! exactly: the page's rows are its matches, and counting its entries reads
//! the same index entries the page did. The rest is sampled: a fixed
//! pseudo-random thirty-second of the runs, chosen by a hash of the id
//! ([`SAMPLE_KEY`]) and indexed (`runs_sample`), is read from its smallest
//! hash up, and the runs of it beyond the head in the walk tell the density
//! of matches among the rest of the walk's entries. The walk's length is
//! what the database's statistics hold (`sqlite_stat1` for each index after
//! `ANALYZE`, `pg_class.reltuples` in PostgreSQL, and the builds' session
//! counts for a build's walk).
//!
//! The head alone would be a biased sample wherever matches cluster in the
//! order (the newest runs from other addresses than the older ones, say).
//! The hashed sample is not, whatever the ids: ids sampled evenly over
//! their range would miss the runs when ids come in blocks far apart (an
//! inventory's connection ids beside task runs numbered from a trillion).
//! Where the walk is a small part of the runs the sample finds few of its
//! runs, and where it finds few matches its density is pooled with the
//! head's ([`total`]). A walk with fewer entries
//! than `SearchLimits::estimate_from`, or without statistics (a small
//! catalog, or one never analysed), is counted instead, up to the cap.

use sqlx::Row;

/// Runs of a walk a sample aims to read.
const SAMPLE: i64 = 1000;

/// The most runs a sample reads, however small a part of them the walk is.
const MAX_SAMPLE: i64 = 4000;

/// Matches a sample needs for its density to stand alone (about ±18%).
const SAMPLE_MATCHES: i64 = 30;

/// Runs of the sample beyond the page it needs to tell anything (the
/// head's density is biased wherever matches cluster; a sample of 20 is
/// not, and is within about ±22% of the density).
const SAMPLE_PRESENT: i64 = 20;

use crate::{Backend, CatalogError};

/// The entries of an index, as its statistics last saw them; `None`
/// when it has none.
pub(crate) async fn index_entries(
    pool: &sqlx::AnyPool,
    backend: Backend,
    index: &str,
) -> Result<Option<i64>, CatalogError> {
    match backend {
        Backend::Sqlite => {
            // `sqlite_stat1` exists only once `ANALYZE` has run.
            let exists = sqlx::query(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'",
            )
            .fetch_one(pool)
            .await?
            .try_get::<i64, _>("n")?
                > 0;
            if !exists {
                return Ok(None);
            }
            let row = sqlx::query("SELECT stat FROM sqlite_stat1 WHERE idx = $1")
                .bind(index)
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else { return Ok(None) };
            let stat: String = row.try_get("stat")?;
            Ok(stat
                .split_ascii_whitespace()
                .next()
                .and_then(|n| n.parse().ok()))
        }
        Backend::Postgres => {
            // -1 before the first VACUUM or ANALYZE of the table.
            let row = sqlx::query(
                // The index of this schema (the search path's), not a
                // namesake in another.
                "SELECT CAST(reltuples AS BIGINT) AS n FROM pg_class \
                 WHERE oid = to_regclass(CAST($1 AS TEXT))",
            )
            .bind(index)
            .fetch_optional(pool)
            .await?;
            let n: Option<i64> = row.map(|r| r.try_get("n")).transpose()?;
            Ok(n.filter(|&n| n >= 0))
        }
    }
}

/// The sessions of a build as its last recomputation counted them.
pub(crate) async fn build_sessions(
    pool: &sqlx::AnyPool,
    version: &str,
) -> Result<Option<i64>, CatalogError> {
    let row =
        sqlx::query("SELECT sessions FROM builds WHERE version = $1 AND computed_ms IS NOT NULL")
            .bind(version)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|r| r.try_get("sessions")).transpose()?)
}

/// The walk from its start through the page's last row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Head {
    /// The page's rows: every match in the head.
    pub matched: i64,
    /// Entries of the walk's index through the last row.
    pub walked: i64,
}

/// The runs of the hashed sample that lie beyond the head in the walk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    pub present: i64,
    pub matched: i64,
}

/// A hash of a run's id, uniform over `0..2^31 - 1` whatever the ids are
/// (dense, in blocks far apart, a task run's a trillion up, every ninth of
/// one kind): the id's multiple of the golden ratio modulo the prime
/// 2^31 - 1, squared modulo it (the multiple alone keeps the ids' periods:
/// its smallest values come at steps of 21, 34 and 55 ids). Only `%`, `+`
/// and `*` within 64 bits, so both engines compute it alike; written in SQL
/// exactly as the index `runs_sample` (migration 16) has it, or neither
/// engine uses the index.
pub(crate) const SAMPLE_KEY: &str = "((((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647) * (((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647)) % 2147483647";

/// Runs per entry of `runs_sample`.
const SAMPLED_EVERY: i64 = 32;

/// The runs in `runs_sample`: those whose [`SAMPLE_KEY`] is below this, a
/// thirty-second of them.
pub(crate) const SAMPLED_BELOW: i64 = (1 << 31) / SAMPLED_EVERY;

/// [`SAMPLE_KEY`] in Rust, as both engines compute it.
#[cfg(test)]
pub(crate) fn sample_key(id: i64) -> i64 {
    const P: i64 = 2_147_483_647;
    let x = (id % P + P) % P * 1_327_217_884 % P;
    x * x % P
}

/// How many runs of `runs_sample` (those with the smallest keys) to read
/// for about [`SAMPLE`] runs of the `rest` of a walk: more where the rest
/// is a small part of the runs, up to [`MAX_SAMPLE`]; `sampled` is the
/// index's entries by its statistics (the most, without them).
pub(crate) fn sample_size(sampled: Option<i64>, rest: i64) -> i64 {
    let Some(sampled) = sampled else {
        return MAX_SAMPLE;
    };
    let runs = sampled.saturating_mul(SAMPLED_EVERY) as i128;
    (SAMPLE as i128 * runs / rest.max(1) as i128).clamp(SAMPLE as i128, MAX_SAMPLE as i128) as i64
}

/// Matches in a walk of `entries`: the head's, and the rest's at the
/// sample's density (pooled with the head's when the sample found too few
/// matches to stand alone and the head is the larger sample, the head's
/// alone when the sample found too few runs).
/// Never fewer than were seen.
pub(crate) fn total(head: Head, tail: Option<Sample>, entries: i64) -> u64 {
    let walked = head.walked.max(head.matched).max(1);
    let rest = (entries - walked).max(0) as f64;
    let density = match tail {
        // A rare term: the walk read more runs than the sample, and the
        // sample found too few matches to stand alone.
        Some(t)
            if t.present >= SAMPLE_PRESENT && t.matched < SAMPLE_MATCHES && walked > t.present =>
        {
            (t.matched + head.matched) as f64 / (t.present + walked) as f64
        }
        Some(t) if t.present >= SAMPLE_PRESENT => t.matched as f64 / t.present as f64,
        _ => head.matched as f64 / walked as f64,
    };
    (head.matched as f64 + rest * density)
        .round()
        .max(head.matched as f64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(matched: i64, walked: i64) -> Head {
        Head { matched, walked }
    }

    fn sample(present: i64, matched: i64) -> Option<Sample> {
        Some(Sample { present, matched })
    }

    #[test]
    fn the_rest_of_the_walk_is_counted_at_the_samples_density() {
        // The page's 100 matches in the first 400 entries of 20,300; every
        // sampled run beyond them matches: nearly all the walk.
        assert_eq!(total(head(100, 400), sample(980, 960), 20_300), 19_594);
        // Too few sampled matches to stand alone, a longer walk: pooled.
        assert_eq!(total(head(100, 20_000), sample(1000, 5), 1_000_000), 5_000);
        // A shorter walk (the matches clustered at its start): the sample.
        assert_eq!(total(head(100, 100), sample(1000, 20), 10_000), 298);
        // Too few sampled runs (a walk through a small part): the head's density.
        assert_eq!(total(head(101, 606), sample(10, 10), 1_000_000), 166_667);
        assert_eq!(total(head(101, 606), None, 1_000_000), 166_667);
        // Every entry matched: the walk's length.
        assert_eq!(total(head(101, 101), None, 50_000), 50_000);
        // Stale statistics never give fewer than were seen.
        assert_eq!(total(head(101, 200), None, 10), 101);
        assert_eq!(total(head(101, 0), None, 0), 101);
    }

    #[test]
    fn the_sample_is_a_thirty_second_of_any_ids() {
        // Dense ids, blocks far apart, every thousandth id, task runs a
        // trillion up, negative and extreme ids: about one in 32 each.
        let blocks: [Vec<i64>; 6] = [
            (1..=100_000).collect(),
            (0..20_000)
                .map(|i| 900_000 + i)
                .chain((0..20_000).map(|i| 1_000_000_000_000 + i))
                .collect(),
            (1..=100_000).map(|i| i * 1000).collect(),
            (1..=100_000).map(|i| i * 2_147_483_647 + 7 * i).collect(),
            (-50_000..50_000).collect(),
            (0..100_000)
                .map(|i| i64::MAX - i)
                .chain((0..100_000).map(|i| i64::MIN + i))
                .collect(),
        ];
        for ids in &blocks {
            let keys: Vec<i64> = ids.iter().map(|&i| sample_key(i)).collect();
            assert!(keys.iter().all(|k| (0..2_147_483_647).contains(k)));
            let sampled = keys.iter().filter(|&&k| k < SAMPLED_BELOW).count() as f64;
            let share = sampled / ids.len() as f64 * 32.0;
            assert!((0.9..1.1).contains(&share), "{share} of a 32nd sampled");
            // Every ninth id (a kind of run) is sampled as often as the rest.
            for r in 0..9 {
                let (n, of) = ids
                    .iter()
                    .zip(&keys)
                    .filter(|(i, _)| i.rem_euclid(9) == r)
                    .fold((0.0, 0.0), |(n, of), (_, &k)| {
                        (n + f64::from(u8::from(k < SAMPLED_BELOW)), of + 1.0)
                    });
                let share = n / of * 32.0;
                assert!(
                    (0.75..1.25).contains(&share),
                    "{share} of a 32nd of ids {r} mod 9"
                );
            }
            // Those sampled are spread over the ids, not bunched: each
            // tenth of them holds about a tenth.
            for tenth in keys.chunks(ids.len() / 10) {
                let n = tenth.iter().filter(|&&k| k < SAMPLED_BELOW).count() as f64;
                assert!(
                    (n / sampled * 10.0 - 1.0).abs() < 0.2,
                    "{n} of {sampled} in a tenth"
                );
            }
        }
    }

    #[test]
    fn the_index_has_the_same_key_and_bound() {
        let sql = include_str!("../migrations/shared/0016_sample.sql");
        assert!(sql.contains(&format!("(({SAMPLE_KEY}))")));
        assert!(sql.contains(&format!("WHERE {SAMPLE_KEY} < {SAMPLED_BELOW};")));
    }

    #[test]
    fn a_walk_through_part_of_the_runs_reads_more_of_the_sample() {
        // A million runs, 31,250 sampled.
        assert_eq!(sample_size(Some(31_250), 1_000_000), 1000);
        assert_eq!(sample_size(Some(31_250), 100_000), 4000);
        assert_eq!(sample_size(Some(31_250), 500_000), 2000);
        assert_eq!(sample_size(Some(31_250), 10_000_000), 1000);
        assert_eq!(sample_size(None, 1_000_000), 4000);
        assert_eq!(sample_size(Some(i64::MAX), 0), 4000);
    }
}
