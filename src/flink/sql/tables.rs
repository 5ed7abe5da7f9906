//! The Kafka source table (the job's topics as Debezium changes, the event time and its
//! watermark), the view that adds each change's event time in epoch milliseconds, and the JDBC
//! upsert sink into the processor's output table name plus `flink.output_suffix`.

use super::types::{self, EventTimeRead, ValueType};
use super::{PASSWORD_PLACEHOLDER, SqlError, literal, quote};
use crate::config::Config;
use crate::config::job::JobConfig;
use crate::pg::TableShape;

/// The session's names for the job's tables (the job name made an identifier).
pub struct Names {
    pub changes: String,
    pub timed: String,
    pub results: String,
}

impl Names {
    pub fn of(job: &JobConfig) -> Self {
        let base: String = job
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
            .collect();
        Self {
            changes: quote(&format!("{base}_changes")),
            timed: quote(&format!("{base}_timed")),
            results: quote(&format!("{base}_results")),
        }
    }
}

/// The source side: its DDL, the view over it, and the column types the rest is built on.
pub struct Source {
    pub ddl: String,
    pub view: String,
    /// Group-by columns and their Flink types (read and written alike).
    pub group: Vec<(String, String)>,
    /// Aggregated columns as the aggregates see them (DECIMAL), in `value_columns` order.
    pub values: Vec<(String, ValueType)>,
    /// `source.ts_ms` with a primary key: changes are normalized by key (see the notes).
    pub normalized: bool,
    /// The event-time column is a timestamp without time zone (epoch numbers).
    pub epoch_event_time: bool,
}

/// The epoch milliseconds of a UTC `TIMESTAMP(3)` expression `t` (Flink refuses CAST between
/// timestamps and numbers; EXTRACT(MILLISECOND) is the milliseconds within the second on 2.2).
fn epoch_ms(t: &str) -> String {
    format!("EXTRACT(EPOCH FROM {t}) * 1000 + MOD(EXTRACT(MILLISECOND FROM {t}), 1000)")
}

pub fn source(
    config: &Config,
    job: &JobConfig,
    shape: &TableShape,
    names: &Names,
) -> Result<Source, SqlError> {
    let ty_of = |c: &str| {
        shape
            .columns
            .iter()
            .find(|col| col.name == c)
            .map(|col| col.ty.clone())
            .ok_or_else(|| SqlError::NoColumn(c.into()))
    };
    let mut cols: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, ty: String| {
        if !cols.iter().any(|(n, _)| n == name) {
            cols.push((name.to_string(), ty));
        }
    };
    let mut group = Vec::new();
    for g in &job.group_by {
        let ty = types::group_type(g, &ty_of(g)?)?;
        add(g, ty.clone());
        group.push((g.clone(), ty));
    }
    let mut values = Vec::new();
    for v in crate::pipeline::processor::value_columns(&job.aggregates) {
        let t = types::value_type(&v.name, &ty_of(&v.name)?, &quote(&v.name))?;
        add(&v.name, t.read.clone());
        values.push((v.name, t));
    }
    let mut lines = Vec::new();
    let mut epoch_event_time = false;
    let key_of = |c: &String| Ok::<_, SqlError>((c.clone(), types::group_type(c, &ty_of(c)?)?));
    let normalized = job.event_time_column().is_none() && !shape.key.is_empty();
    let event_time = match job.event_time_column() {
        None => {
            if normalized {
                for (k, ty) in shape.key.iter().map(key_of).collect::<Result<Vec<_>, _>>()? {
                    add(&k, ty);
                }
            }
            "event_time TIMESTAMP_LTZ(3) METADATA FROM 'value.source.timestamp' VIRTUAL".to_string()
        }
        Some(c) => {
            let q = quote(c);
            match types::event_time_read(c, &ty_of(c)?)? {
                EventTimeRead::Zoned => {
                    add(c, "TIMESTAMP_LTZ(6)".into());
                    format!("event_time AS CAST({q} AS TIMESTAMP_LTZ(3))")
                }
                EventTimeRead::Epoch => {
                    epoch_event_time = true;
                    add(c, "BIGINT".into());
                    epoch_number(&q)
                }
            }
        }
    };
    lines.extend(cols.iter().map(|(n, t)| format!("{} {t}", quote(n))));
    lines.push(event_time);
    lines.push(format!(
        "WATERMARK FOR event_time AS event_time - {}",
        types::interval(job.out_of_orderness.as_millis())
    ));
    if normalized {
        let key: Vec<String> = shape.key.iter().map(|k| quote(k)).collect();
        lines.push(format!("PRIMARY KEY ({}) NOT ENFORCED", key.join(", ")));
    }
    let options = kafka_options(config, job);
    let ddl = format!(
        "CREATE TEMPORARY TABLE {} (\n  {}\n) WITH (\n{}\n)",
        names.changes,
        lines.join(",\n  "),
        with(&options)
    );
    let view = view(&group, &values, names);
    Ok(Source { ddl, view, group, values, normalized, epoch_event_time })
}

/// The Kafka source's options: the job's topics from the start, as Debezium JSON.
fn kafka_options(config: &Config, job: &JobConfig) -> Vec<(&'static str, String)> {
    vec![
        ("connector", "kafka".to_string()),
        ("topic", job.topics.join(";")),
        ("properties.bootstrap.servers", config.kafka.brokers.clone()),
        ("properties.group.id", format!("cdc-console-flink-{}", job.name)),
        // Connect writes the topics in transactions (exactly-once source): read what committed.
        ("properties.isolation.level", "read_committed".into()),
        ("scan.startup.mode", "earliest-offset".into()),
        ("format", "debezium-json".into()),
        ("debezium-json.schema-include", "false".into()),
        ("debezium-json.ignore-parse-errors", "true".into()),
        ("debezium-json.timestamp-format.standard", "ISO-8601".into()),
    ]
}

/// `event_time` of an epoch number column `q` of unknown unit, read by magnitude as the
/// processor reads it (≥ 10^17 ns, ≥ 10^14 µs, else ms).
fn epoch_number(q: &str) -> String {
    format!(
        "event_time AS TO_TIMESTAMP_LTZ(CASE WHEN ABS({q}) >= 100000000000000000 THEN {q} / 1000000 \
         WHEN ABS({q}) >= 100000000000000 THEN {q} / 1000 ELSE {q} END, 3)"
    )
}

/// The changes with an event time, their values as decimals and their epoch milliseconds.
fn view(group: &[(String, String)], values: &[(String, ValueType)], names: &Names) -> String {
    let mut cols: Vec<String> = group.iter().map(|(g, _)| quote(g)).collect();
    for (v, t) in values {
        if group.iter().any(|(g, _)| g == v) {
            continue;
        }
        if t.decimal == quote(v) {
            cols.push(t.decimal.clone());
        } else {
            cols.push(format!("{} AS {}", t.decimal, quote(v)));
        }
    }
    cols.push("event_time".into());
    cols.push(format!("{} AS event_ms", epoch_ms("CAST(event_time AS TIMESTAMP(3))")));
    format!(
        "CREATE TEMPORARY VIEW {} AS\nSELECT\n  {}\nFROM {}\nWHERE event_time IS NOT NULL",
        names.timed,
        cols.join(",\n  "),
        names.changes
    )
}

/// The JDBC upsert sink: the output table's columns, keyed by group + window bounds.
pub fn sink(config: &Config, job: &JobConfig, source: &Source, names: &Names) -> String {
    let mut cols: Vec<String> =
        source.group.iter().map(|(g, t)| format!("{} {t}", quote(g))).collect();
    cols.push("window_start TIMESTAMP(3)".into());
    cols.push("window_end TIMESTAMP(3)".into());
    for a in &job.aggregates {
        let t = a.column().and_then(|c| source.values.iter().find(|(v, _)| v == c));
        let ty = match (a, t) {
            (crate::config::job::AggregateConfig::Count, _) | (_, None) => "BIGINT".to_string(),
            (crate::config::job::AggregateConfig::Sum { .. }, Some((_, t))) => {
                format!("DECIMAL(38, {})", t.scale)
            }
            (crate::config::job::AggregateConfig::Avg { .. }, Some(_)) => "DECIMAL(38, 6)".into(),
            (_, Some((_, t))) => format!("DECIMAL({}, {})", t.precision, t.scale),
        };
        cols.push(format!("{} {ty}", quote(&a.output_column())));
    }
    let mut key: Vec<String> = source.group.iter().map(|(g, _)| quote(g)).collect();
    key.extend(["window_start".into(), "window_end".into()]);
    cols.push(format!("PRIMARY KEY ({}) NOT ENFORCED", key.join(", ")));
    let ep = &config.sink;
    let mut url = format!(
        "jdbc:postgresql://{}:{}/{}?stringtype=unspecified&sslmode={}",
        ep.host,
        ep.port,
        ep.dbname,
        serde_json::to_value(ep.sslmode)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "prefer".into())
    );
    if let Some(ca) = &ep.sslrootcert {
        url.push_str(&format!("&sslrootcert={}", ca.display()));
    }
    let mut options = vec![
        ("connector", "jdbc".to_string()),
        ("url", url),
        ("table-name", format!("{}{}", job.output.table, config.flink.output_suffix)),
        ("username", ep.user.clone()),
    ];
    if ep.secret().is_some() {
        options.push(("password", PASSWORD_PLACEHOLDER.into()));
    }
    format!(
        "CREATE TEMPORARY TABLE {} (\n  {}\n) WITH (\n{}\n)",
        names.results,
        cols.join(",\n  "),
        with(&options)
    )
}

fn with(options: &[(&str, String)]) -> String {
    options
        .iter()
        .map(|(k, v)| format!("  {} = {}", literal(k), literal(v)))
        .collect::<Vec<_>>()
        .join(",\n")
}
