//! An app proving itself with a JWT client assertion instead of a secret
//! (`client_assertion_type` + `client_assertion`, RFC 7523), as
//! "Microsoft identity platform and the OAuth 2.0 client credentials flow"
//! describes it, checked the way "Workload identity federation" says Entra
//! ID checks a federated credential's token: its issuer, subject and
//! audience must match one of the app's federated identity credentials, and
//! it must be within its lifetime.
//!
//! Not emulated: Entra ID also verifies a federated token's signature with
//! the keys the issuer publishes at its OpenID discovery document; the
//! emulator cannot reach an issuer, so it reads the claims only.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use super::token::AadError;
use crate::tenant::AppClient;

/// RFC 7523 §2.2: the `client_assertion_type` of a JWT assertion.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// base64url with or without padding (RFC 7515 §2 says without; lenient reading).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Accepts `assertion` as `client`'s proof at `now`, or says why not in
/// Entra ID's words.
pub(crate) fn check(
    client: &AppClient,
    assertion_type: Option<&str>,
    assertion: &str,
    now: SystemTime,
) -> Result<(), AadError> {
    match assertion_type {
        Some(JWT_BEARER) => {}
        Some(other) => {
            return Err(AadError::new(
                400,
                "invalid_request",
                900144,
                format!(
                    "The value '{other}' of parameter 'client_assertion_type' is not supported; it must be '{JWT_BEARER}'."
                ),
            ));
        }
        None => return Err(AadError::missing("client_assertion_type")),
    }
    let claims = claims(assertion).ok_or_else(|| {
        AadError::new(
            400,
            "invalid_client",
            50027,
            "JWT token is invalid or malformed.",
        )
    })?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let seconds = |name: &str| claims.get(name).and_then(Value::as_u64);
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (not_before, expiry) = (seconds("nbf"), seconds("exp"));
    let valid =
        expiry.is_some_and(|exp| now_secs < exp) && not_before.is_none_or(|nbf| nbf <= now_secs);
    if !valid {
        return Err(AadError::new(
            400,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {now_secs}, assertion valid from {}, expiry time of assertion {}.",
                not_before.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                expiry.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            ),
        ));
    }
    let (issuer, subject) = (text("iss"), text("sub"));
    let mut by_issuer = client
        .federated_identity_credentials
        .iter()
        .filter(|fic| fic.issuer == issuer)
        .peekable();
    if by_issuer.peek().is_none() {
        return Err(AadError::new(
            400,
            "invalid_client",
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{issuer}'. Please note that the matching is done using a case-sensitive comparison."
            ),
        ));
    }
    let Some(credential) = by_issuer.find(|fic| fic.subject == subject) else {
        return Err(AadError::new(
            400,
            "invalid_client",
            700213,
            format!(
                "No matching federated identity record found for presented assertion subject '{subject}'. Please note that the matching is done using a case-sensitive comparison."
            ),
        ));
    };
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences
        .iter()
        .any(|aud| credential.audiences.iter().any(|ok| ok == aud))
    {
        return Err(AadError::new(
            400,
            "invalid_client",
            700212,
            format!(
                "No matching federated identity record found for presented assertion audience '{}'.",
                audiences.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The payload of a compact JWS (`header.payload.signature`) as a JSON
/// object, or `None` when it is not one.
fn claims(assertion: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = assertion.split('.');
    let (header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&BASE64URL.decode(header).ok()?).ok()?;
    header.get("alg")?;
    match serde_json::from_slice(&BASE64URL.decode(payload).ok()?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use base64::engine::general_purpose;

    use super::*;
    use crate::Tenant;
    use crate::tenant::seed;

    fn jwt(claims: &Value) -> String {
        let part = |v: &Value| general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2ln",
            part(&json!({"alg": "RS256", "typ": "JWT"})),
            part(claims)
        )
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn good() -> Value {
        json!({
            "iss": seed::FEDERATED_ISSUER,
            "sub": seed::FEDERATED_SUBJECT,
            "aud": [seed::FEDERATED_AUDIENCE],
            "nbf": 1_799_999_000u64,
            "exp": 1_800_000_600u64,
        })
    }

    fn code_of(claims: &Value) -> Option<u32> {
        let tenant = Tenant::default_tenant();
        check(&tenant.clients[0], Some(JWT_BEARER), &jwt(claims), now())
            .err()
            .map(|e| e.code)
    }

    #[test]
    fn the_seed_workload_is_accepted_and_each_mismatch_has_its_code() {
        assert_eq!(code_of(&good()), None);
        let with = |name: &str, value: Value| {
            let mut claims = good();
            claims[name] = value;
            claims
        };
        assert_eq!(code_of(&with("aud", json!(seed::FEDERATED_AUDIENCE))), None);
        assert_eq!(code_of(&with("exp", json!(1_800_000_000u64))), Some(700024));
        assert_eq!(code_of(&with("nbf", json!(1_800_000_100u64))), Some(700024));
        assert_eq!(code_of(&with("exp", Value::Null)), Some(700024));
        assert_eq!(
            code_of(&with("iss", json!("https://other.invalid"))),
            Some(700211)
        );
        let upper = seed::FEDERATED_SUBJECT.to_uppercase();
        assert_eq!(code_of(&with("sub", json!(upper))), Some(700213));
        assert_eq!(code_of(&with("aud", json!(["api://other"]))), Some(700212));
    }

    #[test]
    fn malformed_assertions_and_types_are_refused() {
        let tenant = Tenant::default_tenant();
        let client = &tenant.clients[0];
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.!!.!!",
            &format!("e30.{}.x", "bm90IGpzb24"),
        ] {
            let err = check(client, Some(JWT_BEARER), bad, now()).unwrap_err();
            assert_eq!(err.code, 50027, "{bad}");
        }
        let assertion = jwt(&good());
        assert_eq!(
            check(client, None, &assertion, now()).unwrap_err().code,
            900144
        );
        assert_eq!(
            check(client, Some("urn:other"), &assertion, now())
                .unwrap_err()
                .code,
            900144
        );
    }
}
