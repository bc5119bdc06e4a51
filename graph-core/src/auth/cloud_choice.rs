//! Which national cloud a credential signs in to: the one it was given, or
//! else the one of the client it serves, decided once.

use std::fmt;
use std::sync::OnceLock;

use crate::Cloud;

/// A credential's cloud: set on its builder, or else followed from the
/// first [`Client`](crate::Client) built with it (see
/// [`TokenProvider::settle_cloud`](super::TokenProvider::settle_cloud)), or
/// else [`Cloud::Global`] from its first token request on. Once decided it
/// never changes, so a cached token, a stored refresh token and a signed
/// assertion always belong to the cloud the requests go to.
#[derive(Default)]
pub(crate) struct CloudChoice {
    set: Option<Cloud>,
    followed: OnceLock<Cloud>,
}

impl CloudChoice {
    /// Decided by the credential's own setting.
    pub(crate) fn set(&mut self, cloud: Cloud) {
        self.set = Some(cloud);
    }

    /// The cloud to request tokens from, deciding it (as global) if nothing
    /// has yet: called at each token request.
    pub(crate) fn decide(&self) -> Cloud {
        self.set
            .unwrap_or_else(|| *self.followed.get_or_init(|| Cloud::Global))
    }

    /// The cloud as things stand, deciding nothing: for URLs and `Debug`
    /// shown before the first token request.
    pub(crate) fn current(&self) -> Cloud {
        self.set
            .or_else(|| self.followed.get().copied())
            .unwrap_or_default()
    }

    /// A client for `client` (its cloud, when it was set) is being built:
    /// follows it if undecided, and answers the cloud decided, if any.
    pub(crate) fn settle(&self, client: Option<Cloud>) -> Option<Cloud> {
        if self.set.is_some() {
            return self.set;
        }
        match client {
            Some(cloud) => Some(*self.followed.get_or_init(|| cloud)),
            None => self.followed.get().copied(),
        }
    }
}

impl fmt::Debug for CloudChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.set, self.followed.get()) {
            (Some(cloud), _) => write!(f, "{cloud:?}"),
            (None, Some(cloud)) => write!(f, "{cloud:?} (followed)"),
            (None, None) => f.write_str("undecided (Global unless a client says otherwise)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_cloud_wins_else_the_first_client_or_the_first_request_decides() {
        let mut set = CloudChoice::default();
        set.set(Cloud::China);
        assert_eq!(set.settle(Some(Cloud::Global)), Some(Cloud::China));
        assert_eq!(set.decide(), Cloud::China);

        let follows = CloudChoice::default();
        assert_eq!(follows.settle(None), None);
        assert_eq!(follows.current(), Cloud::Global);
        assert_eq!(follows.settle(Some(Cloud::UsGovL4)), Some(Cloud::UsGovL4));
        assert_eq!(follows.settle(Some(Cloud::China)), Some(Cloud::UsGovL4));
        assert_eq!(follows.decide(), Cloud::UsGovL4);

        let used = CloudChoice::default();
        assert_eq!(used.decide(), Cloud::Global);
        assert_eq!(used.settle(Some(Cloud::China)), Some(Cloud::Global));
    }

    use std::sync::Arc;

    use crate::auth::{
        ClientCertificate, ClientCredentials, DeviceCode, ManagedIdentity, StaticToken,
        TokenProvider, WorkloadIdentity,
    };
    use crate::{Client, Error};

    fn client_for(cloud: Option<Cloud>, auth: Arc<dyn TokenProvider>) -> Result<Client, Error> {
        let builder = Client::builder().shared_auth(auth);
        match cloud {
            Some(cloud) => builder.cloud(cloud).build(),
            None => builder.build(),
        }
    }

    /// `Client::builder().cloud(x)` reaches a credential given no cloud:
    /// its authority, scope, assertion audience, resource and store key
    /// become `x`'s.
    #[test]
    fn a_credential_without_a_cloud_follows_the_client_s() {
        let secret = Arc::new(ClientCredentials::new("contoso", "app", "s"));
        client_for(Some(Cloud::UsGovL4), secret.clone()).unwrap();
        assert_eq!(
            secret.token_url(),
            "https://login.microsoftonline.us/contoso/oauth2/v2.0/token"
        );
        assert!(format!("{secret:?}").contains("https://graph.microsoft.us/.default"));

        const PEM: &str = include_str!("../../../graph-emulator/src/tenant/app_certificate.pem");
        let certificate = Arc::new(
            ClientCertificate::builder("contoso", "app", PEM)
                .build()
                .unwrap(),
        );
        client_for(Some(Cloud::China), certificate.clone()).unwrap();
        assert!(
            certificate
                .token_url()
                .starts_with("https://login.chinacloudapi.cn/")
        );

        let workload = Arc::new(
            WorkloadIdentity::builder("contoso", "app", "/t")
                .build()
                .unwrap(),
        );
        client_for(Some(Cloud::UsGovL5), workload.clone()).unwrap();
        assert!(
            workload
                .token_url()
                .starts_with("https://login.microsoftonline.us/")
        );

        let identity = Arc::new(
            ManagedIdentity::app_service("http://127.0.0.1:1/msi/token", "h")
                .build()
                .unwrap(),
        );
        client_for(Some(Cloud::China), identity.clone()).unwrap();
        assert_eq!(
            identity.resource(),
            "https://microsoftgraph.chinacloudapi.cn"
        );

        let device = Arc::new(DeviceCode::new("contoso", "app"));
        client_for(Some(Cloud::UsGovL4), device.clone()).unwrap();
        assert!(
            device
                .token_url()
                .starts_with("https://login.microsoftonline.us/")
        );
        assert_eq!(
            device.store_key().scopes()[0],
            "https://graph.microsoft.us/.default"
        );

        // An explicit authority stays; the scope still follows.
        let emulator = Arc::new(
            ClientCredentials::builder("contoso", "app", "s")
                .authority("http://127.0.0.1:9")
                .build()
                .unwrap(),
        );
        client_for(Some(Cloud::China), emulator.clone()).unwrap();
        assert!(emulator.token_url().starts_with("http://127.0.0.1:9/"));
        assert!(
            format!("{emulator:?}").contains("https://microsoftgraph.chinacloudapi.cn/.default")
        );
    }

    /// A credential given a cloud decides the client's base URL when the
    /// client names none, and a client naming another is refused.
    #[test]
    fn a_credential_s_own_cloud_decides_or_a_mismatch_is_refused() {
        let china = || {
            Arc::new(
                ClientCredentials::builder("contoso", "app", "s")
                    .cloud(Cloud::China)
                    .build()
                    .unwrap(),
            )
        };
        let client = client_for(None, china()).unwrap();
        assert_eq!(
            client.base_url(),
            "https://microsoftgraph.chinacloudapi.cn/v1.0"
        );
        assert!(client_for(Some(Cloud::China), china()).is_ok());
        let err = client_for(Some(Cloud::Global), china()).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains("China"), "{err}");

        // The first client decides a shared credential; a second cloud is refused.
        let shared = Arc::new(ClientCredentials::new("contoso", "app", "s"));
        client_for(Some(Cloud::UsGovL4), shared.clone()).unwrap();
        assert!(client_for(Some(Cloud::China), shared.clone()).is_err());
        assert_eq!(
            client_for(None, shared).unwrap().base_url(),
            "https://graph.microsoft.us/v1.0"
        );

        // A provider that knows no cloud goes along with any.
        let fixed: Arc<dyn TokenProvider> = Arc::new(StaticToken::new("t"));
        assert!(client_for(Some(Cloud::China), fixed.clone()).is_ok());
        assert_eq!(
            client_for(None, fixed).unwrap().base_url(),
            "https://graph.microsoft.com/v1.0"
        );
    }

    /// A token request decides the cloud (global): a later client of
    /// another cloud is refused rather than handed that token.
    #[tokio::test]
    async fn a_credential_that_already_asked_for_a_token_keeps_its_cloud() {
        let credential = Arc::new(
            ClientCredentials::builder("contoso", "app", "s")
                .authority("http://127.0.0.1:9")
                .build()
                .unwrap(),
        );
        let _ = credential.token().await;
        assert!(client_for(Some(Cloud::China), credential.clone()).is_err());
        assert!(client_for(Some(Cloud::Global), credential).is_ok());
    }
}
