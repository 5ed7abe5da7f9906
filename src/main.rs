use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cdc_console::cli::Cli::parse();
    match cdc_console::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cdc-console: {}", chain(&e));
            ExitCode::from(cdc_console::cli::EXIT_ERROR)
        }
    }
}

/// The error and its causes, each once: the console's errors already word their source into
/// their own message (`sink: committing a batch: …`), so a cause whose text is already there
/// is not repeated.
fn chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
