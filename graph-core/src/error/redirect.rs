//! A redirect the client would not or could not follow.

/// Why a redirect was not followed, and whether the server that sent it
/// may have acted on the request first.
///
/// A `301`, `302` or `303` answering a request other than a GET may come
/// after the server acted (a `303` after a POST says it did: RFC 9110
/// §15.4.4), so a chain that then breaks leaves the request's fate unknown.
/// A GET acts on nothing, and a `307` or `308` asks for the same request
/// elsewhere without having acted on it (§15.4.8, §15.4.9): a chain of
/// those that breaks is a known failure.
///
/// ```
/// # async fn run(client: graph_core::Client, invite: graph_core::drive::Invite) {
/// if let Err(graph_core::Error::Redirect(redirect)) = client.send(&invite).await {
///     println!("{redirect}; may have acted: {}", redirect.may_have_acted());
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RedirectError {
    message: String,
    status: u16,
    may_have_acted: bool,
}

impl RedirectError {
    /// The redirect answered `status` refused for `message`;
    /// `may_have_acted` when a `301`, `302` or `303` had answered a request
    /// other than a GET.
    pub(crate) fn new(message: impl Into<String>, status: u16, may_have_acted: bool) -> Self {
        Self {
            message: message.into(),
            status,
            may_have_acted,
        }
    }

    /// The status of the redirect answer that was not followed (`301`,
    /// `302`, `303`, `307` or `308`).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What was wrong with the redirect (URLs in it are redacted).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether a server on the way answered a request other than a GET with
    /// `301`, `302` or `303`, and so may have acted on it.
    pub fn may_have_acted(&self) -> bool {
        self.may_have_acted
    }

    /// The same refusal, marked as coming after a redirect that may have acted.
    pub(crate) fn after_acting(mut self, acted: bool) -> Self {
        self.may_have_acted |= acted;
        self
    }
}
