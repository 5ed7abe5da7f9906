//! What the console shows of the tasks it started: their progress while they run (the
//! generator's rates, the replicator's and the processor's snapshots) and their outcome when
//! they end (a REST action, the replicator, the processor, a reset, a diff or the generator).
//! `Tasks` reads the channels and drops an ended task's handle; this is only the app's state.

use std::time::SystemTime;

use super::App;
use super::spawn::Done;
use crate::pipeline::diff::TableReport;
use crate::pipeline::generator::Report;
use crate::pipeline::processor::ProcessorSnapshot;
use crate::pipeline::replicator::ReplicatorSnapshot;
use crate::ui::FeedbackState;

/// Which handle the loop lets go of (or, for a connector action, which cluster to poll soon).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Action(usize),
    Generator,
    Replicator,
    Processor,
    /// A guided offsets change ended: read the connector's offsets again, poll its cluster.
    OffsetsChanged(usize, String),
    Nothing,
}

impl App {
    /// Shows the result and updates the embedded snapshots.
    pub(super) fn on_done(&mut self, result: Done) -> Ended {
        match result {
            Done::Action(what, outcome, cluster) => self.action_done(what, outcome, cluster),
            Done::Flink(what, Ok(outcome)) => {
                self.feedback(FeedbackState::Done, format!("{what}: {outcome}"));
                Ended::Nothing
            }
            Done::Flink(what, Err(e)) => {
                self.feedback(FeedbackState::Error, format!("{what}: {e}"));
                Ended::Nothing
            }
            Done::Replicator(r) => self.replicator_done(r),
            Done::Processor(r) => self.processor_done(r),
            Done::Reset(r) => self.reset_done(r),
            Done::Diff(r) => self.diff_done(r),
            Done::Generator(r) => self.generator_done(r),
            Done::Story(r) => self.story_done(r),
            Done::StoryProgress(p) => {
                self.embedded.story.progress = Some(p);
                Ended::Nothing
            }
            Done::Offsets(name, r) => {
                self.offsets_read(&name, *r);
                Ended::Nothing
            }
            Done::OffsetsStep(step) => {
                self.offsets_step(step);
                Ended::Nothing
            }
            Done::OffsetsChanged(name, r, cluster) => {
                self.offsets_changed(&name, r);
                Ended::OffsetsChanged(cluster, name)
            }
        }
    }

    /// The generator's latest report, while it runs.
    pub(super) fn on_generator_progress(&mut self, r: Report) {
        let s = &mut self.embedded.generator;
        (s.running, s.achieved_rate, s.inserts, s.updates, s.deletes) =
            (true, r.achieved_rate, r.inserts, r.updates, r.deletes);
        s.retrying = r.retrying;
        if s.error.is_some() {
            s.error = None;
        }
        if matches!(self.ui.feedback.as_ref().map(|f| f.state), Some(FeedbackState::Pending))
            && r.changes > 0
        {
            self.feedback(FeedbackState::Done, "generator running");
        }
    }

    /// The replicator's latest snapshot, while it runs.
    pub(super) fn on_replicator_progress(&mut self, snapshot: ReplicatorSnapshot) {
        self.embedded.replicator = snapshot;
        self.embedded.replicator.running = true;
    }

    /// The processor's latest snapshot, while it runs.
    pub(super) fn on_processor_progress(&mut self, snapshot: ProcessorSnapshot) {
        self.embedded.processor = snapshot;
    }

    fn action_done(
        &mut self,
        what: String,
        outcome: Result<String, String>,
        cluster: usize,
    ) -> Ended {
        match outcome {
            Ok(outcome) => {
                self.feedback(FeedbackState::Done, format!("{what}: {outcome}"));
                Ended::Action(cluster)
            }
            Err(e) => {
                self.feedback(FeedbackState::Error, format!("{what}: {e}"));
                Ended::Nothing
            }
        }
    }

    fn replicator_done(&mut self, r: Result<ReplicatorSnapshot, String>) -> Ended {
        self.embedded.replicator.running = false;
        match r {
            Ok(snap) => {
                self.embedded.replicator = snap;
                self.feedback(FeedbackState::Done, "replicator stopped");
            }
            Err(e) => {
                self.embedded.replicator.error = Some(e.clone());
                self.feedback(FeedbackState::Error, format!("replicator: {e}"));
            }
        }
        Ended::Replicator
    }

    fn processor_done(&mut self, r: Result<ProcessorSnapshot, String>) -> Ended {
        self.embedded.processor.running = false;
        match r {
            Ok(snap) => {
                self.embedded.processor = snap;
                self.feedback(FeedbackState::Done, "processor stopped at its last checkpoint");
            }
            Err(e) => {
                self.embedded.processor.error = Some(e.clone());
                self.feedback(FeedbackState::Error, format!("processor: {e}"));
            }
        }
        Ended::Processor
    }

    fn reset_done(&mut self, r: Result<String, String>) -> Ended {
        match r {
            Ok(job) => {
                self.embedded.processor = Default::default();
                self.feedback(
                    FeedbackState::Done,
                    format!("job {job} reset: s starts it from the beginning"),
                );
            }
            Err(e) => self.feedback(FeedbackState::Error, format!("reset: {e}")),
        }
        Ended::Nothing
    }

    fn diff_done(&mut self, r: Result<(Vec<TableReport>, Vec<String>), String>) -> Ended {
        self.embedded.diff.running = false;
        self.embedded.diff.finished = Some(SystemTime::now());
        match r {
            Ok((reports, errors)) => {
                let diverged: usize = reports.iter().map(|t| t.differences.len()).sum();
                let in_flight: usize = reports.iter().map(|t| t.in_flight.len()).sum();
                self.feedback(
                    if diverged == 0 && errors.is_empty() {
                        FeedbackState::Done
                    } else {
                        FeedbackState::Error
                    },
                    format!(
                        "diff: {diverged} diverged, {in_flight} in flight, {} tables{}",
                        reports.len(),
                        if errors.is_empty() {
                            String::new()
                        } else {
                            format!(", {} errors", errors.len())
                        }
                    ),
                );
                (self.embedded.diff.reports, self.embedded.diff.errors) = (reports, errors);
            }
            Err(e) => {
                self.embedded.diff.errors = vec![e.clone()];
                self.feedback(FeedbackState::Error, format!("diff: {e}"));
            }
        }
        Ended::Nothing
    }

    fn generator_done(&mut self, r: Result<Report, String>) -> Ended {
        self.embedded.generator.running = false;
        self.embedded.generator.achieved_rate = 0.0;
        match r {
            Ok(report) => self.feedback(
                FeedbackState::Done,
                format!("generator stopped after {} changes", report.changes),
            ),
            Err(e) => {
                self.embedded.generator.error = Some(e.clone());
                self.feedback(FeedbackState::Error, format!("generator: {e}"));
            }
        }
        Ended::Generator
    }
}
