//! The per-recipient error Graph attaches to a permission in a `207 Multi-Status`
//! invite response.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Why the invitation could not be sent to one recipient, found in
/// [`Permission::error`](super::Permission::error) when an invite partly succeeds
/// (HTTP 207). The permission itself may still have been created.
///
/// ```
/// use graph_core::drive::model::RecipientError;
///
/// let error: RecipientError = serde_json::from_str(r#"{
///     "code": "notAllowed",
///     "message": "Account verification needed to unblock sending emails.",
///     "innererror": { "code": "accountVerificationRequired" }
/// }"#).unwrap();
/// assert_eq!(error.inner_codes(), vec!["accountVerificationRequired"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecipientError {
    /// Top-level error code, e.g. `notAllowed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Developer-facing message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Message in the caller's language, suitable for end users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized_message: Option<String>,
    /// Where the user can go to fix the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_it_url: Option<String>,
    /// More specific causes (wire name `innererror`; `innerError` accepted too).
    #[serde(
        default,
        rename = "innererror",
        alias = "innerError",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<InnerError>,
}

impl RecipientError {
    /// The codes of the nested inner errors, outermost first, skipping levels
    /// without a code. Empty when there is no inner error.
    pub fn inner_codes(&self) -> Vec<&str> {
        self.inner_error
            .as_ref()
            .map(InnerError::codes)
            .unwrap_or_default()
    }
}

impl fmt::Display for RecipientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_deref().unwrap_or("unknownError"))?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        let inner = self.inner_codes();
        if !inner.is_empty() {
            write!(f, " ({})", inner.join(" > "))?;
        }
        Ok(())
    }
}

impl std::error::Error for RecipientError {}

/// One level of a nested `innererror` chain.
///
/// Properties other than `code` and the next level (for instance `request-id`
/// or `date`) are kept in [`InnerError::additional`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InnerError {
    /// The more specific code, e.g. `accountVerificationRequired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The next, even more specific level (wire name `innererror`;
    /// `innerError` accepted too).
    #[serde(
        default,
        rename = "innererror",
        alias = "innerError",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<Box<InnerError>>,
    /// Every other property of this level, as sent.
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl InnerError {
    /// The codes of this level and all nested ones, outermost first, skipping
    /// levels without a code.
    pub fn codes(&self) -> Vec<&str> {
        let mut codes = Vec::new();
        let mut level = Some(self);
        while let Some(current) = level {
            if let Some(code) = &current.code {
                codes.push(code.as_str());
            }
            level = current.inner_error.as_deref();
        }
        codes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_chain_with_both_spellings() {
        let error: RecipientError = serde_json::from_value(json!({
            "code": "notAllowed",
            "message": "Account verification needed to unblock sending emails.",
            "localizedMessage": "Kontobestätigung erforderlich.",
            "fixItUrl": "http://g.live.com/8SESkydrive/VerifyAccount",
            "innererror": {
                "code": "accountVerificationRequired",
                "innerError": {
                    "innererror": {
                        "code": "hipCheckRequired",
                        "request-id": "abc"
                    },
                    "date": "2024-01-01T00:00:00"
                }
            }
        }))
        .unwrap();
        assert_eq!(error.code.as_deref(), Some("notAllowed"));
        assert_eq!(
            error.localized_message.as_deref(),
            Some("Kontobestätigung erforderlich.")
        );
        assert_eq!(
            error.fix_it_url.as_deref(),
            Some("http://g.live.com/8SESkydrive/VerifyAccount")
        );
        assert_eq!(
            error.inner_codes(),
            vec!["accountVerificationRequired", "hipCheckRequired"]
        );
        let middle = error
            .inner_error
            .as_ref()
            .unwrap()
            .inner_error
            .as_ref()
            .unwrap();
        assert_eq!(middle.code, None);
        assert_eq!(middle.additional["date"], "2024-01-01T00:00:00");
        assert_eq!(
            middle.inner_error.as_ref().unwrap().additional["request-id"],
            "abc"
        );
        assert_eq!(
            error.to_string(),
            "notAllowed: Account verification needed to unblock sending emails. \
             (accountVerificationRequired > hipCheckRequired)"
        );
    }

    #[test]
    fn serializes_with_lowercase_innererror() {
        let error = RecipientError {
            code: Some("notAllowed".into()),
            inner_error: Some(InnerError {
                code: Some("exchangeMaxRecipients".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let wire = serde_json::to_value(&error).unwrap();
        assert_eq!(
            wire,
            json!({"code": "notAllowed", "innererror": {"code": "exchangeMaxRecipients"}})
        );
        assert_eq!(
            serde_json::from_value::<RecipientError>(wire).unwrap(),
            error
        );
    }

    #[test]
    fn no_inner_error_means_no_codes() {
        let error: RecipientError = serde_json::from_value(json!({"code": "x"})).unwrap();
        assert!(error.inner_codes().is_empty());
        assert_eq!(error.to_string(), "x");
    }
}
