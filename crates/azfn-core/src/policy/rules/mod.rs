//! One file per rule.
pub mod azf001_inline_secret;
