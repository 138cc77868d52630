//! Browser bindings of azfn-core. A thin adapter: every decision is made in the core; this
//! crate only converts values to and from JavaScript.
#![forbid(unsafe_code)]
#![warn(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "the browser build is I/O-free like the core"
)]

use azfn_core::krm::KrmResult;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface KrmResult {
  message: string;
  severity: "error" | "warning" | "info";
  resourceRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  field?: { path: string };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}
export interface ProcessOutput {
  /** The output ResourceList, block-style YAML: the same bytes the azfn binary writes. */
  output: string;
  /** azfn's findings as KRM results (earlier functions' results stay in `output`). */
  results: KrmResult[];
  /** Whether a result has severity error (the CLI would exit 1). */
  hasErrors: boolean;
  /** The human summary the CLI prints on stderr. */
  summary: string;
}
export interface RuleInfo { code: string; name: string; severity: string; explanation: string }
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ProcessOutput")]
    pub type JsProcessOutput;
    #[wasm_bindgen(typescript_type = "RuleInfo[]")]
    pub type JsRules;
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProcessOutput {
    output: String,
    results: Vec<KrmResult>,
    has_errors: bool,
    summary: String,
}

#[derive(Serialize)]
struct RuleInfo {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    explanation: &'static str,
}

/// Installs the panic hook so a Rust panic shows its message in the console.
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    Ok(value.serialize(&serializer)?)
}

/// Runs azfn over a ResourceList (YAML or JSON text), exactly as the KRM function does.
/// Unusable input throws an `Error` whose message names the file, field and line.
#[wasm_bindgen]
pub fn process(resource_list: &str) -> Result<JsProcessOutput, JsError> {
    let out = azfn_core::process_resource_list(resource_list, "ResourceList")
        .map_err(|e| JsError::new(&e.to_string()))?;
    let dto = ProcessOutput {
        output: out.yaml.clone(),
        results: out
            .findings
            .iter()
            .map(azfn_core::policy::Finding::to_krm_result)
            .collect(),
        has_errors: out.has_errors(),
        summary: out.summary(),
    };
    Ok(to_js(&dto)?.unchecked_into())
}

/// Every rule azfn checks.
#[wasm_bindgen]
pub fn rules() -> Result<JsRules, JsError> {
    let rules: Vec<RuleInfo> = azfn_core::policy::registry()
        .iter()
        .map(|r| RuleInfo {
            code: r.code(),
            name: r.name(),
            severity: r.default_severity().as_str(),
            explanation: r.explanation(),
        })
        .collect();
    Ok(to_js(&rules)?.unchecked_into())
}

/// azfn's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
