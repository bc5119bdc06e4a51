//! A secret string that does not leak through `Debug`.

use std::fmt;

use serde::{Deserialize, Serialize};

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
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Take care where it goes.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl From<String> for Password {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl From<&str> for Password {
    fn from(secret: &str) -> Self {
        Self(secret.to_owned())
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
