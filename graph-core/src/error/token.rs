//! The error body of the Microsoft identity platform token endpoint.

/// An OAuth 2.0 error answer from the Microsoft identity platform token
/// endpoint: `{"error": "invalid_client", "error_description": "AADSTS…", …}`.
///
/// Reached through [`AuthError::token_error`](crate::AuthError::token_error)
/// (and [`GraphError::token_error`](crate::GraphError::token_error) in the
/// odd case of a gateway answering a Graph request in this shape). Members
/// are matched in any letter case; members of the wrong type read as absent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenErrorBody {
    /// The OAuth error code, such as `invalid_client` or `invalid_grant`.
    pub error: String,
    /// Human-readable description, usually starting with an `AADSTS` code.
    pub error_description: Option<String>,
    /// Numeric `AADSTS` codes; entries that are not integers are dropped.
    pub error_codes: Vec<i64>,
    /// When the error happened, as sent.
    pub timestamp: Option<String>,
    /// Server-side trace identifier.
    pub trace_id: Option<String>,
    /// Correlation identifier of the request.
    pub correlation_id: Option<String>,
    /// Link to documentation about the error.
    pub error_uri: Option<String>,
    /// A claims challenge, for conditional access errors.
    pub claims: Option<String>,
}
