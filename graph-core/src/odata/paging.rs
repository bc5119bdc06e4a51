//! Following `@odata.nextLink` from one page to the next.

use serde::de::DeserializeOwned;

use super::Collection;
use crate::{Client, Error, Method, Request};

/// The template reported to logs and tracing for a page request.
const NEXT_LINK_TEMPLATE: &str = "@odata.nextLink";

impl Client {
    /// The page after `page`, following its `@odata.nextLink`; `None` on the last page.
    ///
    /// The link must lie under this client's base URL: credentials are never
    /// sent to an address the server named elsewhere.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
    /// use graph_core::drive::ItemLocator;
    ///
    /// let item = ItemLocator::drive("b!x", "01A");
    /// let mut page = Some(client.send(&item.list_permissions(Some(50))).await?);
    /// while let Some(current) = page {
    ///     for permission in &current.value {
    ///         println!("{:?} {:?}", permission.id, permission.roles);
    ///     }
    ///     page = client.next_page(&current).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_page<T: DeserializeOwned>(
        &self,
        page: &Collection<T>,
    ) -> Result<Option<Collection<T>>, Error> {
        let Some(link) = page.next_link.as_deref() else {
            return Ok(None);
        };
        let request = next_page_request(self.base_url(), link)?;
        Ok(Some(self.execute_request(request).await?.value))
    }
}

/// The GET for `link`, relative to `base_url`; refused when the link lies elsewhere.
fn next_page_request(base_url: &str, link: &str) -> Result<Request, Error> {
    let relative = link
        .strip_prefix(base_url)
        .filter(|rest| rest.starts_with('/'))
        .ok_or_else(|| Error::foreign_next_link(link, base_url))?;
    Ok(Request::new(
        Method::Get,
        NEXT_LINK_TEMPLATE,
        relative.to_owned(),
        Vec::new(),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn a_link_under_the_base_url_becomes_a_relative_get() {
        let request = next_page_request(
            BASE,
            "https://graph.microsoft.com/v1.0/me/drive/items/X/permissions?$skiptoken=2",
        )
        .unwrap();
        assert_eq!(request.method(), Method::Get);
        assert_eq!(
            request.path_and_query(),
            "/me/drive/items/X/permissions?$skiptoken=2"
        );
        assert_eq!(request.template(), "@odata.nextLink");
        assert_eq!(request.body(), None);
    }

    #[test]
    fn a_link_elsewhere_is_refused() {
        for link in [
            "https://evil.example/v1.0/me/drive",
            "https://graph.microsoft.com/beta/me/drive",
            // Same prefix, another path segment.
            "https://graph.microsoft.com/v1.0evil/me",
            "/me/drive/items/X/permissions",
        ] {
            assert!(
                matches!(
                    next_page_request(BASE, link),
                    Err(Error::ForeignNextLink { .. })
                ),
                "{link}"
            );
        }
    }
}
