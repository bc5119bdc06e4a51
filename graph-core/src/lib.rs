//! A typed Microsoft Graph client.
//!
//! Endpoints are declared with [`graph_endpoint`]: a struct becomes a typed
//! request with a compile-time-checked builder, and the [`Endpoint`] trait
//! turns it into an HTTP request without any IO.

pub mod builder;
mod endpoint;
pub mod request;
mod validation;

pub use endpoint::{Endpoint, ToRequest};
pub use graph_macros::graph_endpoint;
pub use request::{Method, ParamValue, Request};
pub use validation::ValidationError;

/// Placeholder until the error module lands.
#[derive(Debug)]
pub enum Error {
    /// A request value broke a documented rule.
    Validation(ValidationError),
    /// The body could not be serialised.
    Serialize(serde_json::Error),
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}
