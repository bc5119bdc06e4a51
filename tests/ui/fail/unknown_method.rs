use graph_core::graph_endpoint;

#[graph_endpoint(FETCH "/me/drive")]
struct GetDrive {}

fn main() {}
