//! Turns a planned connection into the bytes of its server or client log.

use crate::MAX_LOG_BYTES;
use crate::builds::BUILDS;
use crate::damage;
use crate::inventory::ConnPlan;
use crate::layout::{LineWriter, Precision, Style};
use crate::rng::{Stream, rng_for, uniform, us};
use crate::session::{Session, write_client, write_server};
use crate::timeline::{P_DEGRADED, Timeline, sample_duration};
use crate::users::account_name;

/// Which of a connection's two logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

/// The shared story of a planned connection.
pub(crate) fn timeline(seed: u64, plan: &ConnPlan) -> Timeline {
    let mut rng = rng_for(seed, Stream::Timeline, plan.entry.connection_id);
    let received = plan.received_minute * 60_000_000 + us(uniform(&mut rng, 0.0, 59.9));
    let disconnect = received - us(uniform(&mut rng, 8.0, 90.0));
    let duration = sample_duration(&mut rng);
    Timeline::build(&mut rng, disconnect, duration, P_DEGRADED)
}

/// The line style of a build on one side.
pub(crate) fn style(build: usize, side: Side) -> Style {
    let b = &BUILDS[build];
    Style {
        layout: b.layout,
        precision: match side {
            Side::Server => Precision::Millis,
            Side::Client => Precision::Micros,
        },
        blank_after_metric: b.blank_after_metric,
        line_shift: b.line_shift,
    }
}

/// Writes one log of `plan` (including its damage, if any) into `buf`,
/// replacing its contents. `scratch` is reused memory.
pub(crate) fn render(
    seed: u64,
    plan: &ConnPlan,
    tl: &Timeline,
    side: Side,
    buf: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    buf.clear();
    let id = plan.entry.connection_id;
    let session = Session {
        tl,
        build: &BUILDS[plan.build],
        server_ip: plan.server_ip,
        account: account_name(plan.entry.username.as_deref()),
    };
    let mut w = LineWriter::new(buf, style(plan.build, side), MAX_LOG_BYTES, usize::MAX);
    let damage = match side {
        Side::Server => {
            write_server(&session, &mut rng_for(seed, Stream::Server, id), &mut w);
            plan.server_damage
        }
        Side::Client => {
            write_client(&session, &mut rng_for(seed, Stream::Client, id), &mut w);
            plan.client_damage
        }
    };
    if let Some(d) = damage {
        damage::apply(
            d,
            buf,
            scratch,
            &mut damage::rng_for_file(seed, id, side == Side::Server),
        );
    }
}
