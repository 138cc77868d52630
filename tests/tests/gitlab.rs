//! The GitLab CI recipe (`examples/ci/gitlab-ci.yml`): its `script:` run as GitLab's shell
//! executor runs it (one bash session, `-eo pipefail`, the job's `variables:`), and each report
//! it keeps checked for what GitLab reads: the code-quality fields and the JUnit XML.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use azfn_tests::{
    assert_not_echoed, command, legacy_worker, orders_app, run, scratch, text, workspace,
};
use serde_json::Value as Json;
use serde_yaml::Value;

fn recipe() -> Value {
    let path = workspace().join("examples/ci/gitlab-ci.yml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Runs the job's script in `repo`; returns its exit code and output.
fn job(repo: &Path) -> (Option<i32>, String) {
    let recipe = recipe();
    let job = &recipe["azfn"];
    let lines: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let mut cmd = command("bash");
    cmd.args([
        "--noprofile",
        "--norc",
        "-eo",
        "pipefail",
        "-c",
        &lines.join("\n"),
    ])
    .current_dir(repo);
    for (key, value) in job["variables"].as_mapping().unwrap() {
        cmd.env(key.as_str().unwrap(), value.as_str().unwrap());
    }
    let out = run(&mut cmd, b"");
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout + &stderr)
}

/// The report files the job keeps, as GitLab would collect them.
fn reports(kind: &str) -> Vec<String> {
    recipe()["azfn"]["artifacts"]["reports"][kind]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

/// Every issue has the fields GitLab reads, with their types; fingerprints are unique; paths
/// are files of the repository.
fn code_quality(repo: &Path, file: &str) -> Vec<Json> {
    let text = std::fs::read_to_string(repo.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let issues: Vec<Json> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}\n{text}"));
    let mut fingerprints = BTreeSet::new();
    for issue in &issues {
        assert!(
            issue["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{issue}"
        );
        assert!(
            issue["check_name"].as_str().is_some_and(|c| !c.is_empty()),
            "{issue}"
        );
        let fingerprint = issue["fingerprint"].as_str().unwrap();
        assert!(
            fingerprints.insert(fingerprint.to_owned()),
            "a fingerprint is unique: {fingerprint}"
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap()),
            "{issue}"
        );
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(
            !path.starts_with('/') && repo.join(path).is_file(),
            "location.path is a file of the repository: {path}"
        );
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{issue}"
        );
    }
    issues
}

fn junit(repo: &Path, file: &str) -> String {
    let text = std::fs::read_to_string(repo.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites"),
        "{text}"
    );
    assert_eq!(
        text.matches("<testsuite ").count(),
        text.matches("</testsuite>").count(),
        "{text}"
    );
    text
}

fn repository(name: &str) -> PathBuf {
    let repo = scratch(name).join("repo");
    orders_app(&repo.join("apps/orders"), "orders");
    repo
}

#[test]
fn a_clean_repository_passes_with_empty_reports() {
    let repo = repository("gitlab-clean");
    let (code, log) = job(&repo);
    assert_eq!(code, Some(0), "{log}");
    for file in reports("codequality") {
        assert!(code_quality(&repo, &file).is_empty(), "{file}");
    }
    for file in reports("junit") {
        assert!(junit(&repo, &file).contains("failures=\"0\""), "{file}");
    }
}

#[test]
fn findings_and_drift_fail_the_job_and_land_on_the_lines_to_edit() {
    let repo = repository("gitlab-failing");
    let prod = repo.join("apps/orders/overlays/prod");
    let (key, line) = legacy_worker(&prod);
    let patch = prod.join("functionapp.yaml");
    let text = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(
        &patch,
        text.replacen("  settings:\n", "  settings:\n    ORDERS_EXTRA: \"1\"\n", 1),
    )
    .unwrap();
    let (code, log) = job(&repo);
    assert_eq!(code, Some(1), "{log}");
    let [check, parity] = reports("codequality").try_into().unwrap();
    let issues = code_quality(&repo, &check);
    let secret = issues
        .iter()
        .find(|i| i["check_name"] == "AZF001")
        .unwrap_or_else(|| panic!("{issues:?}"));
    assert_eq!(
        secret["location"]["path"], "apps/orders/overlays/prod/legacy-worker.yaml",
        "{secret}"
    );
    assert_eq!(
        secret["location"]["lines"]["begin"], line,
        "the setting's line: {secret}"
    );
    assert_eq!(secret["severity"], "major");
    let drift = code_quality(&repo, &parity);
    assert!(
        drift
            .iter()
            .any(|i| i["description"].as_str().unwrap().contains("ORDERS_EXTRA")),
        "{drift:?}"
    );
    let all = std::fs::read_to_string(repo.join(&check)).unwrap()
        + &std::fs::read_to_string(repo.join(&parity)).unwrap();
    assert_not_echoed(&key, &[&all, &log]);
    let [check_junit, _] = reports("junit").try_into().unwrap();
    assert!(junit(&repo, &check_junit).contains("AZF001"));
}
