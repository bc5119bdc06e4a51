use graph_core::graph_endpoint;

#[graph_endpoint(GET "/drives/<drive-id>/items/<item_id")]
struct GetItem {
    item_id: String,
}

fn main() {}
