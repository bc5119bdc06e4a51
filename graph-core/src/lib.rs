//! A typed Microsoft Graph client.
//!
//! Endpoints are declared with [`graph_endpoint`]: a struct becomes a typed
//! request with a compile-time-checked builder, and the [`Endpoint`] trait
//! turns it into an HTTP request without any IO.
//!
//! What a program needs is at the root ([`Client`], [`Error`], [`Endpoint`],
//! [`Request`], …) or in one module per concern:
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`auth`] | where tokens come from: [`auth::StaticToken`], [`auth::ClientCredentials`], the [`auth::TokenProvider`] trait |
//! | [`retry`] | [`retry::RetryPolicy`]: how often and how long the client retries throttled requests |
//! | [`odata`] | [`odata::Collection`], a page of an OData collection; [`Client::next_page`] follows it |
//! | [`drive`] | the sharing models and endpoints, reached through [`drive::ItemLocator`] |
//! | [`shares`] | the shares API: sharing links and share ids, redeem and grant, through [`shares::Share`] |
//! | [`batch`] | many requests in `$batch` calls, one typed result per input |
//! | [`bulk`] | sharing at scale, one outcome per job |
//! | [`directory`] | the tenant itself: [`directory::Organization`] and its verified domains, to tell guests from members |
//! | [`request`] | the sans-IO [`Request`] and the [`request::ParamValue`] trait for placeholder values |
//!
//! Arrows go one way: the client and `odata` know no Graph model; `drive`
//! declares its endpoints on the client's traits.

// Generated code names `::graph_core`, which must resolve inside this crate too.
extern crate self as graph_core;

pub mod auth;
pub mod batch;
pub mod bulk;
pub(crate) mod client;
pub mod directory;
pub mod drive;
mod endpoint;
mod error;
pub mod odata;
pub mod request;
pub mod retry;
mod secret;
pub mod shares;
pub mod typestate;
mod validate;

pub use client::{ApiVersion, Client, ClientBuilder, Cloud, Response};
pub use endpoint::{Endpoint, ToRequest};
pub use error::{
    AnswerMeta, AuthError, AuthErrorKind, BatchError, BodyKind, DecodeError, Error, ErrorDetail,
    GraphError, InnerError, ODataError, RedirectError, TokenErrorBody, TooLargeError,
    ValidationError,
};
#[doc = include_str!("../docs/graph_endpoint.md")]
pub use graph_macros::graph_endpoint;
pub use request::{Method, ParamValue, Request};
pub use secret::Secret;
pub use validate::Validate;

/// What generated code needs; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::validate::{Probe, ViaNothing, ViaValidate};

    /// Short, `__`-prefixed names for everything an expansion refers to.
    ///
    /// `#[graph_endpoint]` emits its impls inside `const _: () = { use
    /// ::graph_core::__private::names::*; … };`: the glob keeps each of the
    /// hundreds of paths in an expansion one token long instead of seven or
    /// nine (which measurably speeds up compiling a crate of many endpoints).
    /// The same block names the user's field types, so `__`-prefixed type
    /// names are reserved in endpoint declarations (documented on the macro),
    /// and graph-macros' `GLOB_NAMES` lists these names so that no generated
    /// type parameter hides one: keep the two in step.
    pub mod names {
        pub use crate::request::{
            BodyError as __BodyError, BodyWriter as __BodyWriter, HeaderWriter as __HeaderWriter,
            PathWriter as __PathWriter, QueryWriter as __QueryWriter,
        };
        pub use crate::typestate::{
            Set as __Set, Take as __Take, Unset as __Unset, put as __put, set as __set,
        };
        pub use crate::validate::{Probe as __Probe, ViaNothing as _, ViaValidate as _};
        pub use crate::{
            Endpoint as __Endpoint, Method as __Method, ValidationError as __ValidationError,
        };
        pub use core::convert::Into as __Into;
        pub use core::option::Option::{self as __Option, None as __None, Some as __Some};
        pub use core::result::Result::{self as __Result, Ok as __Ok};
    }
}

/// The README's examples, compiled and run as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
