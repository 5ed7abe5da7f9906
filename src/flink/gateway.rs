//! The SQL gateway's REST API (v1/v2): open a session with the job's settings, run statements,
//! and read the Flink job id an INSERT starts. Owned by the `--on flink` submission and the
//! restart-from-savepoint action.
