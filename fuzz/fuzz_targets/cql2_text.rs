//! Any UTF-8 text as a cql2-text filter.
#![no_main]

use libfuzzer_sys::fuzz_target;
use naeringsareal::plots::search::cql2::Lang;

fuzz_target!(|text: &str| {
    naeringsareal_fuzz::check(text, Lang::Text);
});
