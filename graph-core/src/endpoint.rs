//! The `Endpoint` trait: what `#[graph_endpoint]` implements, and what the client sends.

use serde::de::DeserializeOwned;

use crate::request::{
    BodyError, BodyWriter, HeaderWriter, Method, PathWriter, QueryWriter, Request,
};
use crate::{Error, ValidationError};

/// One Microsoft Graph operation, described as data.
///
/// Implemented by `#[graph_endpoint]`; building the HTTP request is a pure
/// function of the value ([`Endpoint::to_request`]), and sending it is the
/// [`Client`](crate::Client)'s job.
///
/// ```
/// use graph_core::{graph_endpoint, Endpoint, Method};
///
/// #[graph_endpoint(GET "/drives/<drive_id>/items/<item_id>")]
/// pub struct GetItem {
///     drive_id: String,
///     item_id: String,
/// }
///
/// let get = GetItem::builder().drive_id("b!x").item_id("01 AB").build();
/// assert_eq!(GetItem::METHOD, Method::Get);
/// assert_eq!(GetItem::TEMPLATE, "/drives/<drive_id>/items/<item_id>");
/// assert_eq!(get.template(), GetItem::TEMPLATE);
/// assert_eq!(get.path(), "/drives/b!x/items/01%20AB");
/// ```
pub trait Endpoint {
    /// The HTTP method.
    const METHOD: Method;
    /// Every path template of the declaration, exactly as written, in order:
    /// one for most endpoints, one per address form for a `match` declaration.
    const TEMPLATES: &'static [&'static str];
    /// What a successful answer decodes into; `()` for no content.
    type Response: DeserializeOwned;

    /// The template this value is sent with, as logs and tracing name it.
    ///
    /// Generated for a `match` declaration, where the value chooses among
    /// [`TEMPLATES`](Endpoint::TEMPLATES); the only template otherwise.
    fn template(&self) -> &'static str {
        Self::TEMPLATES.first().copied().unwrap_or_default()
    }

    /// Writes the path, placeholder by placeholder. Generated; call [`Endpoint::path`].
    #[doc(hidden)]
    fn write_path(&self, path: &mut PathWriter);

    /// Writes the query pairs. Generated when the endpoint has query fields.
    #[doc(hidden)]
    fn write_query(&self, _query: &mut QueryWriter) {}

    /// Writes the extra request headers. Generated when the endpoint has header fields.
    #[doc(hidden)]
    fn write_headers(&self, _headers: &mut HeaderWriter) {}

    /// Writes the JSON body. Generated when the endpoint has body fields.
    #[doc(hidden)]
    fn write_body(&self, _body: &mut BodyWriter) -> Result<(), BodyError> {
        Ok(())
    }

    /// Checks the documented rules on the request values, before anything is sent.
    ///
    /// Generated from the `validate = path` option; accepts everything otherwise.
    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    /// The rendered path: every placeholder value percent-encoded as path segments.
    ///
    /// Values that cannot be sent safely (empty, `.` or `..` segments) are still
    /// rendered here, encoded, but [`Endpoint::to_request`] refuses them.
    fn path(&self) -> String {
        let mut path = PathWriter::new(self.template().len() + 128);
        self.write_path(&mut path);
        path.into_unchecked()
    }

    /// Builds the full HTTP request: method, relative URL, headers and body bytes.
    ///
    /// Pure: no client and no IO. Fails with [`Error::Validation`] when a value
    /// breaks a rule, and with [`Error::Serialize`] when the body cannot be encoded.
    fn to_request(&self) -> Result<Request, Error> {
        self.validate()?;
        let template = self.template();
        let mut path = PathWriter::new(template.len() + 128);
        self.write_path(&mut path);
        let mut url = path.finish()?;
        let mut query = QueryWriter::new(&mut url);
        self.write_query(&mut query);
        let mut headers = HeaderWriter::default();
        self.write_headers(&mut headers);
        let headers = headers.finish()?;
        let mut body = BodyWriter::default();
        self.write_body(&mut body).map_err(Error::Serialize)?;
        Ok(Request::new(
            Self::METHOD,
            template,
            url,
            headers,
            body.finish(),
        ))
    }
}

/// Anything the [`Client`](crate::Client) can send: every [`Endpoint`], and
/// types that choose among endpoints at run time (such as the drive item locator).
pub trait ToRequest {
    /// What a successful answer decodes into.
    type Response: DeserializeOwned;

    /// Builds the HTTP request, purely.
    fn to_request(&self) -> Result<Request, Error>;
}

impl<E: Endpoint> ToRequest for E {
    type Response = E::Response;

    fn to_request(&self) -> Result<Request, Error> {
        Endpoint::to_request(self)
    }
}
