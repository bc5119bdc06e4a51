use graph_core::graph_endpoint;

#[graph_endpoint(POST "/me/drive/items/<item_id>/copy")]
struct Copy {
    item_id: String,
    parent_reference: Option<String>,
    parentReference: Option<String>,
    build: Option<String>,
    __optional: Option<String>,
}

fn main() {}
