//! `GET /msi/token`: an App Service–style managed identity endpoint, as
//! "How to use managed identities for App Service and Azure Functions"
//! (section "REST endpoint reference") describes it. The platform sets
//! `IDENTITY_ENDPOINT` (this URL) and `IDENTITY_HEADER` (a secret the app
//! sends back as `X-IDENTITY-HEADER`, which guards against server-side
//! request forgery); the app asks with `resource` and
//! `api-version=2019-08-01` and gets `access_token` with `expires_on` in
//! Unix seconds, as a string.
//!
//! The identity is the seed's system-assigned one
//! ([`seed::MANAGED_IDENTITY_CLIENT_ID`]); its tokens are app-only tokens
//! Graph accepts like those of the token endpoint. The page gives no error
//! body shape: errors here are `{"statusCode", "message"}`, the shape App
//! Service's token service answers with.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::lock;
use crate::pipeline::Shared;
use crate::tenant::seed;
use crate::util::{base64url, parse_pairs};

/// The path the emulator serves the endpoint at (App Service's own is
/// `/msi/token` on a local address).
pub(crate) const PATH: &str = "/msi/token";

/// The one `api-version` the App Service page documents for this protocol.
const API_VERSION: &str = "2019-08-01";

/// An answer of the managed identity endpoint.
pub(crate) struct IdentityAnswer {
    pub status: u16,
    pub body: Value,
}

fn error(status: u16, message: impl Into<String>) -> IdentityAnswer {
    IdentityAnswer {
        status,
        body: json!({ "statusCode": status, "message": message.into() }),
    }
}

/// Handles `method` on the endpoint with `query` and the request's
/// `X-IDENTITY-HEADER` value.
pub(crate) fn handle(
    shared: &Shared,
    method: &str,
    query: &str,
    identity_header: Option<&str>,
) -> IdentityAnswer {
    if method != "GET" {
        return error(
            405,
            "The managed identity endpoint only accepts GET requests.",
        );
    }
    // The header proves the caller runs inside the app: without the right
    // value, nothing else is looked at.
    if identity_header != Some(seed::IDENTITY_HEADER) {
        return error(
            401,
            "The request must carry the X-IDENTITY-HEADER header with the value of IDENTITY_HEADER.",
        );
    }
    let pairs = parse_pairs(query, true).unwrap_or_default();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    match param("api-version") {
        Some(API_VERSION) => {}
        Some(other) => {
            return error(
                400,
                format!("api-version '{other}' is not supported; use {API_VERSION}."),
            );
        }
        None => return error(400, "The api-version parameter is required."),
    }
    let Some(resource) = param("resource") else {
        return error(400, "The resource parameter is required.");
    };
    // The emulator serves Graph only; `https://graph.microsoft.com/` names it too.
    if resource.trim_end_matches('/') != "https://graph.microsoft.com" {
        return error(
            400,
            format!(
                "No token can be issued for resource '{resource}': the emulator serves https://graph.microsoft.com only."
            ),
        );
    }
    // A user-assigned identity is chosen by one of these; the seed has
    // only the system-assigned one, so any of them names an unknown identity
    // unless it is that one's client id.
    for name in ["client_id", "principal_id", "mi_res_id", "object_id"] {
        if let Some(value) = param(name)
            && !(name == "client_id"
                && value.eq_ignore_ascii_case(seed::MANAGED_IDENTITY_CLIENT_ID))
        {
            return error(
                400,
                format!("No managed identity matches {name} '{value}'."),
            );
        }
    }
    let mut store = lock(&shared.store);
    // Its tokens carry the application permissions granted to the identity.
    let roles = store.tenant.managed_identity_permissions.clone();
    let mut payload = json!({
        "aud": "https://graph.microsoft.com",
        "tid": store.tenant.tenant_id,
        "appid": seed::MANAGED_IDENTITY_CLIENT_ID,
        "idtyp": "app",
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    // As the token endpoint does for an app: no `roles` claim when nothing
    // was granted ("Access token claims reference": `roles` holds the
    // permissions granted, and is left out without any).
    if !roles.is_empty() {
        payload["roles"] = json!(roles);
    }
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.{}.emulator-managed-identity",
        base64url(payload.to_string().as_bytes())
    );
    let lifetime = shared.token_lifetime;
    store.issue_token(
        token.clone(),
        seed::MANAGED_IDENTITY_CLIENT_ID,
        roles,
        Instant::now() + lifetime,
    );
    let expires_on = (SystemTime::now() + lifetime)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    IdentityAnswer {
        status: 200,
        body: json!({
            "access_token": token,
            "expires_on": expires_on.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": seed::MANAGED_IDENTITY_CLIENT_ID,
        }),
    }
}
