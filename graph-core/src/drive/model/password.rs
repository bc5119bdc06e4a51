//! An invitation password: a [`Secret`] that travels as a JSON string.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Secret;

/// A password (or any other secret) sent to Graph.
///
/// `Debug` prints `"<redacted>"` instead of the value, so a request body can be
/// logged safely; [`Password::expose`] gives the real text to whoever needs it.
/// There is deliberately no `Display`. On the wire it is a plain JSON string.
///
/// ```
/// use graph_core::drive::model::Password;
///
/// let password = Password::new("hunter2");
/// assert_eq!(password.expose(), "hunter2");
/// assert_eq!(format!("{password:?}"), "\"<redacted>\"");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Secret);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Secret::new(secret))
    }

    /// The secret itself. Take care where it goes.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.expose().is_empty()
    }
}

// Quoted, so a redacted body still reads like the JSON it stands for.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{:?}\"", self.0)
    }
}

impl<T: Into<String>> From<T> for Password {
    fn from(secret: T) -> Self {
        Self::new(secret)
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let password = Password::from("s3cr3t-value");
        let shown = format!("{password:?} {:?} {:#?}", Some(&password), password);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(format!("{:?}", Some(&password)), "Some(\"<redacted>\")");
    }

    #[test]
    fn serializes_as_plain_string() {
        let password = Password::new("p@ss");
        assert_eq!(serde_json::to_string(&password).unwrap(), "\"p@ss\"");
        let back: Password = serde_json::from_str("\"p@ss\"").unwrap();
        assert_eq!(back, password);
        assert!(!back.is_empty());
        assert!(Password::new("").is_empty());
    }
}
