//! The GitHub Action (`action.yml`) run as a runner runs a composite action: its inputs with
//! their defaults, `${{ }}` expressions, `if:` conditions, each `run:` step under
//! `bash --noprofile --norc -eo pipefail`, with `GITHUB_OUTPUT`, `GITHUB_PATH` and
//! `GITHUB_STEP_SUMMARY` files. The code-scanning uploads (`uses:` steps) cannot run here: the
//! test checks what they would upload, against the SARIF schema.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use azfn_tests::{
    assert_not_echoed, azfn_bin, legacy_worker, orders_app, sarif_schema, scratch, workspace,
};
use serde_yaml::Value;

/// What one run of the action did.
struct Job {
    /// Each step's id (or name) and whether it ran and passed: `Some(true)`, `Some(false)` or
    /// skipped (`None`).
    steps: Vec<(String, Option<bool>)>,
    /// `uses:` steps that ran, with their evaluated `with:`.
    uploads: Vec<BTreeMap<String, String>>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    log: String,
    summary: String,
    failed: bool,
}

impl Job {
    fn step(&self, id: &str) -> Option<bool> {
        self.steps
            .iter()
            .find(|(s, _)| s == id)
            .and_then(|(_, r)| *r)
    }
    fn output(&self, step: &str, key: &str) -> &str {
        self.outputs
            .get(step)
            .and_then(|o| o.get(key))
            .map_or("", String::as_str)
    }
}

struct Context<'a> {
    inputs: &'a BTreeMap<String, String>,
    outputs: &'a BTreeMap<String, BTreeMap<String, String>>,
    temp: &'a Path,
}

impl Context<'_> {
    /// A context reference: the only ones the action may use are those this test can give.
    fn value(&self, reference: &str) -> String {
        let reference = reference.trim();
        let parts: Vec<&str> = reference.split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => self
                .inputs
                .get(*name)
                .cloned()
                .unwrap_or_else(|| panic!("no input {name}")),
            ["steps", id, "outputs", key] => self
                .outputs
                .get(*id)
                .and_then(|o| o.get(*key))
                .cloned()
                .unwrap_or_default(),
            ["github", "action_path"] => workspace().display().to_string(),
            ["runner", "temp"] => self.temp.display().to_string(),
            _ => panic!("action.yml uses `{reference}`, which this test does not emulate"),
        }
    }

    /// `${{ ... }}` replaced by its value.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("an unclosed ${{") + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// An `if:` of terms joined by `&&`: `always()`, `success()`, `REF == 'x'`, `REF != 'x'`.
    fn condition(&self, condition: &str, failed: bool) -> bool {
        let mut always = false;
        let mut holds = true;
        for term in condition.split("&&").map(str::trim) {
            match term {
                "always()" => always = true,
                "success()" => holds &= !failed,
                _ => {
                    let (left, right, equal) = if let Some((l, r)) = term.split_once("==") {
                        (l, r, true)
                    } else if let Some((l, r)) = term.split_once("!=") {
                        (l, r, false)
                    } else {
                        panic!("an `if:` term this test does not emulate: {term}")
                    };
                    let literal = right.trim().trim_matches('\'');
                    holds &= (self.value(left) == literal) == equal;
                }
            }
        }
        holds && (always || !failed)
    }
}

fn string_map(value: Option<&Value>, context: &Context<'_>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = v.as_str().map_or_else(
                        || serde_yaml::to_string(v).unwrap().trim().to_owned(),
                        str::to_owned,
                    );
                    (k.as_str().unwrap().to_owned(), context.expand(&text))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the action in `repo` with `with` as its inputs.
fn run_action(repo: &Path, with: &[(&str, &str)]) -> Job {
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(workspace().join("action.yml")).unwrap())
            .unwrap();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_owned(),
                v["default"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (key, value) in with {
        assert!(inputs.contains_key(*key), "action.yml has no input {key}");
        inputs.insert((*key).to_owned(), (*value).to_owned());
    }
    let runner = Runner::new(repo);
    let temp = runner.temp.clone();
    let mut job = Job {
        steps: Vec::new(),
        uploads: Vec::new(),
        outputs: BTreeMap::new(),
        log: String::new(),
        summary: String::new(),
        failed: false,
    };
    for (index, step) in action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .enumerate()
    {
        let id = step["id"]
            .as_str()
            .or(step["name"].as_str())
            .map_or_else(|| format!("step{index}"), str::to_owned);
        let context = Context {
            inputs: &inputs,
            outputs: &job.outputs,
            temp: &temp,
        };
        let runs = match step["if"].as_str() {
            Some(condition) => context.condition(condition, job.failed),
            None => !job.failed,
        };
        if !runs {
            job.steps.push((id, None));
            continue;
        }
        if let Some(uses) = step["uses"].as_str() {
            assert_eq!(uses, "github/codeql-action/upload-sarif@v3");
            let with = string_map(step.get("with"), &context);
            job.uploads.push(with);
            job.steps.push((id, Some(true)));
            continue;
        }
        assert_eq!(
            step["shell"].as_str(),
            Some("bash"),
            "step {id}: a composite step names its shell"
        );
        let script = step["run"].as_str().expect("a step either runs or uses");
        let env = string_map(step.get("env"), &context);
        let script = context.expand(script);
        let (out, outputs) = runner.shell(index, &script, &env);
        let _ = write!(
            job.log,
            "--- {id}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        job.outputs.insert(id.clone(), outputs);
        job.steps.push((id, Some(out.status.success())));
        job.failed |= !out.status.success();
    }
    job.summary = std::fs::read_to_string(&runner.summary).unwrap();
    job
}

/// The runner's files and PATH for one job in `repo`.
struct Runner {
    repo: PathBuf,
    temp: PathBuf,
    files: PathBuf,
    github_path: PathBuf,
    summary: PathBuf,
    /// The runner's PATH, without the folder the tests' azfn lives in: azfn must come from
    /// the install step.
    system: Vec<PathBuf>,
}

impl Runner {
    fn new(repo: &Path) -> Self {
        let temp = repo.parent().unwrap().join("runner-temp");
        let files = repo.parent().unwrap().join("runner-files");
        std::fs::create_dir_all(&temp).unwrap();
        std::fs::create_dir_all(&files).unwrap();
        let github_path = files.join("path");
        let summary = files.join("summary.md");
        std::fs::write(&github_path, "").unwrap();
        std::fs::write(&summary, "").unwrap();
        let built = azfn_bin().parent().unwrap().to_path_buf();
        let system = std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .filter(|p| *p != built && !p.join("azfn").exists())
            .collect();
        Self {
            repo: repo.to_path_buf(),
            temp,
            files,
            github_path,
            summary,
            system,
        }
    }

    /// Runs step `index`'s script as GitHub runs a `shell: bash` step; its output and the
    /// outputs it wrote to `GITHUB_OUTPUT`.
    fn shell(
        &self,
        index: usize,
        script: &str,
        env: &BTreeMap<String, String>,
    ) -> (std::process::Output, BTreeMap<String, String>) {
        let output_file = self.files.join(format!("output-{index}"));
        std::fs::write(&output_file, "").unwrap();
        let added: Vec<PathBuf> = std::fs::read_to_string(&self.github_path)
            .unwrap()
            .lines()
            .rev()
            .map(PathBuf::from)
            .collect();
        let path = std::env::join_paths(added.iter().chain(&self.system)).unwrap();
        let script_file = self.files.join(format!("step-{index}.sh"));
        std::fs::write(&script_file, script).unwrap();
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(&self.repo)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.repo.parent().unwrap())
            .env("GITHUB_ACTION_PATH", workspace())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &self.github_path)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("RUNNER_TEMP", &self.temp)
            .envs(env)
            .output()
            .unwrap();
        let outputs = std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (out, outputs)
    }
}

/// A repository with the example app under `apps/orders`.
fn repository(name: &str) -> PathBuf {
    let repo = scratch(name).join("repo");
    orders_app(&repo.join("apps/orders"), "orders");
    repo
}

fn sarif(path: &str) -> serde_json::Value {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{path} is not valid SARIF 2.1.0: {errors:?}"
    );
    report
}

#[test]
fn a_clean_repository_passes_both_gates_and_uploads_two_empty_sarif_reports() {
    let repo = repository("action-clean");
    let bin = azfn_bin().display().to_string();
    let job = run_action(&repo, &[("binary", &bin), ("paths", "apps")]);
    assert!(!job.failed, "{}", job.log);
    assert_eq!(job.output("check", "exit"), "0", "{}", job.log);
    assert_eq!(job.output("parity", "exit"), "0", "{}", job.log);
    assert_eq!(job.uploads.len(), 2, "{}", job.log);
    for (upload, category) in job.uploads.iter().zip(["azfn-check", "azfn-parity"]) {
        assert_eq!(upload["category"], category);
        let report = sarif(&upload["sarif_file"]);
        assert_eq!(
            report["runs"][0]["results"],
            serde_json::json!([]),
            "{report}"
        );
    }
    assert!(job.log.contains("0 errors, 0 warnings"), "{}", job.log);
    assert!(
        job.log.contains("azfn parity: apps/orders/parity.yaml"),
        "{}",
        job.log
    );
    assert!(
        job.summary.contains("dev") && job.summary.contains("prod"),
        "the job summary has the parity report: {}",
        job.summary
    );
    assert_eq!(job.step("gate"), Some(true));
}

/// The release the action installs by default is this version.
#[test]
fn the_action_installs_this_version_by_default() {
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(workspace().join("action.yml")).unwrap())
            .unwrap();
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_failing_check_still_uploads_and_then_fails_the_job_unless_the_gate_only_reports() {
    let repo = repository("action-failing");
    let (key, line) = legacy_worker(&repo.join("apps/orders/overlays/prod"));
    let bin = azfn_bin().display().to_string();

    let job = run_action(&repo, &[("binary", &bin), ("paths", "apps")]);
    assert!(job.failed, "{}", job.log);
    assert_eq!(job.output("check", "exit"), "1", "{}", job.log);
    assert_eq!(
        job.step("check"),
        Some(true),
        "the check step records, the gate fails"
    );
    assert_eq!(job.step("gate"), Some(false));
    assert!(
        job.log.contains("::error::azfn check failed"),
        "{}",
        job.log
    );
    let report = sarif(&job.uploads[0]["sarif_file"]);
    let results = report["runs"][0]["results"].as_array().unwrap();
    let secret = results
        .iter()
        .find(|r| r["ruleId"] == "AZF001")
        .unwrap_or_else(|| panic!("{report}"));
    // On the line to edit, with the build as a related place.
    let location = &secret["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"], "apps/orders/overlays/prod/legacy-worker.yaml",
        "{secret}"
    );
    assert_eq!(location["region"]["startLine"], line, "{secret}");
    assert_eq!(
        secret["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "apps/orders/overlays/prod/kustomization.yaml",
        "{secret}"
    );
    assert!(
        secret["partialFingerprints"]["azfnFingerprint/v1"].is_string(),
        "{report}"
    );
    assert_not_echoed(&key, &[&job.log, &report.to_string()]);

    let job = run_action(
        &repo,
        &[
            ("binary", &bin),
            ("paths", "apps"),
            ("check", "report"),
            ("parity", "false"),
        ],
    );
    assert!(!job.failed, "{}", job.log);
    assert!(
        job.log.contains("::warning::azfn check found problems"),
        "{}",
        job.log
    );

    let job = run_action(
        &repo,
        &[
            ("binary", &bin),
            ("paths", "apps"),
            ("check", "false"),
            ("parity", "false"),
            ("upload-sarif", "false"),
        ],
    );
    assert!(!job.failed, "{}", job.log);
    assert_eq!(job.output("check", "exit"), "skipped");
    assert_eq!(job.output("parity", "exit"), "skipped");
    assert!(job.uploads.is_empty());
}

#[test]
fn drift_fails_the_parity_gate_and_unusable_input_fails_even_a_reporting_gate() {
    let repo = repository("action-drift");
    let patch = repo.join("apps/orders/overlays/prod/functionapp.yaml");
    let text = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(
        &patch,
        text.replacen("  settings:\n", "  settings:\n    ORDERS_EXTRA: \"1\"\n", 1),
    )
    .unwrap();
    let bin = azfn_bin().display().to_string();
    let job = run_action(
        &repo,
        &[
            ("binary", &bin),
            ("paths", "apps"),
            ("parity-policies", "apps/orders/parity.yaml"),
        ],
    );
    assert!(job.failed, "{}", job.log);
    assert_eq!(job.output("parity", "exit"), "1", "{}", job.log);
    assert!(
        job.log.contains("::error::azfn parity failed"),
        "{}",
        job.log
    );
    let report = sarif(&job.uploads[1]["sarif_file"]);
    assert!(report.to_string().contains("ORDERS_EXTRA"), "{report}");

    std::fs::write(
        repo.join("apps/orders/overlays/prod/kustomization.yaml"),
        "resources: [\n",
    )
    .unwrap();
    let job = run_action(
        &repo,
        &[
            ("binary", &bin),
            ("paths", "apps"),
            ("check", "report"),
            ("parity", "report"),
        ],
    );
    assert!(job.failed, "{}", job.log);
    assert_eq!(job.output("check", "exit"), "2", "{}", job.log);
    assert!(
        job.log
            .contains("::error::azfn check could not run (exit 2)"),
        "{}",
        job.log
    );
    let report = sarif(&job.uploads[0]["sarif_file"]);
    assert!(
        report.to_string().contains("kustomization.yaml"),
        "the report says why: {report}"
    );
}

/// The install step downloads the release asset `make image` writes to target/dist, from a
/// mirror (`release-url`), and refuses one whose SHA-256 is not the published one.
#[test]
fn the_install_step_verifies_the_release_it_downloads() {
    let version = env!("CARGO_PKG_VERSION");
    let asset = format!("azfn-{version}-x86_64-unknown-linux-musl");
    let dist = workspace().join("target/dist");
    assert!(
        dist.join(&asset).is_file(),
        "{} is missing: run `make image`",
        dist.join(&asset).display()
    );
    let root = scratch("action-release");
    let mirror = root.join("mirror");
    let folder = mirror.join(format!("v{version}"));
    std::fs::create_dir_all(&folder).unwrap();
    for file in [asset.clone(), format!("{asset}.sha256")] {
        std::fs::copy(dist.join(&file), folder.join(&file)).unwrap();
    }
    let repo = root.join("repo");
    orders_app(&repo.join("apps/orders"), "orders");
    let url = format!("file://{}", mirror.display());
    let job = run_action(
        &repo,
        &[
            ("release-url", &url),
            ("paths", "apps"),
            ("upload-sarif", "false"),
        ],
    );
    assert!(!job.failed, "{}", job.log);
    assert!(job.log.contains(&format!("azfn {version}")), "{}", job.log);
    assert_eq!(job.output("check", "exit"), "0", "{}", job.log);

    std::fs::write(
        folder.join(format!("{asset}.sha256")),
        format!("{}  {asset}\n", "0".repeat(64)),
    )
    .unwrap();
    let job = run_action(&repo, &[("release-url", &url), ("paths", "apps")]);
    assert!(job.failed);
    assert_eq!(job.step("install"), Some(false));
    assert!(job.log.contains("is not the published"), "{}", job.log);
    assert_eq!(
        job.step("check"),
        None,
        "nothing runs after a failed install: {}",
        job.log
    );
    assert!(job.uploads.is_empty());
}
