//! The groups view (snapshots to come with the view).
