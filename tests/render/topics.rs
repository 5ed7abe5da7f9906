//! The topics view (snapshots to come with the view).
