//! Writing an endpoint's JSON body.

use serde::Serialize;

/// Why a body could not be written: a field's `Serialize` impl failed.
pub type BodyError = serde_json::Error;

/// Writes a JSON body: either an object built field by field, or one whole value.
///
/// ```
/// use graph_core::request::BodyWriter;
///
/// let mut body = BodyWriter::default();
/// body.open_object();
/// body.field("requireSignIn", &true).unwrap();
/// body.field("roles", &["read"]).unwrap();
/// assert_eq!(body.finish().unwrap(), br#"{"requireSignIn":true,"roles":["read"]}"#);
/// ```
#[derive(Debug, Default)]
pub struct BodyWriter {
    state: State,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Empty,
    Object(Vec<u8>),
    Whole(Vec<u8>),
}

impl BodyWriter {
    /// Starts a JSON object, so an endpoint whose optional fields are all unset still sends `{}`.
    pub fn open_object(&mut self) {
        if matches!(self.state, State::Empty) {
            let mut buf = Vec::with_capacity(256);
            buf.push(b'{');
            self.state = State::Object(buf);
        }
    }

    /// Adds `"key": value` to the object. `key` is the camelCase wire name.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), BodyError> {
        self.open_object();
        if let State::Object(buf) = &mut self.state {
            if buf.len() > 1 {
                buf.push(b',');
            }
            serde_json::to_writer(&mut *buf, key)?;
            buf.push(b':');
            serde_json::to_writer(&mut *buf, value)?;
        }
        Ok(())
    }

    /// Uses `value` as the whole body.
    pub fn whole<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BodyError> {
        self.state = State::Whole(serde_json::to_vec(value)?);
        Ok(())
    }

    /// The body bytes, or `None` when the endpoint has no body.
    pub fn finish(self) -> Option<Vec<u8>> {
        match self.state {
            State::Empty => None,
            State::Object(mut buf) => {
                buf.push(b'}');
                Some(buf)
            }
            State::Whole(buf) => Some(buf),
        }
    }
}
