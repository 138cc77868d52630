//! Parsing policy files into an engine, and finding the rule sets and tests they define.
use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex_lite::Regex;

use super::{PolicyFile, RegoError, RuleSet};

/// `package a.b` at the start of a line.
static PACKAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^package\s+([A-Za-z_][A-Za-z0-9_.]*)").expect("a regex"));
/// A conftest rule set's head at the start of a line (`deny contains`, `deny[msg]`, `warn_x if`).
static RULE_SET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^((?:deny|warn|violation)(?:_[A-Za-z0-9_]+)?)\b").expect("a regex")
});
/// A test's head at the start of a line.
static TEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^(test_[A-Za-z0-9_]+)\b").expect("a regex"));

/// `data.<package>` of a file, as regorus names it.
pub(super) fn package(text: &str) -> Option<String> {
    PACKAGE.captures(text).map(|c| format!("data.{}", &c[1]))
}

/// An engine holding `files`. Each file is read as Rego v1 (what OPA 1.0 and conftest read
/// today), or as v0 when only that works, so older conftest policies run unchanged.
pub(super) fn engine(files: &[&PolicyFile]) -> Result<regorus::Engine, RegoError> {
    super::limits::install();
    let mut engine = regorus::Engine::new();
    for file in files {
        super::parse_cost::check(&file.path, &file.text)?;
        engine.set_rego_v0(false);
        let Err(v1) = engine.add_policy(file.path.clone(), file.text.clone()) else {
            continue;
        };
        engine.set_rego_v0(true);
        if engine
            .add_policy(file.path.clone(), file.text.clone())
            .is_err()
        {
            return Err(syntax(&file.path, &v1.to_string()));
        }
    }
    engine.set_rego_v0(false);
    Ok(engine)
}

/// The rule sets `files` define, in file order, each once.
pub(super) fn rule_sets(files: &[&PolicyFile]) -> Vec<RuleSet> {
    let mut seen = BTreeSet::new();
    let mut sets = Vec::new();
    for file in files {
        let Some(package) = package(&file.text) else {
            continue;
        };
        for head in RULE_SET.captures_iter(&file.text) {
            let rule = head[1].to_owned();
            if seen.insert((package.clone(), rule.clone())) {
                sets.push(RuleSet {
                    package: package.clone(),
                    rule,
                    file: file.path.clone(),
                });
            }
        }
    }
    sets
}

/// Every `test_*` rule of `file` with its package, each once.
pub(super) fn tests(file: &PolicyFile) -> Vec<(String, String)> {
    let Some(package) = package(&file.text) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    TEST.captures_iter(&file.text)
        .filter(|c| seen.insert(c[1].to_owned()))
        .map(|c| (package.clone(), c[1].to_owned()))
        .collect()
}

/// A regorus parse error (`--> file:line:col`, the source line, `error: message`) as a
/// [`RegoError::Syntax`].
pub(super) fn syntax(file: &str, text: &str) -> RegoError {
    let place = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("--> "))
        .and_then(|p| {
            let mut parts = p.rsplitn(3, ':');
            let column = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((line, column))
        });
    let message = text
        .lines()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.trim())
        .to_owned();
    let (line, column) = place.unwrap_or((1, 1));
    // Lines and columns are 1-based; regorus says column 0 for an error before a line's first
    // character.
    RegoError::Syntax {
        file: file.to_owned(),
        line: line.max(1),
        column: column.max(1),
        message,
    }
}
