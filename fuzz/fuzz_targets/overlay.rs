//! `cargo fuzz run overlay`: see `azfn_tests::fuzz::overlay`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::overlay(data));
