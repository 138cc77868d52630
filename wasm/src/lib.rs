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
export interface ParityValues { [environment: string]: string | null }
export interface ParityRow {
  kind: string; name: string; field: string; values: ParityValues;
  allowed: boolean; allowedBy: number | null; rule: string | null;
  source: { kind: string; name: string; field: string; values: ParityValues } | null;
}
export interface ParityReport {
  environments: string[];
  summary: { resources: number; failures: number; allowed: number; staleRules: number };
  /** Every rendered field that differs, allowed or not. */
  drifts: ParityRow[];
  /** FunctionApp fields that differ. */
  functionApps: ParityRow[];
  partial: { kind: string; name: string; presentIn: string[]; allowedBy: number | null; rule: string | null }[];
  staleRules: { index: number; rule: string }[];
  /** The report as a pull-request comment. */
  markdown: string;
  /** The failures and stale rules as KRM results. */
  results: KrmResult[];
}
export interface BuildOptions {
  /** "legacy" (kustomize's default kind order) or "none" (as read). */
  reorder?: "legacy" | "none";
  /** "rootOnly" (default) or "none". */
  loadRestrictor?: "rootOnly" | "none";
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "ProcessOutput")]
    pub type JsProcessOutput;
    #[wasm_bindgen(typescript_type = "RuleInfo[]")]
    pub type JsRules;
    #[wasm_bindgen(typescript_type = "Record<string, string>")]
    pub type JsFiles;
    #[wasm_bindgen(typescript_type = "BuildOptions")]
    pub type JsBuildOptions;
    #[wasm_bindgen(typescript_type = "ParityReport")]
    pub type JsParityReport;
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct BuildOptionsDto {
    reorder: Option<String>,
    load_restrictor: Option<String>,
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

/// Builds the kustomization in `dir` from an in-memory tree (path to text), exactly as
/// `azfn build` does, and returns the YAML `kubectl kustomize` would print. An unusable tree
/// throws an `Error` naming the kustomization file and field.
#[wasm_bindgen]
pub fn build(
    files: JsFiles,
    dir: &str,
    options: Option<JsBuildOptions>,
) -> Result<String, JsError> {
    let files: std::collections::BTreeMap<String, String> =
        serde_wasm_bindgen::from_value(files.into())?;
    let options: BuildOptionsDto = match options {
        Some(o) if !o.is_undefined() => serde_wasm_bindgen::from_value(o.into())?,
        _ => BuildOptionsDto::default(),
    };
    let mut source = azfn_core::source::MemorySource::new();
    for (path, text) in files {
        source.insert(path, text.into_bytes());
    }
    let options = azfn_core::overlay::BuildOptions {
        reorder: match options.reorder.as_deref() {
            None | Some("legacy") => azfn_core::overlay::Reorder::Legacy,
            Some("none") => azfn_core::overlay::Reorder::None,
            Some(other) => return Err(JsError::new(&format!("reorder: unknown order {other:?}"))),
        },
        load_restrictor: match options.load_restrictor.as_deref() {
            None | Some("rootOnly") => azfn_core::overlay::LoadRestrictor::RootOnly,
            Some("none") => azfn_core::overlay::LoadRestrictor::None,
            Some(other) => {
                return Err(JsError::new(&format!(
                    "loadRestrictor: unknown value {other:?}"
                )));
            }
        },
        ..azfn_core::overlay::BuildOptions::default()
    };
    azfn_core::overlay::build_yaml(&source, dir, &options).map_err(|e| JsError::new(&e.message))
}

/// Renders every environment the `ParityPolicy` at `policy` names (folders relative to the
/// policy) from an in-memory tree and compares them, exactly as `azfn parity --policy` does.
/// Unusable input throws an `Error` naming the file and field.
#[wasm_bindgen]
pub fn parity(files: JsFiles, policy: &str) -> Result<JsParityReport, JsError> {
    let files: std::collections::BTreeMap<String, String> =
        serde_wasm_bindgen::from_value(files.into())?;
    let mut source = azfn_core::source::MemorySource::new();
    for (path, text) in files {
        source.insert(path, text.into_bytes());
    }
    let tree = azfn_core::parity::read_policy(&source, policy)
        .map_err(|e| JsError::new(&e.to_string()))?;
    let report = azfn_core::parity::check(
        &source,
        &tree.environments,
        &tree.policy,
        &azfn_core::overlay::BuildOptions::default(),
    )
    .map_err(|e| JsError::new(&e.to_string()))?;
    let mut json = azfn_core::parity::json(&report, &tree.policy);
    json["markdown"] = azfn_core::parity::markdown(&report, &tree.policy).into();
    let context = azfn_core::parity::Context {
        policy_file: Some(policy),
        environments: &tree.environments,
    };
    let results: Vec<KrmResult> = azfn_core::parity::results(&report, &tree.policy, &context)
        .into_iter()
        .map(|l| l.result)
        .collect();
    json["results"] = serde_json::to_value(&results).map_err(|e| JsError::new(&e.to_string()))?;
    // As JSON has it: an absent value is `null`, as `azfn parity --format json` prints.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(json.serialize(&serializer)?.unchecked_into())
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

/// The JSON Schemas of the kinds users write, for the editor's completion and hover docs:
/// `{ functionApp, parityPolicy }`.
#[wasm_bindgen]
pub fn schemas() -> Result<JsValue, JsError> {
    let schemas = serde_json::json!({
        "functionApp": azfn_core::functionapp::json_schema(),
        "parityPolicy": azfn_core::parity::json_schema(),
    });
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(schemas.serialize(&serializer)?)
}

/// azfn's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
