//! One large log made of consecutive sessions, for benchmarks and tests.

use crate::builds::{BUILDS, newest_with};
use crate::layout::{Layout, LineWriter};
use crate::logs::{Side, style};
use crate::rng::{Stream, between, lognormal, rng_for, uniform, unit, us};
use crate::session::{Session, write_client, write_server};
use crate::text::days_from_civil;
use crate::timeline::{P_DEGRADED, Timeline};
use crate::users::cloud_ip;

/// See [`crate::large_log`].
pub(crate) fn large_log(seed: u64, bytes: usize) -> Vec<u8> {
    let mut rng = rng_for(seed, Stream::Large, 0);
    let side = if seed.is_multiple_of(2) {
        Side::Server
    } else {
        Side::Client
    };
    let mut buf = Vec::with_capacity(bytes + 4096);
    let mut cursor = (days_from_civil(2020, 6, 30) * 86_400 + 20 * 3600) * 1_000_000;
    let server_ip = cloud_ip(&mut rng);
    while buf.len() < bytes {
        let x = unit(&mut rng);
        let layout = if x < 0.7 {
            Layout::Newest
        } else if x < 0.85 {
            Layout::Middle
        } else {
            Layout::Oldest
        };
        let newest = newest_with(layout);
        let build =
            if newest > 0 && BUILDS[newest - 1].layout == layout && between(&mut rng, 0, 1) == 0 {
                newest - 1
            } else {
                newest
            };
        let duration = lognormal(&mut rng, 900.0, 0.7).clamp(120.0, 3600.0);
        let disconnect = cursor + us(60.0 + duration);
        let tl = Timeline::build(&mut rng, disconnect, duration, P_DEGRADED);
        let session = Session {
            tl: &tl,
            build: &BUILDS[build],
            server_ip,
            account: "noah",
        };
        let mut w = LineWriter::new(&mut buf, style(build, side), usize::MAX, bytes);
        match side {
            Side::Server => write_server(&session, &mut rng, &mut w),
            Side::Client => write_client(&session, &mut rng, &mut w),
        }
        cursor = tl.server_end.max(tl.client_end) + us(uniform(&mut rng, 1.0, 30.0));
    }
    buf
}
