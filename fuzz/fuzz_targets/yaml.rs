//! `cargo fuzz run yaml`: see `azfn_tests::fuzz::yaml`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::yaml(data));
