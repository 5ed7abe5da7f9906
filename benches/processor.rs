//! Throughput of the embedded processor on one thread: decode alone, then decode + operator for
//! a tumbling and a hopping job, over realistic Debezium events for public.orders held in memory.
//! Prints events/s per core (median of 5 runs); no I/O, no stack needed.
//!
//!   cargo bench --bench processor                        # 2,000,000 events
//!   PROCESSOR_BENCH_EVENTS=500000 cargo bench --bench processor
//!
//! For instruction counts, run the bench binary under callgrind with `PROCESSOR_BENCH_RUNS=1`
//! and read the inclusive cost of `decode_all`, `run_tumbling` and `run_hopping` (one pass each).

use std::time::{Duration, Instant};

use cdc_console::config::job::{AggregateConfig, JobConfig, Span, WindowConfig};
use cdc_console::pipeline::processor::{ChangeDecoder, Operator};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone)]
struct Order {
    id: u64,
    user: u64,
    amount_cents: u64,
    status: &'static str,
    created_us: i64,
    updated_us: i64,
}

const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];

fn iso(us: i64) -> String {
    let (secs, frac) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn row(o: &Order) -> String {
    format!(
        r#"{{"order_id":{},"user_id":{},"customer_name":"customer {}","amount":"{}.{:02}","status":"{}","created_at":"{}","updated_at":"{}"}}"#,
        o.id,
        o.user,
        o.user,
        o.amount_cents / 100,
        o.amount_cents % 100,
        o.status,
        iso(o.created_us),
        iso(o.updated_us)
    )
}

fn envelope(
    op: &str,
    before: Option<&Order>,
    after: Option<&Order>,
    ts_ms: i64,
    lsn: u64,
) -> String {
    let image = |o: Option<&Order>| o.map_or("null".to_string(), row);
    format!(
        r#"{{"before":{},"after":{},"source":{{"version":"3.0.7.Final","connector":"postgresql","name":"dbserver1","ts_ms":{ts_ms},"snapshot":"false","db":"source","sequence":"[\"{}\",\"{lsn}\"]","ts_us":{},"ts_ns":{},"schema":"public","table":"orders","txId":{},"lsn":{lsn},"xmin":null}},"transaction":null,"op":"{op}","ts_ms":{},"ts_us":{},"ts_ns":{}}}"#,
        image(before),
        image(after),
        lsn - 8,
        ts_ms * 1000,
        ts_ms * 1_000_000,
        lsn / 3,
        ts_ms + 40,
        (ts_ms + 40) * 1000,
        (ts_ms + 40) * 1_000_000
    )
}

/// (partition, record key, value) for `n` changes: inserts, updates (full before images) and
/// deletes of orders, commit times ~1000 events/s with up to 1.5s of out-of-orderness.
fn events(n: usize) -> Vec<Event> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut live: Vec<Order> = Vec::new();
    let mut next_id = 1;
    let start_us = 1_795_252_120_000_000i64;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let now_us = start_us + i as i64 * 1_000;
        let updated_us = now_us - rng.below(1_500_000) as i64;
        let ts_ms = now_us / 1_000;
        let lsn = 26_000_000 + i as u64 * 160;
        let pick = rng.below(100);
        let (key, value) = if live.len() < 1_000 || pick < 50 {
            let o = Order {
                id: next_id,
                user: rng.below(5_000),
                amount_cents: rng.below(100_000),
                status: STATUSES[0],
                created_us: updated_us,
                updated_us,
            };
            next_id += 1;
            let v = envelope("c", None, Some(&o), ts_ms, lsn);
            live.push(o.clone());
            (o.id, v)
        } else if pick < 90 {
            let at = rng.below(live.len() as u64) as usize;
            let before = live[at].clone();
            let after = Order {
                status: STATUSES[rng.below(5) as usize],
                amount_cents: rng.below(100_000),
                updated_us,
                ..before.clone()
            };
            live[at] = after.clone();
            (before.id, envelope("u", Some(&before), Some(&after), ts_ms, lsn))
        } else {
            let at = rng.below(live.len() as u64) as usize;
            let before = live.swap_remove(at);
            (before.id, envelope("d", Some(&before), None, ts_ms, lsn))
        };
        out.push((
            (key % 3) as i32,
            format!(r#"{{"order_id":{key}}}"#).into_bytes(),
            value.into_bytes(),
        ));
    }
    out
}

fn job(window: WindowConfig) -> JobConfig {
    let mut j = JobConfig::orders_by_status();
    j.window = window;
    j.aggregates = vec![AggregateConfig::Count, AggregateConfig::Sum { column: "amount".into() }];
    j
}

/// CPU time of this thread (ns on CPU from /proc/thread-self/schedstat): the machine is shared,
/// so wall time would measure the neighbours too. Falls back to wall time where unavailable.
struct CpuClock(Option<u64>, Instant);

impl CpuClock {
    fn read() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }
    fn start() -> Self {
        CpuClock(Self::read(), Instant::now())
    }
    fn elapsed(&self) -> Duration {
        match (self.0, Self::read()) {
            (Some(a), Some(b)) => Duration::from_nanos(b - a),
            _ => self.1.elapsed(),
        }
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn report(label: &str, n: usize, runs: Vec<Duration>) {
    let m = median(runs);
    println!(
        "{label:<34} {:>12.0} events/s per core  (median {:.3}s CPU for {n} events)",
        n as f64 / m.as_secs_f64(),
        m.as_secs_f64()
    );
}

type Event = (i32, Vec<u8>, Vec<u8>);

/// Decodes every event (one pass); not inlined, so callgrind can report it alone.
#[inline(never)]
fn decode_all(decoder: &ChangeDecoder, data: &[Event]) -> usize {
    let mut ops = 0usize;
    for (_, _, v) in data {
        ops += decoder.decode(Some(v)).ok().flatten().map_or(0, |c| c.op as usize);
    }
    ops
}

/// Decodes and applies every event, advancing every 10,000; returns the results fired.
#[allow(
    clippy::inline_always,
    reason = "the timed loop is measured as if written at the call site"
)]
fn apply_all(decoder: &ChangeDecoder, op: &mut Operator, data: &[Event]) -> usize {
    let mut fired = 0;
    for (i, (partition, key, value)) in data.iter().enumerate() {
        if let Ok(Some(change)) = decoder.decode(Some(value)) {
            op.on_change(*partition, i as i64, key, &change, 0);
        }
        if i % 10_000 == 9_999 {
            fired += op.advance(0).results.len();
        }
    }
    fired + op.flush().results.len()
}

/// [`apply_all`] under a name of its own per job, for callgrind (the `black_box`es keep the
/// two bodies distinct, else the linker folds them into one).
#[inline(never)]
fn run_tumbling(decoder: &ChangeDecoder, op: &mut Operator, data: &[Event]) -> usize {
    std::hint::black_box("tumbling");
    apply_all(decoder, op, data)
}

#[inline(never)]
fn run_hopping(decoder: &ChangeDecoder, op: &mut Operator, data: &[Event]) -> usize {
    std::hint::black_box("hopping");
    apply_all(decoder, op, data)
}

fn main() {
    let n: usize = std::env::var("PROCESSOR_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let repeats: usize =
        std::env::var("PROCESSOR_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let build = Instant::now();
    let data = events(n);
    let bytes: usize = data.iter().map(|e| e.2.len()).sum();
    println!("{n} events, {} bytes on average, built in {:.1?}", bytes / n, build.elapsed());
    let secs = |s| Span(Duration::from_secs(s));
    let tumbling = job(WindowConfig::Tumbling { size: secs(10) });
    let hopping = job(WindowConfig::Hopping { size: secs(60), slide: secs(10) });

    let decoder = ChangeDecoder::for_job(&tumbling);
    let runs = (0..repeats)
        .map(|_| {
            let t = CpuClock::start();
            std::hint::black_box(decode_all(&decoder, &data));
            t.elapsed()
        })
        .collect();
    report("decode alone", n, runs);

    for (label, cfg) in
        [("decode + tumbling 10s", &tumbling), ("decode + hopping 1m/10s", &hopping)]
    {
        let decoder = ChangeDecoder::for_job(cfg);
        let (mut fired, mut late) = (0, 0);
        let run = if matches!(cfg.window, WindowConfig::Hopping { .. }) {
            run_hopping
        } else {
            run_tumbling
        };
        let runs = (0..repeats)
            .map(|_| {
                let mut op = Operator::try_new(cfg).expect("a valid job");
                let t = CpuClock::start();
                fired += run(&decoder, &mut op, &data);
                let elapsed = t.elapsed();
                late = op.stats().late_events;
                elapsed
            })
            .collect();
        report(label, n, runs);
        println!("{:<34} {fired} results over 5 runs, {late} late contributions per run", "");
    }
}
