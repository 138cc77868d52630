//! The check before a share link is made: every file of the tree, as text and as manifests,
//! through azfn's secret detection. A link holds the whole tree, so one flagged value anywhere
//! refuses it.
use serde::Serialize;

use crate::config::Config;
use crate::krm::Resource;
use crate::policy;
use crate::report::locate::field_line;
use crate::secrets;
use crate::source::{FileSource, MemorySource};

/// A line that holds a secret, said without the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretLine {
    pub file: String,
    /// 1-based.
    pub line: usize,
    pub message: String,
}

/// Every line of the tree that holds a secret: the inline-secret rule over each manifest
/// (which also decodes Secret data), then the secret patterns over each line of every file.
pub fn scan_secrets(source: &MemorySource) -> Vec<SecretLine> {
    let mut out: Vec<SecretLine> = Vec::new();
    for path in source.paths() {
        let Ok(bytes) = source.read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let before = out.len();
        manifests(path, &text, &mut out);
        let flagged: Vec<usize> = out[before..].iter().map(|s| s.line).collect();
        for (i, line) in text.lines().enumerate() {
            if flagged.contains(&(i + 1)) {
                continue;
            }
            if let Some(found) = secrets::find_secret(line)
                && !found.is_emulator_key
            {
                out.push(SecretLine {
                    file: path.to_owned(),
                    line: i + 1,
                    message: format!("{}: {}", found.kind, found.redacted),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

fn manifests(path: &str, text: &str, out: &mut Vec<SecretLine>) {
    if !super::is_yaml(path) {
        return;
    }
    let inline_secret = policy::rules::azf001_inline_secret::InlineSecret;
    let code = policy::Rule::code(&inline_secret);
    for (doc, start) in super::documents(text, path) {
        let serde_yaml::Value::Mapping(object) = doc else {
            continue;
        };
        for finding in policy::check(&[Resource::new(object)], &Config::default()) {
            if finding.code != code {
                continue;
            }
            let line = field_line(text, start, finding.field.as_deref().unwrap_or_default());
            out.push(SecretLine {
                file: path.to_owned(),
                line,
                message: finding.message,
            });
        }
    }
}
