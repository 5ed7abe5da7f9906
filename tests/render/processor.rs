//! The processor view says plainly it is not built yet, whatever the backends do.

use cdc_console::ui::ViewId;

use crate::fixtures::*;

#[test]
fn not_built_yet_in_every_state() {
    for (name, s) in [("healthy", healthy_full()), ("kafka_down", kafka_down()), ("empty", empty())] {
        let small = render(&s, ViewId::Processor, None, 80, 24);
        assert!(small.contains("not built yet (issue 6)") && small.contains("watermark") && small.contains("late events"), "{small}");
        insta::assert_snapshot!(format!("{name}_80x24"), small);
        insta::assert_snapshot!(format!("{name}_160x40"), render(&s, ViewId::Processor, None, 160, 40));
    }
}
