//! `azfn parity`: render each environment with azfn's overlay renderer (or read it already
//! rendered) and fail on every difference the ParityPolicy does not allow.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use azfn_core::diagnostic::Diagnostic;
use azfn_core::error::Location;
use azfn_core::parity::{self, Environment, ParityError, ParityPolicy, PolicyError, Report};
use azfn_core::report;

use crate::build::DiskSource;

/// Output formats of `azfn parity`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    Sarif,
    Junit,
    /// GitLab's code-quality report (Code Climate JSON).
    Gitlab,
    Markdown,
}

/// What `azfn parity` was asked.
pub(crate) struct Args {
    pub dirs: Vec<PathBuf>,
    pub policy: Option<PathBuf>,
    pub init: bool,
    pub format: Format,
    pub from: Vec<String>,
    pub color: bool,
    /// `dirs` are changed files: run each ParityPolicy they affect (see [`crate::affected`]).
    pub affected: bool,
    /// Which inputs the environments' builds read.
    pub inputs: Inputs,
    /// Folders of the team's Rego policies to run on every environment (`--rego`).
    pub rego: Vec<PathBuf>,
}

/// Which inputs parity's builds read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inputs {
    /// Those the caller allows, as every build.
    Allowed,
    /// None: the environments as committed (the gate of one environment's release).
    AsCommitted,
}

/// Exit code 2: the message on stderr for people; for the machine formats (JSON, SARIF, JUnit)
/// also a report with the one input-error diagnostic on stdout, so a pipeline's upload says why.
fn unusable(args: &Args, diagnostic: &Diagnostic) -> ExitCode {
    eprintln!("Error: {}", diagnostic.message);
    let format = match args.format {
        Format::Text | Format::Markdown => None,
        Format::Json => Some(report::Format::Json),
        Format::Sarif => Some(report::Format::Sarif),
        Format::Junit => Some(report::Format::Junit),
        Format::Gitlab => Some(report::Format::Gitlab),
    };
    if let Some(format) = format {
        crate::native::output_begins();
        print!(
            "{}",
            report::render(
                format,
                std::slice::from_ref(diagnostic),
                &parity::rules(),
                0,
                "azfn parity"
            )
        );
    }
    ExitCode::from(2)
}

/// An unusable input: exit code 2, with the message on stderr and, for the machine formats,
/// a report holding one input-error diagnostic at the place the error names.
struct Unusable(Box<Diagnostic>);

impl Unusable {
    /// A problem with the command line or a file as a whole: no place inside a file.
    fn new(message: impl Into<String>) -> Self {
        Self::at(&Location::default(), message)
    }

    fn at(location: &Location, message: impl Into<String>) -> Self {
        Self(Box::new(Diagnostic::input_error(location, message)))
    }

    fn core(error: &azfn_core::Error) -> Self {
        Self::at(&error.location(), error.to_string())
    }

    /// At the policy's line for the field (the deepest part of its path in `text`).
    fn policy(error: &PolicyError, text: &str) -> Self {
        let start = azfn_core::report::locate::document_starts(text)
            .first()
            .copied()
            .unwrap_or(1);
        let line = azfn_core::report::locate::field_line(text, start, &error.field);
        Self::at(
            &Location::at(error.file.as_str(), error.field.as_str()).line(line),
            error.to_string(),
        )
    }

    fn environment(error: &ParityError) -> Self {
        Self::at(&error.error.location, error.to_string())
    }
}

fn read_policy(path: &Path) -> Result<ParityPolicy, Unusable> {
    let name = path.display().to_string();
    let text = read_text(path, &name)?;
    let docs = azfn_core::yaml::parse_documents(&text, &name, azfn_core::yaml::Limits::default())
        .map_err(|e| Unusable::core(&e))?;
    let doc = docs.first().ok_or_else(|| {
        Unusable::at(
            &Location::file(name.as_str()),
            format!("{name}: an empty policy"),
        )
    })?;
    ParityPolicy::from_value(doc, &name).map_err(|e| Unusable::policy(&e, &text))
}

/// A file's text (UTF-8, or UTF-16 with a byte-order mark), counted against the input limit.
fn read_text(path: &Path, name: &str) -> Result<String, Unusable> {
    let here = Location::file(name);
    let bytes = std::fs::read(path).map_err(|e| Unusable::at(&here, format!("{name}: {e}")))?;
    crate::native::count_read(name, bytes.len()).map_err(|m| Unusable::at(&here, m))?;
    azfn_core::text::decode_owned(bytes).map_err(|e| Unusable::at(&here, format!("{name}: {e}")))
}

/// `(name, folder)` for each environment: the policy's, then the command line's.
fn environments(args: &Args, policy: &ParityPolicy) -> Vec<(String, PathBuf)> {
    let base = args
        .policy
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut named: Vec<(String, PathBuf)> = policy
        .environments
        .iter()
        .map(|(name, path)| (name.clone(), base.join(path)))
        .collect();
    for dir in &args.dirs {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if !named.iter().any(|(n, _)| *n == name) {
            named.push((name, dir.clone()));
        }
    }
    named
}

/// Environments given already rendered: `NAME=FILE`.
fn rendered(from: &[String]) -> Result<Vec<Environment>, Unusable> {
    let mut out = Vec::new();
    for spec in from {
        let (name, file) = spec
            .split_once('=')
            .ok_or_else(|| Unusable::new(format!("--from {spec}: expected NAME=FILE")))?;
        if out.iter().any(|e: &Environment| e.name == name) {
            return Err(Unusable::new(format!(
                "--from {name}: environment {name} is named twice"
            )));
        }
        let text = if file == "-" {
            let bytes = crate::runner::read_stdin(crate::native::input_limit())
                .map_err(|e| Unusable::new(format!("{e:#}")))?;
            azfn_core::text::decode_owned(bytes)
                .map_err(|e| Unusable::at(&Location::file("<stdin>"), format!("<stdin>: {e}")))?
        } else {
            read_text(Path::new(file), file)?
        };
        let docs =
            azfn_core::yaml::parse_documents(&text, file, azfn_core::yaml::Limits::default())
                .map_err(|e| Unusable::core(&e))?;
        let resources = docs
            .into_iter()
            .filter(azfn_core::yaml::Value::is_mapping)
            .map(|d| {
                let base = parity::guess_base_name(&d, name);
                (d, base)
            })
            .collect();
        out.push(Environment {
            traces: Vec::new(),
            name: name.to_owned(),
            resources,
            function_apps: Vec::new(),
        });
    }
    Ok(out)
}

/// `azfn parity --affected FILE...`: each ParityPolicy below the working directory that the
/// changed files affect, one after the other; the exit code is the worst of them.
fn run_affected(args: &Args) -> Result<ExitCode> {
    if args.policy.is_some() || args.init || !args.from.is_empty() {
        anyhow::bail!("--affected finds the policies itself: no --policy, --init or --from");
    }
    // Text and markdown print one report per policy; SARIF, JUnit and GitLab one report of
    // them all (code scanning takes one run per tool and category).
    let combined = match args.format {
        Format::Text | Format::Markdown => None,
        Format::Sarif => Some(report::Format::Sarif),
        Format::Junit => Some(report::Format::Junit),
        Format::Gitlab => Some(report::Format::Gitlab),
        Format::Json => {
            anyhow::bail!("--affected prints text, markdown, sarif, junit or gitlab, not json")
        }
    };
    let policies = crate::affected::parity_policies(Path::new("."), &args.dirs)?;
    if policies.is_empty() {
        eprintln!("azfn parity: no ParityPolicy below here is affected by the changed files");
    }
    let mut worst = 0u8;
    let mut diagnostics = Vec::new();
    let mut environments = 0;
    for policy in policies {
        eprintln!("azfn parity: {}", policy.display());
        let one = Args {
            dirs: Vec::new(),
            policy: Some(policy),
            init: false,
            format: args.format,
            from: Vec::new(),
            color: args.color,
            affected: false,
            inputs: args.inputs,
            rego: args.rego.clone(),
        };
        let code = match (compute(&one), combined) {
            (Ok(Outcome::Printed), _) => 0,
            (Ok(Outcome::Report(outcome)), None) => {
                let (report, policy, named) = *outcome;
                print(&one, &report, &policy, &named)?;
                u8::from(report.failures() != 0)
            }
            (Ok(Outcome::Report(outcome)), Some(_)) => {
                let (report, policy, named) = *outcome;
                let policy_file = one.policy.as_ref().map(|p| p.display().to_string());
                let context = parity::Context {
                    policy_file: policy_file.as_deref(),
                    environments: &named,
                };
                diagnostics.extend(parity::results(&report, &policy, &context));
                environments += named.len();
                u8::from(report.failures() != 0)
            }
            (Err(Unusable(diagnostic)), None) => {
                unusable(&one, &diagnostic);
                2
            }
            (Err(Unusable(diagnostic)), Some(_)) => {
                eprintln!("Error: {}", diagnostic.message);
                diagnostics.push(*diagnostic);
                2
            }
        };
        worst = worst.max(code);
    }
    if let Some(format) = combined {
        crate::native::output_begins();
        print!(
            "{}",
            report::render(
                format,
                &diagnostics,
                &parity::rules(),
                environments,
                "azfn parity"
            )
        );
    }
    Ok(ExitCode::from(worst))
}

/// The parity gate of another command (`azfn argocd generate`): runs `policy`, writes its text
/// report on stderr, and tells whether it passed. Unusable input does not pass.
pub(crate) fn gate(policy: &Path) -> bool {
    let args = Args {
        dirs: Vec::new(),
        policy: Some(policy.to_path_buf()),
        init: false,
        format: Format::Text,
        from: Vec::new(),
        color: false,
        affected: false,
        inputs: Inputs::AsCommitted,
        rego: Vec::new(),
    };
    match compute(&args) {
        Ok(Outcome::Printed) => true,
        Ok(Outcome::Report(outcome)) => {
            let (report, policy, _) = *outcome;
            let passed = report.failures() == 0;
            if !passed {
                eprint!("{}", parity::text(&report, &policy, false));
            }
            passed
        }
        Err(Unusable(diagnostic)) => {
            eprintln!("azfn: {}", diagnostic.message);
            false
        }
    }
}

/// Runs `azfn parity`.
pub(crate) fn run(args: &Args) -> Result<ExitCode> {
    if args.affected {
        return run_affected(args);
    }
    match compute(args) {
        Ok(Outcome::Printed) => Ok(ExitCode::SUCCESS),
        Ok(Outcome::Report(outcome)) => {
            let (report, policy, named) = *outcome;
            print(args, &report, &policy, &named)?;
            Ok(if report.failures() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(Unusable(diagnostic)) => Ok(unusable(args, &diagnostic)),
    }
}

/// A report, the policy it was made under, and `(environment, folder)`.
type Compared = (Report, ParityPolicy, Vec<(String, String)>);

enum Outcome {
    Printed,
    Report(Box<Compared>),
}

fn compute(args: &Args) -> Result<Outcome, Unusable> {
    let mut policy = match &args.policy {
        Some(path) => read_policy(path)?,
        None => ParityPolicy::default(),
    };
    let team = crate::team_rules::config(&args.rego, "--rego")
        .map_err(|e| Unusable::new(format!("{e:#}")))?
        .unwrap_or_default();
    if !args.from.is_empty() {
        if args.init {
            return Err(Unusable::new("--init needs overlay folders, not --from"));
        }
        let envs = rendered(&args.from)?;
        if envs.len() < 2 {
            return Err(Unusable::new("parity needs at least two environments"));
        }
        let mut report = parity::compare(&envs, &policy);
        if !team.policies.is_empty() {
            let places: Vec<(String, String)> = args
                .from
                .iter()
                .filter_map(|spec| spec.split_once('='))
                .map(|(name, file)| (name.to_owned(), file.to_owned()))
                .collect();
            let found = parity::team_findings(&envs, &places, &team)
                .map_err(|e| Unusable::core(&azfn_core::Error::from(e)))?;
            report.findings.extend(found);
        }
        let named = envs
            .iter()
            .map(|e| (e.name.clone(), String::new()))
            .collect();
        return Ok(Outcome::Report(Box::new((report, policy, named))));
    }
    let named = environments(args, &policy);
    if named.len() < 2 {
        return Err(Unusable::new(
            "parity needs at least two environments (overlay folders, or `environments:` in the policy)",
        ));
    }
    let mut relative = Vec::new();
    for (name, dir) in &named {
        let absolute = std::fs::canonicalize(dir)
            .map_err(|e| Unusable::new(format!("environment {name}: {}: {e}", dir.display())))?;
        relative.push((name.clone(), crate::build::relative(&absolute)));
    }
    let consent = if args.inputs == Inputs::Allowed {
        crate::inputs::consent().clone()
    } else {
        crate::inputs::consent().without_inputs()
    };
    let (options, _) = consent.lenient_build_options();
    let listed: Vec<(String, String)> = named
        .iter()
        .map(|(n, p)| (n.clone(), p.display().to_string()))
        .collect();
    if args.init {
        let start = ParityPolicy {
            environments: Vec::new(),
            allow: vec![parity::allow_all_function_app_differences()],
        };
        let report = parity::check(&DiskSource::default(), &relative, &start, &options)
            .map_err(|e| Unusable::environment(&e))?;
        // Folders relative to where the policy will live (the current directory).
        crate::native::output_begins();
        print!("{}", parity::init_policy(&report, &listed));
        return Ok(Outcome::Printed);
    }
    if policy.environments.is_empty() {
        policy.environments.clone_from(&listed);
    }
    let mut report =
        parity::check_with_team(&DiskSource::default(), &relative, &policy, &options, &team)
            .map_err(|e| Unusable::environment(&e))?;
    // Files as the user would type them: relative to where azfn runs.
    report.map_files(&crate::build::from_cwd());
    Ok(Outcome::Report(Box::new((report, policy, listed))))
}

fn print(
    args: &Args,
    report: &Report,
    policy: &ParityPolicy,
    named: &[(String, String)],
) -> Result<()> {
    let policy_file = args.policy.as_ref().map(|p| p.display().to_string());
    let context = parity::Context {
        policy_file: policy_file.as_deref(),
        environments: named,
    };
    let results = || parity::results(report, policy, &context);
    let text = match args.format {
        Format::Text => parity::text(report, policy, args.color),
        Format::Markdown => parity::markdown(report, policy),
        Format::Json => serde_json::to_string_pretty(&parity::json(report, policy))? + "\n",
        Format::Sarif => report::render(
            report::Format::Sarif,
            &results(),
            &parity::rules(),
            named.len(),
            "azfn parity",
        ),
        Format::Junit => report::render(
            report::Format::Junit,
            &results(),
            &parity::rules(),
            named.len(),
            "azfn parity",
        ),
        Format::Gitlab => report::render(
            report::Format::Gitlab,
            &results(),
            &parity::rules(),
            named.len(),
            "azfn parity",
        ),
    };
    crate::native::output_begins();
    print!("{text}");
    Ok(())
}
