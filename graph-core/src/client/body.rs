//! Reading an answer's body under a size limit.
//!
//! A body is read chunk by chunk and never past the limit: an answer that
//! says or turns out to be larger is dropped unread, which closes its
//! connection, so a server sending without end costs at most the limit.

use bytes::{Bytes, BytesMut};

/// The default of [`ClientBuilder::max_response_bytes`](super::ClientBuilder::max_response_bytes).
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The most the client reads of a body it throws away before a retry, so
/// that the connection can serve the retry; a longer body is dropped with
/// its connection instead. Graph's throttling answers are well under it.
pub(crate) const MAX_DRAIN_BYTES: u64 = 64 * 1024;

/// The most bytes read of an error answer's body (documented on
/// [`ClientBuilder::max_response_bytes`](super::ClientBuilder::max_response_bytes)).
/// Graph's error objects are a few hundred bytes, a gateway's HTML page a
/// few KiB; only a snippet and a few fields are kept of either, so reading
/// and parsing more is memory spent for nothing.
pub(crate) const MAX_ERROR_BODY_BYTES: u64 = 1024 * 1024;

/// The most bytes read of a token endpoint's answer. An access token is a
/// JWT of a few KiB (Azure AD keeps even a token with many group claims far
/// below this), so a larger answer is not a token.
pub(crate) const TOKEN_ANSWER_MAX_BYTES: u64 = 1024 * 1024;

/// How much of a body over the limit is kept for its snippet: enough for
/// the snippet's 200 characters even when whitespace runs are collapsed.
const KEPT_START_BYTES: usize = 4 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It is longer than the limit (by its `Content-Length`, or as read);
    /// `start` holds its first bytes (at most a few KiB) for a snippet.
    TooLarge { start: Bytes },
    /// The HTTP stack failed while reading it (reset, timeout, bad framing).
    Transport(reqwest::Error),
}

/// Reads the body of `response`, at most `limit` bytes. Over the limit it
/// stops reading; the caller then drops the response, which closes its
/// connection (the headers stay readable until then).
///
/// Token answers are read with this too (`auth::client_credentials`).
pub(crate) async fn read_limited(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Bytes, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge {
            start: read_start(response).await,
        });
    }
    // Most bodies arrive as one chunk, which is returned without a copy.
    let mut first: Option<Bytes> = None;
    let mut more = BytesMut::new();
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(source) => return Err(ReadError::Transport(source)),
        };
        let read = first.as_ref().map_or(0, Bytes::len) + more.len();
        if (read as u64).saturating_add(chunk.len() as u64) > limit {
            let mut start = BytesMut::with_capacity(KEPT_START_BYTES);
            for part in [first.as_deref().unwrap_or_default(), &more, &chunk] {
                let room = KEPT_START_BYTES - start.len();
                start.extend_from_slice(&part[..part.len().min(room)]);
            }
            return Err(ReadError::TooLarge {
                start: start.freeze(),
            });
        }
        match &first {
            None if more.is_empty() => first = Some(chunk),
            _ => {
                if more.is_empty() {
                    // A known length is reserved once, so the buffer does not
                    // double past it (with the old and new buffer both held
                    // while growing); it is at most `limit`, checked above.
                    let known = declared.and_then(|len| usize::try_from(len).ok());
                    more.reserve(known.unwrap_or(0).max(read + chunk.len()));
                }
                if let Some(first) = first.take() {
                    more.extend_from_slice(&first);
                }
                more.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| more.freeze()))
}

/// The first bytes of a body known to be too large, for its snippet.
async fn read_start(response: &mut reqwest::Response) -> Bytes {
    let mut start = BytesMut::new();
    while start.len() < KEPT_START_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = KEPT_START_BYTES - start.len();
                start.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    start.freeze()
}

/// Reads and discards a body of at most [`MAX_DRAIN_BYTES`], so that its
/// connection can be used again; a longer body (or one that fails) is
/// dropped with its connection.
pub(crate) async fn drain(mut response: reqwest::Response) {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_DRAIN_BYTES)
    {
        return;
    }
    let _ = read_limited(&mut response, MAX_DRAIN_BYTES).await;
}
