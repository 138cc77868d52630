//! `cargo fuzz run text`: see `azfn_tests::fuzz::text`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::text(data));
