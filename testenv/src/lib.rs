//! What a test does when a service it needs (PostgreSQL, Redis, the S3
//! server, SciPy) is not there.
//!
//! Run by hand (`cargo test -p catalog` on a laptop without PostgreSQL), the
//! test says which service is missing and how to get it, and returns early:
//! the rest of the crate's tests still tell something. Under the test command
//! (`./test.sh`), which starts every service and sets
//! `LOGDECK_REQUIRE_SERVICES=1`, a missing service fails the test instead, so
//! nothing is skipped in silence there.

pub mod moto;

use std::fmt::Display;
use std::io::Write;

/// The variable that turns a missing service from a skip into a failure.
pub const REQUIRE_SERVICES: &str = "LOGDECK_REQUIRE_SERVICES";

/// Whether a missing service fails the test (`LOGDECK_REQUIRE_SERVICES` set
/// to anything but empty or `0`).
pub fn services_required() -> bool {
    std::env::var_os(REQUIRE_SERVICES).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Reports that `service` cannot be used (`why`), with `hint` on how to
/// provide it. Panics when services are required; otherwise writes a
/// `skipped:` line and the caller returns early.
///
/// The line goes straight to the process's standard error: the test
/// harness captures `eprintln!` of passing tests, and a skip must be seen.
#[track_caller]
pub fn missing(service: &str, why: impl Display, hint: &str) {
    let test = std::thread::current().name().map(str::to_string);
    match verdict(services_required(), test.as_deref(), service, &why, hint) {
        Verdict::Skip(line) => {
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
        Verdict::Fail(message) => panic!("{message}"),
    }
}

/// What [`missing`] does, and the words it says.
#[derive(Debug, PartialEq)]
enum Verdict {
    Skip(String),
    Fail(String),
}

fn verdict(
    required: bool,
    test: Option<&str>,
    service: &str,
    why: &dyn Display,
    hint: &str,
) -> Verdict {
    if required {
        Verdict::Fail(format!(
            "{service} is unavailable ({why}) and {REQUIRE_SERVICES} is set: {hint}"
        ))
    } else {
        let test = test.unwrap_or("a test");
        Verdict::Skip(format!(
            "skipped: {test}: {service} is unavailable ({why}): {hint}; ./test.sh starts it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_service_is_a_skip_by_hand_and_a_failure_when_required() {
        let skip = verdict(false, Some("t::pg"), "PostgreSQL", &"refused", "start it");
        assert_eq!(
            skip,
            Verdict::Skip(
                "skipped: t::pg: PostgreSQL is unavailable (refused): start it; ./test.sh starts it"
                    .into()
            )
        );
        let Verdict::Fail(message) = verdict(true, None, "Redis", &"refused", "start it") else {
            panic!("a required service must fail the test");
        };
        assert!(
            message.starts_with("Redis is unavailable (refused)"),
            "{message}"
        );
        assert!(message.contains(REQUIRE_SERVICES), "{message}");
    }
}
