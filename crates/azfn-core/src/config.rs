//! The function configuration: one kind, `azfn.dev/v1alpha1 Azfn`, serves kpt (`--fn-config`,
//! Kptfile `configPath`), kustomize `transformers:` (legacy exec plugin and KRM exec), and
//! `kpt fn eval -- key=value` (a ConfigMap).
use std::collections::BTreeMap;

use serde_yaml::Value;

use serde::Deserialize;

use crate::error::{Error, Location};
use crate::krm::Severity;
use crate::schema::{self, Field, Shape, opt, req};
use crate::text::unknown;

/// apiVersion of azfn's own kinds.
pub const API_VERSION: &str = "azfn.dev/v1alpha1";
/// Kind of the function configuration.
pub const CONFIG_KIND: &str = "Azfn";

/// What a rule is set to in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    /// Report at this severity.
    Severity(Severity),
    /// Do not run.
    Off,
}

/// `spec.suppressions[]`: one rule's findings on one resource, accepted for a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The rule's code.
    pub rule: String,
    /// The resource's kind.
    pub kind: String,
    /// The resource's name.
    pub name: String,
    /// The resource's namespace; any when absent.
    pub namespace: Option<String>,
    /// Why the findings are acceptable.
    pub reason: String,
}

impl Suppression {
    /// Whether it accepts a finding of `code` on `resource`.
    pub fn covers(&self, code: &str, resource: &crate::krm::ResourceRef) -> bool {
        self.rule == code
            && self.kind == resource.kind
            && self.name == resource.name
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == resource.namespace)
    }
}

/// A value CI supplies through the host's environment (`IMAGE_TAG=1.4.3 kubectl kustomize ...`),
/// applied to a FunctionApp field. Only declared names are ever read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The environment variable.
    pub name: String,
    /// The FunctionApp field under `spec`: `image.tag`, `image`, or a path such as
    /// `secrets.items[env=PAYMENT_API_KEY].version`.
    pub field: String,
    /// Only this FunctionApp (by its name in the base); all when absent.
    pub function_app: Option<String>,
    /// Whether a missing value is an error (default true).
    pub required: bool,
}

/// The parsed function configuration. A config with only apiVersion, kind and metadata gives
/// the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Per-rule overrides, by code (`AZF001`).
    pub rules: BTreeMap<String, RuleSetting>,
    /// Values supplied by CI.
    pub inputs: Vec<Input>,
    /// Refuse every suppression (annotations and `suppressions`).
    pub strict: bool,
    /// Findings accepted by resource and rule, with a reason: for manifests that cannot carry
    /// an `azfn.dev/ignore` annotation (upstream, generated).
    pub suppressions: Vec<Suppression>,
    /// Options the rules read.
    pub checks: CheckOptions,
    /// Compare this build with its sibling environments (`spec.parity`).
    pub parity: Option<ParityConfig>,
    /// The team's own rules in Rego (`spec.policies`).
    pub policies: Vec<PolicyConfig>,
}

/// What a team's Rego rule set sees as `input` (`spec.policies[].input`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputMode {
    /// Each object on its own, as `conftest test` passes each document.
    #[default]
    Document,
    /// The whole environment at once, as `conftest test --combine` does: a list of
    /// `{path, contents}`.
    Combined,
}

/// `spec.policies[]`: a folder of `.rego` files. The host reads the folder and passes its
/// files in as `files`; the module reads no files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyConfig {
    /// The folder, relative to the kustomization (or the config file) as written.
    pub path: String,
    /// What each rule set sees as `input`.
    pub input: InputMode,
    /// The folder's `.rego` files as path to text, filled in by the host.
    pub files: BTreeMap<String, String>,
}

/// `spec.parity`: the ParityPolicy this overlay's build is checked against. The host reads the
/// policy and the overlays it names and passes them in as `tree`; the module reads no files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParityConfig {
    /// The policy file: relative to the kustomization as written; relative to `tree` once the
    /// host has read it.
    pub policy: String,
    /// This overlay's environment name in the policy.
    pub environment: Option<String>,
    /// The policy's folder as `path -> text`, filled in by the host.
    pub tree: BTreeMap<String, String>,
}

/// Per-environment choices that change what a rule accepts, set in the function config of
/// that environment's overlay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Accept Azurite's published development key (a dev overlay that runs the emulator).
    pub allow_emulator_key: bool,
    /// Require images pinned by digest, not by tag (a prod overlay).
    pub require_digests: bool,
}

/// What a rule can be set to.
const SETTING: Shape = Shape::Enum(&["error", "warning", "info", "off"]);

const INPUT: &[Field] = &[
    req(
        "name",
        Shape::Str,
        "The environment variable CI sets (A-Z, 0-9 and _).",
    ),
    req(
        "field",
        Shape::Str,
        "The FunctionApp field it sets under `spec`: `image.tag`, or `secrets.items[env=NAME].version`.",
    ),
    opt(
        "functionApp",
        Shape::Str,
        "Only this FunctionApp (by its name in the base); all when absent.",
    ),
    opt(
        "required",
        Shape::Bool,
        "Whether a missing value is an error (default true).",
    ),
];

const SUPPRESSED_RESOURCE: &[Field] = &[
    req("kind", Shape::Str, "The resource's kind."),
    req(
        "name",
        Shape::Str,
        "The resource's name (after the build's prefixes and suffixes).",
    ),
    opt(
        "namespace",
        Shape::Str,
        "The resource's namespace; any namespace when absent.",
    ),
];

const SUPPRESSION: &[Field] = &[
    req("rule", Shape::Str, "The rule's code (`AZF014`)."),
    req(
        "resource",
        Shape::Object(SUPPRESSED_RESOURCE),
        "The resource whose findings of that rule are accepted.",
    ),
    req(
        "reason",
        Shape::Str,
        "Why they are acceptable; shown with each suppressed finding.",
    ),
];

const PARITY: &[Field] = &[
    req(
        "policy",
        Shape::Str,
        "The ParityPolicy file, relative to the kustomization.",
    ),
    opt(
        "environment",
        Shape::Str,
        "This overlay's environment name in the policy.",
    ),
    opt(
        "tree",
        Shape::Dict(&Shape::Str),
        "Filled in by the host: the policy's folder as path to text. Never written by hand.",
    ),
];

const POLICY: &[Field] = &[
    req(
        "path",
        Shape::Str,
        "A folder of `.rego` files (conftest's conventions), relative to the kustomization; it must lie inside the repository.",
    ),
    opt(
        "input",
        Shape::Enum(&["document", "combined"]),
        "`document` (default): each object is `input`, as `conftest test` does; `combined`: the whole environment as a list of `{path, contents}`, as `conftest test --combine` does.",
    ),
    opt(
        "files",
        Shape::Dict(&Shape::Str),
        "Filled in by the host: the folder's `.rego` files as path to text. Never written by hand.",
    ),
];

const SPEC: &[Field] = &[
    opt(
        "rules",
        Shape::Dict(&SETTING),
        "Per-rule severity by code (`AZF001: warning`), or `off`.",
    ),
    opt(
        "inputs",
        Shape::List(&Shape::Object(INPUT)),
        "Values CI supplies through the environment; only declared names are ever read.",
    ),
    opt(
        "strict",
        Shape::Bool,
        "Refuse every suppression: `azfn.dev/ignore` annotations and `suppressions`.",
    ),
    opt(
        "suppressions",
        Shape::List(&Shape::Object(SUPPRESSION)),
        "Findings accepted by rule and resource, with a reason, for manifests that cannot carry an `azfn.dev/ignore` annotation (upstream or generated ones).",
    ),
    opt(
        "allowEmulatorKey",
        Shape::Bool,
        "Accept Azurite's published development key (a dev overlay that runs the emulator).",
    ),
    opt(
        "requireDigests",
        Shape::Bool,
        "Require images pinned by digest, not by tag (a prod overlay).",
    ),
    opt(
        "parity",
        Shape::Object(PARITY),
        "Compare this build with its sibling environments under a ParityPolicy.",
    ),
    opt(
        "policies",
        Shape::List(&Shape::Object(POLICY)),
        "The team's own rules: folders of Rego policies run over this build, with the built-in rules' reports and suppressions.",
    ),
];

/// The schema of the Azfn config's `spec`.
pub const SPEC_SHAPE: Shape = Shape::Object(SPEC);

/// `spec` as written, read after the table's check passed.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
struct SpecDoc {
    #[serde(default)]
    rules: BTreeMap<String, SettingDoc>,
    #[serde(default)]
    inputs: Vec<InputDoc>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    suppressions: Vec<SuppressionDoc>,
    #[serde(default)]
    allow_emulator_key: bool,
    #[serde(default)]
    require_digests: bool,
    parity: Option<ParityDoc>,
    #[serde(default)]
    policies: Vec<PolicyDoc>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct PolicyDoc {
    path: String,
    #[serde(default)]
    input: InputMode,
    #[serde(default)]
    files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "lowercase")]
enum SettingDoc {
    Error,
    Warning,
    Info,
    Off,
}

impl From<SettingDoc> for RuleSetting {
    fn from(setting: SettingDoc) -> Self {
        match setting {
            SettingDoc::Error => Self::Severity(Severity::Error),
            SettingDoc::Warning => Self::Severity(Severity::Warning),
            SettingDoc::Info => Self::Severity(Severity::Info),
            SettingDoc::Off => Self::Off,
        }
    }
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
#[serde(rename_all = "camelCase")]
struct InputDoc {
    name: String,
    field: String,
    function_app: Option<String>,
    required: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct SuppressionDoc {
    rule: String,
    resource: SuppressedResourceDoc,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct SuppressedResourceDoc {
    kind: String,
    name: String,
    namespace: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct ParityDoc {
    policy: String,
    environment: Option<String>,
    #[serde(default)]
    tree: BTreeMap<String, String>,
}

/// The JSON Schema of the Azfn kind, for editors and the web page.
pub fn json_schema() -> serde_json::Value {
    schema::document_schema(
        API_VERSION,
        CONFIG_KIND,
        "azfn's function configuration: rule settings, CI inputs and the parity gate of one overlay's build (kpt `--fn-config`, Kptfile `configPath`, kustomize `transformers:`).",
        &SPEC_SHAPE,
        &["apiVersion", "kind"],
    )
}

/// Checks `value` against `shape` at `path` (under `functionConfig`): the first problem as an
/// error naming the field.
fn checked<T: serde::de::DeserializeOwned>(
    value: &Value,
    shape: &Shape,
    path: &str,
    source: &str,
) -> Result<T, Error> {
    let error = |field: String, message: String| Error::Config {
        location: Location::file(source).field(field),
        message,
    };
    let mut problems = Vec::new();
    schema::check(value, shape, path, &mut problems);
    if let Some((field, message)) = problems.into_iter().next() {
        return Err(error(field, message));
    }
    serde_yaml::from_value(value.clone()).map_err(|e| error(path.to_owned(), e.to_string()))
}

impl Config {
    /// Reads the config from a ResourceList's `functionConfig` (absent means defaults).
    /// `known_rules` are the codes that exist, for clear errors on typos.
    pub fn from_function_config(
        value: Option<&Value>,
        source: &str,
        known_rules: &[&str],
    ) -> Result<Self, Error> {
        let Some(value) = value else {
            return Ok(Self::default());
        };
        let at = |field: &str| Location::file(source).field(format!("functionConfig.{field}"));
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match (api_version, kind) {
            (API_VERSION, CONFIG_KIND) => {}
            // kpt fn eval -- key=value sends a ConfigMap; an empty one means "no config".
            ("v1", "ConfigMap") => return Self::from_config_map(value, source, known_rules),
            _ => {
                return Err(Error::Config {
                    location: at("kind"),
                    message: format!(
                        "expected apiVersion {API_VERSION} kind {CONFIG_KIND} (or a ConfigMap), found {api_version} {kind}"
                    ),
                });
            }
        }
        let Some(spec) = value.get("spec").filter(|v| !v.is_null()) else {
            return Ok(Self::default());
        };
        let spec: SpecDoc = checked(spec, &SPEC_SHAPE, "functionConfig.spec", source)?;
        let mut rules = BTreeMap::new();
        for (key, setting) in spec.rules {
            let code = rule_code(&key, known_rules).map_err(|message| Error::Config {
                location: at(&format!("spec.rules.{key}")),
                message,
            })?;
            rules.insert(code, setting.into());
        }
        let mut inputs = Vec::new();
        for (i, input) in spec.inputs.into_iter().enumerate() {
            inputs.push(input.checked(&|field| at(&format!("spec.inputs[{i}].{field}")))?);
        }
        let mut suppressions = Vec::new();
        for (i, doc) in spec.suppressions.into_iter().enumerate() {
            let here = |field: &str| at(&format!("spec.suppressions[{i}].{field}"));
            let rule = rule_code(&doc.rule, known_rules).map_err(|message| Error::Config {
                location: here("rule"),
                message,
            })?;
            for (field, value) in [
                ("reason", &doc.reason),
                ("resource.kind", &doc.resource.kind),
                ("resource.name", &doc.resource.name),
            ] {
                if value.trim().is_empty() {
                    return Err(Error::Config {
                        location: here(field),
                        message: format!(
                            "a suppression needs its {field}: say which resource and why its {rule} findings are safe"
                        ),
                    });
                }
            }
            suppressions.push(Suppression {
                rule,
                kind: doc.resource.kind,
                name: doc.resource.name,
                namespace: doc.resource.namespace,
                reason: doc.reason.trim().to_owned(),
            });
        }
        let parity = match spec.parity {
            Some(parity) if parity.policy.is_empty() => {
                return Err(Error::Config {
                    location: at("spec.parity.policy"),
                    message: "the ParityPolicy file is required".into(),
                });
            }
            Some(parity) => Some(ParityConfig {
                policy: parity.policy,
                environment: parity.environment,
                tree: parity.tree,
            }),
            None => None,
        };
        let policies = policies(spec.policies, &at)?;
        Ok(Self {
            rules,
            inputs,
            strict: spec.strict,
            policies,
            suppressions,
            checks: CheckOptions {
                allow_emulator_key: spec.allow_emulator_key,
                require_digests: spec.require_digests,
            },
            parity,
        })
    }

    fn from_config_map(value: &Value, source: &str, known_rules: &[&str]) -> Result<Self, Error> {
        let Some(data) = value.get("data").filter(|v| !v.is_null()) else {
            return Ok(Self::default());
        };
        let data: BTreeMap<String, SettingDoc> =
            checked(data, &Shape::Dict(&SETTING), "functionConfig.data", source)?;
        let mut config = Self::default();
        for (key, setting) in data {
            let code = rule_code(&key, known_rules).map_err(|message| Error::Config {
                location: Location::file(source).field(format!("functionConfig.data.{key}")),
                message,
            })?;
            config.rules.insert(code, setting.into());
        }
        Ok(config)
    }

    /// The effective setting for a rule with the given default severity.
    pub fn setting(&self, code: &str, default: Severity) -> RuleSetting {
        self.rules
            .get(code)
            .copied()
            .unwrap_or(RuleSetting::Severity(default))
    }
}

impl InputDoc {
    /// The input, once its name is an environment variable's and its field one CI may set.
    fn checked(self, at: &dyn Fn(&str) -> Location) -> Result<Input, Error> {
        let valid_name = !self.name.is_empty()
            && self
                .name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !self.name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(Error::Config {
                location: at("name"),
                message: format!(
                    "`{}` is not an environment variable name of A-Z, 0-9 and _",
                    self.name
                ),
            });
        }
        if !ci_settable(&self.field) {
            return Err(Error::Config {
                location: at("field"),
                message: format!(
                    "`{}` cannot be set by an input: inputs set only what CI legitimately decides, `image.tag` (a tag or sha256 digest) and `secrets.items[env=NAME].version` (docs/functionapp.md, Values from CI)",
                    self.field
                ),
            });
        }
        Ok(Input {
            name: self.name,
            field: self.field,
            function_app: self.function_app,
            required: self.required.unwrap_or(true),
        })
    }
}

/// The FunctionApp fields an input may write. Inputs come from CI's environment, where tokens
/// live too: a field that lands in a container's environment, a command or an identity would
/// let a manifest copy any of them into the output, so only the image's tag or digest and a
/// Key Vault secret's version are settable.
fn ci_settable(field: &str) -> bool {
    if field == "image.tag" {
        return true;
    }
    field
        .strip_prefix("secrets.items[")
        .and_then(|rest| rest.strip_suffix("].version"))
        .and_then(|selector| selector.split_once('='))
        .is_some_and(|(key, value)| {
            matches!(key, "env" | "secret") && !value.is_empty() && !value.contains([']', '[', '.'])
        })
}

/// `spec.policies`, each with its folder.
fn policies(
    docs: Vec<PolicyDoc>,
    at: &dyn Fn(&str) -> Location,
) -> Result<Vec<PolicyConfig>, Error> {
    docs.into_iter()
        .enumerate()
        .map(|(i, doc)| {
            if doc.path.trim().is_empty() {
                return Err(Error::Config {
                    location: at(&format!("spec.policies[{i}].path")),
                    message: "the folder of .rego files is required".into(),
                });
            }
            Ok(PolicyConfig {
                path: doc.path,
                input: doc.input,
                files: doc.files,
            })
        })
        .collect()
}

/// A built-in rule's code (any case), or a team rule's code as written: `main.deny`, or the
/// `code` a policy gives (`ORG001`). Only azfn's own prefixes are checked against the rules
/// that exist, so a typo there is still caught.
fn rule_code(key: &str, known_rules: &[&str]) -> Result<String, String> {
    let upper = key.to_ascii_uppercase();
    if known_rules.contains(&upper.as_str()) {
        Ok(upper)
    } else if !key.is_empty() && !upper.starts_with("AZF") && !upper.starts_with("AZP") {
        Ok(key.to_owned())
    } else {
        Err(unknown("rule", key, known_rules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        let value: Value = serde_yaml::from_str(text).unwrap();
        Config::from_function_config(Some(&value), "azfn.yaml", &["AZF001"])
    }

    /// Every field of the Azfn config table is read by the parser's struct and back.
    #[test]
    fn spec_struct_matches_the_table() {
        crate::schema::every_field::assert_struct_matches_table::<SpecDoc>(&SPEC_SHAPE, "spec");
    }

    #[test]
    fn bare_config_gives_defaults() {
        let config =
            parse("apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata: {name: azfn}\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(
            config.setting("AZF001", Severity::Error),
            RuleSetting::Severity(Severity::Error)
        );
    }

    #[test]
    fn rule_overrides_and_kpt_config_map() {
        let config = parse(
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  rules:\n    azf001: warning\n",
        )
        .unwrap();
        assert_eq!(
            config.setting("AZF001", Severity::Error),
            RuleSetting::Severity(Severity::Warning)
        );
        let config = parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {AZF001: \"off\"}\n").unwrap();
        assert_eq!(config.setting("AZF001", Severity::Error), RuleSetting::Off);
        let empty =
            parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {}\n")
                .unwrap();
        assert_eq!(empty, Config::default());
    }

    #[test]
    fn suppressions_need_a_known_rule_a_resource_and_a_reason() {
        let config = parse(
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  suppressions:\n  - {rule: azf001, resource: {kind: Secret, name: upstream}, reason: ' rotated by the vendor '}\n",
        )
        .unwrap();
        assert_eq!(
            config.suppressions,
            vec![Suppression {
                rule: "AZF001".into(),
                kind: "Secret".into(),
                name: "upstream".into(),
                namespace: None,
                reason: "rotated by the vendor".into(),
            }]
        );
        let err = parse(
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  suppressions:\n  - {rule: AZF001, resource: {kind: Secret, name: upstream}, reason: ''}\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("azfn.yaml: functionConfig.spec.suppressions[0].reason:"),
            "{err}"
        );
        let err = parse(
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  suppressions:\n  - {rule: AZF01, resource: {kind: Secret, name: upstream}, reason: why}\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("spec.suppressions[0].rule")
                && err.to_string().contains("did you mean `AZF001`"),
            "{err}"
        );
        let err = parse(
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  suppressions:\n  - {rule: AZF001, resource: {kind: Secret}, reason: why}\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("spec.suppressions[0].resource"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_field_and_suggest() {
        let err =
            parse("apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  rulez: {}\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "azfn.yaml: functionConfig.spec.rulez: invalid function config: unknown field `rulez`; did you mean `rules`?"
        );
        let err =
            parse("apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  rules: {AZF01: error}\n")
                .unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown rule `AZF01`; did you mean `AZF001`?"),
            "{err}"
        );
        let err =
            parse("apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  rules: {AZF001: fatal}\n")
                .unwrap_err();
        assert!(
            err.to_string()
                .contains("functionConfig.spec.rules.AZF001: invalid function config: unknown value `fatal`; known: error, warning, info, off"),
            "{err}"
        );
        let err = parse("apiVersion: example.com/v1\nkind: Other\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected apiVersion azfn.dev/v1alpha1 kind Azfn"),
            "{err}"
        );
    }
}
