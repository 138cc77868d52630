//! Runs a module in the sandbox and turns the outcome into stdout, stderr and an exit code.
//! Output is all or nothing: whatever a run that tripped a limit wrote is discarded.
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use azfn_core::krm::{ResourceList, items_from_stream};
use azfn_core::yaml::{self, Limits as YamlLimits};

use crate::limits::Limits;
use crate::sandbox::{self, Outcome, RunOutput};

/// The embedded azfn KRM module.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/azfn-krm.wasm"));
/// Its SHA-256, computed when the binary was built (build.rs).
static EMBEDDED_SHA256: &[u8; 32] = include_bytes!(concat!(env!("OUT_DIR"), "/azfn-krm.sha256"));

/// Error findings.
pub const EXIT_FINDINGS: u8 = 1;
/// Unusable input or arguments.
pub const EXIT_INPUT: u8 = 2;
/// Sandbox limit: memory.
pub const EXIT_MEMORY: u8 = 80;
/// Sandbox limit: fuel (CPU).
pub const EXIT_FUEL: u8 = 81;
/// Sandbox limit: wall time.
pub const EXIT_TIMEOUT: u8 = 82;
/// Sandbox limit: stack.
pub const EXIT_STACK: u8 = 83;
/// Sandbox limit: stdout size.
pub const EXIT_OUTPUT: u8 = 84;
/// The function crashed or wrote something that is not a ResourceList.
pub const EXIT_CRASH: u8 = 85;

/// Which module to run.
pub(crate) enum Module {
    /// azfn's own, embedded at build time.
    Embedded,
    /// A user's module (`azfn run --module`): its output is checked before it is passed on.
    Foreign { name: String, wasm: Vec<u8> },
}

impl Module {
    fn wasm(&self) -> &[u8] {
        match self {
            Self::Embedded => EMBEDDED,
            Self::Foreign { wasm, .. } => wasm,
        }
    }

    /// The module's SHA-256, which keys its compiled code in the cache.
    fn sha256(&self) -> [u8; 32] {
        match self {
            Self::Embedded => *EMBEDDED_SHA256,
            Self::Foreign { wasm, .. } => {
                use sha2::Digest as _;
                sha2::Sha256::digest(wasm).into()
            }
        }
    }
}

/// One run, under `limits` scaled to the input; returns the limits it ran under.
fn execute(
    module: &Module,
    stdin: Vec<u8>,
    args: &[String],
    limits: &Limits,
) -> Result<(RunOutput, Limits)> {
    let limits = &limits.for_input(stdin.len());
    let engine = sandbox::engine(limits)?;
    let cache_dir = crate::cache::default_dir();
    let (compiled, source) = crate::cache::load(
        &engine,
        module.wasm(),
        &module.sha256(),
        cache_dir.as_deref(),
    )?;
    let debug = std::env::var_os("AZFN_DEBUG").is_some();
    if debug {
        eprintln!("azfn: module: {source:?}");
    }
    let pre = sandbox::prepare(&engine, &compiled)?;
    let input = stdin.len();
    // The wall-time limit, from here (compiling the module is not the function's time): the
    // process ends with exit code 82 and nothing on stdout unless output has begun.
    crate::native::watchdog(
        "azfn: sandbox: the function",
        limits.timeout,
        "its output was discarded",
    );
    let started = std::time::Instant::now();
    let run = sandbox::run(&engine, &pre, stdin, args, limits)?;
    if debug {
        // What `make bench` reads to set the budgets against honest work.
        eprintln!(
            "azfn: sandbox: {input} bytes in, {} fuel used of {}, {:.1} ms of {:.1} s",
            run.fuel_used,
            limits.fuel,
            started.elapsed().as_secs_f64() * 1e3,
            limits.timeout.as_secs_f64()
        );
    }
    Ok((run, *limits))
}

/// The declared inputs of a function config the caller allowed, read from the host's
/// environment and passed to the module as `--input NAME=VALUE`: the module itself sees no
/// environment. A declared input that is set but not allowed is an error naming it.
fn input_args(config: Option<&yaml::Value>, config_file: &str) -> Result<Vec<String>, String> {
    let codes = azfn_core::policy::codes();
    let Ok(config) = azfn_core::config::Config::from_function_config(config, config_file, &codes)
    else {
        // The module reports an invalid config with its location.
        return Ok(Vec::new());
    };
    crate::inputs::consent().module_args(&config.inputs, config_file)
}

/// KRM mode: ResourceList in, ResourceList out.
pub(crate) fn krm(module: &Module, mut stdin: Vec<u8>, limits: &Limits) -> Result<ExitCode> {
    // A UTF-16 list becomes plain UTF-8 here, so the checks below see it; anything undecodable
    // is left for the module to refuse with its offset. Other input is passed on as it is,
    // without a pass over it here: the module validates it anyway.
    if matches!(module, Module::Embedded)
        && (stdin.starts_with(&[0xFF, 0xFE]) || stdin.starts_with(&[0xFE, 0xFF]))
        && let Ok(std::borrow::Cow::Owned(text)) = azfn_core::text::decode(&stdin)
    {
        stdin = text.into_bytes();
    }
    let input_items = match module {
        Module::Foreign { .. } => count_items(&stdin),
        Module::Embedded => None,
    };
    // Only azfn's own module takes inputs, and only a config that declares some needs a look.
    let list = match module {
        Module::Embedded if config_declares(&stdin, &[b"inputs:", b"parity:", b"policies:"]) => {
            std::str::from_utf8(&stdin)
                .ok()
                .and_then(|text| ResourceList::parse(text, "<stdin>", YamlLimits::default()).ok())
        }
        _ => None,
    };
    let args = match input_args(
        list.as_ref().and_then(|l| l.function_config.as_ref()),
        "functionConfig",
    ) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    };
    // A parity check or the team's policies: the module gets the files in its function config.
    let original = match list {
        Some(mut list)
            if crate::parity_tree::wanted(list.function_config.as_ref())
                || crate::policy_files::wanted(list.function_config.as_ref()) =>
        {
            if let Some(config) = list.function_config.as_mut()
                && let Err(e) = inject_files(config, Path::new("."))
            {
                eprintln!("Error: functionConfig: {e}");
                return Ok(ExitCode::from(EXIT_INPUT));
            }
            let sent = list.to_yaml().into_bytes();
            Some((std::mem::replace(&mut stdin, sent.clone()), sent))
        }
        _ => None,
    };
    let (mut run, limits) = execute(module, stdin, &args, limits)?;
    let limits = &limits;
    if let Some((original, sent)) = original {
        run.stdout = restore(&run.stdout, &original, &sent);
    }
    let code = match &run.outcome {
        Outcome::Success => 0,
        Outcome::Exit(code) => *code,
        other => return Ok(limit_tripped(other, limits, &run.stderr)),
    };
    relay_stderr(&run.stderr);
    let output_ok = match module {
        Module::Embedded => code == 0 || i32::from(EXIT_FINDINGS) == code,
        Module::Foreign { name, .. } => match check_output(&run.stdout, input_items) {
            Ok(()) => true,
            Err(problem) if code == 0 => {
                eprintln!("azfn: {name}: {problem}; nothing was written");
                return Ok(ExitCode::from(EXIT_CRASH));
            }
            Err(_) => false,
        },
    };
    if output_ok {
        write_stdout(&run.stdout)?;
    }
    if code != 0 && !matches!(module, Module::Embedded) {
        eprintln!("azfn: the function exited with code {code}");
    }
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(EXIT_CRASH)))
}

/// Reads what the module needs from disk into its config: the parity tree and the policies.
pub(crate) fn inject_files(config: &mut yaml::Value, base: &Path) -> Result<(), String> {
    if crate::parity_tree::wanted(Some(config)) {
        crate::parity_tree::inject(config, base)?;
    }
    if crate::policy_files::wanted(Some(config)) {
        crate::policy_files::inject(config, base)?;
    }
    Ok(())
}

/// The module's output with the parity tree taken out again. Where it passed the input through
/// (it changed no item), the caller's own text goes back instead of the re-serialised one, so
/// kpt writes nothing new into the user's files.
fn restore(stdout: &[u8], original: &[u8], sent: &[u8]) -> Vec<u8> {
    let block_style = std::str::from_utf8(original).is_ok_and(|t| {
        t.lines()
            .map(str::trim_end)
            .find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---")
            .is_some_and(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            && !t.lines().any(|l| l.starts_with("results:") || l == "---")
    });
    if block_style && let Some(rest) = stdout.strip_prefix(sent) {
        let mut out = original.to_vec();
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend_from_slice(rest);
        return out;
    }
    let Some(mut list) = std::str::from_utf8(stdout)
        .ok()
        .and_then(|t| ResourceList::parse(t, "<function output>", YamlLimits::default()).ok())
    else {
        return stdout.to_vec();
    };
    if let Some(config) = list.function_config.as_mut() {
        crate::parity_tree::remove(config);
        crate::policy_files::remove(config);
    }
    list.to_yaml().into_bytes()
}

/// kustomize's legacy exec plugin: the config file and a YAML stream in, a YAML stream out.
/// On failure nothing is written (kustomize discards it anyway).
pub(crate) fn legacy(config_path: &Path, stdin: &[u8], limits: &Limits) -> Result<ExitCode> {
    let config_name = config_path.display().to_string();
    let config_bytes = std::fs::read(config_path)
        .with_context(|| format!("cannot read the plugin config {config_name}"))?;
    let config_text = azfn_core::text::decode_owned(config_bytes)
        .map_err(|e| anyhow::anyhow!("{config_name}: {e}"))?;
    let mut config = yaml::parse_documents(&config_text, &config_name, YamlLimits::default())?
        .into_iter()
        .next();
    if let Some(config) = config
        .as_mut()
        .filter(|c| crate::parity_tree::wanted(Some(c)) || crate::policy_files::wanted(Some(c)))
    {
        // kustomize runs plugins in the kustomization's folder.
        if let Err(e) = inject_files(config, Path::new(".")) {
            eprintln!("Error: {config_name}: {e}");
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    }
    let stdin = azfn_core::text::decode(stdin).map_err(|e| anyhow::anyhow!("<stdin>: {e}"))?;
    let items = items_from_stream(&stdin, "<stdin>", YamlLimits::default())?;
    let args = match input_args(config.as_ref(), &config_name) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    };
    let list = ResourceList::new(items, config);
    let (run, limits) = execute(
        &Module::Embedded,
        list.to_yaml().into_bytes(),
        &args,
        limits,
    )?;
    let limits = &limits;
    match &run.outcome {
        Outcome::Success => {}
        Outcome::Exit(code) => {
            relay_stderr(&run.stderr);
            return Ok(ExitCode::from(u8::try_from(*code).unwrap_or(EXIT_CRASH)));
        }
        other => return Ok(limit_tripped(other, limits, &run.stderr)),
    }
    relay_stderr(&run.stderr);
    let text = std::str::from_utf8(&run.stdout).context("function output is not UTF-8")?;
    let out = ResourceList::parse(text, "<function output>", YamlLimits::default())?;
    let values: Vec<_> = out
        .items
        .into_iter()
        .map(azfn_core::krm::Resource::into_value)
        .collect();
    write_stdout(yaml::to_stream(values.iter()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// One line naming the limit, a distinct exit code, and nothing on stdout.
fn limit_tripped(outcome: &Outcome, limits: &Limits, stderr: &[u8]) -> ExitCode {
    let (message, code) = match outcome {
        Outcome::MemoryLimit(m) => (format!("{m} (raise it with --max-memory-mb)"), EXIT_MEMORY),
        Outcome::OutOfFuel => (
            format!(
                "the function used all its fuel ({} units; raise it with --fuel)",
                limits.fuel
            ),
            EXIT_FUEL,
        ),
        Outcome::StackOverflow => (
            format!(
                "the function overflowed its {} KiB stack",
                limits.max_wasm_stack >> 10
            ),
            EXIT_STACK,
        ),
        Outcome::OutputTooLarge => (
            format!(
                "the function wrote more than {} MiB to stdout (raise it with --max-output-mb)",
                limits.max_stdout >> 20
            ),
            EXIT_OUTPUT,
        ),
        Outcome::Trap(trap) => (format!("the function crashed: {trap}"), EXIT_CRASH),
        Outcome::Success | Outcome::Exit(_) => unreachable!("not a limit"),
    };
    eprintln!("azfn: sandbox: {message}; its output was discarded");
    if std::env::var_os("AZFN_DEBUG").is_some() {
        relay_stderr(stderr);
    }
    ExitCode::from(code)
}

fn relay_stderr(stderr: &[u8]) {
    let _ = std::io::stderr().lock().write_all(stderr);
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    crate::native::output_begins();
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write stdout")
}

/// Whether any of `keys` follows the first `functionConfig` in the list: the config's text
/// always comes after its key, whatever the style, so a list without one is not scanned again.
fn config_declares(list: &[u8], keys: &[&[u8]]) -> bool {
    memchr::memmem::find(list, b"functionConfig").is_some_and(|at| {
        let config = &list[at..];
        keys.iter()
            .any(|key| memchr::memmem::find(config, key).is_some())
    })
}

fn count_items(stdin: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(stdin).ok()?;
    ResourceList::parse(text, "<stdin>", YamlLimits::default())
        .ok()
        .map(|l| l.items.len())
}

/// A foreign function's output must be one ResourceList, and must not drop every item:
/// under kpt an empty ResourceList deletes the package's files.
fn check_output(stdout: &[u8], input_items: Option<usize>) -> Result<(), String> {
    let text = std::str::from_utf8(stdout).map_err(|_| "its output is not UTF-8".to_owned())?;
    let list = ResourceList::parse(text, "<function output>", YamlLimits::default())
        .map_err(|e| format!("its output is not a ResourceList ({e})"))?;
    match input_items {
        Some(n) if n > 0 && list.items.is_empty() => Err(format!(
            "it returned no items for {n} input items (kpt would delete every file)"
        )),
        _ => Ok(()),
    }
}

/// Reads stdin up to `max` bytes; more is an error that names the limit.
pub(crate) fn read_stdin(max: usize) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(max as u64 + 1)
        .read_to_end(&mut input)
        .context("cannot read stdin")?;
    if input.len() > max {
        anyhow::bail!(
            "<stdin>: input is larger than the limit of {} MiB (raise it with --max-input-mb)",
            max >> 20
        );
    }
    Ok(input)
}

/// Runs the embedded module over `list` and returns its output ResourceList (with results).
/// Unusable input and tripped limits are errors carrying the module's own message.
pub(crate) fn check_list(list: &ResourceList, limits: &Limits) -> Result<ResourceList> {
    let (run, limits) = execute(&Module::Embedded, list.to_yaml().into_bytes(), &[], limits)?;
    let limits = &limits;
    match &run.outcome {
        Outcome::Success => {}
        Outcome::Exit(code) if *code == i32::from(EXIT_FINDINGS) => {}
        Outcome::Exit(_) => {
            let stderr = String::from_utf8_lossy(&run.stderr);
            anyhow::bail!("{}", stderr.trim().trim_start_matches("azfn: "));
        }
        other => {
            let code = limit_tripped(other, limits, &run.stderr);
            anyhow::bail!("the check stopped at a sandbox limit ({code:?})");
        }
    }
    let text = std::str::from_utf8(&run.stdout).context("function output is not UTF-8")?;
    Ok(ResourceList::parse(
        text,
        "<function output>",
        YamlLimits::default(),
    )?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_key_after_function_config_asks_for_a_look() {
        let keys: &[&[u8]] = &[b"inputs:", b"parity:"];
        let declares = |list: &str| super::config_declares(list.as_bytes(), keys);
        // A key in an item before the config, or no config at all: nothing to read.
        assert!(!declares(
            "items:\n- spec:\n    inputs: []\nfunctionConfig:\n  kind: Azfn\n"
        ));
        assert!(!declares("items:\n- parity: x\n"));
        // Block and flow style, and a config before the items.
        assert!(declares(
            "items: []\nfunctionConfig:\n  inputs:\n  - name: A\n"
        ));
        assert!(declares("{functionConfig: {parity: {}}, items: []}"));
        assert!(declares("functionConfig:\n  parity: {}\nitems: []\n"));
    }

    #[test]
    fn the_embedded_modules_digest_is_its_sha256() {
        use sha2::Digest as _;
        assert_eq!(
            sha2::Sha256::digest(super::EMBEDDED).as_slice(),
            super::EMBEDDED_SHA256
        );
    }
}
