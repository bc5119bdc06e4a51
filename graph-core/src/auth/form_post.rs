//! One form POST to an identity-platform endpoint (`/token`, `/devicecode`),
//! its body read within [`TOKEN_ANSWER_MAX_BYTES`].

use super::token_request::send_and_read;
use crate::error::AnswerHeaders;
use crate::request::encode_form_pair;
use crate::{AnswerMeta, AuthError};

/// What the endpoint answered.
pub(crate) struct FormAnswer {
    pub(crate) status: u16,
    pub(crate) headers: AnswerHeaders,
    /// The whole body of a 2xx answer; the start of any other.
    pub(crate) body: Vec<u8>,
}

impl FormAnswer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub(crate) fn meta(&self) -> AnswerMeta {
        AnswerMeta::new(self.status, self.headers.request_id.clone())
    }

    /// The endpoint's error answer as an [`AuthError`] (`Refused`), with
    /// every occurrence of `sent` (a secret the request carried: a device
    /// code, a refresh token) replaced in the kept snippet, should the
    /// endpoint echo it.
    pub(crate) fn refused_without(&self, sent: &str) -> AuthError {
        self.refused_without_any(&[sent])
    }

    /// [`refused_without`](Self::refused_without) for every secret in `sent`
    /// (an authorization code and its code verifier).
    pub(crate) fn refused_without_any(&self, sent: &[&str]) -> AuthError {
        let mut body = self.body.clone();
        for secret in sent {
            body = replace_all(
                &body,
                secret.as_bytes(),
                crate::request::REDACTED.as_bytes(),
            );
        }
        let scrubbed = FormAnswer {
            status: self.status,
            headers: copy_headers(&self.headers),
            body,
        };
        scrubbed.refused()
    }

    /// The endpoint's error answer as an [`AuthError`] (`Refused`).
    pub(crate) fn refused(&self) -> AuthError {
        AuthError::refused(self.status, copy_headers(&self.headers), &self.body)
    }
}

fn copy_headers(h: &AnswerHeaders) -> AnswerHeaders {
    AnswerHeaders {
        request_id: h.request_id.clone(),
        client_request_id: h.client_request_id.clone(),
        date: h.date.clone(),
        retry_after: h.retry_after.clone(),
    }
}

/// `body` with every occurrence of `needle` replaced by `with`.
fn replace_all(body: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// POSTs `pairs` form-encoded to `url`. A 2xx body larger than the limit is
/// an unreadable token answer and nothing of it is kept (it may hold tokens).
pub(crate) async fn post_form(
    http: Option<&reqwest::Client>,
    url: &str,
    pairs: &[(&str, &str)],
) -> Result<FormAnswer, Box<AuthError>> {
    let mut form = String::new();
    for (name, value) in pairs {
        encode_form_pair(&mut form, name, value);
    }
    let http = http.ok_or_else(|| Box::new(AuthError::unreachable(None)))?;
    let request = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form);
    let (status, headers, body) = send_and_read(request).await?;
    Ok(FormAnswer {
        status,
        headers,
        body: body.to_vec(),
    })
}
