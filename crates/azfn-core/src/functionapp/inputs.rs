//! Values from CI, not from people: declared inputs (see [`crate::config::Input`]) set
//! FunctionApp fields before rendering. The host reads only the declared environment variables
//! and hands them to the sandboxed core; a missing required input, or a value shaped like a
//! secret, is an error that names the input and never its value.
use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use crate::config::Input;
use crate::error::{Error, Location};
use crate::krm::ResourceList;
use crate::secrets::find_secret;

/// Input values by name, as the host read them.
pub type Values = BTreeMap<String, String>;

/// Applies every declared input to the FunctionApps of `list`.
pub fn apply(
    list: &mut ResourceList,
    inputs: &[Input],
    values: &Values,
    source: &str,
) -> Result<(), Error> {
    for (i, input) in inputs.iter().enumerate() {
        let location = || Location::file(source).field(format!("functionConfig.spec.inputs[{i}]"));
        let Some(value) = values.get(&input.name) else {
            if input.required {
                return Err(Error::Config {
                    location: location(),
                    message: format!(
                        "input {} is required, but the environment variable {} is not set",
                        input.name, input.name
                    ),
                });
            }
            continue;
        };
        if let Some(found) = find_secret(value) {
            return Err(Error::Config {
                location: location(),
                message: format!(
                    "input {} holds what looks like {}; inputs carry tags and versions, never secrets (keep those in Key Vault)",
                    input.name, found.kind
                ),
            });
        }
        if let Err(shape) = check_shape(&input.field, value) {
            return Err(Error::Config {
                location: location(),
                message: format!("input {}: the value is not {shape}", input.name),
            });
        }
        for item in &mut list.items {
            if !super::is_function_app(item) {
                continue;
            }
            if input
                .function_app
                .as_ref()
                .is_some_and(|only| !super::names_of(item).contains(only))
            {
                continue;
            }
            let resource = format!("{}/{}", super::KIND, item.name());
            let Some(Value::Mapping(spec)) = item.object_mut().get_mut("spec") else {
                continue;
            };
            set_field(spec, &input.field, value).map_err(|message| Error::Config {
                location: location().resource(resource.clone()),
                message: format!("input {}: {message}", input.name),
            })?;
        }
    }
    Ok(())
}

/// A value fit for `field`: an image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`) or a
/// `sha256:` digest, or a Key Vault secret version (letters and digits, at most 64). Anything
/// else (a token, a URL, a line break) is no tag or version, whatever the variable is called.
fn check_shape(field: &str, value: &str) -> Result<(), &'static str> {
    let tag_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    if field == "image.tag" {
        let digest = value.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
        });
        let tag = !value.is_empty()
            && value.len() <= 128
            && !value.starts_with(['.', '-'])
            && value.chars().all(tag_char);
        return if digest || tag {
            Ok(())
        } else {
            Err("an image tag or a sha256 digest")
        };
    }
    if value.is_empty() || value.len() > 64 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("a Key Vault secret version (letters and digits)");
    }
    Ok(())
}

/// Sets `field` (under `spec`) to `value`. `image.tag` replaces the tag or digest of `image`.
fn set_field(spec: &mut Mapping, field: &str, value: &str) -> Result<(), String> {
    if field == "image.tag" {
        let image = spec
            .get("image")
            .and_then(Value::as_str)
            .ok_or("the FunctionApp has no spec.image")?;
        spec.insert("image".into(), Value::String(with_tag(image, value)));
        return Ok(());
    }
    let segments = parse_path(field)?;
    let (last, parents) = segments.split_last().ok_or("empty field")?;
    let Segment::Key(last) = last else {
        return Err(format!("`{field}` must end in a field name"));
    };
    let mut current = spec;
    let mut walked = String::from("spec");
    for segment in parents {
        current = match segment {
            Segment::Key(key) => {
                walked.push('.');
                walked.push_str(key);
                let child = current
                    .entry(Value::String(key.clone()))
                    .or_insert_with(|| Value::Mapping(Mapping::new()));
                child
                    .as_mapping_mut()
                    .ok_or_else(|| format!("{walked} is not an object"))?
            }
            Segment::Select { list, key, equals } => {
                walked = format!("{walked}.{list}[{key}={equals}]");
                let items = current
                    .get_mut(list.as_str())
                    .and_then(Value::as_sequence_mut)
                    .ok_or_else(|| format!("{walked}: spec.{list} is not a list"))?;
                items
                    .iter_mut()
                    .find(|item| {
                        item.get(key.as_str()).and_then(Value::as_str) == Some(equals.as_str())
                    })
                    .and_then(Value::as_mapping_mut)
                    .ok_or_else(|| format!("{walked}: no entry has {key}={equals}"))?
            }
        };
    }
    current.insert(Value::String(last.clone()), Value::String(value.to_owned()));
    Ok(())
}

fn with_tag(image: &str, tag: &str) -> String {
    let repo = image.split('@').next().unwrap_or(image);
    let name_start = repo.rfind('/').map_or(0, |i| i + 1);
    let repo = match repo[name_start..].find(':') {
        Some(colon) => &repo[..name_start + colon],
        None => repo,
    };
    if tag.starts_with("sha256:") {
        format!("{repo}@{tag}")
    } else {
        format!("{repo}:{tag}")
    }
}

enum Segment {
    Key(String),
    Select {
        list: String,
        key: String,
        equals: String,
    },
}

/// `a.b[key=value].c` into segments.
fn parse_path(field: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    for part in field.split('.') {
        match part.split_once('[') {
            None if !part.is_empty() => segments.push(Segment::Key(part.to_owned())),
            Some((list, selector)) => {
                let (key, equals) = selector
                    .strip_suffix(']')
                    .and_then(|s| s.split_once('='))
                    .ok_or_else(|| format!("`{part}`: expected `list[key=value]`"))?;
                segments.push(Segment::Select {
                    list: list.to_owned(),
                    key: key.to_owned(),
                    equals: equals.to_owned(),
                });
            }
            None => return Err(format!("`{field}` has an empty segment")),
        }
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_and_digests() {
        assert_eq!(
            with_tag("contoso.azurecr.io/orders:1.4.2", "1.5.0"),
            "contoso.azurecr.io/orders:1.5.0"
        );
        assert_eq!(
            with_tag("localhost:5000/orders", "2"),
            "localhost:5000/orders:2"
        );
        assert_eq!(
            with_tag("contoso.azurecr.io/orders@sha256:aa", "sha256:bb"),
            "contoso.azurecr.io/orders@sha256:bb"
        );
    }

    #[test]
    fn paths_with_selectors() {
        let mut spec: Mapping = serde_yaml::from_str(
            "secrets:\n  items:\n  - {env: A, secret: a}\n  - {env: B, secret: b}\nscale: {}\n",
        )
        .unwrap();
        set_field(&mut spec, "secrets.items[env=B].version", "v2").unwrap();
        set_field(&mut spec, "scale.http.mode", "hpa").unwrap();
        assert_eq!(spec["secrets"]["items"][1]["version"].as_str(), Some("v2"));
        assert_eq!(spec["scale"]["http"]["mode"].as_str(), Some("hpa"));
        let err = set_field(&mut spec, "secrets.items[env=C].version", "v").unwrap_err();
        assert_eq!(err, "spec.secrets.items[env=C]: no entry has env=C");
    }
}
