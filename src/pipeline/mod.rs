//! What the console runs itself. Nothing here knows about the screen.

pub mod envelope;
pub mod generator;
