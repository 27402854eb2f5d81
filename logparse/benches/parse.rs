//! Throughput of the full parse (levels, metrics, templates) on a large
//! generated log, whole and fed in 64 KiB chunks.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let log = corpus::large_log(1, 64 << 20);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.sample_size(20);
    g.bench_function("whole", |b| {
        b.iter(|| black_box(logparse::parse(black_box(&log))))
    });
    g.bench_function("chunks_64k", |b| {
        b.iter(|| {
            let mut p = logparse::Parser::new();
            for chunk in log.chunks(64 << 10) {
                p.feed(black_box(chunk));
            }
            black_box(p.finish())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
