//! Apache Flink, the console's scale-out path: a job's Flink SQL (the same windowed
//! aggregation as the embedded processor), its submission through the SQL gateway, and the
//! JobManager's REST API the collector and the actions read and drive. Shared below the
//! collectors, the CLI and the app, as `kafka` and `pg` are; knows nothing of the screen.

mod error;
pub mod gateway;
pub mod rest;
pub mod restart;
pub mod sql;
pub mod submissions;

pub use error::FlinkError;
