//! Request headers set by endpoint fields.

use super::param::ParamValue;
use crate::ValidationError;

/// Collects `name: value` headers; a value that cannot be sent (a line break
/// or another control character) is recorded as a [`ValidationError`].
///
/// ```
/// use graph_core::request::HeaderWriter;
///
/// let mut headers = HeaderWriter::default();
/// headers.header("prefer", "Prefer", &"respond-async");
/// assert_eq!(headers.finish().unwrap(), vec![("Prefer", "respond-async".to_string())]);
///
/// let mut bad = HeaderWriter::default();
/// bad.header("prefer", "Prefer", &"a\r\nInjected: yes");
/// assert_eq!(bad.finish().unwrap_err().field(), "prefer");
/// ```
#[derive(Debug, Default)]
pub struct HeaderWriter {
    headers: Vec<(&'static str, String)>,
    problem: Option<ValidationError>,
}

impl HeaderWriter {
    /// Adds the header `name` with the value of the field `field`.
    pub fn header<V: ParamValue + ?Sized>(
        &mut self,
        field: &'static str,
        name: &'static str,
        value: &V,
    ) {
        let value = value.param();
        let sendable = value.bytes().all(|b| b == b'\t' || !b.is_ascii_control());
        if !sendable && self.problem.is_none() {
            self.problem = Some(ValidationError::new(
                field,
                format!("header `{name}` must not contain line breaks or control characters"),
            ));
        }
        self.headers.push((name, value.into_owned()));
    }

    /// The headers, or the first value that cannot be sent.
    pub fn finish(self) -> Result<Vec<(&'static str, String)>, ValidationError> {
        match self.problem {
            Some(problem) => Err(problem),
            None => Ok(self.headers),
        }
    }
}
