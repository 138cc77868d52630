//! TypeScript types from the field tables, for the browser module's `.d.ts`.
use std::fmt::Write;

use super::{Field, Shape};

/// The TypeScript type of `shape`, its nested lines indented for `depth` levels.
pub fn typescript(shape: &Shape, depth: usize) -> String {
    match shape {
        Shape::Str => "string".into(),
        Shape::Enum(options) => options
            .iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(" | "),
        Shape::Int => "number".into(),
        Shape::Bool => "boolean".into(),
        Shape::Any => "unknown".into(),
        Shape::Object(fields) => object(fields, None, depth),
        Shape::Dict(inner) => format!("Record<string, {}>", typescript(inner, depth)),
        Shape::List(inner) => format!("Array<{}>", typescript(inner, depth)),
        Shape::Tagged(variants) => variants
            .iter()
            .map(|v| object(v.fields, Some((v.tag, v.doc)), depth))
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

fn object(fields: &[Field], tag: Option<(&str, &str)>, depth: usize) -> String {
    let pad = "  ".repeat(depth + 1);
    let mut out = String::from("{\n");
    if let Some((tag, doc)) = tag {
        let _ = writeln!(out, "{pad}/** {} */\n{pad}type: {tag:?};", comment(doc));
    }
    for field in fields {
        let _ = writeln!(
            out,
            "{pad}/** {} */\n{pad}{}{}: {};",
            comment(field.doc),
            field.name,
            if field.required { "" } else { "?" },
            typescript(&field.shape, depth + 1)
        );
    }
    out.push_str(&"  ".repeat(depth));
    out.push('}');
    out
}

/// A doc sentence that cannot close the comment it sits in.
fn comment(doc: &str) -> String {
    doc.replace("*/", "*\\/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Variant, opt, req};

    #[test]
    fn objects_unions_and_docs() {
        const TAGGED: &[Variant] = &[
            Variant {
                tag: "a",
                doc: "First.",
                fields: &[],
            },
            Variant {
                tag: "b",
                doc: "Second */ closed?",
                fields: &[req("n", Shape::Int, "A count.")],
            },
        ];
        const FIELDS: &[Field] = &[
            req("mode", Shape::Enum(&["x", "y"]), "The mode."),
            opt("tags", Shape::Dict(&Shape::Str), "Tags."),
            opt("items", Shape::List(&Shape::Tagged(TAGGED)), "Items."),
        ];
        insta::assert_snapshot!(typescript(&Shape::Object(FIELDS), 0));
    }
}
