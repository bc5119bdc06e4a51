use graph_core::graph_endpoint;

#[graph_endpoint(POST "/me/drive/items/<item_id>/invite")]
struct Invite {
    item_id: String,
    #[body]
    first: serde_json::Value,
    #[body]
    second: serde_json::Value,
}

fn main() {}
