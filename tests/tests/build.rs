//! `azfn build` against the real `kubectl kustomize` (kustomize v5.5.0): the example app's
//! overlays, with azfn's transformer (in-process vs the installed exec plugin), print the same
//! bytes in both orders; errors go to stderr with a non-zero exit and name file and field.
use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};

fn azfn_build(args: &[&str]) -> (Option<i32>, String, String) {
    let out = run(command(azfn_bin()).arg("build").args(args), b"");
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn the_example_overlays_build_like_kubectl_kustomize_with_the_plugin() {
    let root = scratch("build-example");
    let plugins = azfn_tests::install_plugin(&root);
    for overlay in ["dev", "test", "prod", "prod-eu"] {
        let dir = workspace().join("examples/orders/overlays").join(overlay);
        for reorder in ["legacy", "none"] {
            let kubectl = run(
                command("kubectl")
                    .args(["kustomize", "--enable-alpha-plugins", "--reorder", reorder])
                    .arg(&dir)
                    .env("KUSTOMIZE_PLUGIN_HOME", &plugins),
                b"",
            );
            assert!(kubectl.status.success(), "{}", text(&kubectl).1);
            let (code, stdout, stderr) = azfn_build(&[dir.to_str().unwrap(), "--reorder", reorder]);
            assert_eq!(code, Some(0), "{overlay}: {stderr}");
            assert_eq!(
                stdout,
                text(&kubectl).0,
                "{overlay} --reorder {reorder}: azfn build differs from kubectl kustomize"
            );
        }
    }
}

#[test]
fn a_finding_fails_the_build_without_output_or_the_secret() {
    let dir = workspace().join("examples/orders/overlays/broken");
    let (code, stdout, stderr) = azfn_build(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("overlays/broken/kustomization.yaml: transformers[0]: FunctionApp/broken-orders: spec.settings.LegacyStorage: AZF001 inline-secret:"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lomL… (88 characters, redacted)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("lomL9hBp6CPf"),
        "the key was echoed: {stderr}"
    );
}

#[test]
fn bad_input_names_the_kustomization_file_and_field() {
    let root = scratch("build-errors");
    copy_dir(&workspace().join("examples/orders"), &root.join("orders"));
    let overlay = root.join("orders/overlays/dev");
    let kustomization = overlay.join("kustomization.yaml");
    let original = std::fs::read_to_string(&kustomization).unwrap();
    std::fs::write(&kustomization, original.replace("namespace:", "namespaec:")).unwrap();
    let (code, stdout, stderr) = azfn_build(&[overlay.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("overlays/dev/kustomization.yaml: namespaec: unknown field `namespaec`; did you mean `namespace`?"),
        "{stderr}"
    );
    std::fs::write(&kustomization, format!("{original}vars: []\n")).unwrap();
    let (_, _, stderr) = azfn_build(&[overlay.to_str().unwrap()]);
    assert!(
        stderr.contains("kustomization.yaml: not supported by azfn build: vars"),
        "{stderr}"
    );
    let (code, _, stderr) = azfn_build(&[root.join("nowhere").to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("nowhere: cannot open the kustomization directory"),
        "{stderr}"
    );
}

#[test]
fn a_symlink_out_of_the_root_is_refused() {
    let root = scratch("build-symlink");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("secret.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(root.join("secret.yaml"), root.join("app/cm.yaml")).unwrap();
    std::fs::write(
        root.join("app/kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    )
    .unwrap();
    let (code, _, stderr) = azfn_build(&[root.join("app").to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("security; file '") && stderr.contains("secret.yaml' is not in or below '"),
        "{stderr}"
    );
    let kubectl = run(
        command("kubectl").arg("kustomize").arg(root.join("app")),
        b"",
    );
    assert!(
        !kubectl.status.success(),
        "kubectl kustomize refuses it too"
    );
}

/// The disk source resolves a plain file through its folder's cached real path: a folder that
/// is a link out of the root is still found out, for the first file read in it and the next.
#[test]
fn a_symlinked_folder_out_of_the_root_is_refused() {
    let root = scratch("build-symlink-folder");
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    for name in ["a", "b"] {
        std::fs::write(
            root.join(format!("outside/{name}.yaml")),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n"),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(root.join("outside"), root.join("app/sub")).unwrap();
    for resources in ["- sub/a.yaml\n", "- sub/a.yaml\n- sub/b.yaml\n"] {
        std::fs::write(
            root.join("app/kustomization.yaml"),
            format!("resources:\n{resources}"),
        )
        .unwrap();
        let (code, stdout, stderr) = azfn_build(&[root.join("app").to_str().unwrap()]);
        assert_eq!(code, Some(1), "{stdout}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("security; file '") && stderr.contains("a.yaml' is not in or below '"),
            "{stderr}"
        );
    }
}

/// The allocator's own variables (mimalloc reads `MIMALLOC_*`) do not reach stdout.
#[test]
fn the_allocators_variables_do_not_change_the_output() {
    let dir = workspace().join("examples/orders/overlays/dev");
    let plain = run(command(azfn_bin()).arg("build").arg(&dir), b"");
    let noisy = run(
        command(azfn_bin())
            .arg("build")
            .arg(&dir)
            .env("MIMALLOC_VERBOSE", "1")
            .env("MIMALLOC_SHOW_STATS", "1")
            .env("MIMALLOC_SHOW_ERRORS", "1"),
        b"",
    );
    assert!(plain.status.success() && noisy.status.success());
    assert!(!plain.stdout.is_empty());
    assert_eq!(plain.stdout, noisy.stdout);
}

/// Keys YAML cannot write in the short form (over 128 bytes, or several lines) are written the
/// way kustomize's go-yaml writes them, `? key` then `: value`; found by fuzzing the writer.
#[test]
fn long_and_multi_line_keys_are_written_as_kubectl_kustomize_writes_them() {
    let dir = azfn_tests::scratch("long-keys");
    let long = |c: &str, n: usize| c.repeat(n);
    std::fs::write(
        dir.join("cm.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  {}: v\n  {}:\n    a: b\n    c: d\n  {}:\n  - a\n  - b: c\n    d: e\n  - [x, y]\n  \"multi\\nline\": v2\n  \"{}\": [1]\n  {}: {{}}\n  {}: []\n  {}: \"two\\nlines\"\n  {}: ok\n",
            long("k", 130),
            long("m", 150),
            long("s", 140),
            long("q", 129),
            long("e", 130),
            long("f", 130),
            long("g", 130),
            long("h", 128)
        ),
    )
    .unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources:\n- cm.yaml\n").unwrap();
    let expected = azfn_tests::run(
        azfn_tests::command("kubectl").arg("kustomize").arg(&dir),
        b"",
    );
    assert!(expected.status.success());
    let (code, stdout, stderr) = azfn_build(&[dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, String::from_utf8(expected.stdout).unwrap());
}

/// An overlay on an overlay on an overlay, the first two adding a name prefix (`app`, `a-app`,
/// `b-a-app`); the top one patches a target named `target` with a JSON 6902 patch and a
/// strategic-merge patch.
fn stacked_renames(target: &str) -> std::path::PathBuf {
    let root = scratch(&format!("stacked-{target}"));
    let write = |path: &str, text: &str| azfn_tests::write_file(&root, path, text);
    write("base/kustomization.yaml", "resources:\n- d.yaml\n");
    write(
        "base/d.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n  template:\n    metadata:\n      labels:\n        tier: web\n",
    );
    write(
        "o1/kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: a-\n",
    );
    write(
        "o2/kustomization.yaml",
        "resources:\n- ../o1\nnamePrefix: b-\n",
    );
    write(
        "o3/kustomization.yaml",
        &format!(
            "resources:\n- ../o2\npatches:\n- target: {{kind: Deployment, name: {target}}}\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 9\n- target: {{kind: Deployment, name: {target}}}\n  patch: |-\n    kind: Deployment\n    metadata:\n      name: any\n    spec:\n      template:\n        metadata:\n          labels:\n            patched: \"yes\"\n"
        ),
    );
    root.join("o3")
}

#[test]
fn patch_targets_on_stacked_renaming_overlays_match_the_original_or_current_name_as_kustomize_does()
{
    // kustomize selects patch targets by the original name or the current one, never by a name
    // an overlay in between gave (resWrangler.Select); a random-tree comparison found azfn
    // patching the middle name too.
    for (target, patched) in [("app", true), ("a-app", false), ("b-a-app", true)] {
        let dir = stacked_renames(target);
        let expected = run(command("kubectl").arg("kustomize").arg(&dir), b"");
        assert!(expected.status.success(), "{}", text(&expected).1);
        let expected = text(&expected).0;
        assert_eq!(
            expected.contains("replicas: 9"),
            patched,
            "{target}: {expected}"
        );
        assert_eq!(
            expected.contains("patched: \"yes\""),
            patched,
            "{target}: {expected}"
        );
        let (code, stdout, stderr) = azfn_build(&[dir.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{target}: {stderr}");
        assert_eq!(
            stdout, expected,
            "{target}: azfn build differs from kubectl kustomize"
        );
    }
}

/// A small tree: `(path, text)` files with the kustomization at the root.
struct Quirk {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// What kubectl's output (or its error) must contain, so the case shows the quirk.
    kubectl_shows: &'static str,
}

const QUIRKS: &[Quirk] = &[
    Quirk {
        // kustomize decides scope by apiVersion and kind from its built-in schema: kinds it
        // does not know (a cert-manager ClusterIssuer, a ValidatingAdmissionPolicy, a
        // ClusterRole under the wrong apiVersion) are namespaced to it.
        name: "scope-by-api-version-and-kind",
        files: &[
            (
                "kustomization.yaml",
                "namespace: team\nresources: [r.yaml]\n",
            ),
            (
                "r.yaml",
                "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: ci}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: vap}\n---\napiVersion: v1\nkind: ClusterRole\nmetadata: {name: wrong}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: right}\n",
            ),
        ],
        kubectl_shows: "kind: ClusterIssuer\nmetadata:\n  name: ci\n  namespace: team",
    },
    Quirk {
        // A binding subject is renamed after a renamed ServiceAccount of its name, whatever
        // the subject's kind.
        name: "user-subject-follows-service-account",
        files: &[
            (
                "kustomization.yaml",
                "namePrefix: p-\nresources: [r.yaml]\n",
            ),
            (
                "r.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: User, name: sa}\n- {kind: Group, name: default}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n",
            ),
        ],
        kubectl_shows: "kind: User\n  name: p-sa",
    },
    Quirk {
        // Subjects named `default` take the namespace, whatever their kind.
        name: "default-subjects-take-the-namespace",
        files: &[
            (
                "kustomization.yaml",
                "namespace: team\nresources: [r.yaml]\n",
            ),
            (
                "r.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects:\n- {kind: Group, name: default}\n- {kind: ServiceAccount, name: other}\n",
            ),
        ],
        kubectl_shows: "kind: Group\n  name: default\n  namespace: team",
    },
    Quirk {
        // kustomize's table gives IngressClass the group `networking.k8s.io/v1`, so an
        // Ingress keeps the old class name; a policy binding follows its renamed policy.
        name: "ingress-class-stays-policy-binding-follows",
        files: &[
            (
                "kustomization.yaml",
                "namePrefix: p-\nresources: [r.yaml]\n",
            ),
            (
                "r.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: web}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: in}\nspec:\n  ingressClassName: web\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: pol}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: bind}\nspec:\n  policyName: pol\n",
            ),
        ],
        kubectl_shows: "ingressClassName: web",
    },
    Quirk {
        // A ReplicaSet's priorityClassName is not in kustomize's table; a Deployment's is.
        name: "priority-class-in-some-workloads",
        files: &[
            (
                "kustomization.yaml",
                "nameSuffix: -s\nresources: [r.yaml]\n",
            ),
            (
                "r.yaml",
                "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 10\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: rs}\nspec:\n  template:\n    spec:\n      priorityClassName: high\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      priorityClassName: high\n",
            ),
        ],
        kubectl_shows: "priorityClassName: high-s",
    },
    Quirk {
        // Two bases that reuse a name under different prefixes: a reference from a third place,
        // with no prefix of its own, matches both by name and neither by prefix, so it is left
        // as it is (kustomize errors only when several remain).
        name: "unresolved-referral",
        files: &[
            ("kustomization.yaml", "resources: [a, b, rb.yaml]\n"),
            (
                "a/kustomization.yaml",
                "namePrefix: a-\nresources: [../sa]\n",
            ),
            (
                "b/kustomization.yaml",
                "namePrefix: b-\nresources: [../sa]\n",
            ),
            ("sa/kustomization.yaml", "resources: [sa.yaml]\n"),
            (
                "sa/sa.yaml",
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n",
            ),
            (
                "rb.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}\nsubjects:\n- {kind: ServiceAccount, name: sa}\n",
            ),
        ],
        kubectl_shows: "subjects:\n- kind: ServiceAccount\n  name: sa\n",
    },
    Quirk {
        // A subject without a name is an error in the name reference step.
        name: "nameless-subject",
        files: &[
            ("kustomization.yaml", "resources: [r.yaml]\n"),
            (
                "r.yaml",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: Group, apiGroup: x}\n",
            ),
        ],
        kubectl_shows: "path config error; no 'name' field in node",
    },
    Quirk {
        // `replicas:` naming nothing its table selects is an error.
        name: "replicas-naming-nothing",
        files: &[
            (
                "kustomization.yaml",
                "resources: [r.yaml]\nreplicas:\n- {name: missing, count: 2}\n",
            ),
            (
                "r.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
            ),
        ],
        kubectl_shows: "resource with name missing does not match a config with the following GVK",
    },
    Quirk {
        // A `patches:` JSON 6902 patch records the id before it even when it renames nothing;
        // the legacy `patchesJson6902` does not, so a later reference to the old name of what
        // it renamed is not followed.
        name: "json6902-records-ids-in-patches-only",
        files: &[
            (
                "kustomization.yaml",
                "resources: [r.yaml]\npatches:\n- target: {kind: ConfigMap, name: a}\n  patch: '[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"a2\"}]'\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: b}\n  patch: '[{\"op\": \"replace\", \"path\": \"/metadata/name\", \"value\": \"b2\"}]'\n",
            ),
            (
                "r.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - {name: x, configMap: {name: a}}\n  - {name: y, configMap: {name: b}}\n",
            ),
        ],
        kubectl_shows: "name: a2\n    name: x\n  - configMap:\n      name: b\n",
    },
];

#[test]
fn kustomize_quirks_are_reproduced_byte_for_byte() {
    // Each tree shows one behaviour of kustomize v5.5.0 that follows from its source rather
    // than from what a user would guess; azfn prints the same bytes, or fails with the same
    // message, in both orders.
    for quirk in QUIRKS {
        let root = scratch(&format!("quirk-{}", quirk.name));
        for (path, text) in quirk.files {
            azfn_tests::write_file(&root, path, text);
        }
        for reorder in ["legacy", "none"] {
            let kubectl = run(
                command("kubectl")
                    .args(["kustomize", "--reorder", reorder])
                    .arg(&root),
                b"",
            );
            let (expected, kubectl_err) = text(&kubectl);
            let (code, stdout, stderr) =
                azfn_build(&[root.to_str().unwrap(), "--reorder", reorder]);
            if kubectl.status.success() {
                assert!(
                    expected.contains(quirk.kubectl_shows),
                    "{}: kubectl no longer shows {:?}:\n{expected}",
                    quirk.name,
                    quirk.kubectl_shows
                );
                assert_eq!(code, Some(0), "{}: {stderr}", quirk.name);
                assert_eq!(stdout, expected, "{} --reorder {reorder}", quirk.name);
            } else {
                assert!(
                    kubectl_err.contains(quirk.kubectl_shows),
                    "{}: kubectl failed otherwise: {kubectl_err}",
                    quirk.name
                );
                assert_eq!(code, Some(1), "{}: azfn succeeded: {stdout}", quirk.name);
                assert!(stdout.is_empty(), "{}: {stdout}", quirk.name);
                assert!(
                    stderr.contains(quirk.kubectl_shows),
                    "{}: azfn failed otherwise: {stderr}",
                    quirk.name
                );
            }
        }
    }
}
