//! Rendering a path template with its placeholder values.

use super::encode::encode_segment;
use super::param::ParamValue;
use crate::ValidationError;

/// Collects a rendered path; generated `write_path` code drives it.
///
/// Each value is percent-encoded as a path segment. Values that would change
/// the path's shape when sent (empty, `.` or `..`) are recorded as a
/// [`ValidationError`] naming the field, and [`PathWriter::finish`] returns it.
///
/// ```
/// use graph_core::request::PathWriter;
///
/// let mut path = PathWriter::new(64);
/// path.literal("/me/drive/root:/");
/// path.catch_all("item_path", &"Reports/Q3 plan.docx");
/// path.literal(":/invite");
/// assert_eq!(path.finish().unwrap(), "/me/drive/root:/Reports/Q3%20plan.docx:/invite");
///
/// let mut climbing = PathWriter::new(64);
/// climbing.literal("/drives/");
/// climbing.segment("drive_id", &"..");
/// assert_eq!(climbing.finish().unwrap_err().field(), "drive_id");
/// ```
#[derive(Debug)]
pub struct PathWriter {
    out: String,
    problem: Option<ValidationError>,
}

impl PathWriter {
    /// An empty path with room for `capacity` bytes.
    pub fn new(capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            problem: None,
        }
    }

    /// Appends literal template text, as written.
    pub fn literal(&mut self, text: &'static str) {
        self.out.push_str(text);
    }

    /// Appends a `<field>` value encoded as (part of) one segment: `/` inside it is escaped.
    pub fn segment<V: ParamValue + ?Sized>(&mut self, field: &'static str, value: &V) {
        let value = value.param();
        self.check_segment(field, &value, "");
        encode_segment(&mut self.out, &value);
    }

    /// Appends a `<field..>` value: split on `/`, each segment encoded on its own.
    pub fn catch_all<V: ParamValue + ?Sized>(&mut self, field: &'static str, value: &V) {
        let value = value.param();
        for (i, part) in value.split('/').enumerate() {
            if i > 0 {
                self.out.push('/');
            }
            self.check_segment(field, part, " (a segment between `/`)");
            encode_segment(&mut self.out, part);
        }
    }

    fn check_segment(&mut self, field: &'static str, value: &str, what: &str) {
        if self.problem.is_some() {
            return;
        }
        let reason = match value {
            "" => "must not be empty",
            "." | ".." => "must not be `.` or `..`, which would change the request path",
            _ => return,
        };
        self.problem = Some(ValidationError::new(field, format!("{reason}{what}")));
    }

    /// The rendered path, or the first value that cannot be sent.
    pub fn finish(self) -> Result<String, ValidationError> {
        match self.problem {
            Some(problem) => Err(problem),
            None => Ok(self.out),
        }
    }

    /// The rendered path, even when a value cannot be sent (for display).
    pub fn into_unchecked(self) -> String {
        self.out
    }
}
