//! The only way the core reads files: the host implements [`FileSource`] over the disk, the
//! browser over its editor tabs, tests over memory.
use std::collections::BTreeMap;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// No such file.
    #[error("{0}: no such file")]
    NotFound(String),
    /// The path leaves the root it is confined to.
    #[error("{0}: path escapes the root")]
    Escapes(String),
    /// Anything else the implementation reports.
    #[error("{path}: {message}")]
    Other {
        /// The path asked for.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Read access to a tree of files addressed by `/`-separated relative paths.
pub trait FileSource {
    /// The bytes of the file at `path`.
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError>;
    /// The entries directly inside the directory `dir` (`""` is the root), sorted.
    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError>;
    /// The path with symbolic links resolved, so the load restrictor checks where a file
    /// really is. Sources without links return the path itself.
    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        Ok(path.to_owned())
    }
}

/// An in-memory tree: tests, the browser, and inputs already read by a host.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemorySource {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(normalize(&path.into()), bytes.into());
    }

    /// Every file's path, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The bytes `read` would return, borrowed (`None` where it would fail).
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        let key = normalize(path);
        if key.split('/').any(|part| part == "..") {
            return None;
        }
        self.files.get(&key).map(Vec::as_slice)
    }
}

/// A path as the tree keys it: no `./` in front, no slashes at either end.
pub(crate) fn normalize(path: &str) -> String {
    path.trim_start_matches("./").trim_matches('/').to_owned()
}

impl FileSource for MemorySource {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let key = normalize(path);
        if key.split('/').any(|part| part == "..") {
            return Err(SourceError::Escapes(path.to_owned()));
        }
        self.files
            .get(&key)
            .cloned()
            .ok_or_else(|| SourceError::NotFound(path.to_owned()))
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        let dir = normalize(dir);
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: Vec<String> = self
            .files
            .keys()
            .filter_map(|key| key.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_owned())
            .collect();
        entries.dedup();
        if entries.is_empty() && !dir.is_empty() {
            return Err(SourceError::NotFound(dir));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_source_reads_and_lists() {
        let mut src = MemorySource::new();
        src.insert("base/kustomization.yaml", "resources: []");
        src.insert("base/app.yaml", "kind: X");
        src.insert("overlays/dev/kustomization.yaml", "");
        assert_eq!(src.read("./base/app.yaml").unwrap(), b"kind: X");
        assert_eq!(src.list("").unwrap(), vec!["base", "overlays"]);
        assert_eq!(
            src.list("base").unwrap(),
            vec!["app.yaml", "kustomization.yaml"]
        );
        assert_eq!(
            src.read("base/../secret"),
            Err(SourceError::Escapes("base/../secret".into()))
        );
        assert!(matches!(src.read("nope"), Err(SourceError::NotFound(_))));
    }
}
