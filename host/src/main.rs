//! The `azfn` binary; see the `azfn_host` library for the modes.
use std::process::ExitCode;

/// mimalloc, counted, so the native paths have a memory limit.
#[global_allocator]
static ALLOCATOR: azfn_host::native::Counting = azfn_host::native::Counting;

/// Gives up transparent huge pages before anything allocates: see
/// `azfn_host::native::huge_pages_only_for_trees`.
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "a constructor must name its section")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static NO_HUGE_PAGES_YET: azfn_host::native::Constructor = azfn_host::native::no_huge_pages_yet;

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
