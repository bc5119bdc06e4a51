//! What the examples share: connecting to Microsoft Graph when credentials
//! are set, and to an in-process emulator when they are not; and signing a
//! user in with the device code flow ([`login`]).

pub mod login;

use std::sync::Arc;

use graph_core::auth::{EnvCredential, EnvError, StaticToken};
use graph_core::{Client, ClientBuilder};
use graph_emulator::{EmulatorBuilder, EmulatorHandle, seed};

/// A client, and the emulator it talks to when there are no credentials.
pub struct Connection {
    /// The client to send with.
    pub client: Client,
    /// The in-process emulator; `None` when talking to Microsoft Graph.
    /// Dropping it (every clone) stops the emulator.
    pub emulator: Option<Arc<EmulatorHandle>>,
}

/// Connects to Microsoft Graph with the credentials in the environment, or
/// starts `emulator` and connects to it when none are set.
///
/// Credentials: see [`credentials_from_env`] (`GRAPH_ACCESS_TOKEN`, or
/// `GRAPH_TENANT_ID` + `GRAPH_CLIENT_ID` + `GRAPH_CLIENT_SECRET`, or the
/// `AZURE_*` / managed identity variables); optional `GRAPH_CLOUD` and
/// `GRAPH_BASE_URL`.
pub async fn connect(emulator: EmulatorBuilder) -> Result<Connection, String> {
    if let Some(builder) = credentials_from_env()? {
        let client = builder.build().map_err(|e| e.to_string())?;
        return Ok(Connection {
            client,
            emulator: None,
        });
    }
    let emulator = emulator
        .start()
        .await
        .map_err(|e| format!("could not start the emulator: {e}"))?;
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Connection {
        client,
        emulator: Some(Arc::new(emulator)),
    })
}

/// Client settings from the environment, or `None` when no credential is set at all.
///
/// The credential is [`EnvCredential::from_env`]'s choice (its docs list the
/// variables and their precedence: `GRAPH_ACCESS_TOKEN`, the `GRAPH_*` and
/// `AZURE_*` app variables, `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`), in the
/// cloud `GRAPH_CLOUD` names; `GRAPH_BASE_URL` replaces the Graph root.
pub fn credentials_from_env() -> Result<Option<ClientBuilder>, String> {
    let credential = match EnvCredential::from_env() {
        Ok(credential) => credential,
        Err(EnvError::NotSet) => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let mut builder = Client::builder().cloud(credential.cloud());
    if let Some(base) = std::env::var("GRAPH_BASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        builder = builder.base_url(base);
    }
    Ok(Some(builder.auth(credential)))
}
