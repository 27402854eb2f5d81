//! What happened during one connection, shared by its server and client
//! logs: when each side started and stopped, when video was flowing, when
//! the network or the encoder struggled, and the session's parameters.

use crate::rng::{Rng8, between, chance, exponential, lognormal, pick, uniform, us};
use crate::users::home_ip;

/// Share of degraded sessions (latency spikes, error bursts, encoder stalls).
pub(crate) const P_DEGRADED: f64 = 0.12;
/// Shortest and longest session, in seconds.
const MIN_SESSION_S: f64 = 45.0;
const MAX_SESSION_S: f64 = 2.0 * 3600.0;

/// What suffers during an episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trouble {
    /// Latency, lost pings, network errors.
    Network,
    /// Long encode times, dropped frames, codec errors.
    Encoder,
    /// Both at once.
    Both,
}

/// A stretch of trouble of some intensity (1 = none).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Episode {
    pub start: i64,
    pub end: i64,
    pub intensity: f64,
    pub kind: Trouble,
}

/// The client's operating system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientOs {
    Linux,
    Mac,
}

/// One connection's shared story. Times are microseconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    pub server_start: i64,
    pub client_start: i64,
    pub connect: i64,
    pub disconnect: i64,
    pub client_end: i64,
    pub server_end: i64,
    /// Intervals in which video frames flow (screen changing).
    pub active: Vec<(i64, i64)>,
    /// Non-overlapping episodes of trouble, sorted.
    pub episodes: Vec<Episode>,
    /// Window resizes: time, width, height.
    pub resizes: Vec<(i64, u32, u32)>,
    pub degraded: bool,
    /// The session ends with the client giving up after lost pings.
    pub failure_end: bool,
    /// Background stress (above 1 in degraded sessions).
    pub baseline: f64,
    /// Largest stress reached.
    pub max_stress: f64,
    /// Typical network round trip, seconds.
    pub base_rtt: f64,
    pub fps: u32,
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
    /// Typical encode time per frame, seconds.
    pub enc_base: f64,
    /// Typical decode time per frame, seconds.
    pub dec_base: f64,
    pub client_os: ClientOs,
    pub client_ip: u32,
    pub client_port: u16,
    /// DEBUG lines per second in the server log (debug logging in a few).
    pub debug_rate_server: f64,
    /// DEBUG lines per second in the client log.
    pub debug_rate_client: f64,
    /// Index into the GPU list.
    pub gpu: usize,
}

/// Screen sizes clients use.
pub(crate) const RESOLUTIONS: &[(u32, u32)] = &[
    (1920, 1080),
    (2560, 1440),
    (1280, 720),
    (1440, 900),
    (1680, 1050),
    (2880, 1800),
    (3840, 2160),
    (1366, 768),
    (2560, 1600),
];

/// A session length in seconds: log-normal, minutes to about two hours.
pub(crate) fn sample_duration(rng: &mut Rng8) -> f64 {
    lognormal(rng, 170.0, 1.2).clamp(MIN_SESSION_S, MAX_SESSION_S)
}

/// DEBUG lines per second of a log: a stray few normally, debug logging
/// (tens a second) in 2 %, trace-level (hundreds a second) in 0.4 %.
fn debug_rate(rng: &mut Rng8) -> f64 {
    let x = crate::rng::unit(rng);
    if x < 0.004 {
        uniform(rng, 120.0, 250.0)
    } else if x < 0.024 {
        uniform(rng, 5.0, 15.0)
    } else {
        0.003
    }
}

impl Timeline {
    /// Builds a session that ends (client disconnects) at `disconnect` after
    /// `duration_s` seconds connected.
    pub(crate) fn build(
        rng: &mut Rng8,
        disconnect: i64,
        duration_s: f64,
        p_degraded: f64,
    ) -> Timeline {
        let connect = disconnect - us(duration_s);
        let server_start = connect - us(uniform(rng, 3.0, 45.0));
        let client_start = connect - us(uniform(rng, 0.4, 2.5));
        let degraded = chance(rng, p_degraded);
        let failure_end = degraded && chance(rng, 0.35);
        let client_end = disconnect + us(uniform(rng, 0.05, 0.8));
        let server_end = disconnect
            + us(if failure_end {
                uniform(rng, 5.0, 5.5)
            } else {
                uniform(rng, 0.1, 1.5)
            });

        // Video flows in bursts of screen activity.
        let share = uniform(rng, 0.08, 0.55);
        let mean_active = lognormal(rng, 60.0, 0.5);
        let mean_idle = mean_active * (1.0 - share) / share;
        let mut active = Vec::new();
        let mut t = connect;
        let mut on = true;
        while t < disconnect {
            let len = us(exponential(rng, if on { mean_active } else { mean_idle }).max(1.0));
            let end = (t + len).min(disconnect);
            if on {
                active.push((t, end));
            }
            t = end;
            on = !on;
        }

        // Episodes of trouble: frequent and strong when degraded, rare and mild otherwise.
        let mut episodes = Vec::new();
        let mut t = connect;
        loop {
            t += us(exponential(rng, if degraded { 150.0 } else { 1800.0 }));
            let len = us(if degraded {
                lognormal(rng, 20.0, 0.8).clamp(3.0, 180.0)
            } else {
                uniform(rng, 2.0, 15.0)
            });
            if t + len >= disconnect {
                break;
            }
            let intensity = if degraded {
                uniform(rng, 3.0, 12.0)
            } else {
                uniform(rng, 1.4, 2.5)
            };
            let kind = pick(
                rng,
                &[
                    Trouble::Network,
                    Trouble::Network,
                    Trouble::Encoder,
                    Trouble::Both,
                ],
            );
            episodes.push(Episode {
                start: t,
                end: t + len,
                intensity,
                kind,
            });
            t += len;
        }
        if failure_end {
            let start = disconnect - us(uniform(rng, 12.0, 30.0)).min(us(duration_s) / 2);
            episodes.retain(|e| e.end <= start);
            episodes.push(Episode {
                start,
                end: disconnect + us(10.0),
                intensity: 10.0,
                kind: Trouble::Network,
            });
        }
        let baseline = if degraded { 1.4 } else { 1.0 };
        let max_stress = baseline + episodes.iter().map(|e| e.intensity).fold(0.0, f64::max);

        let (width, height) = pick(rng, RESOLUTIONS);
        let mut resizes = Vec::new();
        let mut t = connect;
        if chance(rng, 0.3) {
            // A window is often resized right after connecting.
            t += us(uniform(rng, 1.0, 6.0));
            let (w, h) = pick(rng, RESOLUTIONS);
            if t < disconnect {
                resizes.push((t, w, h));
            }
        }
        loop {
            t += us(exponential(rng, 1500.0));
            if t >= disconnect {
                break;
            }
            let (w, h) = pick(rng, RESOLUTIONS);
            resizes.push((t, w, h));
        }
        let fps = pick(rng, &[60, 60, 60, 50, 50, 30]);
        Timeline {
            server_start,
            client_start,
            connect,
            disconnect,
            client_end,
            server_end,
            active,
            episodes,
            resizes,
            degraded,
            failure_end,
            baseline,
            max_stress,
            // Degraded sessions mostly run over poorer networks too.
            base_rtt: lognormal(rng, 0.035, 0.6).clamp(0.004, 0.25)
                * if degraded {
                    uniform(rng, 1.3, 2.5)
                } else {
                    1.0
                },
            fps,
            width,
            height,
            bitrate_kbps: between(rng, 8, 40) as u32 * 500,
            enc_base: lognormal(rng, 0.006, 0.35).clamp(0.0015, 0.025),
            dec_base: lognormal(rng, 0.004, 0.5).clamp(0.0008, 0.02),
            client_os: if chance(rng, 0.45) {
                ClientOs::Linux
            } else {
                ClientOs::Mac
            },
            client_ip: home_ip(rng),
            client_port: between(rng, 49_152, 65_535) as u16,
            debug_rate_server: debug_rate(rng),
            debug_rate_client: debug_rate(rng),
            gpu: between(rng, 0, 3) as usize,
        }
    }

    /// Frames sent since connecting, at time `t`.
    pub(crate) fn frame_at(&self, t: i64) -> u64 {
        ((t - self.connect).max(0) as f64 * 1e-6 * f64::from(self.fps)) as u64
    }
}

/// Walks the episodes forward in time.
pub(crate) struct StressCursor {
    idx: usize,
}

impl StressCursor {
    /// A cursor at the start.
    pub(crate) fn new() -> Self {
        StressCursor { idx: 0 }
    }

    /// Network and encoder stress at `t` (non-decreasing across calls), and
    /// the kind of trouble in progress.
    pub(crate) fn at(&mut self, tl: &Timeline, t: i64) -> (f64, f64, Option<Trouble>) {
        while self.idx < tl.episodes.len() && tl.episodes[self.idx].end <= t {
            self.idx += 1;
        }
        let (mut net, mut enc) = (tl.baseline, tl.baseline);
        let mut kind = None;
        if let Some(e) = tl.episodes.get(self.idx).filter(|e| e.start <= t) {
            kind = Some(e.kind);
            match e.kind {
                Trouble::Network => net += e.intensity,
                Trouble::Encoder => enc += e.intensity,
                Trouble::Both => {
                    net += e.intensity * 0.7;
                    enc += e.intensity * 0.7;
                }
            }
        }
        (net, enc, kind)
    }
}

/// Walks the active (video flowing) intervals forward in time.
pub(crate) struct ActivityCursor {
    idx: usize,
}

impl ActivityCursor {
    /// A cursor at the start.
    pub(crate) fn new() -> Self {
        ActivityCursor { idx: 0 }
    }

    /// `t` if video flows at `t`, else the start of the next active
    /// interval, or `None` if there is none.
    pub(crate) fn next_active(&mut self, tl: &Timeline, t: i64) -> Option<i64> {
        while self.idx < tl.active.len() && tl.active[self.idx].1 <= t {
            self.idx += 1;
        }
        tl.active.get(self.idx).map(|&(s, _)| s.max(t))
    }
}
