//! A generated changelog of `public.orders` for a scratch topic: inserts, updates (status, amount
//! and `updated_at` moving forward) and deletes, as Debezium writes them with `REPLICA IDENTITY
//! FULL` (before images on updates and deletes), keyed and partitioned by order id so a key's
//! changes keep their order. Its event times only move forward, so with a long allowed lateness
//! nothing is late; the truth of a windowed job is computed here from the rows left alive.
//! Self-contained (benches/flink_peer.rs includes it by path).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// One order as the source holds it.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub status: &'static str,
    /// Cents, printed as a two-decimal string (Debezium's `decimal.handling.mode=string`).
    pub cents: i64,
    /// `updated_at`, epoch milliseconds.
    pub updated_ms: i64,
}

const STATUSES: [&str; 4] = ["pending", "paid", "shipped", "cancelled"];

/// Deterministic and dependency-free (xorshift64*): a seed gives the same changelog every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

pub struct Changelog {
    brokers: String,
    pub rows: BTreeMap<i64, Order>,
    /// The clock of the next change, epoch ms: each change advances it by `step_ms`.
    pub clock_ms: i64,
    step_ms: i64,
    next_id: i64,
    lsn: i64,
    partitions: i64,
    dice: Dice,
    /// Events written, by op.
    pub counts: BTreeMap<&'static str, u64>,
}

impl Changelog {
    /// Starts at `start_ms` (event time of the first change), one change every `step_ms`.
    pub fn new(brokers: &str, seed: u64, start_ms: i64, step_ms: i64, partitions: i64) -> Self {
        Self {
            brokers: brokers.to_string(),
            rows: BTreeMap::new(),
            clock_ms: start_ms,
            step_ms,
            next_id: 1,
            lsn: 1_000,
            partitions,
            dice: Dice(seed | 1),
            counts: BTreeMap::new(),
        }
    }

    /// The next change: mostly inserts while few rows live, then updates, some deletes.
    fn change(&mut self) -> (i64, String) {
        let roll = self.dice.next(100);
        let live = self.rows.len() as u64;
        let (id, before, after, op) = if live < 20 || roll < 40 {
            let id = self.next_id;
            self.next_id += 1;
            let status = STATUSES[self.dice.next(2) as usize];
            let cents = 100 + self.dice.next(99_900) as i64;
            let row = Order { id, status, cents, updated_ms: self.clock_ms };
            self.rows.insert(id, row.clone());
            (id, None, Some(row), "c")
        } else {
            let pick = self.dice.next(live) as usize;
            let id = *self.rows.keys().nth(pick).expect("a live row");
            let old = self.rows[&id].clone();
            if roll < 85 {
                let mut new = old.clone();
                new.status = STATUSES[self.dice.next(4) as usize];
                if self.dice.next(2) == 0 {
                    new.cents = 100 + self.dice.next(99_900) as i64;
                }
                new.updated_ms = self.clock_ms;
                self.rows.insert(id, new.clone());
                (id, Some(old), Some(new), "u")
            } else {
                self.rows.remove(&id);
                (id, Some(old), None, "d")
            }
        };
        *self.counts.entry(op).or_default() += 1;
        self.lsn += 100;
        let event = format!(
            r#"{{"before":{},"after":{},"source":{{"version":"3.6.1.Final","connector":"postgresql","name":"peer","ts_ms":{},"snapshot":"false","db":"source","schema":"public","table":"orders","txId":{},"lsn":{}}},"op":"{op}","ts_ms":{}}}"#,
            image(before.as_ref()),
            image(after.as_ref()),
            self.clock_ms,
            self.lsn / 100,
            self.lsn,
            self.clock_ms + 5
        );
        self.clock_ms += self.step_ms;
        (id, event)
    }

    /// Writes `n` changes (and a tombstone after each delete, as Debezium does) to `topic`,
    /// acknowledged by all in-sync replicas.
    pub fn produce(&mut self, topic: &str, n: usize) {
        let producer: BaseProducer = rdkafka::ClientConfig::new()
            .set("bootstrap.servers", &self.brokers)
            .set("log_level", "3")
            .set("linger.ms", "5")
            .set("acks", "all")
            .create()
            .expect("producer");
        for _ in 0..n {
            let (id, event) = self.change();
            let key = format!(r#"{{"order_id":{id}}}"#);
            let partition = i32::try_from(id % self.partitions).expect("a partition");
            let tombstone = event.contains(r#""op":"d""#);
            send(&producer, BaseRecord::to(topic).partition(partition).key(&key).payload(&event));
            if tombstone {
                send(&producer, BaseRecord::<String, ()>::to(topic).partition(partition).key(&key));
            }
        }
        producer.flush(Duration::from_secs(30)).expect("flush");
    }

    /// What a tumbling job of `size_ms` by status over the live rows holds, per
    /// (status, window start ms): "count sum min max" with trimmed scales, as
    /// [`super::processor::results`] prints the output table.
    pub fn truth(&self, size_ms: i64, until_ms: i64) -> BTreeMap<(String, i64), String> {
        let mut windows: BTreeMap<(String, i64), (i64, i64, i64, i64)> = BTreeMap::new();
        for r in self.rows.values() {
            let ws = r.updated_ms - r.updated_ms.rem_euclid(size_ms);
            if ws + size_ms > until_ms {
                continue;
            }
            let w = windows.entry((r.status.to_string(), ws)).or_insert((0, 0, i64::MAX, 0));
            *w = (w.0 + 1, w.1 + r.cents, w.2.min(r.cents), w.3.max(r.cents));
        }
        windows
            .into_iter()
            .map(|(k, (n, sum, min, max))| {
                (k, format!("{n} {} {} {}", dec(sum), dec(min), dec(max)))
            })
            .collect()
    }
}

fn send<K: rdkafka::message::ToBytes + ?Sized, P: rdkafka::message::ToBytes + ?Sized>(
    producer: &BaseProducer,
    mut record: BaseRecord<'_, K, P>,
) {
    loop {
        match producer.send(record) {
            Ok(()) => break,
            Err((
                rdkafka::error::KafkaError::MessageProduction(
                    rdkafka::types::RDKafkaErrorCode::QueueFull,
                ),
                r,
            )) => {
                record = r;
                producer.poll(Duration::from_millis(50));
            }
            Err((e, _)) => panic!("produce: {e}"),
        }
    }
    producer.poll(Duration::ZERO);
}

/// An order as Debezium's JSON image (no schema), or `null`.
fn image(row: Option<&Order>) -> String {
    row.map_or_else(
        || "null".into(),
        |r| {
            format!(
                r#"{{"order_id":{},"user_id":{},"customer_name":"c{}","amount":"{}","status":"{}","created_at":"{}","updated_at":"{}"}}"#,
                r.id,
                r.id % 97,
                r.id,
                money(r.cents),
                r.status,
                iso(r.updated_ms),
                iso(r.updated_ms)
            )
        },
    )
}

/// Cents as Debezium's decimal string, two places.
fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Cents with trailing zeros trimmed, as PostgreSQL's `trim_scale` prints them.
pub fn dec(cents: i64) -> String {
    let s = money(cents);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Epoch ms as Debezium's ZonedTimestamp: ISO-8601 in UTC, the fraction only as long as needed.
pub fn iso(ms: i64) -> String {
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil(days);
    let base =
        format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60);
    if milli == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{milli:03}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (H. Hinnant).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
