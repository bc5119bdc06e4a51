//! The device authorization grant ("Microsoft identity platform and the
//! OAuth 2.0 device authorization grant flow"; RFC 8628):
//! `POST /{tenant}/oauth2/v2.0/devicecode` issues a device code and a user
//! code, and the token endpoint's device code grant answers each poll with
//! the code's state. There is no sign-in page: a test approves or declines a
//! code with [`EmulatorHandle::approve_device_code`](crate::EmulatorHandle::approve_device_code)
//! and [`EmulatorHandle::decline_device_code`](crate::EmulatorHandle::decline_device_code).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::token::{
    AadError, TokenAnswer, answer, check_delegated_tenant, form_pairs, issue_delegated,
    known_client, param, require_post,
};
use crate::lock;
use crate::pipeline::Shared;
use crate::state::{DeviceGrant, DeviceState, Store};

/// The grant type of a device code token request (RFC 8628 §3.4).
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How long a code is good for: the identity platform's default
/// (`expires_in`: "the user has 15 minutes to sign in").
const EXPIRES_IN: Duration = Duration::from_secs(15 * 60);

/// The polling interval sent (the doc's example answers `interval: 5`).
const INTERVAL_SECS: u64 = 5;

/// Letters and digits a user can type without confusing them.
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Handles `POST /{tenant}/oauth2/v2.0/devicecode`.
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

fn issue(shared: &Shared, tenant: &str, method: &str, body: &[u8]) -> Result<Value, AadError> {
    require_post(method)?;
    let mut store = lock(&shared.store);
    check_delegated_tenant(&store.tenant, tenant)?;
    let form = form_pairs(body);
    // Both are required ("Device authorization request").
    let client_id = param(&form, "client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let client_id = known_client(&store, client_id)?;
    let scope = param(&form, "scope").ok_or_else(|| AadError::missing("scope"))?;
    let device_code = format!(
        "DAQABAAEAAAD-emulator-device.{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let user_code = user_code();
    let verification_uri = format!("{}/devicelogin", shared.root_url);
    store.device_codes.insert(
        device_code.clone(),
        DeviceGrant {
            client_id,
            user_code: user_code.clone(),
            scope: scope.to_string(),
            expires_at: Instant::now() + EXPIRES_IN,
            state: DeviceState::Pending,
        },
    );
    // The fields of "Device authorization response".
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "expires_in": EXPIRES_IN.as_secs(),
        "interval": INTERVAL_SECS,
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        ),
    }))
}

fn user_code() -> String {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(9)
        .map(|b| USER_CODE_ALPHABET[usize::from(*b) % USER_CODE_ALPHABET.len()] as char)
        .collect()
}

/// The token endpoint's device code grant: one poll. Errors are those of
/// "Expected errors" (Microsoft) and RFC 8628 §3.5 (`slow_down`), with the
/// AADSTS numbers of "Microsoft Entra authentication and authorization
/// error codes" where it has one.
pub(crate) fn redeem(
    shared: &Shared,
    store: &mut Store,
    form: &[(String, String)],
) -> Result<Value, AadError> {
    let client_id = param(form, "client_id").ok_or_else(|| AadError::missing("client_id"))?;
    let client_id = known_client(store, client_id)?;
    let code = param(form, "device_code").ok_or_else(|| AadError::missing("device_code"))?;
    let bad_code = || {
        AadError::new(
            400,
            "bad_verification_code",
            70018,
            "The device_code sent to the /token endpoint was not recognized.",
        )
    };
    let slow_down = store.slow_down_polls > 0;
    let Some(grant) = store.device_codes.get_mut(code) else {
        return Err(bad_code());
    };
    if !grant.client_id.eq_ignore_ascii_case(&client_id) {
        return Err(bad_code());
    }
    if grant.state == DeviceState::Pending && Instant::now() >= grant.expires_at {
        grant.state = DeviceState::Expired;
    }
    match grant.state.clone() {
        DeviceState::Pending if slow_down => {
            store.slow_down_polls -= 1;
            // RFC 8628 §3.5; Entra ID documents no AADSTS number for it, so
            // the emulator sends that of a pending authorization.
            Err(AadError::new(
                400,
                "slow_down",
                70016,
                "The client is polling too quickly. Wait 5 more seconds between polls.",
            ))
        }
        DeviceState::Pending => Err(AadError::new(
            400,
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )),
        // No AADSTS number is documented for a declined code: 70000
        // (InvalidGrant, "Authentication failed") stands in.
        DeviceState::Declined => Err(AadError::new(
            400,
            "authorization_declined",
            70000,
            "The end user denied the authorization request.",
        )),
        DeviceState::Expired => Err(AadError::new(
            400,
            "expired_token",
            70019,
            "Verification code expired. Have the user retry the sign-in.",
        )),
        DeviceState::Redeemed => Err(AadError::new(
            400,
            "invalid_grant",
            70000,
            "The provided device code has already been redeemed.",
        )),
        DeviceState::Approved { user_id } => {
            grant.state = DeviceState::Redeemed;
            let scope = grant.scope.clone();
            Ok(issue_delegated(shared, store, &client_id, &user_id, &scope))
        }
    }
}
