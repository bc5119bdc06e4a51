//! Setting a field again replaces its value, for required and optional fields
//! alike (documented on `graph_core::typestate`).
use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions")]
struct ListPermissions {
    item_id: String,
    #[query("$top")]
    top: Option<u32>,
}

fn main() {
    let list = ListPermissions::builder()
        .item_id("first")
        .top(5_u32)
        .item_id("second")
        .top(10_u32)
        .build();
    assert_eq!(list.item_id, "second");
    assert_eq!(list.top, Some(10));
}
