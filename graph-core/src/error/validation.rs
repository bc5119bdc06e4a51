//! A request value that breaks a documented rule, caught before anything is sent.

use std::fmt;

/// A request value that Microsoft Graph would reject, found before the request was sent.
///
/// `field` is the name of the offending field as Graph spells it on the wire
/// (for example `recipients[1]` or `message`), so the message can be matched
/// against Microsoft's documentation.
///
/// ```
/// use graph_core::ValidationError;
///
/// let err = ValidationError::new("message", "must be at most 2000 characters, got 2001");
/// assert_eq!(err.field(), "message");
/// assert_eq!(err.to_string(), "invalid `message`: must be at most 2000 characters, got 2001");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ValidationError {
    field: String,
    reason: String,
}

impl ValidationError {
    /// A rule broken by `field`, explained by `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The wire name of the field that broke the rule.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why the value was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: {}", self.field, self.reason)
    }
}

// Debug shows the same text as Display: values are never echoed, so a rejected
// password cannot leak through an error.
impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationError")
            .field("field", &self.field)
            .field("reason", &self.reason)
            .finish()
    }
}

impl std::error::Error for ValidationError {}
