//! What the console does when a task it started ends: a REST action's outcome, the replicator,
//! the processor, a reset, a diff or the generator. The loop drops the ended task's handle.

use std::time::SystemTime;

use super::App;
use super::tasks::Done;
use crate::ui::FeedbackState;

/// Which handle the loop lets go of (or, for a connector action, which cluster to poll soon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Action(usize),
    Generator,
    Replicator,
    Processor,
    Nothing,
}

impl App {
    /// Shows the result and updates the embedded snapshots.
    pub(super) fn on_done(&mut self, result: Done) -> Ended {
        let mut ended = Ended::Nothing;
        match result {
            Done::Action(what, Ok(outcome), cluster) => {
                self.feedback(FeedbackState::Done, format!("{what}: {outcome}"));
                return Ended::Action(cluster);
            }
            Done::Action(what, Err(e), _) => {
                self.feedback(FeedbackState::Error, format!("{what}: {e}"))
            }
            Done::Replicator(r) => {
                ended = Ended::Replicator;
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
            }
            Done::Processor(r) => {
                ended = Ended::Processor;
                self.embedded.processor.running = false;
                match r {
                    Ok(snap) => {
                        self.embedded.processor = snap;
                        self.feedback(
                            FeedbackState::Done,
                            "processor stopped at its last checkpoint",
                        );
                    }
                    Err(e) => {
                        self.embedded.processor.error = Some(e.clone());
                        self.feedback(FeedbackState::Error, format!("processor: {e}"));
                    }
                }
            }
            Done::Reset(Ok(job)) => {
                self.embedded.processor = Default::default();
                self.feedback(
                    FeedbackState::Done,
                    format!("job {job} reset: s starts it from the beginning"),
                );
            }
            Done::Reset(Err(e)) => self.feedback(FeedbackState::Error, format!("reset: {e}")),
            Done::Diff(r) => {
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
            }
            Done::Generator(r) => {
                ended = Ended::Generator;
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
            }
        }
        ended
    }
}
