use std::process::ExitCode;

use clap::Parser;
use compat::{commands, exit};

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(status) => exit::code(status),
        Err(err) => {
            eprintln!("compat: {err:#}");
            exit::code(exit::ERROR)
        }
    }
}
