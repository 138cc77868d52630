//! Output formats of `azfn check`: text for people, JSON for scripts, SARIF 2.1.0 for code
//! scanning, JUnit XML for CI dashboards.
use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::krm::{KrmResult, Severity};
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
}

/// A finding with the line of its field in its file, where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The result as the function reported it.
    pub result: KrmResult,
    /// 1-based line in `result.file.path`.
    pub line: Option<usize>,
}

impl Located {
    /// A result with no line to point at.
    pub fn unplaced(result: KrmResult) -> Self {
        Self { result, line: None }
    }

    fn code(&self) -> Option<&str> {
        self.result.tags.get("code").map(String::as_str)
    }

    fn rule(&self) -> Option<&str> {
        self.result.tags.get("rule").map(String::as_str)
    }

    /// The message without the `CODE name: ` prefix KRM results carry for kpt's console.
    fn message(&self) -> &str {
        match (self.code(), self.rule()) {
            (Some(code), Some(rule)) => self
                .result
                .message
                .strip_prefix(&format!("{code} {rule}: "))
                .unwrap_or(&self.result.message),
            _ => &self.result.message,
        }
    }

    fn file(&self) -> &str {
        self.result
            .file
            .as_ref()
            .map_or("<unknown>", |f| f.path.as_str())
    }

    fn resource(&self) -> String {
        self.result
            .resource_ref
            .as_ref()
            .map_or_else(String::new, |r| {
                if r.namespace.is_empty() {
                    format!("{}/{}", r.kind, r.name)
                } else {
                    format!("{}/{}/{}", r.kind, r.namespace, r.name)
                }
            })
    }
}

/// What SARIF says about a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub explanation: &'static str,
    /// The page documenting it, relative to the repository (`docs/rules.md`).
    pub doc: &'static str,
}

impl RuleInfo {
    /// A policy rule's description.
    pub fn of(rule: &dyn Rule) -> Self {
        Self {
            code: rule.code(),
            name: rule.name(),
            severity: rule.default_severity(),
            explanation: rule.explanation(),
            doc: "docs/rules.md",
        }
    }

    /// Every policy rule's.
    pub fn policy_rules() -> Vec<Self> {
        crate::policy::registry()
            .iter()
            .map(|r| Self::of(*r))
            .collect()
    }
}

/// Renders `findings` in `format`. `rules` describes every rule for SARIF's rule metadata;
/// `files` is how many files were checked; `suite` names the JUnit test suite.
pub fn render(
    format: Format,
    findings: &[Located],
    rules: &[RuleInfo],
    files: usize,
    suite: &str,
) -> String {
    match format {
        Format::Text { color } => text(findings, files, color),
        Format::Json => json(findings, files),
        Format::Sarif => sarif(findings, rules),
        Format::Junit => junit(findings, suite),
    }
}

fn count(findings: &[Located], severity: Severity) -> usize {
    findings
        .iter()
        .filter(|f| f.result.severity == severity)
        .count()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn text(findings: &[Located], files: usize, color: bool) -> String {
    let mut sorted: Vec<&Located> = findings.iter().collect();
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
        let (on, off) = paint(finding.result.severity);
        let location = finding.line.map_or_else(
            || finding.file().to_owned(),
            |l| format!("{}:{l}", finding.file()),
        );
        let code = finding.code().map_or_else(String::new, |c| {
            format!("{c} {}: ", finding.rule().unwrap_or_default())
        });
        let field = finding
            .result
            .field
            .as_ref()
            .map_or_else(String::new, |f| format!(" {}", f.path));
        let _ = writeln!(
            out,
            "  {location}: {on}{}{off}: {code}{}{field}\n      {}",
            finding.result.severity.as_str(),
            finding.resource(),
            finding.message()
        );
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

fn json(findings: &[Located], files: usize) -> String {
    let items: Vec<Json> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code(),
                "rule": f.rule(),
                "severity": f.result.severity.as_str(),
                "message": f.message(),
                "resource": f.result.resource_ref,
                "field": f.result.field.as_ref().map(|x| &x.path),
                "file": f.result.file.as_ref().map(|x| &x.path),
                "index": f.result.file.as_ref().map(|x| x.index),
                "line": f.line,
            })
        })
        .collect();
    let doc = json!({
        "tool": "azfn",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": {
            "files": files,
            "errors": count(findings, Severity::Error),
            "warnings": count(findings, Severity::Warning),
            "infos": count(findings, Severity::Info),
        },
        "findings": items,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

const REPOSITORY: &str = "https://github.com/azfn-dev/azfn";

fn first_sentence(text: &str) -> &str {
    text.find(". ").map_or(text, |i| &text[..=i])
}

fn sarif(findings: &[Located], rules: &[RuleInfo]) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    };
    let descriptors: Vec<Json> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": first_sentence(r.explanation)},
                "fullDescription": {"text": r.explanation},
                "helpUri": format!("{REPOSITORY}/blob/main/{}#{}", r.doc, r.code.to_ascii_lowercase()),
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let results: Vec<Json> = findings
        .iter()
        .map(|f| {
            let mut physical = json!({"artifactLocation": {"uri": f.file()}});
            if let Some(line) = f.line {
                physical["region"] = json!({"startLine": line});
            }
            let mut location = json!({"physicalLocation": physical});
            if let Some(r) = &f.result.resource_ref {
                let mut logical = json!({
                    "name": f.resource(),
                    "fullyQualifiedName": format!("{}/{}", r.api_version, f.resource()),
                    "kind": "resource",
                });
                if let Some(field) = &f.result.field {
                    logical["fullyQualifiedName"] =
                        json!(format!("{}/{}#{}", r.api_version, f.resource(), field.path));
                }
                location["logicalLocations"] = json!([logical]);
            }
            let mut result = json!({
                "level": level(f.result.severity),
                "message": {"text": f.message()},
                "locations": [location],
            });
            if let Some(index) = f
                .code()
                .and_then(|c| rules.iter().position(|r| r.code == c))
            {
                result["ruleId"] = json!(rules[index].code);
                result["ruleIndex"] = json!(index);
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

fn junit(findings: &[Located], suite: &str) -> String {
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
        let location = f
            .line
            .map_or_else(|| f.file().to_owned(), |l| format!("{}:{l}", f.file()));
        let name = format!(
            "{} {} {}",
            f.code().unwrap_or("azfn"),
            f.resource(),
            f.result.field.as_ref().map_or("", |x| x.path.as_str())
        );
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml(f.file()),
            xml(name.trim_end())
        );
        match f.result.severity {
            Severity::Error => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}: {}</failure>\n    </testcase>",
                    xml(f.message()),
                    f.code().unwrap_or("error"),
                    xml(&location),
                    xml(f.message())
                );
            }
            Severity::Warning | Severity::Info => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{} {}: {}</system-out>\n    </testcase>",
                    f.result.severity.as_str(),
                    xml(&location),
                    xml(f.message())
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
