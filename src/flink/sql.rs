//! A console job as Flink SQL: the Kafka source with the `debezium-json` format, event time and
//! watermark from the job's settings, the aggregation, and a JDBC upsert sink keyed like the
//! processor's output table. Where Flink cannot express the job the same way, the SQL says so.
