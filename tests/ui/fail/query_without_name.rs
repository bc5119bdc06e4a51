use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive/items/<item_id>/permissions")]
struct ListPermissions {
    item_id: String,
    #[query]
    top: Option<u32>,
}

fn main() {}
