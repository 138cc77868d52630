//! `make conformance`: prints the conformance score and every failure by feature.
fn main() {
    let report = azfn_tests::conformance::score();
    print!("{}", report.render());
}
