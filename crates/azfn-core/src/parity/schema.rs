//! The JSON Schema of `ParityPolicy`, for editors and the browser page's completion: derived
//! from the field table the parser checks documents against (`policy.rs`).
use serde_json::Value;

/// JSON Schema (draft 2020-12) of a `ParityPolicy` document.
pub fn json_schema() -> Value {
    crate::schema::document_schema(
        crate::config::API_VERSION,
        super::KIND,
        "Where an app's environments may differ. `azfn parity` renders every environment and fails on any difference no allow rule covers.",
        &super::policy::SPEC_SHAPE,
        &["apiVersion", "kind", "spec"],
    )
}
