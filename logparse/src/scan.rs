//! Finding line ends and field separators: one pass over 64-byte blocks that
//! yields bit masks of `\n` and `|` (SSE2 on x86_64, plain code elsewhere),
//! so each line costs a few bit operations instead of several searches.

/// Calls `block(base, newlines, pipes)` for each 64-byte block of `bytes`
/// (the last one shorter), with bit `i` of a mask set when byte `base + i`
/// is a `\n` or a `|`.
#[inline(always)]
pub(crate) fn for_each_block(bytes: &[u8], mut block: impl FnMut(usize, u64, u64)) {
    let mut base = 0;
    let mut blocks = bytes.chunks_exact(64);
    for b in &mut blocks {
        let (newlines, pipes) = masks(b.try_into().expect("64-byte block"));
        block(base, newlines, pipes);
        base += 64;
    }
    let (newlines, pipes) = masks_scalar(blocks.remainder());
    block(base, newlines, pipes);
}

/// Calls `event(pos, is_newline)` for every `\n` and `|` in `bytes`, in order.
#[cfg(test)]
#[inline(always)]
pub(crate) fn for_each_separator(bytes: &[u8], mut event: impl FnMut(usize, bool)) {
    let mut base = 0;
    let mut blocks = bytes.chunks_exact(64);
    for block in &mut blocks {
        let (newlines, pipes) = masks(block.try_into().expect("64-byte block"));
        emit(base, newlines, pipes, &mut event);
        base += 64;
    }
    let (newlines, pipes) = masks_scalar(blocks.remainder());
    emit(base, newlines, pipes, &mut event);
}

#[cfg(test)]
#[inline(always)]
fn emit(base: usize, newlines: u64, pipes: u64, event: &mut impl FnMut(usize, bool)) {
    let mut all = newlines | pipes;
    while all != 0 {
        let bit = all.trailing_zeros();
        all &= all - 1;
        event(base + bit as usize, newlines >> bit & 1 == 1);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let (mut newlines, mut pipes) = (0u64, 0u64);
    // SAFETY: SSE2 is part of the x86_64 baseline; every load reads 16 bytes
    // inside the 64-byte array (unaligned loads are allowed).
    unsafe {
        let nl = _mm_set1_epi8(b'\n' as i8);
        let bar = _mm_set1_epi8(b'|' as i8);
        for i in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(i * 16) as *const __m128i);
            newlines |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) as u16) << (i * 16);
            pipes |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, bar)) as u16) << (i * 16);
        }
    }
    (newlines, pipes)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn masks(block: &[u8; 64]) -> (u64, u64) {
    masks_scalar(block)
}

/// Masks for up to 64 bytes.
#[inline(always)]
fn masks_scalar(bytes: &[u8]) -> (u64, u64) {
    let (mut newlines, mut pipes) = (0u64, 0u64);
    for (i, &b) in bytes.iter().enumerate().take(64) {
        newlines |= u64::from(b == b'\n') << i;
        pipes |= u64::from(b == b'|') << i;
    }
    (newlines, pipes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_separator_in_order_across_blocks() {
        let mut bytes = Vec::new();
        for i in 0..500u32 {
            bytes.push(match i % 7 {
                0 => b'\n',
                3 => b'|',
                _ => b'a' + (i % 26) as u8,
            });
        }
        for len in [0, 1, 63, 64, 65, 127, 128, 129, 500] {
            let want: Vec<(usize, bool)> = bytes[..len]
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n' || **b == b'|')
                .map(|(i, b)| (i, *b == b'\n'))
                .collect();
            let mut got = Vec::new();
            for_each_separator(&bytes[..len], |p, nl| got.push((p, nl)));
            assert_eq!(got, want, "len {len}");
        }
    }
}
