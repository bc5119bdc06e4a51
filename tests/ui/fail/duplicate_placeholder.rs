use graph_core::graph_endpoint;

#[graph_endpoint(GET "/drives/<id>/items/<id>")]
struct GetItem {
    id: String,
}

fn main() {}
