use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<item_id>")]
struct GetItem {
    item_id: String,
    #[header("authorization")]
    token: String,
}

fn main() {}
