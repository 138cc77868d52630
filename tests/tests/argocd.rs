//! Argo CD's Config Management Plugin contract (`deploy/argocd/plugin.yaml`), run as the
//! cmp-server runs it: the plugin's own discover and generate commands, in the Application's
//! source folder of a repository checkout holding several apps, with only the build
//! environment Argo CD sets (`ARGOCD_APP_*`, the Application's plugin env as `ARGOCD_ENV_*`)
//! and the sidecar's own. Discover matches when it exits 0 with output; generate must print
//! manifests only, and a failing gate must fail with a message and no output.
use std::path::{Path, PathBuf};
use std::process::Output;

use azfn_tests::{
    assert_not_echoed, azfn_bin, command, legacy_worker, orders_app, run, scratch, text, workspace,
};
use serde_yaml::Value;

fn plugin() -> Value {
    let path = workspace().join("deploy/argocd/plugin.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A plugin command (`spec.discover.find` or `spec.generate`) as argv.
fn argv(step: &Value) -> Vec<String> {
    step["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .chain(step["args"].as_sequence().into_iter().flatten())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// A checkout of a repository with two azfn apps, a plain kustomize app and loose manifests.
fn checkout(name: &str) -> PathBuf {
    let repo = scratch(name).join("repo");
    orders_app(&repo.join("apps/orders"), "orders");
    orders_app(&repo.join("apps/billing"), "billing");
    let plain = repo.join("apps/plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::write(
        plain.join("kustomization.yaml"),
        "resources:\n- configmap.yaml\n",
    )
    .unwrap();
    std::fs::write(
        plain.join("configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n",
    )
    .unwrap();
    repo
}

/// Runs a plugin command as the cmp-server does for an Application whose `path` is
/// `source_path`, with `env` as its plugin env and `sidecar` as the sidecar's own environment.
fn cmp(
    repo: &Path,
    step: &Value,
    source_path: &str,
    env: &[(&str, &str)],
    sidecar: &[(&str, &str)],
) -> Output {
    let args = argv(step);
    assert_eq!(
        args[0], "azfn",
        "the plugin runs azfn from the sidecar's PATH"
    );
    let mut cmd = command(azfn_bin());
    cmd.args(&args[1..])
        .current_dir(repo.join(source_path))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/home/argocd")
        .env("ARGOCD_APP_NAME", "app")
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env("ARGOCD_APP_PROJECT_NAME", "default")
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("ARGOCD_APP_SOURCE_PATH", source_path)
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://github.com/contoso/functions.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
        .env("KUBE_VERSION", "1.31.0");
    for (name, value) in env {
        cmd.env(format!("ARGOCD_ENV_{name}"), value);
    }
    for (name, value) in sidecar {
        cmd.env(name, value);
    }
    run(&mut cmd, b"")
}

fn discover(repo: &Path, source_path: &str) -> bool {
    let out = cmp(
        repo,
        &plugin()["spec"]["discover"]["find"],
        source_path,
        &[],
        &[],
    );
    out.status.success() && !out.stdout.is_empty()
}

fn generate(
    repo: &Path,
    source_path: &str,
    env: &[(&str, &str)],
    sidecar: &[(&str, &str)],
) -> Output {
    cmp(
        repo,
        &plugin()["spec"]["generate"],
        source_path,
        env,
        sidecar,
    )
}

/// Every document on stdout is a Kubernetes object: nothing else is there.
fn manifests_only(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let docs: Vec<Value> = text
        .split("\n---\n")
        .map(|d| serde_yaml::from_str::<Value>(d).unwrap_or_else(|e| panic!("not YAML: {e}\n{d}")))
        .collect();
    assert!(docs.len() > 3, "{text}");
    for doc in &docs {
        for key in ["apiVersion", "kind"] {
            assert!(
                doc[key].as_str().is_some_and(|v| !v.is_empty()),
                "not an object: {doc:?}"
            );
        }
        assert!(doc["metadata"]["name"].as_str().is_some(), "{doc:?}");
    }
    docs
}

#[test]
fn discover_matches_the_apps_that_build_azfn_kinds_and_nothing_else() {
    let repo = checkout("argocd-discover");
    for path in [
        "apps/orders/overlays/prod",
        "apps/billing/overlays/dev",
        "apps/orders/base",
    ] {
        assert!(discover(&repo, path), "{path} is azfn's");
    }
    for path in ["apps/plain", "apps/orders", "apps"] {
        assert!(!discover(&repo, path), "{path} is not azfn's");
    }
}

#[test]
fn generate_prints_exactly_the_build_and_reads_only_allowed_inputs() {
    let repo = checkout("argocd-generate");
    let out = generate(&repo, "apps/orders/overlays/prod", &[], &[]);
    let (_, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    manifests_only(&out.stdout);
    let built = run(
        command(azfn_bin())
            .arg("build")
            .arg(repo.join("apps/orders/overlays/prod")),
        b"",
    );
    assert_eq!(
        out.stdout, built.stdout,
        "generate prints what azfn build prints"
    );

    // The Application picks the overlay below its path.
    let picked = generate(
        &repo,
        "apps/orders",
        &[("AZFN_OVERLAY", "overlays/prod")],
        &[],
    );
    assert!(picked.status.success(), "{}", text(&picked).1);
    assert_eq!(picked.stdout, out.stdout);
    let escape = generate(
        &repo,
        "apps/orders",
        &[("AZFN_OVERLAY", "../billing/overlays/prod")],
        &[],
    );
    assert!(!escape.status.success() && escape.stdout.is_empty());
    assert!(
        text(&escape).1.contains("ARGOCD_ENV_AZFN_OVERLAY"),
        "{}",
        text(&escape).1
    );

    // An input the sidecar allows, set by the Application.
    // (The prod overlay's config declares IMAGE_TAG; the parity gate compares the environments
    // as committed.)
    let tagged = generate(
        &repo,
        "apps/orders/overlays/prod",
        &[("IMAGE_TAG", "1.5.1")],
        &[("AZFN_ALLOW_INPUTS", "IMAGE_TAG")],
    );
    assert!(tagged.status.success(), "{}", text(&tagged).1);
    assert!(
        text(&tagged)
            .0
            .contains("image: contoso.azurecr.io/orders:1.5.1"),
        "{}",
        text(&tagged).0
    );
    // The same input, not allowed by the sidecar: refused by name, nothing on stdout.
    let refused = generate(
        &repo,
        "apps/orders/overlays/prod",
        &[("IMAGE_TAG", "1.5.1")],
        &[],
    );
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty());
    let (_, stderr) = text(&refused);
    assert!(
        stderr.contains(
            "input IMAGE_TAG is set (as ARGOCD_ENV_IMAGE_TAG) but the caller did not allow it"
        ),
        "{stderr}"
    );
    // The sidecar's own variables are not inputs: only ARGOCD_ENV_ ones are read.
    let own = generate(
        &repo,
        "apps/orders/overlays/prod",
        &[],
        &[("IMAGE_TAG", "9.9.9"), ("AZFN_ALLOW_INPUTS", "IMAGE_TAG")],
    );
    assert!(own.status.success());
    assert!(!text(&own).0.contains("9.9.9"));
}

#[test]
fn a_failing_gate_fails_the_sync_with_a_message_and_no_output() {
    let repo = checkout("argocd-gates");
    // Error findings: a storage key pasted into a Deployment of the prod overlay.
    let (key, _) = legacy_worker(&repo.join("apps/orders/overlays/prod"));
    let out = generate(&repo, "apps/orders/overlays/prod", &[], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("AZF001") && stderr.contains("Deployment/orders-prod/prod-legacy-worker"),
        "{stderr}"
    );
    assert!(
        stderr.contains("apps/orders/overlays/prod is not synced: error findings"),
        "{stderr}"
    );
    assert_not_echoed(&key, &[&stderr]);

    // Drift: a setting only prod has, outside what the app's ParityPolicy allows.
    let patch = repo.join("apps/billing/overlays/prod/functionapp.yaml");
    let text_before = std::fs::read_to_string(&patch).unwrap();
    std::fs::write(
        &patch,
        text_before.replacen(
            "  settings:\n",
            "  settings:\n    BILLING_EXTRA: \"1\"\n",
            1,
        ),
    )
    .unwrap();
    let out = generate(&repo, "apps/billing/overlays/prod", &[], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("parity of apps/billing/overlays/prod under apps/billing/parity.yaml"),
        "{stderr}"
    );
    assert!(stderr.contains("BILLING_EXTRA"), "{stderr}");
    assert!(
        stderr.contains("is not synced: drift from its sibling environments"),
        "{stderr}"
    );
    // Its siblings stay in sync with one another? dev is compared with prod too, so it fails
    // as well: a policy holds the environments together.
    let dev = generate(&repo, "apps/billing/overlays/dev", &[], &[]);
    assert_eq!(dev.status.code(), Some(1));
    assert!(dev.stdout.is_empty());

    // A kustomization that does not build.
    std::fs::write(
        repo.join("apps/orders/overlays/dev/kustomization.yaml"),
        "resources: [\n",
    )
    .unwrap();
    let out = generate(&repo, "apps/orders/overlays/dev", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out).1.contains("cannot build the kustomization"),
        "{}",
        text(&out).1
    );
}

/// The sidecar patch, applied by the real kustomize to the repo-server Deployment: the
/// container runs Argo CD's cmp-server as uid 999 with its own /tmp and the plugin config.
#[test]
fn the_sidecar_patch_applies_to_the_repo_server() {
    let dir = scratch("argocd-sidecar");
    std::fs::write(
        dir.join("repo-server.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: argocd-repo-server\nspec:\n  template:\n    spec:\n      containers:\n      - name: argocd-repo-server\n        image: quay.io/argoproj/argocd:v2.13.0\n        volumeMounts:\n        - {name: tmp, mountPath: /tmp}\n      volumes:\n      - {name: var-files, emptyDir: {}}\n      - {name: plugins, emptyDir: {}}\n      - {name: tmp, emptyDir: {}}\n",
    )
    .unwrap();
    for file in ["repo-server-sidecar.yaml", "plugin.yaml"] {
        std::fs::copy(workspace().join("deploy/argocd").join(file), dir.join(file)).unwrap();
    }
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- repo-server.yaml\npatches:\n- path: repo-server-sidecar.yaml\nconfigMapGenerator:\n- name: azfn-cmp-plugin\n  files: [plugin.yaml]\n  options: {disableNameSuffixHash: true}\n",
    )
    .unwrap();
    let out = run(command("kubectl").arg("kustomize").arg(&dir), b"");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let docs: Vec<Value> = stdout
        .split("\n---\n")
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let spec = &deployment["spec"]["template"]["spec"];
    let sidecar = spec["containers"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "azfn")
        .unwrap();
    assert_eq!(sidecar["command"][0], "/var/run/argocd/argocd-cmp-server");
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    for mount in [
        ("var-files", "/var/run/argocd"),
        ("plugins", "/home/argocd/cmp-server/plugins"),
        (
            "azfn-cmp-plugin",
            "/home/argocd/cmp-server/config/plugin.yaml",
        ),
        ("azfn-tmp", "/tmp"),
    ] {
        assert!(mounts.contains(&mount), "{mount:?} in {mounts:?}");
    }
    let volumes = spec["volumes"].as_sequence().unwrap();
    assert!(
        volumes
            .iter()
            .any(|v| v["name"] == "azfn-tmp" && v["emptyDir"].is_mapping())
    );
    assert!(
        volumes.iter().any(|v| v["name"] == "tmp"),
        "the repo-server keeps its own /tmp"
    );
    let config = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    assert_eq!(config["metadata"]["name"], "azfn-cmp-plugin");
    let embedded: Value =
        serde_yaml::from_str(config["data"]["plugin.yaml"].as_str().unwrap()).unwrap();
    assert_eq!(embedded, plugin());
}

/// Hostile checkouts: an overlay that is a symbolic link out of the repository is refused, and
/// a ParityPolicy above the folder that does not read stops the sync instead of skipping the
/// gate; neither prints anything on stdout.
#[test]
fn a_hostile_checkout_is_refused_with_nothing_on_stdout() {
    let repo = checkout("argocd-hostile");
    let outside = repo.parent().unwrap().join("outside");
    orders_app(&outside, "outside");
    std::os::unix::fs::symlink(
        outside.join("overlays/prod"),
        repo.join("apps/orders/escape"),
    )
    .unwrap();
    let out = generate(&repo, "apps/orders", &[("AZFN_OVERLAY", "escape")], &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out).1.contains("escape: outside the repository"),
        "{}",
        text(&out).1
    );
    assert!(
        !discover(&repo, "apps/orders/escape"),
        "a link out of the checkout is not matched"
    );

    std::fs::write(
        repo.join("apps/orders/overlays/broken-policy.yaml"),
        "apiVersion: azfn.dev/v1alpha1\nkind: ParityPolicy\nmetadata: {name: broken}\nspec:\n  environments: 7\n",
    )
    .unwrap();
    let out = generate(&repo, "apps/orders/overlays/prod", &[], &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        text(&out).1.contains("broken-policy.yaml"),
        "{}",
        text(&out).1
    );
}
