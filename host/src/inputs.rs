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

/// [`init`], with each input read from `prefix` + its name: Argo CD hands the Application's
/// plugin environment over as `ARGOCD_ENV_<NAME>`. The allow-list names inputs unprefixed.
pub(crate) fn init_prefixed(flags: &[String], prefix: &str) {
    let _ = CONSENT.set(Consent {
        prefix: prefix.to_owned(),
        ..Consent::from_env_and(flags)
    });
}

/// This run's consent: `AZFN_ALLOW_INPUTS` and the flags given to [`init`].
pub(crate) fn consent() -> &'static Consent {
    CONSENT.get_or_init(|| Consent::from_env_and(&[]))
}

/// The names the caller allows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Consent {
    allowed: BTreeSet<String>,
    /// Put before an input's name to find its variable.
    prefix: String,
    /// Read no variable at all: every input is unset.
    read_none: bool,
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
        Self {
            allowed,
            prefix: String::new(),
            read_none: false,
        }
    }

    /// The value of `name` from the environment: `Ok(None)` when unset, an error naming the
    /// variable when it is set but not allowed (never its value).
    pub(crate) fn lookup(&self, name: &str) -> Result<Option<String>, String> {
        if self.read_none {
            return Ok(None);
        }
        let variable = format!("{}{name}", self.prefix);
        let Some(value) = std::env::var_os(&variable) else {
            return Ok(None);
        };
        if !self.allowed.contains(name) {
            return Err(refusal(name, &variable));
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

    /// [`Self::build_options`] for builds that report rather than gate (`azfn check`,
    /// `azfn parity`): error findings of azfn's transformer on the objects it outputs do not
    /// stop the build, as the command checks the output itself; see [`spec_errors_in`].
    pub(crate) fn lenient_build_options(
        &self,
    ) -> (
        azfn_core::overlay::BuildOptions,
        azfn_core::function::FindingSink,
    ) {
        let sink = azfn_core::function::FindingSink::collecting();
        let mut transformer = self.transformer();
        transformer.findings = sink.clone();
        (
            azfn_core::overlay::BuildOptions::default().with_transformer(transformer),
            sink,
        )
    }

    /// The same consent with no input allowed: builds of the repository as committed (the
    /// parity gate of one environment's release compares the environments as committed).
    pub(crate) fn without_inputs(&self) -> Self {
        Self {
            allowed: BTreeSet::new(),
            prefix: self.prefix.clone(),
            read_none: true,
        }
    }

    /// azfn's transformer, reading only allowed inputs.
    pub(crate) fn transformer(&self) -> azfn_core::function::AzfnTransformer {
        let consent = self.clone();
        azfn_core::function::AzfnTransformer {
            inputs: azfn_core::function::InputLookup::checked(move |name| consent.lookup(name)),
            policies: azfn_core::function::PolicyLookup::new(crate::policy_files::read_for_build),
            ..azfn_core::function::AzfnTransformer::default()
        }
    }
}

/// The error findings a lenient build collected (its sink's `take()`) on the FunctionApp specs
/// themselves: those specs leave the output, so nothing checks them later, and such a build
/// fails as a gating build would (`FunctionApp/orders: spec.settings.X: AZF001 ...`).
pub(crate) fn spec_errors_in(collected: &azfn_core::function::Collected) -> Option<String> {
    let errors: Vec<String> = collected
        .findings
        .iter()
        .filter(|f| f.severity == azfn_core::krm::Severity::Error)
        .filter(|f| {
            f.resource
                .as_ref()
                .is_some_and(|r| r.kind == azfn_core::functionapp::KIND)
        })
        .map(|f| {
            format!(
                "{}: {}: {} {}: {}",
                f.resource_name(),
                f.field.as_deref().unwrap_or_default(),
                f.code,
                f.rule,
                f.message
            )
        })
        .collect();
    (!errors.is_empty()).then(|| errors.join("\n"))
}

fn refusal(name: &str, variable: &str) -> String {
    let set = if variable == name {
        "set in the environment".to_owned()
    } else {
        format!("set (as {variable})")
    };
    format!(
        "input {name} is {set} but the caller did not allow it; add it to {ALLOW_VAR} (or --allow-input {name}) where the pipeline runs azfn: manifests cannot allow their own inputs"
    )
}
