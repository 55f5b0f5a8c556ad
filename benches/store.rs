//! Store commit throughput: MeterValues-like writes through `SqlStore` from many
//! concurrent tasks (as many charger actors write at once), with fsync on and off.
//! The writer's group commit is what turns concurrency into throughput.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use ocpp_gateway::config::Settings;
use ocpp_gateway::domain::MeterSample;
use ocpp_gateway::store::{ChargerRecord, SqlStore, Store};

/// Concurrent writers: roughly the chargers with a write in flight on a busy node.
const WRITERS: &[usize] = &[1, 64, 512];

fn sample() -> Vec<MeterSample> {
    let timestamp = chrono::Utc::now();
    let sample = |measurand: &str, value: f64, unit: &str| MeterSample {
        timestamp,
        measurand: measurand.to_owned(),
        value,
        unit: Some(unit.to_owned()),
        phase: None,
        context: Some("Sample.Periodic".to_owned()),
    };
    vec![
        sample("Energy.Active.Import.Register", 12_345.0, "Wh"),
        sample("Power.Active.Import", 7_400.0, "W"),
    ]
}

fn open(dir: &tempfile::TempDir, fsync: bool, writers: usize) -> Arc<SqlStore> {
    let mut settings = Settings::embedded().expect("embedded settings").store;
    settings.path = dir.path().join("bench.db");
    settings.fsync = fsync;
    let store = Arc::new(SqlStore::open(&settings).expect("store opens"));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for w in 0..writers {
            let record = ChargerRecord {
                identity: format!("BENCH-{w}"),
                password: None,
                strict: false,
                security_profile: 0,
                pending_passwords: Vec::new(),
                desired_profile: 0,
            };
            store.upsert_charger(record).await.expect("charger added");
        }
    });
    store
}

/// `iters` writes spread over `writers` tasks; the time until all are committed.
async fn write(store: &Arc<SqlStore>, writers: usize, iters: u64) -> Duration {
    let started = Instant::now();
    let per_writer = iters.div_ceil(writers as u64);
    let mut tasks = Vec::with_capacity(writers);
    for w in 0..writers {
        let store = Arc::clone(store);
        tasks.push(tokio::spawn(async move {
            let identity = format!("BENCH-{w}");
            for _ in 0..per_writer {
                store
                    .record_meter_values(&identity, 1, None, sample())
                    .await
                    .expect("committed");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer finished");
    }
    started.elapsed()
}

fn commits(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut group = c.benchmark_group("store/meter_values");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for fsync in [false, true] {
        for &writers in WRITERS {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = open(&dir, fsync, writers);
            let name = if fsync { "fsync" } else { "no-fsync" };
            group.bench_with_input(BenchmarkId::new(name, writers), &writers, |b, &writers| {
                b.iter_custom(|iters| rt.block_on(write(&store, writers, iters)))
            });
        }
    }
    group.finish();
}

/// A fixed amount of work instead of criterion's timed rounds, for counting instructions
/// (`STORE_BENCH_COUNT=N valgrind --tool=callgrind target/release/deps/store-* --bench`):
/// N writes through `writers` tasks (`STORE_BENCH_WRITERS`, default 1), fsync off.
/// Timing on shared cores is noisy; the instructions per write, from two counts
/// (N and 2N, the difference divided by N), are not.
fn counted(n: u64) {
    let writers = std::env::var("STORE_BENCH_WRITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir, false, writers);
    rt.block_on(write(&store, writers, n));
}

criterion_group!(benches, commits);

fn main() {
    match std::env::var("STORE_BENCH_COUNT").map(|v| v.parse::<u64>()) {
        Ok(Ok(n)) => counted(n),
        _ => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
