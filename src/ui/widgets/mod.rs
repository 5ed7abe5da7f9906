//! Pieces shared by the views: chrome (header and footer), overlays (help, confirm, the
//! contexts picker), tables.

pub mod chrome;
pub mod common;
pub mod confirm;
pub mod contexts;
pub mod help;
