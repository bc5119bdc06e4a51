use graph_core::graph_endpoint;

#[graph_endpoint(get "/me/drive")]
struct GetDrive {}

fn main() {}
