//! A bound on what a policy file may cost the Rego parser before it is parsed. regorus's parser
//! tries each `[` and `{` more than one way, so its time doubles with every level of nesting
//! (a literal twenty levels deep takes minutes); the step budget cannot see parsing. So a
//! file's cost is counted first, `2^depth` for each bracket it opens (outside strings and
//! comments), and a file over [`MAX_COST`] is refused at the bracket that crossed it. A run of
//! signs (`- - - 1`) makes the parser recurse once per sign, past any stack (a fuzzer found
//! one that aborted azfn); more than [`MAX_SIGNS`] in a row are refused the same way.

use super::RegoError;

/// About two seconds of parsing: room for sixty-four Kubernetes objects written out down to a
/// container's `secretKeyRef` (ten levels) in one test file, far short of a hang.
pub(crate) const MAX_COST: u64 = 1 << 17;

/// Signs in a row: regorus itself refuses expressions nested deeper than 32.
pub(crate) const MAX_SIGNS: u32 = 32;

/// `Err` naming the line and column where `text` (the file `path`) passes [`MAX_COST`] or
/// [`MAX_SIGNS`].
pub(super) fn check(path: &str, text: &str) -> Result<(), RegoError> {
    let mut depth: u32 = 0;
    let mut cost: u64 = 0;
    let mut signs: u32 = 0;
    let (mut line, mut column) = (1, 0);
    let refused = |line, column, message: String| RegoError::Syntax {
        file: path.to_owned(),
        line,
        column,
        message,
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        if c == '-' {
            signs += 1;
            if signs > MAX_SIGNS {
                return Err(refused(
                    line,
                    column,
                    format!(
                        "more than {MAX_SIGNS} signs in a row: the Rego parser would recurse once for each"
                    ),
                ));
            }
            continue;
        }
        if !c.is_whitespace() && c != '#' {
            signs = 0;
        }
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '#' => {
                // A comment runs to the end of the line.
                while chars.next_if(|&n| n != '\n').is_some() {}
            }
            '"' | '`' => {
                // A string, with escapes unless raw; one never spans lines unless raw.
                let mut escaped = false;
                for n in chars.by_ref() {
                    column += 1;
                    if n == '\n' {
                        line += 1;
                        column = 0;
                    }
                    if c == '"' && !escaped && n == '\\' {
                        escaped = true;
                        continue;
                    }
                    if n == c && !escaped {
                        break;
                    }
                    escaped = false;
                }
            }
            '[' | '{' => {
                depth += 1;
                cost = cost.saturating_add(1u64 << depth.min(62));
                if cost > MAX_COST {
                    return Err(refused(
                        line,
                        column,
                        format!(
                            "brackets nest too deeply here for the Rego parser, whose time doubles with each level (this file would cost more than {MAX_COST} units, {depth} levels deep here): flatten the deepest literals or split the file"
                        ),
                    ));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_policies_pass_and_deep_nesting_is_refused_where_it_crosses() {
        let object = r#"{"spec": {"template": {"spec": {"containers": [{"env": [{"valueFrom": {"secretKeyRef": {"name": "x"}}}]}]}}}}"#;
        let many = format!("package a\n{}", format!("x := {object}\n").repeat(64));
        assert_eq!(check("many_test.rego", &many), Ok(()));
        let more = format!("package a\n{}", format!("x := {object}\n").repeat(65));
        assert!(check("more_test.rego", &more).is_err());
        // Brackets in strings and comments are not nesting.
        let quoted = format!(
            "package a\n# {}\nx := \"{}\"\n",
            "[".repeat(40),
            "{".repeat(40)
        );
        assert_eq!(check("quoted.rego", &quoted), Ok(()));
        let deep = format!("package a\n\nx := {}1\n", "[".repeat(20));
        let Err(RegoError::Syntax { line, column, .. }) = check("deep.rego", &deep) else {
            panic!("twenty levels pass");
        };
        // 2 + 4 + ... + 2^16 = 2^17 - 2 still passes; the 17th bracket crosses.
        assert_eq!((line, column), (3, 5 + 17));
    }

    #[test]
    fn runs_of_signs_are_refused_across_lines_and_comments() {
        assert_eq!(
            check("ok.rego", "package a\nx := - - 1\ny := 3 - -2\n"),
            Ok(())
        );
        let long = format!("package a\nx := {}1\n", "- # sign\n".repeat(33));
        let Err(RegoError::Syntax { line, column, .. }) = check("signs.rego", &long) else {
            panic!("33 signs pass");
        };
        assert_eq!((line, column), (34, 1));
    }
}
