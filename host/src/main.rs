//! The `azfn` binary; see the `azfn_host` library for the modes.
use std::process::ExitCode;

/// mimalloc, counted, so the native paths have a memory limit.
#[global_allocator]
static ALLOCATOR: azfn_host::native::Counting = azfn_host::native::Counting;

fn main() -> ExitCode {
    azfn_host::native::huge_pages_only_for_trees();
    match azfn_host::cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("azfn: {e:#}");
            ExitCode::from(azfn_host::runner::EXIT_INPUT)
        }
    }
}
