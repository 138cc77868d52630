//! `cargo fuzz run resource_list`: see `azfn_tests::fuzz::resource_list`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| azfn_tests::fuzz::resource_list(data));
