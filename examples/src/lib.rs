//! What the examples share: connecting to Microsoft Graph when credentials
//! are set, and to an in-process emulator when they are not.

use graph_core::auth::{ClientCredentials, StaticToken};
use graph_core::{Client, ClientBuilder, Cloud};
use graph_emulator::{EmulatorBuilder, EmulatorHandle, seed};

/// A client, and the emulator it talks to when there are no credentials.
pub struct Connection {
    /// The client to send with.
    pub client: Client,
    /// The in-process emulator; `None` when talking to Microsoft Graph.
    /// Dropping it stops the emulator.
    pub emulator: Option<EmulatorHandle>,
}

/// Connects to Microsoft Graph with the credentials in the environment, or
/// starts `emulator` and connects to it when none are set.
///
/// Credentials: `GRAPH_ACCESS_TOKEN`, or `GRAPH_TENANT_ID` + `GRAPH_CLIENT_ID`
/// + `GRAPH_CLIENT_SECRET`; optional `GRAPH_CLOUD` and `GRAPH_BASE_URL`.
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
        emulator: Some(emulator),
    })
}

/// Client settings from the environment, or `None` when no credential is set at all.
pub fn credentials_from_env() -> Result<Option<ClientBuilder>, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let cloud = match var("GRAPH_CLOUD") {
        Some(name) => Cloud::from_name(&name)
            .ok_or_else(|| format!("GRAPH_CLOUD=`{name}` is not a known cloud"))?,
        None => Cloud::Global,
    };
    let mut builder = Client::builder().cloud(cloud);
    if let Some(base) = var("GRAPH_BASE_URL") {
        builder = builder.base_url(base);
    }
    if let Some(token) = var("GRAPH_ACCESS_TOKEN") {
        return Ok(Some(builder.auth(StaticToken::new(token))));
    }
    let parts =
        ["GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET"].map(|name| (name, var(name)));
    if parts.iter().all(|(_, value)| value.is_none()) {
        return Ok(None);
    }
    let missing: Vec<&str> = parts
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    let [(_, Some(tenant)), (_, Some(client_id)), (_, Some(secret))] = parts else {
        return Err(format!(
            "missing credentials: {} not set (client credentials need all three)",
            missing.join(", ")
        ));
    };
    let credentials = ClientCredentials::builder(tenant, client_id, secret)
        .cloud(cloud)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Some(builder.auth(credentials)))
}
