//! The processor view (snapshots to come with the view).
