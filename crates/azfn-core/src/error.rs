//! Errors for input that cannot be processed at all. Problems *in* valid input are findings
//! ([`crate::diagnostic::Diagnostic`]s of a rule), never errors; an error is reported as a
//! diagnostic too ([`crate::diagnostic::Diagnostic::input_error`]).
use std::fmt;

/// Where in the user's input something is: file (or stream name), document, line, field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file the input came from, or a stream name such as `<stdin>`.
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// 1-based column, where known.
    pub column: Option<usize>,
    /// The resource, as `Kind/name`, where known.
    pub resource: Option<String>,
    /// The field path inside the resource or document, where known.
    pub field: Option<String>,
}

impl Location {
    /// A location in `file` with nothing else known yet.
    pub fn file(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            ..Self::default()
        }
    }

    /// The same location, pointing at `field`.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same location, naming the resource.
    #[must_use]
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// The same location, at `line`.
    #[must_use]
    pub fn line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// `field` of `file`: a kustomization entry such as `patches[0]`.
    pub fn at(file: impl Into<String>, field: impl Into<String>) -> Self {
        Self::file(file).field(field)
    }

    /// A field below this one: `patches[0]` then `path` is `patches[0].path`; `[2]` is
    /// `patches[0][2]`.
    #[must_use]
    pub fn child(&self, segment: &str) -> Self {
        let field = match self.field.as_deref() {
            None | Some("") => segment.to_owned(),
            Some(field) if segment.starts_with('[') => format!("{field}{segment}"),
            Some(field) => format!("{field}.{segment}"),
        };
        Self {
            field: Some(field),
            ..self.clone()
        }
    }

    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
            && self.line.is_none()
            && self.resource.is_none()
            && self.field.is_none()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if !self.file.is_empty() || self.line.is_some() {
            parts.push(match (self.line, self.column) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file),
                (Some(line), None) => format!("{}:{line}", self.file),
                _ => self.file.clone(),
            });
        }
        parts.extend(self.resource.iter().cloned());
        parts.extend(self.field.iter().cloned());
        f.write_str(&parts.join(": "))
    }
}

/// Input that azfn cannot process. Every variant says where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The text is not YAML (or JSON).
    #[error("{location}: not valid YAML: {message}")]
    Yaml {
        /// Where the parser stopped.
        location: Location,
        /// What the parser said.
        message: String,
    },
    /// The input exceeds a size or nesting limit.
    #[error("{location}: {message}")]
    Limit {
        /// Which input.
        location: Location,
        /// Which limit and by how much.
        message: String,
    },
    /// Valid YAML with the wrong shape (not a ResourceList, an item that is not an object, ...).
    #[error("{location}: {message}")]
    Shape {
        /// Where.
        location: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// An azfn resource (a FunctionApp) is invalid: every problem with its field.
    #[error("{}", spec_problems(file, resource, problems))]
    Spec {
        /// The file it came from.
        file: String,
        /// `Kind/name`.
        resource: String,
        /// `(field path, message)` pairs.
        problems: Vec<(String, String)>,
    },
    /// A team's Rego policy cannot be used: not Rego, failing, or past its budget.
    #[error("{location}: policy: {message}")]
    Policy {
        /// The policy file, with line and column where known.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The function configuration is invalid.
    #[error("{location}: invalid function config: {message}")]
    Config {
        /// Where in the config.
        location: Location,
        /// What is wrong, with a suggestion where one exists.
        message: String,
    },
}

impl Error {
    /// Where the error is: for an invalid FunctionApp, its first invalid field.
    pub fn location(&self) -> Location {
        match self {
            Self::Yaml { location, .. }
            | Self::Limit { location, .. }
            | Self::Shape { location, .. }
            | Self::Policy { location, .. }
            | Self::Config { location, .. } => location.clone(),
            Self::Spec {
                file,
                resource,
                problems,
            } => {
                let location = Location::file(file.as_str()).resource(resource.as_str());
                match problems.first() {
                    Some((field, _)) => location.field(field.as_str()),
                    None => location,
                }
            }
        }
    }

    /// Shorthand for a [`Error::Shape`] error.
    pub fn shape(location: Location, message: impl Into<String>) -> Self {
        Self::Shape {
            location,
            message: message.into(),
        }
    }
}

fn spec_problems(file: &str, resource: &str, problems: &[(String, String)]) -> String {
    problems
        .iter()
        .map(|(field, message)| format!("{file}: {resource}: {field}: {message}"))
        .collect::<Vec<_>>()
        .join("\n")
}
