use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<item_id>")]
struct GetItem {
    item_id: String,
    #[cfg(feature = "expand")]
    #[query("$expand")]
    expand: Option<String>,
}

fn main() {
    let _ = GetItem::builder().item_id("1").build();
}
