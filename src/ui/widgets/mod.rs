//! Pieces shared by the views: chrome (header and footer), overlays (help, confirm, the
//! contexts picker, a row's story), tables.

pub mod chrome;
pub mod common;
pub mod confirm;
pub mod contexts;
pub mod help;
pub mod story;
