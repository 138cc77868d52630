//! `azfn check` end to end: the failure-mode corpus (F1–F26 of the research, one file each)
//! reports exactly the expected findings with their lines; clean manifests and the rendered
//! example report nothing; SARIF validates against the SARIF 2.1.0 schema; suppressions need a
//! reason and strict mode refuses them.
use azfn_tests::{azfn_bin, command, copy_dir, fixture, run, scratch, text, workspace};
use serde_json::Value;

fn check(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let out = run(command(azfn_bin()).arg("check").args(args), stdin);
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

/// `file:line CODE Kind/namespace/name field`, one line per finding, sorted.
fn lines(json: &str, root: &str) -> String {
    let doc: Value = serde_json::from_str(json).expect("JSON report");
    let mut out: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let r = &f["resource"];
            format!(
                "{}:{} {} {}/{}/{} {}",
                f["file"].as_str().unwrap().trim_start_matches(root),
                f["line"],
                f["code"].as_str().unwrap(),
                r["kind"].as_str().unwrap(),
                r["namespace"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap(),
                f["field"].as_str().unwrap_or("")
            )
        })
        .collect();
    out.sort();
    out.join("\n") + "\n"
}

#[test]
fn the_failure_mode_corpus_reports_exactly_what_is_expected() {
    let dir = fixture("check/failure-modes");
    let root = format!("{}/", dir.display());
    let (code, stdout, stderr) = check(&["--format", "json", dir.to_str().unwrap()], b"");
    assert_eq!(code, Some(1), "{stderr}");
    let actual = lines(&stdout, &root);
    let expected_path = dir.join(".expected/findings.txt");
    if std::env::var_os("AZFN_BLESS").is_some() {
        std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_eq!(
        actual, expected,
        "azfn check reported something else than the corpus expects"
    );
    // Every rule (AZF000 has its own test below) is shown failing by some corpus file.
    for code in azfn_core::policy::codes().into_iter().skip(1) {
        assert!(
            expected.contains(&format!(" {code} ")),
            "no corpus file shows {code} failing"
        );
    }
}

#[test]
fn clean_manifests_and_the_rendered_example_report_nothing() {
    let (code, stdout, _) = check(&[fixture("check/clean").to_str().unwrap()], b"");
    assert_eq!(code, Some(0));
    assert_eq!(stdout, "azfn: 0 errors, 0 warnings, 0 infos in 2 files\n");
    let plugins = azfn_tests::install_plugin(&scratch("check-example"));
    for overlay in ["dev", "test", "prod", "prod-eu"] {
        let built = run(
            command("kubectl")
                .args(["kustomize", "--enable-alpha-plugins"])
                .arg(workspace().join("examples/orders/overlays").join(overlay))
                .env("KUSTOMIZE_PLUGIN_HOME", &plugins),
            b"",
        );
        assert!(built.status.success(), "{}", text(&built).1);
        let (code, stdout, stderr) = check(&["-"], &built.stdout);
        assert_eq!(code, Some(0), "{overlay}: {stdout}{stderr}");
        assert!(
            stdout.ends_with("azfn: 0 errors, 0 warnings, 0 infos in 1 file\n"),
            "{overlay}: {stdout}"
        );
    }
}

#[test]
fn text_reports_group_by_file_with_lines() {
    let file = fixture("check/failure-modes/f04-host-id.yaml");
    let (code, stdout, _) = check(&["--color", "never", file.to_str().unwrap()], b"");
    assert_eq!(code, Some(1));
    let name = file.display().to_string();
    assert!(
        stdout.starts_with(&format!(
            "{name}\n  {name}:13: error: AZF006 host-id: Deployment/f04/f04-missing"
        )),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("azfn: 3 errors, 0 warnings, 0 infos in 1 file\n"),
        "{stdout}"
    );
    let (_, colored, _) = check(&["--color", "always", file.to_str().unwrap()], b"");
    assert!(colored.contains("\x1b[1;31merror\x1b[0m"));
}

/// stdout holds the report in the format asked for and nothing else, clean or failing; a clean
/// SARIF report is `results: []` and valid against the schema.
#[test]
fn stdout_holds_only_the_report_in_every_format() {
    let validator =
        jsonschema::validator_for(&azfn_tests::sarif_schema()).expect("the SARIF schema compiles");
    let clean = workspace().join("examples/orders/overlays/prod");
    let failing = fixture("check/failure-modes/f22-public-load-balancer.yaml");
    for (path, expected) in [(&clean, Some(0)), (&failing, Some(0))] {
        let path = path.to_str().unwrap();
        for format in ["json", "sarif", "gitlab"] {
            let (code, stdout, stderr) = check(&["--format", format, path], b"");
            assert_eq!(code, expected, "{format} {path}: {stderr}");
            let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
                panic!("{format}: stdout is not one JSON document: {e}\n{stdout}")
            });
            if format == "sarif" {
                let problems: Vec<String> = validator
                    .iter_errors(&report)
                    .map(|e| e.to_string())
                    .collect();
                assert!(problems.is_empty(), "{problems:?}");
                if path.ends_with("prod") {
                    assert_eq!(report["runs"][0]["results"], serde_json::json!([]));
                }
            }
        }
        let (_, junit, _) = check(&["--format", "junit", path], b"");
        assert!(
            junit.starts_with("<?xml") && junit.trim_end().ends_with("</testsuites>"),
            "{junit}"
        );
    }
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let validator =
        jsonschema::validator_for(&azfn_tests::sarif_schema()).expect("the SARIF schema compiles");
    let (code, stdout, stderr) = check(
        &[
            "--format",
            "sarif",
            fixture("check/failure-modes").to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, Some(1), "{stderr}");
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "azfn");
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "AZF001");
    assert_eq!(
        run["tool"]["driver"]["rules"]
            [usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap()]["id"],
        "AZF001"
    );
    assert!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .is_some()
    );
}

#[test]
fn junit_counts_errors_as_failures() {
    let dir = fixture("check/failure-modes");
    let (_, json, _) = check(&["--format", "json", dir.to_str().unwrap()], b"");
    let findings = serde_json::from_str::<Value>(&json).unwrap()["findings"]
        .as_array()
        .unwrap()
        .clone();
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert!(
        errors > 20 && errors < findings.len(),
        "the corpus has errors and warnings"
    );
    let (code, stdout, _) = check(&["--format", "junit", dir.to_str().unwrap()], b"");
    assert_eq!(code, Some(1));
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"azfn\" tests=\"{}\" failures=\"{errors}\">",
        findings.len()
    );
    assert!(stdout.starts_with(&head), "{stdout}");
    assert_eq!(stdout.matches("<failure ").count(), errors);
}

fn annotate(value: &str) -> std::path::PathBuf {
    let dir = scratch("check-suppress");
    copy_dir(&fixture("check/failure-modes"), &dir);
    let path = dir.join("f22-public-load-balancer.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "  namespace: f22\n",
        &format!("  namespace: f22\n  annotations:\n    azfn.dev/ignore: \"{value}\"\n"),
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn suppressions_need_a_reason_stay_visible_and_strict_mode_refuses_them() {
    let with_reason = annotate("AZF014: the public API is fronted by Front Door");
    let (code, stdout, _) = check(&[with_reason.to_str().unwrap()], b"");
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(": info: AZF014 public-load-balancer: Service/f22/f22-http spec.type\n      suppressed (the public API is fronted by Front Door): Service f22-http is a public load balancer"), "{stdout}");

    let without = annotate("AZF014");
    let (code, stdout, _) = check(&[without.to_str().unwrap()], b"");
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("error: AZF000 suppression: Service/f22/f22-http metadata.annotations[\"azfn.dev/ignore\"]\n      suppresses AZF014 without a reason"), "{stdout}");

    let unknown = annotate("AZF999: because");
    let (code, stdout, _) = check(&[unknown.to_str().unwrap()], b"");
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("suppresses `AZF999`, which is not a rule code"),
        "{stdout}"
    );

    let strict = with_reason.parent().unwrap().join("strict.yaml");
    std::fs::write(&strict, "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata: {name: azfn}\nspec:\n  strict: true\n").unwrap();
    let (code, stdout, _) = check(
        &[
            "--config",
            strict.to_str().unwrap(),
            with_reason.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, Some(0), "a warning stays a warning: {stdout}");
    assert!(
        stdout.contains("warning: AZF014") && stdout.contains("strict mode refuses suppressions"),
        "{stdout}"
    );
}

/// Manifests that cannot be annotated (upstream, generated) are suppressed from the config, by
/// rule and resource with a reason; the finding stays visible, and strict mode refuses it.
#[test]
fn config_suppressions_accept_a_rule_on_one_resource_and_strict_mode_refuses_them() {
    let dir = scratch("check-config-suppress");
    copy_dir(&fixture("check/failure-modes"), &dir);
    let manifest = dir.join("f22-public-load-balancer.yaml");
    let config = |extra: &str, namespace: &str| {
        let path = dir.join("azfn.yaml");
        std::fs::write(
            &path,
            format!("apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata: {{name: azfn}}\nspec:\n{extra}  suppressions:\n  - rule: AZF014\n    resource: {{kind: Service, name: f22-http{namespace}}}\n    reason: the vendor's chart exposes it; Front Door fronts it\n"),
        )
        .unwrap();
        path
    };
    let args = |config: &std::path::Path| {
        vec![
            "--config".to_owned(),
            config.display().to_string(),
            manifest.display().to_string(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&args, b"")
    };

    let (code, stdout, _) = run(args(&config("", "")));
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains(": info: AZF014 public-load-balancer: Service/f22/f22-http spec.type\n      suppressed (by the config: the vendor's chart exposes it; Front Door fronts it): Service f22-http is a public load balancer"), "{stdout}");

    // Another namespace is another resource.
    let (_, stdout, _) = run(args(&config("", ", namespace: other")));
    assert!(stdout.contains(": warning: AZF014"), "{stdout}");
    assert!(!stdout.contains("suppressed"), "{stdout}");

    let (code, stdout, _) = run(args(&config("  strict: true\n", "")));
    assert_eq!(code, Some(0), "a warning stays a warning: {stdout}");
    assert!(
        stdout.contains("warning: AZF014") && stdout.contains("strict mode refuses suppressions"),
        "{stdout}"
    );

    std::fs::write(dir.join("azfn.yaml"), "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nspec:\n  suppressions:\n  - {rule: AZF014, resource: {kind: Service, name: f22-http}}\n").unwrap();
    let (code, _, stderr) = run(args(&dir.join("azfn.yaml")));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("functionConfig.spec.suppressions[0].reason"),
        "{stderr}"
    );
}

#[test]
fn unusable_input_is_exit_2_with_file_and_line() {
    let dir = scratch("check-bad");
    std::fs::write(dir.join("bad.yaml"), "apiVersion: v1\nkind: [\n").unwrap();
    let (code, stdout, stderr) = check(&[dir.join("bad.yaml").to_str().unwrap()], b"");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&format!(
            "{}:3:1: not valid YAML",
            dir.join("bad.yaml").display()
        )),
        "{stderr}"
    );
    // A kustomization folder is built first (azfn's renderer, its transformer in-process); a
    // build that fails is unusable input.
    let (code, stdout, stderr) = check(
        &[workspace()
            .join("examples/orders/overlays/prod")
            .to_str()
            .unwrap()],
        b"",
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.ends_with("azfn: 0 errors, 0 warnings, 0 infos in 1 file\n"),
        "{stdout}"
    );
    let (code, _, stderr) = check(
        &[workspace()
            .join("examples/orders/overlays")
            .to_str()
            .unwrap()],
        b"",
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("overlays/broken: cannot build the kustomization:")
            && stderr.contains("AZF001 inline-secret"),
        "{stderr}"
    );
}

/// Input that cannot be checked is a diagnostic in the machine formats (exit 2, the error on
/// stderr too): SARIF that validates, JSON and JUnit naming the file and line, so a pipeline's
/// upload shows why instead of nothing.
#[test]
fn input_errors_are_reported_in_sarif_json_and_junit() {
    let validator =
        jsonschema::validator_for(&azfn_tests::sarif_schema()).expect("the SARIF schema compiles");
    let dir = scratch("check-input-error");
    let file = dir.join("broken.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: [unclosed\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let (code, stdout, stderr) = check(&["--format", "sarif", path], b"");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not valid YAML"), "{stderr}");
    let sarif: Value = serde_json::from_str(&stdout).expect("SARIF on stdout");
    let problems: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "AZF900");
    assert_eq!(result["level"], "error");
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], path);
    assert!(
        physical["region"]["startLine"]
            .as_u64()
            .is_some_and(|l| l >= 5),
        "{physical}"
    );

    let (code, stdout, _) = check(&["--format", "json", path], b"");
    assert_eq!(code, Some(2));
    let json: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "AZF900");
    assert_eq!(finding["rule"], "invalid-input");
    assert_eq!(finding["file"], path);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("not valid YAML")
    );

    let (code, stdout, _) = check(&["--format", "junit", path], b"");
    assert_eq!(code, Some(2));
    assert!(stdout.contains("<failure message="), "{stdout}");
    assert!(stdout.contains("type=\"AZF900\""), "{stdout}");

    // People get the error alone, as before.
    let (code, stdout, stderr) = check(&[path], b"");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("azfn: "), "{stderr}");
}
