//! Prints the benchmark ResourceList of N items (`workload N`), for profiling by hand.
fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    print!("{}", azfn_tests::workload::resource_list(n));
}
