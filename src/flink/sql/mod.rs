//! A console job as Flink SQL: the Kafka source with the `debezium-json` format, event time and
//! watermark from the job's settings, the aggregation, and a JDBC upsert sink keyed like the
//! processor's output table. Where Flink cannot express the job the same way, the SQL says so in
//! its header, one comment per difference.
//!
//! Pure: the job, the source table's shape (`pg::read_shape`) and the config in, text out. The
//! sink password never appears in it: the JDBC sink carries [`PASSWORD_PLACEHOLDER`], and only
//! [`FlinkSql::submitted`] (what goes to the SQL gateway, never printed or logged) puts the
//! secret in its place.

mod notes;
mod query;
mod tables;
mod types;

use crate::config::Config;
use crate::config::job::JobConfig;
use crate::config::secret::Secret;
use crate::pg::TableShape;

/// What stands for the sink password in every statement shown, logged or recorded.
pub const PASSWORD_PLACEHOLDER: &str = "${SINK_PASSWORD}";

/// Why a job cannot be written as Flink SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    #[error("job `{job}`: {reason}")]
    Job { job: String, reason: String },
    #[error("column `{column}` ({ty}) cannot be {role} of a Flink job")]
    ColumnType { column: String, ty: String, role: &'static str },
    #[error("column `{0}` is not in the source table")]
    NoColumn(String),
    #[error(
        "Kafka {0}: the Flink SQL speaks PLAINTEXT only (add the Kafka client's security properties to the printed SQL by hand)"
    )]
    KafkaSecurity(&'static str),
    #[error(
        "the sink uses a client certificate, which Flink's JDBC sink is not given (pgjdbc wants it as PKCS-8 DER)"
    )]
    ClientCertificate,
}

/// A job's Flink SQL: session settings, then statements run in order in one session.
#[derive(Debug, Clone, PartialEq)]
pub struct FlinkSql {
    /// The console job it was generated from (also `pipeline.name`).
    pub job: String,
    /// `SET` lines when printed; the session's properties when submitted.
    pub settings: Vec<(String, String)>,
    /// CREATE TABLE (source, sink), CREATE VIEW, INSERT: the password as the placeholder.
    pub statements: Vec<String>,
    /// Where the Flink job differs from the embedded processor, one paragraph each.
    pub notes: Vec<String>,
}

impl FlinkSql {
    /// The whole script as printed by `process --flink-sql`: the differences as comments, the
    /// settings as `SET`, the statements, each ended by `;`.
    pub fn script(&self) -> String {
        let mut out = format!(
            "-- cdc-console job `{}` as Flink SQL (generated; the embedded processor is the reference).\n",
            self.job
        );
        if !self.notes.is_empty() {
            out.push_str("-- Where it differs from the embedded processor:\n");
            for note in &self.notes {
                out.push_str(&comment(note));
            }
        }
        out.push('\n');
        for (key, value) in &self.settings {
            out.push_str(&format!("SET {} = {};\n", literal(key), literal(value)));
        }
        for s in &self.statements {
            out.push('\n');
            out.push_str(s);
            out.push_str(";\n");
        }
        out
    }

    /// The statements as submitted: the placeholder replaced by the sink password (quoted for
    /// a SQL string). Never print or log these.
    pub fn submitted(statements: &[String], password: Option<&Secret>) -> Vec<String> {
        let secret = password.map_or(String::new(), |p| p.expose().replace('\'', "''"));
        statements.iter().map(|s| s.replace(PASSWORD_PLACEHOLDER, &secret)).collect()
    }
}

/// The job `job` of `config` as Flink SQL, `shape` being its first source table's.
pub fn generate(
    config: &Config,
    job: &JobConfig,
    shape: &TableShape,
) -> Result<FlinkSql, SqlError> {
    crate::pipeline::processor::Operator::check(job)
        .map_err(|e| SqlError::Job { job: job.name.clone(), reason: e.to_string() })?;
    if config.kafka.security_protocol != crate::config::SecurityProtocol::Plaintext {
        return Err(SqlError::KafkaSecurity(config.kafka.security_protocol.as_librdkafka()));
    }
    if config.sink.sslcert.is_some() {
        return Err(SqlError::ClientCertificate);
    }
    let names = tables::Names::of(job);
    let source = tables::source(config, job, shape, &names)?;
    let sink = tables::sink(config, job, &source, &names);
    let insert = query::insert(job, &source, &names);
    let mut settings = vec![
        ("pipeline.name".to_string(), job.name.clone()),
        // Window bounds are computed and written as UTC wall-clock TIMESTAMP(3).
        ("table.local-time-zone".into(), "UTC".into()),
        ("table.exec.source.idle-timeout".into(), types::duration(job.idle_timeout.as_millis())),
        ("execution.checkpointing.interval".into(), "10 s".into()),
    ];
    if source.normalized {
        settings.push(("table.exec.source.cdc-events-duplicate".into(), "true".into()));
    }
    if !job.group_by.is_empty() {
        settings.push(("table.exec.sink.not-null-enforcer".into(), "DROP".into()));
    }
    Ok(FlinkSql {
        job: job.name.clone(),
        settings,
        statements: vec![source.ddl.clone(), source.view.clone(), sink, insert],
        notes: notes::differences(job, &source),
    })
}

/// A Flink SQL identifier in backticks.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A Flink SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A paragraph as `-- ` comment lines of at most 100 characters.
fn comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("--  *");
    for word in text.split_whitespace() {
        if line.len() + 1 + word.len() > 100 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("--   ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
