//! Graph's error body: `{"error":{"code","message","innerError":{…}}}`.

use serde_json::{Value, json};

use crate::util::graph_date;

/// An error answer before it is rendered: rendering needs the request's ids.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// `innerError.code`, used by throttling answers (`throttledRequest`).
    pub inner_code: Option<String>,
    /// Sent verbatim as the `Retry-After` header.
    pub retry_after: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            inner_code: None,
            retry_after: None,
        }
    }

    /// 400 `invalidRequest`, the code of every invite/permission rule.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, "invalidRequest", message)
    }

    /// 400 `BadRequest`, for malformed URLs and batch envelopes.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 404 `itemNotFound`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "itemNotFound", message)
    }

    /// 401 `InvalidAuthenticationToken`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(401, "InvalidAuthenticationToken", message)
    }

    /// The JSON body, given the request ids of the answer.
    pub fn body(&self, request_id: &str, client_request_id: &str) -> Value {
        let mut inner = json!({
            "date": graph_date(std::time::SystemTime::now()),
            "request-id": request_id,
            "client-request-id": client_request_id,
        });
        if let Some(code) = &self.inner_code {
            inner["code"] = json!(code);
        }
        json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": inner,
            }
        })
    }
}

/// A scripted or random failure with the status alone: the Graph code and
/// message Microsoft uses for that status.
pub(crate) fn error_for_status(status: u16, retry_after: Option<String>) -> ApiError {
    let (code, message) = match status {
        400 => ("invalidRequest", "The request is malformed or incorrect."),
        401 => (
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        ),
        403 => (
            "accessDenied",
            "The caller does not have permission to perform the action.",
        ),
        404 => ("itemNotFound", "The resource could not be found."),
        409 => (
            "conflict",
            "The current state conflicts with what the request expects.",
        ),
        412 => (
            "preconditionFailed",
            "The precondition provided in the request did not match the current state.",
        ),
        429 => (
            "TooManyRequests",
            "Too many requests. Please retry after the time given in the Retry-After header.",
        ),
        500 => ("generalException", "An unspecified error has occurred."),
        501 => ("notSupported", "The requested feature is not implemented."),
        502 => (
            "BadGateway",
            "The service could not reach a downstream dependency.",
        ),
        503 => (
            "serviceNotAvailable",
            "The service is temporarily unavailable for maintenance or is overloaded. Please retry later.",
        ),
        504 => ("GatewayTimeout", "The service did not answer in time."),
        507 => (
            "insufficientStorage",
            "The maximum storage quota has been reached.",
        ),
        509 => (
            "bandwidthLimitExceeded",
            "The bandwidth limit has been exceeded.",
        ),
        _ => ("generalException", "An error was injected by the emulator."),
    };
    let mut err = ApiError::new(status, code, message);
    if status == 429 {
        err.inner_code = Some("429".to_string());
    }
    err.retry_after = retry_after;
    err
}
