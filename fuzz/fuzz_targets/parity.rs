//! `cargo fuzz run parity`: see `azfn_tests::fuzz::parity`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::parity(data));
