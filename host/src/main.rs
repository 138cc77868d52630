//! The `azfn` binary; see the `azfn_host` library for the modes.
use std::process::ExitCode;

fn main() -> ExitCode {
    match azfn_host::cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("azfn: {e:#}");
            ExitCode::from(azfn_host::runner::EXIT_INPUT)
        }
    }
}
