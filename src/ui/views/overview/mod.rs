//! The first screen: the pipeline drawn as stages, left to right (one line each when narrow),
//! each with its health, since when, why it is not up, and its key figures; then connectors,
//! slots, brokers and topics below, as space allows.
//!
//! ```text
//! ┌ source ─────┐ ┌ connector ──┐ ┌ topics ──────┐ ┌ processor ──┐ ┌ sink ───────┐
//! │● up 1m15s   │ │● down 45s   │ │● up 1m15s    │ │○ stopped    │ │● up 1m15s   │
//! │12.5 chg/s   │→│Connection   │→│12.5 msg/s    │→│lag 3000 ERR │→│0 cdc tables │
//! │slot lag 0B  │ │refused      │ │2 topics      │ │p99 230ms    │ │             │
//! └─────────────┘ └─────────────┘ └──────────────┘ └─────────────┘ └─────────────┘
//! ┌ Connectors ──────────────┐┌ Replication slots ────────────┐
//! ┌ Brokers ─────────────────┐┌ Topics ───────────────────────┐
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

mod slots;
mod tables;

use slots::{draw_slots, slot_figure};
use tables::{draw_brokers, draw_connectors, draw_topics};

use crate::store::StageState;
use crate::store::snapshots::LatencyStage;
use crate::ui::style::Roles;
use crate::ui::widgets::common::{block, staleness, state_style, task_style, verdict_style};
use crate::ui::{View, age};

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let stages = pipeline(view);
    // Left to right when five boxes of 15 columns fit; one line per stage otherwise.
    let wide = area.width >= 79;
    let top_h = if wide { 8 } else { stages.len() as u16 + 2 };
    let [top, middle, bottom] =
        Layout::vertical([Constraint::Length(top_h), Constraint::Fill(1), Constraint::Fill(1)])
            .areas(area);
    if wide {
        draw_pipeline(frame, top, view, &stages);
    } else {
        draw_pipeline_narrow(frame, top, view, &stages);
    }
    let [connectors, slots] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(middle);
    draw_connectors(frame, connectors, view);
    draw_slots(frame, slots, view);
    let [brokers, topics] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(bottom);
    draw_brokers(frame, brokers, view);
    draw_topics(frame, topics, view);
}

/// One box of the pipeline drawing: its health and its key figures.
struct Box {
    name: &'static str,
    state: StageState,
    since: Option<std::time::SystemTime>,
    /// Key figures, one a line, with their style.
    figures: Vec<(String, Style)>,
}

fn rank(s: StageState) -> u8 {
    match s {
        StageState::Up => 0,
        StageState::Unknown => 1,
        StageState::Degraded => 2,
        StageState::Down => 3,
    }
}

/// Source → connector → topics → processor/replicator → sink, from the store's stages and
/// snapshots.
#[expect(
    clippy::too_many_lines,
    reason = "one view laid out top to bottom; split, the layout would be scattered"
)]
fn pipeline(view: &View) -> Vec<Box> {
    let t = view.theme;
    let (dim, text) = (t.dim(), t.text());
    let stages = view.store.stages();
    let worst = |pick: &dyn Fn(&str) -> bool| {
        stages.iter().rev().filter(|s| pick(&s.stage)).max_by_key(|s| rank(s.state)).cloned()
    };
    // Why a stage is not up, without repeating its endpoint.
    let why = |s: &crate::store::Stage| -> Vec<(String, Style)> {
        if s.state == StageState::Up {
            return Vec::new();
        }
        let style = state_style(view, s.state);
        s.detail
            .iter()
            .map(|d| (d.strip_prefix(&format!("{}: ", s.endpoint)).unwrap_or(d).to_string(), style))
            .collect()
    };
    let of = |name, s: Option<crate::store::Stage>, mut figures: Vec<(String, Style)>| {
        let (state, since) = s.as_ref().map_or((StageState::Unknown, None), |s| (s.state, s.since));
        // Why it is not up comes first: it is what a glance should catch.
        if let Some(s) = &s {
            figures.splice(0..0, why(s));
        }
        Box { name, state, since, figures }
    };
    let kafka = view.store.kafka.snapshot.as_ref();
    let topics: Vec<_> = kafka.iter().flat_map(|k| &k.topics).filter(|t| !t.internal).collect();
    let captured: Vec<&str> = view.store.captured_topics.iter().map(String::as_str).collect();
    let rate = |pick: &dyn Fn(&str) -> bool| -> Option<f64> {
        let rates: Vec<f64> =
            topics.iter().filter(|t| pick(&t.name)).filter_map(|t| t.messages_per_sec).collect();
        (!rates.is_empty()).then(|| rates.iter().sum())
    };

    // The source's own change rate and the topics' beside it: with the connector stopped the
    // first goes on while the second stops.
    let mut source = Vec::new();
    let pg = view.store.source.snapshot.as_ref();
    if let Some(r) = pg.and_then(|pg| pg.changes.per_sec) {
        source.push((format!("{r:.1} chg/s"), text));
    }
    if let Some(r) = rate(&|n| captured.contains(&n)) {
        source.push((format!("topic {r:.1}/s"), dim));
    }
    if let Some(pg) = pg {
        if pg.slots.is_empty() {
            source.push(("no slot".into(), t.warn()));
        } else if let Some(f) = slot_figure(view, &view.store.slot_guards(view.now)) {
            source.push(f);
        }
    }

    let mut connector = Vec::new();
    for c in
        view.store.connect.iter().filter_map(|c| c.snapshot.as_ref()).flat_map(|s| &s.connectors)
    {
        let running = c.tasks.iter().filter(|t| t.state == "RUNNING").count();
        connector.push((c.name.clone(), text));
        connector
            .push((format!("{} {running}/{}", c.state, c.tasks.len()), task_style(view, &c.state)));
    }

    let mut topic_figs = Vec::new();
    if kafka.is_some() {
        if let Some(r) = rate(&|_| true) {
            topic_figs.push((format!("{r:.1} msg/s"), text));
        }
        topic_figs.push((format!("{} topics", topics.len()), dim));
    }

    let mut processor = Vec::new();
    if let Some(g) = &view.store.groups.snapshot {
        let max = g.groups.iter().filter_map(|g| g.max_lag).max();
        let verdict = g.groups.iter().map(|g| g.verdict).max();
        if let (Some(m), Some(v)) = (max, verdict) {
            processor.push((format!("lag {m} {v}"), verdict_style(view, v)));
        }
    }
    if let Some(e) = view
        .store
        .latency
        .snapshot
        .iter()
        .flat_map(|l| &l.stages)
        .find(|s| s.stage == LatencyStage::EndToEnd && s.ms.count > 0)
    {
        processor.push((format!("p99 {}ms", e.ms.p99), text));
    }
    if let Some(st) =
        staleness(&view.store.groups, view).or_else(|| staleness(&view.store.latency, view))
    {
        processor.push((st, t.stale()));
    }

    let mut sink = Vec::new();
    if let Some(pg) = &view.store.sink.snapshot {
        sink.push((format!("{} cdc tables", pg.console_tables.len()), text));
    }
    vec![
        of("source", worst(&|n| n == "source"), source),
        of("connector", worst(&|n| n.starts_with("connect")), connector),
        of("topics", worst(&|n| n == "kafka"), topic_figs),
        Box { name: "processor", state: StageState::Unknown, since: None, figures: processor },
        of("sink", worst(&|n| n == "sink"), sink),
    ]
}

/// What the console runs itself between the topics and the sink: the processor and the
/// replicator, running, retrying, failed or stopped.
fn embedded_state(view: &View) -> Span<'static> {
    let (p, r) = (&view.embedded.processor, &view.embedded.replicator);
    let t = view.theme;
    // Waiting to retry: neither running nor finished.
    if let Some(s) = view
        .embedded
        .stages(view.now)
        .into_iter()
        .find(|s| s.stage != "generator" && s.state == StageState::Degraded)
    {
        return Span::styled(format!("◐ {} {}", s.stage, s.detail.join("; ")), t.warn());
    }
    match (p.running || r.running, p.error.is_some() || r.error.is_some()) {
        (true, _) => {
            let what: Vec<&str> = [(p.running, "processor"), (r.running, "replicator")]
                .into_iter()
                .filter(|x| x.0)
                .map(|x| x.1)
                .collect();
            Span::styled(format!("● {} running", what.join("+")), t.ok())
        }
        (false, true) => Span::styled("● failed: see its view", t.error()),
        (false, false) => Span::styled("○ stopped", t.dim()),
    }
}

fn health(view: &View, b: &Box) -> Span<'static> {
    let word = match b.state {
        StageState::Up => "up",
        StageState::Degraded => "degraded",
        StageState::Down => "down",
        StageState::Unknown => "…",
    };
    let since = b
        .since
        .filter(|_| b.state != StageState::Unknown)
        .map(|x| format!(" {}", age(x, view.now)))
        .unwrap_or_default();
    Span::styled(format!("● {word}{since}"), state_style(view, b.state))
}

fn draw_pipeline(frame: &mut Frame, area: Rect, view: &View, stages: &[Box]) {
    let mut cs = Vec::new();
    for i in 0..stages.len() {
        if i > 0 {
            cs.push(Constraint::Length(1));
        }
        cs.push(Constraint::Fill(1));
    }
    let areas = Layout::horizontal(cs).split(area);
    for (i, b) in stages.iter().enumerate() {
        let a = areas[i * 2];
        if i > 0 {
            let arrow = Rect { y: areas[i * 2 - 1].y + 2, height: 1, ..areas[i * 2 - 1] };
            frame.render_widget(Paragraph::new(Span::styled("→", view.theme.dim())), arrow);
        }
        let mut lines = vec![Line::from(health(view, b))];
        if b.name == "processor" {
            lines[0] = Line::from(embedded_state(view));
        }
        lines.extend(b.figures.iter().map(|(s, st)| Line::from(Span::styled(s.clone(), *st))));
        let title = b.name;
        let block = ratatui::widgets::Block::default()
            .borders(ratatui::widgets::Borders::ALL)
            .border_style(state_style(view, b.state))
            .title(Span::styled(format!(" {title} "), view.theme.caption()));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), a);
    }
}

fn draw_pipeline_narrow(frame: &mut Frame, area: Rect, view: &View, stages: &[Box]) {
    let lines: Vec<Line> = stages
        .iter()
        .map(|b| {
            let h = if b.name == "processor" { embedded_state(view) } else { health(view, b) };
            let mut spans = vec![Span::styled(format!("{:<10}", b.name), view.theme.text()), h];
            for (s, st) in &b.figures {
                spans.push(Span::styled(format!("  {s}"), *st));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block("pipeline", view, None)), area);
}
