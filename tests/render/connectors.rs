//! The connectors view (snapshots to come with the view).
