//! `POST /{tenant}/oauth2/v2.0/token`: the client-credentials flow of the
//! Microsoft identity platform (with a client secret or a client assertion),
//! with its error shape.

use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

use super::client_assertion;
use crate::lock;
use crate::pipeline::Shared;
use crate::util::{aad_timestamp, base64url, parse_pairs};

/// An answer of the token endpoint.
pub(crate) struct TokenAnswer {
    pub status: u16,
    pub body: Value,
    pub trace_id: String,
}

/// An error answer of the token endpoint, in Entra ID's shape.
pub(crate) struct AadError {
    status: u16,
    error: &'static str,
    pub(crate) code: u32,
    message: String,
}

impl AadError {
    pub(crate) fn new(
        status: u16,
        error: &'static str,
        code: u32,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            error,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn missing(name: &str) -> Self {
        Self::new(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }

    fn render(self, trace_id: &str, correlation_id: &str) -> TokenAnswer {
        let timestamp = aad_timestamp(SystemTime::now());
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
                self.code, self.message
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        TokenAnswer {
            status: self.status,
            body,
            trace_id: trace_id.to_string(),
        }
    }
}

/// Handles a token request for `tenant` (the first path segment).
pub(crate) fn handle(
    shared: &Shared,
    tenant: &str,
    method: &str,
    client_request_id: Option<&str>,
    body: &[u8],
    trace_id: String,
) -> TokenAnswer {
    let correlation_id = client_request_id
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    match issue(shared, tenant, method, body) {
        Ok(body) => TokenAnswer {
            status: 200,
            body,
            trace_id,
        },
        Err(err) => err.render(&trace_id, &correlation_id),
    }
}

fn issue(shared: &Shared, tenant: &str, method: &str, body: &[u8]) -> Result<Value, AadError> {
    if method != "POST" {
        return Err(AadError::new(
            400,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        ));
    }
    let mut store = lock(&shared.store);
    let t = &store.tenant;
    let known_tenant = t.tenant_id.eq_ignore_ascii_case(tenant)
        || t.domains.iter().any(|d| d.eq_ignore_ascii_case(tenant));
    if !known_tenant {
        return Err(AadError::new(
            400,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        ));
    }
    let text = std::str::from_utf8(body).unwrap_or_default();
    let form = parse_pairs(text, true).unwrap_or_default();
    let param = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let grant_type = param("grant_type").ok_or_else(|| AadError::missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(AadError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{grant_type}'. The emulator supports client_credentials."
            ),
        ));
    }
    let client_id = param("client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let Some(client) = t
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
    else {
        return Err(AadError::new(
            400,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
            ),
        ));
    };
    // The app proves itself with a secret or a client assertion ("Microsoft
    // identity platform and the OAuth 2.0 client credentials flow").
    match (param("client_secret"), param("client_assertion")) {
        (Some(secret), _) if secret != client.client_secret => {
            return Err(AadError::new(
                401,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    client.client_id
                ),
            ));
        }
        (Some(_), _) => {}
        (None, Some(assertion)) => {
            // "Certificate credentials": `aud` is this token endpoint; the
            // tenant may be named by id or by domain.
            let token_urls: Vec<String> = std::iter::once(&t.tenant_id)
                .chain(&t.domains)
                .map(|name| format!("{}/{name}/oauth2/v2.0/token", shared.root_url))
                .collect();
            client_assertion::check(
                client,
                param("client_assertion_type"),
                assertion,
                &token_urls,
                SystemTime::now(),
            )?;
        }
        (None, None) => {
            return Err(AadError::new(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ));
        }
    }
    let scope = param("scope").ok_or_else(|| AadError::missing("scope"))?;
    if !scope.trim().ends_with("/.default") || scope.trim().contains(' ') {
        return Err(AadError::new(
            400,
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    let client_id = client.client_id.clone();
    let tenant_id = t.tenant_id.clone();
    let payload = json!({
        "aud": "https://graph.microsoft.com",
        "tid": tenant_id,
        "appid": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.{}.emulator-app",
        base64url(payload.to_string().as_bytes())
    );
    let lifetime = shared.token_lifetime;
    store.issue_token(token.clone(), &client_id, Instant::now() + lifetime);
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": token,
    }))
}
