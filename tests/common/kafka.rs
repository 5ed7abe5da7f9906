//! Scratch topics: tests that compare offsets need a topic nobody else writes to. Created with a
//! client that shares no code with the console, three replicas as every topic of the local
//! cluster, filled in batches as Kafka's producer defaults make them, and deleted with the groups
//! the test names, however the test ends.
#![allow(dead_code)]

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Bootstrap servers and nothing else: independent of the console's client settings.
pub fn plain_config() -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", super::config().kafka.brokers).set("log_level", "3");
    c
}

pub struct ScratchTopic {
    pub name: String,
    groups: Vec<String>,
    admin: AdminClient<DefaultClientContext>,
    rt: tokio::runtime::Runtime,
}

impl ScratchTopic {
    pub fn create(name: &str, partitions: i32) -> Self {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let admin: AdminClient<DefaultClientContext> =
            plain_config().create().expect("admin client");
        let opts = AdminOptions::new().request_timeout(Some(TIMEOUT));
        let created = rt
            .block_on(admin.create_topics(
                &[NewTopic::new(name, partitions, TopicReplication::Fixed(3))],
                &opts,
            ))
            .expect("create topic");
        assert!(created.iter().all(Result::is_ok), "create {name}: {created:?}");
        Self { name: name.to_string(), groups: Vec::new(), admin, rt }
    }

    /// Deletes `group` too when the topic goes.
    pub fn owns_group(&mut self, group: &str) {
        self.groups.push(group.to_string());
    }

    /// Produces `n` records to each `(partition, n)`, acknowledged by all in-sync replicas.
    pub fn produce(&self, counts: &[(i32, i64)]) {
        let producer: BaseProducer = plain_config().create().expect("producer");
        for &(partition, n) in counts {
            for i in 0..n {
                let payload = format!("record {i}");
                let record =
                    BaseRecord::to(&self.name).partition(partition).key("k").payload(&payload);
                producer.send(record).map_err(|(e, _)| e).expect("enqueue");
                producer.poll(Duration::ZERO);
            }
        }
        producer.flush(TIMEOUT).expect("flush");
    }
}

impl ScratchTopic {
    /// Deletes the topic and creates it again, empty, with `partitions` (retrying while the
    /// broker finishes the deletion), and waits until every partition's leader answers.
    pub fn recreate(&self, partitions: i32) {
        let opts = AdminOptions::new().request_timeout(Some(TIMEOUT));
        let name = self.name.as_str();
        let deleted = self.rt.block_on(self.admin.delete_topics(&[name], &opts));
        assert!(deleted.iter().flatten().all(Result::is_ok), "delete {name}: {deleted:?}");
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let new = NewTopic::new(name, partitions, TopicReplication::Fixed(3));
            let created = self.rt.block_on(self.admin.create_topics(&[new], &opts));
            if created.as_ref().is_ok_and(|c| c.iter().all(Result::is_ok)) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "recreate {name}: {created:?}");
            std::thread::sleep(Duration::from_millis(500));
        }
        let c: rdkafka::consumer::BaseConsumer = plain_config().create().expect("consumer");
        let answers = |p| {
            rdkafka::consumer::Consumer::fetch_watermarks(&c, name, p, Duration::from_secs(2))
                .is_ok()
        };
        while !(0..partitions).all(answers) {
            assert!(std::time::Instant::now() < deadline, "{name}: partitions without a leader");
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for ScratchTopic {
    fn drop(&mut self) {
        let opts = AdminOptions::new().request_timeout(Some(TIMEOUT));
        let topics = self.rt.block_on(self.admin.delete_topics(&[&self.name], &opts));
        let groups: Vec<&str> = self.groups.iter().map(String::as_str).collect();
        let deleted = if groups.is_empty() {
            Ok(Vec::new())
        } else {
            self.rt.block_on(self.admin.delete_groups(&groups, &opts))
        };
        if topics.is_err() || deleted.is_err() {
            eprintln!("cleanup of {}: topics {topics:?}, groups {deleted:?}", self.name);
        }
    }
}

/// Debezium-shaped inserts of `public.orders`, one per id (source LSN 100 × id), into
/// partition 0 of `topic`.
pub fn produce_orders(topic: &str, ids: std::ops::Range<i64>) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let producer: BaseProducer = plain_config().create().expect("producer");
    for id in ids {
        let event = format!(
            r#"{{"before":null,"after":{{"order_id":{id},"user_id":1,"customer_name":"c","amount":"1.50","status":"paid","created_at":"2026-11-21T10:00:00Z","updated_at":"2026-11-21T10:00:00Z"}},"source":{{"ts_ms":1,"lsn":{},"txId":1,"schema":"public","table":"orders","snapshot":"false"}},"op":"c","ts_ms":2}}"#,
            100 * id
        );
        producer
            .send(BaseRecord::to(topic).partition(0).key("k").payload(&event))
            .map_err(|(e, _)| e)
            .expect("send");
    }
    producer.flush(TIMEOUT).expect("flush");
}

/// Commits `offsets[p]` for partition p of `topic` as `group`, as the group's own consumer
/// would, without consuming; checked by reading the commits back.
pub fn commit(topic: &str, group: &str, offsets: &[i64]) {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    use rdkafka::{Offset, TopicPartitionList};
    let consumer: BaseConsumer = plain_config()
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (p, o) in offsets.iter().enumerate() {
        let p = i32::try_from(p).expect("a partition number");
        tpl.add_partition_offset(topic, p, Offset::Offset(*o)).expect("tpl");
    }
    consumer.commit(&tpl, CommitMode::Sync).expect("commit");
    let committed = consumer.committed_offsets(tpl, TIMEOUT).expect("committed");
    let read: Vec<Offset> = committed
        .elements()
        .iter()
        .map(rdkafka::topic_partition_list::TopicPartitionListElem::offset)
        .collect();
    let want: Vec<Offset> = offsets.iter().map(|o| Offset::Offset(*o)).collect();
    assert_eq!(read, want, "{group} committed on {topic}");
}
