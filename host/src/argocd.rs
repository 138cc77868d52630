//! `azfn argocd discover|generate`: the commands of azfn's Argo CD Config Management Plugin
//! (`deploy/argocd/plugin.yaml`), run by Argo CD's cmp-server in the sidecar, in the
//! Application's source folder of the repository checkout.
//!
//! - `discover` prints why the folder is azfn's (a kustomization whose build reads an Azfn
//!   config or a FunctionApp) and exits 0; otherwise it prints nothing and exits 1.
//! - `generate` builds the folder and prints the manifests, nothing else. Its gates: the
//!   findings of the build (azfn's transformer's, or every rule at its default when the build
//!   has none) and, when a ParityPolicy between the folder and the repository's root lists it
//!   as an environment, parity. A gate that fails prints the findings on stderr (which Argo CD
//!   shows) and nothing on stdout, and exits 1.
//!
//! The Application's `spec.source.plugin.env` arrives as `ARGOCD_ENV_<NAME>`: `AZFN_OVERLAY`
//! picks a folder below the source folder; the FunctionApp inputs the config declares are read
//! from `ARGOCD_ENV_<INPUT>`, and only those the sidecar's `AZFN_ALLOW_INPUTS` allows.
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use azfn_core::diagnostic::Diagnostic;
use azfn_core::krm::{Resource, Severity};
use azfn_core::overlay::BuildOptions;
use azfn_core::yaml::Value;

use crate::build::{DiskSource, relative};

/// Where Argo CD puts the Application's plugin environment.
pub(crate) const ENV_PREFIX: &str = "ARGOCD_ENV_";

/// `AZFN_OVERLAY` from the Application: a folder below the source folder.
fn overlay() -> Result<PathBuf> {
    let Some(value) = std::env::var_os(format!("{ENV_PREFIX}AZFN_OVERLAY")) else {
        return Ok(PathBuf::from("."));
    };
    let path = PathBuf::from(&value);
    if path
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        bail!(
            "{ENV_PREFIX}AZFN_OVERLAY {}: a folder below the Application's source folder (no `..`, not absolute)",
            path.display()
        );
    }
    Ok(path)
}

/// The repository checkout's root: the working directory (the Application's source folder)
/// without `ARGOCD_APP_SOURCE_PATH`'s components.
fn repository_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let depth = source_path().components().count();
    cwd.ancestors().nth(depth).unwrap_or(&cwd).to_path_buf()
}

/// `ARGOCD_APP_SOURCE_PATH`, without empty and `.` components.
fn source_path() -> PathBuf {
    std::env::var("ARGOCD_APP_SOURCE_PATH")
        .unwrap_or_default()
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// A file the build names (`/abs/path` or `abs/path`) as the repository shows it.
fn from_root() -> impl Fn(&str) -> String {
    let root = relative(&std::fs::canonicalize(repository_root()).unwrap_or_default());
    move |file: &str| {
        let file = file.trim_start_matches('/');
        file.strip_prefix(&root)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(file)
            .to_owned()
    }
}

/// The folder to build, as given and as the build names it.
fn app() -> Result<(PathBuf, String)> {
    // The working directory is the source folder with links resolved: when it no longer ends
    // in the Application's path, that path is a link out of the checkout.
    let source = source_path();
    if !std::env::current_dir()?.ends_with(&source) {
        bail!(
            "{}: the Application's folder resolves outside the repository (a symbolic link?)",
            source.display()
        );
    }
    let dir = overlay()?;
    if !crate::check::is_kustomization(&dir) {
        bail!("{}: no kustomization.yaml here", dir.display());
    }
    let absolute =
        std::fs::canonicalize(&dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if !absolute.starts_with(std::fs::canonicalize(repository_root())?) {
        bail!("{}: outside the repository", dir.display());
    }
    Ok((dir, relative(&absolute)))
}

/// Whether `text` holds an azfn kind (an Azfn config or a FunctionApp) among its documents.
fn holds_azfn_kind(text: &str, name: &str) -> bool {
    let Ok(docs) = azfn_core::yaml::parse_documents(text, name, azfn_core::yaml::Limits::default())
    else {
        return false;
    };
    docs.iter().any(|doc| {
        doc.get("apiVersion").and_then(Value::as_str) == Some(azfn_core::config::API_VERSION)
            && matches!(
                doc.get("kind").and_then(Value::as_str),
                Some(azfn_core::config::CONFIG_KIND | azfn_core::functionapp::KIND)
            )
    })
}

/// `azfn argocd discover`.
pub(crate) fn discover() -> ExitCode {
    let Ok((_, at)) = app() else {
        return ExitCode::from(1);
    };
    let source = crate::affected::Recording::default();
    let (options, _) = crate::inputs::consent().lenient_build_options();
    // A build that fails still tells which files it read; generate reports the failure.
    let _ = azfn_core::overlay::build(&source, &at, &options);
    let show = from_root();
    for file in source.files_read() {
        let Ok(bytes) = std::fs::read(Path::new("/").join(&file)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        if holds_azfn_kind(&text, &file) {
            crate::native::output_begins();
            println!("azfn: {} builds {}", show(&at), show(&file));
            return ExitCode::SUCCESS;
        }
    }
    ExitCode::from(1)
}

/// `azfn argocd generate`.
pub(crate) fn generate() -> Result<ExitCode> {
    let (dir, at) = app()?;
    let show = from_root();
    let label = show(&at);
    let gated = gated_build(&at, &label, &show);
    if let Some(report) = &gated.report {
        eprint!("{report}");
    }
    let Some(values) = gated.values else {
        return Ok(ExitCode::from(1));
    };
    let errors = gated.errors;
    let parity_failed = match policy_for(&dir)? {
        Some(policy) => {
            eprintln!(
                "azfn: parity of {label} under {}",
                show(&policy.display().to_string())
            );
            !crate::parity::gate(&policy)
        }
        None => false,
    };
    if errors > 0 || parity_failed {
        eprintln!(
            "azfn: {label} is not synced: {}",
            match (errors > 0, parity_failed) {
                (true, true) => "error findings and drift from its sibling environments",
                (true, false) => "error findings",
                _ => "drift from its sibling environments",
            }
        );
        return Ok(ExitCode::from(1));
    }
    let yaml = azfn_core::yaml::to_kustomize_stream(&values);
    crate::native::output_begins();
    std::io::stdout().write_all(yaml.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// A build gated by its findings.
pub(crate) struct Gated {
    /// The manifests, unless the build failed.
    pub values: Option<Vec<Value>>,
    /// Error findings.
    pub errors: usize,
    /// What to show on stderr: the build's error, or its findings as text.
    pub report: Option<String>,
}

/// Builds `at` (as `kubectl kustomize` would, with azfn's transformer, reading only allowed
/// inputs) and finds what gates it: the transformer's findings (under the build's own Azfn
/// config), or, when the build has no azfn transformer, every rule at its default over the
/// output. `label` names the build, `show` its files, in messages.
pub(crate) fn gated_build(at: &str, label: &str, show: &dyn Fn(&str) -> String) -> Gated {
    let (options, sink) = crate::inputs::consent().lenient_build_options();
    let options = BuildOptions {
        reorder: azfn_core::overlay::Reorder::Legacy,
        load_restrictor: azfn_core::overlay::LoadRestrictor::RootOnly,
        ..options
    };
    let values = match azfn_core::overlay::build(&DiskSource::default(), at, &options) {
        Ok(values) => values,
        Err(e) => {
            return Gated {
                values: None,
                errors: 1,
                report: Some(format!(
                    "azfn: {label}: cannot build the kustomization: {e}\n"
                )),
            };
        }
    };
    let collected = sink.take();
    let findings = if collected.config.is_some() {
        collected.findings
    } else {
        let resources: Vec<Resource> = values
            .iter()
            .filter_map(|v| v.as_mapping().cloned().map(Resource::new))
            .collect();
        azfn_core::policy::check(&resources, &azfn_core::config::Config::default())
    };
    let shown: Vec<Diagnostic> = findings
        .into_iter()
        .map(|f| {
            let file = f.file.as_deref().map(show);
            Diagnostic { file, ..f }
        })
        .collect();
    let errors = shown
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let report = (!shown.is_empty()).then(|| {
        azfn_core::report::render(
            azfn_core::report::Format::Text { color: false },
            &shown,
            &azfn_core::report::RuleInfo::policy_rules(),
            1,
            "azfn",
        )
    });
    Gated {
        values: Some(values),
        errors,
        report,
    }
}

/// The ParityPolicy that lists `dir` among its environments, in `dir`'s folder or one above it
/// up to the repository's root (only the YAML files directly in those folders are read).
fn policy_for(dir: &Path) -> Result<Option<PathBuf>> {
    let target = std::fs::canonicalize(dir)?;
    let root = std::fs::canonicalize(repository_root())?;
    for folder in target.ancestors().skip(1) {
        if !folder.starts_with(&root) {
            break;
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml")
                    })
            })
            .collect();
        entries.sort();
        for file in entries {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            if !crate::affected::is_parity_policy(&text) {
                continue;
            }
            // A policy that does not read is an error, not a gate skipped.
            let name = file.display().to_string();
            let docs =
                azfn_core::yaml::parse_documents(&text, &name, azfn_core::yaml::Limits::default())?;
            let Some(doc) = docs.first() else {
                continue;
            };
            let policy = azfn_core::parity::ParityPolicy::from_value(doc, &name)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let lists = policy.environments.iter().any(|(_, path)| {
                std::fs::canonicalize(folder.join(path)).is_ok_and(|p| p == target)
            });
            if lists {
                return Ok(Some(file));
            }
        }
    }
    Ok(None)
}
