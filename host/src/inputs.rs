//! Declared inputs need the caller's consent. A manifest can declare an input with any name, and
//! CI's environment holds tokens beside the image tag, so the host hands a variable on only when
//! the caller allowed its name: `AZFN_ALLOW_INPUTS=IMAGE_TAG,PAYMENT_API_KEY_VERSION` (the only
//! way under kustomize and kpt, which start azfn themselves) or `--allow-input NAME`. The
//! allow-list lives outside the manifests because the manifests are the untrusted part.
use std::collections::BTreeSet;

use azfn_core::config::Input;

/// The variable holding the caller's allow-list, comma-separated.
pub(crate) const ALLOW_VAR: &str = "AZFN_ALLOW_INPUTS";

static CONSENT: std::sync::OnceLock<Consent> = std::sync::OnceLock::new();

/// Records the `--allow-input` flags of this run (once, before anything reads inputs).
pub(crate) fn init(flags: &[String]) {
    let _ = CONSENT.set(Consent::from_env_and(flags));
}

/// This run's consent: `AZFN_ALLOW_INPUTS` and the flags given to [`init`].
pub(crate) fn consent() -> &'static Consent {
    CONSENT.get_or_init(|| Consent::from_env_and(&[]))
}

/// The names the caller allows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Consent {
    allowed: BTreeSet<String>,
}

impl Consent {
    /// `AZFN_ALLOW_INPUTS` and the `--allow-input` flags.
    pub(crate) fn from_env_and(flags: &[String]) -> Self {
        let from_env = std::env::var(ALLOW_VAR).unwrap_or_default();
        let allowed = from_env
            .split(',')
            .chain(flags.iter().flat_map(|f| f.split(',')))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        Self { allowed }
    }

    /// The value of `name` from the environment: `Ok(None)` when unset, an error naming the
    /// variable when it is set but not allowed (never its value).
    pub(crate) fn lookup(&self, name: &str) -> Result<Option<String>, String> {
        let Some(value) = std::env::var_os(name) else {
            return Ok(None);
        };
        if !self.allowed.contains(name) {
            return Err(refusal(name));
        }
        Ok(Some(value.to_string_lossy().into_owned()))
    }

    /// `--input NAME=VALUE` arguments for the module, for each declared input the caller
    /// allowed and the environment sets; the first refused input is an error naming it and
    /// `config_file`.
    pub(crate) fn module_args(
        &self,
        inputs: &[Input],
        config_file: &str,
    ) -> Result<Vec<String>, String> {
        let mut args = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            match self.lookup(&input.name) {
                Ok(Some(value)) => {
                    args.push("--input".to_owned());
                    args.push(format!("{}={value}", input.name));
                }
                Ok(None) => {}
                Err(message) => {
                    return Err(format!(
                        "{config_file}: functionConfig.spec.inputs[{i}]: {message}"
                    ));
                }
            }
        }
        Ok(args)
    }

    /// Options for the in-process builds: azfn's transformer, reading only allowed inputs.
    pub(crate) fn build_options(&self) -> azfn_core::overlay::BuildOptions {
        azfn_core::overlay::BuildOptions::default().with_transformer(self.transformer())
    }

    /// azfn's transformer, reading only allowed inputs.
    pub(crate) fn transformer(&self) -> azfn_core::function::AzfnTransformer {
        let consent = self.clone();
        azfn_core::function::AzfnTransformer {
            inputs: azfn_core::function::InputLookup::checked(move |name| consent.lookup(name)),
            ..azfn_core::function::AzfnTransformer::default()
        }
    }
}

fn refusal(name: &str) -> String {
    format!(
        "input {name} is set in the environment but the caller did not allow it; add it to {ALLOW_VAR} (or --allow-input {name}) where the pipeline runs azfn: manifests cannot allow their own inputs"
    )
}
