//! Flink on the local stack (`compose/local/stack up` and `compose/local/stack up flink`), in one
//! test binary whose tests take turns on the one cluster (one of them kills its TaskManager):
//! the cluster and its connectors, a job's Flink SQL submitted and recorded, the console's view
//! of Flink jobs and its actions, the peer check against the embedded processor, and a
//! TaskManager killed mid-run.

#[path = "stack_flink/cluster.rs"]
mod cluster;
mod common;
#[path = "stack_flink/failover.rs"]
mod failover;
#[path = "stack_flink/peer.rs"]
mod peer;
#[path = "stack_flink/restart_cli.rs"]
mod restart_cli;
#[path = "stack_flink/submit.rs"]
mod submit;
#[path = "stack_flink/watch.rs"]
mod watch;
