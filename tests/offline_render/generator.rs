//! The generator view: running against a healthy source, failed with the source down, and
//! never started before anything was polled; at two sizes.

use cdc_console::collectors::{CollectError, Update, UpdateKind};
use cdc_console::pipeline::generator::GeneratorSnapshot;
use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn running_generator() {
    let (s, g) = (healthy(), generator_running());
    let small = render_gen(&s, ViewId::Generator, None, &g, 80, 24);
    for want in [
        "● running",
        "200 changes/s",
        "187.4 changes/s",
        "94%",
        "insert 50 (50%)",
        "delete 15 (15%)",
        "5120 inserts",
        "= 10230 changes",
    ] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("healthy_80x24", small);
    insta::assert_snapshot!("healthy_160x40", render_gen(&s, ViewId::Generator, None, &g, 160, 40));
}

#[test]
fn failed_run_with_the_source_down() {
    let mut s = healthy();
    let refused = CollectError::Unreachable {
        endpoint: "postgres@127.0.0.1:55432/source".into(),
        reason: "Connection refused (os error 111)".into(),
    };
    s.apply(Update { at: t(30), kind: UpdateKind::Source(Err(refused)) });
    let g = GeneratorSnapshot {
        inserts: 40,
        updates: 12,
        deletes: 3,
        error: Some("db error: connection closed".into()),
        ..GeneratorSnapshot::default()
    };
    let small = render_gen(&s, ViewId::Generator, None, &g, 80, 24);
    for want in ["stopped (failed)", "source down 45s", "connection closed", "last error"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("source_down_80x24", small);
    insta::assert_snapshot!(
        "source_down_160x40",
        render_gen(&s, ViewId::Generator, None, &g, 160, 40)
    );
}

#[test]
fn never_started() {
    let s = empty();
    let small = render(&s, ViewId::Generator, None, 80, 24);
    for want in ["○ stopped", "source not polled yet", "nothing written yet", "100 changes/s"] {
        assert!(small.contains(want), "{want} missing:\n{small}");
    }
    insta::assert_snapshot!("empty_80x24", small);
    insta::assert_snapshot!("empty_160x40", render(&s, ViewId::Generator, None, 160, 40));
}
