//! `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant (with a
//! client secret or a client assertion), the device code, authorization
//! code and refresh token grants of the Microsoft identity platform, with its
//! error shape. Each access token records the permissions it carries:
//! `roles` for app-only tokens, `scp` for delegated ones.

use std::time::{Instant, SystemTime};

use serde_json::{Value, json};

use super::client_assertion;
use crate::lock;
use crate::pipeline::Shared;
use crate::state::{RefreshGrant, RefreshStatus, Store};
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

    /// The OAuth 2.0 `error` (`invalid_request`, `access_denied`, …).
    pub(crate) fn error(&self) -> &'static str {
        self.error
    }

    /// `AADSTS{code}: {message}`, as an `error_description` begins.
    pub(crate) fn text(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }

    pub(crate) fn render(self, trace_id: &str, correlation_id: &str) -> TokenAnswer {
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
    answer(
        issue(shared, tenant, method, body),
        client_request_id,
        trace_id,
    )
}

/// The answer for `result`: 200 with its body, or the error in Entra ID's
/// shape, correlated with the caller's client-request-id (or a new id).
pub(crate) fn answer(
    result: Result<Value, AadError>,
    client_request_id: Option<&str>,
    trace_id: String,
) -> TokenAnswer {
    let correlation_id = client_request_id
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    match result {
        Ok(body) => TokenAnswer {
            status: 200,
            body,
            trace_id,
        },
        Err(err) => err.render(&trace_id, &correlation_id),
    }
}

/// The identity platform's endpoints take only POST.
pub(crate) fn require_post(method: &str) -> Result<(), AadError> {
    if method == "POST" {
        return Ok(());
    }
    Err(AadError::new(
        400,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests.",
    ))
}

fn issue(shared: &Shared, tenant: &str, method: &str, body: &[u8]) -> Result<Value, AadError> {
    require_post(method)?;
    let mut store = lock(&shared.store);
    let form = form_pairs(body);
    let param = |name: &str| param(&form, name);
    let grant_type = param("grant_type");
    if grant_type == Some("client_credentials") {
        check_tenant(&store.tenant, tenant)?;
    } else {
        check_delegated_tenant(&store.tenant, tenant)?;
    }
    let grant_type = grant_type.ok_or_else(|| AadError::missing("grant_type"))?;
    match grant_type {
        super::device_code::GRANT_TYPE => {
            return super::device_code::redeem(shared, &mut store, &form);
        }
        "refresh_token" => return refresh(shared, &mut store, &form),
        "authorization_code" => return super::authorize::redeem(shared, &mut store, &form),
        _ => {}
    }
    let t = &store.tenant;
    if grant_type != "client_credentials" {
        return Err(AadError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{grant_type}'. The emulator supports client_credentials, authorization_code, refresh_token and urn:ietf:params:oauth:grant-type:device_code."
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
    // An app-only token carries the application permissions an admin
    // granted the app as `roles` ("Scopes and permissions in the Microsoft
    // identity platform", "The /.default scope": the client credentials
    // flow gets the app's granted application permissions).
    let roles = client.granted_application_permissions.clone();
    let tenant_id = t.tenant_id.clone();
    let mut payload = json!({
        "aud": "https://graph.microsoft.com",
        "tid": tenant_id,
        "appid": client_id,
        "idtyp": "app",
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    if !roles.is_empty() {
        payload["roles"] = json!(roles);
    }
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.{}.emulator-app",
        base64url(payload.to_string().as_bytes())
    );
    let lifetime = shared.token_lifetime;
    store.issue_token(token.clone(), &client_id, roles, Instant::now() + lifetime);
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": token,
    }))
}

/// Refuses a tenant the emulator does not serve, as Entra ID does (AADSTS90002).
pub(crate) fn check_tenant(t: &crate::tenant::Tenant, tenant: &str) -> Result<(), AadError> {
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
    Ok(())
}

/// The tenant of a delegated sign-in (device code, authorization code,
/// refresh): the served tenant by id or domain, or `common` or
/// `organizations`, which the device code and authorization code pages list
/// for multi-tenant apps ("OAuth 2.0 device authorization grant",
/// "authorization code flow": `{tenant}` "can be `/common`,
/// `/organizations`, …"); the seeded users are work accounts of the served
/// tenant, so either signs them in there. `consumers` (personal Microsoft
/// accounts only) has none of them and stays refused. The client
/// credentials grant names its tenant ([`check_tenant`]).
pub(crate) fn check_delegated_tenant(
    t: &crate::tenant::Tenant,
    tenant: &str,
) -> Result<(), AadError> {
    if tenant.eq_ignore_ascii_case("common") || tenant.eq_ignore_ascii_case("organizations") {
        return Ok(());
    }
    check_tenant(t, tenant)
}

/// The form-encoded body's pairs (none when it is not a form).
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(body).unwrap_or_default();
    parse_pairs(text, true).unwrap_or_default()
}

/// A non-empty form parameter.
pub(crate) fn param<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// A known client, else Entra ID's AADSTS700016.
pub(crate) fn known_client(store: &Store, client_id: &str) -> Result<String, AadError> {
    store
        .tenant
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
        .map(|c| c.client_id.clone())
        .ok_or_else(|| {
            AadError::new(
                400,
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_id}' was not found in the directory '{}'.",
                    store.tenant.tenant_id
                ),
            )
        })
}

/// Scopes of OpenID Connect that name no Graph permission ("Scopes and
/// permissions in the Microsoft identity platform", "OpenID Connect scopes").
const OIDC_SCOPES: [&str; 4] = ["offline_access", "openid", "profile", "email"];

/// The resource a scope may be prefixed with ("Scopes and permissions in the
/// Microsoft identity platform": a scope without one is for Microsoft Graph,
/// so `User.Read` is `https://graph.microsoft.com/User.Read`).
const GRAPH_RESOURCE: &str = "https://graph.microsoft.com/";

/// A requested scope without Graph's resource prefix.
fn graph_permission(scope: &str) -> &str {
    match scope.get(..GRAPH_RESOURCE.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(GRAPH_RESOURCE) => {
            &scope[GRAPH_RESOURCE.len()..]
        }
        _ => scope,
    }
}

/// The delegated permissions a token gets for `scope`: each requested one
/// among `consented` (spelled as the consent spells it), and for `.default`
/// all of `consented` ("The /.default scope": the permissions configured on
/// the app registration). OpenID Connect scopes name no Graph permission.
/// Emulator rule: there is no consent prompt, so a permission the seed does
/// not list as consented is left out of the token rather than asked for.
pub(crate) fn delegated_permissions(scope: &str, consented: &[String]) -> Vec<String> {
    let mut granted: Vec<String> = Vec::new();
    let mut add = |permission: &String| {
        if !granted.iter().any(|g| g.eq_ignore_ascii_case(permission)) {
            granted.push(permission.clone());
        }
    };
    for asked in scope.split_whitespace().map(graph_permission) {
        if OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(asked)) {
            continue;
        }
        if asked.eq_ignore_ascii_case(".default") {
            consented.iter().for_each(&mut add);
        } else if let Some(permission) = consented.iter().find(|c| c.eq_ignore_ascii_case(asked)) {
            add(permission);
        }
    }
    granted
}

/// Delegated tokens for `user_id` signed in to `client_id`, for the scopes
/// the request asked for (`scope`, space-separated as sent): an access token
/// whose `/me` is that user and whose `scp` is [`delegated_permissions`] of
/// `scope` and the app's consented ones, and, when `scope` holds
/// `offline_access`, a refresh token for the same permissions ("OAuth 2.0
/// device authorization grant", successful response: `refresh_token` is
/// "issued if the original scope parameter included offline_access").
/// Every delegated grant (device code, refresh token, authorization code)
/// issues through this.
pub(crate) fn issue_delegated(
    shared: &Shared,
    store: &mut Store,
    client_id: &str,
    user_id: &str,
    scope: &str,
) -> Value {
    let offline = scope
        .split_whitespace()
        .any(|s| s.eq_ignore_ascii_case("offline_access"));
    let refresh = offline.then_some(RefreshFor::Asked);
    issue_delegated_tokens(shared, store, client_id, user_id, scope, refresh)
}

/// What the refresh token [`issue_delegated_tokens`] issues stands for.
enum RefreshFor {
    /// The permissions granted for the request's `scope` and the OpenID
    /// Connect scopes it asked ([`refresh_scope`]).
    Asked,
    /// The same as the refresh token redeemed (a refresh grant).
    Same(String),
}

fn issue_delegated_tokens(
    shared: &Shared,
    store: &mut Store,
    client_id: &str,
    user_id: &str,
    scope: &str,
    refresh: Option<RefreshFor>,
) -> Value {
    let consented = store
        .tenant
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))
        .map(|c| c.granted_delegated_permissions.as_slice())
        .unwrap_or_default();
    let scp = delegated_permissions(scope, consented);
    let payload = json!({
        "aud": "https://graph.microsoft.com",
        "tid": store.tenant.tenant_id,
        "oid": user_id,
        "appid": client_id,
        "scp": scp.join(" "),
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    let token = format!(
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.{}.emulator-delegated",
        base64url(payload.to_string().as_bytes())
    );
    let lifetime = shared.token_lifetime;
    store.issue_delegated_token(
        token.clone(),
        user_id,
        scp.clone(),
        Instant::now() + lifetime,
    );
    let mut answer = json!({
        "token_type": "Bearer",
        "scope": scp.join(" "),
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": token,
    });
    if let Some(refresh_for) = refresh {
        let refresh_scope = match refresh_for {
            RefreshFor::Asked => refresh_scope(scope, &scp),
            RefreshFor::Same(scope) => scope,
        };
        let refresh = format!(
            "1.AQ-emulator-refresh.{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        store.refresh_tokens.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_string(),
                user_id: user_id.to_string(),
                scope: refresh_scope,
                status: RefreshStatus::Active,
            },
        );
        answer["refresh_token"] = Value::from(refresh);
    }
    answer
}

/// What a refresh token issued for a request of `scope` stands for: the
/// permissions granted (`granted`, from [`delegated_permissions`]) and the
/// OpenID Connect scopes asked, never what was asked beyond them, so that
/// redeeming it never widens the token.
pub(crate) fn refresh_scope(scope: &str, granted: &[String]) -> String {
    let oidc = scope
        .split_whitespace()
        .filter(|s| OIDC_SCOPES.iter().any(|o| o.eq_ignore_ascii_case(s)))
        .map(str::to_string);
    let kept: Vec<String> = granted.iter().cloned().chain(oidc).collect();
    kept.join(" ")
}

/// The scopes a refresh asks for, within those its refresh token stands for
/// (`granted`, as [`issue_delegated`] kept them): a refresh keeps the same
/// permissions or asks for fewer (the authorization code flow page's
/// "Refresh the access token" asks for the original scopes or a subset of
/// them). A scope outside them is left out; `.default` stands for all of them.
fn narrowed_scope(asked: &str, granted: &str) -> String {
    let kept: Vec<&str> = granted.split_whitespace().collect();
    let mut scope: Vec<&str> = Vec::new();
    for wanted in asked.split_whitespace() {
        let permission = graph_permission(wanted);
        if permission.eq_ignore_ascii_case(".default") {
            scope.extend(kept.iter().copied());
        } else if let Some(found) = kept.iter().find(|k| k.eq_ignore_ascii_case(permission)) {
            scope.push(found);
        }
    }
    scope.join(" ")
}

/// The `refresh_token` grant ("Microsoft identity platform and OAuth 2.0
/// authorization code flow", "Refresh the access token"). Emulator rule:
/// each refresh token is used once and replaced (rotation, as RFC 6749 §6
/// allows and the OAuth 2.0 Security BCP recommends for public clients);
/// Entra ID may accept a refresh token again, the emulator is stricter so
/// that clients are tested for keeping the newest.
fn refresh(
    shared: &Shared,
    store: &mut Store,
    form: &[(String, String)],
) -> Result<Value, AadError> {
    let client_id = param(form, "client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let client_id = known_client(store, client_id)?;
    let token = param(form, "refresh_token").ok_or_else(|| AadError::missing("refresh_token"))?;
    // Codes from "Microsoft Entra authentication and authorization error codes".
    let Some(grant) = store.refresh_tokens.get_mut(token) else {
        return Err(AadError::new(
            400,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid. The refresh token is not valid.",
        ));
    };
    if !grant.client_id.eq_ignore_ascii_case(&client_id) {
        return Err(AadError::new(
            400,
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed. The refresh token was issued to another client.",
        ));
    }
    match grant.status {
        RefreshStatus::Active => {}
        RefreshStatus::Revoked => {
            return Err(AadError::new(
                400,
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ));
        }
        RefreshStatus::Rotated => {
            return Err(AadError::new(
                400,
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity or has been redeemed. Send a new interactive authorization request for this user and resource.",
            ));
        }
    }
    grant.status = RefreshStatus::Rotated;
    let user_id = grant.user_id.clone();
    let granted = grant.scope.clone();
    // A refresh may narrow the access token's scopes, never widen them;
    // without `scope` it keeps them as granted.
    let scope = match param(form, "scope") {
        Some(asked) => narrowed_scope(asked, &granted),
        None => granted.clone(),
    };
    // The new refresh token stands for what the redeemed one did, whatever
    // the access token was narrowed to (RFC 6749 §6: "the refresh token
    // scope MUST be identical to that of the refresh token included by the
    // client in the request"), and comes back even when `scope` leaves out
    // `offline_access`: the one sent is spent (rotation), and the
    // authorization code flow page's refresh answer carries a new one.
    let refresh = Some(RefreshFor::Same(granted));
    Ok(issue_delegated_tokens(
        shared, store, &client_id, &user_id, &scope, refresh,
    ))
}
