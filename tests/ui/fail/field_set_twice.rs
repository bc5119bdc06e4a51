use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<item_id>")]
struct GetItem {
    item_id: String,
}

fn main() {
    let _get = GetItem::builder().item_id("a").item_id("b").build();
}
