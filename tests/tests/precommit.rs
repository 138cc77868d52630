//! The pre-commit hooks (`.pre-commit-hooks.yaml`) under the real `pre-commit`, as a user tries
//! them: `pre-commit try-repo` of this repository in a scratch git repository holding two
//! apps (base and overlays each, with a ParityPolicy) and a plain manifest.
use azfn_tests::{
    assert_not_echoed, command, fake_storage_key, orders_app, run, scratch, text, workspace,
};
use std::path::{Path, PathBuf};
use std::process::Output;

const APPS: [&str; 2] = ["apps/orders", "apps/billing"];

/// A committed repository with two apps (see [`orders_app`]), the second one renamed, and a
/// Namespace no kustomization reads.
fn repository(name: &str) -> PathBuf {
    let repo = scratch(name).join("repo");
    for app in APPS {
        orders_app(&repo.join(app), app.rsplit('/').next().unwrap());
    }
    std::fs::create_dir_all(repo.join("platform")).unwrap();
    std::fs::write(
        repo.join("platform/namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: orders\n",
    )
    .unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "apps"]);
    repo
}

fn git(repo: &Path, args: &[&str]) {
    let out = run(
        command("git")
            .current_dir(repo)
            .args(["-c", "user.name=azfn", "-c", "user.email=azfn@example.com"])
            .args(args),
        b"",
    );
    assert!(out.status.success(), "git {args:?}: {:?}", text(&out));
}

/// A hook repository as pre-commit fetches this one: its `.pre-commit-hooks.yaml`, committed
/// (the hooks are `language: system`, so nothing else of the repository is used). Cloning
/// it is quick, where cloning this whole working tree took most of a minute per run.
fn hook_repository(repo: &Path) -> PathBuf {
    let hooks = repo.parent().unwrap().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::copy(
        workspace().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    if !hooks.join(".git").exists() {
        git(&hooks, &["init", "-q", "-b", "main"]);
        git(&hooks, &["add", "-A"]);
        git(&hooks, &["commit", "-q", "-m", "hooks"]);
    }
    hooks
}

/// `pre-commit try-repo <the hooks> HOOK ARGS...` in `repo`, with its own cache.
fn try_repo(repo: &Path, hook: &str, args: &[&str]) -> Output {
    let home = repo.parent().unwrap().join("pre-commit-home");
    let hooks = hook_repository(repo);
    run(
        command("pre-commit")
            .current_dir(repo)
            .env("PRE_COMMIT_HOME", &home)
            .env("PRE_COMMIT_COLOR", "never")
            .args(["try-repo"])
            .arg(hooks)
            .arg(hook)
            .args(args),
        b"",
    )
}

fn edit(repo: &Path, file: &str, after: &str, insert: &str) {
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(after), "{file} has no {after:?}");
    std::fs::write(&path, text.replacen(after, &format!("{after}{insert}"), 1)).unwrap();
}

#[test]
fn pre_commit_is_installed() {
    let out = run(command("pre-commit").arg("--version"), b"");
    assert!(
        out.status.success(),
        "pre-commit is missing (make setup-precommit)"
    );
}

#[test]
fn both_hooks_pass_a_clean_repository_on_every_file() {
    let repo = repository("precommit-clean");
    for hook in ["azfn-check", "azfn-parity"] {
        let out = try_repo(&repo, hook, &["--all-files", "--verbose"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{hook}:\n{stdout}\n{stderr}");
        assert!(stdout.contains("Passed"), "{hook}:\n{stdout}");
    }
    let out = try_repo(&repo, "azfn-check", &["--all-files", "--verbose"]);
    let (stdout, _) = text(&out);
    // Eight builds (each base and overlay of both apps reads a changed file), and the files no
    // build reads: the Namespace and the two parity policies.
    assert!(
        stdout.contains("0 errors, 0 warnings, 0 infos in 11 files"),
        "{stdout}"
    );
}

#[test]
fn the_check_hook_fails_on_the_overlay_a_changed_patch_breaks_and_names_only_it() {
    let repo = repository("precommit-check");
    let key = fake_storage_key();
    let patch = "apps/orders/overlays/prod/functionapp.yaml";
    edit(
        &repo,
        patch,
        "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n",
        &format!(
            "    LegacyStorage: DefaultEndpointsProtocol=https;AccountName=stlegacy;AccountKey={key}\n"
        ),
    );
    // The patch is a partial FunctionApp: checked on its own it would be unusable input; the
    // hook checks the prod build that reads it. Other changed files come along, as they would
    // in a commit.
    let out = try_repo(
        &repo,
        "azfn-check",
        &[
            "--verbose",
            "--files",
            patch,
            "apps/billing/overlays/prod/functionapp.yaml",
            "platform/namespace.yaml",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Failed"), "{stdout}");
    assert!(stdout.contains("apps/orders/overlays/prod"), "{stdout}");
    assert!(stdout.contains("AZF001"), "{stdout}");
    assert!(stdout.contains("spec.settings.LegacyStorage"), "{stdout}");
    assert!(!stdout.contains("apps/billing"), "{stdout}");
    assert_not_echoed(&key, &[&stdout, &stderr]);

    // Without the broken app's files, the same commit passes.
    let out = try_repo(
        &repo,
        "azfn-check",
        &[
            "--files",
            "apps/billing/overlays/prod/functionapp.yaml",
            "platform/namespace.yaml",
        ],
    );
    assert!(out.status.success(), "{:?}", text(&out));
}

#[test]
fn the_parity_hook_runs_the_policy_of_the_app_that_changed() {
    let repo = repository("precommit-parity");
    let patch = "apps/orders/overlays/prod/functionapp.yaml";
    edit(
        &repo,
        patch,
        "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n",
        "    BATCH_SIZE: \"500\"\n",
    );
    let out = try_repo(&repo, "azfn-parity", &["--verbose", "--files", patch]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("apps/orders/parity.yaml"), "{stdout}");
    assert!(stdout.contains("BATCH_SIZE"), "{stdout}");
    assert!(!stdout.contains("apps/billing"), "{stdout}");

    // A change to the other app runs only its policy, which passes.
    let out = try_repo(
        &repo,
        "azfn-parity",
        &[
            "--verbose",
            "--files",
            "apps/billing/base/functionapp.yaml",
            "platform/namespace.yaml",
        ],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("apps/billing/parity.yaml"), "{stdout}");
    assert!(!stdout.contains("apps/orders"), "{stdout}");
}
