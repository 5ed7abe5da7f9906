//! The sink table of a replica, derived from the source table's columns and types: created when
//! missing, new source columns added, a type or key change refused with a clear error.

use tokio_postgres::Client;

use super::copy_binary::Encoding;
use crate::config::ReplicaConfig;
use crate::pg::{TableShape, ident, qualified, read_shape};

/// One replicated column: source name, sink name, type, and how it is staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub source: String,
    pub sink: String,
    pub ty: String,
    pub encoding: Encoding,
}

impl Mapped {
    pub fn new(source: &str, sink: &str, ty: &str) -> Self {
        Self { source: source.into(), sink: sink.into(), ty: ty.into(), encoding: Encoding::of(ty) }
    }
}

/// What a replica writes: the mapped columns and the key (a subset of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub columns: Vec<Mapped>,
    /// Indexes into `columns`.
    pub key: Vec<usize>,
    /// Every source column name (kept or not): an event carrying another one means the source
    /// table changed.
    pub source_columns: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("source table {0} does not exist or has no primary key")]
    NoSourceKey(String),
    #[error("replica {replica}: column {column} named in the config is not in {table}")]
    UnknownColumn { replica: String, table: String, column: String },
    #[error("replica {replica}: key column {column} cannot be dropped")]
    KeyDropped { replica: String, column: String },
    #[error(
        "replica {replica}: column {column} is {sink} in {table} but {in_source} in the source; the replica stops (recreate the sink table)"
    )]
    TypeChanged { replica: String, table: String, column: String, sink: String, in_source: String },
    #[error(
        "replica {replica}: the key of {table} is ({sink}) but the source's maps to ({in_source}); the replica stops (recreate the sink table)"
    )]
    KeyChanged { replica: String, table: String, sink: String, in_source: String },
    #[error("{}", crate::pg::message(.0))]
    Db(#[from] tokio_postgres::Error),
}

/// Applies the replica's column selection and renames to the source's shape.
pub fn plan(r: &ReplicaConfig, source: &TableShape) -> Result<Plan, SchemaError> {
    if source.key.is_empty() {
        return Err(SchemaError::NoSourceKey(r.source.clone()));
    }
    let known = |c: &String| source.columns.iter().any(|s| &s.name == c);
    let named = r.columns.iter().flatten().chain(&r.drop).chain(r.rename.keys());
    if let Some(c) = named.into_iter().find(|c| !known(c)) {
        return Err(SchemaError::UnknownColumn {
            replica: r.name.clone(),
            table: r.source.clone(),
            column: c.clone(),
        });
    }
    let kept = |c: &str| {
        !r.drop.iter().any(|d| d == c)
            && r.columns.as_ref().is_none_or(|k| k.iter().any(|x| x == c))
    };
    if let Some(k) = source.key.iter().find(|k| !kept(k)) {
        return Err(SchemaError::KeyDropped { replica: r.name.clone(), column: k.clone() });
    }
    let columns: Vec<Mapped> = source
        .columns
        .iter()
        .filter(|c| kept(&c.name))
        .map(|c| Mapped::new(&c.name, r.rename.get(&c.name).unwrap_or(&c.name), &c.ty))
        .collect();
    let key = source
        .key
        .iter()
        .map(|k| columns.iter().position(|c| &c.source == k).expect("kept"))
        .collect();
    Ok(Plan {
        columns,
        key,
        source_columns: source.columns.iter().map(|c| c.name.clone()).collect(),
    })
}

/// Creates the sink table, or adds the plan's new columns to it; refuses a changed type or key.
pub async fn ensure_sink(c: &Client, r: &ReplicaConfig, plan: &Plan) -> Result<(), SchemaError> {
    if let Some((schema, _)) = r.sink.split_once('.') {
        crate::pipeline::create_if_missing(
            c,
            &format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)),
        )
        .await?;
    }
    let table = qualified(&r.sink);
    let key_sink: Vec<String> = plan.key.iter().map(|&i| plan.columns[i].sink.clone()).collect();
    match read_shape(c, &r.sink).await? {
        None => {
            let cols: Vec<String> =
                plan.columns.iter().map(|m| format!("{} {}", ident(&m.sink), m.ty)).collect();
            let keys: Vec<String> = key_sink.iter().map(|k| ident(k)).collect();
            crate::pipeline::create_if_missing(c, &format!(
                "CREATE TABLE IF NOT EXISTS {table} ({}, _source_lsn bigint NOT NULL, PRIMARY KEY ({}))",
                cols.join(", "),
                keys.join(", ")
            ))
            .await?;
        }
        Some(sink) => {
            if sink.key != key_sink {
                return Err(SchemaError::KeyChanged {
                    replica: r.name.clone(),
                    table: r.sink.clone(),
                    sink: sink.key.join(", "),
                    in_source: key_sink.join(", "),
                });
            }
            for m in &plan.columns {
                match sink.columns.iter().find(|s| s.name == m.sink) {
                    Some(s) if s.ty != m.ty => {
                        return Err(SchemaError::TypeChanged {
                            replica: r.name.clone(),
                            table: r.sink.clone(),
                            column: m.sink.clone(),
                            sink: s.ty.clone(),
                            in_source: m.ty.clone(),
                        });
                    }
                    Some(_) => {}
                    None => {
                        tracing::info!(replica = %r.name, column = %m.sink, "adding a new source column to the replica");
                        c.batch_execute(&format!(
                            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {} {}",
                            ident(&m.sink),
                            m.ty
                        ))
                        .await?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pg::Column;

    fn orders() -> TableShape {
        let c = |n: &str, t: &str| Column { name: n.into(), ty: t.into() };
        TableShape {
            columns: vec![
                c("order_id", "bigint"),
                c("customer_name", "text"),
                c("amount", "numeric(12,2)"),
            ],
            key: vec!["order_id".into()],
        }
    }

    #[test]
    fn drops_and_renames_columns_and_keeps_the_key() {
        let mut r = ReplicaConfig::defaults().remove(1);
        r.rename.insert("amount".into(), "total".into());
        let p = plan(&r, &orders()).unwrap();
        let names: Vec<_> =
            p.columns.iter().map(|m| (m.source.as_str(), m.sink.as_str())).collect();
        assert_eq!(names, [("order_id", "order_id"), ("amount", "total")]);
        assert_eq!(p.key, [0]);
    }

    #[test]
    fn refuses_a_dropped_key_and_an_unknown_column() {
        let mut r = ReplicaConfig::defaults().remove(0);
        r.drop = vec!["order_id".into()];
        assert!(matches!(plan(&r, &orders()), Err(SchemaError::KeyDropped { .. })));
        r.drop = vec!["nope".into()];
        assert!(matches!(plan(&r, &orders()), Err(SchemaError::UnknownColumn { .. })));
    }
}
