//! The console's record of what it submitted to Flink (in the sink database, beside the
//! processor's checkpoints): which console job, which Flink job id, the statements, and the
//! last savepoint, so a job can be found, restarted from its savepoint, and compared.
