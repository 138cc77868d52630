//! Pathological input, answered in under a second with a clear error (or a correct result) and
//! nothing partial on stdout, by the CLI (`azfn check`, `azfn build`) and the KRM module in the
//! sandbox (`azfn`). The browser module gets the same cases in web/tests/pathological.test.mjs.
#![allow(
    clippy::format_push_string,
    clippy::format_collect,
    reason = "test inputs are built as text"
)]

use std::time::{Duration, Instant};

use azfn_tests::{azfn_bin, command, run, scratch, text};

const LIST_HEAD: &str = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n";

/// (name, a YAML stream, what the error says; None when a correct result is the answer).
fn cases() -> Vec<(&'static str, String, Option<&'static str>)> {
    let flow = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: {}",
        "[".repeat(100_000)
    );
    let block = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  k:\n  {}x\n",
        "- ".repeat(10_000)
    );
    let mut laughs = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, prev) in [
        ("b", "a"),
        ("c", "b"),
        ("d", "c"),
        ("e", "d"),
        ("f", "e"),
        ("g", "f"),
        ("h", "g"),
        ("i", "h"),
    ] {
        laughs.push_str(&format!(
            "  {name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    let mut colliding =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n");
    for _ in 0..10_000 {
        colliding.push_str("  k: v\n");
    }
    let mut distinct =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n");
    for i in 0..10_000 {
        distinct.push_str(&format!("  k{i}: v\n"));
    }
    vec![
        (
            "flow nesting 100,000 deep",
            flow,
            Some("flow collections nested deeper than 128 levels"),
        ),
        (
            "block nesting 10,000 deep",
            block,
            Some("recursion limit exceeded"),
        ),
        ("an alias bomb", laughs, Some("repetition limit exceeded")),
        (
            "10,000 colliding keys",
            colliding,
            Some("duplicate entry with key \"k\""),
        ),
        ("10,000 distinct keys", distinct, None),
    ]
}

/// The stream as a ResourceList's items.
fn as_list(stream: &str) -> String {
    let item: String = stream.lines().map(|l| format!("  {l}\n")).collect();
    format!("{LIST_HEAD}-{}", &item[1..])
}

fn timed(what: &str, out: impl FnOnce() -> std::process::Output) -> std::process::Output {
    let started = Instant::now();
    let out = out();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "{what}: took {took:?}");
    out
}

#[test]
fn each_case_is_answered_quickly_by_the_cli_and_the_krm_module() {
    // The binary and its module cache are warm before timing starts.
    let warm = run(
        &mut command(azfn_bin()),
        b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
    );
    assert!(warm.status.success(), "{}", text(&warm).1);
    let dir = scratch("pathological");
    for (name, stream, error) in cases() {
        let file = dir.join("case.yaml");
        std::fs::write(&file, &stream).unwrap();
        let cli = timed(name, || {
            run(
                command(azfn_bin())
                    .args(["check", "--format", "json"])
                    .arg(&file),
                b"",
            )
        });
        let krm = timed(name, || {
            run(&mut command(azfn_bin()), as_list(&stream).as_bytes())
        });
        for (runtime, out) in [("azfn check", &cli), ("KRM module", &krm)] {
            let (stdout, stderr) = text(out);
            match error {
                Some(message) => {
                    assert_eq!(out.status.code(), Some(2), "{runtime}, {name}: {stderr}");
                    if runtime == "azfn check" {
                        // A report tools can read: the one input-error diagnostic, never a
                        // partial list of findings.
                        let report: serde_json::Value = serde_json::from_str(&stdout)
                            .unwrap_or_else(|e| {
                                panic!("{name}: not a JSON report ({e}): {stdout}")
                            });
                        let findings = report["findings"].as_array().expect("findings");
                        assert_eq!(findings.len(), 1, "{name}: {stdout}");
                        assert_eq!(findings[0]["code"], "AZF900", "{name}: {stdout}");
                        assert!(
                            findings[0]["message"]
                                .as_str()
                                .is_some_and(|m| m.contains(message)),
                            "{name}: {stdout}"
                        );
                    } else {
                        assert!(stdout.is_empty(), "{runtime}, {name}: partial output");
                    }
                    assert!(stderr.contains(message), "{runtime}, {name}: {stderr}");
                    assert!(stderr.lines().count() <= 2, "{runtime}, {name}: {stderr}");
                }
                None => assert!(out.status.success(), "{runtime}, {name}: {stderr}"),
            }
        }
    }
}

/// `azfn explain` builds the same files recording provenance, and reads each file a second
/// time for its lines: the same cases, as a kustomization's resource, get the same answers.
#[test]
fn each_case_is_answered_quickly_by_azfn_explain() {
    let dir = scratch("pathological-explain");
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- case.yaml\n").unwrap();
    for (name, stream, error) in cases() {
        std::fs::write(dir.join("case.yaml"), &stream).unwrap();
        let out = timed(name, || {
            run(
                command(azfn_bin())
                    .arg("explain")
                    .arg(&dir)
                    .arg("ConfigMap/keys:data.k9999"),
                b"",
            )
        });
        let (stdout, stderr) = text(&out);
        if let Some(message) = error {
            assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
            assert!(stdout.is_empty(), "{name}: partial output");
            assert!(stderr.contains(message), "{name}: {stderr}");
        } else {
            assert!(out.status.success(), "{name}: {stderr}");
            assert!(stdout.contains("data.k9999: \"v\""), "{name}: {stdout}");
            assert!(
                stdout.contains("case.yaml:10005  resource"),
                "{name}: {stdout}"
            );
        }
    }
}

#[test]
fn a_50_mb_input_is_refused_at_once_by_every_path() {
    let mut big = String::with_capacity(52 << 20);
    let mut i = 0;
    while big.len() < 50_000_000 {
        big.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  k: {}\n",
            "x".repeat(400)
        ));
        i += 1;
    }
    let dir = scratch("pathological-50mb");
    std::fs::write(dir.join("big.yaml"), &big).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- big.yaml\n").unwrap();
    let list = format!(
        "{LIST_HEAD}{}",
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n".repeat(50_000_000 / 58)
    );
    let runs = [
        (
            "azfn check",
            timed("check", || {
                run(
                    command(azfn_bin()).arg("check").arg(dir.join("big.yaml")),
                    b"",
                )
            }),
            "exceed the input limit of 32 MiB (raise it with --max-input-mb)",
        ),
        (
            "azfn build",
            timed("build", || {
                run(command(azfn_bin()).arg("build").arg(&dir), b"")
            }),
            "exceed the input limit of 32 MiB (raise it with --max-input-mb)",
        ),
        (
            "azfn explain",
            timed("explain", || {
                run(
                    command(azfn_bin())
                        .arg("explain")
                        .arg(&dir)
                        .arg("ConfigMap/c0"),
                    b"",
                )
            }),
            "exceed the input limit of 32 MiB (raise it with --max-input-mb)",
        ),
        (
            "KRM module",
            timed("krm", || run(&mut command(azfn_bin()), list.as_bytes())),
            "input is larger than the limit of 32 MiB (raise it with --max-input-mb)",
        ),
    ];
    for (runtime, out, message) in runs {
        let (stdout, stderr) = text(&out);
        assert!(!out.status.success(), "{runtime}");
        assert!(stdout.is_empty(), "{runtime}: partial output");
        assert!(stderr.contains(message), "{runtime}: {stderr}");
    }
}

#[test]
fn a_patch_that_doubles_a_document_is_refused() {
    let dir = scratch("pathological-doubling");
    std::fs::write(
        dir.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n",
    )
    .unwrap();
    let mut ops = String::from("- op: add\n  path: /x\n  value: {a: [1, 2, 3, 4, 5, 6, 7, 8]}\n");
    for i in 0..64 {
        ops.push_str(&format!("- op: copy\n  from: /x\n  path: /x/c{i}\n"));
    }
    // d(i) = [d(i-1), d(i-1)]: each step doubles.
    let mut doubling = String::from("- op: add\n  path: /d0\n  value: [1, 2]\n");
    for i in 1..64 {
        let prev = i - 1;
        doubling.push_str(&format!("- op: add\n  path: /d{i}\n  value: []\n- op: copy\n  from: /d{prev}\n  path: /d{i}/-\n- op: copy\n  from: /d{prev}\n  path: /d{i}/-\n"));
    }
    for (name, patch) in [("self-copy", ops), ("doubling", doubling)] {
        let indented: String = patch.lines().map(|l| format!("    {l}\n")).collect();
        std::fs::write(
            dir.join("kustomization.yaml"),
            format!("resources:\n- cm.yaml\npatches:\n- target: {{kind: ConfigMap}}\n  patch: |-\n{indented}"),
        )
        .unwrap();
        // `azfn explain` records provenance for every value a step changes: still refused.
        for command_line in [vec!["build"], vec!["explain", "ConfigMap/c"]] {
            let out = timed(name, || {
                run(
                    command(azfn_bin())
                        .arg(command_line[0])
                        .arg(&dir)
                        .args(&command_line[1..]),
                    b"",
                )
            });
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
            assert!(stdout.is_empty(), "{name}: partial output");
            assert!(
                stderr.contains("the build copies more than 1000000 values (JSON 6902 copy operations and replacements)"),
                "{name}: {stderr}"
            );
        }
    }
}
