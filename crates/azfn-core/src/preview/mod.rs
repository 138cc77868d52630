//! The browser preview's view of a whole tree: which folders are environments, what each one
//! renders and what azfn finds in it (located in the file and line that caused it), and the
//! parity report between them. Everything the page shows comes from here, so the page and the
//! CLI can never disagree.
mod locate;
mod memo;
mod share;

use std::cell::RefCell;

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::function::{AzfnTransformer, Collected, FindingSink};
use crate::krm::Resource;
use crate::krm::{KrmResult, Severity};
use crate::overlay::{self, BuildOptions};
use crate::parity::{self, ParityPolicy};
use crate::source::{FileSource, MemorySource, SourceError};

pub use locate::{Position, locate};
pub use share::{SecretLine, scan_secrets};

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// One environment of the tree: a kustomization no other kustomization includes, or one a
/// `ParityPolicy` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EnvironmentRef {
    pub name: String,
    pub dir: String,
}

/// What one environment renders.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentPreview {
    pub name: String,
    pub dir: String,
    /// The YAML `azfn build DIR` prints; none when it fails (an error finding or a build error).
    pub output: Option<String>,
    /// Why the build failed, at the file and line it names.
    pub error: Option<Diagnostic>,
    /// azfn's findings, each at the line that set its field where that can be found.
    pub findings: Vec<Diagnostic>,
    /// Whether `azfn build` (or `kubectl kustomize` with the azfn plugin) fails here.
    pub fails: bool,
}

/// The tree as the page shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The `ParityPolicy` file, if the tree has one.
    pub policy: Option<String>,
    pub environments: Vec<EnvironmentPreview>,
}

/// Finds the environments and renders each (see [`Preview`]).
pub fn preview(source: &MemorySource) -> Preview {
    let policy = find_policy(source);
    let kustomizations = kustomizations(source);
    // The tree's policy files, read once for every environment's build.
    let rego = tree_rego(source);
    let policies = policy_lookup(rego.clone());
    let (mut rendered, reads): (Vec<Option<EnvironmentPreview>>, Vec<Vec<String>>) = kustomizations
        .iter()
        .map(|(dir, _)| {
            let (env, reads) = render(source, (&rego, &policies), dir, &name_of(dir));
            (Some(env), reads)
        })
        .unzip();
    // A kustomization another build read is a base's or a component's.
    let included: Vec<&str> = kustomizations
        .iter()
        .zip(&reads)
        .flat_map(|((_, own), reads)| reads.iter().map(String::as_str).filter(move |r| r != own))
        .collect();
    let mut environments = Vec::new();
    // The policy's environments first, in its order, taken out of the others.
    if let Some(tree) = policy.as_ref().and_then(|(_, tree)| tree.as_ref()) {
        for (name, dir) in &tree.environments {
            let taken = kustomizations
                .iter()
                .position(|(d, _)| d == dir)
                .and_then(|i| rendered[i].take());
            let mut env = taken.unwrap_or_else(|| render(source, (&rego, &policies), dir, name).0);
            env.name.clone_from(name);
            environments.push(env);
        }
    }
    for ((_, file), env) in kustomizations.iter().zip(rendered) {
        if let Some(env) = env
            && !included.contains(&file.as_str())
        {
            environments.push(env);
        }
    }
    unique_names(&mut environments);
    Preview {
        policy: policy.map(|(path, _)| path),
        environments,
    }
}

/// The parity report between the environments, as `azfn parity --format json` prints it (with
/// `markdown` and KRM `results` added): by the tree's `ParityPolicy` when it has one, otherwise
/// with no allowed difference between the given environments.
pub fn parity_report(
    source: &MemorySource,
    policy: Option<&str>,
    environments: &[EnvironmentRef],
) -> Result<serde_json::Value, Diagnostic> {
    let fail = |location: &crate::error::Location, message: String| {
        at(
            Diagnostic::input_error(location, message),
            locate(source, location),
        )
    };
    let (policy_value, envs) = match policy {
        Some(path) => {
            let tree = parity::read_policy(source, path).map_err(|e| {
                fail(
                    &crate::error::Location::at(e.file.as_str(), e.field.as_str()),
                    e.to_string(),
                )
            })?;
            (tree.policy, tree.environments)
        }
        None => (
            ParityPolicy {
                environments: Vec::new(),
                allow: Vec::new(),
            },
            environments
                .iter()
                .map(|e| (e.name.clone(), e.dir.clone()))
                .collect(),
        ),
    };
    // Each environment built as `azfn parity` builds it, its config's policy folders read from
    // the tree.
    let options = BuildOptions::default().with_transformer(AzfnTransformer {
        policies: tree_policies(source),
        ..AzfnTransformer::default()
    });
    let report = parity::check(source, &envs, &policy_value, &options).map_err(|e| {
        let reads: Vec<String> = source.paths().map(str::to_owned).collect();
        at(
            Diagnostic::input_error(&e.error.location, e.to_string()),
            locate::Files::new(source, &reads).build_error(&e.error),
        )
    })?;
    let mut json = parity::json(&report, &policy_value);
    json["markdown"] = parity::markdown(&report, &policy_value).into();
    let context = parity::Context {
        policy_file: policy,
        environments: &envs,
    };
    let results: Vec<KrmResult> = parity::results(&report, &policy_value, &context)
        .iter()
        .map(Diagnostic::to_krm_result)
        .collect();
    json["results"] = serde_json::to_value(&results).unwrap_or_default();
    json["policy"] = policy.into();
    Ok(json)
}

/// Every environment's findings as SARIF 2.1.0, each at the file and line the page links it to;
/// a finding several environments share is reported once, naming them all.
pub fn sarif(preview: &Preview) -> String {
    let mut shared: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    for env in &preview.environments {
        for finding in &env.findings {
            match shared.iter_mut().find(|(d, _)| d == finding) {
                Some((_, envs)) => envs.push(&env.name),
                None => shared.push((finding.clone(), vec![&env.name])),
            }
        }
    }
    let findings: Vec<Diagnostic> = shared
        .into_iter()
        .map(|(mut d, envs)| {
            d.message = format!("{} (in {})", d.message, envs.join(", "));
            d
        })
        .collect();
    crate::report::render(
        crate::report::Format::Sarif,
        &findings,
        &crate::report::RuleInfo::policy_rules(),
        preview.environments.len(),
        "azfn preview",
    )
}

/// `diagnostic` at exactly `position`: the page links to the tree's files only, so a place
/// outside the tree is no place.
fn at(diagnostic: Diagnostic, position: Position) -> Diagnostic {
    Diagnostic {
        file: position.file,
        index: None,
        line: position.line,
        ..diagnostic
    }
}

/// Renders the kustomization in `dir`, collecting azfn's findings instead of failing on them.
/// Also returns every file the build read, in order.
/// One environment's render and the files it read: an earlier preview's when nothing its
/// build asked of the tree changed (see `memo`), else rendered now.
fn render(
    source: &MemorySource,
    (rego, policies): (&Rego, &crate::function::PolicyLookup),
    dir: &str,
    name: &str,
) -> (EnvironmentPreview, Vec<String>) {
    if let Some(render) = memo::recall(source, rego, dir, name) {
        return render;
    }
    let asking = memo::Asking::new(source);
    let render = render_now(&asking, source, policies, dir, name);
    memo::remember(asking, rego, dir, name, &render);
    render
}

fn render_now(
    asking: &memo::Asking<'_>,
    source: &MemorySource,
    policies: &crate::function::PolicyLookup,
    dir: &str,
    name: &str,
) -> (EnvironmentPreview, Vec<String>) {
    let recording = Recording {
        inner: asking,
        reads: RefCell::default(),
    };
    let sink = FindingSink::collecting();
    let options = BuildOptions::default().with_transformer(AzfnTransformer {
        findings: sink.clone(),
        policies: policies.clone(),
        ..AzfnTransformer::default()
    });
    let built = overlay::build(&recording, dir, &options);
    let reads = recording.reads.into_inner();
    let files = locate::Files::new(source, &reads);
    let collected = sink.take();
    let findings: Vec<Diagnostic> = match &built {
        Ok(values) => findings_of(values, collected),
        Err(_) => collected.findings,
    };
    // Findings point at the line that set their field: the build again, recording provenance
    // (only when there is something to locate, so a clean tree pays nothing for it), rendering
    // without checking again.
    let traced = if findings.is_empty() {
        None
    } else {
        let options = BuildOptions::default().with_transformer(AzfnTransformer {
            render_only: true,
            ..AzfnTransformer::default()
        });
        overlay::build_traced(asking, dir, &options).ok()
    };
    let findings: Vec<Diagnostic> = findings
        .into_iter()
        .map(|f| {
            let position = traced
                .as_ref()
                .and_then(|t| set_at(t, &f))
                .unwrap_or_else(|| files.finding(&f));
            at(f, position)
        })
        .collect();
    let fails = findings.iter().any(|f| f.severity == Severity::Error);
    let (output, error) = match built {
        // `azfn build` prints nothing then: a value the rules flag is never shown.
        Ok(_) if fails => (None, None),
        Ok(values) => (Some(crate::yaml::to_kustomize_stream(&values)), None),
        Err(e) => (
            None,
            Some(at(
                Diagnostic::input_error(&e.location, e.to_string()),
                files.build_error(&e),
            )),
        ),
    };
    // `files` borrows `reads`, returned below.
    drop(files);
    let env = EnvironmentPreview {
        name: name.to_owned(),
        dir: dir.to_owned(),
        fails: fails || error.is_some(),
        output,
        error,
        findings,
    };
    (env, reads)
}

/// The line that set a finding's field, from a build that recorded provenance: an overlay's
/// patch before the base, a `FunctionApp` field before the object azfn rendered from it.
fn set_at(traced: &overlay::Rendered, finding: &Diagnostic) -> Option<Position> {
    let resource = finding.resource.as_ref()?;
    let field = finding.field.as_deref().unwrap_or_default();
    let (value, trace) = traced
        .resources
        .iter()
        .zip(&traced.traces)
        .chain(traced.local.iter().zip(&traced.local_traces))
        .find(|((v, _), _)| {
            v.get("kind").and_then(serde_yaml::Value::as_str) == Some(resource.kind.as_str())
                && v.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(serde_yaml::Value::as_str)
                    == Some(resource.name.as_str())
        })
        .map(|((v, _), t)| (v, t))?;
    let origins = overlay::provenance::origins_of(trace, value, field);
    let origin = overlay::provenance::editable(&origins)?;
    Some(Position {
        file: Some(origin.file.trim_start_matches('/').to_owned()),
        line: origin.line,
    })
}

/// What azfn finds in an environment: what `azfn check` finds in its output (with the rule
/// settings of its azfn transformer), and what the transformer found in `FunctionApp` specs,
/// which the output no longer holds. A finding on an object rendered from a `FunctionApp` the
/// transformer already reported under the same rule is the same problem, said once.
fn findings_of(values: &[serde_yaml::Value], collected: Collected) -> Vec<Diagnostic> {
    let resources: Vec<Resource> = values
        .iter()
        .filter_map(|v| v.as_mapping().cloned().map(Resource::new))
        .collect();
    let config = collected.config.unwrap_or_default();
    let mut findings: Vec<Diagnostic> = collected
        .findings
        .into_iter()
        .filter(|f| {
            f.resource
                .as_ref()
                .is_some_and(|r| r.kind == crate::functionapp::KIND)
        })
        .collect();
    let reported = |code: &str, app: &str, findings: &[Diagnostic]| {
        let app = app.strip_prefix("FunctionApp/");
        findings.iter().any(|f| {
            f.code == code
                && f.resource.as_ref().is_some_and(|r| {
                    r.kind == crate::functionapp::KIND && Some(r.name.as_str()) == app
                })
        })
    };
    // The team's policies ran in the build already (an unusable one failed it), so this run
    // over the same output gives them back; a budget tripped on it is reported, not hidden.
    let checked = crate::policy::check_all(&resources, &config).unwrap_or_else(|e| {
        let mut all = crate::policy::check(&resources, &config);
        let error = crate::error::Error::from(e);
        all.push(Diagnostic::input_error(
            &error.location(),
            error.to_string(),
        ));
        all
    });
    for finding in checked {
        let from = finding.resource.as_ref().and_then(|r| {
            resources
                .iter()
                .find(|x| x.kind() == r.kind && x.name() == r.name && x.namespace() == r.namespace)
                .and_then(|x| x.annotation(crate::functionapp::render::RENDERED_FROM))
        });
        if from.is_some_and(|app| reported(&finding.code, app, &findings)) {
            continue;
        }
        findings.push(finding);
    }
    findings
}

/// The tree's `.rego` files, as azfn's transformer asks for a `spec.policies` folder: the
/// folder is resolved from the config's folder and must stay inside the tree (the page's
/// repository), like the host's rule.
/// The tree's `.rego` files by path.
type Rego = std::collections::BTreeMap<String, String>;

fn tree_policies(source: &MemorySource) -> crate::function::PolicyLookup {
    policy_lookup(tree_rego(source))
}

fn tree_rego(source: &MemorySource) -> Rego {
    source
        .paths()
        .filter(|p| {
            std::path::Path::new(p)
                .extension()
                .is_some_and(|e| e == "rego")
        })
        .filter_map(|p| {
            let text = String::from_utf8(source.read(p).ok()?).ok()?;
            Some((p.to_owned(), text))
        })
        .collect()
}

/// The `spec.policies` folders of a build, looked up among the tree's `.rego` files.
fn policy_lookup(rego: Rego) -> crate::function::PolicyLookup {
    crate::function::PolicyLookup::new(move |base, path| {
        let dir = crate::overlay::paths::join(base, path)
            .ok_or_else(|| format!("{path} lies outside the tree"))?;
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let files: std::collections::BTreeMap<String, String> = rego
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix))
            .map(|(p, t)| (p.clone(), t.clone()))
            .collect();
        if files.is_empty() {
            return Err(format!("{path}: no .rego files"));
        }
        Ok(files)
    })
}

/// A source that remembers what was read: which files an environment is made of.
struct Recording<'a> {
    inner: &'a dyn FileSource,
    reads: RefCell<Vec<String>>,
}

impl FileSource for Recording<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let bytes = self.inner.read(path)?;
        let path = crate::source::normalize(path);
        let mut reads = self.reads.borrow_mut();
        if !reads.contains(&path) {
            reads.push(path);
        }
        Ok(bytes)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        self.inner.list(dir)
    }

    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        self.inner.resolve(path)
    }
}

/// `(folder, kustomization file)` of every folder holding a kustomization, sorted by folder.
fn kustomizations(source: &MemorySource) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = source
        .paths()
        .filter_map(|p| {
            let (dir, file) = p.rsplit_once('/').unwrap_or(("", p));
            KUSTOMIZATION_FILES
                .contains(&file)
                .then(|| (dir.to_owned(), p.to_owned()))
        })
        .collect();
    // The file kustomize would load, where a folder has more than one.
    found.sort_by_key(|(dir, p)| {
        let file = p.rsplit('/').next().unwrap_or(p);
        (
            dir.clone(),
            KUSTOMIZATION_FILES.iter().position(|k| *k == file),
        )
    });
    found.dedup_by(|a, b| a.0 == b.0);
    found
}

/// The first YAML file (in path order) that holds a `ParityPolicy`, and the policy when it
/// parses (when it does not, `parity_report` says why).
fn find_policy(source: &MemorySource) -> Option<(String, Option<parity::PolicyInTree>)> {
    let kind_line = format!("kind: {}", parity::KIND);
    source
        .paths()
        .filter(|p| is_yaml(p))
        .find(|p| {
            source.read(p).ok().is_some_and(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .any(|l| l.trim_end() == kind_line)
            })
        })
        .map(|p| (p.to_owned(), parity::read_policy(source, p).ok()))
}

/// Each YAML document of `text` that parses, with its first line; none when the text does not
/// parse or its documents cannot be told apart by line.
fn documents(text: &str, path: &str) -> Vec<(serde_yaml::Value, usize)> {
    let Ok(docs) = crate::yaml::parse_documents(text, path, crate::yaml::Limits::default()) else {
        return Vec::new();
    };
    let starts = crate::report::locate::document_starts(text);
    if starts.len() != docs.len() {
        return Vec::new();
    }
    docs.into_iter().zip(starts).collect()
}

fn is_yaml(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(ext.as_deref(), Some("yaml" | "yml"))
}

/// An environment's name: its folder's last component (`.` for the root).
fn name_of(dir: &str) -> String {
    dir.rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or(".")
        .to_owned()
}

/// Two folders with the same last component are named by their whole path.
fn unique_names(environments: &mut [EnvironmentPreview]) {
    let names: Vec<String> = environments.iter().map(|e| e.name.clone()).collect();
    for env in environments.iter_mut() {
        if names.iter().filter(|n| **n == env.name).count() > 1 && !env.dir.is_empty() {
            env.name.clone_from(&env.dir);
        }
    }
}

#[cfg(test)]
mod tests;
