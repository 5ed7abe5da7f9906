//! The brokers view (snapshots to come with the view).
