//! Findings for people and tools: the stderr summary, readable text, JSON, SARIF 2.1.0 and
//! JUnit XML. Everything here turns data into strings; nothing reads or writes.
mod formats;
pub mod locate;
mod summary;

pub use formats::{Format, RuleInfo, render};
pub use summary::summary;
