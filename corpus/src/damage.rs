//! Real-world damage: which few log files are damaged (deterministically, a
//! handful per 1000 connections) and how the damage is applied to a finished
//! log buffer.

use crate::rng::{Rng8, Stream, between, chance, pick, rng_for};
use crate::text::Out;

/// A kind of damage a log file can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Damage {
    /// The file is empty.
    Empty,
    /// Every line ends with `\r\n`.
    Crlf,
    /// Some messages contain bytes that are not UTF-8.
    InvalidUtf8,
    /// The last line is cut mid-field and has no newline.
    Truncated,
    /// Some messages continue on following lines that have fewer fields.
    Continuation,
}

/// Damage kinds with their rate per 1000 connections.
const RATES: [(Damage, f64); 5] = [
    (Damage::Empty, 2.0),
    (Damage::Crlf, 3.0),
    (Damage::InvalidUtf8, 3.0),
    (Damage::Truncated, 4.0),
    (Damage::Continuation, 3.0),
];

/// One damaged file: the connection's index, whether it is the server log
/// (else the client log), and how it is damaged.
pub(crate) type Damaged = (usize, bool, Damage);

/// Chooses the damaged files among the existing logs of the connections,
/// given for each whether it has a server log and a client log. With 100 or
/// more connections every kind occurs at least once.
pub(crate) fn choose(seed: u64, logs: &[(bool, bool)]) -> Vec<Damaged> {
    let mut files: Vec<(usize, bool)> = Vec::new();
    for (i, &(server, client)) in logs.iter().enumerate() {
        if server {
            files.push((i, true));
        }
        if client {
            files.push((i, false));
        }
    }
    let mut out = Vec::new();
    let mut rng = rng_for(seed, Stream::Damage, 0);
    let n = logs.len() as f64;
    let mut next = 0;
    for (kind, rate) in RATES {
        let expected = n * rate / 1000.0;
        let count = if logs.len() >= 100 {
            expected.round().max(1.0) as usize
        } else {
            usize::from(chance(&mut rng, expected))
        };
        for _ in 0..count {
            if next >= files.len() {
                return out;
            }
            // Partial Fisher–Yates: a distinct random file each time.
            let j = between(&mut rng, next as u64, files.len() as u64 - 1) as usize;
            files.swap(next, j);
            let (i, server) = files[next];
            next += 1;
            out.push((i, server, kind));
        }
    }
    out
}

/// The random stream for damaging one file.
pub(crate) fn rng_for_file(seed: u64, connection_id: u64, server: bool) -> Rng8 {
    rng_for(
        seed,
        Stream::DamageApply,
        connection_id * 2 + u64::from(server),
    )
}

/// Applies `damage` to a finished log in `buf`; `scratch` is reused memory.
pub(crate) fn apply(damage: Damage, buf: &mut Vec<u8>, scratch: &mut Vec<u8>, rng: &mut Rng8) {
    match damage {
        Damage::Empty => buf.clear(),
        Damage::Crlf => {
            scratch.clear();
            scratch.reserve(buf.len() + buf.len() / 50);
            for &b in buf.iter() {
                if b == b'\n' {
                    scratch.push(b'\r');
                }
                scratch.push(b);
            }
            std::mem::swap(buf, scratch);
        }
        Damage::Truncated => truncate_last_line(buf, rng),
        Damage::InvalidUtf8 => insert_after_lines(buf, scratch, rng, 2500, invalid_bytes),
        Damage::Continuation => insert_after_lines(buf, scratch, rng, 1500, continuation),
    }
}

/// Cuts the last line inside one of its fields (mostly before the message,
/// so the line is left with fewer fields) and drops the final newline.
fn truncate_last_line(buf: &mut Vec<u8>, rng: &mut Rng8) {
    while buf.last() == Some(&b'\n') {
        buf.pop();
    }
    let start = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let len = buf.len() - start;
    if len > 8 {
        let msg = message_start(&buf[start..]).unwrap_or(len);
        let end = if chance(rng, 0.7) {
            msg.saturating_sub(4).max(5)
        } else {
            len - 2
        };
        let mut cut = start + between(rng, 4, end.min(len - 2) as u64) as usize;
        // Not right after a separator: inside a field.
        while cut > start + 1 && matches!(buf[cut - 1], b' ' | b'|') {
            cut -= 1;
        }
        buf.truncate(cut);
    }
}

/// Offset just past the `" | "` that ends the location field, if the line
/// starting at `start` is a full log line.
fn message_start(line: &[u8]) -> Option<usize> {
    let mut bars = 0;
    for (i, &b) in line.iter().enumerate() {
        if b == b'|' {
            bars += 1;
            if bars == 4 {
                return Some((i + 2).min(line.len()));
            }
        }
    }
    None
}

/// How a line is damaged: bytes inserted into its message, or lines added
/// after it. Returns `(position in line, bytes)`.
type Edit = fn(&mut Rng8, &[u8], usize) -> (usize, Vec<u8>);

/// Picks about one line in `every` (at least one) among full log lines and
/// inserts what `edit` returns.
fn insert_after_lines(
    buf: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    rng: &mut Rng8,
    every: usize,
    edit: Edit,
) {
    let mut lines: Vec<(usize, usize, usize)> = Vec::new(); // start, end (excl. newline), message start
    let mut start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            if let Some(m) = message_start(&buf[start..i]) {
                lines.push((start, i, start + m));
            }
            start = i + 1;
        }
    }
    if lines.is_empty() {
        return;
    }
    let count = (lines.len() / every).max(1);
    let mut chosen: Vec<usize> = (0..count)
        .map(|_| between(rng, 0, lines.len() as u64 - 1) as usize)
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    scratch.clear();
    scratch.reserve(buf.len() + count * 200);
    let mut copied = 0;
    for c in chosen {
        let (ls, le, ms) = lines[c];
        let (pos, bytes) = edit(rng, &buf[ls..le], ms - ls);
        let at = ls + pos;
        scratch.extend_from_slice(&buf[copied..at]);
        scratch.extend_from_slice(&bytes);
        copied = at;
    }
    scratch.extend_from_slice(&buf[copied..]);
    std::mem::swap(buf, scratch);
}

/// Invalid UTF-8 inside the message: Latin-1 text, stray continuation bytes,
/// a cut multi-byte sequence, or binary garbage.
fn invalid_bytes(rng: &mut Rng8, line: &[u8], msg: usize) -> (usize, Vec<u8>) {
    let pos = if line.len() > msg {
        between(rng, msg as u64, line.len() as u64) as usize
    } else {
        line.len()
    };
    let bytes: &[u8] = pick(
        rng,
        &[
            b" caf\xe9 ".as_slice(),
            b"\xff\xfe".as_slice(),
            b" \x80\x81 ".as_slice(),
            b"\xe2\x82".as_slice(),
            b" Z\xfcrich ".as_slice(),
            b"\xc3\x28".as_slice(),
            b"\x00\x9c\xbf\x11".as_slice(),
        ],
    );
    (pos, bytes.to_vec())
}

/// Following lines of a multi-line message (no `|` separators).
fn continuation(rng: &mut Rng8, line: &[u8], _msg: usize) -> (usize, Vec<u8>) {
    let mut v = Vec::new();
    let mut m = Out(&mut v);
    let n = between(rng, 1, 4);
    let style = between(rng, 0, 2);
    for k in 0..n {
        m.s("\n");
        match style {
            0 => {
                let (f, file, l) = pick(
                    rng,
                    &[
                        ("video_encoder_encode", "videoencode.c", 530),
                        ("SendVideo", "main.c", 307),
                        ("CaptureScreen", "dxgicapture.c", 401),
                        ("video_decoder_decode", "videodecode.c", 490),
                        ("main", "main.c", 612),
                    ],
                );
                m.s("    at ").s(f).s(" (").s(file).s(":").u(l + k).s(")");
            }
            1 => {
                m.s("  0x00007FF")
                    .hex(between(rng, 0x1000_0000, 0xFFFF_FFFF), 9)
                    .s(" ");
                m.s(pick(
                    rng,
                    &[
                        "nvEncodeAPI64.dll",
                        "d3d11.dll",
                        "ntdll.dll",
                        "FractalServer.exe",
                    ],
                ));
                m.s("+0x").hexl(between(rng, 0x100, 0xFFFFF), 1);
            }
            _ => {
                m.s(pick(
                    rng,
                    &[
                        "    details: the operation did not complete in time",
                        "    retrying with a smaller buffer",
                        "\tcaused by: connection reset by peer",
                        "    state = { frames: 30, dropped: 2 }",
                    ],
                ));
            }
        }
    }
    (line.len(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    fn sample() -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..10 {
            v.extend_from_slice(b"10:00:00:000 | INFO    | main.c          | main:1 | hello ");
            v.extend_from_slice(i.to_string().as_bytes());
            v.push(b'\n');
        }
        v
    }

    #[test]
    fn each_damage_shows() {
        let mut rng = rng_for(1, Stream::Damage, 9);
        let mut scratch = Vec::new();
        let mut b = sample();
        apply(Damage::Crlf, &mut b, &mut scratch, &mut rng);
        assert!(b.ends_with(b"9\r\n") && b.windows(2).filter(|w| w == b"\r\n").count() == 10);
        let mut b = sample();
        apply(Damage::Truncated, &mut b, &mut scratch, &mut rng);
        assert!(!b.ends_with(b"\n") && b.len() < sample().len() - 3);
        let mut b = sample();
        apply(Damage::InvalidUtf8, &mut b, &mut scratch, &mut rng);
        assert!(std::str::from_utf8(&b).is_err());
        let mut b = sample();
        apply(Damage::Continuation, &mut b, &mut scratch, &mut rng);
        let s = String::from_utf8(b).unwrap();
        assert!(s.lines().any(|l| !l.contains('|')));
        let mut b = sample();
        apply(Damage::Empty, &mut b, &mut scratch, &mut rng);
        assert!(b.is_empty());
    }
}
