//! Statistics shared by the collectors (the latency sampler) and the pipeline (the replicator's
//! commit latency, the processor's firing delay): a sliding-window histogram and its percentiles.

pub mod window;

pub use window::{Percentiles, SlidingHistogram};
