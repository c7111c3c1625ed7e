//! JSON Schema counts `14.0` as an integer, serde's integer types do not: a payload its
//! contract accepts would fail to read. Readers of contract-checked JSON type it with
//! [`from_contract_value`], which reads such floats as the integers they are.

use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

/// 2^64 and -2^63 as `f64`: the bounds of the integers a float may become.
const U64_END: f64 = 18_446_744_073_709_551_616.0;
const I64_START: f64 = -9_223_372_036_854_775_808.0;

/// Types JSON that its contract accepted, reading integral floats as integers.
pub fn from_contract_value<T: DeserializeOwned>(mut value: Value) -> serde_json::Result<T> {
    integral_floats_as_integers(&mut value);
    serde_json::from_value(value)
}

/// Rewrites every float without a fractional part that fits a `u64` or an `i64` as that
/// integer, at any depth.
fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) => {
            if let Some(integer) = as_integer(number) {
                *number = integer;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // range checked first
fn as_integer(number: &Number) -> Option<Number> {
    let float = number.as_f64().filter(|_| number.is_f64())?;
    if float.fract() != 0.0 {
        return None;
    }
    if (0.0..U64_END).contains(&float) {
        Some(Number::from(float as u64))
    } else if (I64_START..0.0).contains(&float) {
        Some(Number::from(float as i64))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integral_floats_read_as_integers_at_any_depth_and_others_stay() {
        let mut value = json!({"a": 14.0, "b": [-3.0, 2.5, 7], "c": {"d": 1e300, "e": "14.0"}});
        integral_floats_as_integers(&mut value);
        assert_eq!(
            value,
            json!({"a": 14, "b": [-3, 2.5, 7], "c": {"d": 1e300, "e": "14.0"}})
        );
        assert!(value["a"].is_u64());
        assert!(value["b"][0].is_i64());
        assert!(value["c"]["d"].is_f64());
    }
}
