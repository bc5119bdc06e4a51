//! A page of an OData collection.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One page of an OData collection: `{"value": [...]}` plus the optional
/// `@odata.nextLink`, `@odata.count` and `@odata.context` annotations.
/// Every other property (`@odata.deltaLink`, `@microsoft.graph.tips`, …) is
/// kept in [`additional`](Self::additional), so a read and a write lose
/// nothing.
///
/// `Debug` shows `@odata.nextLink` without its query (a `$skiptoken` is an
/// opaque cursor into the caller's data) and without share tokens.
///
/// Used for `GET …/items/{item-id}/permissions` (as `Collection<Permission>`)
/// and for the invite response
/// ([`InviteResponse`](crate::drive::InviteResponse)); [`Client::next_page`](crate::Client::next_page)
/// fetches the page after it.
///
/// ```
/// use graph_core::drive::Permission;
/// use graph_core::odata::Collection;
///
/// let page: Collection<Permission> = serde_json::from_str(r#"{
///     "value": [{"id": "1", "roles": ["read"]}],
///     "@odata.nextLink": "https://graph.microsoft.com/v1.0/next"
/// }"#).unwrap();
/// assert_eq!(page.value.len(), 1);
/// assert!(page.has_next_page());
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct Collection<T> {
    /// The items on this page (`value`); `null` or missing reads as empty.
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: Vec<T>,
    /// URL of the next page (`@odata.nextLink`), if there is one.
    #[serde(
        default,
        rename = "@odata.nextLink",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_link: Option<String>,
    /// Total number of items (`@odata.count`), when requested with `$count`.
    #[serde(
        default,
        rename = "@odata.count",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// The metadata context URL (`@odata.context`).
    #[serde(
        default,
        rename = "@odata.context",
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<String>,
    /// Every other property of the page, as sent (annotations included).
    #[serde(flatten)]
    pub additional: Map<String, Value>,
}

impl<T: fmt::Debug> fmt::Debug for Collection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Collection")
            .field("value", &self.value)
            .field("next_link", &self.next_link.as_deref().map(shown_link))
            .field("count", &self.count)
            .field("context", &self.context)
            .field("additional", &self.additional.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A paging link as `Debug` shows it: share tokens hidden, the query
/// (which holds `$skiptoken`) replaced.
fn shown_link(link: &str) -> String {
    let (path, query) = match link.split_once('?') {
        Some((path, _)) => (path, "?<query redacted>"),
        None => (link, ""),
    };
    format!("{}{query}", crate::shares::redact_share_tokens(path))
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Self {
            value: Vec::new(),
            next_link: None,
            count: None,
            context: None,
            additional: Map::new(),
        }
    }
}

impl<T> Collection<T> {
    /// A single page holding `value`, with no annotations.
    pub fn new(value: Vec<T>) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }

    /// Whether Graph announced another page (`@odata.nextLink`).
    pub fn has_next_page(&self) -> bool {
        self.next_link.is_some()
    }
}

impl<T> IntoIterator for Collection<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.value.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Collection<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.value.iter()
    }
}

/// Reads `null` as the type's default (an empty `Vec`, for instance), so a
/// collection Graph sends as `null` does not fail the whole response.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_and_round_trip() {
        let empty: Collection<u32> = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty, Collection::default());
        let null: Collection<u32> = serde_json::from_value(json!({"value": null})).unwrap();
        assert!(null.value.is_empty());
        assert!(!null.has_next_page());

        let mut page = Collection::new(vec!["read".to_owned(), "x".to_owned()]);
        page.next_link = Some("next".into());
        assert!(page.has_next_page());
        let wire = serde_json::to_value(&page).unwrap();
        assert_eq!(
            wire,
            json!({"value": ["read", "x"], "@odata.nextLink": "next"})
        );
        assert_eq!(
            serde_json::from_value::<Collection<String>>(wire).unwrap(),
            page
        );
        let borrowed: Vec<&String> = (&page).into_iter().collect();
        assert_eq!(borrowed.len(), 2);
        assert_eq!(page.into_iter().next().as_deref(), Some("read"));
    }

    /// `@odata.deltaLink`, `@microsoft.graph.tips` and anything else at the
    /// top level survive a read and a write.
    #[test]
    fn other_properties_round_trip() {
        let wire = json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x",
            "@odata.deltaLink": "https://graph.microsoft.com/v1.0/x/delta?token=abc",
            "@microsoft.graph.tips": "Use $select to choose only the properties your app needs.",
            "value": [1]
        });
        let page: Collection<u32> = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(
            page.additional["@odata.deltaLink"],
            "https://graph.microsoft.com/v1.0/x/delta?token=abc"
        );
        assert_eq!(serde_json::to_value(&page).unwrap(), wire);
    }

    #[test]
    fn debug_hides_the_skiptoken_and_share_tokens() {
        let mut page = Collection::new(vec![1]);
        page.next_link =
            Some("https://graph.microsoft.com/v1.0/shares/u!aHR0cHM6Ly9zZWNyZXQ/permissions?$skiptoken=SECRETCURSOR".into());
        let shown = format!("{page:?}");
        assert!(!shown.contains("SECRETCURSOR"), "{shown}");
        assert!(!shown.contains("aHR0cHM6Ly9zZWNyZXQ"), "{shown}");
        assert!(shown.contains("/permissions?<query redacted>"), "{shown}");
    }

    #[test]
    fn annotations_are_read_and_other_properties_kept() {
        let page: Collection<u32> = serde_json::from_value(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#x",
            "@odata.count": 7,
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/x?$skiptoken=2",
            "unknownTopLevel": true,
            "value": [1, 2]
        }))
        .unwrap();
        assert_eq!(page.value, [1, 2]);
        assert_eq!(page.additional["unknownTopLevel"], true);
        assert_eq!(page.count, Some(7));
        assert_eq!(
            page.context.as_deref(),
            Some("https://graph.microsoft.com/v1.0/$metadata#x")
        );
        assert_eq!(
            page.next_link.as_deref(),
            Some("https://graph.microsoft.com/v1.0/x?$skiptoken=2")
        );
    }
}
