//! What the end-to-end tests in `tests/` share, so that each test file holds
//! only its tests:
//!
//! - [`start`] and [`Setup`]: an emulator (faults, rate limit, latency, seed,
//!   tenant, token lifetime) and a [`Client`](graph_core::Client) pointed at
//!   it with the seed's token; [`client`], [`client_with`] and [`app_client`]
//!   for more clients of one emulator;
//! - [`invite_to`], [`share_job`] and [`alex_plan`]: the request bodies,
//!   jobs and item most tests send; [`every_form`]: one item on each of the
//!   eight ways of addressing a drive item;
//! - [`graph_requests`], [`statuses`], [`retry_attempts`], …: what the
//!   emulator's request log says about those requests; [`inner_attempts`]
//!   for every attempt at a request inside a `$batch`;
//! - [`scripted`]: a loopback server answering what a test scripts, for
//!   answers the emulator never gives (redirects, HTML pages, broken JSON);
//!   [`HeldTokenEndpoint`]: a token endpoint that holds its answers until
//!   released; [`Counting`]: a token provider that counts how often it is asked;
//! - [`sign_in`]: a device code sign-in pointed at the emulator, its prompts,
//!   polls and refreshes; [`auth_code`]: an authorization code sign-in and
//!   the browser that follows its URL; [`TraceCapture`]: everything the client traces.

pub mod auth_code;
mod builders;
mod counting;
mod forms;
mod held;
mod log;
pub mod scripted;
mod setup;
pub mod sign_in;
mod trace_capture;

pub use counting::Counting;
pub use forms::{AddressedItem, every_form};
pub use held::HeldTokenEndpoint;
pub use trace_capture::TraceCapture;

pub use builders::{alex_plan, invite_to, share_job};
pub use log::{
    InnerAttempt, batch_inner_requests, batch_requests, client_request_ids, graph_requests,
    inner_attempts, retry_attempts, statuses, token_requests,
};
pub use setup::{
    Setup, app_client, app_client_for, client, client_with, credentials, credentials_for,
    quick_retries, quick_retries_builder, start,
};
