//! The views, by name: what `:` completes, what the header lists, which table of the store
//! each lists (its rows and their identities, what the app acts on, come from
//! `store::rows`), and the dispatch to each view's `draw`.

pub mod alerts;
pub mod brokers;
pub mod connectors;
pub mod deadletters;
pub mod events;
pub mod generator;
pub mod groups;
pub mod latency;
pub mod overview;
pub mod processor;
pub mod processor_flink;
pub mod replication;
pub mod topics;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::View;
use crate::action::Scope;
use crate::store::rows::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewId {
    Overview,
    Connectors,
    Topics,
    Brokers,
    Groups,
    Processor,
    Replication,
    Generator,
    Latency,
    DeadLetters,
    Events,
    Alerts,
}

impl ViewId {
    pub const ALL: [ViewId; 12] = [
        ViewId::Overview,
        ViewId::Connectors,
        ViewId::Topics,
        ViewId::Brokers,
        ViewId::Groups,
        ViewId::Processor,
        ViewId::Replication,
        ViewId::Generator,
        ViewId::Latency,
        ViewId::DeadLetters,
        ViewId::Events,
        ViewId::Alerts,
    ];

    /// Other names `:` takes whole.
    pub const ALIASES: [(&'static str, ViewId); 2] =
        [("dlq", ViewId::DeadLetters), ("dead-letters", ViewId::DeadLetters)];

    pub fn name(self) -> &'static str {
        match self {
            ViewId::Overview => "overview",
            ViewId::Connectors => "connectors",
            ViewId::Topics => "topics",
            ViewId::Brokers => "brokers",
            ViewId::Groups => "groups",
            ViewId::Processor => "processor",
            ViewId::Replication => "replication",
            ViewId::Generator => "generator",
            ViewId::Latency => "latency",
            ViewId::DeadLetters => "deadletters",
            ViewId::Events => "events",
            ViewId::Alerts => "alerts",
        }
    }

    /// The view whose name starts with `prefix`, when exactly one does (or one matches whole).
    pub fn complete(prefix: &str) -> Option<ViewId> {
        let p = prefix.trim().to_lowercase();
        if let Some(v) = Self::ALL.iter().find(|v| v.name() == p) {
            return Some(*v);
        }
        if let Some((_, v)) = Self::ALIASES.iter().find(|(a, _)| *a == p) {
            return Some(*v);
        }
        let mut found = Self::ALL.iter().filter(|v| !p.is_empty() && v.name().starts_with(&p));
        match (found.next(), found.next()) {
            (Some(v), None) => Some(*v),
            _ => None,
        }
    }

    /// Whose key bindings apply in this view besides the global ones.
    pub fn scope(self) -> Scope {
        match self {
            ViewId::Connectors => Scope::Connectors,
            ViewId::Generator => Scope::Generator,
            ViewId::Processor => Scope::Processor,
            ViewId::Replication => Scope::Replication,
            ViewId::Events => Scope::Events,
            ViewId::Alerts => Scope::Alerts,
            _ => Scope::Global,
        }
    }

    /// The store's table whose rows this view lists and selects; views without one have none.
    pub fn table(self) -> Option<Table> {
        match self {
            ViewId::Connectors => Some(Table::Connectors),
            ViewId::Topics => Some(Table::Topics),
            ViewId::Brokers => Some(Table::Brokers),
            ViewId::Groups => Some(Table::Groups),
            ViewId::Processor => Some(Table::FlinkJobs),
            _ => None,
        }
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    match view.ui.view {
        ViewId::Overview => overview::draw(frame, area, view),
        ViewId::Connectors => connectors::draw(frame, area, view),
        ViewId::Topics => topics::draw(frame, area, view),
        ViewId::Brokers => brokers::draw(frame, area, view),
        ViewId::Groups => groups::draw(frame, area, view),
        ViewId::Processor => processor::draw(frame, area, view),
        ViewId::Replication => replication::draw(frame, area, view),
        ViewId::Generator => generator::draw(frame, area, view),
        ViewId::Latency => latency::draw(frame, area, view),
        ViewId::DeadLetters => deadletters::draw(frame, area, view),
        ViewId::Events => events::draw(frame, area, view),
        ViewId::Alerts => alerts::draw(frame, area, view),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_names_complete_from_a_unique_prefix() {
        assert_eq!(ViewId::complete("conn"), Some(ViewId::Connectors));
        assert_eq!(ViewId::complete("g"), None, "groups and generator");
        assert_eq!(ViewId::complete("gr"), Some(ViewId::Groups));
        assert_eq!(ViewId::complete("dlq"), Some(ViewId::DeadLetters));
        assert_eq!(ViewId::complete("deadletters"), Some(ViewId::DeadLetters));
        assert_eq!(ViewId::complete("dead"), Some(ViewId::DeadLetters));
        assert_eq!(ViewId::complete("latency"), Some(ViewId::Latency));
        assert_eq!(ViewId::complete("al"), Some(ViewId::Alerts));
        assert_eq!(ViewId::complete("nope"), None);
    }
}
