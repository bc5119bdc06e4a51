//! Appending query parameters to a rendered path.

use super::encode::encode_query;
use super::param::ParamValue;

/// Appends `name=value` pairs to a URL, `?` before the first and `&` between.
///
/// ```
/// use graph_core::request::QueryWriter;
///
/// let mut url = String::from("/me/drive/items/1/permissions");
/// let mut query = QueryWriter::new(&mut url);
/// query.pair("$top", &5u32);
/// query.pair("$filter", &"roles/any(r:r eq 'write') & more");
/// assert_eq!(url, "/me/drive/items/1/permissions?$top=5&$filter=roles/any(r:r%20eq%20'write')%20%26%20more");
/// ```
#[derive(Debug)]
pub struct QueryWriter<'a> {
    url: &'a mut String,
    has_pairs: bool,
}

impl<'a> QueryWriter<'a> {
    /// A writer appending to `url`, which must not have a query yet.
    pub fn new(url: &'a mut String) -> Self {
        Self {
            url,
            has_pairs: false,
        }
    }

    /// Appends one pair, both sides percent-encoded.
    pub fn pair<V: ParamValue + ?Sized>(&mut self, name: &str, value: &V) {
        self.url.push(if self.has_pairs { '&' } else { '?' });
        self.has_pairs = true;
        encode_query(self.url, name);
        self.url.push('=');
        encode_query(self.url, &value.param());
    }
}
