//! Any bytes as a GeoJSON Feature sent to the registry: JSON that parses is
//! checked as a plot; what passes must be a complete, well-formed record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use naeringsareal::plots::catalogue;
use naeringsareal::plots::write::input::{check_feature, check_geometry_shape};
use serde_json::Value;

/// The demo's land-use codes (the `land_use_codes` rows of the migration).
const LAND_USES: &[i32] = &[1300, 1310, 1320, 1330, 1340, 1350, 1360, 1390, 1800, 1826];

/// Whether any text in `value` holds NUL.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(members) => members.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(feature) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match check_feature(&feature, LAND_USES) {
        Ok(input) => {
            // Every writable column is there, and nothing else.
            let columns: Vec<&str> = catalogue::writable().map(|(p, _, _)| p.name).collect();
            assert_eq!(input.values.len(), columns.len(), "{feature}");
            for column in &columns {
                assert!(
                    input.values.contains_key(*column),
                    "{column} missing: {feature}"
                );
            }
            assert!(check_geometry_shape(&input.geometry).is_ok(), "{feature}");
            assert!(!input.reference().is_empty(), "{feature}");
            // Text PostgreSQL cannot store (NUL) must not pass.
            for (name, value) in &input.values {
                assert!(!has_nul(value), "{name}: {feature}");
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "{feature}");
            for e in &errors {
                // (The name is the member's own, which may be "".)
                assert!(!e.reason.is_empty(), "{e:?}: {feature}");
            }
        }
    }
});
