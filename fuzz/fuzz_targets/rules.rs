//! `cargo fuzz run rules`: see `azfn_tests::fuzz::rules`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::rules(data));
