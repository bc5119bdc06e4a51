//! No usable token: the token endpoint refused, or Graph rejected the token.

use std::fmt;
use std::sync::Arc;

use super::answer::AnswerHeaders;
use super::{AnswerMeta, ErrorBody, GraphError, TokenErrorBody};

/// Which step of authentication failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// Graph answered 401: it does not accept the token
    /// ([`AuthError::graph`] holds its whole answer).
    Rejected,
    /// The token endpoint answered with an error: a wrong secret, an unknown
    /// tenant or client ([`AuthError::token_error`] holds its body).
    Refused,
    /// The token endpoint could not be reached, or no HTTP client for it could start.
    Unreachable,
    /// The token endpoint answered success with a body that is not a token.
    UnreadableToken,
    /// The token has characters an HTTP header cannot carry; nothing was sent.
    UnusableToken,
    /// The user declined the sign-in (the token endpoint answered
    /// `access_denied`, RFC 8628 §3.5).
    Declined,
    /// The device code expired before the user signed in (`expired_token`,
    /// RFC 8628 §3.5, or its `expires_in` passed): start the sign-in again.
    Expired,
    /// The refresh token is no longer accepted (`invalid_grant`, RFC 6749
    /// §5.2: revoked, expired or already rotated away): the user must sign
    /// in again. The stored refresh token has been dropped.
    SignInRequired,
    /// The token store could not be read or written, or refused its file
    /// (one others can read or write); [`AuthError::store_problem`] says
    /// which file and why.
    Store,
    /// The credential could not make the proof it sends to the token
    /// endpoint (a federated token file missing, unreadable or empty);
    /// nothing was sent.
    NoAssertion,
    /// A credential of another library (an `azure_identity` credential
    /// behind `auth::AzureCredential`, feature `azure-identity`) failed; its
    /// error is the [`source`](std::error::Error::source).
    CredentialFailed,
}

/// Authentication failed: the token endpoint refused, or Graph rejected the token.
///
/// The status and identifiers of the answer, when there was one, are in
/// [`answer`](Self::answer) (for a 401 from Graph, that of [`graph`](Self::graph)).
/// Neither the token nor the client secret is ever part of it.
///
/// Cheap to clone (causes are shared), so one failed token request can be
/// handed to every caller that waited for it.
///
/// ```
/// use graph_core::{AuthErrorKind, Error};
///
/// # fn show(err: &Error) {
/// if let Error::Auth(auth) = err {
///     match auth.kind() {
///         AuthErrorKind::Refused => eprintln!("check the app's credentials: {:?}", auth.code()),
///         AuthErrorKind::Rejected => eprintln!("Graph refused the token: {:?}", auth.description()),
///         _ => eprintln!("{auth}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AuthError {
    repr: Repr,
}

#[derive(Debug, Clone)]
enum Repr {
    Rejected(GraphError),
    Refused {
        answer: AnswerMeta,
        body: ErrorBody,
    },
    Unreachable(Option<Arc<reqwest::Error>>),
    UnreadableToken {
        answer: AnswerMeta,
        /// What was wrong, without serde's message (it quotes the body, and a
        /// bare string answer may be the token itself).
        problem: String,
        /// The start of the body, token values already redacted.
        snippet: String,
    },
    UnusableToken,
    /// A sign-in that ended without a token: declined, expired, or a refresh
    /// token no longer accepted. `answer` and `body` are the token endpoint's,
    /// when it said so (a device code can also run out on the client's clock).
    Ended {
        kind: AuthErrorKind,
        answer: Option<AnswerMeta>,
        body: Option<ErrorBody>,
        /// What happened, when the kind's own words do not fit the flow
        /// (an authorization code sign-in that timed out); never a secret.
        why: Option<String>,
    },
    Store {
        /// Says which file and what is wrong with it; never a stored value.
        problem: String,
        source: Option<Arc<std::io::Error>>,
    },
    NoAssertion {
        /// What was wrong (never the assertion itself).
        problem: String,
        source: Option<Arc<std::io::Error>>,
    },
    #[cfg_attr(not(feature = "azure-identity"), allow(dead_code))]
    CredentialFailed(Arc<dyn std::error::Error + Send + Sync>),
}

impl AuthError {
    /// Graph answered 401.
    pub(crate) fn rejected(graph: GraphError) -> Self {
        Self {
            repr: Repr::Rejected(graph),
        }
    }

    /// The token endpoint's error answer.
    pub(crate) fn refused(status: u16, headers: AnswerHeaders, body: &[u8]) -> Self {
        let body = ErrorBody::parse(None, body);
        let answer = AnswerMeta::completed(status, headers, &body);
        Self {
            repr: Repr::Refused { answer, body },
        }
    }

    /// The token endpoint could not be reached (or no HTTP client could start).
    pub(crate) fn unreachable(source: Option<reqwest::Error>) -> Self {
        Self {
            repr: Repr::Unreachable(
                source.map(|e| Arc::new(crate::request::redacted_reqwest_error(e))),
            ),
        }
    }

    /// The token endpoint answered success with a body that is not a token.
    /// The body itself is not kept (it may hold a token): `redacted_body` is
    /// the body with token values replaced, and only its start is kept.
    pub(crate) fn unreadable_token(
        answer: AnswerMeta,
        problem: String,
        redacted_body: &[u8],
    ) -> Self {
        Self {
            repr: Repr::UnreadableToken {
                answer,
                problem,
                snippet: super::body::snippet(redacted_body),
            },
        }
    }

    /// The token cannot be put in an `Authorization` header.
    pub(crate) fn unusable_token() -> Self {
        Self {
            repr: Repr::UnusableToken,
        }
    }

    /// A sign-in that ended as `kind` ([`Declined`](AuthErrorKind::Declined),
    /// [`Expired`](AuthErrorKind::Expired) or
    /// [`SignInRequired`](AuthErrorKind::SignInRequired)), with the token
    /// endpoint's answer when it gave one.
    pub(crate) fn ended(kind: AuthErrorKind, refused: Option<AuthError>) -> Self {
        let (answer, body) = match refused.map(|e| e.repr) {
            Some(Repr::Refused { answer, body }) => (Some(answer), Some(body)),
            _ => (None, None),
        };
        Self {
            repr: Repr::Ended {
                kind,
                answer,
                body,
                why: None,
            },
        }
    }

    /// A sign-in that ended as `kind` before any token request (the
    /// authorization code flow's redirect): `why` says what happened, and
    /// must hold no secret; `error` is the redirect's `error` and
    /// `error_description` as a JSON object, when it carried them.
    pub(crate) fn ended_at_redirect(
        kind: AuthErrorKind,
        why: String,
        error: Option<&[u8]>,
    ) -> Self {
        Self {
            repr: Repr::Ended {
                kind,
                answer: None,
                body: error.map(|body| ErrorBody::parse(None, body)),
                why: Some(why),
            },
        }
    }

    /// The token store failed: `problem` names the file and what is wrong,
    /// and must hold no stored value.
    pub(crate) fn store(problem: String, source: Option<std::io::Error>) -> Self {
        Self {
            repr: Repr::Store {
                problem,
                source: source.map(Arc::new),
            },
        }
    }

    /// The credential could not make its client assertion: `problem` says
    /// why (never with the assertion), `source` is the I/O error, if any.
    pub(crate) fn no_assertion(problem: String, source: Option<std::io::Error>) -> Self {
        Self {
            repr: Repr::NoAssertion {
                problem,
                source: source.map(Arc::new),
            },
        }
    }

    /// For [`AuthErrorKind::Store`]: which file, and what is wrong with it.
    pub fn store_problem(&self) -> Option<&str> {
        match &self.repr {
            Repr::Store { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// Another library's credential failed with `source`.
    #[cfg_attr(not(feature = "azure-identity"), allow(dead_code))]
    pub(crate) fn credential_failed(
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            repr: Repr::CredentialFailed(Arc::new(source)),
        }
    }

    /// Which step failed.
    pub fn kind(&self) -> AuthErrorKind {
        match &self.repr {
            Repr::Rejected(_) => AuthErrorKind::Rejected,
            Repr::Refused { .. } => AuthErrorKind::Refused,
            Repr::Unreachable(_) => AuthErrorKind::Unreachable,
            Repr::UnreadableToken { .. } => AuthErrorKind::UnreadableToken,
            Repr::UnusableToken => AuthErrorKind::UnusableToken,
            Repr::Ended { kind, .. } => *kind,
            Repr::Store { .. } => AuthErrorKind::Store,
            Repr::NoAssertion { .. } => AuthErrorKind::NoAssertion,
            Repr::CredentialFailed(_) => AuthErrorKind::CredentialFailed,
        }
    }

    /// The status and identifiers of the answer (Graph's or the token
    /// endpoint's), when there was one.
    pub fn answer(&self) -> Option<&AnswerMeta> {
        match &self.repr {
            Repr::Rejected(graph) => Some(graph.answer()),
            Repr::Refused { answer, .. } | Repr::UnreadableToken { answer, .. } => Some(answer),
            Repr::Ended { answer, .. } => answer.as_ref(),
            Repr::Unreachable(_)
            | Repr::UnusableToken
            | Repr::Store { .. }
            | Repr::NoAssertion { .. }
            | Repr::CredentialFailed(_) => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.answer().map(AnswerMeta::status)
    }

    /// The token endpoint's `x-ms-request-id` (else its `trace_id`), or Graph's `request-id`.
    pub fn request_id(&self) -> Option<&str> {
        self.answer().and_then(AnswerMeta::request_id)
    }

    /// The token endpoint's `error` (`invalid_client`, …) or Graph's error code.
    pub fn code(&self) -> Option<&str> {
        match &self.repr {
            Repr::Rejected(graph) => graph.code(),
            Repr::Refused { body, .. } => body.code(),
            Repr::Ended { body, .. } => body.as_ref().and_then(ErrorBody::code),
            _ => None,
        }
    }

    /// The token endpoint's `error_description` or Graph's message; for an
    /// answer of another shape, the start of its body.
    pub fn description(&self) -> Option<&str> {
        match &self.repr {
            Repr::Rejected(graph) => graph.message(),
            Repr::Refused { body, .. } => body
                .message()
                .or_else(|| Some(body.snippet()).filter(|s| !s.is_empty())),
            Repr::Ended { body, .. } => body.as_ref().and_then(ErrorBody::message),
            _ => None,
        }
    }

    /// Graph's whole answer, when Graph answered 401: inner codes,
    /// client-request-id, date and attempts included.
    pub fn graph(&self) -> Option<&GraphError> {
        match &self.repr {
            Repr::Rejected(graph) => Some(graph),
            _ => None,
        }
    }

    /// The token endpoint's whole error body, when it had the OAuth 2.0 shape.
    pub fn token_error(&self) -> Option<&TokenErrorBody> {
        match &self.repr {
            Repr::Refused { body, .. } => body.token(),
            Repr::Ended { body, .. } => body.as_ref().and_then(ErrorBody::token),
            _ => None,
        }
    }

    /// The start of the error answer's body (see [`GraphError::snippet`]);
    /// for an unreadable token answer, with token values redacted.
    pub fn snippet(&self) -> Option<&str> {
        match &self.repr {
            Repr::Rejected(graph) => Some(graph.snippet()),
            Repr::Refused { body, .. } => Some(body.snippet()),
            Repr::UnreadableToken { snippet, .. } => Some(snippet),
            Repr::Ended { body, .. } => body.as_ref().map(ErrorBody::snippet),
            _ => None,
        }
    }

    /// Why, in words, when no code and description say it.
    fn reason(&self) -> Option<&str> {
        match &self.repr {
            Repr::Unreachable(_) => Some("could not reach the token endpoint"),
            Repr::UnreadableToken { .. } => Some("unreadable token answer"),
            Repr::UnusableToken => Some("the access token has characters a header cannot carry"),
            Repr::Ended { why: Some(why), .. } => Some(why),
            Repr::Ended { kind, .. } => Some(match kind {
                AuthErrorKind::Declined => "the user declined the sign-in",
                AuthErrorKind::Expired => {
                    "the device code expired before the user signed in; start the sign-in again"
                }
                _ => "the refresh token is no longer accepted; sign in again",
            }),
            Repr::Store { problem, .. } => Some(problem),
            Repr::NoAssertion { .. } => Some("no client assertion"),
            Repr::CredentialFailed(_) => Some("the credential failed"),
            Repr::Rejected(_) | Repr::Refused { .. } => None,
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed")?;
        if let Some(status) = self.status() {
            write!(f, " ({status})")?;
        }
        if let Some(code) = self.code() {
            write!(f, ": {code}")?;
        }
        for text in [self.description(), self.reason()].into_iter().flatten() {
            write!(f, ": {text}")?;
        }
        if let Repr::UnreadableToken { problem, .. } | Repr::NoAssertion { problem, .. } =
            &self.repr
        {
            write!(f, ": {problem}")?;
        }
        if let Some(source) = std::error::Error::source(self) {
            write!(f, ": {source}")?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " [request-id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.repr {
            Repr::Unreachable(source) => source.as_deref().map(|e| e as _),
            Repr::Store { source, .. } => source.as_deref().map(|e| e as _),
            Repr::NoAssertion { source, .. } => source.as_deref().map(|e| e as _),
            Repr::CredentialFailed(source) => Some(source.as_ref()),
            _ => None,
        }
    }
}
