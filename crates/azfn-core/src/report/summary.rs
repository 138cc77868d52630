//! The short summary the host prints on stderr.
use crate::diagnostic::Diagnostic;
use crate::krm::Severity;

/// `azfn: 2 errors, 1 warning` followed by one line per finding, in kpt's result format.
pub fn summary(findings: &[Diagnostic]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "azfn: {}, {}\n",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning")
    );
    for finding in findings {
        out.push_str("  ");
        out.push_str(&finding.to_krm_result().to_line());
        if let Some(file) = &finding.file {
            out.push_str(" (");
            out.push_str(file);
            out.push(')');
        }
        out.push('\n');
    }
    out
}
