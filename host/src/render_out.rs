//! `azfn build --out OUT DIR...`: every environment below `DIR` rendered into plain manifests,
//! for GitOps engines that run no kustomize plugins (Flux's kustomize-controller): render in CI,
//! gate, push the folder as an artifact (`flux push artifact`), apply it as it is.
//!
//! An environment is a kustomization no other kustomization below `DIR` builds on (overlays,
//! not their bases). Each one is gated as Argo CD's plugin gates it (its findings), and every
//! ParityPolicy below `DIR` must pass. Only when all pass is `OUT` written, whole: each
//! environment's folder (as it lies below the working directory) with `manifests.yaml` and a
//! `kustomization.yaml` naming it. Same input, same bytes.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::build::relative;

/// The file marking a folder azfn wrote, which it may replace.
const MARKER: &str = ".azfn-out";

/// The environments below `dirs`: kustomizations whose folder no other one's build reads.
fn environments(dirs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for dir in dirs {
        if !dir.is_dir() {
            bail!("{}: no such folder", dir.display());
        }
        crate::affected::kustomizations(dir, &mut all)?;
    }
    all.sort();
    all.dedup();
    let (options, _) = crate::inputs::consent().lenient_build_options();
    let mut read_by_others = BTreeSet::new();
    let mut folders = Vec::new();
    for dir in &all {
        let at = relative(&std::fs::canonicalize(dir)?);
        let source = crate::affected::Recording::default();
        let _ = azfn_core::overlay::build(&source, &at, &options);
        for file in source.files_read() {
            if let Some((folder, _)) = file.rsplit_once('/')
                && folder != at
            {
                read_by_others.insert(folder.to_owned());
            }
        }
        folders.push((dir.clone(), at));
    }
    Ok(folders
        .into_iter()
        .filter(|(_, at)| !read_by_others.contains(at))
        .map(|(dir, _)| dir)
        .collect())
}

/// Runs `azfn build --out`.
pub(crate) fn run(dirs: &[PathBuf], out: &Path, policies: &[PathBuf]) -> Result<ExitCode> {
    let team = crate::team_rules::config(policies, "--policy")?;
    let show = crate::build::from_cwd();
    let environments = environments(dirs)?;
    if environments.is_empty() {
        bail!(
            "no kustomization below {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut rendered = Vec::new();
    let mut failed = Vec::new();
    for dir in &environments {
        let at = relative(&std::fs::canonicalize(dir)?);
        let label = dir.display().to_string();
        let gated = crate::argocd::gated_build(&at, &label, &|f: &str| {
            show(&format!("/{}", f.trim_start_matches('/')))
        });
        if let Some(report) = &gated.report {
            eprint!("{report}");
        }
        let team_errors = match (&gated.values, &team) {
            (Some(values), Some(team)) => {
                let (options, _) = crate::inputs::consent().lenient_build_options();
                let verdict = crate::team_rules::check(values, &at, &options, team)?;
                eprint!("{}", verdict.text);
                verdict.errors
            }
            _ => 0,
        };
        match gated.values {
            Some(values) if gated.errors == 0 && team_errors == 0 => {
                eprintln!("azfn: {label}: {} objects", values.len());
                rendered.push((dir.clone(), azfn_core::yaml::to_kustomize_stream(&values)));
            }
            _ => failed.push(label),
        }
    }
    let policies = crate::affected::parity_policies(Path::new("."), dirs)?;
    for policy in &policies {
        eprintln!("azfn: parity under {}", policy.display());
        if !crate::parity::gate(policy) {
            failed.push(format!("parity under {}", policy.display()));
        }
    }
    if !failed.is_empty() {
        eprintln!(
            "azfn: nothing written to {}: {} did not pass",
            out.display(),
            failed.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    write(out, &rendered)?;
    eprintln!(
        "azfn: wrote {} environment{} to {} ({} ParityPolic{} passed)",
        rendered.len(),
        if rendered.len() == 1 { "" } else { "s" },
        out.display(),
        policies.len(),
        if policies.len() == 1 { "y" } else { "ies" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes the folder beside `out`, then moves it into place; an existing `out` is replaced
/// only when azfn wrote it (its marker file is there).
fn write(out: &Path, rendered: &[(PathBuf, String)]) -> Result<()> {
    if out.exists() {
        let empty = out.is_dir() && std::fs::read_dir(out)?.next().is_none();
        if !empty && !out.join(MARKER).is_file() {
            bail!(
                "{}: exists and is not a folder azfn build --out wrote (no {MARKER}): remove it or choose another",
                out.display()
            );
        }
    }
    let name = out
        .file_name()
        .context("--out names a folder")?
        .to_string_lossy()
        .into_owned();
    let staging = out.with_file_name(format!(".{name}.azfn-staging"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    for (dir, manifests) in rendered {
        let below: PathBuf = dir
            .components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .collect();
        let folder = staging.join(below);
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("cannot write {}", folder.display()))?;
        std::fs::write(folder.join("manifests.yaml"), manifests)?;
        std::fs::write(
            folder.join("kustomization.yaml"),
            "# Written by azfn build --out: the rendered manifests, applied as they are.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- manifests.yaml\n",
        )?;
    }
    std::fs::write(
        staging.join(MARKER),
        "Written by `azfn build --out`; replaced whole on the next run.\n",
    )?;
    if out.exists() {
        std::fs::remove_dir_all(out)
            .with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::rename(&staging, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}
