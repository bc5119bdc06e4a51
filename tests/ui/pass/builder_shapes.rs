//! Builders of every shape the expansion has to handle: no fields at all, only
//! optional fields, a field named like the setters' own parameter, and a
//! restricted visibility.
use graph_core::{graph_endpoint, Endpoint};

#[graph_endpoint(GET "/me/drive")]
struct GetMyDrive {}

#[graph_endpoint(GET "/me/drive/root/children")]
pub(crate) struct ListRootChildren {
    #[query("$top")]
    top: Option<u32>,
    #[query("$filter")]
    filter: Option<String>,
}

#[graph_endpoint(PATCH "/me/drive/items/<item_id>")]
struct Rename {
    item_id: String,
    value: String,
    name: Option<String>,
}

fn main() -> Result<(), graph_core::Error> {
    assert_eq!(GetMyDrive::builder().build().to_request()?.path_and_query(), "/me/drive");

    let all = ListRootChildren::builder().top(2_u32).filter("x").build();
    assert_eq!(all.to_request()?.path_and_query(), "/me/drive/root/children?$top=2&$filter=x");
    let none = ListRootChildren::builder().build();
    assert_eq!(none.to_request()?.path_and_query(), "/me/drive/root/children");

    let rename = Rename::builder().value("v").item_id("1").name("n").build();
    assert_eq!(rename.to_request()?.body().unwrap(), br#"{"value":"v","name":"n"}"#);
    Ok(())
}
