//! The latency view (snapshots to come with the view).
