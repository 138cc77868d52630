//! Paths inside a [`FileSource`](crate::source::FileSource): `/`-separated, relative to the
//! source's root, `""` for the root itself, shown to users with a leading `/`.

/// Joins `relative` onto the directory `dir` and normalises `.` and `..`; `None` when the
/// result would leave the source's root.
pub(crate) fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = if relative.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The last component of `path`.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Whether `path` is `dir` or inside it.
pub(crate) fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// `path` relative to the directory `from` (`../base/x.yaml`).
pub(crate) fn relative(from: &str, path: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// How a path is shown in messages: absolute within the source.
pub(crate) fn display(path: &str) -> String {
    format!("/{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_and_normalises() {
        assert_eq!(join("overlays/prod", "../../base").as_deref(), Some("base"));
        assert_eq!(join("a", "./b/./c.yaml").as_deref(), Some("a/b/c.yaml"));
        assert_eq!(join("a", "../../x"), None);
        assert_eq!(join("a", "/x/y").as_deref(), Some("x/y"));
        assert!(is_within("a/b", "a") && !is_within("ab", "a") && is_within("x", ""));
        assert_eq!(base_name("a/b/c"), "c");
        assert_eq!(display(""), "/");
        assert_eq!(relative("a/overlay", "a/base/x.yaml"), "../base/x.yaml");
        assert_eq!(relative("", "x.yaml"), "x.yaml");
    }
}
