//! A resource as `field path -> value` pairs ([`crate::fieldpath`]), names an overlay changed put
//! back to their base names, and the fields that never count as differences left out.
use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::fieldpath::{self, Segment};

/// Fields that never count as differences.
const IGNORED: &[&str] = &[
    // Where a resource lives is the overlay's business, not a difference.
    "metadata.namespace",
    "metadata.name",
    // Provenance, not configuration.
    "metadata.annotations[\"azfn.dev/rendered-from\"]",
];

/// The leaves of `value`, keyed by field path.
pub(crate) fn flatten(
    value: &Value,
    renames: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = fieldpath::scalars(value, renames);
    for field in IGNORED {
        out.remove(*field);
    }
    out
}

/// [`flatten`], with each leaf's path as segments (to read or write it in another value).
pub(crate) fn flatten_with_segments(
    value: &Value,
) -> (BTreeMap<String, String>, BTreeMap<String, Vec<Segment>>) {
    let (mut out, mut segments) = fieldpath::leaves(value, &BTreeMap::new());
    for field in IGNORED {
        out.remove(*field);
        segments.remove(*field);
    }
    (out, segments)
}
