//! azfn-core: the I/O-free heart of azfn.
//!
//! Everything that parses, renders, validates and writes lives here, and nothing here touches the
//! file system, the environment, the process or a clock: the same code runs natively, as the
//! WASI module the `azfn` host sandboxes, and in the browser. Reading files goes through
//! [`source::FileSource`]; everything else is a function from values to values.
#![forbid(unsafe_code)]
#![warn(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the core is I/O-free and deterministic"
)]

pub mod baseline;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod explain;
pub mod fieldpath;
pub mod function;
pub mod functionapp;
pub mod krm;
pub mod overlay;
pub mod parity;
pub mod policy;
pub mod preview;
pub mod rego;
pub mod report;
pub mod schema;
pub mod secrets;
pub mod source;
#[cfg(test)]
mod test_support;
pub mod text;
pub mod yaml;

pub use error::{Error, Location};

/// The largest input every runtime accepts (the host's stdin, the files a build reads, the
/// browser module's tree): 32 MiB.
pub const MAX_INPUT_BYTES: usize = 32 << 20;
pub use function::{FunctionOutput, process_resource_list, process_resource_list_with};
