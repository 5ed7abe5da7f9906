//! The terminal while the console owns it: raw mode, the alternate screen and, when `ui.mouse`
//! is on, the mouse captured (off by default: capturing it takes away the terminal's own
//! selection). It is given back as it was found however the console ends: `q`, a signal, an
//! error, or a panic of the thread that draws.
//!
//! ratatui's own panic hook restores the terminal on a panic of *any* thread: a background task
//! that panicked (its end is reported on screen like any failure) would drop the running console
//! out of its screen, and the panic message would be printed over the frame. The hook here
//! restores only for the thread that owns the screen; another thread's panic goes to the log.

use std::io::stdout;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::prelude::CrosstermBackend;

/// Whether the console holds the terminal now (the hook restores only then).
static HELD: AtomicBool = AtomicBool::new(false);
/// Whether the mouse is captured now.
static MOUSE: AtomicBool = AtomicBool::new(false);

pub struct Screen {
    pub terminal: ratatui::DefaultTerminal,
    restored: bool,
}

impl Screen {
    pub fn open(mouse: bool) -> anyhow::Result<Screen> {
        install_panic_hook(std::thread::current().id());
        enable_raw_mode()?;
        HELD.store(true, Ordering::SeqCst);
        // From here on a failure still leaves through `give_back` (the guard below, or the hook).
        let mut screen = Screen {
            terminal: ratatui::Terminal::new(CrosstermBackend::new(stdout()))?,
            restored: false,
        };
        execute!(stdout(), EnterAlternateScreen)?;
        if mouse {
            MOUSE.store(true, Ordering::SeqCst);
            execute!(stdout(), EnableMouseCapture)?;
        }
        screen.terminal.clear()?;
        Ok(screen)
    }

    pub fn restore(mut self) -> std::io::Result<()> {
        self.restored = true;
        give_back()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        // On a panic the hook has given the terminal back already.
        if !self.restored {
            let _ = give_back();
        }
    }
}

/// Leaves the console's screen once: mouse, raw mode (first: it has more side effects than the
/// alternate screen), alternate screen.
fn give_back() -> std::io::Result<()> {
    if !HELD.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    disable_raw_mode()?;
    execute!(stdout(), LeaveAlternateScreen)
}

/// Restores the terminal before the message prints when `owner` (the drawing thread) panics;
/// logs another thread's panic while the console holds the screen. Installed once per screen
/// opened, each hook chaining to the previous one.
fn install_panic_hook(owner: ThreadId) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if HELD.load(Ordering::SeqCst) && std::thread::current().id() != owner {
            let thread = std::thread::current();
            tracing::error!(thread = thread.name().unwrap_or("unnamed"), "a task panicked: {info}");
            return;
        }
        let _ = give_back();
        previous(info);
    }));
}
