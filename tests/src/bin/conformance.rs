//! `make conformance`: prints the conformance score in kustomize's test order and in kubectl's
//! default (legacy) order, and every failure by feature.
use azfn_tests::conformance::{Order, score_in, unrefused_out_of_scope};

fn main() {
    // `--summary`: the score lines only (make test prints them).
    let summary = std::env::args().any(|a| a == "--summary");
    for order in [Order::Fifo, Order::Legacy] {
        let rendered = score_in(order).render();
        if summary {
            println!("{}", rendered.lines().next().unwrap_or_default());
        } else {
            print!("{rendered}");
        }
    }
    if summary {
        return;
    }
    let unrefused = unrefused_out_of_scope();
    if !unrefused.is_empty() {
        println!("out of scope, neither matching nor refused as not supported:");
        for (id, outcome) in unrefused {
            let outcome: String = outcome.chars().take(300).collect();
            println!("  {id}: {outcome}");
        }
    }
}
