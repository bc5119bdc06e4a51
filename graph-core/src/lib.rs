//! A typed Microsoft Graph client.
//!
//! Endpoints are declared with [`graph_endpoint`]: a struct becomes a typed
//! request with a compile-time-checked builder, and the [`Endpoint`] trait
//! turns it into an HTTP request without any IO.

pub mod builder;
pub mod drive;
mod endpoint;
mod error;
pub mod error_body;
pub mod request;
pub mod retry;
mod validation;

pub use endpoint::{Endpoint, ToRequest};
pub use error::{AuthError, DecodeError, Error, GraphError};
pub use graph_macros::graph_endpoint;
pub use request::{Method, ParamValue, Request};
pub use validation::ValidationError;

