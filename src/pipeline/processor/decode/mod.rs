//! Debezium change events (JSON, schemas off) decoded into the [`Change`]s one job reads: pure
//! and synchronous, the hot path of the processor (every record of the input topics goes
//! through it).
//!
//! [`ChangeDecoder::decode`] walks the envelope once with a zero-copy scanner (`scan`: SIMD byte
//! classes, bracket skimming, skipping what the job does not read) and projects the kept values
//! (`projection`) onto the job's group key, aggregated columns and event time ([`event_time`]:
//! Debezium's time encodings to epoch milliseconds). A record that cannot serve the job is a
//! [`ChangeError`] naming why, for the dead-letter table.

pub mod change;
pub mod event_time;
mod projection;
mod scan;

pub use change::{Change, ChangeDecoder, ChangeError, Image, KeyPart, MAX_COLUMNS, Op};
