//! Reading server-sent error JSON without ever refusing it.
//!
//! Error bodies come from Graph, from older services behind it and from
//! gateways: a member of an unexpected type (a numeric `code`, a `null`
//! message, a string where an object belongs) reads as absent instead of
//! costing the rest of the body, and member names match ignoring ASCII case
//! (`innerError`, `innererror`, `InnerError`). Only malformed JSON (or JSON
//! nested deeper than serde_json's recursion limit) is an error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A value that may arrive as several JSON types; each hook turns one type
/// into `Some(value)`, and every type without a hook reads as `None`.
pub(super) trait Lenient: Sized {
    fn from_str(_text: &str) -> Option<Self> {
        None
    }
    fn from_i64(_number: i64) -> Option<Self> {
        None
    }
    fn from_map<'de, A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        IgnoredAny.visit_map(map).map(|_| None)
    }
    fn from_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| None)
    }
}

/// Deserializes any JSON value: `Some` when `T` accepts its type, else `None`.
pub(super) struct Loose<T>(pub Option<T>);

impl<'de, T: Lenient> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(LooseVisitor(PhantomData))
            .map(Loose)
    }
}

struct LooseVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LooseVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::from_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).ok().and_then(T::from_i64))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq)
    }
}

impl Lenient for String {
    fn from_str(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl Lenient for i64 {
    fn from_i64(number: i64) -> Option<Self> {
        Some(number)
    }
}

/// A list keeps the entries `T` accepts and drops the others.
impl<T: Lenient> Lenient for Vec<T> {
    fn from_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::new();
        while let Some(Loose(item)) = seq.next_element::<Loose<T>>()? {
            items.extend(item);
        }
        Ok(Some(items))
    }
}

/// Reads a JSON object through `T`'s own `Deserialize`, which sees the map.
pub(super) fn object<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: A,
) -> Result<Option<T>, A::Error> {
    T::deserialize(MapAccessDeserializer::new(map)).map(Some)
}

/// `message` as a string, or the older OData `{"lang": "…", "value": "…"}` form.
pub(super) struct Message(pub String);

impl Lenient for Message {
    fn from_str(text: &str) -> Option<Self> {
        Some(Message(text.to_owned()))
    }
    fn from_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut value = Slot::default();
        while let Some(key) = map.next_key::<String>()? {
            match matches(&key, "value") {
                Some(exact) => value.offer(map.next_value::<Loose<String>>()?.0, exact),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(value.take().map(Message))
    }
}

/// How a member name matches the name a field is known by: `Some(true)`
/// spelled exactly, `Some(false)` in another letter case, `None` not at all.
pub(super) fn matches(key: &str, name: &str) -> Option<bool> {
    if key == name {
        Some(true)
    } else if key.eq_ignore_ascii_case(name) {
        Some(false)
    } else {
        None
    }
}

/// One field being read, when a member may appear under several spellings:
/// the exactly spelled member wins (the last one, as with duplicate keys in
/// serde_json), otherwise the first member spelled in another case.
pub(super) struct Slot<T> {
    value: Option<T>,
    seen: bool,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            value: None,
            seen: false,
        }
    }
}

impl<T> Slot<T> {
    /// A member's value (`None` when of the wrong type); `exact` when its name
    /// was spelled exactly.
    pub(super) fn offer(&mut self, value: Option<T>, exact: bool) {
        if exact || !self.seen {
            self.value = value;
        }
        self.seen = true;
    }

    pub(super) fn take(self) -> Option<T> {
        self.value
    }
}
