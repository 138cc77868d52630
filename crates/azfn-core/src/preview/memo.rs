//! Environments rendered by earlier previews, reused when nothing they asked of the tree has
//! changed: typing in one overlay re-renders only the environments that read that file, not
//! every environment of a repository-sized tree.
//!
//! A render is a function of what its build asked the tree (every file read, every folder
//! listed, every path resolved, with the answers, misses included), the tree's `.rego` files,
//! its folder and its name. A render is reused only when all of those are answered the same
//! now, so a file added where a build once found nothing re-renders it too.
use std::cell::RefCell;
use std::collections::BTreeMap;

use super::EnvironmentPreview;
use crate::source::{FileSource, MemorySource, SourceError};

/// How many renders are kept: four environments and their bases twice over.
pub(super) const KEPT: usize = 16;

/// The most bytes of file contents the kept renders may hold between them (each keeps what its
/// build read, to compare): a hostile 32 MiB tree keeps two renders, not sixteen copies.
#[cfg(not(test))]
pub(super) const KEPT_BYTES: usize = 64 << 20;
/// Smaller under test, so tests trip it without building 64 MiB trees.
#[cfg(test)]
pub(super) const KEPT_BYTES: usize = 1 << 20;

/// One question a build asked its source, and the answer (`None` for an error).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Query {
    Read(String, Option<Vec<u8>>),
    List(String, Option<Vec<String>>),
    Resolve(String, Option<String>),
}

impl Query {
    /// What it asked, to ask once.
    fn question(&self) -> (u8, &str) {
        match self {
            Query::Read(path, _) => (0, path),
            Query::List(dir, _) => (1, dir),
            Query::Resolve(path, _) => (2, path),
        }
    }

    /// The bytes it holds.
    fn size(&self) -> usize {
        match self {
            Query::Read(path, bytes) => path.len() + bytes.as_ref().map_or(0, Vec::len),
            Query::List(dir, entries) => {
                dir.len() + entries.iter().flatten().map(String::len).sum::<usize>()
            }
            Query::Resolve(path, resolved) => path.len() + resolved.as_ref().map_or(0, String::len),
        }
    }

    /// Whether `source` answers the same now.
    fn holds(&self, source: &MemorySource) -> bool {
        match self {
            Query::Read(path, bytes) => source.bytes(path) == bytes.as_deref(),
            Query::List(dir, entries) => source.list(dir).ok().as_ref() == entries.as_ref(),
            Query::Resolve(path, resolved) => {
                source.resolve(path).ok().as_ref() == resolved.as_ref()
            }
        }
    }
}

/// A source that records every question and answer, for [`remember`].
pub(super) struct Asking<'a> {
    inner: &'a MemorySource,
    queries: RefCell<Vec<Query>>,
}

impl<'a> Asking<'a> {
    pub(super) fn new(inner: &'a MemorySource) -> Self {
        Self {
            inner,
            queries: RefCell::default(),
        }
    }

    fn ask(&self, query: Query) {
        let mut queries = self.queries.borrow_mut();
        // The tree does not change during a render: the first answer is the answer.
        if !queries.iter().any(|q| q.question() == query.question()) {
            queries.push(query);
        }
    }
}

impl FileSource for Asking<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let answer = self.inner.read(path);
        self.ask(Query::Read(path.to_owned(), answer.as_ref().ok().cloned()));
        answer
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        let answer = self.inner.list(dir);
        self.ask(Query::List(dir.to_owned(), answer.as_ref().ok().cloned()));
        answer
    }

    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        let answer = self.inner.resolve(path);
        self.ask(Query::Resolve(
            path.to_owned(),
            answer.as_ref().ok().cloned(),
        ));
        answer
    }
}

/// A render and what it depended on.
struct Entry {
    dir: String,
    name: String,
    rego: BTreeMap<String, String>,
    queries: Vec<Query>,
    render: (EnvironmentPreview, Vec<String>),
    /// What it holds of the tree (see [`KEPT_BYTES`]).
    size: usize,
}

thread_local! {
    /// Most recently used last.
    static RENDERS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    /// Renders answered from [`RENDERS`] (tests count reuse by it).
    static RECALLED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// An earlier render of `dir` as `name` whose every question `source` answers the same.
pub(super) fn recall(
    source: &MemorySource,
    rego: &BTreeMap<String, String>,
    dir: &str,
    name: &str,
) -> Option<(EnvironmentPreview, Vec<String>)> {
    RENDERS.with(|renders| {
        let mut renders = renders.borrow_mut();
        let index = renders.iter().position(|e| {
            e.dir == dir
                && e.name == name
                && e.rego == *rego
                && e.queries.iter().all(|q| q.holds(source))
        })?;
        let entry = renders.remove(index);
        let render = entry.render.clone();
        renders.push(entry);
        RECALLED.with(|r| r.set(r.get() + 1));
        Some(render)
    })
}

/// Keeps a render with the questions its build asked, dropping the least recently used past
/// [`KEPT`] renders or [`KEPT_BYTES`].
pub(super) fn remember(
    asking: Asking<'_>,
    rego: &BTreeMap<String, String>,
    dir: &str,
    name: &str,
    render: &(EnvironmentPreview, Vec<String>),
) {
    let queries = asking.queries.into_inner();
    let size = queries.iter().map(Query::size).sum::<usize>()
        + rego.iter().map(|(p, t)| p.len() + t.len()).sum::<usize>();
    RENDERS.with(|renders| {
        let mut renders = renders.borrow_mut();
        renders.retain(|e| !(e.dir == dir && e.name == name));
        if size > KEPT_BYTES {
            return;
        }
        while renders.len() >= KEPT
            || renders.iter().map(|e| e.size).sum::<usize>() + size > KEPT_BYTES
        {
            renders.remove(0);
        }
        renders.push(Entry {
            dir: dir.to_owned(),
            name: name.to_owned(),
            rego: rego.clone(),
            queries,
            render: render.clone(),
            size,
        });
    });
}

/// How many renders are kept now, and how many were answered from them so far on this
/// thread (tests check the bound and the reuse).
#[cfg(test)]
pub(super) fn counts() -> (usize, usize) {
    (
        RENDERS.with(|r| r.borrow().len()),
        RECALLED.with(std::cell::Cell::get),
    )
}

/// The bytes the kept renders hold now.
#[cfg(test)]
pub(super) fn kept_bytes() -> usize {
    RENDERS.with(|r| r.borrow().iter().map(|e| e.size).sum())
}
