//! The replicator and a processor job over the local stack's SASL_SSL listeners
//! (localhost:29092–29094, SCRAM-SHA-512, the stack's CA): the replica ends equal to its source
//! (`diff`, whose settle check reads Kafka through the same settings) and the job's windows equal
//! the truth recomputed from the source, as over PLAINTEXT.

mod common;

use std::os::unix::fs::PermissionsExt;

/// The stack's SCRAM user and password (compose/local/stack: KAFKA_USER/KAFKA_PASSWORD).
const KAFKA: &str = "[kafka]\nbrokers = \"localhost:29092,localhost:29093,localhost:29094\"\n\
                     security_protocol = \"SASL_SSL\"\n\n[kafka.sasl]\n\
                     mechanism = \"SCRAM-SHA-512\"\nusername = \"cdc-console\"\n\
                     password = \"cdc-console-dev\"\n";

#[tokio::test(flavor = "multi_thread")]
async fn the_replicator_and_a_job_run_over_sasl_ssl() {
    common::require_stack();
    let sink = common::sink_client().await;
    let source = common::source_client().await;
    let scenario = common::stages::Scenario::new("ksec", &sink).await;
    let ca = common::repo_root().join(".stack/tls/ca.crt");
    let mut text = std::fs::read_to_string(&scenario.config).expect("config");
    text.push_str(&format!("\n{KAFKA}\n[kafka.tls]\nca_file = \"{}\"\n", ca.display()));
    std::fs::write(&scenario.config, text).expect("config");
    std::fs::set_permissions(&scenario.config, std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let (loaded, _) = cdc_console::config::load(Some(&scenario.config)).expect("config");
    assert_eq!(loaded.kafka.security_protocol, cdc_console::config::SecurityProtocol::SaslSsl);

    common::replicator::generate(50).await;
    let config = scenario.config.to_str().expect("utf-8");
    let out = common::console(
        &["--config", config, "replicate", "--until-idle", "--time-limit", "180s"],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "replicate over SASL_SSL: {stderr}");
    assert!(!stderr.contains("cdc-console-dev"), "{stderr}");
    common::stages::replica_converges(&scenario.config, &scenario.replica).await;
    common::processor::converge_to_truth(&scenario.config, &sink, &source, &scenario.job).await;
    scenario.clean_up(&sink).await;
}
