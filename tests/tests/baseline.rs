//! `azfn check --baseline`: manifests no one can fix today (the failure-modes folder stands in
//! for a vendor's manifests) are recorded once; unrelated edits keep passing, a new finding fails
//! on its own, a fixed one is reported as gone, and the file holds no secret.
use std::path::{Path, PathBuf};

use azfn_tests::{
    assert_not_echoed, command, copy_dir, fake_storage_key, fixture, run, scratch, text,
};

fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(
        command(azfn_tests::azfn_bin())
            .current_dir(dir)
            .arg("check")
            .args(args),
        b"",
    );
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

/// The vendor folder, with an inline storage key among its findings.
fn vendor(name: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    copy_dir(&fixture("check/failure-modes"), &dir.join("vendor"));
    let key = fake_storage_key();
    edit(&dir, "vendor/f04-host-id.yaml", |text| {
        text.replacen(
            "        - {name: AzureWebJobsStorage__accountName, value: stf04}\n",
            &format!("        - {{name: AzureWebJobsStorage__accountName, value: stf04}}\n        - {{name: LegacyStorage, value: 'DefaultEndpointsProtocol=https;AccountName=stf04;AccountKey={key};EndpointSuffix=core.windows.net'}}\n"),
            1,
        )
    });
    (dir, key)
}

fn edit(dir: &Path, file: &str, change: impl FnOnce(&str) -> String) {
    let path = dir.join(file);
    let before = std::fs::read_to_string(&path).unwrap();
    let after = change(&before);
    assert_ne!(before, after, "the edit of {file} changed nothing");
    std::fs::write(&path, after).unwrap();
}

const BASELINE: [&str; 3] = ["vendor", "--baseline", "azfn-baseline.json"];

#[test]
fn a_baseline_passes_unrelated_edits_and_fails_only_on_a_new_finding() {
    let (dir, key) = vendor("baseline");
    let (code, all, _) = check(&dir, &["vendor"]);
    assert_eq!(code, Some(1), "the vendor folder has findings: {all}");
    let errors = all.matches(": error: ").count();
    assert!(errors > 20, "{all}");

    // Record.
    let (code, stdout, stderr) = check(&dir, &[&BASELINE[..], &["--update-baseline"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("recorded ") && stderr.contains("in the baseline azfn-baseline.json"),
        "{stderr}"
    );
    let recorded = std::fs::read_to_string(dir.join("azfn-baseline.json")).unwrap();
    assert_not_echoed(&key, &[&recorded, &stderr]);
    assert!(recorded.contains("\"code\": \"AZF001\""), "{recorded}");
    assert!(
        recorded.contains("spec.template.spec.containers[name=func].env[name=LegacyStorage].value"),
        "fields are keyed by name, not position: {recorded}"
    );

    let (code, stdout, stderr) = check(&dir, &BASELINE);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("0 errors, 0 warnings"), "{stdout}");
    assert!(
        stderr.contains("in the baseline azfn-baseline.json not shown"),
        "{stderr}"
    );

    // Unrelated edits: a setting added above the inline key (its position moves), replicas, a
    // label, documents reordered in a file, and the file renamed.
    edit(&dir, "vendor/f04-host-id.yaml", |text| {
        text.replacen(
            "        - {name: FUNCTIONS_WORKER_RUNTIME, value: java}\n",
            "        - {name: FUNCTIONS_WORKER_RUNTIME, value: java}\n        - {name: LOG_LEVEL, value: debug}\n",
            1,
        )
        .replacen("spec:\n  template:", "spec:\n  replicas: 3\n  template:", 1)
        .replacen("  namespace: f04\n", "  namespace: f04\n  labels: {team: payments}\n", 1)
    });
    let text = std::fs::read_to_string(dir.join("vendor/f04-host-id.yaml")).unwrap();
    let mut documents: Vec<&str> = text.split("\n---\n").collect();
    documents.reverse();
    std::fs::write(
        dir.join("vendor/f04-host-id.yaml"),
        documents.join("\n---\n"),
    )
    .unwrap();
    std::fs::rename(
        dir.join("vendor/f22-public-load-balancer.yaml"),
        dir.join("vendor/public-service.yaml"),
    )
    .unwrap();
    let (code, stdout, stderr) = check(&dir, &BASELINE);
    assert_eq!(
        code,
        Some(0),
        "unrelated edits keep passing:\n{stdout}{stderr}"
    );
    assert!(!stderr.contains("no longer found"), "{stderr}");

    // A new finding: the same inline key pasted into another Deployment. Only it is shown.
    edit(&dir, "vendor/f15-no-resources.yaml", |text| {
        text.replacen(
            "        env:\n",
            &format!("        env:\n        - {{name: LegacyStorage, value: 'DefaultEndpointsProtocol=https;AccountName=stf15;AccountKey={key};EndpointSuffix=core.windows.net'}}\n"),
            1,
        )
    });
    let (code, stdout, stderr) = check(&dir, &BASELINE);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_not_echoed(&key, &[&stdout, &stderr]);
    assert_eq!(stdout.matches(": error: ").count(), 1, "{stdout}");
    assert!(stdout.contains("error: AZF001"), "{stdout}");
    assert!(stdout.contains("vendor/f15-no-resources.yaml"), "{stdout}");
    assert!(stdout.contains("1 error"), "{stdout}");

    // The same, as SARIF: one result.
    let (_, sarif, _) = check(&dir, &[&BASELINE[..], &["--format", "sarif"]].concat());
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        1,
        "{sarif}"
    );

    // A fixed finding is gone from the baseline's view, named on stderr.
    edit(
        &dir,
        "vendor/f22-public-load-balancer.yaml"
            .replace("f22-public-load-balancer", "public-service")
            .as_str(),
        |text| text.replace("type: LoadBalancer", "type: ClusterIP"),
    );
    let (_, _, stderr) = check(&dir, &BASELINE);
    assert!(
        stderr.contains("no longer found (run --update-baseline to drop them):\n  AZF014 Service/f22/f22-http spec.type"),
        "{stderr}"
    );
}

#[test]
fn a_missing_or_foreign_baseline_is_a_clear_error_and_update_needs_every_build() {
    let (dir, _) = vendor("baseline-errors");
    let (code, stdout, stderr) = check(&dir, &BASELINE);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(
            "cannot read the baseline azfn-baseline.json (record one with --update-baseline)"
        ),
        "{stderr}"
    );
    std::fs::write(dir.join("azfn-baseline.json"), "{\"version\": 1, \"findings\": [{\"fingerprint\": \"abc\", \"code\": \"AZF001\", \"resource\": \"x\"}]}").unwrap();
    let (code, _, stderr) = check(&dir, &BASELINE);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "azfn-baseline.json: findings[0].fingerprint: a fingerprint is 32 hexadecimal digits"
        ),
        "{stderr}"
    );

    // The baseline counts against the input limit, like every file azfn reads.
    let padding = " ".repeat(2 << 20);
    std::fs::write(
        dir.join("azfn-baseline.json"),
        format!("{{\"version\": 1, \"findings\": []{padding}}}"),
    )
    .unwrap();
    let (code, _, stderr) = check(&dir, &[&BASELINE[..], &["--max-input-mb", "1"]].concat());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("azfn-baseline.json: the files read exceed the input limit of 1 MiB"),
        "{stderr}"
    );

    let (code, _, stderr) = check(
        &dir,
        &[
            "--affected",
            "vendor/f04-host-id.yaml",
            "--baseline",
            "b.json",
            "--update-baseline",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--update-baseline") && stderr.contains("--affected"),
        "{stderr}"
    );
    let (code, _, stderr) = check(&dir, &["vendor", "--update-baseline"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--baseline"), "{stderr}");
}
