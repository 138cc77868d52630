//! make bench, repository: a repository of 200 apps x 3 environments (the example app, renamed
//! per app: a base, dev, test and prod overlays and a ParityPolicy each), as the CI
//! integrations meet it: `azfn check` of everything (SARIF, as the GitHub Action runs it),
//! `azfn parity` of every policy, and the gated render Flux users push (`azfn build --out`).
//! The budget: the check well under a minute on this machine.
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use azfn_tests::bench::{ms, timed};

const APPS: usize = 200;
const BUDGET: Duration = Duration::from_mins(1);

fn main() {
    let root = azfn_tests::workspace().join("target/bench-repo");
    let _ = std::fs::remove_dir_all(&root);
    for i in 0..APPS {
        azfn_tests::orders_app(&root.join(format!("apps/app{i:03}")), &format!("app{i:03}"));
    }
    let bin = azfn_tests::azfn_bin();
    let run = |args: &'static [&'static str]| {
        let bin = bin.clone();
        let root = root.clone();
        move || {
            let mut c = Command::new(&bin);
            c.current_dir(&root).args(args);
            c
        }
    };
    let (check, sarif) = timed(3, run(&["check", "apps", "--format", "sarif"]));
    let report: serde_json::Value = serde_json::from_slice(&sarif).expect("SARIF on stdout");
    assert_eq!(
        report["runs"][0]["results"],
        serde_json::json!([]),
        "the generated repository is clean"
    );
    let (parity, _) = timed(
        3,
        run(&["parity", "--affected", "apps", "--format", "sarif"]),
    );
    let (render, _) = timed(3, run(&["build", "--out", "rendered", "apps"]));
    let mut out = format!(
        "\n## A repository: {APPS} apps x 3 environments (budget: the check in well under {} s)\n\n\
         Each app is the example (a FunctionApp base, dev, test and prod overlays with azfn's \
         transformer, a ParityPolicy); {} kustomizations in all. Whole processes, median of 3.\n\n\
         | command | time | per app | budget |\n|---|---|---|---|\n",
        BUDGET.as_secs(),
        APPS * 4
    );
    for (name, time) in [
        (
            "`azfn check apps --format sarif` (every build, as the GitHub Action runs it)",
            check,
        ),
        (
            "`azfn parity --affected apps --format sarif` (every policy)",
            parity,
        ),
        (
            "`azfn build --out rendered apps` (gated render for Flux)",
            render,
        ),
    ] {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {:.0}% of {} s |",
            ms(time),
            ms(time / u32::try_from(APPS).unwrap()),
            100.0 * time.as_secs_f64() / BUDGET.as_secs_f64(),
            BUDGET.as_secs()
        );
    }
    print!("{out}");
    azfn_tests::bench::append_report(&out);
    assert!(
        check < BUDGET,
        "azfn check of {APPS} apps took {}, over the {} s budget",
        ms(check),
        BUDGET.as_secs()
    );
}
