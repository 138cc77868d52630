//! Output formats of `azfn check`: text for people, JSON for scripts, SARIF 2.1.0 for code
//! scanning, JUnit XML for CI dashboards.
use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::diagnostic::Diagnostic;
use crate::krm::Severity;
use crate::policy::Rule;

/// How to print findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped by file, one line per finding; `color` adds ANSI colours for a terminal.
    Text {
        /// Whether to colour severities.
        color: bool,
    },
    /// A JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitLab's code-quality report: the Code Climate JSON fields GitLab reads.
    Gitlab,
}

/// What the formats read of a diagnostic.
trait Shown {
    fn file(&self) -> &str;
    fn place(&self) -> String;
}

impl Shown for Diagnostic {
    fn file(&self) -> &str {
        self.file.as_deref().unwrap_or("<unknown>")
    }

    /// `file:line`, or the file alone.
    fn place(&self) -> String {
        self.line.map_or_else(
            || self.file().to_owned(),
            |l| format!("{}:{l}", self.file()),
        )
    }
}

/// What SARIF says about a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: Cow<'static, str>,
    pub name: Cow<'static, str>,
    pub severity: Severity,
    pub explanation: Cow<'static, str>,
    /// The page of azfn's repository documenting it (`docs/rules.md`); empty for a team's
    /// own rule, which azfn does not document.
    pub doc: Cow<'static, str>,
}

impl RuleInfo {
    /// A policy rule's description.
    pub fn of(rule: &dyn Rule) -> Self {
        Self {
            code: rule.code().into(),
            name: rule.name().into(),
            severity: rule.default_severity(),
            explanation: rule.explanation().into(),
            doc: "docs/rules.md".into(),
        }
    }

    /// Every policy rule's.
    pub fn policy_rules() -> Vec<Self> {
        crate::policy::registry()
            .iter()
            .map(|r| Self::of(*r))
            .collect()
    }

    /// Every policy rule's, and one for each team rule (Rego) `findings` hold.
    pub fn policy_rules_and_team(findings: &[Diagnostic]) -> Vec<Self> {
        let mut rules = Self::policy_rules();
        for finding in findings {
            if finding.code == crate::diagnostic::INPUT_ERROR.0
                || rules.iter().any(|r| r.code == finding.code)
            {
                continue;
            }
            rules.push(Self {
                code: finding.code.clone().into(),
                name: finding.rule.clone().into(),
                severity: finding.severity,
                explanation: format!(
                    "A team rule, written in Rego (rule set `{}`).",
                    finding.rule
                )
                .into(),
                doc: "".into(),
            });
        }
        rules
    }
}

/// Renders `findings` in `format`. `rules` describes every rule for SARIF's rule metadata;
/// `files` is how many files were checked; `suite` names the JUnit test suite.
pub fn render(
    format: Format,
    findings: &[Diagnostic],
    rules: &[RuleInfo],
    files: usize,
    suite: &str,
) -> String {
    match format {
        Format::Text { color } => text(findings, files, color),
        Format::Json => json(findings, files),
        Format::Sarif => sarif(findings, rules),
        Format::Junit => junit(findings, suite),
        Format::Gitlab => gitlab(findings),
    }
}

fn count(findings: &[Diagnostic], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn text(findings: &[Diagnostic], files: usize, color: bool) -> String {
    let mut sorted: Vec<&Diagnostic> = findings.iter().collect();
    sorted.sort_by(|a, b| (a.file(), a.line).cmp(&(b.file(), b.line)));
    let paint = |severity: Severity| -> (&str, &str) {
        match (color, severity) {
            (false, _) => ("", ""),
            (true, Severity::Error) => ("\x1b[1;31m", "\x1b[0m"),
            (true, Severity::Warning) => ("\x1b[1;33m", "\x1b[0m"),
            (true, Severity::Info) => ("\x1b[1;34m", "\x1b[0m"),
        }
    };
    let mut out = String::new();
    let mut current = None;
    for finding in sorted {
        if current != Some(finding.file()) {
            if current.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", finding.file());
            current = Some(finding.file());
        }
        let (on, off) = paint(finding.severity);
        let code = if finding.code.is_empty() {
            String::new()
        } else {
            format!("{} {}: ", finding.code, finding.rule)
        };
        let field = finding
            .field
            .as_ref()
            .map_or_else(String::new, |f| format!(" {f}"));
        let _ = writeln!(
            out,
            "  {}: {on}{}{off}: {code}{}{field}\n      {}",
            finding.place(),
            finding.severity.as_str(),
            finding.resource_name(),
            finding.message
        );
        for related in &finding.related {
            let place = related
                .line
                .map_or_else(|| related.file.clone(), |l| format!("{}:{l}", related.file));
            let _ = writeln!(out, "      {}: {place}", related.message);
        }
        if let Some(suggestion) = &finding.suggestion {
            let _ = writeln!(out, "      fix: {suggestion}");
        }
    }
    if !findings.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "azfn: {}, {}, {} in {}",
        plural(count(findings, Severity::Error), "error"),
        plural(count(findings, Severity::Warning), "warning"),
        plural(count(findings, Severity::Info), "info"),
        plural(files, "file")
    );
    out
}

fn json(findings: &[Diagnostic], files: usize) -> String {
    let doc = json!({
        "tool": "azfn",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": {
            "files": files,
            "errors": count(findings, Severity::Error),
            "warnings": count(findings, Severity::Warning),
            "infos": count(findings, Severity::Info),
        },
        "findings": findings,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

const REPOSITORY: &str = "https://github.com/azfn-dev/azfn";

fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |i| &text[..=i])
}

fn sarif(findings: &[Diagnostic], rules: &[RuleInfo]) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let descriptors: Vec<Json> = rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": first_sentence(&r.explanation)},
                "fullDescription": {"text": r.explanation},
            });
            if !r.doc.is_empty() {
                rule["helpUri"] = json!(format!(
                    "{REPOSITORY}/blob/main/{}#{}",
                    r.doc,
                    r.code.to_ascii_lowercase()
                ));
            }
            rule["defaultConfiguration"] = json!({"level": level(r.severity)});
            rule
        })
        .collect();
    let results: Vec<Json> = findings
        .iter()
        .map(|f| {
            let mut location = json!({"physicalLocation": physical(f.file(), f.line)});
            if let Some(r) = &f.resource {
                let name = f.resource_name();
                let mut logical = json!({
                    "name": name,
                    "fullyQualifiedName": format!("{}/{name}", r.api_version),
                    "kind": "resource",
                });
                if let Some(field) = &f.field {
                    logical["fullyQualifiedName"] =
                        json!(format!("{}/{name}#{field}", r.api_version));
                }
                location["logicalLocations"] = json!([logical]);
            }
            let text = match &f.suggestion {
                Some(suggestion) => format!("{} ({suggestion})", f.message),
                None => f.message.clone(),
            };
            let mut result = json!({
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [location],
            });
            if !f.related.is_empty() {
                result["relatedLocations"] = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(id, r)| {
                        json!({
                            "id": id,
                            "message": {"text": r.message},
                            "physicalLocation": physical(&r.file, r.line),
                        })
                    })
                    .collect();
            }
            if let Some(fingerprint) = &f.fingerprint {
                result["partialFingerprints"] = json!({"azfnFingerprint/v1": fingerprint});
            }
            match rules.iter().position(|r| r.code == f.code) {
                Some(index) => {
                    result["ruleId"] = json!(rules[index].code);
                    result["ruleIndex"] = json!(index);
                }
                None if !f.code.is_empty() => result["ruleId"] = json!(f.code),
                None => {}
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "azfn",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": REPOSITORY,
                "rules": descriptors,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// GitLab's code-quality report (docs.gitlab.com, "Code Quality report format"): an array of
/// issues with `description`, `check_name`, `fingerprint`, `severity` and `location.path` /
/// `location.lines.begin`. GitLab folds issues with one fingerprint into one, so each finding's
/// is its baseline fingerprint made unique by its file and its rank among equal ones.
fn gitlab(findings: &[Diagnostic]) -> String {
    use sha2::{Digest, Sha256};
    let mut seen = std::collections::BTreeMap::<(String, &str), usize>::new();
    let issues: Vec<Json> = findings
        .iter()
        .map(|f| {
            let identity = f
                .fingerprint
                .clone()
                .unwrap_or_else(|| crate::baseline::entry(f, None).fingerprint);
            let rank = seen.entry((identity.clone(), f.file())).or_default();
            *rank += 1;
            let digest = Sha256::digest(format!("{identity}\0{}\0{rank}", f.file()));
            let fingerprint = crate::text::hex(&digest[..16]);
            let mut description = format!("{} {}: {}", f.code, f.rule, f.message);
            if let Some(suggestion) = &f.suggestion {
                let _ = write!(description, " ({suggestion})");
            }
            json!({
                "description": description,
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": {"path": f.file(), "lines": {"begin": f.line.unwrap_or(1)}},
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}

/// A SARIF physical location: the file, and the line where known.
fn physical(file: &str, line: Option<usize>) -> Json {
    let mut physical = json!({"artifactLocation": {"uri": file}});
    if let Some(line) = line {
        physical["region"] = json!({"startLine": line});
    }
    physical
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn junit(findings: &[Diagnostic], suite: &str) -> String {
    let failures = count(findings, Severity::Error);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"azfn\" tests=\"{}\" failures=\"{failures}\">",
        findings.len().max(1)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
        xml(suite),
        findings.len().max(1)
    );
    if findings.is_empty() {
        out.push_str("    <testcase classname=\"azfn\" name=\"no findings\"/>\n");
    }
    for f in findings {
        let location = f.place();
        let name = format!(
            "{} {} {}",
            if f.code.is_empty() { "azfn" } else { &f.code },
            f.resource_name(),
            f.field.as_deref().unwrap_or_default()
        );
        let message = match &f.suggestion {
            Some(suggestion) => format!("{} ({suggestion})", f.message),
            None => f.message.clone(),
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(f.file()),
            xml(name.trim_end())
        );
        match f.severity {
            Severity::Error => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}: {}</failure>\n    </testcase>",
                    xml(&message),
                    if f.code.is_empty() { "error" } else { &f.code },
                    xml(&location),
                    xml(&message)
                );
            }
            Severity::Warning | Severity::Info => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{} {}: {}</system-out>\n    </testcase>",
                    f.severity.as_str(),
                    xml(&location),
                    xml(&message)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
