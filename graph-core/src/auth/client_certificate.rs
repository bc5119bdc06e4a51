//! The OAuth2 client-credentials flow with a certificate: the app proves
//! itself with a JWT it signs with its private key.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::cache::TokenCache;
use super::token_answer::IssuedToken;
use super::token_request::{EndpointSettings, TokenEndpoint, endpoint_setters};
use super::workload_identity::JWT_BEARER;
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::{AuthError, Error, Secret};

/// How long an assertion is valid: ten minutes, the lifetime Microsoft's
/// libraries give theirs; each token request signs a new one.
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// App-only tokens from Microsoft Entra ID with a certificate
/// ("Microsoft identity platform application authentication certificate
/// credentials").
///
/// Each token request sends a new client assertion: a JWT signed PS256
/// with the app's private key, whose header names the certificate by its
/// SHA-256 thumbprint (`x5t#S256`) and whose claims are `aud` (the token
/// endpoint), `iss` and `sub` (the client id), `jti` (a new GUID), `nbf`,
/// `iat` and `exp` (ten minutes). Tokens are cached, shared and refreshed
/// as [`ClientCredentials`](super::ClientCredentials)' are. The key and the
/// assertion never show in `Debug` or errors.
///
/// ```no_run
/// use graph_core::auth::ClientCertificate;
///
/// // One PEM file holding the certificate and its private key, as
/// // `AZURE_CLIENT_CERTIFICATE_PATH` names it.
/// let pem = std::fs::read("app.pem")?;
/// let credential = ClientCertificate::builder("contoso.onmicrosoft.com", "app-id", pem).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientCertificate {
    endpoint: TokenEndpoint,
    key: EncodingKey,
    thumbprint: String,
    /// The certificate's SHA-1 thumbprint, when the header names it by `x5t`.
    sha1_thumbprint: Option<String>,
    cache: TokenCache,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: String,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

impl ClientCertificate {
    /// Starts the credential of app `client_id` in `tenant` from `pem`: PEM
    /// text holding the app's certificate (`CERTIFICATE`) and its RSA private
    /// key (`PRIVATE KEY` or `RSA PRIVATE KEY`, unencrypted), in either order.
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        pem: impl Into<Vec<u8>>,
    ) -> ClientCertificateBuilder {
        ClientCertificateBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            pem: Secret::new(String::from_utf8_lossy(&pem.into()).into_owned()),
            settings: EndpointSettings::new(),
            sha1: false,
        }
    }

    /// Where tokens are requested (also the assertion's `aud`).
    pub fn token_url(&self) -> String {
        self.endpoint.token_url()
    }

    /// The certificate's SHA-256 thumbprint, base64url: the assertion's
    /// `x5t#S256`, and what Entra ID shows for the registered certificate.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A new signed assertion, valid from `now` for ten minutes.
    fn assertion(&self, now: SystemTime) -> Result<Secret, Box<AuthError>> {
        let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        // "Certificate credentials" (Microsoft identity platform): the
        // header is `alg` PS256 with `x5t#S256` ("Use PSS padding"); the
        // page's earlier version had RS256 with the SHA-1 `x5t`, which
        // `sha1_thumbprint` keeps for authorities that read only that.
        let header = match &self.sha1_thumbprint {
            Some(sha1) => Header {
                x5t: Some(sha1.clone()),
                ..Header::new(Algorithm::RS256)
            },
            None => Header {
                x5t_s256: Some(self.thumbprint.clone()),
                ..Header::new(Algorithm::PS256)
            },
        };
        let client_id = self.endpoint.client_id.as_str();
        let claims = Claims {
            aud: self.endpoint.token_url(),
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: now,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| {
                Box::new(AuthError::no_assertion(
                    format!("could not sign the client assertion: {}", e.kind_name()),
                    None,
                ))
            })
    }

    async fn fetch(&self) -> Result<IssuedToken, Box<AuthError>> {
        let assertion = self.assertion(SystemTime::now())?;
        let proof = [
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.expose()),
        ];
        self.endpoint.client_credentials(&proof).await
    }
}

/// A jsonwebtoken error's kind only: its message could quote key material.
trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for jsonwebtoken::errors::Error {
    fn kind_name(&self) -> &'static str {
        use jsonwebtoken::errors::ErrorKind;
        match self.kind() {
            ErrorKind::InvalidKeyFormat => "the key is not in a format it reads",
            ErrorKind::InvalidRsaKey(_) => "the key is not a usable RSA key",
            ErrorKind::InvalidAlgorithm => "the key does not fit RS256 or PS256",
            _ => "the signer failed",
        }
    }
}

/// Settings of [`ClientCertificate`]: every setter stores its value and
/// cannot fail; [`build`](Self::build) reads the PEM and checks the rest.
pub struct ClientCertificateBuilder {
    tenant: String,
    client_id: String,
    pem: Secret,
    settings: EndpointSettings,
    sha1: bool,
}

impl ClientCertificateBuilder {
    endpoint_setters!("a client assertion");

    /// Names the certificate by its SHA-1 thumbprint (`x5t`) and signs
    /// RS256, instead of the SHA-256 thumbprint (`x5t#S256`) with PS256, for
    /// an authority that reads only `x5t` (the "certificate credentials"
    /// page documented that pair before the SHA-256 one).
    pub fn sha1_thumbprint(mut self) -> Self {
        self.sha1 = true;
        self
    }

    /// The credential; [`Error::Config`] when the PEM has no certificate or
    /// no RSA private key that reads, or the authority is not `https` (or
    /// `http` on loopback). The PEM's contents are never in the error.
    pub fn build(self) -> Result<ClientCertificate, Error> {
        let blocks = pem::parse_many(self.pem.expose().as_bytes())
            .map_err(|_| Error::Config("the certificate file is not PEM text".to_owned()))?;
        let certificate = blocks
            .iter()
            .find(|block| block.tag() == "CERTIFICATE")
            .ok_or_else(|| Error::Config("the PEM holds no CERTIFICATE block".to_owned()))?;
        let key_block = blocks
            .iter()
            .find(|block| matches!(block.tag(), "PRIVATE KEY" | "RSA PRIVATE KEY"))
            .ok_or_else(|| {
                Error::Config(
                    "the PEM holds no unencrypted PRIVATE KEY or RSA PRIVATE KEY block".to_owned(),
                )
            })?;
        let key = EncodingKey::from_rsa_pem(pem::encode(key_block).as_bytes()).map_err(|e| {
            Error::Config(format!(
                "the private key cannot sign RS256 or PS256: {}",
                e.kind_name()
            ))
        })?;
        let thumbprint = |algorithm| {
            URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(algorithm, certificate.contents()))
        };
        Ok(ClientCertificate {
            endpoint: self.settings.build(self.tenant, self.client_id)?,
            key,
            thumbprint: thumbprint(&aws_lc_rs::digest::SHA256),
            sha1_thumbprint: self
                .sha1
                .then(|| thumbprint(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY)),
            cache: TokenCache::new(),
        })
    }
}

impl fmt::Debug for ClientCertificateBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("pem", &self.pem)
            .field("cloud", &self.settings.cloud)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for ClientCertificate {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("tenant", &self.endpoint.tenant)
            .field("client_id", &self.endpoint.client_id)
            .field("thumbprint", &self.thumbprint)
            .field("private_key", &"<redacted>")
            .field("authority", &self.endpoint.authority)
            .field("scope", &self.endpoint.scope)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{DecodingKey, Validation};
    use serde_json::Value;

    use super::*;

    /// A throwaway key and self-signed certificate (the emulator's seed app's).
    const PEM: &str = include_str!("../../../graph-emulator/src/tenant/app_certificate.pem");

    fn credential() -> ClientCertificate {
        ClientCertificate::builder("contoso", "app-id", PEM)
            .build()
            .expect("the seed PEM reads")
    }

    #[test]
    fn the_assertion_is_ps256_with_the_thumbprint_and_the_documented_claims() {
        let credential = credential();
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let assertion = credential.assertion(now).unwrap();
        let header = jsonwebtoken::decode_header(assertion.expose()).unwrap();
        // "Certificate credentials": `x5t#S256` goes with PS256 (PSS padding).
        assert_eq!(header.alg, Algorithm::PS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.x5t_s256.as_deref(), Some(credential.thumbprint()));
        // base64url of a SHA-256 digest: 43 characters.
        assert_eq!(credential.thumbprint().len(), 43);

        let cert = pem::parse_many(PEM)
            .unwrap()
            .into_iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .unwrap();
        let key = DecodingKey::from_rsa_pem(pem::encode(&cert).as_bytes()).unwrap();
        let mut validation = Validation::new(Algorithm::PS256);
        validation.validate_exp = false;
        validation.set_audience(&[credential.token_url()]);
        let claims: Value = jsonwebtoken::decode(assertion.expose(), &key, &validation)
            .expect("signed with the certificate's key")
            .claims;
        assert_eq!(
            claims["aud"],
            "https://login.microsoftonline.com/contoso/oauth2/v2.0/token"
        );
        assert_eq!(
            (claims["iss"].as_str(), claims["sub"].as_str()),
            (Some("app-id"), Some("app-id"))
        );
        assert_eq!(claims["nbf"], 1_800_000_000u64);
        assert_eq!(claims["exp"], 1_800_000_600u64);
        assert_ne!(
            credential.assertion(now).unwrap().expose(),
            assertion.expose(),
            "a new jti each time"
        );
    }

    #[test]
    fn sha1_thumbprint_names_the_certificate_by_x5t_instead() {
        let sha1 = ClientCertificate::builder("contoso", "app-id", PEM)
            .sha1_thumbprint()
            .build()
            .unwrap();
        let assertion = sha1.assertion(SystemTime::now()).unwrap();
        let header = jsonwebtoken::decode_header(assertion.expose()).unwrap();
        // The page's earlier version: RS256 with the SHA-1 `x5t`.
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.x5t_s256, None);
        // base64url of a SHA-1 digest: 27 characters.
        assert_eq!(header.x5t.map(|t| t.len()), Some(27));
    }

    #[test]
    fn a_pem_without_certificate_or_key_is_refused_without_its_contents() {
        let key_only: String = PEM
            .split("-----BEGIN CERTIFICATE-----")
            .next()
            .unwrap()
            .to_owned();
        let cert_only = &PEM[PEM.find("-----BEGIN CERTIFICATE-----").unwrap()..];
        for (pem, says) in [
            (key_only.as_str(), "no CERTIFICATE"),
            (cert_only, "no unencrypted PRIVATE KEY"),
            ("not pem at all", "no CERTIFICATE"),
        ] {
            let err = ClientCertificate::builder("t", "c", pem)
                .build()
                .unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains(says), "{shown}");
            assert!(!shown.contains("MII"), "{shown}");
        }
        let shown = format!(
            "{:?} {:?}",
            ClientCertificate::builder("t", "c", PEM),
            credential()
        );
        assert!(!shown.contains("MII"), "{shown}");
    }
}
