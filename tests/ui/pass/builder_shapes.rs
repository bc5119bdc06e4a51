//! Builders of every shape the expansion has to handle: no fields at all, only
//! optional fields, a field named like the setters' own parameter, fields whose
//! type parameters would be named like the generated code's own names
//! (`set` → `__Set`), fields whose numbered names meet, and a restricted
//! visibility.
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

/// One required field per name the generated code brings into scope
/// (`graph_core::__private::names`): each would get that name as its type
/// parameter if the builder did not renumber it.
#[graph_endpoint(POST "/things")]
struct Clashing {
    set: String,
    take: u32,
    into: bool,
    some: String,
    ok: String,
    unset: String,
    none: String,
    option: String,
    result: String,
    endpoint: String,
    method: String,
    probe: String,
    validation_error: String,
    body_error: String,
    body_writer: String,
    header_writer: String,
    path_writer: String,
    query_writer: String,
    #[query("a")]
    item_id12: String,
    #[query("b")]
    item_id1: String,
    #[query("c")]
    itemId1: String,
}

fn main() -> Result<(), graph_core::Error> {
    let clashing = Clashing::builder()
        .set("s")
        .take(1_u32)
        .into(true)
        .some("x")
        .ok("y")
        .unset("")
        .none("")
        .option("")
        .result("")
        .endpoint("")
        .method("")
        .probe("")
        .validation_error("")
        .body_error("")
        .body_writer("")
        .header_writer("")
        .path_writer("")
        .query_writer("")
        .item_id12("12")
        .item_id1("1")
        .itemId1("one")
        .build();
    assert_eq!(clashing.to_request()?.path_and_query(), "/things?a=12&b=1&c=one");
    assert_eq!(
        clashing.to_request()?.body().unwrap(),
        br#"{"set":"s","take":1,"into":true,"some":"x","ok":"y","unset":"","none":"","option":"","result":"","endpoint":"","method":"","probe":"","validationError":"","bodyError":"","bodyWriter":"","headerWriter":"","pathWriter":"","queryWriter":""}"#
    );

    assert_eq!(GetMyDrive::builder().build().to_request()?.path_and_query(), "/me/drive");

    let all = ListRootChildren::builder().top(2_u32).filter("x").build();
    assert_eq!(all.to_request()?.path_and_query(), "/me/drive/root/children?$top=2&$filter=x");
    let none = ListRootChildren::builder().build();
    assert_eq!(none.to_request()?.path_and_query(), "/me/drive/root/children");

    let rename = Rename::builder().value("v").item_id("1").name("n").build();
    assert_eq!(rename.to_request()?.body().unwrap(), br#"{"value":"v","name":"n"}"#);
    Ok(())
}
