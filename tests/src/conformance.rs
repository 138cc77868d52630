//! kustomize's own test suite as data (`../shared/conformance/kustomize`, read in place): each
//! case built by azfn's renderer and compared byte for byte with kustomize v5.5.0's output, or
//! checked to fail as kustomize fails.
use std::collections::BTreeMap;
use std::path::PathBuf;

use azfn_core::overlay::{BuildOptions, Reorder};

/// Where the corpus lives beside the checkout.
pub fn corpus() -> PathBuf {
    crate::workspace().join("../shared/conformance/kustomize")
}

/// One case of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub expect_error: bool,
    pub in_scope: bool,
    pub version_dependent: bool,
    pub features: Vec<String>,
    pub dir: PathBuf,
}

impl Case {
    /// Scored: in scope and not version dependent.
    pub fn scored(&self) -> bool {
        self.in_scope && !self.version_dependent
    }
}

/// Every case listed in `index.tsv`.
pub fn cases() -> Vec<Case> {
    let root = corpus();
    let index = std::fs::read_to_string(root.join("index.tsv")).unwrap_or_else(|e| {
        panic!(
            "the conformance corpus is missing at {}: {e}",
            root.display()
        )
    });
    index
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Case {
                id: cols[0].to_owned(),
                expect_error: cols[1] == "error",
                in_scope: cols[2] == "yes",
                version_dependent: cols[3] == "yes",
                features: cols
                    .get(4)
                    .map(|f| {
                        f.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                dir: root.join("cases").join(cols[0]),
            }
        })
        .collect()
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Built, but the bytes differ (first differing line shown).
    WrongOutput(String),
    /// Failed where kustomize succeeds.
    UnexpectedError(String),
    /// Succeeded where kustomize fails.
    UnexpectedSuccess,
    /// Failed, but not with kustomize's error.
    WrongError(String),
}

/// A file of a case, which must be there: a case that cannot see its fixture fails.
fn fixture(case: &Case, name: &str) -> String {
    let path = case.dir.join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("conformance case {}: {}: {e}", case.id, path.display()))
}

/// The folder of a case `kustomize build` runs in, from its `case.json`.
fn run_dir(case: &Case) -> String {
    let meta: serde_json::Value = serde_json::from_str(&fixture(case, "case.json"))
        .unwrap_or_else(|e| panic!("conformance case {}: case.json: {e}", case.id));
    meta["run_dir"]
        .as_str()
        .unwrap_or_else(|| panic!("conformance case {}: case.json has no run_dir", case.id))
        .to_owned()
}

/// The order a case is built and compared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// As kustomize's own tests build (`--reorder none`): `expected.yaml`.
    Fifo,
    /// As a plain `kubectl kustomize` prints (legacy kind order): `expected-legacy.yaml`.
    Legacy,
}

impl Order {
    fn reorder(self) -> Reorder {
        match self {
            Order::Fifo => Reorder::None,
            Order::Legacy => Reorder::Legacy,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Order::Fifo => "conformance",
            Order::Legacy => "legacy order (kubectl kustomize's default)",
        }
    }
}

/// What kustomize printed for an output case in `order`. The corpus records the legacy order
/// only where `kubectl kustomize` printed something; a build of no resources prints nothing in
/// either order, so an empty `expected.yaml` stands for both.
fn expected_output(case: &Case, order: Order) -> String {
    match order {
        Order::Fifo => fixture(case, "expected.yaml"),
        Order::Legacy => {
            if case.dir.join("expected-legacy.yaml").exists() {
                return fixture(case, "expected-legacy.yaml");
            }
            let fifo = fixture(case, "expected.yaml");
            assert!(
                fifo.trim().is_empty(),
                "conformance case {}: expected-legacy.yaml is missing and expected.yaml is not empty",
                case.id
            );
            fifo
        }
    }
}

/// Builds one case in kustomize's test order and judges the result.
pub fn run(case: &Case) -> Outcome {
    run_in(case, Order::Fifo)
}

/// Builds one case in `order` and judges the result.
pub fn run_in(case: &Case, order: Order) -> Outcome {
    let run_dir = run_dir(case);
    let run_dir = run_dir.as_str();
    let source = crate::load_tree(&case.dir.join("files"));
    let options = BuildOptions {
        reorder: order.reorder(),
        ..azfn_core::function::build_options()
    };
    let built = azfn_core::overlay::build_yaml(&source, run_dir, &options);
    if case.expect_error {
        let matchers = fixture(case, "expected-error.txt");
        assert!(
            !matchers.trim().is_empty(),
            "conformance case {}: expected-error.txt holds no matcher",
            case.id
        );
        return match built {
            Ok(_) => Outcome::UnexpectedSuccess,
            Err(e) => {
                if error_matches(&matchers, &e.to_string()) {
                    Outcome::Pass
                } else {
                    Outcome::WrongError(e.to_string())
                }
            }
        };
    }
    let expected = expected_output(case, order);
    match built {
        Err(e) => Outcome::UnexpectedError(e.to_string()),
        Ok(actual) if actual == expected => Outcome::Pass,
        Ok(actual) => {
            let line = actual
                .lines()
                .zip(expected.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
            Outcome::WrongOutput(format!(
                "line {}: got {:?}, want {:?}",
                line + 1,
                actual.lines().nth(line).unwrap_or("<end>"),
                expected.lines().nth(line).unwrap_or("<end>")
            ))
        }
    }
}

/// Whether an error message satisfies the case's matchers: `contains` and `equals` lines must
/// hold; `any`, `predicate` and `regexp` lines accept any failure (they test Go error types).
fn error_matches(matchers: &str, message: &str) -> bool {
    matchers.lines().all(|line| {
        let Some((kind, json)) = line.split_once('\t') else {
            return true;
        };
        let wanted: String = serde_json::from_str(json).unwrap_or_default();
        match kind {
            "contains" => message.contains(&wanted),
            "equals" => message == wanted,
            _ => true,
        }
    })
}

/// The scored results, grouped for a report.
pub struct Report {
    pub order: Order,
    pub outputs_passed: usize,
    pub outputs_total: usize,
    pub errors_passed: usize,
    pub errors_total: usize,
    pub failures: Vec<(Case, Outcome)>,
    pub unsupported_out_of_scope: (usize, usize),
}

impl Report {
    pub fn passed(&self) -> usize {
        self.outputs_passed + self.errors_passed
    }

    pub fn total(&self) -> usize {
        self.outputs_total + self.errors_total
    }

    /// Human-readable: the score, then failures by feature.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: {}/{} scored cases pass ({}/{} outputs byte-identical, {}/{} error cases fail as kustomize does)",
            self.order.name(),
            self.passed(),
            self.total(),
            self.outputs_passed,
            self.outputs_total,
            self.errors_passed,
            self.errors_total
        );
        let _ = writeln!(
            out,
            "out of scope: {}/{} fail with azfn's \"not supported\" error or as kustomize does",
            self.unsupported_out_of_scope.0, self.unsupported_out_of_scope.1
        );
        let mut by_feature: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for (case, _) in &self.failures {
            let feature = case
                .features
                .first()
                .cloned()
                .unwrap_or_else(|| "(none)".into());
            by_feature.entry(feature).or_default().push(&case.id);
        }
        let _ = writeln!(out, "failures by first feature:");
        for (feature, ids) in &by_feature {
            let _ = writeln!(out, "  {feature}: {}", ids.len());
        }
        let _ = writeln!(out, "failures:");
        for (case, outcome) in &self.failures {
            let detail = match outcome {
                Outcome::Pass => String::new(),
                Outcome::WrongOutput(d) => format!("output differs, {d}"),
                Outcome::UnexpectedError(e) => format!("failed: {e}"),
                Outcome::UnexpectedSuccess => "succeeded where kustomize fails".into(),
                Outcome::WrongError(e) => format!("failed differently: {e}"),
            };
            let detail: String = detail.chars().take(400).collect();
            let _ = writeln!(out, "  {} [{}]: {detail}", case.id, case.features.join(","));
        }
        out
    }
}

/// Runs every case in kustomize's test order.
pub fn score() -> Report {
    score_in(Order::Fifo)
}

/// Runs every case in `order`.
pub fn score_in(order: Order) -> Report {
    let mut report = Report {
        order,
        outputs_passed: 0,
        outputs_total: 0,
        errors_passed: 0,
        errors_total: 0,
        failures: Vec::new(),
        unsupported_out_of_scope: (0, 0),
    };
    for case in cases() {
        if !case.scored() {
            if !case.in_scope {
                report.unsupported_out_of_scope.1 += 1;
                if refused_or_matching(&case) {
                    report.unsupported_out_of_scope.0 += 1;
                }
            }
            continue;
        }
        let outcome = run_in(&case, order);
        let pass = outcome == Outcome::Pass;
        if case.expect_error {
            report.errors_total += 1;
            report.errors_passed += usize::from(pass);
        } else {
            report.outputs_total += 1;
            report.outputs_passed += usize::from(pass);
        }
        if !pass {
            report.failures.push((case, outcome));
        }
    }
    report
}

/// For an out-of-scope case: whether azfn refuses it clearly (not supported) or matches.
fn refused_or_matching(case: &Case) -> bool {
    match run(case) {
        Outcome::Pass => true,
        Outcome::UnexpectedError(e) | Outcome::WrongError(e) => {
            e.contains("not supported by azfn build")
        }
        _ => false,
    }
}

/// Out-of-scope cases azfn neither matches nor refuses by name (for `make conformance`).
pub fn unrefused_out_of_scope() -> Vec<(String, String)> {
    cases()
        .into_iter()
        .filter(|c| !c.in_scope)
        .filter_map(|c| match run(&c) {
            Outcome::Pass => None,
            Outcome::UnexpectedError(e) | Outcome::WrongError(e)
                if e.contains("not supported by azfn build") =>
            {
                None
            }
            other => Some((
                c.id.clone(),
                format!("[{}] {other:?}", c.features.join(",")),
            )),
        })
        .collect()
}
