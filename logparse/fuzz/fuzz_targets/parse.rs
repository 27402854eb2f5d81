//! Any bytes, cut into chunks anywhere: never panics, and chunked parsing
//! equals whole parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (cuts, log) = data.split_at(data.len().min(4));
    let whole = logparse::parse(log);
    assert_eq!(whole.lines, whole.parsed + whole.malformed);

    let mut p = logparse::Parser::with_line_cap(64);
    let mut at = 0;
    for &c in cuts {
        let end = (at + c as usize).min(log.len());
        p.feed(&log[at..end]);
        at = end;
    }
    p.feed(&log[at..]);
    let mut q = logparse::Parser::with_line_cap(64);
    q.feed(log);
    assert_eq!(p.finish(), q.finish());

    let mut r = logparse::Parser::new();
    for chunk in log.chunks(7) {
        r.feed(chunk);
    }
    assert_eq!(r.finish(), whole);
});
