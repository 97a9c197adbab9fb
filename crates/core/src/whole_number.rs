//! Ids in JSON bodies: a whole number however it is written. JSON has one kind of number and
//! some clients write every number with a point (`42.0`); it is the same id as `42`.

use std::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};

struct Whole;

impl<'de> Visitor<'de> for Whole {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // Strictly between -2^63 and 2^63 (both exact as f64), every whole f64 is an i64. A whole
        // number just beyond either end reaches here rounded to it, so both ends are refused.
        if v.fract() == 0.0 && v > i64::MIN as f64 && v < i64::MAX as f64 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }
}

struct Optional;

impl<'de> Visitor<'de> for Optional {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<i64>, D::Error> {
        id(d).map(Some)
    }
}

/// For `#[serde(deserialize_with)]` on an `i64` id.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_i64(Whole)
}

/// For `#[serde(default, deserialize_with)]` on an `Option<i64>` id.
pub fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(Optional)
}

/// An id read as [`id`] reads one: for lists of ids.
struct Id(i64);

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        id(d).map(Id)
    }
}

/// For `#[serde(deserialize_with)]` on a `Vec<i64>` of ids.
pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    <Vec<Id> as serde::Deserialize>::deserialize(d).map(|v| v.into_iter().map(|i| i.0).collect())
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Ids {
        #[serde(deserialize_with = "super::id")]
        id: i64,
        #[serde(default, deserialize_with = "super::optional_id")]
        other: Option<i64>,
    }

    fn read(json: &str) -> Result<(i64, Option<i64>), String> {
        serde_json::from_str::<Ids>(json).map(|i| (i.id, i.other)).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_are_ids_however_written() {
        assert_eq!(read(r#"{"id": 42}"#), Ok((42, None)));
        assert_eq!(read(r#"{"id": -42.0, "other": null}"#), Ok((-42, None)));
        assert_eq!(read(r#"{"id": 1e3, "other": 7.0}"#), Ok((1000, Some(7))));
        assert_eq!(read(r#"{"id": 9223372036854775807}"#), Ok((i64::MAX, None)));
        // A whole number written as a float near 2^52 reads exactly (serde_json's float_roundtrip;
        // its default parsing was half a unit out, and the id was refused as a fraction).
        assert_eq!(read(r#"{"id": 4345157111113902.0}"#), Ok((4345157111113902, None)));
    }

    #[test]
    fn fractions_and_numbers_too_large_are_refused() {
        assert!(read(r#"{"id": 4.5}"#).unwrap_err().contains("expected a whole number"));
        assert!(read(r#"{"id": 9223372036854775808}"#).is_err());
        assert!(read(r#"{"id": 1e19}"#).is_err());
        assert!(read(r#"{"id": -9223372036854775809}"#).is_err());
        assert!(read(r#"{"id": 1, "other": 0.5}"#).unwrap_err().contains("a whole number"));
        assert!(read(r#"{"id": "1"}"#).is_err());
    }
}
