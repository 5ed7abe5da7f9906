//! Everything the main loop waits for, as one value (as gitui's main loop does): a collector's
//! reading, the terminal's input, a task's progress or end, the clock and SIGTERM. The loop
//! turns each source into an `Event`, hands it to `Tasks::handle`, and learns back whether to
//! redraw, wait, or stop.

use ratatui::crossterm::event::{Event as Input, KeyEvent, KeyEventKind, MouseEvent};

use super::spawn::Done;
use crate::collectors::Update;

/// One thing that happened, whatever its source.
#[derive(Debug)]
pub enum Event {
    /// A collector's (or the latency probe's) reading.
    Update(Update),
    /// A key press (releases and repeats are `Ignored`).
    Key(KeyEvent),
    /// The mouse (captured only when `ui.mouse` is on).
    Mouse(MouseEvent),
    /// The terminal changed size.
    Resize,
    /// A task the console started has ended.
    Done(Done),
    /// A running task published progress.
    Progress(Job),
    /// Once a second: the ages on screen move on.
    Tick,
    /// A terminal event the console has no use for (a key release, focus, a paste).
    Ignored,
    /// Reading the terminal failed: the loop ends with this error.
    InputFailed(std::io::Error),
    /// SIGTERM, or the terminal's input ended: the loop ends cleanly.
    Quit,
}

/// The tasks that publish progress while they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Generator,
    Replicator,
    Processor,
    /// The `:events` view's reader.
    Events,
}

/// What the loop does after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Something visible changed: draw before waiting again.
    Redraw,
    /// Nothing on screen changed: wait for the next event.
    Wait,
    /// Leave the loop.
    Quit,
}

impl Event {
    /// What the terminal's event stream yielded (`None` once it has ended).
    pub fn from_terminal(input: Option<std::io::Result<Input>>) -> Event {
        match input {
            Some(Ok(Input::Key(k))) if k.kind == KeyEventKind::Press => Event::Key(k),
            Some(Ok(Input::Mouse(m))) => Event::Mouse(m),
            Some(Ok(Input::Resize(..))) => Event::Resize,
            Some(Ok(_)) => Event::Ignored,
            Some(Err(e)) => Event::InputFailed(e),
            None => Event::Quit,
        }
    }
}
