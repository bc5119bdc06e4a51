use graph_core::graph_endpoint;

// Three mistakes, three errors, and nothing more: the struct and its builder
// still exist, so `main` adds no errors of its own.
#[graph_endpoint(GET "/drives/<drive_id>/items/<item_id>", validat = check)]
struct GetItem {
    item_id: String,
    #[query]
    expand: Option<String>,
}

fn main() {
    let _get = GetItem::builder().item_id("01ABC").build();
}
