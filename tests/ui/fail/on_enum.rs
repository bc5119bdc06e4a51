use graph_core::graph_endpoint;

#[graph_endpoint(GET "/me/drive")]
enum GetDrive {
    Mine,
}

fn main() {}
