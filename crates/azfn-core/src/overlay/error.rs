//! Build errors as data: what failed, the steps it happened in, and where (file, entry or
//! resource and field, line), so callers place an error without reading its message.
use super::paths;
use crate::error::{Error, Location};

/// Why a build failed: what, and where as data (the file as shown from the tree's root, the
/// kustomization entry or the resource and field, the line where known), so a caller points
/// at it without reading the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// What the build was doing, outermost first (`accumulating resources`).
    pub context: Vec<String>,
    /// Where; empty for kustomize's own messages that name their path in the text.
    pub location: Location,
    /// What is wrong.
    pub message: String,
    /// Further problems found at the same time (every invalid field of a `FunctionApp`).
    pub also: Vec<BuildError>,
}

impl std::error::Error for BuildError {}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for context in &self.context {
            write!(f, "{context}: ")?;
        }
        if !self.location.is_empty() {
            write!(f, "{}: ", self.location)?;
        }
        f.write_str(&self.message)?;
        for also in &self.also {
            write!(f, "\n{also}")?;
        }
        Ok(())
    }
}

impl BuildError {
    /// An error whose message says where (kustomize's own wording).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            context: Vec::new(),
            location: Location::default(),
            message: message.into(),
            also: Vec::new(),
        }
    }

    /// An error at `location`.
    pub fn at(location: &Location, message: impl Into<String>) -> Self {
        Self {
            location: location.clone(),
            ..Self::new(message)
        }
    }

    pub(crate) fn unsupported(at: &Location, what: &str) -> Self {
        Self::at(at, format!("not supported by azfn build: {what}"))
    }

    pub(crate) fn missing_kustomization(dir: &str) -> Self {
        Self::new(format!(
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
            paths::display(dir)
        ))
    }

    pub(super) fn context(mut self, prefix: &str) -> Self {
        self.context.insert(0, prefix.to_owned());
        self
    }

    /// A YAML error in text written inline at `at`: placed at the entry, whose text the
    /// error's line counts from.
    pub(crate) fn inline(error: Error, at: &Location) -> Self {
        match error {
            Error::Yaml { location, message } => Self::at(
                at,
                match location.line {
                    Some(line) => {
                        format!("not valid YAML at line {line} of the inline text: {message}")
                    }
                    None => format!("not valid YAML: {message}"),
                },
            ),
            other => Self {
                location: at.clone(),
                ..Self::from(other)
            },
        }
    }

    /// The same error, inside `entry` (a `transformers:` entry that ran a plugin).
    #[must_use]
    pub fn within(self, entry: &Location) -> Self {
        self.context(&entry.to_string())
    }
}

/// Input errors keep their place: a `FunctionApp`'s invalid fields stay one error each.
impl From<Error> for BuildError {
    fn from(error: Error) -> Self {
        match error {
            Error::Yaml { location, message } => {
                Self::at(&location, format!("not valid YAML: {message}"))
            }
            Error::Limit { location, message } | Error::Shape { location, message } => {
                Self::at(&location, message)
            }
            Error::Config { location, message } => {
                Self::at(&location, format!("invalid function config: {message}"))
            }
            Error::Policy { location, message } => {
                Self::at(&location, format!("policy: {message}"))
            }
            Error::Spec {
                file,
                resource,
                problems,
            } => {
                let mut errors = problems.into_iter().map(|(field, message)| {
                    Self::at(
                        &Location::file(file.clone())
                            .resource(resource.clone())
                            .field(field),
                        message,
                    )
                });
                let mut first = errors.next().unwrap_or_else(|| {
                    Self::at(
                        &Location::file(file.clone()).resource(resource.clone()),
                        "invalid",
                    )
                });
                first.also = errors.collect();
                first
            }
        }
    }
}
