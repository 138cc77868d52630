//! `azfn policy test DIR`: the `test_*` rules of the folder's `*_test.rego` files, run as
//! `opa test` runs them, with the policies beside them.
use std::path::Path;
use std::process::ExitCode;

use azfn_core::rego::{self, PolicyFile, test::Outcome};

use crate::runner::{EXIT_FINDINGS, EXIT_INPUT};

/// Runs the tests and prints one line per test and a count; exit 1 when one fails, 2 when
/// the folder cannot be used.
pub(crate) fn run(dir: &Path) -> ExitCode {
    let shown = dir.display().to_string();
    let files = match crate::policy_files::read_folder(dir, &shown) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("azfn: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let files: Vec<PolicyFile> = files
        .into_iter()
        .map(|(path, text)| PolicyFile { path, text })
        .collect();
    let results = match rego::test::run(&files, rego::DEFAULT_STEPS) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("azfn: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let mut failed = 0;
    for result in &results {
        let (word, detail) = match &result.outcome {
            Outcome::Passed => ("PASS", String::new()),
            Outcome::Failed => ("FAIL", String::new()),
            Outcome::Error(e) => ("ERROR", format!(": {e}")),
        };
        if result.outcome != Outcome::Passed {
            failed += 1;
        }
        println!("{word:<5} {} ({}){detail}", result.name, result.file);
    }
    let total = results.len();
    println!("{}/{total} passed", total - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FINDINGS)
    }
}
