//! The lenient reader's field helpers, shared by every endpoint's types:
//! a bool, a number or a string in any of the forms Kore's pages use (`"YES"`,
//! `"5"`, `1`), `null` as absent, one element as a list of one, an object's
//! keys in any case.

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

pub(super) fn value_to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Some(true),
            "false" | "no" | "n" | "0" | "" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        _ => None,
    }
}

/// A bool written as `true`, `"true"`, `"YES"`, `1`; `null` reads as absent.
pub fn opt_loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => value_to_bool(&v)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("expected a boolean, got {v}"))),
    }
}

pub(super) fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(opt_loose_bool(d)?.unwrap_or(false))
}

/// An integer written as a number or a numeric string; `null` reads as absent.
pub fn opt_loose_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| de::Error::custom("number out of range")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, got {s:?}"))),
        Some(other) => Err(de::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

pub(super) fn loose_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = opt_loose_i64(d)?.unwrap_or(0);
    Ok(v.clamp(0, u32::MAX as i64) as u32)
}

/// Reads an object field by field into `T::default()`: `fill` gets each key
/// in lower case (so any spelling's case is accepted) with its value, and
/// ignores the keys it does not know.
pub(super) fn fields_in_any_case<'de, D, T>(
    d: D,
    mut fill: impl FnMut(&mut T, &str, Value) -> Result<(), String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default,
{
    let map = serde_json::Map::<String, Value>::deserialize(d)?;
    let mut out = T::default();
    for (key, value) in map {
        fill(&mut out, &key.to_ascii_lowercase(), value).map_err(de::Error::custom)?;
    }
    Ok(out)
}

/// A count written as a number or a numeric string; `null` reads as absent
/// and a negative count as 0.
pub(super) fn opt_loose_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(opt_loose_i64(d)?.map(|v| v.clamp(0, u32::MAX as i64) as u32))
}

/// A number (fractions kept) written as a number or a numeric string;
/// `null` and an empty string read as absent.
pub(super) fn opt_loose_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let parsed = match &v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        // Only finite numbers: `NaN` or `inf` in a string is not a figure.
        Some(Value::String(s)) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        Some(_) => None,
    };
    match (parsed, v) {
        (Some(f), _) => Ok(Some(f)),
        (None, Some(other)) => Err(de::Error::custom(format!("expected a number, got {other}"))),
        (None, None) => Ok(None),
    }
}

/// A string written as a string, number or bool; `null` reads as empty.
pub(super) fn loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_loose_string(d)?.unwrap_or_default())
}

/// A string written as a string, number or bool; `null` reads as absent.
pub fn opt_loose_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

/// An array, a single element, or null.
pub(super) fn vec_or_one<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| serde_json::from_value(i).map_err(de::Error::custom))
            .collect(),
        Some(one) => Ok(vec![
            serde_json::from_value(one).map_err(de::Error::custom)?,
        ]),
    }
}
