//! The replication view (snapshots to come with the view).
