//! The authorization code grant with PKCE ("Microsoft identity platform and
//! OAuth 2.0 authorization code flow"; RFC 6749 §4.1, RFC 7636):
//! `GET /{tenant}/oauth2/v2.0/authorize` issues a code bound to the app, the
//! redirect URI, the scopes, the user and the PKCE challenge, and the token
//! endpoint's `authorization_code` grant ([`redeem`]) checks them all.
//!
//! There is no sign-in page: the user is the one a test chose with
//! [`EmulatorHandle::sign_in_next_authorize_as`](crate::EmulatorHandle::sign_in_next_authorize_as)
//! (or who declines, [`EmulatorHandle::decline_next_authorize`](crate::EmulatorHandle::decline_next_authorize)),
//! else the seeded user named by `login_hint`. AADSTS numbers are those of
//! "Microsoft Entra authentication and authorization error codes".

use std::time::{Duration, Instant};

use serde_json::Value;

use super::token::{AadError, check_delegated_tenant, issue_delegated, known_client, param};
use crate::lock;
use crate::pipeline::Shared;
use crate::state::{AuthCodeGrant, ChallengeMethod, NextAuthorize, Store};
use crate::util::{base64url, parse_pairs};

/// How long a code is good for: "Authorization codes are short lived.
/// Typically, they expire after about 10 minutes" (the authorization code
/// flow doc; RFC 6749 §4.1.2 recommends at most 10 minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// What the authorize endpoint answers: a redirect (302 with `location`)
/// or a page of its own (an error it must not redirect, or the sign-in page
/// the emulator does not have).
pub(crate) struct AuthorizeAnswer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl AuthorizeAnswer {
    fn page(status: u16, text: &str) -> Self {
        Self {
            status,
            location: None,
            body: format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in to your account</title></head><body><p>{}</p></body></html>",
                html_escape(text)
            ),
        }
    }

    fn redirect(location: String) -> Self {
        Self {
            status: 302,
            location: Some(location),
            body: String::new(),
        }
    }
}

/// Handles `GET /{tenant}/oauth2/v2.0/authorize?{query}`.
pub(crate) fn handle(shared: &Shared, tenant: &str, method: &str, query: &str) -> AuthorizeAnswer {
    // The doc's request is a GET ("Request an authorization code").
    if method != "GET" {
        return AuthorizeAnswer::page(405, "AADSTS900561: The endpoint only accepts GET requests.");
    }
    let form = parse_pairs(query, true).unwrap_or_default();
    let mut store = lock(&shared.store);
    let refused_page = |err: AadError| AuthorizeAnswer::page(400, &err.text());
    if let Err(err) = check_delegated_tenant(&store.tenant, tenant) {
        return refused_page(err);
    }
    // RFC 6749 §4.1.2.1: with a missing or unknown client, or a redirect
    // URI not registered, the user is told and nothing is redirected.
    let Some(client_id) = param(&form, "client_id") else {
        return refused_page(AadError::missing("client_id"));
    };
    let client_id = match known_client(&store, client_id) {
        Ok(id) => id,
        Err(err) => return refused_page(err),
    };
    let Some(redirect_uri) = param(&form, "redirect_uri") else {
        return refused_page(AadError::missing("redirect_uri"));
    };
    let registered = store
        .tenant
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .is_some_and(|c| {
            c.public_client_redirect_uris
                .iter()
                .any(|r| redirect_matches(r, redirect_uri))
        });
    if !registered {
        return refused_page(AadError::new(
            400,
            "invalid_request",
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
            ),
        ));
    }
    let state = param(&form, "state");
    let back = |err: AadError| AuthorizeAnswer::redirect(error_location(redirect_uri, &err, state));
    match issue(&mut store, &form, &client_id, redirect_uri) {
        Ok(Some(code)) => {
            let mut pairs = vec![("code", code.as_str())];
            pairs.extend(state.map(|s| ("state", s)));
            AuthorizeAnswer::redirect(location(redirect_uri, &pairs))
        }
        // No user chosen: Entra ID would show its sign-in page and wait.
        Ok(None) => AuthorizeAnswer::page(
            200,
            "Sign in: the emulator has no sign-in page. Choose the user with EmulatorHandle::sign_in_next_authorize_as, or send a login_hint naming a seeded user.",
        ),
        Err(err) => back(err),
    }
}

/// The checks of "Request an authorization code" once the redirect URI is
/// known good, then the user's answer: a code, `None` when nobody signs in,
/// or an error to redirect with.
fn issue(
    store: &mut Store,
    form: &[(String, String)],
    client_id: &str,
    redirect_uri: &str,
) -> Result<Option<String>, AadError> {
    let response_type =
        param(form, "response_type").ok_or_else(|| AadError::missing("response_type"))?;
    if response_type != "code" {
        return Err(AadError::new(
            400,
            "unsupported_response_type",
            70005,
            format!(
                "The emulator's authorize endpoint issues codes only; response_type '{response_type}' is not supported."
            ),
        ));
    }
    // The emulator answers with a redirect, so only `query` (the default
    // for `code`) can be served.
    if let Some(mode) = param(form, "response_mode").filter(|m| *m != "query") {
        return Err(AadError::new(
            400,
            "invalid_request",
            70007,
            format!("The emulator supports response_mode 'query' only, not '{mode}'."),
        ));
    }
    let scope = param(form, "scope").ok_or_else(|| AadError::missing("scope"))?;
    // Emulator rule: PKCE is required (Entra ID requires it for single-page
    // apps and recommends it for every other), so that clients are tested
    // for sending it. AADSTS50147 is MissingCodeChallenge.
    let challenge = param(form, "code_challenge").ok_or_else(|| {
        AadError::new(
            400,
            "invalid_request",
            50147,
            "The request must contain a code_challenge (PKCE); the emulator requires it.",
        )
    })?;
    // The doc: "S256 or plain … If excluded, code_challenge is assumed to be
    // plaintext … The Microsoft identity platform supports both plain and S256."
    let method = match param(form, "code_challenge_method") {
        None | Some("plain") => ChallengeMethod::Plain,
        Some("S256") => ChallengeMethod::S256,
        Some(other) => {
            return Err(AadError::new(
                400,
                "invalid_request",
                50149,
                format!("Invalid Code_Challenge_method parameter '{other}'; use S256 or plain."),
            ));
        }
    };
    // RFC 7636 §4.1–4.2: 43 to 128 characters (an S256 challenge is 43).
    if !(43..=128).contains(&challenge.len()) {
        return Err(AadError::new(
            400,
            "invalid_request",
            501491,
            "Invalid size of Code_Challenge parameter.",
        ));
    }
    let user_id = match store.next_authorize.take() {
        Some(NextAuthorize::SignInAs { user_id }) => user_id,
        Some(NextAuthorize::Decline) => {
            // RFC 6749 §4.1.2.1 `access_denied`; AADSTS65004 UserDeclinedConsent.
            return Err(AadError::new(
                400,
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            ));
        }
        None => {
            let hinted = param(form, "login_hint")
                .and_then(|hint| store.tenant.find_user(hint))
                .map(|user| user.id.clone());
            match hinted {
                Some(user_id) => user_id,
                // `prompt=none` with nobody signed in: AADSTS50058
                // (UserInformationNotProvided), `login_required`.
                None if param(form, "prompt") == Some("none") => {
                    return Err(AadError::new(
                        400,
                        "login_required",
                        50058,
                        "A silent sign-in request was sent but no user is signed in.",
                    ));
                }
                None => return Ok(None),
            }
        }
    };
    let code = format!(
        "1.AQ-emulator-code.{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    store.auth_codes.insert(
        code.clone(),
        AuthCodeGrant {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            scope: scope.to_string(),
            user_id,
            challenge: challenge.to_string(),
            method,
            expires_at: Instant::now() + CODE_LIFETIME,
            redeemed: false,
            issued: Vec::new(),
        },
    );
    Ok(Some(code))
}

/// Whether `requested` is the registered redirect URI `registered`. Exact
/// (case-sensitive, "Redirect URI (reply URL) outline and restrictions"),
/// except that for `http` loopback hosts the port is ignored ("the port
/// component … is ignored for the purposes of matching a redirect URI", its
/// localhost exceptions; RFC 8252 §7.3), and a URI without a path is the
/// same as with `/` (it is "returned with a trailing slash").
pub(crate) fn redirect_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    match (loopback_parts(registered), loopback_parts(requested)) {
        (Some((host_a, path_a)), Some((host_b, path_b))) => {
            host_a.eq_ignore_ascii_case(host_b) && path_a == path_b
        }
        _ => false,
    }
}

/// The host and path (`/` when empty) of an `http` URI on a loopback host.
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    };
    let loopback = host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" || host == "[::1]";
    loopback.then_some((host, path))
}

/// `redirect_uri` with `pairs` added to its query (a URI without a path gets `/`).
fn location(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = redirect_uri.to_string();
    let after_scheme = out.find("://").map_or(0, |at| at + 3);
    if !out[after_scheme..].contains('/') {
        out.push('/');
    }
    out.push(if out.contains('?') { '&' } else { '?' });
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect();
    out.push_str(&query.join("&"));
    out
}

/// The error redirect ("Error response": `error`, `error_description`, and
/// the request's `state`).
fn error_location(redirect_uri: &str, err: &AadError, state: Option<&str>) -> String {
    let description = err.text();
    let mut pairs = vec![
        ("error", err.error()),
        ("error_description", description.as_str()),
    ];
    pairs.extend(state.map(|s| ("state", s)));
    location(redirect_uri, &pairs)
}

fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The token endpoint's `authorization_code` grant ("Redeem a code for an
/// access token"): the code must be this app's, unexpired and unused, sent
/// with the redirect URI it was issued for and the verifier of its
/// challenge (RFC 7636 §4.6). Delegated tokens for its user follow, with
/// the scopes the code was issued for.
pub(crate) fn redeem(
    shared: &Shared,
    store: &mut Store,
    form: &[(String, String)],
) -> Result<Value, AadError> {
    let client_id = param(form, "client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let client_id = known_client(store, client_id)?;
    // A public client sends no secret (AADSTS700025,
    // InvalidClientPublicClientWithCredential).
    if param(form, "client_secret").is_some() || param(form, "client_assertion").is_some() {
        return Err(AadError::new(
            401,
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        ));
    }
    let code = param(form, "code").ok_or_else(|| AadError::missing("code"))?;
    let redirect_uri =
        param(form, "redirect_uri").ok_or_else(|| AadError::missing("redirect_uri"))?;
    let verifier =
        param(form, "code_verifier").ok_or_else(|| AadError::missing("code_verifier"))?;
    let invalid = |message: &str| AadError::new(400, "invalid_grant", 70000, message);
    let Some(grant) = store.auth_codes.get_mut(code) else {
        return Err(invalid(
            "Provided grant is invalid or malformed. The authorization code is not valid.",
        ));
    };
    if grant.redeemed {
        // RFC 6749 §4.1.2: a code used twice is denied, and the tokens it
        // was redeemed for "SHOULD" be revoked (it may have been stolen).
        let issued = std::mem::take(&mut grant.issued);
        for token in &issued {
            store.revoke_token(token);
        }
        return Err(AadError::new(
            400,
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if Instant::now() >= grant.expires_at {
        return Err(AadError::new(
            400,
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if !grant.client_id.eq_ignore_ascii_case(&client_id) {
        return Err(invalid(
            "Provided grant is invalid or malformed. The authorization code was issued to another client.",
        ));
    }
    // RFC 6749 §4.1.3: "identical" to the authorize request's.
    if grant.redirect_uri != redirect_uri {
        return Err(AadError::new(
            400,
            "invalid_grant",
            50011,
            format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URI the authorization code was issued for."
            ),
        ));
    }
    let made = match grant.method {
        ChallengeMethod::Plain => verifier.to_string(),
        ChallengeMethod::S256 => base64url(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()).as_ref(),
        ),
    };
    if made != grant.challenge {
        return Err(AadError::new(
            400,
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    // Used once, whatever the scope asked now: the doc lets a redemption
    // narrow the scopes; the emulator issues those of the code.
    grant.redeemed = true;
    let (user_id, scope) = (grant.user_id.clone(), grant.scope.clone());
    let answer = issue_delegated(shared, store, &client_id, &user_id, &scope);
    let issued = ["access_token", "refresh_token"]
        .iter()
        .filter_map(|name| answer[*name].as_str().map(str::to_owned))
        .collect();
    if let Some(grant) = store.auth_codes.get_mut(code) {
        grant.issued = issued;
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirect_uris_match_whatever_their_port_and_others_exactly() {
        for (registered, requested) in [
            ("http://localhost", "http://localhost:53100"),
            ("http://127.0.0.1", "http://127.0.0.1:5000/"),
            ("http://localhost/cb", "http://localhost:1234/cb"),
            ("https://app.example/cb", "https://app.example/cb"),
        ] {
            assert!(
                redirect_matches(registered, requested),
                "{registered} {requested}"
            );
        }
        for (registered, requested) in [
            ("http://localhost", "http://127.0.0.1:5000"),
            ("http://localhost/cb", "http://localhost:1234/CB"),
            ("https://app.example/cb", "https://app.example:8443/cb"),
            ("http://localhost", "http://localhost.evil.example:80"),
            ("http://localhost", "https://localhost:5000"),
        ] {
            assert!(
                !redirect_matches(registered, requested),
                "{registered} {requested}"
            );
        }
    }

    #[test]
    fn the_code_goes_back_on_the_redirect_uris_query() {
        assert_eq!(
            location(
                "http://127.0.0.1:5000",
                &[("code", "a b"), ("state", "s/1")]
            ),
            "http://127.0.0.1:5000/?code=a%20b&state=s%2F1"
        );
        assert_eq!(
            location("http://localhost/cb?x=1", &[("code", "c")]),
            "http://localhost/cb?x=1&code=c"
        );
    }
}
