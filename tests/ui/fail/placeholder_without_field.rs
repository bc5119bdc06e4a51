use graph_core::graph_endpoint;

#[graph_endpoint(GET "/groups/<group_id>/drive/items/<item_id>")]
struct GetGroupItem {
    groupid: String,
    item_id: String,
}

fn main() {}
