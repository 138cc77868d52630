//! Resource quantities as Kubernetes reads them: `1Gi` and `1024Mi`, `0.5` and `500m` are the
//! same amount, so they are no difference.

/// The amount a quantity string stands for, if it is one.
pub(crate) fn amount(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exponent => {
            let e: i32 = exponent.strip_prefix(['e', 'E'])?.parse().ok()?;
            10.0_f64.powi(e)
        }
    };
    Some(number * scale)
}

/// Whether `field` holds a resource quantity (`...resources.limits.memory`).
pub(crate) fn is_quantity_field(field: &str) -> bool {
    field.contains("resources.limits") || field.contains("resources.requests")
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn quantities_compare_by_amount() {
        assert_eq!(amount("1Gi"), amount("1024Mi"));
        assert_eq!(amount("0.5"), amount("500m"));
        assert_eq!(amount("1"), amount("1000m"));
        assert_eq!(amount("1e3"), amount("1k"));
        assert_ne!(amount("1G"), amount("1Gi"));
        assert_eq!(amount("lots"), None);
        assert_eq!(amount("12Xi"), None);
    }
}
