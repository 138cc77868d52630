//! AZF016 keda-cron: a KEDA cron trigger whose schedule or time zone KEDA cannot read.
use serde_yaml::Value;

use crate::krm::Severity;
use crate::policy::timezones;
use crate::policy::walk::Catalog;
use crate::policy::{Diagnostic, Meta, Rule};
use crate::yaml::Field;

/// See the [`Meta`] below.
pub struct KedaCron;

/// Minute, hour, day of month, month, day of week: the "Linux format" KEDA's docs name.
const FIELDS: [(&str, u32, u32, &[&str]); 5] = [
    ("minute", 0, 59, &[]),
    ("hour", 0, 23, &[]),
    ("day of month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day of week",
        0,
        6,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
];

/// Shorthands robfig/cron (KEDA's parser) accepts in place of the five fields.
const DESCRIPTORS: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

impl Rule for KedaCron {
    fn meta(&self) -> &'static Meta {
        &Meta {
            code: "AZF016",
            name: "keda-cron",
            severity: Severity::Error,
            explanation: "A KEDA `cron` trigger needs `timezone` (an IANA name such as `Europe/Amsterdam`), and \
         `start` and `end` as five-field cron expressions (minute hour day-of-month month \
         day-of-week) that differ from each other, plus `desiredReplicas`. A schedule like \
         `end: 23 59 * * *` (hour 59) leaves the ScaledObject not Ready and the window never \
         opens. Timer-triggered Functions use six-field NCRONTAB with seconds; KEDA's cron does \
         not.",
        }
    }

    fn check(&self, resources: &Catalog<'_>, findings: &mut Vec<Diagnostic>) {
        for (so, _) in resources.scaled_targets() {
            let triggers = so
                .get_path(&["spec", "triggers"])
                .and_then(Value::as_sequence);
            for (i, trigger) in triggers.into_iter().flatten().enumerate() {
                if trigger.field("type").and_then(Value::as_str) != Some("cron") {
                    continue;
                }
                let base = format!("spec.triggers[{i}].metadata");
                let metadata = trigger.field("metadata");
                let get = |key: &str| metadata.and_then(|m| m.get(key));
                let mut report = |field: String, message: String| {
                    findings.push(Diagnostic::finding(self, so, field, message));
                };
                let name = so.name();
                match get("timezone").map(|v| v.as_str().unwrap_or_default()) {
                    None => report(
                        base.clone(),
                        format!(
                            "cron trigger of ScaledObject {name} sets no timezone: KEDA requires one (e.g. Etc/UTC)"
                        ),
                    ),
                    Some(zone) if !is_time_zone(zone) => report(
                        format!("{base}.timezone"),
                        format!(
                            "cron trigger of ScaledObject {name}: {zone:?} is not an IANA time zone name{}",
                            suggest_zone(zone)
                        ),
                    ),
                    Some(_) => {}
                }
                let mut schedules = Vec::new();
                for key in ["start", "end"] {
                    match get(key).map(|v| v.as_str().unwrap_or_default()) {
                        None => report(
                            base.clone(),
                            format!("cron trigger of ScaledObject {name} sets no {key} schedule"),
                        ),
                        Some(expr) => match parse(expr) {
                            Ok(normal) => schedules.push(normal),
                            Err(problem) => report(
                                format!("{base}.{key}"),
                                format!(
                                    "cron trigger of ScaledObject {name}: {key} {expr:?} {problem}"
                                ),
                            ),
                        },
                    }
                }
                if let [start, end] = schedules.as_slice()
                    && start == end
                {
                    report(
                        format!("{base}.end"),
                        format!(
                            "cron trigger of ScaledObject {name}: start and end are the same schedule, so the window never opens"
                        ),
                    );
                }
                match get("desiredReplicas") {
                    None => report(
                        base.clone(),
                        format!("cron trigger of ScaledObject {name} sets no desiredReplicas"),
                    ),
                    Some(v) if scalar_text(v).is_none_or(|t| t.parse::<u64>().is_err()) => report(
                        format!("{base}.desiredReplicas"),
                        format!(
                            "cron trigger of ScaledObject {name}: desiredReplicas must be a whole number"
                        ),
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_time_zone(name: &str) -> bool {
    // Go's time.LoadLocation also takes "Local" (the operator's own zone).
    name == "Local" || timezones::NAMES.binary_search(&name).is_ok()
}

fn suggest_zone(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    timezones::NAMES
        .iter()
        .map(|z| {
            (
                crate::text::edit_distance(&lower, &z.to_ascii_lowercase()),
                z,
            )
        })
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, z)| format!(" (did you mean {z:?}?)"))
        .unwrap_or_default()
}

/// Checks a five-field expression; returns it with whitespace normalised.
fn parse(expr: &str) -> Result<String, String> {
    let expr = expr.trim();
    if DESCRIPTORS.contains(&expr) {
        return Ok(expr.to_owned());
    }
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        let seconds = if fields.len() == 6 {
            " (a Functions NCRONTAB with seconds? KEDA has no seconds field)"
        } else {
            ""
        };
        return Err(format!(
            "has {} fields, KEDA expects 5: minute hour day-of-month month day-of-week{seconds}",
            fields.len()
        ));
    }
    for (text, (label, low, high, names)) in fields.iter().zip(FIELDS) {
        check_field(text, low, high, names)
            .map_err(|problem| format!("has an invalid {label} field {text:?}: {problem}"))?;
    }
    Ok(fields.join(" "))
}

fn check_field(text: &str, low: u32, high: u32, names: &[&str]) -> Result<(), String> {
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (part, None),
        };
        if let Some(step) = step
            && step.parse::<u32>().map_or(true, |s| s == 0)
        {
            return Err(format!("step {step:?} is not a positive number"));
        }
        if range == "*" || range == "?" {
            continue;
        }
        let value = |v: &str| -> Result<u32, String> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                return Ok(low + u32::try_from(i).unwrap_or(0));
            }
            let n: u32 = v.parse().map_err(|_| format!("{v:?} is not a number"))?;
            if (low..=high).contains(&n) {
                Ok(n)
            } else {
                Err(format!("{n} is outside {low}-{high}"))
            }
        };
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a)?, value(b)?);
                if a > b {
                    return Err(format!("range {a}-{b} runs backwards"));
                }
            }
            None => {
                value(range)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::test_support::check;

    fn so(metadata: &str) -> String {
        format!(
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {{name: nightly}}\nspec:\n  scaleTargetRef: {{name: app}}\n  triggers:\n  - type: cron\n    metadata: {metadata}\n"
        )
    }

    fn messages(metadata: &str) -> Vec<String> {
        check(&KedaCron, &so(metadata))
            .into_iter()
            .map(|f| format!("{}: {}", f.field.unwrap(), f.message))
            .collect()
    }

    #[test]
    fn a_valid_window_passes() {
        assert_eq!(
            messages(
                "{timezone: Europe/Amsterdam, start: \"0 6 * * MON-FRI\", end: \"0 20 * * 1-5\", desiredReplicas: \"2\"}"
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(
                "{timezone: Etc/UTC, start: \"*/15 0-6,22-23 1 JAN,jul ?\", end: \"@daily\", desiredReplicas: 3}"
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn invalid_hour_unknown_zone_and_equal_schedules() {
        assert_eq!(
            messages(
                "{timezone: Europe/Amsterdan, start: \"0 6 * * *\", end: \"23 59 * * *\", desiredReplicas: \"2\"}"
            ),
            [
                "spec.triggers[0].metadata.timezone: cron trigger of ScaledObject nightly: \"Europe/Amsterdan\" is not an IANA time zone name (did you mean \"Europe/Amsterdam\"?)",
                "spec.triggers[0].metadata.end: cron trigger of ScaledObject nightly: end \"23 59 * * *\" has an invalid hour field \"59\": 59 is outside 0-23",
            ]
        );
        assert_eq!(
            messages(
                "{timezone: UTC, start: \"0  6 * * *\", end: \"0 6 * * *\", desiredReplicas: two}"
            ),
            [
                "spec.triggers[0].metadata.end: cron trigger of ScaledObject nightly: start and end are the same schedule, so the window never opens",
                "spec.triggers[0].metadata.desiredReplicas: cron trigger of ScaledObject nightly: desiredReplicas must be a whole number",
            ]
        );
    }

    #[test]
    fn ncrontab_and_missing_fields_are_named() {
        let found = messages("{start: \"0 */5 * * * *\"}");
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].ends_with("sets no timezone: KEDA requires one (e.g. Etc/UTC)"));
        assert!(
            found[1].contains("has 6 fields, KEDA expects 5"),
            "{}",
            found[1]
        );
        assert!(found[2].ends_with("sets no end schedule"));
        assert!(found[3].ends_with("sets no desiredReplicas"));
    }
}
