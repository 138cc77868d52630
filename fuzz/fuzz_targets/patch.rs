//! `cargo fuzz run patch`: see `azfn_tests::fuzz::patch`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::patch(data));
