//! The inventory: one entry per connection, newest first, plus the private
//! facts the log generator needs about each connection (build, damage).

use crate::builds::{BUILDS, newest_at};
use crate::damage::{self, Damage};
use crate::rng::{Rng8, Stream, between, chance, exponential, rng_for, unit};
use crate::text::{days_from_civil, format_minute};
use crate::users::{Users, cloud_ip, ip_string};
use crate::{Config, InventoryEntry};

/// Share of entries without a username (about 1 in 9).
pub(crate) const P_NO_USERNAME: f64 = 0.11;
/// Share of entries without a client log (520 of 626 in the known data set).
pub(crate) const P_NO_CLIENT_LOG: f64 = 0.81;
/// Share of entries without a server log (12 of 626).
pub(crate) const P_NO_SERVER_LOG: f64 = 0.02;
/// Share of entries whose version is missing.
pub(crate) const P_NO_VERSION: f64 = 0.03;
/// The inventory spans about this many days.
const SPAN_DAYS: f64 = 120.0;

/// Everything known about one connection before its logs are written.
#[derive(Debug, Clone)]
pub(crate) struct ConnPlan {
    /// The public inventory entry.
    pub entry: InventoryEntry,
    /// Index into [`BUILDS`] (known even when the entry's version is missing).
    pub build: usize,
    /// The server VM's address.
    pub server_ip: u32,
    /// `last_updated` in minutes since the Unix epoch.
    pub received_minute: i64,
    /// Damage applied to the server log, if any.
    pub server_damage: Option<Damage>,
    /// Damage applied to the client log, if any.
    pub client_damage: Option<Damage>,
}

/// Relative connection rate by hour of day (UTC; mostly American users).
fn hourly_rate(hour: i64) -> f64 {
    match hour {
        0..=3 => 1.8,
        4..=6 => 1.0,
        7..=12 => 0.35,
        13..=16 => 0.9,
        _ => 1.4,
    }
}

/// Picks a build for an entry at inventory position `f` (0 = oldest).
fn choose_build(rng: &mut Rng8, f: f64) -> usize {
    let newest = newest_at(f);
    let x = unit(rng);
    if x < 0.62 || newest == 0 {
        newest
    } else if x < 0.85 {
        newest - 1
    } else {
        between(rng, 0, newest as u64 - 1) as usize
    }
}

/// Plans all connections of `config`, newest first.
pub(crate) fn plan(config: &Config) -> Vec<ConnPlan> {
    let n = config.connections;
    let users = Users::new(&mut rng_for(config.seed, Stream::Users, 0));
    let mut rng = rng_for(config.seed, Stream::Inventory, 0);

    // Ids ascend with gaps (deleted or failed connections); listed newest first.
    let mut ids = Vec::with_capacity(n);
    let mut id = 55_000 + between(&mut rng, 0, 3000);
    for _ in 0..n {
        ids.push(id);
        id += 1 + match between(&mut rng, 0, 9) {
            0..=6 => 0,
            7..=8 => between(&mut rng, 1, 3),
            _ => between(&mut rng, 4, 20),
        };
    }
    ids.reverse();

    let newest = (days_from_civil(2020, 6, 30) * 1440 + 21 * 60 + 2) as f64;
    let mean_gap = SPAN_DAYS * 1440.0 / n.max(1) as f64;
    let mut t = newest;
    let mut plans = Vec::with_capacity(n);
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            let hour = (t as i64).rem_euclid(1440) / 60;
            t -= exponential(&mut rng, mean_gap) / hourly_rate(hour);
        }
        let minute = t.floor() as i64;
        let f = if n > 1 {
            1.0 - i as f64 / (n - 1) as f64
        } else {
            1.0
        };
        let user = if chance(&mut rng, P_NO_USERNAME) {
            None
        } else {
            Some(users.draw(&mut rng))
        };
        let server_ip = match user {
            Some(u) if !chance(&mut rng, 0.05) => {
                u.vm_ips[between(&mut rng, 0, u.vm_ips.len() as u64 - 1) as usize]
            }
            _ => cloud_ip(&mut rng),
        };
        let build = choose_build(&mut rng, f);
        let version = (!chance(&mut rng, P_NO_VERSION)).then(|| BUILDS[build].id.to_string());
        let client = !chance(&mut rng, P_NO_CLIENT_LOG);
        let server = !chance(&mut rng, P_NO_SERVER_LOG);
        plans.push(ConnPlan {
            entry: InventoryEntry {
                connection_id: id,
                username: user.map(|u| u.email.clone()),
                ip: ip_string(server_ip),
                last_updated: format_minute(minute),
                version,
                client_logs: client.then(|| format!("client{id}.txt")),
                server_logs: server.then(|| format!("server{id}.txt")),
            },
            build,
            server_ip,
            received_minute: minute,
            server_damage: None,
            client_damage: None,
        });
    }
    let logs: Vec<(bool, bool)> = plans
        .iter()
        .map(|p| (p.entry.server_logs.is_some(), p.entry.client_logs.is_some()))
        .collect();
    for (i, server, kind) in damage::choose(config.seed, &logs) {
        if server {
            plans[i].server_damage = Some(kind);
        } else {
            plans[i].client_damage = Some(kind);
        }
    }
    plans
}
