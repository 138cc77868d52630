//! `make conformance`: prints the conformance score and every failure by feature.
fn main() {
    let report = azfn_tests::conformance::score();
    let mut rendered = report.render();
    let (legacy, legacy_total) = azfn_tests::conformance::legacy_order_score();
    let first_line_end = rendered.find('\n').map_or(rendered.len(), |i| i + 1);
    rendered.insert_str(
        first_line_end,
        &format!(
            "legacy order (kubectl kustomize's default): {legacy}/{legacy_total} scored output cases byte-identical\n"
        ),
    );
    // `--summary`: the score lines only (make test prints them).
    if std::env::args().any(|a| a == "--summary") {
        for line in rendered.lines().take(3) {
            println!("{line}");
        }
        return;
    }
    print!("{rendered}");
    let unrefused = azfn_tests::conformance::unrefused_out_of_scope();
    if !unrefused.is_empty() {
        println!("out of scope, neither matching nor refused as not supported:");
        for (id, outcome) in unrefused {
            let outcome: String = outcome.chars().take(300).collect();
            println!("  {id}: {outcome}");
        }
    }
}
