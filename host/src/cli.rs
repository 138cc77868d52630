//! Command line: mode detection and arguments.
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::limits::Limits;
use crate::runner::{self, Module};

#[derive(Parser)]
#[command(
    name = "azfn",
    version,
    about = "Azure Functions on Kubernetes: the azfn KRM function in a WebAssembly sandbox",
    long_about = "Without a command, azfn is a KRM function: it reads a ResourceList on stdin and \
                  writes it back on stdout with its findings as results, exiting 1 when a finding \
                  is an error. Run it from kpt (`kpt fn eval --exec azfn`, Kptfile `exec: azfn`) \
                  or kustomize (`azfn install-plugin`, then `kubectl kustomize \
                  --enable-alpha-plugins`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run any WASI (wasm32-wasip1) KRM function under azfn's sandbox: a ResourceList on stdin.
    Run {
        /// The module: a .wasm binary or .wat text.
        #[arg(long)]
        module: PathBuf,
    },
    /// Check manifests (files, folders of YAML, or - for stdin) and report findings.
    Check {
        /// Files, folders (searched for *.yaml, *.yml) or - for stdin.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
        /// A function config (kind Azfn) with rule settings.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Colour the text report: auto (on a terminal), always or never.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// The paths are changed files (as pre-commit passes them): check the build of every
        /// kustomization below the working directory that reads one, and each changed file no
        /// build reads as a manifest.
        #[arg(long)]
        affected: bool,
        /// Report only findings this baseline file does not hold (by fingerprint: rule,
        /// resource, field and value, never a secret); with --update-baseline, record it.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Record today's errors and warnings in the --baseline file and exit 0.
        #[arg(long, requires = "baseline", conflicts_with = "affected")]
        update_baseline: bool,
        /// A folder of the team's Rego policies (conftest's conventions) to run as well;
        /// repeat for more.
        #[arg(long, visible_alias = "rego", value_name = "DIR")]
        policy: Vec<PathBuf>,
    },
    /// The team's own Rego rules.
    Policy {
        #[command(subcommand)]
        step: PolicyStep,
    },
    /// Argo CD's Config Management Plugin: run by the cmp-server in the Application's source
    /// folder (see deploy/argocd/plugin.yaml).
    Argocd {
        #[command(subcommand)]
        step: ArgocdStep,
    },
    /// Build a kustomization as `kubectl kustomize DIR` does, with azfn's renderer (no
    /// kustomize needed); azfn's own transformer runs in-process.
    Build {
        /// The kustomization directory.
        dir: PathBuf,
        /// Output order: legacy (kustomize's default kind order) or none (as read).
        #[arg(long, value_enum, default_value = "legacy")]
        reorder: ReorderArg,
        /// Which files a kustomization may read: rootOnly (its own folder and below) or none.
        #[arg(long = "load-restrictor", value_enum, default_value = "rootOnly")]
        load_restrictor: RestrictorArg,
        /// Render every environment below DIR (each kustomization no other one builds on) into
        /// this folder as plain manifests, gated by their findings and every ParityPolicy below
        /// DIR; written only when all pass (for Flux: `flux push artifact --path OUT`).
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
        /// A folder of the team's Rego policies to run on the output (on each environment's
        /// with --out); an error finding fails the build with nothing on stdout. Repeat for more.
        #[arg(long, visible_alias = "rego", value_name = "DIR")]
        policy: Vec<PathBuf>,
    },
    /// Which file and line set a field of a rendered object, newest first: through patches,
    /// transformers and azfn's rendering back to the FunctionApp field and its line.
    #[command(
        after_help = "Example: azfn explain overlays/prod 'Deployment/orders:spec.template.spec.containers[name=func].env[name=AZURE_FUNCTIONS_ENVIRONMENT].value'\n\nThe resource is KIND/NAME with the name as rendered or as in the base; without :FIELD every field is explained. Fields are paths with list items by name ([name=func]) or position ([0])."
    )]
    Explain {
        /// The kustomization directory.
        dir: PathBuf,
        /// KIND/NAME[:FIELD], e.g. 'Deployment/orders:spec.replicas'.
        query: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: crate::explain::Format,
    },
    /// The Azure half of workload identity in a build (identities, federated credentials, role
    /// assignments) as JSON, an `az` script or Terraform resources.
    Identity {
        /// The kustomization directory.
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: crate::identity::Format,
    },
    /// Render each environment and fail on every difference a ParityPolicy does not allow.
    Parity {
        /// Overlay folders, named by their last path component (added to the policy's).
        dirs: Vec<PathBuf>,
        /// The ParityPolicy (azfn.dev/v1alpha1); its environments are built too.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Print a starting policy that allows exactly today's differences.
        #[arg(long)]
        init: bool,
        /// Output format: text (a matrix per resource), json, sarif, junit or markdown (for a
        /// pull-request comment).
        #[arg(long, value_enum, default_value = "text")]
        format: crate::parity::Format,
        /// An environment already rendered, as NAME=FILE (`kustomize build` output, `-` for
        /// stdin); repeat for each. Rules on FunctionApp fields need overlay folders instead.
        #[arg(long, value_name = "NAME=FILE")]
        from: Vec<String>,
        /// Colour the text report: auto (on a terminal), always or never.
        #[arg(long, value_enum, default_value = "auto")]
        color: Color,
        /// The paths are changed files (as pre-commit passes them): run every ParityPolicy below
        /// the working directory whose folder holds one (or that changed itself).
        #[arg(long)]
        affected: bool,
        /// A folder of the team's Rego policies to run on every environment's output; their
        /// error findings fail parity too. Repeat for more. (`--policy` is the ParityPolicy.)
        #[arg(long, value_name = "DIR")]
        rego: Vec<PathBuf>,
    },
    /// List the rules azfn checks.
    Rules,
    /// Print the JSON Schema of the FunctionApp kind, or of ParityPolicy (for editors).
    Schema {
        /// Which kind.
        #[arg(value_enum, default_value = "function-app")]
        kind: SchemaKind,
    },
    /// Serve the browser preview page (embedded in this binary) on loopback: every overlay
    /// rendered, checked and compared in the browser, nothing sent anywhere.
    Serve {
        /// The port; 0 picks a free one.
        #[arg(long, default_value_t = 8421)]
        port: u16,
        /// The address to listen on. Anything but loopback makes the page reachable by others.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
    },
    /// Install azfn as a kustomize exec plugin for its config kind (azfn.dev/v1alpha1 Azfn).
    InstallPlugin {
        /// Plugin home; defaults to $KUSTOMIZE_PLUGIN_HOME, then $XDG_CONFIG_HOME/kustomize/plugin,
        /// then ~/.config/kustomize/plugin.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReorderArg {
    Legacy,
    None,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RestrictorArg {
    #[value(name = "rootOnly", alias = "LoadRestrictionsRootOnly")]
    RootOnly,
    #[value(name = "none", alias = "LoadRestrictionsNone")]
    None,
}

#[derive(Clone, Subcommand)]
enum PolicyStep {
    /// Run the `test_*` rules of the `*_test.rego` files in DIR (OPA's convention); exit 1
    /// when one fails.
    Test {
        /// The folder of policies and their tests.
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, Subcommand)]
enum ArgocdStep {
    /// Exit 0 and say why when this folder is a kustomization whose build reads an Azfn
    /// config or a FunctionApp; else exit 1 with nothing on stdout.
    Discover,
    /// Build this folder and print the manifests only; error findings or drift print on
    /// stderr instead, with nothing on stdout, and exit 1.
    Generate,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Sarif,
    Junit,
    /// GitLab's code-quality report (Code Climate JSON).
    Gitlab,
}

impl OutputFormat {
    /// The report format, colouring text as `color` says.
    fn report(self, color: Color) -> azfn_core::report::Format {
        match self {
            Self::Text => azfn_core::report::Format::Text {
                color: color.enabled(),
            },
            Self::Json => azfn_core::report::Format::Json,
            Self::Sarif => azfn_core::report::Format::Sarif,
            Self::Junit => azfn_core::report::Format::Junit,
            Self::Gitlab => azfn_core::report::Format::Gitlab,
        }
    }
}

impl From<ReorderArg> for azfn_core::overlay::Reorder {
    fn from(arg: ReorderArg) -> Self {
        match arg {
            ReorderArg::Legacy => Self::Legacy,
            ReorderArg::None => Self::None,
        }
    }
}

impl From<RestrictorArg> for azfn_core::overlay::LoadRestrictor {
    fn from(arg: RestrictorArg) -> Self {
        match arg {
            RestrictorArg::RootOnly => Self::RootOnly,
            RestrictorArg::None => Self::None,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaKind {
    FunctionApp,
    ParityPolicy,
    /// The function config (`kind: Azfn`).
    Azfn,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

impl Color {
    /// Auto: on a terminal, unless `NO_COLOR` is set.
    fn enabled(self) -> bool {
        use std::io::IsTerminal as _;
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

#[derive(Args, Clone)]
struct LimitArgs {
    /// Memory limit of the sandbox, in MiB.
    #[arg(long, global = true, default_value_t = 1024, value_name = "MIB")]
    max_memory_mb: usize,
    /// CPU limit of the sandbox, in fuel units (about one per WebAssembly instruction).
    /// Default: 4×10⁹ plus 4,000 per input byte.
    #[arg(long, global = true, value_name = "UNITS")]
    fuel: Option<u64>,
    /// Wall-time limit, in seconds, of the sandbox and of the native build, check and parity.
    /// Default: 5 s plus 1 s per MiB of input (37 s for the native paths, which read their
    /// input as they go).
    #[arg(long, global = true, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Largest stdout the function may write, in MiB.
    #[arg(long, global = true, default_value_t = 256, value_name = "MIB")]
    max_output_mb: usize,
    /// Largest stdin accepted, in MiB.
    #[arg(long, global = true, default_value_t = 32, value_name = "MIB")]
    max_input_mb: usize,
    /// Let a declared input (`spec.inputs` of an Azfn config) read this environment variable;
    /// repeat or separate with commas. Added to `AZFN_ALLOW_INPUTS`. Without it, no input is
    /// read, whatever the manifests declare.
    #[arg(long = "allow-input", global = true, value_name = "NAME")]
    allow_input: Vec<String>,
}

impl LimitArgs {
    fn limits(&self) -> Result<Limits> {
        if let Some(timeout) = self.timeout
            && !(timeout.is_finite() && timeout > 0.0 && timeout < 1e9)
        {
            bail!("--timeout must be a positive number of seconds");
        }
        let defaults = Limits::default();
        Ok(Limits {
            memory_bytes: self.max_memory_mb << 20,
            fuel: self.fuel.unwrap_or(defaults.fuel),
            scale_fuel: self.fuel.is_none(),
            timeout: self
                .timeout
                .map_or(defaults.timeout, Duration::from_secs_f64),
            scale_timeout: self.timeout.is_none(),
            max_stdout: self.max_output_mb << 20,
            max_input: self.max_input_mb << 20,
            ..defaults
        })
    }
}

pub fn main() -> Result<ExitCode> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(config) = legacy_plugin_config(&args) {
        let stdin = runner::read_stdin(Limits::default().max_input)?;
        return runner::legacy(&config, &stdin, &Limits::default());
    }
    let cli = Cli::parse_from(args);
    if matches!(cli.command, Some(Command::Argocd { .. })) {
        crate::inputs::init_prefixed(&cli.limits.allow_input, crate::argocd::ENV_PREFIX);
    } else {
        crate::inputs::init(&cli.limits.allow_input);
    }
    let limits = cli.limits.limits()?;
    bound_native(cli.command.as_ref(), &limits);
    match cli.command {
        None => {
            let stdin = runner::read_stdin(limits.max_input)?;
            runner::krm(&Module::Embedded, stdin, &limits)
        }
        Some(Command::Run { module }) => run_module(&module, &limits),
        Some(Command::InstallPlugin { dir }) => crate::plugin::install(dir),
        Some(Command::Serve { port, host }) => crate::serve::run(host, port),
        Some(Command::Check {
            paths,
            format,
            config,
            color,
            affected,
            baseline,
            update_baseline,
            policy,
        }) => {
            let format = format.report(color);
            crate::check::run(
                &crate::check::Args {
                    paths,
                    config,
                    format,
                    affected,
                    baseline: baseline.map(|file| crate::check::BaselineUse {
                        file,
                        update: update_baseline,
                    }),
                    policies: policy,
                },
                &limits,
            )
        }
        Some(Command::Argocd { step }) => match step {
            ArgocdStep::Discover => Ok(crate::argocd::discover()),
            ArgocdStep::Generate => crate::argocd::generate(),
        },
        Some(Command::Build {
            dir,
            reorder,
            load_restrictor,
            out,
            policy,
        }) => match out {
            Some(out) => crate::render_out::run(std::slice::from_ref(&dir), &out, &policy),
            None => crate::build::run(&dir, reorder.into(), load_restrictor.into(), &policy),
        },
        Some(Command::Parity {
            dirs,
            policy,
            init,
            format,
            from,
            color,
            affected,
            rego,
        }) => crate::parity::run(&crate::parity::Args {
            dirs,
            policy,
            init,
            format,
            from,
            color: color.enabled(),
            affected,
            inputs: crate::parity::Inputs::Allowed,
            rego,
        }),
        Some(Command::Explain { dir, query, format }) => crate::explain::run(&dir, &query, format),
        Some(Command::Identity { dir, format }) => crate::identity::run(&dir, format),
        Some(Command::Rules) => Ok(rules()),
        Some(Command::Policy { step }) => match step {
            PolicyStep::Test { dir } => Ok(crate::policy_test::run(&dir)),
        },
        Some(Command::Schema { kind }) => schema(kind),
    }
}

/// `azfn run MODULE`: another KRM function module, under the same sandbox.
fn run_module(module: &std::path::Path, limits: &Limits) -> Result<ExitCode> {
    let wasm = std::fs::read(module)
        .with_context(|| format!("cannot read the module {}", module.display()))?;
    let stdin = runner::read_stdin(limits.max_input)?;
    runner::krm(
        &Module::Foreign {
            name: module.display().to_string(),
            wasm,
        },
        stdin,
        limits,
    )
}

/// `azfn schema KIND`: the JSON Schema of one of azfn's kinds.
fn schema(kind: SchemaKind) -> Result<ExitCode> {
    let schema = serde_json::to_string_pretty(&match kind {
        SchemaKind::FunctionApp => azfn_core::functionapp::json_schema(),
        SchemaKind::ParityPolicy => azfn_core::parity::json_schema(),
        SchemaKind::Azfn => azfn_core::config::json_schema(),
    })?;
    println!("{schema}");
    Ok(ExitCode::SUCCESS)
}

/// `azfn rules`: each rule's code, severity, name and explanation.
fn rules() -> ExitCode {
    for rule in azfn_core::policy::registry() {
        println!(
            "{}  {:<7}  {}",
            rule.code(),
            rule.default_severity().as_str(),
            rule.name()
        );
        println!("        {}", rule.explanation());
    }
    ExitCode::SUCCESS
}

/// The commands that run the core natively are bounded as the sandbox is for its largest
/// input: they read as they go.
fn bound_native(command: Option<&Command>, limits: &Limits) {
    let what = match command {
        Some(Command::Build { .. }) => "build",
        Some(Command::Argocd { .. }) => "argocd",
        Some(Command::Check { .. }) => "check",
        Some(Command::Parity { .. }) => "parity",
        Some(Command::Explain { .. }) => "explain",
        Some(Command::Identity { .. }) => "identity",
        Some(Command::Policy { .. }) => "policy test",
        _ => return,
    };
    let bound = limits.for_input(limits.max_input);
    crate::native::bound(what, limits.memory_bytes, bound.timeout, limits.max_input);
}

/// kustomize's legacy exec plugin contract: argv[1] is the config file and
/// `KUSTOMIZE_PLUGIN_CONFIG_STRING` is set.
fn legacy_plugin_config(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    std::env::var_os("KUSTOMIZE_PLUGIN_CONFIG_STRING")?;
    let first = Path::new(args.get(1)?);
    first.is_file().then(|| first.to_path_buf())
}
