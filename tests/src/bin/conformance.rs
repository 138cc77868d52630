//! `make conformance`: prints the conformance score and every failure by feature.
fn main() {
    let report = azfn_tests::conformance::score();
    print!("{}", report.render());
    let unrefused = azfn_tests::conformance::unrefused_out_of_scope();
    if !unrefused.is_empty() {
        println!("out of scope, neither matching nor refused as not supported:");
        for (id, outcome) in unrefused {
            let outcome: String = outcome.chars().take(300).collect();
            println!("  {id}: {outcome}");
        }
    }
}
