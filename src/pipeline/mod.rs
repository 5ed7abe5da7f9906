//! What the console runs itself. Nothing here knows about the screen.

pub mod batches;
pub mod diff;
pub mod envelope;
pub mod generator;
pub mod processor;
pub mod replicator;
