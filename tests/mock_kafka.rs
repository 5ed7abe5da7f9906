//! The Kafka collector against librdkafka's mock cluster (three brokers on real TCP ports, in
//! this process): the faults the local stack's three Apache Kafka brokers cannot be made to show
//! on demand (tests/stack_broker_faults.rs stops and starts real ones). Racks and leaders as set, a
//! broker unreachable while still in the metadata, a leader moved at once, a leaderless
//! partition, a topic error, an injected round-trip delay, the CLI's exit codes. The mock always
//! reports ISR = replicas; under-replication is shown on the real cluster.

mod common;

use std::time::{Duration, Instant};

use cdc_console::collectors::kafka::{Broker, BrokerState, KafkaSnapshot, Probe, Topic};
use cdc_console::config::{Config, Millis};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientConfig, ClientContext};

fn mock_with_topic(topic: &str, partitions: i32) -> MockCluster<'static, DefaultProducerContext> {
    let mock = MockCluster::new(3).expect("mock cluster");
    add_topic(&mock, topic, partitions);
    mock
}

/// A topic replicated on all three brokers, partition p led by broker p % 3 + 1.
fn add_topic<C: ClientContext>(mock: &MockCluster<'_, C>, topic: &str, partitions: i32) {
    mock.create_topic(topic, partitions, 3).expect("create topic");
    for p in 0..partitions {
        mock.partition_leader(topic, p, Some(p % 3 + 1)).expect("set leader");
    }
}

fn config<C: ClientContext>(mock: &MockCluster<'_, C>) -> Config {
    let mut c = Config::default();
    c.kafka.brokers = mock.bootstrap_servers();
    // Reconnect quickly once a broker is back, so the test does not wait out librdkafka's
    // default 10 s backoff.
    c.kafka.properties.insert("reconnect.backoff.max.ms".into(), "500".into());
    c.timeouts.request_ms = Millis(2000);
    c
}

async fn collect(probe: &mut Probe) -> KafkaSnapshot {
    probe.collect().await.expect("the mock cluster answers")
}

/// Polls every 300 ms until `done` holds, or fails with the last snapshot.
async fn poll_until(
    probe: &mut Probe,
    what: &str,
    within: Duration,
    done: impl Fn(&KafkaSnapshot) -> bool,
) -> KafkaSnapshot {
    let deadline = Instant::now() + within;
    loop {
        let snap = collect(probe).await;
        if done(&snap) {
            return snap;
        }
        assert!(Instant::now() < deadline, "{what} not seen within {within:?}: {snap:#?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn broker(s: &KafkaSnapshot, id: i32) -> &Broker {
    s.brokers
        .iter()
        .find(|b| b.id == id)
        .unwrap_or_else(|| panic!("no broker {id}: {:#?}", s.brokers))
}

fn topic<'a>(s: &'a KafkaSnapshot, name: &str) -> &'a Topic {
    s.topics
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no topic {name}: {:#?}", s.topics))
}

fn leaders(t: &Topic) -> Vec<Option<i32>> {
    t.partition_details.iter().map(|p| p.leader).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_brokers_with_racks_and_leaders_as_created() {
    let mock = mock_with_topic("orders", 6);
    for (id, rack) in [(1, "rack-a"), (2, "rack-b"), (3, "rack-c")] {
        mock.broker_rack(id, rack).expect("set rack");
    }
    let mut probe = Probe::new(&config(&mock));
    let snap = collect(&mut probe).await;

    assert_eq!(snap.brokers.iter().map(|b| b.id).collect::<Vec<_>>(), vec![1, 2, 3]);
    for b in &snap.brokers {
        assert!(
            mock.bootstrap_servers().split(',').any(|a| a == b.address()),
            "{} not in {}",
            b.address(),
            mock.bootstrap_servers()
        );
        assert_eq!(b.state, BrokerState::Up, "{b:#?}");
        assert_eq!(b.client_state.as_deref(), Some("UP"));
    }
    let racks: Vec<_> = snap.brokers.iter().map(|b| b.rack.as_deref()).collect();
    assert_eq!(
        racks,
        vec![Some("rack-a"), Some("rack-b"), Some("rack-c")],
        "racks come from DescribeCluster: {:?}",
        snap.warnings
    );
    assert!(snap.cluster_id.is_some(), "DescribeCluster answers on the mock: {snap:#?}");
    // The mock never sets a controller: it reports node 0, none of its brokers.
    assert_eq!(snap.controller, Some(0));
    assert!(snap.brokers.iter().all(|b| !b.controller));

    let orders = topic(&snap, "orders");
    assert_eq!(orders.partitions, 6);
    assert_eq!(leaders(orders), vec![Some(1), Some(2), Some(3), Some(1), Some(2), Some(3)]);
    for p in &orders.partition_details {
        assert_eq!(p.replicas.len(), 3, "{p:#?}");
        assert_eq!(p.isr, p.replicas);
        assert!(!p.under_replicated && !p.offline && p.error.is_none(), "{p:#?}");
        assert_eq!((p.log_start_offset, p.log_end_offset), (Some(0), Some(0)));
    }
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
}

/// A broker that stops: the cluster drops it from the metadata at once (and librdkafka then
/// forgets it, so its statistics say nothing more); the probe remembers it and shows it down.
#[tokio::test(flavor = "multi_thread")]
async fn a_broker_taken_down_shows_down_and_comes_back() {
    let mock = mock_with_topic("orders", 3);
    let mut probe = Probe::new(&config(&mock));
    let before = collect(&mut probe).await;
    let address = broker(&before, 2).address();
    assert_eq!(broker(&before, 2).state, BrokerState::Up);

    mock.broker_down(2).expect("broker down");
    let down = poll_until(&mut probe, "broker 2 down", Duration::from_secs(15), |s| {
        broker(s, 2).state == BrokerState::Down
    })
    .await;
    let two = broker(&down, 2);
    assert_eq!(two.address(), address, "where it was is kept");
    assert!(
        two.reason.as_deref().is_some_and(|r| r.contains("missing from the cluster metadata")),
        "{two:#?}"
    );
    assert_eq!(broker(&down, 1).state, BrokerState::Up);
    // Its partition's offsets are not asked (no timeout spent); the others still are.
    let orders = topic(&down, "orders");
    let led_by_two = &orders.partition_details[1];
    assert_eq!(led_by_two.leader, Some(2), "the mock moves no leader");
    assert_eq!(led_by_two.log_end_offset, None);
    assert!(
        led_by_two.error.as_deref().is_some_and(|e| e.contains("broker 2") && e.contains("down")),
        "{led_by_two:#?}"
    );
    assert_eq!(orders.partition_details[0].log_end_offset, Some(0));

    mock.broker_up(2).expect("broker up");
    let back = poll_until(&mut probe, "broker 2 back up", Duration::from_secs(15), |s| {
        broker(s, 2).state == BrokerState::Up
    })
    .await;
    assert_eq!(broker(&back, 2).client_state.as_deref(), Some("UP"));
    assert!(broker(&back, 2).reason.is_none());
    assert_eq!(topic(&back, "orders").partition_details[1].log_end_offset, Some(0));
}

/// A broker the cluster still lists but this client cannot reach (a network partition, a
/// firewall): only the client's statistics can tell. Simulated by having the mock advertise
/// broker 2 at a closed port, then at its own again.
#[tokio::test(flavor = "multi_thread")]
async fn a_broker_the_client_cannot_reach_shows_down_via_statistics() {
    // A mock cluster owned by a client, so its C handle can be reached for the one mock call
    // rdkafka does not wrap.
    let owner: BaseProducer =
        ClientConfig::new().set("test.mock.num.brokers", "3").create().expect("mock owner");
    let mock = owner.client().mock_cluster().expect("mock cluster");
    add_topic(&mock, "orders", 3);
    let advertise = |host: &str, port: u16| {
        let host = std::ffi::CString::new(host).expect("host");
        // SAFETY: `owner` is alive and owns the mock cluster; the call copies `host`.
        unsafe {
            let raw = rdkafka::bindings::rd_kafka_handle_mock_cluster(owner.client().native_ptr());
            assert!(!raw.is_null());
            rdkafka::bindings::rd_kafka_mock_broker_set_host_port(
                raw,
                2,
                host.as_ptr(),
                port.into(),
            );
        }
    };
    let mut probe = Probe::new(&config(&mock));
    let before = collect(&mut probe).await;
    let two = broker(&before, 2).clone();
    assert_eq!(two.state, BrokerState::Up);

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    advertise("127.0.0.1", closed);
    let down = poll_until(&mut probe, "broker 2 unreachable", Duration::from_secs(15), |s| {
        broker(s, 2).state == BrokerState::Down
            && broker(s, 2).client_state.as_deref().is_some_and(|c| c != "UP")
    })
    .await;
    let unreachable = broker(&down, 2);
    assert_eq!(unreachable.port, i32::from(closed), "listed at its new address");
    assert!(
        unreachable.reason.as_deref().is_some_and(|r| r.contains("connection is")),
        "{unreachable:#?}"
    );
    assert_eq!(broker(&down, 1).state, BrokerState::Up);

    advertise(&two.host, u16::try_from(two.port).expect("port"));
    let back = poll_until(&mut probe, "broker 2 reachable again", Duration::from_secs(20), |s| {
        broker(s, 2).state == BrokerState::Up
    })
    .await;
    assert_eq!(broker(&back, 2).address(), two.address());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leader_change_is_seen_on_the_next_poll() {
    let mock = mock_with_topic("orders", 3);
    let mut probe = Probe::new(&config(&mock));
    assert_eq!(leaders(topic(&collect(&mut probe).await, "orders"))[0], Some(1));

    mock.partition_leader("orders", 0, Some(3)).expect("move leader");
    let snap = collect(&mut probe).await;
    assert_eq!(leaders(topic(&snap, "orders")), vec![Some(3), Some(2), Some(3)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partition_without_leader_is_offline() {
    let mock = mock_with_topic("orders", 3);
    mock.partition_leader("orders", 1, None).expect("drop leader");
    let mut probe = Probe::new(&config(&mock));
    let snap = collect(&mut probe).await;
    let orders = topic(&snap, "orders");
    let p1 = &orders.partition_details[1];
    assert!(p1.offline && p1.leader.is_none() && p1.log_end_offset.is_none(), "{p1:#?}");
    assert_eq!((orders.offline(), orders.under_replicated()), (1, 0));
    assert!(orders.is_unhealthy());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_topic_error_is_kept_in_words() {
    let mock = mock_with_topic("orders", 3);
    add_topic(&mock, "payments", 1);
    mock.topic_error("payments", RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
        .expect("set error");
    let snap = collect(&mut Probe::new(&config(&mock))).await;
    let payments = topic(&snap, "payments");
    assert_eq!(
        payments.error.as_deref(),
        Some("TopicAuthorizationFailed (Broker: Topic authorization failed)"),
        "{payments:#?}"
    );
    assert!(payments.is_unhealthy() && !topic(&snap, "orders").is_unhealthy());
}

#[tokio::test(flavor = "multi_thread")]
async fn offsets_and_rate_follow_produced_records() {
    let mock = mock_with_topic("orders", 3);
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", mock.bootstrap_servers())
        .set("linger.ms", "0")
        .create()
        .expect("producer");
    let produce = |partition: i32, n: usize| {
        for i in 0..n {
            let key = i.to_string();
            producer
                .send(BaseRecord::to("orders").partition(partition).key(&key).payload("x"))
                .expect("enqueue");
        }
        producer.flush(Duration::from_secs(10)).expect("flush");
    };
    for (p, n) in [(0, 10), (1, 20), (2, 30)] {
        produce(p, n);
    }

    let cfg = config(&mock);
    let mut probe = Probe::new(&cfg);
    let before_first = Instant::now();
    let first = collect(&mut probe).await;
    let ends: Vec<_> =
        topic(&first, "orders").partition_details.iter().map(|p| p.log_end_offset).collect();
    assert_eq!(ends, vec![Some(10), Some(20), Some(30)]);
    assert_eq!(topic(&first, "orders").messages_per_sec, None, "one read is no rate yet");

    // The same bounds as a plain client reads them, partition by partition.
    let plain: BaseConsumer = cdc_console::kafka::client_config(&cfg).create().expect("consumer");
    for p in &topic(&first, "orders").partition_details {
        let (low, high) =
            plain.fetch_watermarks("orders", p.id, Duration::from_secs(5)).expect("watermarks");
        assert_eq!((p.log_start_offset, p.log_end_offset), (Some(low), Some(high)));
    }

    produce(0, 50);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = collect(&mut probe).await;
    let orders = topic(&second, "orders");
    assert_eq!(orders.partition_details[0].log_end_offset, Some(60));
    let rate = orders.messages_per_sec.expect("a rate after two reads");
    // 50 records over the time between the two reads: at least the sleep, at most all along.
    let most = 50.0 / 0.5;
    let least = 50.0 / before_first.elapsed().as_secs_f64();
    assert!(rate > least && rate <= most, "{rate} msg/s, expected within ({least}, {most}]");
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trip_time_follows_the_broker_delay() {
    let mock = mock_with_topic("orders", 3);
    mock.broker_round_trip_time(1, Duration::from_millis(150)).expect("set rtt");
    let mut probe = Probe::new(&config(&mock));
    let snap =
        poll_until(&mut probe, "broker 1's round trip near 150 ms", Duration::from_secs(15), |s| {
            broker(s, 1).rtt_avg_ms.is_some_and(|ms| ms >= 100.0)
        })
        .await;
    let fast = broker(&snap, 2).rtt_avg_ms;
    assert!(fast.is_none_or(|ms| ms < 100.0), "broker 2 has no delay: {fast:?}");
    assert!(broker(&snap, 1).rtt_p99_ms.is_some_and(|ms| ms >= 100.0));
}

/// The CLI reads the mock cluster too (it listens on real ports): exit 1 with the problem named
/// when a broker is down or a partition offline.
#[test]
fn cli_exits_1_on_a_down_broker_or_an_offline_partition() {
    let mock = mock_with_topic("orders", 3);
    let brokers = mock.bootstrap_servers();
    let run = |args: &[&str]| {
        let out = common::console(args, &[("CDC_CONSOLE_BROKERS", &brokers)]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), json)
    };

    let (code, json) = run(&["brokers", "-o", "json"]);
    assert_eq!(code, Some(0), "{json:#}");
    assert_eq!(json["brokers"].as_array().map(Vec::len), Some(3));

    mock.partition_leader("orders", 2, None).expect("drop leader");
    let (code, json) = run(&["topics", "-o", "json"]);
    assert_eq!(code, Some(1), "{json:#}");
    assert_eq!(json["problems"][0], "orders-2 is offline: no leader");

    // A fresh process never saw broker 3 in the metadata; its partitions still name it.
    mock.broker_down(3).expect("broker down");
    let (code, json) = run(&["brokers", "-o", "json"]);
    assert_eq!(code, Some(1), "{json:#}");
    let problems = json["problems"].as_array().cloned().unwrap_or_default();
    assert!(
        problems.iter().any(|p| p.as_str().is_some_and(|p| p.starts_with("broker 3 "))),
        "{json:#}"
    );
}
