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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any string as a nextLink: no panic; followed only when it lies
        /// under the base URL (and then exactly as the rest of the link);
        /// otherwise refused, with no secret of its user-info or query in
        /// the error's Display or Debug.
        #[test]
        fn any_link_is_followed_only_under_the_base_and_refused_without_secrets(
            start in proptest::sample::select(vec![
                BASE,
                "https://graph.microsoft.com/v1.0evil",
                "https://graph.microsoft.com/beta",
                "https://graph.microsoft.com",
                "https://evil.example/v1.0",
                "https://user:ZZPWZZ@graph.microsoft.com/v1.0",
                "https://ZZPWZZ@evil.example",
                "https:\\\\user:ZZPWZZ@evil.example/v1.0",
                "//graph.microsoft.com/v1.0",
                "/",
                "",
            ]),
            rest in "[^Z]{0,24}",
            query in proptest::sample::select(vec![
                "",
                "?$skiptoken=ZZSECRETZZ",
                "?$skiptoken=1&sig=ZZSECRETZZ&sv=2",
                "?ZZSECRETZZ",
                "#access_token=ZZSECRETZZ",
            ]),
            anything in "\\PC{0,40}",
        ) {
            let _ = next_page_request(BASE, &anything);
            let link = format!("{start}{rest}{query}");
            match next_page_request(BASE, &link) {
                Ok(request) => {
                    proptest::prop_assert!(link.starts_with(&format!("{BASE}/")), "{}", link);
                    proptest::prop_assert_eq!(format!("{BASE}{}", request.path_and_query()), link);
                }
                Err(err @ Error::ForeignNextLink { .. }) => {
                    let shown = format!("{err} {err:?}");
                    proptest::prop_assert!(!shown.contains("ZZ"), "{} -> {}", link, shown);
                }
                Err(other) => {
                    return Err(proptest::test_runner::TestCaseError::fail(format!("{link}: {other:?}")));
                }
            }
        }
    }
}
