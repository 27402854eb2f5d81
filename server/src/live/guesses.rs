//! Failed token attempts, counted per client address, so that guessing a
//! producer token costs time: after [`LIMIT`] wrong tokens within
//! [`WINDOW`], every token a client presents is refused (429) until its
//! window ends, right or wrong.
//!
//! Memory is bounded: at most [`MAX_CLIENTS`] addresses are tracked; past
//! that, expired windows are dropped, and new addresses share one window
//! (so a flood from many addresses limits itself as one client). IPv6
//! addresses count by their /64, the block one host usually has. Behind a
//! reverse proxy every client is the proxy: the limit then applies to all
//! of them together.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Wrong tokens a client may present within [`WINDOW`].
pub const LIMIT: u32 = 20;
/// How long failures are remembered, and how long a client is refused.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses tracked at once.
pub const MAX_CLIENTS: usize = 50_000;

/// The shared window of addresses that found the table full.
const OVERFLOW: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    failures: u32,
}

/// Failed attempts by client, and counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Guesses {
    clients: Mutex<HashMap<IpAddr, Window>>,
    /// Wrong tokens presented.
    pub failures: AtomicU64,
    /// Token checks refused because their client failed too often.
    pub refused: AtomicU64,
}

/// The address failures count under.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl Guesses {
    /// How long `ip` is still refused, if it is.
    pub fn refused_for(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let clients = self.clients.lock().expect("not poisoned");
        let key = client_key(ip);
        let w = clients.get(&key).or_else(|| {
            (clients.len() >= MAX_CLIENTS)
                .then(|| clients.get(&OVERFLOW))
                .flatten()
        })?;
        let left = WINDOW
            .checked_sub(now.duration_since(w.start))
            .filter(|l| !l.is_zero())?;
        if w.failures >= LIMIT {
            self.refused.fetch_add(1, Ordering::Relaxed);
            Some(left.max(Duration::from_secs(1)))
        } else {
            None
        }
    }

    /// Records a wrong token from `ip`; returns its failures in the
    /// current window.
    pub fn failed(&self, ip: IpAddr, now: Instant) -> u32 {
        self.failures.fetch_add(1, Ordering::Relaxed);
        let mut clients = self.clients.lock().expect("not poisoned");
        let mut key = client_key(ip);
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&key) {
            clients.retain(|_, w| now.duration_since(w.start) < WINDOW);
            if clients.len() >= MAX_CLIENTS {
                key = OVERFLOW;
            }
        }
        let w = clients.entry(key).or_insert(Window {
            start: now,
            failures: 0,
        });
        if now.duration_since(w.start) >= WINDOW {
            *w = Window {
                start: now,
                failures: 0,
            };
        }
        w.failures += 1;
        w.failures
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.clients.lock().expect("not poisoned").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_refused_after_the_limit_until_its_window_ends() {
        let g = Guesses::default();
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        let b: IpAddr = "192.0.2.8".parse().unwrap();
        for n in 1..LIMIT {
            assert_eq!(g.failed(a, t0), n);
            assert_eq!(g.refused_for(a, t0), None);
        }
        g.failed(a, t0);
        let left = g.refused_for(a, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(left, WINDOW - Duration::from_secs(10));
        assert_eq!(g.refused_for(b, t0), None, "others are not affected");
        assert_eq!(g.refused_for(a, t0 + WINDOW), None, "the window ends");
        assert_eq!(g.failed(a, t0 + WINDOW), 1, "and counting starts again");
        assert_eq!(g.failures.load(Ordering::Relaxed), u64::from(LIMIT) + 1);
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_v4_as_v4() {
        let g = Guesses::default();
        let t0 = Instant::now();
        for i in 0..LIMIT {
            let ip: IpAddr = format!("2001:db8:1:2::{:x}", i + 1).parse().unwrap();
            g.failed(ip, t0);
        }
        assert!(
            g.refused_for("2001:db8:1:2:ffff::1".parse().unwrap(), t0)
                .is_some()
        );
        assert!(
            g.refused_for("2001:db8:1:3::1".parse().unwrap(), t0)
                .is_none()
        );
        for _ in 0..LIMIT {
            g.failed("::ffff:198.51.100.1".parse().unwrap(), t0);
        }
        assert!(g.refused_for("198.51.100.1".parse().unwrap(), t0).is_some());
    }

    #[test]
    fn the_table_is_bounded_and_a_flood_shares_one_window() {
        let g = Guesses::default();
        let t0 = Instant::now();
        for i in 0..(MAX_CLIENTS as u32 + LIMIT) {
            g.failed(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)), t0);
        }
        assert!(g.tracked() <= MAX_CLIENTS + 1);
        // Past the bound, new addresses share the overflow window.
        let fresh = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
        assert!(g.refused_for(fresh, t0).is_some());
        // Once the windows expire, room is made again.
        let later = t0 + WINDOW;
        assert_eq!(g.failed(fresh, later), 1);
        assert!(g.tracked() <= 2);
    }
}
