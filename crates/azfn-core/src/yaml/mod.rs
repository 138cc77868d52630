//! YAML in and out. Parsing uses serde_yaml (mapping order is kept); writing uses our own
//! block-style emitter so the bytes are the same on every platform and in the browser.
mod access;
mod emit;
mod kustomize;
pub mod lines;
mod parse;
mod subset;

pub(crate) use access::SCANNED;
pub use access::{Field, get, get_mut};
pub use emit::{to_stream, to_string};
pub use kustomize::{to_kustomize_stream, to_kustomize_yaml};
pub use parse::{Limits, both_readers, parse_documents, parse_documents_lenient};
pub use serde_yaml::{Mapping, Value, from_value};
