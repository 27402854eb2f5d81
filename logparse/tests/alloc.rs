//! The hot path does not allocate per line: parsing a large log allocates a
//! number of times that grows with new templates and series growth, not with
//! the number of lines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn allocations_do_not_scale_with_lines() {
    let log = corpus::large_log(2, 8 << 20);
    let lines = log.iter().filter(|&&b| b == b'\n').count() as u64;

    let before = ALLOCS.load(Ordering::Relaxed);
    let mut p = logparse::Parser::new();
    for chunk in log.chunks(64 << 10) {
        p.feed(chunk);
    }
    let during = ALLOCS.load(Ordering::Relaxed) - before;
    let report = p.finish();

    assert!(lines > 50_000, "{lines}");
    assert!(report.parsed > 50_000);
    let templates = report.templates.len() as u64;
    // each new template: key + example; each series: log2(n) growths
    let budget = templates * 4 + 4 * 64 + 64;
    assert!(
        during <= budget,
        "{during} allocations for {lines} lines ({templates} templates, budget {budget})"
    );
}
