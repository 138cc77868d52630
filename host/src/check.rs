//! `azfn check PATH...`: manifests from files, folders or stdin, checked by the sandboxed module,
//! reported as text, JSON, SARIF or JUnit with file and line.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use std::collections::HashMap;

use azfn_core::baseline::Baseline;
use azfn_core::diagnostic::{Diagnostic, Related};
use azfn_core::krm::{KrmResult, Resource, ResourceList, Severity};
use azfn_core::report::{self, Format, locate};
use azfn_core::yaml::{self, Limits as YamlLimits, Value};

use crate::limits::Limits;
use crate::runner::{self, EXIT_FINDINGS, EXIT_INPUT};

/// What `azfn check` was asked.
pub(crate) struct Args {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub format: Format,
    /// The paths are changed files: check what they affect (see [`crate::affected`]).
    pub affected: bool,
    /// Report only what this baseline does not hold, or record it.
    pub baseline: Option<BaselineUse>,
    /// Folders of the team's Rego policies (`--policy`).
    pub policies: Vec<PathBuf>,
}

/// `--baseline FILE` and `--update-baseline`.
pub(crate) struct BaselineUse {
    pub file: PathBuf,
    /// Record today's findings instead of comparing with them.
    pub update: bool,
}

/// One input file: its name as reported and its text; for a kustomization's build, the folder
/// as the build names it, to trace findings back to the lines that set them.
struct Source {
    name: String,
    text: String,
    built: Option<Built>,
    /// The policies the build's own Azfn config runs (files read), checked with the rest.
    policies: Vec<azfn_core::config::PolicyConfig>,
}

/// A kustomization folder that was built: as shown and as the build names it.
struct Built {
    shown: PathBuf,
    at: String,
}

impl Built {
    fn of(shown: &Path) -> Result<Self> {
        let absolute = std::fs::canonicalize(shown)
            .with_context(|| format!("cannot read {}", shown.display()))?;
        Ok(Self {
            shown: shown.to_path_buf(),
            at: crate::build::relative(&absolute),
        })
    }
}

/// The builds the changed files `paths` affect, and the changed files no build reads.
fn collect_affected(paths: &[PathBuf]) -> Result<Vec<Source>> {
    if paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("--affected takes changed files, not `-` (stdin)");
    }
    let affected = crate::affected::affected(Path::new("."), paths)?;
    let mut sources = Vec::new();
    for build in affected.builds {
        sources.push(Source {
            name: format!("{} (built)", build.dir.display()),
            text: build.built?,
            built: Some(Built::of(&build.dir)?),
            policies: build.policies,
        });
    }
    for file in affected.files {
        sources.push(read(&file)?);
    }
    Ok(sources)
}

/// The kustomization file in `dir`, if it holds one.
pub(crate) fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|k| dir.join(k))
        .find(|k| k.is_file())
}

/// Whether `dir` holds a kustomization file.
pub(crate) fn is_kustomization(dir: &Path) -> bool {
    kustomization_file(dir).is_some()
}

fn collect(paths: &[PathBuf], stdin: impl FnOnce() -> Result<Vec<u8>>) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut stdin = Some(stdin);
    for path in paths {
        if path.as_os_str() == "-" {
            let take = stdin.take().context("`-` (stdin) can be given once")?;
            let text = azfn_core::text::decode_owned(take()?)
                .map_err(|e| anyhow::anyhow!("<stdin>: {e}"))?;
            sources.push(Source {
                name: "<stdin>".into(),
                text,
                built: None,
                policies: Vec::new(),
            });
        } else if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            for file in files {
                if file.is_dir() {
                    sources.push(build(&file)?);
                } else {
                    sources.push(read(&file)?);
                }
            }
        } else if path.is_file() {
            sources.push(read(path)?);
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(sources)
}

fn read(path: &Path) -> Result<Source> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    crate::native::count_read(&path.display().to_string(), bytes.len())
        .map_err(anyhow::Error::msg)?;
    let text = azfn_core::text::decode_owned(bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(Source {
        name: path.display().to_string(),
        text,
        built: None,
        policies: Vec::new(),
    })
}

/// A kustomization folder, built with azfn's renderer (as `azfn build` does): its files are
/// patches and fragments, its build is the manifests.
fn build(dir: &Path) -> Result<Source> {
    let built = Built::of(dir)?;
    let (options, sink) = crate::inputs::consent().lenient_build_options();
    let text = azfn_core::overlay::build_yaml(
        &crate::build::DiskSource::default(),
        &built.at,
        &options,
    )
    .map_err(|e| anyhow::anyhow!("{}: cannot build the kustomization: {e}", dir.display()))?;
    let collected = sink.take();
    if let Some(errors) = crate::inputs::spec_errors_in(&collected) {
        bail!(
            "{}: cannot build the kustomization: {errors}",
            dir.display()
        );
    }
    Ok(Source {
        name: format!("{} (built)", dir.display()),
        text,
        built: Some(built),
        policies: collected.config.map(|c| c.policies).unwrap_or_default(),
    })
}

/// Moves each finding on a built resource to the line a person would edit (the patch, the
/// base, the FunctionApp field that set the value), naming the build as a related place. Only
/// builds with findings are built again, recording provenance.
fn trace_back(findings: &mut [Diagnostic], sources: &[Source]) {
    let (options, _) = crate::inputs::consent().lenient_build_options();
    let show = crate::build::from_cwd();
    for source in sources {
        let Some(built) = &source.built else {
            continue;
        };
        let mut mine: Vec<&mut Diagnostic> = findings
            .iter_mut()
            .filter(|f| f.file.as_deref() == Some(source.name.as_str()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let Ok(rendered) = azfn_core::overlay::build_traced(
            &crate::build::DiskSource::default(),
            &built.at,
            &options,
        ) else {
            continue;
        };
        let kustomization = kustomization_file(&built.shown).unwrap_or_else(|| built.shown.clone());
        for finding in &mut mine {
            let Some(index) = finding.index.and_then(|i| usize::try_from(i).ok()) else {
                continue;
            };
            let (Some((value, _)), Some(trace)) =
                (rendered.resources.get(index), rendered.traces.get(index))
            else {
                continue;
            };
            let field = finding.field.as_deref().unwrap_or_default();
            let Some(origin) = azfn_core::overlay::provenance::edit_site(trace, value, field)
            else {
                continue;
            };
            finding.related.push(Related {
                message: format!("in the build of {}", built.shown.display()),
                file: kustomization.display().to_string(),
                line: None,
            });
            finding.file = Some(show(&origin.file));
            finding.line = origin.line;
            finding.index = None;
        }
    }
}

/// YAML files below `dir`, sorted, skipping hidden folders; a folder holding a kustomization
/// is listed itself, to be built rather than read file by file.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if is_kustomization(dir) {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if entry.is_dir() {
            walk(&entry, out)?;
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// Annotates each document with its file and index, as kpt does, so findings name them.
fn items(sources: &[Source]) -> Result<Vec<Resource>> {
    let mut items = Vec::new();
    for source in sources {
        let docs = yaml::parse_documents(&source.text, &source.name, YamlLimits::default())?;
        for (index, doc) in docs.into_iter().enumerate() {
            let Value::Mapping(mut object) = doc else {
                bail!(
                    "{}: document {index} is not a Kubernetes object",
                    source.name
                );
            };
            if !object.contains_key("apiVersion") || !object.contains_key("kind") {
                continue;
            }
            let metadata = object
                .entry("metadata".into())
                .or_insert_with(|| Value::Mapping(yaml::Mapping::new()));
            if let Value::Mapping(metadata) = metadata {
                let annotations = metadata
                    .entry("annotations".into())
                    .or_insert_with(|| Value::Mapping(yaml::Mapping::new()));
                if let Value::Mapping(annotations) = annotations {
                    for key in [
                        "internal.config.kubernetes.io/path",
                        "config.kubernetes.io/path",
                    ] {
                        annotations.insert(key.into(), source.name.clone().into());
                    }
                    for key in [
                        "internal.config.kubernetes.io/index",
                        "config.kubernetes.io/index",
                    ] {
                        annotations.insert(key.into(), index.to_string().into());
                    }
                }
            }
            items.push(Resource::new(object));
        }
    }
    Ok(items)
}

fn line_of(sources: &[Source], result: &KrmResult) -> Option<usize> {
    let file = result.file.as_ref()?;
    let source = sources.iter().find(|s| s.name == file.path)?;
    let start = *locate::document_starts(&source.text).get(usize::try_from(file.index).ok()?)?;
    Some(match &result.field {
        Some(field) => locate::field_line(&source.text, start, &field.path),
        None => start,
    })
}

/// The inputs, read and annotated with their files, and the function config.
fn prepare(args: &Args, limits: &Limits) -> Result<(Vec<Source>, ResourceList)> {
    let sources = if args.affected {
        collect_affected(&args.paths)?
    } else {
        collect(&args.paths, || runner::read_stdin(limits.max_input))?
    };
    let config = args.config.as_deref();
    let mut function_config = match config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            yaml::parse_documents(&text, &path.display().to_string(), YamlLimits::default())?
                .into_iter()
                .next()
        }
        None => None,
    };
    // The team's policies: the config's folders (relative to it), then --policy, then those
    // each build's own config runs.
    if let (Some(config), Some(path)) = (function_config.as_mut(), args.config.as_deref())
        && crate::policy_files::wanted(Some(config))
    {
        let base = path.parent().filter(|p| !p.as_os_str().is_empty());
        crate::policy_files::inject(config, base.unwrap_or(Path::new(".")))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    for dir in &args.policies {
        crate::policy_files::add_folder(&mut function_config, dir)
            .map_err(|e| anyhow::anyhow!("--policy {e}"))?;
    }
    for source in &sources {
        crate::policy_files::add_read(&mut function_config, &source.policies)
            .map_err(|e| anyhow::anyhow!("{}: {e}", source.name))?;
    }
    let list = ResourceList::new(items(&sources)?, function_config);
    Ok((sources, list))
}

/// Input that cannot be checked, as a diagnostic: at the place the core's error names, with
/// the whole chain of what was being done as its message.
fn input_diagnostic(error: &anyhow::Error) -> Diagnostic {
    let location = error
        .chain()
        .find_map(|e| e.downcast_ref::<azfn_core::Error>())
        .map(azfn_core::Error::location)
        .unwrap_or_default();
    Diagnostic::input_error(&location, format!("{error:#}"))
}

/// Runs the check and prints the report; returns the exit code. Input that cannot be checked
/// is an error on stderr for people (`text`), and a report with one input-error diagnostic for
/// tools (JSON, SARIF, JUnit), so a pipeline's code-scanning upload still shows why.
pub(crate) fn run(args: &Args, limits: &Limits) -> Result<ExitCode> {
    let format = args.format;
    let (sources, list) = match prepare(args, limits) {
        Ok(prepared) => prepared,
        Err(error) if !matches!(format, Format::Text { .. }) => {
            eprintln!("azfn: {error:#}");
            crate::native::output_begins();
            print!(
                "{}",
                report::render(
                    format,
                    &[input_diagnostic(&error)],
                    &report::RuleInfo::policy_rules(),
                    0,
                    "azfn check"
                )
            );
            return Ok(ExitCode::from(EXIT_INPUT));
        }
        Err(error) => return Err(error),
    };
    let output = runner::check_list(&list, limits)?;
    let mut findings: Vec<Diagnostic> = output
        .results
        .into_iter()
        .filter_map(|v| yaml::from_value::<KrmResult>(v).ok())
        .map(|result| {
            let line = line_of(&sources, &result);
            Diagnostic {
                line,
                ..Diagnostic::from_krm_result(result)
            }
        })
        .collect();
    let resources = Resources::new(&list.items);
    for finding in &mut findings {
        let entry = azfn_core::baseline::entry(finding, resources.of(finding));
        finding.fingerprint = Some(entry.fingerprint);
    }
    if let Some(baseline) = &args.baseline {
        if baseline.update {
            record(&baseline.file, &findings, &resources)?;
            return Ok(ExitCode::SUCCESS);
        }
        findings = compare(&baseline.file, findings, &resources, !args.affected)?;
    }
    trace_back(&mut findings, &sources);
    crate::native::output_begins();
    print!(
        "{}",
        report::render(
            format,
            &findings,
            &report::RuleInfo::policy_rules_and_team(&findings),
            sources.len(),
            "azfn check"
        )
    );
    let errors = findings.iter().any(|f| f.severity == Severity::Error);
    Ok(ExitCode::from(if errors { EXIT_FINDINGS } else { 0 }))
}

/// The checked objects by the file and document index a finding names.
struct Resources<'a>(HashMap<(&'a str, u64), &'a Resource>);

impl<'a> Resources<'a> {
    fn new(items: &'a [Resource]) -> Self {
        Self(
            items
                .iter()
                .filter_map(|r| Some(((r.file_path()?, r.file_index()?), r)))
                .collect(),
        )
    }

    fn of(&self, finding: &Diagnostic) -> Option<&'a Resource> {
        let key = (finding.file.as_deref()?, finding.index?);
        self.0.get(&key).copied()
    }
}

/// `--update-baseline`: today's errors and warnings into `file` (written whole, then renamed
/// into place, so an interrupted run leaves the old one).
fn record(file: &Path, findings: &[Diagnostic], resources: &Resources<'_>) -> Result<()> {
    let baseline = Baseline::record(findings.iter().map(|f| (f, resources.of(f))));
    let temporary = file.with_extension("azfn-tmp");
    std::fs::write(&temporary, baseline.to_json())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    eprintln!(
        "azfn: recorded {} finding{} in the baseline {}",
        baseline.findings.len(),
        if baseline.findings.len() == 1 {
            ""
        } else {
            "s"
        },
        file.display()
    );
    Ok(())
}

/// `--baseline`: the findings `file` does not hold; what it holds is counted on stderr, and
/// (when every build was checked, `whole`) what it holds that is gone is listed there.
fn compare(
    file: &Path,
    findings: Vec<Diagnostic>,
    resources: &Resources<'_>,
    whole: bool,
) -> Result<Vec<Diagnostic>> {
    let bytes = std::fs::read(file).with_context(|| {
        format!(
            "cannot read the baseline {} (record one with --update-baseline)",
            file.display()
        )
    })?;
    // Counted against the input limit like every file azfn reads.
    crate::native::count_read(&file.display().to_string(), bytes.len())
        .map_err(anyhow::Error::msg)?;
    let text = azfn_core::text::decode_owned(bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let baseline = Baseline::parse(&text, &file.display().to_string())?;
    let with_resources: Vec<_> = findings
        .into_iter()
        .map(|f| {
            let resource = resources.of(&f);
            (f, resource)
        })
        .collect();
    let outcome = baseline.split(with_resources);
    if outcome.known > 0 {
        eprintln!(
            "azfn: {} finding{} in the baseline {} not shown",
            outcome.known,
            if outcome.known == 1 { " is" } else { "s are" },
            file.display()
        );
    }
    if whole && !outcome.fixed.is_empty() {
        eprintln!(
            "azfn: {} finding{} in the baseline no longer found (run --update-baseline to drop them):",
            outcome.fixed.len(),
            if outcome.fixed.len() == 1 {
                " is"
            } else {
                "s are"
            },
        );
        for entry in &outcome.fixed {
            eprintln!("  {} {} {}", entry.code, entry.resource, entry.field);
        }
    }
    Ok(outcome.new)
}
