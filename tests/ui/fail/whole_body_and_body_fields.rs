use graph_core::graph_endpoint;

#[graph_endpoint(POST "/me/drive/items/<item_id>/invite")]
struct Invite {
    item_id: String,
    #[body]
    body: serde_json::Value,
    message: Option<String>,
}

fn main() {}
