//! `$select`: which properties an answer should carry.

use std::borrow::Cow;

use crate::ParamValue;

/// The properties to ask for with OData's `$select` (`$select=id,roles`).
///
/// Built from any list of names; sent comma-separated, in the order given.
/// Graph answers with those properties (and `id`) only, so a model read from
/// the answer has the others unset.
///
/// ```
/// use graph_core::drive::ItemLocator;
/// use graph_core::odata::Select;
/// use graph_core::{Endpoint, ParamValue};
///
/// let select = Select::from(["id", "roles"]);
/// assert_eq!(select.param(), "id,roles");
/// let get = ItemLocator::me("01A").permission("p1").with_select(["id", "roles"]);
/// assert_eq!(get.to_request()?.path_and_query(), "/me/drive/items/01A/permissions/p1?$select=id,roles");
/// # Ok::<(), graph_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Select(Vec<String>);

impl Select {
    /// The property names, in the order they are sent.
    pub fn names(&self) -> &[String] {
        &self.0
    }
}

impl<I, S> From<I> for Select
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    fn from(names: I) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }
}

impl ParamValue for Select {
    fn param(&self) -> Cow<'_, str> {
        self.0.param()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_join_with_commas_in_order() {
        assert_eq!(Select::from(["roles", "id"]).param(), "roles,id");
        assert_eq!(Select::from(vec!["id".to_owned()]).param(), "id");
        assert_eq!(Select::from(["a", "b"]).names(), ["a", "b"]);
    }
}
