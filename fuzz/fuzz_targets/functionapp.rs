//! `cargo fuzz run functionapp`: see `azfn_tests::fuzz::functionapp`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::functionapp(data));
