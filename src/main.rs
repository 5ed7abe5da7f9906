use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cdc_console::cli::Cli::parse();
    match cdc_console::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cdc-console: {e:#}");
            ExitCode::from(cdc_console::cli::EXIT_ERROR)
        }
    }
}
