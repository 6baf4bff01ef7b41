//! Render throughput: one bus, and streams of many buses (the whole pipeline from YAML text
//! to YAML text). Run with `cargo bench --bench render`.
//!
//! The library targets (docs/performance.md): `render/1` (a NATS Streaming bus parsed,
//! validated, rendered and serialized) at most 40 us; `render-jetstream/1` (a JetStream bus
//! with its credentials and four certificates) at most 300 us. Per-bus cost at 1,000 and 10,000
//! within 1.2x of the cost at 100.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use eventbus_gen::{RenderOptions, Seed, render_str};

/// `n` JetStream buses, each in its own namespace (credentials and four certificates each).
fn jetstream_stream(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: bus-{i}\n  namespace: team-{i}\nspec:\n  jetstream:\n    version: latest\n"
        ));
    }
    s
}

/// `n` token buses with persistence, each in its own namespace.
fn stream(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!(
            "---\napiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: bus-{i}\n  namespace: team-{i}\nspec:\n  nats:\n    native:\n      replicas: 3\n      auth: token\n      persistence:\n        volumeSize: 10Gi\n"
        ));
    }
    s
}

/// A group `name` rendering `make(n)` buses, YAML in to YAML out, for each of `sizes`.
fn group(
    c: &mut Criterion,
    name: &str,
    sizes: &[usize],
    make: fn(usize) -> String,
    options: &RenderOptions,
) {
    let mut group = c.benchmark_group(name);
    for &n in sizes {
        let input = make(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &input, |b, input| {
            b.iter(|| {
                render_str(black_box(input), options)
                    .unwrap()
                    .to_yaml()
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn render(c: &mut Criterion) {
    let options = RenderOptions::default().seed(Seed::new("benchmark seed, not a secret").unwrap());
    group(c, "render", &[1, 100, 1000], stream, &options);
    group(c, "render-jetstream", &[1, 100], jetstream_stream, &options);
    // The same with the threads the command-line front ends use (the machine's parallelism):
    // one bus splits its two certificate chains, many buses share out the derivations.
    let threads = std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN);
    let parallel = options.clone().threads(threads);
    group(
        c,
        "render-jetstream-threads",
        &[1, 100],
        jetstream_stream,
        &parallel,
    );

    let mut big = c.benchmark_group("render-10k");
    big.sample_size(10);
    let input = stream(10_000);
    big.throughput(Throughput::Elements(10_000));
    big.bench_function("10000", |b| {
        b.iter(|| {
            render_str(black_box(&input), &options)
                .unwrap()
                .to_yaml()
                .unwrap()
        })
    });
    big.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
