//! Workload identity federation: an app proves itself with a token another
//! identity provider issued (a Kubernetes service account token, say),
//! read from a file, instead of a secret.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::cache::TokenCache;
use super::token_request::{EndpointSettings, TokenEndpoint, endpoint_setters};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::client::TOKEN_ANSWER_MAX_BYTES;
use crate::{AuthError, Error, Secret};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2), as
/// "Microsoft identity platform and the OAuth 2.0 client credentials flow"
/// (access token request with a federated credential) requires it.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// App-only tokens from Microsoft Entra ID for an app with a federated
/// identity credential ("Workload identity federation"): the client
/// assertion is a token from a trusted issuer, read from a file.
///
/// Azure Workload Identity on Kubernetes mounts that file and names it in
/// `AZURE_FEDERATED_TOKEN_FILE`; the kubelet replaces it before it
/// expires. So the file is read again for every token request (never
/// kept), and each request sends what the file holds then. Tokens are
/// cached, shared and refreshed as [`ClientCredentials`](super::ClientCredentials)'
/// are. The assertion never shows in `Debug`, logs or errors.
///
/// ```
/// use graph_core::auth::WorkloadIdentity;
///
/// let credential = WorkloadIdentity::builder(
///     "contoso.onmicrosoft.com",
///     "app-id",
///     "/var/run/secrets/azure/tokens/azure-identity-token",
/// )
/// .build()?;
/// assert_eq!(
///     credential.token_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct WorkloadIdentity {
    endpoint: TokenEndpoint,
    token_file: PathBuf,
    cache: TokenCache,
}

impl WorkloadIdentity {
    /// Starts the credential of app `client_id` in `tenant`, whose client
    /// assertion is read from `token_file` at each token request.
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> WorkloadIdentityBuilder {
        WorkloadIdentityBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            token_file: token_file.into(),
            settings: EndpointSettings::new(),
        }
    }

    /// Where tokens are requested.
    pub fn token_url(&self) -> String {
        self.endpoint.token_url()
    }

    /// The file the client assertion is read from.
    pub fn token_file(&self) -> &Path {
        &self.token_file
    }

    async fn fetch(&self) -> Result<super::token_answer::IssuedToken, Box<AuthError>> {
        let assertion = read_assertion(self.token_file.clone()).await?;
        let proof = [
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.expose()),
        ];
        self.endpoint.client_credentials(&proof).await
    }
}

/// Reads the assertion on a blocking thread, at most
/// [`TOKEN_ANSWER_MAX_BYTES`] (a bound on memory: a JWT is a few KiB), with
/// surrounding whitespace trimmed (a mounted file may end in a newline).
async fn read_assertion(path: PathBuf) -> Result<Secret, Box<AuthError>> {
    let shown = path.display().to_string();
    let read = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        std::fs::File::open(&path)?
            .take(TOKEN_ANSWER_MAX_BYTES + 1)
            .read_to_string(&mut text)?;
        Ok::<_, std::io::Error>(text)
    })
    .await;
    let fail = |problem: String, source| Box::new(AuthError::no_assertion(problem, source));
    let text = match read {
        Ok(Ok(text)) => text,
        Ok(Err(source)) => {
            return Err(fail(
                format!("could not read the federated token file `{shown}`"),
                Some(source),
            ));
        }
        Err(_) => {
            return Err(fail(
                format!("reading the federated token file `{shown}` was cancelled"),
                None,
            ));
        }
    };
    if text.len() as u64 > TOKEN_ANSWER_MAX_BYTES {
        return Err(fail(
            format!(
                "the federated token file `{shown}` is larger than {TOKEN_ANSWER_MAX_BYTES} bytes"
            ),
            None,
        ));
    }
    let assertion = text.trim();
    if assertion.is_empty() {
        return Err(fail(
            format!("the federated token file `{shown}` is empty"),
            None,
        ));
    }
    Ok(Secret::new(assertion))
}

/// Settings of [`WorkloadIdentity`]: every setter stores its value and
/// cannot fail; [`build`](Self::build) checks them, whatever their order.
pub struct WorkloadIdentityBuilder {
    tenant: String,
    client_id: String,
    token_file: PathBuf,
    settings: EndpointSettings,
}

impl WorkloadIdentityBuilder {
    endpoint_setters!("the client assertion");

    /// The credential; [`Error::Config`] when the authority is not `https`
    /// (or `http` on loopback) or not a bare URL. The file is not read
    /// here: it need not exist until the first token request.
    pub fn build(self) -> Result<WorkloadIdentity, Error> {
        Ok(WorkloadIdentity {
            endpoint: self.settings.build(self.tenant, self.client_id)?,
            token_file: self.token_file,
            cache: TokenCache::new(),
        })
    }
}

impl fmt::Debug for WorkloadIdentityBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadIdentityBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("token_file", &self.token_file)
            .field("cloud", &self.settings.cloud)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for WorkloadIdentity {
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

impl fmt::Debug for WorkloadIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadIdentity")
            .field("tenant", &self.endpoint.tenant)
            .field("client_id", &self.endpoint.client_id)
            .field("token_file", &self.token_file)
            .field("authority", &self.endpoint.authority())
            .field("scope", &self.endpoint.scope())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthErrorKind;

    fn temp_file(name: &str, contents: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("graph-core-wif-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[tokio::test]
    async fn the_assertion_is_trimmed_and_read_anew_each_time() {
        let path = temp_file("reread", "eyJ.first.sig\n");
        assert_eq!(
            read_assertion(path.clone()).await.unwrap().expose(),
            "eyJ.first.sig"
        );
        std::fs::write(&path, "eyJ.second.sig").unwrap();
        assert_eq!(
            read_assertion(path).await.unwrap().expose(),
            "eyJ.second.sig"
        );
    }

    #[tokio::test]
    async fn a_missing_empty_or_huge_file_is_no_assertion_naming_the_file() {
        let missing = std::env::temp_dir().join("graph-core-wif-does-not-exist/token");
        let empty = temp_file("empty", " \n");
        let huge = temp_file(
            "huge",
            &"a".repeat(usize::try_from(TOKEN_ANSWER_MAX_BYTES).unwrap() + 1),
        );
        for (path, says) in [
            (missing, "could not read"),
            (empty, "is empty"),
            (huge, "is larger than"),
        ] {
            let err = read_assertion(path.clone()).await.unwrap_err();
            assert_eq!(err.kind(), AuthErrorKind::NoAssertion);
            let shown = err.to_string();
            assert!(shown.contains(says), "{shown}");
            assert!(shown.contains(&path.display().to_string()), "{shown}");
            assert_eq!(err.status(), None);
        }
    }

    #[test]
    fn debug_shows_the_file_not_its_contents() {
        let path = temp_file("debug", "eyJ.never-shown.sig");
        let credential = WorkloadIdentity::builder("contoso", "app", &path)
            .build()
            .unwrap();
        let shown = format!("{credential:?}");
        assert!(shown.contains("token_file"), "{shown}");
        assert!(!shown.contains("never-shown"), "{shown}");
    }
}
