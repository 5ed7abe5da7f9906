//! The seeded planner: which rows a batch inserts, updates and deletes, apart from I/O so a
//! seed always plans the same changes.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{Mix, Settings};

/// One transaction's worth of changes.
#[derive(Debug, Default, PartialEq)]
pub struct Batch {
    pub inserts: Vec<NewOrder>,
    /// (order id, new status, new amount); ids distinct within a batch.
    pub updates: Vec<(i64, &'static str, String)>,
    pub deletes: Vec<i64>,
}

#[derive(Debug, PartialEq)]
pub struct NewOrder {
    pub user_id: i64,
    pub customer_name: String,
    pub amount: String,
    pub status: &'static str,
}

const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];
const FIRST: [&str; 8] =
    ["Ada", "Grace", "Linus", "Edsger", "Barbara", "Donald", "Margaret", "Ken"];
const LAST: [&str; 8] =
    ["Lovelace", "Hopper", "Torvalds", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson"];

/// The seeded planner, apart from I/O so a seed always plans the same changes.
pub struct Workload {
    rng: StdRng,
    mix: Mix,
    live: Vec<i64>,
}

impl Workload {
    pub fn new(settings: &Settings, live: Vec<i64>) -> Self {
        Self { rng: StdRng::seed_from_u64(settings.seed), mix: settings.mix, live }
    }

    pub fn plan(&mut self, n: u64) -> Batch {
        let mut b = Batch::default();
        let mut touched = HashSet::new();
        let total = self.mix.insert + self.mix.update + self.mix.delete;
        for _ in 0..n {
            let roll = self.rng.random_range(0..total);
            let target = if roll >= self.mix.insert { self.pick(&touched) } else { None };
            match target {
                Some(i) if roll < self.mix.insert + self.mix.update => {
                    let id = self.live[i];
                    touched.insert(id);
                    let status = STATUSES[self.rng.random_range(0..STATUSES.len())];
                    b.updates.push((id, status, self.amount()));
                }
                Some(i) => {
                    let id = self.live.swap_remove(i);
                    touched.insert(id);
                    b.deletes.push(id);
                }
                // An insert, or an update/delete with no free row to touch.
                None => b.inserts.push(NewOrder {
                    user_id: self.rng.random_range(1..10_000),
                    customer_name: format!(
                        "{} {}",
                        FIRST[self.rng.random_range(0..FIRST.len())],
                        LAST[self.rng.random_range(0..LAST.len())]
                    ),
                    amount: self.amount(),
                    status: "pending",
                }),
            }
        }
        b
    }

    /// A live row not yet touched in this batch (a few tries, then give up).
    fn pick(&mut self, touched: &HashSet<i64>) -> Option<usize> {
        if self.live.is_empty() {
            return None;
        }
        (0..4)
            .map(|_| self.rng.random_range(0..self.live.len()))
            .find(|&i| !touched.contains(&self.live[i]))
    }

    fn amount(&mut self) -> String {
        format!("{}.{:02}", self.rng.random_range(1..1000), self.rng.random_range(0..100))
    }

    pub fn inserted(&mut self, ids: Vec<i64>) {
        self.live.extend(ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(seed: u64, mix: Mix) -> Settings {
        Settings { rate: 1, duration: None, seed, mix }
    }

    #[test]
    fn the_same_seed_plans_the_same_changes() {
        let mut a = Workload::new(&settings(7, Mix::default()), (1..=100).collect());
        let mut b = Workload::new(&settings(7, Mix::default()), (1..=100).collect());
        assert_eq!(a.plan(500), b.plan(500));
        let mut c = Workload::new(&settings(8, Mix::default()), (1..=100).collect());
        assert_ne!(a.plan(50), c.plan(50));
    }

    #[test]
    fn the_mix_is_respected_and_rows_are_touched_once_per_batch() {
        let mut w = Workload::new(&settings(1, Mix::default()), (1..=100_000).collect());
        let b = w.plan(10_000);
        let (i, u, d) = (b.inserts.len(), b.updates.len(), b.deletes.len());
        assert_eq!(i + u + d, 10_000);
        assert!(
            (4_700..5_300).contains(&i)
                && (3_200..3_800).contains(&u)
                && (1_200..1_800).contains(&d),
            "{i} {u} {d}"
        );
        let mut seen = HashSet::new();
        assert!(
            b.updates
                .iter()
                .map(|x| x.0)
                .chain(b.deletes.iter().copied())
                .all(|id| seen.insert(id))
        );
    }

    #[test]
    fn with_no_rows_every_change_is_an_insert() {
        let mut w = Workload::new(&settings(3, Mix { insert: 1, update: 1, delete: 1 }), vec![]);
        let b = w.plan(100);
        assert_eq!((b.inserts.len(), b.updates.len(), b.deletes.len()), (100, 0, 0));
    }
}
