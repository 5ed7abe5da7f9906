//! Confirmation for the subcommands that lose state: on a terminal the user types the name of
//! what is lost back; an empty answer, the default, cancels. Without a terminal there is nobody
//! to ask, and the command needs `--yes`.

use std::io::{BufRead, IsTerminal, Write};

/// Asks `prompt` on stderr and whether the answer is `expected`. `refused` says what is refused
/// when there is no terminal ("delete connector orders-cdc").
pub async fn type_back(prompt: String, expected: &str, refused: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to {refused} without confirmation: no terminal to ask on (pass --yes)"
        );
    }
    let expected = expected.to_string();
    tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
        let mut err = std::io::stderr();
        err.write_all(prompt.as_bytes())?;
        err.flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let typed = line.trim();
        if typed.is_empty() {
            eprintln!("cancelled");
        } else if typed != expected {
            eprintln!("`{typed}` is not `{expected}`: cancelled");
        }
        Ok(typed == expected)
    })
    .await?
    .map_err(Into::into)
}
