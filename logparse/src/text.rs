//! Byte-level whitespace the way Rust's `char::is_whitespace` (Unicode
//! `White_Space`) sees it, without decoding: trimming bytes gives the same
//! text as decoding lossily and then trimming, because every non-ASCII
//! whitespace character starts with a lead byte (never a continuation byte),
//! so a lossy decoder always reads it as that character.

/// ASCII bytes that are Unicode `White_Space` (note: includes vertical tab,
/// unlike `u8::is_ascii_whitespace`).
#[inline(always)]
pub(crate) fn is_ascii_ws(b: u8) -> bool {
    // bits 9..=13 (\t \n VT FF \r) and 32 (space)
    const WS: u64 = 0x1_0000_3E00;
    b <= b' ' && (WS >> b) & 1 == 1
}

/// Length of the UTF-8 encoded non-ASCII `White_Space` character at the
/// start of `s`, if there is one.
#[inline]
fn unicode_ws_prefix(s: &[u8]) -> Option<usize> {
    match s {
        [0xC2, 0x85 | 0xA0, ..] => Some(2),
        [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => Some(3),
        _ => None,
    }
}

/// Length of the UTF-8 encoded non-ASCII `White_Space` character at the end
/// of `s`, if there is one.
#[inline]
fn unicode_ws_suffix(s: &[u8]) -> Option<usize> {
    match s {
        [.., 0xC2, 0x85 | 0xA0] => Some(2),
        [.., 0xE1, 0x9A, 0x80]
        | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
        | [.., 0xE2, 0x81, 0x9F]
        | [.., 0xE3, 0x80, 0x80] => Some(3),
        _ => None,
    }
}

/// Trims Unicode whitespace from both ends of UTF-8 (or damaged) bytes.
#[inline(always)]
pub(crate) fn trim_ws(mut s: &[u8]) -> &[u8] {
    loop {
        match s.first() {
            Some(&b) if is_ascii_ws(b) => s = &s[1..],
            Some(&b) if b >= 0x80 => match unicode_ws_prefix(s) {
                Some(n) => s = &s[n..],
                None => break,
            },
            _ => break,
        }
    }
    loop {
        match s.last() {
            Some(&b) if is_ascii_ws(b) => s = &s[..s.len() - 1],
            Some(&b) if b >= 0x80 => match unicode_ws_suffix(s) {
                Some(n) => s = &s[..s.len() - n],
                None => break,
            },
            _ => break,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_ws_is_the_white_space_property() {
        for b in 0..=255u8 {
            let want = b < 0x80 && char::from(b).is_whitespace();
            assert_eq!(is_ascii_ws(b), want, "{b:#x}");
        }
    }

    /// The definition: decode lossily, trim.
    fn reference(s: &[u8]) -> String {
        String::from_utf8_lossy(s).trim().to_owned()
    }

    #[test]
    fn equals_lossy_decode_then_trim() {
        let ws: Vec<char> = (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(ws.len(), 25, "White_Space has 25 code points");
        for &c in &ws {
            let s = format!("{c}a{c}b{c}");
            assert_eq!(
                String::from_utf8_lossy(trim_ws(s.as_bytes())),
                reference(s.as_bytes()),
                "{c:?}"
            );
        }
        for bytes in [
            &b""[..],
            b" ",
            b"\xff x \xff",
            b"\xe2\x80 \xc2\xa0",
            b"\xc2\xa0\xe2\x80",
            b"\xe2\xc2\xa0",
            b"x\xe2\x80\x8b",
            b"\xe3\x80\x80\xe3\x80",
            b"\x0b\x0c\r\t\n",
            b"\x1c\x1d",
        ] {
            assert_eq!(
                String::from_utf8_lossy(trim_ws(bytes)),
                reference(bytes),
                "{bytes:?}"
            );
        }
    }
}
