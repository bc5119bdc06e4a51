use graph_core::graph_endpoint;

#[graph_endpoint(DELETE "/me/drive/items/<item_id>/permissions/<perm_id>")]
struct DeletePermission {
    item_id: String,
    perm_id: String,
    #[body]
    reason: String,
}

fn main() {}
