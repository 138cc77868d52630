//! The function configuration: one kind, `azfn.dev/v1alpha1 Azfn`, serves kpt (`--fn-config`,
//! Kptfile `configPath`), kustomize `transformers:` (legacy exec plugin and KRM exec), and
//! `kpt fn eval -- key=value` (a ConfigMap).
use std::collections::BTreeMap;

use serde_yaml::Value;

use crate::error::{Error, Location};
use crate::krm::Severity;
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
    /// Refuse every `azfn.dev/ignore` suppression.
    pub strict: bool,
    /// Options the rules read.
    pub checks: CheckOptions,
    /// Compare this build with its sibling environments (`spec.parity`).
    pub parity: Option<ParityConfig>,
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

const SPEC_FIELDS: &[&str] = &[
    "rules",
    "inputs",
    "strict",
    "allowEmulatorKey",
    "requireDigests",
    "parity",
];
const PARITY_FIELDS: &[&str] = &["policy", "environment", "tree"];
const INPUT_FIELDS: &[&str] = &["name", "field", "functionApp", "required"];

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
        let mut config = Self::default();
        let Some(spec) = value.get("spec").filter(|v| !v.is_null()) else {
            return Ok(config);
        };
        let Some(spec) = spec.as_mapping() else {
            return Err(Error::Config {
                location: at("spec"),
                message: "expected an object".into(),
            });
        };
        for (key, field) in spec {
            let key = key.as_str().unwrap_or_default();
            match key {
                "rules" => config.rules = parse_rules(field, source, known_rules)?,
                "inputs" => config.inputs = parse_inputs(field, source)?,
                "parity" => config.parity = Some(parse_parity(field, source)?),
                "strict" | "allowEmulatorKey" | "requireDigests" => {
                    let flag = field.as_bool().ok_or_else(|| Error::Config {
                        location: at(&format!("spec.{key}")),
                        message: "expected true or false".into(),
                    })?;
                    match key {
                        "strict" => config.strict = flag,
                        "allowEmulatorKey" => config.checks.allow_emulator_key = flag,
                        _ => config.checks.require_digests = flag,
                    }
                }
                other => {
                    return Err(Error::Config {
                        location: at(&format!("spec.{other}")),
                        message: unknown("field", other, SPEC_FIELDS),
                    });
                }
            }
        }
        Ok(config)
    }

    fn from_config_map(value: &Value, source: &str, known_rules: &[&str]) -> Result<Self, Error> {
        let mut config = Self::default();
        let Some(data) = value.get("data").and_then(Value::as_mapping) else {
            return Ok(config);
        };
        for (key, setting) in data {
            let key = key.as_str().unwrap_or_default();
            let location = Location::file(source).field(format!("functionConfig.data.{key}"));
            let code = rule_code(key, known_rules).map_err(|message| Error::Config {
                location: location.clone(),
                message,
            })?;
            let setting =
                parse_setting(setting).map_err(|message| Error::Config { location, message })?;
            config.rules.insert(code, setting);
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

fn parse_rules(
    value: &Value,
    source: &str,
    known_rules: &[&str],
) -> Result<BTreeMap<String, RuleSetting>, Error> {
    let base = Location::file(source).field("functionConfig.spec.rules");
    let Some(map) = value.as_mapping() else {
        return Err(Error::Config {
            location: base,
            message: "expected an object of rule code to severity, e.g. `AZF001: warning`".into(),
        });
    };
    let mut rules = BTreeMap::new();
    for (key, setting) in map {
        let key = key.as_str().unwrap_or_default();
        let location = Location::file(source).field(format!("functionConfig.spec.rules.{key}"));
        let code = rule_code(key, known_rules).map_err(|message| Error::Config {
            location: location.clone(),
            message,
        })?;
        let setting =
            parse_setting(setting).map_err(|message| Error::Config { location, message })?;
        rules.insert(code, setting);
    }
    Ok(rules)
}

fn parse_parity(value: &Value, source: &str) -> Result<ParityConfig, Error> {
    let at =
        |field: &str| Location::file(source).field(format!("functionConfig.spec.parity{field}"));
    let map = value.as_mapping().ok_or_else(|| Error::Config {
        location: at(""),
        message: "expected an object with `policy` (the ParityPolicy file) and `environment`"
            .into(),
    })?;
    let mut parity = ParityConfig::default();
    for (key, field) in map {
        let key = key.as_str().unwrap_or_default();
        let text = || {
            field
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::Config {
                    location: at(&format!(".{key}")),
                    message: "expected a string".into(),
                })
        };
        match key {
            "policy" => parity.policy = text()?,
            "environment" => parity.environment = Some(text()?),
            "tree" => {
                parity.tree = field
                    .as_mapping()
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.as_str()?.to_owned())))
                    .collect();
            }
            other => {
                return Err(Error::Config {
                    location: at(&format!(".{other}")),
                    message: unknown("field", other, PARITY_FIELDS),
                });
            }
        }
    }
    if parity.policy.is_empty() {
        return Err(Error::Config {
            location: at(".policy"),
            message: "the ParityPolicy file is required".into(),
        });
    }
    Ok(parity)
}

fn parse_inputs(value: &Value, source: &str) -> Result<Vec<Input>, Error> {
    let at =
        |field: String| Location::file(source).field(format!("functionConfig.spec.inputs{field}"));
    let Some(list) = value.as_sequence() else {
        return Err(Error::Config {
            location: at(String::new()),
            message: "expected a list of inputs".into(),
        });
    };
    let mut inputs = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let Some(map) = item.as_mapping() else {
            return Err(Error::Config {
                location: at(format!("[{i}]")),
                message: "expected an object".into(),
            });
        };
        for key in map.keys().filter_map(Value::as_str) {
            if !INPUT_FIELDS.contains(&key) {
                return Err(Error::Config {
                    location: at(format!("[{i}].{key}")),
                    message: unknown("field", key, INPUT_FIELDS),
                });
            }
        }
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let (Some(name), Some(field)) = (text("name"), text("field")) else {
            return Err(Error::Config {
                location: at(format!("[{i}]")),
                message: "an input needs `name` (the environment variable) and `field` (the FunctionApp field)".into(),
            });
        };
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name {
            return Err(Error::Config {
                location: at(format!("[{i}].name")),
                message: format!("`{name}` is not an environment variable name of A-Z, 0-9 and _"),
            });
        }
        if !ci_settable(&field) {
            return Err(Error::Config {
                location: at(format!("[{i}].field")),
                message: format!(
                    "`{field}` cannot be set by an input: inputs set only what CI legitimately decides, `image.tag` (a tag or sha256 digest) and `secrets.items[env=NAME].version` (docs/functionapp.md, Values from CI)"
                ),
            });
        }
        let required = match map.get("required") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(Error::Config {
                    location: at(format!("[{i}].required")),
                    message: "expected true or false".into(),
                });
            }
        };
        inputs.push(Input {
            name,
            field,
            function_app: text("functionApp"),
            required,
        });
    }
    Ok(inputs)
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

fn rule_code(key: &str, known_rules: &[&str]) -> Result<String, String> {
    let upper = key.to_ascii_uppercase();
    if known_rules.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(unknown("rule", key, known_rules))
    }
}

fn parse_setting(value: &Value) -> Result<RuleSetting, String> {
    match value.as_str() {
        Some("error") => Ok(RuleSetting::Severity(Severity::Error)),
        Some("warning") => Ok(RuleSetting::Severity(Severity::Warning)),
        Some("info") => Ok(RuleSetting::Severity(Severity::Info)),
        Some("off") => Ok(RuleSetting::Off),
        _ => Err(format!(
            "expected one of error, warning, info, off; found {}",
            serde_json::to_string(value).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Error> {
        let value: Value = serde_yaml::from_str(text).unwrap();
        Config::from_function_config(Some(&value), "azfn.yaml", &["AZF001"])
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
                .contains("expected one of error, warning, info, off; found \"fatal\""),
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
