//! The JobManager's REST API: jobs, their vertices, checkpoints, watermarks, backpressure and
//! metrics; cancel and stop-with-savepoint. One client shared by the collector, the `flink`
//! subcommand and the actions.
