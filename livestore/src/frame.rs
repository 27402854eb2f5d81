//! The record format of the embedded store's files.
//!
//! A file is `MAGIC` followed by records `len: u32 LE | crc32: u32 LE | body`.
//! A line's body is `b'L' | seq: u64 LE | time_us: i64 LE | stream: u8 |
//! text`; a seal's is `b'S' | last_seq: u64 LE`. A record cut short by a
//! crash, or whose checksum fails, ends the readable part of the file: it was
//! never acknowledged, so it is cut off when the file is opened.

use crate::{Line, Stream};

/// The first bytes of every file.
pub(crate) const MAGIC: &[u8; 8] = b"LDLIVE1\n";
const HEAD: usize = 8;

/// A record read back.
#[derive(Debug, PartialEq)]
pub(crate) enum Record {
    Line(Line),
    Seal(u64),
    Removed(u64),
}

pub(crate) fn encode_line(out: &mut Vec<u8>, line: &Line) {
    let text = line.text.as_bytes();
    let start = out.len();
    out.extend_from_slice(&[0; HEAD]);
    out.push(b'L');
    out.extend_from_slice(&line.seq.to_le_bytes());
    out.extend_from_slice(&line.time_us.to_le_bytes());
    out.push(line.stream.code());
    out.extend_from_slice(text);
    seal_head(out, start);
}

/// A seal (`removed` false) or removal mark.
pub(crate) fn encode_mark(out: &mut Vec<u8>, last_seq: u64, removed: bool) {
    let start = out.len();
    out.extend_from_slice(&[0; HEAD]);
    out.push(if removed { b'R' } else { b'S' });
    out.extend_from_slice(&last_seq.to_le_bytes());
    seal_head(out, start);
}

fn seal_head(out: &mut [u8], start: usize) {
    let body = &out[start + HEAD..];
    let len = body.len() as u32;
    let crc = crc32fast::hash(body);
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// Decodes the record at the start of `buf`: the record and its size, or
/// `None` if `buf` does not start with a whole, intact record.
pub(crate) fn decode(buf: &[u8]) -> Option<(Record, usize)> {
    let len = u32::from_le_bytes(buf.get(0..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(buf.get(4..8)?.try_into().ok()?);
    let body = buf.get(HEAD..HEAD.checked_add(len)?)?;
    if crc32fast::hash(body) != crc {
        return None;
    }
    let u64_at = |i: usize| -> Option<u64> {
        Some(u64::from_le_bytes(body.get(i..i + 8)?.try_into().ok()?))
    };
    let record = match *body.first()? {
        b'L' => {
            let seq = u64_at(1)?;
            let time_us = u64_at(9)? as i64;
            let stream = Stream::from_code(*body.get(17)?)?;
            let text = String::from_utf8(body.get(18..)?.to_vec()).ok()?;
            Record::Line(Line {
                seq,
                time_us,
                stream,
                text,
            })
        }
        b'S' => Record::Seal(u64_at(1)?),
        b'R' => Record::Removed(u64_at(1)?),
        _ => return None,
    };
    Some((record, HEAD + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(seq: u64, text: &str) -> Line {
        Line {
            seq,
            time_us: -5 + seq as i64,
            stream: if seq.is_multiple_of(2) {
                Stream::Err
            } else {
                Stream::Out
            },
            text: text.into(),
        }
    }

    #[test]
    fn round_trips_and_stops_at_damage() {
        let mut buf = Vec::new();
        encode_line(&mut buf, &line(1, "hello | wörld"));
        encode_line(&mut buf, &line(2, ""));
        encode_mark(&mut buf, 2, false);
        encode_mark(&mut buf, 2, true);
        let mut at = 0;
        let mut got = Vec::new();
        while let Some((r, n)) = decode(&buf[at..]) {
            got.push(r);
            at += n;
        }
        assert_eq!(at, buf.len());
        assert_eq!(
            got,
            vec![
                Record::Line(line(1, "hello | wörld")),
                Record::Line(line(2, "")),
                Record::Seal(2),
                Record::Removed(2)
            ]
        );
        // Every truncation ends the readable part at the last whole record
        // before the cut.
        let mut bounds = vec![0];
        while let Some((_, k)) = decode(&buf[*bounds.last().unwrap()..]) {
            bounds.push(bounds.last().unwrap() + k);
        }
        for cut in 0..buf.len() {
            let mut at = 0;
            while let Some((_, k)) = decode(&buf[at..cut]) {
                at += k;
            }
            assert_eq!(at, *bounds.iter().filter(|&&b| b <= cut).max().unwrap());
        }
        let second = bounds[1];
        let mut bad = buf.clone();
        bad[second + 12] ^= 1;
        assert!(decode(&bad[second..]).is_none());
    }
}
