//! `azfn parity`: render each environment with azfn's overlay renderer and fail on every
//! difference the ParityPolicy does not allow.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use azfn_core::overlay::{BuildOptions, InputLookup};
use azfn_core::parity::{self, Environment, ParityPolicy, Report};

use crate::build::DiskSource;

/// Output formats of `azfn parity`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

fn fail(message: &str) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::from(2)
}

/// Runs `azfn parity`.
pub(crate) fn run(
    dirs: &[PathBuf],
    policy: Option<&Path>,
    init: bool,
    format: Format,
) -> Result<ExitCode> {
    let (policy, base) = match policy {
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => return Ok(fail(&format!("{}: {e}", path.display()))),
            };
            let docs = match azfn_core::yaml::parse_documents(
                &text,
                &path.display().to_string(),
                azfn_core::yaml::Limits::default(),
            ) {
                Ok(docs) => docs,
                Err(e) => return Ok(fail(&e.to_string())),
            };
            let Some(doc) = docs.first() else {
                return Ok(fail(&format!("{}: an empty policy", path.display())));
            };
            match ParityPolicy::from_value(doc, &path.display().to_string()) {
                Ok(policy) => (
                    policy,
                    path.parent().map(Path::to_path_buf).unwrap_or_default(),
                ),
                Err(e) => return Ok(fail(&e.to_string())),
            }
        }
        None => (ParityPolicy::default(), PathBuf::new()),
    };
    let mut named: Vec<(String, PathBuf)> = policy
        .environments
        .iter()
        .map(|(name, path)| (name.clone(), base.join(path)))
        .collect();
    for dir in dirs {
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if !named.iter().any(|(n, _)| *n == name) {
            named.push((name, dir.clone()));
        }
    }
    if named.len() < 2 {
        return Ok(fail(
            "parity needs at least two environments (overlay folders, or `environments:` in the policy)",
        ));
    }
    let options = BuildOptions {
        inputs: InputLookup::new(|name| std::env::var(name).ok()),
        ..BuildOptions::default()
    };
    let mut environments = Vec::new();
    for (name, dir) in &named {
        let absolute = match std::fs::canonicalize(dir) {
            Ok(a) => a,
            Err(e) => return Ok(fail(&format!("{}: {e}", dir.display()))),
        };
        let relative = absolute
            .to_string_lossy()
            .trim_start_matches('/')
            .to_owned();
        match azfn_core::overlay::build_with_base_names(&DiskSource, &relative, &options) {
            Ok(resources) => environments.push(Environment {
                name: name.clone(),
                resources,
            }),
            Err(e) => return Ok(fail(&format!("environment {name}: {e}"))),
        }
    }
    let report = parity::compare(&environments, &policy);
    if init {
        let listed: Vec<(String, String)> = named
            .iter()
            .map(|(n, p)| (n.clone(), p.display().to_string()))
            .collect();
        print!("{}", parity::init_policy(&report, &listed));
        return Ok(ExitCode::SUCCESS);
    }
    match format {
        Format::Text => print!("{}", text(&report, &policy)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&json(&report))?),
    }
    Ok(if report.failures() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn text(report: &Report, policy: &ParityPolicy) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for drift in report.drifts.iter().filter(|d| d.allowed_by.is_none()) {
        let _ = writeln!(
            out,
            "drift: {}/{} {}",
            drift.resource.kind, drift.resource.name, drift.field
        );
        for (env, value) in &drift.values {
            let _ = writeln!(out, "  {env}: {}", value.as_deref().unwrap_or("<absent>"));
        }
    }
    for (key, present) in &report.partial {
        let _ = writeln!(
            out,
            "drift: {}/{} exists only in {}",
            key.kind,
            key.name,
            present.join(", ")
        );
    }
    for &i in &report.stale_rules {
        let rule = &policy.allow[i];
        let _ = writeln!(
            out,
            "stale: allow rule {i} ({}) matched nothing",
            rule.field_text.as_deref().unwrap_or("whole resource")
        );
    }
    let allowed = report
        .drifts
        .iter()
        .filter(|d| d.allowed_by.is_some())
        .count();
    let _ = writeln!(
        out,
        "azfn parity: {} environments, {} differences not allowed, {allowed} allowed, {} stale rules",
        report.environments.len(),
        report.failures(),
        report.stale_rules.len()
    );
    out
}

fn json(report: &Report) -> serde_json::Value {
    serde_json::json!({
        "environments": report.environments,
        "drifts": report.drifts.iter().map(|d| serde_json::json!({
            "kind": d.resource.kind,
            "name": d.resource.name,
            "field": d.field,
            "values": d.values,
            "allowedBy": d.allowed_by,
        })).collect::<Vec<_>>(),
        "partial": report.partial.iter().map(|(k, present)| serde_json::json!({
            "kind": k.kind, "name": k.name, "presentIn": present,
        })).collect::<Vec<_>>(),
        "staleRules": report.stale_rules,
    })
}
