//! The container image (`make image`) under the real kpt with podman as its runtime, and as
//! Argo CD's sidecar runs it: a clean package is unchanged, a failing one fails and keeps its
//! files, the rendered output matches the exec function's byte for byte, and the binary in the
//! image builds as the host binary does.
use azfn_tests::{
    assert_not_echoed, command, copy_dir, inline_secret, kpt_package, run, scratch, snapshot_tree,
    text, workspace,
};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The image's tag (`AZFN_IMAGE`, set by the Makefile; else `localhost/azfn:VERSION`). It must
/// exist: `make image` builds it. Checked once per test binary.
fn image() -> String {
    static TAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TAG.get_or_init(existing_image).clone()
}

fn existing_image() -> String {
    let tag = std::env::var("AZFN_IMAGE")
        .unwrap_or_else(|_| format!("localhost/azfn:{}", env!("CARGO_PKG_VERSION")));
    let out = run(podman().args(["image", "exists", &tag]), b"");
    assert!(
        out.status.success(),
        "image {tag} is missing: run `make image` first ({})",
        text(&out).1
    );
    tag
}

/// The project's podman configuration for this machine kind (`scripts/podman-env.sh`).
fn with_podman_env(mut cmd: Command) -> Command {
    let dir = workspace().join("target/podman");
    for (var, file) in [
        ("CONTAINERS_CONF", "containers.conf"),
        ("CONTAINERS_STORAGE_CONF", "storage.conf"),
    ] {
        let path = dir.join(file);
        assert!(
            path.is_file(),
            "{} is missing: run `make image`",
            path.display()
        );
        cmd.env(var, path);
    }
    cmd
}

fn podman() -> Command {
    with_podman_env(command("podman"))
}

/// `kpt fn eval PKG --image IMAGE` with podman as kpt's container runtime.
fn kpt_eval_image(pkg: &Path, extra: &[&str]) -> std::process::Output {
    let mut kpt = with_podman_env(command("kpt"));
    kpt.env("KPT_FN_RUNTIME", "podman")
        .args(["fn", "eval"])
        .arg(pkg)
        .args(["--image", &image(), "--image-pull-policy", "never"])
        .args(extra);
    run(&mut kpt, b"")
}

#[test]
fn kpt_runs_the_image_on_a_clean_package_and_changes_nothing() {
    let pkg = kpt_package("image-clean");
    let before = snapshot_tree(&pkg);
    let out = kpt_eval_image(&pkg, &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "kpt failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains("[PASS] \"localhost/azfn"), "{stderr}");
    assert_eq!(snapshot_tree(&pkg), before, "the image changed the package");
}

#[test]
fn kpt_runs_the_image_on_a_failing_package_which_keeps_its_files_and_its_secret() {
    let pkg = kpt_package("image-secret");
    let key = inline_secret(&pkg);
    let before = snapshot_tree(&pkg);
    let out = kpt_eval_image(&pkg, &["--truncate-output=false"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "kpt passed:\n{stderr}");
    assert!(stderr.contains("[FAIL] \"localhost/azfn"), "{stderr}");
    assert!(
        stderr.contains("AZF001 inline-secret: env var \"AzureWebJobsStorage\" of container \"func\" holds an Azure Storage account key"),
        "{stderr}"
    );
    assert_eq!(
        snapshot_tree(&pkg),
        before,
        "a failed run must not change files"
    );
    assert_not_echoed(&key, &[&stdout, &stderr]);
}

#[test]
fn the_image_renders_a_function_app_exactly_as_the_exec_function_does() {
    let base = workspace().join("examples/orders/base");
    let by_image = scratch("image-render").join("orders");
    let by_exec = scratch("exec-render").join("orders");
    copy_dir(&base, &by_image);
    copy_dir(&base, &by_exec);
    let out = kpt_eval_image(&by_image, &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    let out = run(
        command("kpt")
            .args(["fn", "eval"])
            .arg(&by_exec)
            .args(["--exec", "azfn"]),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(by_image.join("functionapp.rendered.yaml").is_file());
    assert_eq!(snapshot_tree(&by_image), snapshot_tree(&by_exec));
}

/// Runs the image as Argo CD's sidecar does (uid 999, a read-only checkout as working folder).
fn as_sidecar(checkout: &Path, args: &[&str]) -> std::process::Output {
    let mount = format!("{}:/src:ro", checkout.display());
    let tag = image();
    let mut cmd = podman();
    cmd.args(["run", "--rm", "--network", "none", "--user", "999:999"])
        .args(["-v", &mount, "-w", "/src", &tag])
        .args(args);
    run(&mut cmd, b"")
}

/// The CMP's generate command in the image as the sidecar runs it: uid 999, a read-only root
/// and checkout, its own /tmp, the Application's folder as working folder and Argo CD's build
/// environment; the same manifests as the host binary's, and a failing gate prints nothing.
#[test]
fn the_image_runs_the_argo_cd_plugin_as_its_sidecar_does() {
    let root = scratch("image-argocd");
    let repo = root.join("repo");
    azfn_tests::orders_app(&repo.join("apps/orders"), "orders");
    let generate = |repo: &Path| {
        let mount = format!("{}:/tmp/_cmp_server/repo:ro", repo.display());
        let mut cmd = podman();
        cmd.args([
            "run",
            "--rm",
            "--network",
            "none",
            "--user",
            "999:999",
            "--read-only",
        ])
        .args(["--tmpfs", "/tmp/_cmp_server/work", "-v", &mount])
        .args(["-w", "/tmp/_cmp_server/repo/apps/orders/overlays/prod"])
        .args(["-e", "ARGOCD_APP_SOURCE_PATH=apps/orders/overlays/prod"])
        .args([
            "-e",
            "ARGOCD_APP_NAME=orders-prod",
            &image(),
            "argocd",
            "generate",
        ]);
        run(&mut cmd, b"")
    };
    let contained = generate(&repo);
    assert!(contained.status.success(), "{}", text(&contained).1);
    let native = run(
        command("azfn")
            .arg("build")
            .arg(repo.join("apps/orders/overlays/prod")),
        b"",
    );
    assert_eq!(contained.stdout, native.stdout);

    let key = azfn_tests::legacy_worker(&repo.join("apps/orders/overlays/prod")).0;
    let failing = generate(&repo);
    let (stdout, stderr) = text(&failing);
    assert_eq!(failing.status.code(), Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("AZF001") && stderr.contains("is not synced"),
        "{stderr}"
    );
    assert_not_echoed(&key, &[&stderr]);
}

#[test]
fn the_image_builds_an_overlay_as_the_host_binary_does() {
    let example: PathBuf = workspace().join("examples/orders");
    for overlay in ["overlays/dev", "overlays/prod", "overlays/prod-eu"] {
        let contained = as_sidecar(&example, &["build", overlay]);
        let native = run(command("azfn").arg("build").arg(example.join(overlay)), b"");
        assert!(
            contained.status.success(),
            "{overlay}: {}",
            text(&contained).1
        );
        assert!(native.status.success(), "{overlay}: {}", text(&native).1);
        assert!(!contained.stdout.is_empty());
        assert_eq!(contained.stdout, native.stdout, "{overlay} differs");
    }
}

#[test]
fn the_image_is_scratch_with_a_precompiled_module_that_uid_999_and_nobody_trust() {
    let tag = image();
    let out = run(
        podman().args([
            "image",
            "inspect",
            &tag,
            "--format",
            "{{.Config.User}} {{json .Config.Entrypoint}} {{len .RootFS.Layers}}",
        ]),
        b"",
    );
    // Three layers, one per COPY (passwd, binary, precompiled module): no base image beneath.
    assert_eq!(
        text(&out).0.trim(),
        "65534:65534 [\"/usr/local/bin/azfn\"] 3",
        "{}",
        text(&out).1
    );
    let list = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n";
    for user in ["nobody", "999:999"] {
        let out = run(
            podman()
                .args([
                    "run",
                    "--rm",
                    "-i",
                    "--network",
                    "none",
                    "-e",
                    "AZFN_DEBUG=1",
                ])
                .args(["--user", user, &tag]),
            list,
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{user}: {stderr}");
        assert!(stdout.contains("kind: ResourceList"), "{user}: {stdout}");
        assert!(
            stderr.contains("azfn: module: Cached"),
            "{user} compiled the module instead of loading the image's precompiled one:\n{stderr}"
        );
    }
}
