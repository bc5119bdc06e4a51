//! HTTP methods an endpoint can use.

use std::fmt;

/// The HTTP method of an [`Endpoint`](crate::Endpoint).
///
/// ```
/// use graph_core::Method;
///
/// assert_eq!(Method::Patch.as_str(), "PATCH");
/// assert!(!Method::Get.allows_body());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`: read; no body.
    Get,
    /// `POST`: create or act.
    Post,
    /// `PUT`: replace.
    Put,
    /// `PATCH`: update some properties.
    Patch,
    /// `DELETE`: remove; no body.
    Delete,
}

impl Method {
    /// The method as it appears on the request line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether Graph accepts a request body with this method.
    pub const fn allows_body(self) -> bool {
        !matches!(self, Method::Get | Method::Delete)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
