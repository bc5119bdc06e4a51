//! An app proving itself with a JWT client assertion instead of a secret
//! (`client_assertion_type` + `client_assertion`, RFC 7523), as
//! "Microsoft identity platform and the OAuth 2.0 client credentials flow"
//! describes it. Two kinds:
//!
//! - signed by the app itself (`iss` is its client id): "Microsoft identity
//!   platform application authentication certificate credentials". The
//!   header's `x5t#S256` (or `x5t`) must name a certificate registered for
//!   the app, the RS256/PS256 signature must verify with it, `aud` must be
//!   the token endpoint, `sub` the client id, and it must be within its
//!   lifetime.
//! - a federated credential's token ("Workload identity federation"): its
//!   issuer, subject and audience must match one of the app's federated
//!   identity credentials, and it must be within its lifetime. Not
//!   emulated: Entra ID also verifies such a token's signature with the keys
//!   the issuer publishes at its OpenID discovery document; the emulator
//!   cannot reach an issuer, so it reads the claims only.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{
    GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use super::token::AadError;
use crate::tenant::{AppClient, KeyCredential};

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
    token_urls: &[String],
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
    let (header, claims) = parts(assertion).ok_or_else(|| {
        AadError::new(
            400,
            "invalid_client",
            50027,
            "JWT token is invalid or malformed.",
        )
    })?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let self_signed = text("iss").eq_ignore_ascii_case(&client.client_id);
    if self_signed {
        verify_signature(client, &header, assertion)?;
    }
    // RFC 7519 §2: a NumericDate may be a non-integer (MSAL Python sends
    // `exp` as a float). Read to whole seconds, never in the assertion's
    // favour: `exp` rounded down, `nbf` up.
    let seconds = |name: &str, round: fn(f64) -> f64| {
        let value = claims.get(name)?;
        value.as_u64().or_else(|| {
            value
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| round(s) as u64)
        })
    };
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (not_before, expiry) = (seconds("nbf", f64::ceil), seconds("exp", f64::floor));
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
    if self_signed {
        return certificate_claims(client, text("sub"), text("aud"), token_urls);
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

/// The header and payload of a compact JWS (`header.payload.signature`)
/// as JSON objects, or `None` when it is not one.
fn parts(
    assertion: &str,
) -> Option<(
    serde_json::Map<String, Value>,
    serde_json::Map<String, Value>,
)> {
    let mut parts = assertion.split('.');
    let (header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let object = |part: &str| match serde_json::from_slice(&BASE64URL.decode(part).ok()?).ok()? {
        Value::Object(members) => Some(members),
        _ => None,
    };
    let header = object(header)?;
    header.get("alg")?;
    Some((header, object(payload)?))
}

/// The digest a header's thumbprint spells. RFC 7515 (§4.1.7, §4.1.8) makes
/// `x5t` and `x5t#S256` base64url without padding, but Microsoft's own
/// MSAL (Python, and MSAL.NET's older releases) sends `x5t` in standard
/// base64 with `=` padding, and Entra ID accepts it: both alphabets are
/// read, padded or not.
fn thumbprint_bytes(thumbprint: &str) -> Option<Vec<u8>> {
    let url_safe: String = thumbprint
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect();
    URL_SAFE_NO_PAD.decode(url_safe).ok()
}

/// The certificate the header names by thumbprint, and its signature
/// checked with it ("certificate credentials": `x5t#S256`, or `x5t`).
fn verify_signature(
    client: &AppClient,
    header: &serde_json::Map<String, Value>,
    assertion: &str,
) -> Result<(), AadError> {
    let named = |name: &str| header.get(name).and_then(Value::as_str);
    let (thumbprint, algorithm) = match (named("x5t#S256"), named("x5t")) {
        (Some(t), _) => (t, &aws_lc_rs::digest::SHA256),
        (None, Some(t)) => (t, &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY),
        (None, None) => ("", &aws_lc_rs::digest::SHA256),
    };
    let der_of = |credential: &KeyCredential| STANDARD.decode(&credential.key).ok();
    let Some(der): Option<Vec<u8>> = client
        .key_credentials
        .iter()
        .filter(|c| c.key_type == "AsymmetricX509Cert" && c.usage == "Verify")
        .filter_map(der_of)
        .find(|der| {
            let digest = aws_lc_rs::digest::digest(algorithm, der);
            thumbprint_bytes(thumbprint).as_deref() == Some(digest.as_ref())
        })
    else {
        return Err(AadError::new(
            401,
            "invalid_client",
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}']"
            ),
        ));
    };
    let pem = pem_certificate(&der);
    let bad_signature = || {
        AadError::new(
            401,
            "invalid_client",
            700027,
            "Client assertion failed signature validation.",
        )
    };
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| bad_signature())?;
    let algorithm = match named("alg") {
        Some("PS256") => Algorithm::PS256,
        _ => Algorithm::RS256,
    };
    let mut validation = Validation::new(algorithm);
    // Lifetime and audience are checked below, with Entra ID's own errors.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(assertion, &key, &validation).map_err(|_| bad_signature())?;
    Ok(())
}

/// Whether `audience` is `token_url` (`scheme://127.0.0.1:port/…`, the
/// listener's address) as a client reaching the emulator by either of its
/// names writes it. "Certificate credentials" asks for `aud` to be the
/// token endpoint, and the emulator's one endpoint is reached as
/// `127.0.0.1` or as `localhost` (both named by its TLS certificate, both
/// used in its discovery document's URLs): a client signs the one it
/// used. Only the host name differs; scheme, port and path must match.
fn names_token_endpoint(audience: &str, token_url: &str) -> bool {
    if audience.eq_ignore_ascii_case(token_url) {
        return true;
    }
    let Some((scheme, rest)) = token_url.split_once("://127.0.0.1:") else {
        return false;
    };
    audience.eq_ignore_ascii_case(&format!("{scheme}://localhost:{rest}"))
}

/// A certificate's DER as PEM text, lines of 64 characters (RFC 7468).
fn pem_certificate(der: &[u8]) -> String {
    let text = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// "Certificate credentials": `aud` is the token endpoint, `sub` the client id.
fn certificate_claims(
    client: &AppClient,
    subject: &str,
    audience: &str,
    token_urls: &[String],
) -> Result<(), AadError> {
    if !token_urls
        .iter()
        .any(|url| names_token_endpoint(audience, url))
    {
        return Err(AadError::new(
            401,
            "invalid_client",
            700023,
            "Client assertion audience claim does not match Realm issuer.",
        ));
    }
    if !subject.eq_ignore_ascii_case(&client.client_id) {
        return Err(AadError::new(
            401,
            "invalid_client",
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use base64::engine::general_purpose;

    use super::*;
    use crate::Tenant;
    use crate::tenant::seed;

    #[test]
    fn the_token_endpoint_is_the_audience_by_either_loopback_name_only() {
        let url = "https://127.0.0.1:9/t/oauth2/v2.0/token";
        for ok in [
            url,
            "https://localhost:9/t/oauth2/v2.0/token",
            "HTTPS://LOCALHOST:9/t/oauth2/v2.0/token",
        ] {
            assert!(names_token_endpoint(ok, url), "{ok}");
        }
        for other in [
            "https://localhost:10/t/oauth2/v2.0/token",
            "http://localhost:9/t/oauth2/v2.0/token",
            "https://localhost:9/u/oauth2/v2.0/token",
            "https://evil.example:9/t/oauth2/v2.0/token",
            "https://localhost.evil.example:9/t/oauth2/v2.0/token",
            "https://[::1]:9/t/oauth2/v2.0/token",
            "",
        ] {
            assert!(!names_token_endpoint(other, url), "{other}");
        }
        // Only the listener's own address gets the second spelling.
        assert!(!names_token_endpoint(
            "https://localhost:9/t/oauth2/v2.0/token",
            "https://10.0.0.1:9/t/oauth2/v2.0/token"
        ));
    }

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
        check(
            &tenant.clients[0],
            Some(JWT_BEARER),
            &jwt(claims),
            &[],
            now(),
        )
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

    /// RFC 7519 §2: a NumericDate "can represent non-integer values";
    /// MSAL Python sends `exp` as `time.time() + 600`, a float.
    #[test]
    fn lifetimes_in_fractional_seconds_are_read_as_the_seconds_they_name() {
        let with = |nbf: Value, exp: Value| {
            let mut claims = good();
            claims["nbf"] = nbf;
            claims["exp"] = exp;
            claims
        };
        assert_eq!(
            code_of(&with(json!(1_799_999_000.25), json!(1_800_000_600.75))),
            None
        );
        // Past or not yet, fractions are no way around the lifetime.
        assert_eq!(
            code_of(&with(json!(1_799_999_000.0), json!(1_799_999_999.9))),
            Some(700024)
        );
        assert_eq!(
            code_of(&with(json!(1_800_000_000.5), json!(1_800_000_600.0))),
            Some(700024)
        );
        for odd in [json!(-1.5), json!("1800000600"), json!(true)] {
            assert_eq!(
                code_of(&with(json!(1_799_999_000u64), odd.clone())),
                Some(700024),
                "{odd}"
            );
        }
    }

    #[test]
    fn thumbprints_are_read_in_msals_padded_base64_and_in_rfc_7515s_base64url() {
        use base64::engine::general_purpose::STANDARD;
        // 20 bytes (a SHA-1), with the bytes that base64 spells `+` and `/`.
        let sha1: Vec<u8> = (0..20u8).map(|i| 0xf8 | (i % 8)).collect();
        let msal = STANDARD.encode(&sha1);
        let rfc = URL_SAFE_NO_PAD.encode(&sha1);
        assert!(msal.ends_with('='));
        assert!(msal.contains('+') || msal.contains('/'));
        assert_ne!(msal, rfc);
        assert_eq!(thumbprint_bytes(&msal), Some(sha1.clone()));
        assert_eq!(thumbprint_bytes(&rfc), Some(sha1));
        assert_eq!(thumbprint_bytes("not base64!"), None);
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
            let err = check(client, Some(JWT_BEARER), bad, &[], now()).unwrap_err();
            assert_eq!(err.code, 50027, "{bad}");
        }
        let assertion = jwt(&good());
        assert_eq!(
            check(client, None, &assertion, &[], now())
                .unwrap_err()
                .code,
            900144
        );
        assert_eq!(
            check(client, Some("urn:other"), &assertion, &[], now())
                .unwrap_err()
                .code,
            900144
        );
    }
}
