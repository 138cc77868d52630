//! `cargo fuzz run rego`: see `azfn_tests::fuzz::rego`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::rego(data));
