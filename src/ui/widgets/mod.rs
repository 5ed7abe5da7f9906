//! Pieces shared by the views: chrome (header and footer), overlays (help, confirm), tables.

pub mod chrome;
pub mod common;
pub mod confirm;
pub mod help;
