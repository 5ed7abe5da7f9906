//! The generator view (snapshots to come with the view).
