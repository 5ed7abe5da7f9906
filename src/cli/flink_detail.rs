//! `flink job ID` as text: the job's header, its vertices (parallelism, watermark and delay,
//! backpressure, rates, lag), its checkpoints, then its newest exceptions.

use crate::cli::table::Table;
use crate::flink::rest::{Checkpoint, JobWatch};

pub fn render(j: &JobWatch, now: i64) -> String {
    let ms = |v: Option<i64>| v.map_or("-".into(), |v| crate::units::millis(v.max(0) as u64));
    let s = &j.summary;
    let mut out = format!(
        "Id:        {}\nName:      {}\nJob:       {}\nState:     {}\nStarted:   {}\nUptime:    {}\nRestarts:  {}\n",
        s.id,
        s.name,
        j.console_job.as_deref().unwrap_or("-"),
        s.state,
        s.start_time_ms.map_or("-".into(), crate::units::epoch_ms),
        ms(j.uptime_ms(now)),
        j.restarts.map_or("-".into(), |r| r.to_string()),
    );
    let rate = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.1}"));
    let mut t = Table::new(&[
        "vertex",
        "par",
        "status",
        "watermark (utc)",
        "delay",
        "bp",
        "in/s",
        "out/s",
        "lag",
    ]);
    for v in &j.vertices {
        t.row(vec![
            v.vertex.name.chars().take(60).collect(),
            v.vertex.parallelism.to_string(),
            v.vertex.status.clone(),
            v.watermark_ms.map_or("-".into(), crate::units::epoch_ms),
            ms(v.watermark_ms.map(|w| now - w)),
            v.backpressure.map_or("-".into(), |b| format!("{b:?}").to_lowercase()),
            rate(v.records_in_per_sec),
            rate(v.records_out_per_sec),
            rate(v.source_lag),
        ]);
    }
    if !t.is_empty() {
        out += &format!("\nVertices:\n{}", t.render());
    }
    if let Some(c) = &j.checkpoints {
        out += &format!(
            "\nCheckpoints: {} completed, {} failed, {} in progress, {} restored\n",
            c.completed, c.failed, c.in_progress, c.restored
        );
        for (what, cp) in [
            ("completed", &c.latest_completed),
            ("failed", &c.latest_failed),
            ("savepoint", &c.latest_savepoint),
            ("restored", &c.latest_restored),
        ] {
            if let Some(cp) = cp {
                out += &format!("  latest {what:<10} {}\n", checkpoint(cp, now));
            }
        }
    }
    if !j.exceptions.is_empty() {
        out += "\nExceptions (newest first):\n";
        for e in &j.exceptions {
            let at = e.timestamp_ms.map_or("-".into(), crate::units::epoch_ms);
            out += &format!("  {at}  {}\n", e.message);
        }
    }
    for note in &j.notes {
        out += &format!("\nNote: {note}\n");
    }
    out
}

fn checkpoint(c: &Checkpoint, now: i64) -> String {
    let ms = |v: i64| crate::units::millis(v.max(0) as u64);
    let mut parts = vec![format!("#{}", c.id)];
    if let Some(t) = c.trigger_ms {
        parts.push(format!("{} ({} ago)", crate::units::epoch_ms(t), ms(now - t)));
    }
    if let Some(d) = c.duration_ms {
        parts.push(format!("took {}", ms(d as i64)));
    }
    if let Some(s) = c.state_size {
        parts.push(crate::units::bytes(s as i64, true));
    }
    if let Some(p) = &c.external_path {
        parts.push(p.clone());
    }
    if let Some(m) = &c.failure_message {
        parts.push(m.lines().next().unwrap_or_default().to_string());
    }
    parts.join("  ")
}
