//! How a parity report is shown: a matrix per resource for a terminal, markdown for a pull
//! request, JSON for scripts and the browser, and KRM results for SARIF, JUnit and kpt.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::json;

use super::init::yaml_scalar;
use super::{Drift, Key, ParityPolicy, Report};
use crate::diagnostic::{Diagnostic, Related};
use crate::krm::{ResourceRef, Severity};
use crate::report::RuleInfo;

/// Where the inputs live, so results can point at files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The policy file, as the user named it.
    pub policy_file: Option<&'a str>,
    /// `(environment, overlay folder)`.
    pub environments: &'a [(String, String)],
}

/// The result codes of `azfn parity`, for SARIF's rule metadata.
pub fn rules() -> Vec<RuleInfo> {
    vec![
        RuleInfo {
            code: "AZP001".into(),
            name: "parity-drift".into(),
            severity: Severity::Error,
            explanation: "A field differs between environments and no allow rule in the ParityPolicy covers it. Make the environments agree, or add an allow rule naming the resource and field if the difference is intended.".into(),
            doc: "docs/parity.md".into(),
        },
        RuleInfo {
            code: "AZP002".into(),
            name: "parity-missing-resource".into(),
            severity: Severity::Error,
            explanation: "A resource exists in some environments only. Add it to the others, or allow it with a rule with `difference: presence` and no field.".into(),
            doc: "docs/parity.md".into(),
        },
        RuleInfo {
            code: "AZP003".into(),
            name: "parity-stale-rule".into(),
            severity: Severity::Warning,
            explanation: "An allow rule matched no difference. Delete it, so that a difference appearing there later fails the build.".into(),
            doc: "docs/parity.md".into(),
        },
    ]
}

/// How a rule is named in reports: `allow[3] (FunctionApp orders spec.storage.accountName)`.
pub fn describe_rule(policy: &ParityPolicy, index: usize) -> String {
    let Some(rule) = policy.allow.get(index) else {
        return format!("allow[{index}]");
    };
    let mut parts = Vec::new();
    if let Some(kind) = &rule.kind {
        parts.push(kind.clone());
    }
    if let Some(name) = &rule.name_text {
        parts.push(name.clone());
    }
    parts.push(
        rule.field_text
            .clone()
            .unwrap_or_else(|| "(whole resource)".into()),
    );
    format!("allow[{index}] ({})", parts.join(" "))
}

/// The allow rule that would permit `drift`, as one line of YAML: on the FunctionApp field it
/// comes from where it comes from one, else on the rendered field.
pub fn suggested_rule(drift: &Drift) -> String {
    let (key, field, values) = match &drift.source {
        Some(source) => (&source.resource, &source.field, &source.values),
        None => (&drift.resource, &drift.field, &drift.values),
    };
    let presence = values.values().any(Option::is_none);
    format!(
        "{{resource: {{kind: {}, name: {}}}, field: {}{}}}",
        yaml_scalar(&key.kind),
        yaml_scalar(&key.name),
        yaml_scalar(field),
        if presence { ", difference: any" } else { "" }
    )
}

pub(crate) fn value_list(
    environments: &[String],
    values: &BTreeMap<String, Option<String>>,
) -> String {
    environments
        .iter()
        .map(|env| {
            let v = values.get(env).cloned().flatten();
            format!("{env}={}", v.as_deref().unwrap_or("<absent>"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn resource_ref(key: &Key) -> ResourceRef {
    ResourceRef {
        api_version: String::new(),
        kind: key.kind.clone(),
        name: key.name.clone(),
        namespace: String::new(),
    }
}

/// Where each environment set the field: `prod overlays/prod/functionapp.yaml:19, ...`.
fn set_at(drift: &Drift) -> String {
    drift
        .set_at
        .iter()
        .map(|(env, place)| format!("{env} {place}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The environments whose value differs from the first environment's, in report order.
fn differing<'a>(report: &'a Report, drift: &'a Drift) -> impl Iterator<Item = &'a String> {
    let value = |e: &String| drift.values.get(e).and_then(Option::as_deref);
    let first = report.environments.first().and_then(value);
    report
        .environments
        .iter()
        .filter(move |e| value(e) != first)
}

/// The place that set the field in the first environment whose value differs from the first
/// environment's (else in any environment): the line a person edits.
fn edited_place<'a>(report: &Report, drift: &'a Drift) -> Option<&'a super::Place> {
    differing(report, drift)
        .find_map(|e| drift.set_at.get(e))
        .or_else(|| drift.set_at.values().next())
}

/// The overlay of the first environment whose value differs from the first environment's.
fn overlay_file(context: &Context<'_>, report: &Report, drift: &Drift) -> Option<String> {
    let env = differing(report, drift).next()?;
    let (_, dir) = context.environments.iter().find(|(n, _)| n == env)?;
    Some(format!("{}/kustomization.yaml", dir.trim_end_matches('/')))
}

/// Every failure and stale rule as a diagnostic (for text, SARIF, JUnit, kpt and kustomize): a
/// drift at the line that set the value in the first environment that differs, the other
/// environments' lines as related places, and the allow rule that would accept it.
pub fn results(report: &Report, policy: &ParityPolicy, context: &Context<'_>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for drift in report.drifts.iter().filter(|d| d.allowed_by.is_none()) {
        let mut message = format!(
            "differs between environments: {}",
            value_list(&report.environments, &drift.values)
        );
        if let Some(source) = &drift.source {
            let _ = write!(
                message,
                "; it comes from {} {} ({})",
                source.resource,
                source.field,
                value_list(&report.environments, &source.values)
            );
        }
        message.push_str("; no allow rule covers it");
        let place = edited_place(report, drift);
        let related = report
            .environments
            .iter()
            .filter_map(|env| {
                let at = drift.set_at.get(env)?;
                (!place.is_some_and(|p| std::ptr::eq(p, at))).then(|| Related {
                    message: format!("set in {env}"),
                    file: at.file.clone(),
                    line: at.line,
                })
            })
            .collect();
        out.push(Diagnostic {
            resource: Some(resource_ref(&drift.resource)),
            field: Some(drift.field.clone()),
            file: place
                .map(|p| p.file.clone())
                .or_else(|| overlay_file(context, report, drift)),
            line: place.and_then(|p| p.line),
            related,
            suggestion: Some(format!("to allow it: {}", suggested_rule(drift))),
            ..Diagnostic::new(("AZP001", "parity-drift"), Severity::Error, message)
        });
    }
    for partial in report.partial.iter().filter(|p| p.allowed_by.is_none()) {
        let missing: Vec<&str> = report
            .environments
            .iter()
            .filter(|e| !partial.present_in.contains(e))
            .map(String::as_str)
            .collect();
        let dir = context
            .environments
            .iter()
            .find(|(n, _)| missing.first() == Some(&n.as_str()))
            .map(|(_, d)| d);
        out.push(Diagnostic {
            resource: Some(resource_ref(&partial.resource)),
            file: dir.map(|d| format!("{}/kustomization.yaml", d.trim_end_matches('/'))),
            ..Diagnostic::new(
                ("AZP002", "parity-missing-resource"),
                Severity::Error,
                format!(
                    "exists only in {}, missing in {}",
                    partial.present_in.join(", "),
                    missing.join(", ")
                ),
            )
        });
    }
    out.extend(report.findings.iter().cloned());
    for &i in &report.stale_rules {
        out.push(Diagnostic {
            field: Some(format!("spec.allow[{i}]")),
            file: context.policy_file.map(str::to_owned),
            suggestion: Some("remove the rule, or narrow it to a difference that exists".into()),
            ..Diagnostic::new(
                ("AZP003", "parity-stale-rule"),
                Severity::Warning,
                format!("{} matched no difference", describe_rule(policy, i)),
            )
        });
    }
    out
}

/// The report as JSON: environments, every difference with its values and rule, resources
/// present in some environments only, stale rules.
pub fn json(report: &Report, policy: &ParityPolicy) -> serde_json::Value {
    let drift = |d: &Drift| {
        json!({
            "kind": d.resource.kind,
            "name": d.resource.name,
            "field": d.field,
            "values": d.values,
            "allowed": d.allowed_by.is_some(),
            "allowedBy": d.allowed_by,
            "rule": d.allowed_by.map(|i| describe_rule(policy, i)),
            "source": d.source.as_ref().map(|s| json!({
                "kind": s.resource.kind, "name": s.resource.name, "field": s.field, "values": s.values,
            })),
            "suggestedRule": (d.allowed_by.is_none() && d.resource.kind != crate::functionapp::KIND)
                .then(|| suggested_rule(d)),
            "setAt": (!d.set_at.is_empty()).then(|| d.set_at.iter().map(|(env, p)| {
                (env.clone(), json!({"file": p.file, "line": p.line}))
            }).collect::<serde_json::Map<_, _>>()),
        })
    };
    json!({
        "environments": report.environments,
        "summary": {
            "resources": report.resources,
            "failures": report.failures(),
            "allowed": report.allowed(),
            "staleRules": report.stale_rules.len(),
        },
        "drifts": report.drifts.iter().map(drift).collect::<Vec<_>>(),
        "functionApps": report.function_apps.iter().map(drift).collect::<Vec<_>>(),
        "partial": report.partial.iter().map(|p| json!({
            "kind": p.resource.kind,
            "name": p.resource.name,
            "presentIn": p.present_in,
            "allowedBy": p.allowed_by,
            "rule": p.allowed_by.map(|i| describe_rule(policy, i)),
        })).collect::<Vec<_>>(),
        "staleRules": report.stale_rules.iter().map(|&i| json!({
            "index": i, "rule": describe_rule(policy, i),
        })).collect::<Vec<_>>(),
        "findings": report.findings,
        "notes": report.notes,
    })
}

fn summary_line(report: &Report) -> String {
    format!(
        "azfn parity: {} environments, {} resources, {} not allowed, {} allowed, {}",
        report.environments.len(),
        report.resources,
        plural(report.failures(), "difference"),
        report.allowed(),
        plural(report.stale_rules.len(), "stale rule")
    )
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

const CELL: usize = 40;

fn cell(value: Option<&str>) -> String {
    let v = value
        .unwrap_or("<absent>")
        .replace(['\n', '\r'], "\u{23ce}");
    if v.chars().count() > CELL {
        let cut: String = v.chars().take(CELL - 1).collect();
        format!("{cut}\u{2026}")
    } else {
        v
    }
}

/// Groups rows by resource, in report order.
fn by_resource<'a>(drifts: impl Iterator<Item = &'a Drift>) -> Vec<(&'a Key, Vec<&'a Drift>)> {
    let mut out: Vec<(&Key, Vec<&Drift>)> = Vec::new();
    for d in drifts {
        match out.last_mut() {
            Some((k, rows)) if *k == &d.resource => rows.push(d),
            _ => out.push((&d.resource, vec![d])),
        }
    }
    out
}

/// One field's row: its status, field and rule, then the values under their environments.
fn text_row(
    out: &mut String,
    row: &Drift,
    policy: &ParityPolicy,
    values: &str,
    paint: &dyn Fn(&'static str) -> &'static str,
) {
    let (red, green, dim, off) = (
        paint("\x1b[1;31m"),
        paint("\x1b[32m"),
        paint("\x1b[2m"),
        paint("\x1b[0m"),
    );
    match row.allowed_by {
        Some(i) => {
            let _ = writeln!(
                out,
                "  {green}\u{2713}{off} {}  {dim}allowed by {}{off}\n    {values}",
                row.field,
                describe_rule(policy, i),
            );
        }
        None if row.resource.kind == crate::functionapp::KIND => {
            let _ = writeln!(
                out,
                "  \u{2022} {}  {dim}no rule; what it renders is compared below{off}\n    {values}",
                row.field,
            );
        }
        None => {
            let _ = writeln!(out, "  {red}\u{2717} {}{off}\n    {values}", row.field);
            if let Some(source) = &row.source {
                let _ = writeln!(
                    out,
                    "    {dim}from {} {}{off}",
                    source.resource, source.field
                );
            }
            if !row.set_at.is_empty() {
                let _ = writeln!(out, "    {dim}set at {}{off}", set_at(row));
            }
            let _ = writeln!(out, "    {dim}to allow it: {}{off}", suggested_rule(row));
        }
    }
}

/// A matrix per resource with a difference: environments as columns, a row per field, drift
/// marked `✗` (red on a terminal) and allowed differences `✓` with their rule.
pub fn text(report: &Report, policy: &ParityPolicy, color: bool) -> String {
    let paint = |code: &'static str| if color { code } else { "" };
    let (red, green, dim, bold, off) = (
        paint("\x1b[1;31m"),
        paint("\x1b[32m"),
        paint("\x1b[2m"),
        paint("\x1b[1m"),
        paint("\x1b[0m"),
    );
    let mut out = String::new();
    let groups = by_resource(report.function_apps.iter().chain(&report.drifts));
    for (key, rows) in groups {
        let widths: Vec<usize> = report
            .environments
            .iter()
            .map(|env| {
                rows.iter()
                    .map(|r| {
                        cell(r.values.get(env).cloned().flatten().as_deref())
                            .chars()
                            .count()
                    })
                    .chain([env.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| -> String {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}", w = *w))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        };
        let _ = writeln!(out, "{bold}{key}{off}");
        let _ = writeln!(out, "    {dim}{}{off}", line(report.environments.clone()));
        for row in rows {
            let cells = report
                .environments
                .iter()
                .map(|env| cell(row.values.get(env).cloned().flatten().as_deref()))
                .collect();
            text_row(&mut out, row, policy, &line(cells), &paint);
        }
        out.push('\n');
    }
    for partial in &report.partial {
        let status = match partial.allowed_by {
            Some(i) => format!(
                "{green}\u{2713}{off} allowed by {}",
                describe_rule(policy, i)
            ),
            None => format!("{red}\u{2717} missing{off}"),
        };
        let _ = writeln!(
            out,
            "{bold}{}{off}\n  {status}: only in {}\n",
            partial.resource,
            partial.present_in.join(", ")
        );
    }
    for finding in &report.findings {
        let _ = writeln!(
            out,
            "{red}\u{2717} {} {}{off}: {}\n",
            finding.code, finding.rule, finding.message
        );
    }
    for &i in &report.stale_rules {
        let _ = writeln!(
            out,
            "stale: {} matched no difference",
            describe_rule(policy, i)
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let verdict = if report.failures() == 0 { green } else { red };
    let _ = writeln!(out, "{verdict}{}{off}", summary_line(report));
    out
}

fn md(value: Option<&str>) -> String {
    match value {
        None => "*absent*".into(),
        Some(v) => {
            let v = cell(Some(v)).replace('`', "'").replace('|', "\\|");
            format!("`{v}`")
        }
    }
}

fn md_row(report: &Report, drift: &Drift, last: &str) -> String {
    let mut row = format!("| `{}` ", drift.field.replace('|', "\\|"));
    for env in &report.environments {
        let _ = write!(
            row,
            "| {} ",
            md(drift.values.get(env).cloned().flatten().as_deref())
        );
    }
    let _ = writeln!(row, "| {last} |");
    row
}

fn md_header(report: &Report, first: &str, last: &str) -> String {
    format!(
        "| {first} | {} | {last} |\n|---|{}---|\n",
        report.environments.join(" | "),
        "---|".repeat(report.environments.len())
    )
}

/// The markdown lists: resources missing from some environments, findings across
/// environments, stale rules.
fn md_lists(out: &mut String, report: &Report, policy: &ParityPolicy) {
    let missing: Vec<_> = report
        .partial
        .iter()
        .filter(|p| p.allowed_by.is_none())
        .collect();
    if !missing.is_empty() {
        out.push_str("### \u{274c} Resources missing from some environments\n\n");
        for p in missing {
            let _ = writeln!(
                out,
                "- `{}` only in {}",
                p.resource,
                p.present_in.join(", ")
            );
        }
        out.push('\n');
    }
    if !report.findings.is_empty() {
        out.push_str("### \u{274c} Across environments\n\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "- **{} {}**: {}",
                f.code,
                f.rule,
                f.message.replace('`', "'")
            );
        }
        out.push('\n');
    }
    if !report.stale_rules.is_empty() {
        out.push_str("### \u{26a0}\u{fe0f} Stale allow rules\n\n");
        for &i in &report.stale_rules {
            let _ = writeln!(
                out,
                "- `{}` matched no difference",
                describe_rule(policy, i)
            );
        }
        out.push('\n');
    }
}

/// A pull-request comment: the verdict, a table per resource with drift, the allowed
/// differences folded away.
pub fn markdown(report: &Report, policy: &ParityPolicy) -> String {
    let mut out = String::new();
    let failures = report.failures();
    let _ = writeln!(
        out,
        "## azfn parity: {}\n",
        if failures == 0 {
            "\u{2705} environments differ only where the policy allows".to_owned()
        } else {
            format!("\u{274c} {} not allowed", plural(failures, "difference"))
        }
    );
    let _ = writeln!(
        out,
        "{} environments ({}), {} resources compared; {} allowed, {}.\n",
        report.environments.len(),
        report.environments.join(", "),
        report.resources,
        plural(report.allowed(), "difference"),
        plural(report.stale_rules.len(), "stale rule")
    );
    for (key, rows) in by_resource(report.drifts.iter().filter(|d| d.allowed_by.is_none())) {
        let _ = writeln!(out, "### \u{274c} {}/{}\n", key.kind, key.name);
        out.push_str(&md_header(report, "field", "comes from"));
        for row in rows {
            let mut from = row
                .source
                .as_ref()
                .map_or_else(String::new, |s| format!("`{} {}`", s.resource, s.field));
            if let Some(place) = edited_place(report, row) {
                let _ = write!(
                    from,
                    "{}set at `{}`",
                    if from.is_empty() { "" } else { "; " },
                    place.to_string().replace('`', "'")
                );
            }
            out.push_str(&md_row(report, row, &from));
        }
        out.push('\n');
    }
    md_lists(&mut out, report, policy);
    for note in &report.notes {
        let _ = writeln!(out, "> **Note:** {note}\n");
    }
    let allowed: Vec<&Drift> = report
        .function_apps
        .iter()
        .chain(&report.drifts)
        .filter(|d| d.allowed_by.is_some())
        .collect();
    if !allowed.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} allowed, and the FunctionApp fields they come from</summary>\n",
            plural(report.allowed(), "difference")
        );
        for (key, rows) in by_resource(allowed.into_iter()) {
            let _ = writeln!(out, "**{}/{}**\n", key.kind, key.name);
            out.push_str(&md_header(report, "field", "rule"));
            for row in rows {
                let rule = row
                    .allowed_by
                    .map(|i| format!("`{}`", describe_rule(policy, i)))
                    .unwrap_or_default();
                out.push_str(&md_row(report, row, &rule));
            }
            out.push('\n');
        }
        out.push_str("</details>\n");
    }
    out
}
