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
            source: KeySource::Pem(Secret::new(
                String::from_utf8_lossy(&pem.into()).into_owned(),
            )),
            settings: EndpointSettings::new(),
            sha1: false,
        }
    }

    /// Starts the credential of app `client_id` in `tenant` from a PKCS#12
    /// bundle (a `.pfx` or `.p12` file's bytes) holding the app's RSA
    /// private key and its certificate, opened with `password` (`""` for a
    /// bundle without one). [`build`](ClientCertificateBuilder::build)
    /// opens it; a wrong password is an [`Error::Config`] that says so and
    /// never shows the password. Needs the `pkcs12` feature.
    ///
    /// ```no_run
    /// use graph_core::auth::ClientCertificate;
    ///
    /// let pfx = std::fs::read("app.pfx")?;
    /// let password = std::env::var("AZURE_CLIENT_CERTIFICATE_PASSWORD")?;
    /// let credential =
    ///     ClientCertificate::pkcs12_builder("contoso.onmicrosoft.com", "app-id", pfx, password)
    ///         .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "pkcs12")]
    pub fn pkcs12_builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        pkcs12: impl Into<Vec<u8>>,
        password: impl Into<Secret>,
    ) -> ClientCertificateBuilder {
        ClientCertificateBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            source: KeySource::Pkcs12 {
                bundle: pkcs12.into(),
                password: password.into(),
            },
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
        // The assertion's `aud` is the token endpoint of the cloud decided.
        self.endpoint.decide_cloud();
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
    source: KeySource,
    settings: EndpointSettings,
    sha1: bool,
}

/// Where the key and the certificate come from.
enum KeySource {
    Pem(Secret),
    #[cfg(feature = "pkcs12")]
    Pkcs12 {
        bundle: Vec<u8>,
        password: Secret,
    },
}

/// A key that signs (PEM text, kept secret) and its certificate's DER.
struct KeyAndCertificate {
    key_pem: Secret,
    certificate: Vec<u8>,
}

/// Why a builder could not build: the error, and whether it is the
/// PKCS#12 password's fault (so that `from_env` can name that variable).
pub(crate) struct BuildFailure {
    pub(crate) error: Error,
    pub(crate) wrong_password: bool,
}

impl From<Error> for BuildFailure {
    fn from(error: Error) -> Self {
        Self {
            error,
            wrong_password: false,
        }
    }
}

/// The certificate and key of PEM text (in either order).
fn read_pem(pem: &Secret) -> Result<KeyAndCertificate, Error> {
    let blocks = pem::parse_many(pem.expose().as_bytes())
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
    Ok(KeyAndCertificate {
        key_pem: Secret::new(pem::encode(key_block)),
        certificate: certificate.contents().to_vec(),
    })
}

/// The private key and its certificate of a PKCS#12 bundle (RFC 7292),
/// decrypted with `password`. The key is linked to its certificate by
/// their `localKeyId`, as Windows, OpenSSL and Key Vault export them.
#[cfg(feature = "pkcs12")]
fn read_pkcs12(bundle: &[u8], password: &Secret) -> Result<KeyAndCertificate, BuildFailure> {
    use p12_keystore::error::Error as P12;
    use p12_keystore::{KeyStore, Pkcs12ImportPolicy};

    // The crate's messages name no value of the file, but only our own
    // words are shown, and never the password.
    let store = KeyStore::from_pkcs12(bundle, password.expose(), Pkcs12ImportPolicy::Strict)
        .map_err(|problem| match problem {
            // The integrity MAC is keyed by the password (RFC 7292 §5); a
            // bundle without one fails to decrypt instead.
            P12::MacError(_) | P12::UnpadError | P12::Pkcs5Error(_) => BuildFailure {
                error: Error::Config(
                    "the PKCS#12 file does not open with the password given (its integrity check or decryption failed): check the password"
                        .to_owned(),
                ),
                wrong_password: true,
            },
            P12::UnsupportedEncryptionScheme | P12::UnsupportedMacAlgorithm => {
                Error::Config("the PKCS#12 file is encrypted in a way this crate does not read".to_owned())
                    .into()
            }
            _ => Error::Config("the file is not a PKCS#12 bundle it can read".to_owned()).into(),
        })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| {
        Error::Config("the PKCS#12 file holds no private key with its certificate".to_owned())
    })?;
    let certificate = chain.certs().first().ok_or_else(|| {
        Error::Config("the PKCS#12 file holds no certificate for its private key".to_owned())
    })?;
    Ok(KeyAndCertificate {
        key_pem: Secret::new(pem::encode(&pem::Pem::new(
            "PRIVATE KEY",
            chain.key().as_der().to_vec(),
        ))),
        certificate: certificate.as_der().to_vec(),
    })
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
    /// no RSA private key that reads (or the PKCS#12 bundle does not open
    /// with its password, or holds no key with its certificate), or the
    /// authority is not `https` (or `http` on loopback). The key, the
    /// file's contents and the password are never in the error.
    pub fn build(self) -> Result<ClientCertificate, Error> {
        self.build_or_say_why().map_err(|failure| failure.error)
    }

    pub(crate) fn build_or_say_why(self) -> Result<ClientCertificate, BuildFailure> {
        let KeyAndCertificate {
            key_pem,
            certificate,
        } = match &self.source {
            KeySource::Pem(pem) => read_pem(pem)?,
            #[cfg(feature = "pkcs12")]
            KeySource::Pkcs12 { bundle, password } => read_pkcs12(bundle, password)?,
        };
        let key = EncodingKey::from_rsa_pem(key_pem.expose().as_bytes()).map_err(|e| {
            Error::Config(format!(
                "the private key cannot sign RS256 or PS256: {}",
                e.kind_name()
            ))
        })?;
        let thumbprint =
            |algorithm| URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(algorithm, &certificate));
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
            .field(
                "key",
                match self.source {
                    KeySource::Pem(_) => &"PEM <redacted>",
                    #[cfg(feature = "pkcs12")]
                    KeySource::Pkcs12 { .. } => &"PKCS#12 <redacted>",
                },
            )
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

    fn settle_cloud(&self, client: Option<crate::Cloud>) -> Option<crate::Cloud> {
        self.endpoint.cloud.settle(client)
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("tenant", &self.endpoint.tenant)
            .field("client_id", &self.endpoint.client_id)
            .field("thumbprint", &self.thumbprint)
            .field("private_key", &"<redacted>")
            .field("authority", &self.endpoint.authority())
            .field("scope", &self.endpoint.scope())
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
