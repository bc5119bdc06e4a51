use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<>")]
struct GetItem {
    item_id: String,
}

fn main() {}
