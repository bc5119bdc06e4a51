//! What a response model read, kept so that writing it back loses nothing.
//!
//! The typed fields normalise some of what Graph sends: `null` and `[]`
//! read as "absent", `0001-01-01T00:00:00Z` (`DateTime.MinValue`) as "no
//! expiry", a timestamp as an instant (written back with milliseconds), an
//! error's `innerError` under one spelling. [`WireForms`] keeps the JSON of
//! each such property as read; serializing writes it back for every property
//! whose typed value is still what that JSON reads as, and the typed value
//! for every property changed since.

use serde_json::{Map, Value};

/// The JSON of the properties whose typed reading would not write them back
/// as sent (`null`, `[]`, `0001-01-01T00:00:00Z`, a timestamp without
/// milliseconds, an error as spelled). Opaque: it only lets a model read
/// from Graph serialize back to the same JSON. Never part of equality (two
/// models with the same typed values are equal however they were spelled);
/// `Debug` shows only how many properties it keeps.
///
/// ```
/// use graph_core::drive::model::Permission;
///
/// let wire = serde_json::json!({"id": "1", "roles": [], "expirationDateTime": "0001-01-01T00:00:00Z"});
/// let permission: Permission = serde_json::from_value(wire.clone()).unwrap();
/// assert_eq!(permission.expiration_date_time, None);
/// assert_eq!(serde_json::to_value(&permission).unwrap(), wire);
/// ```
#[derive(Clone, Default)]
pub struct WireForms(Map<String, Value>);

impl std::fmt::Debug for WireForms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WireForms({} kept)", self.0.len())
    }
}

impl PartialEq for WireForms {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for WireForms {}

/// How a model reads and writes its named properties, without wire forms.
pub(crate) trait Fields: Sized {
    fn read(value: Value) -> Result<Self, serde_json::Error>;
    fn write(&self) -> Result<Value, serde_json::Error>;
}

impl WireForms {
    /// The forms of `read`'s properties that `typed` would not write back.
    pub(crate) fn of<T: Fields>(read: &Map<String, Value>, typed: &T) -> Self {
        let Ok(Value::Object(written)) = typed.write() else {
            return Self::default();
        };
        Self(
            read.iter()
                .filter(|(key, value)| written.get(key.as_str()) != Some(value))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        )
    }

    /// `typed` written, with each kept form back where the typed value is
    /// unchanged.
    pub(crate) fn write<T: Fields>(&self, typed: &T) -> Result<Value, serde_json::Error> {
        let mut written = typed.write()?;
        let Value::Object(map) = &mut written else {
            return Ok(written);
        };
        for (key, raw) in &self.0 {
            let alone = Value::Object(Map::from_iter([(key.clone(), raw.clone())]));
            let reads_as = T::read(alone)?.write()?;
            if map.get(key) == reads_as.get(key) {
                map.insert(key.clone(), raw.clone());
            }
        }
        Ok(written)
    }
}
